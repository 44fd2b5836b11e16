// Paths tests need: the repository root and ../shared (maintained beside the clone).
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedDir = process.env['PPTPD_SHARED'] ?? path.resolve(repoRoot, '..', 'shared');
