// Runs every test/bench/*.bench.ts in turn (`npm run bench`), or only those
// whose file name contains the filter argument (`npm run bench -- crypto`).
// Each bench module exports `async function run(): Promise<void>` that prints
// its own figures. Benchmarks are not tests: CI does not run them.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';

interface BenchModule {
  run(): Promise<void>;
}

const dir = path.dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
  .sort();

if (files.length === 0) {
  console.error(`no benchmark matches "${filter}" in ${dir}`);
  process.exitCode = 1;
} else {
  console.log(
    `node ${process.version}, OpenSSL ${process.versions.openssl}, ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`,
  );
  for (const f of files) {
    console.log(`\n=== ${f}`);
    const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as BenchModule;
    const t0 = performance.now();
    await mod.run();
    // The load average shows when other work shared the machine during the figures.
    console.log(`(${f}: ${((performance.now() - t0) / 1000).toFixed(1)} s; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})`);
  }
}
