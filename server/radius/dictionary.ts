// The `radius` codec keeps one process-wide dictionary. It ships RFC
// dictionaries only, so our Microsoft one (dict/dictionary.microsoft, vendor
// 311) is added here, once, before anything is encoded. The codec loads its
// dictionary list lazily on first use and never again, so a file added after
// that first use is loaded directly as well.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import radius from 'radius';
import { ErrorCode, PptpdError } from '../errors.js';

const FILE = 'dictionary.microsoft';
let loaded = false;

/** Where the dictionary file is: beside this module, or in the source tree when running from dist/. */
export function microsoftDictionaryPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.join(here, 'dict', FILE),
    // dist/server/radius/dictionary.js → server/radius/dict/ (tsc does not copy data files)
    path.join(here, '..', '..', '..', 'server', 'radius', 'dict', FILE),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) {
    throw new PptpdError(ErrorCode.CONFIG_IO, `RADIUS dictionary ${FILE} not found (looked in ${candidates.join(', ')})`);
  }
  return found;
}

/** Makes the Microsoft attributes known to the codec. Idempotent and cheap after the first call. */
export function ensureRadiusDictionary(): void {
  if (loaded) return;
  const file = microsoftDictionaryPath();
  radius.add_dictionary(file);
  // The codec's load_dictionary is not in @types/radius; it merges one file into
  // the loaded maps, which covers the case where the codec was used before us.
  (radius as unknown as { load_dictionary(file: string): void }).load_dictionary(file);
  loaded = true;
}
