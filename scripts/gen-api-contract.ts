/**
 * Writes src/api/contract.ts from the control API's zod schemas.
 *   node --import tsx scripts/gen-api-contract.ts          write the file
 *   node --import tsx scripts/gen-api-contract.ts --check  exit 1 if the file is out of date
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/lib/atomic-write.js';
import { renderApiContract } from './api-contract.js';

const target = fileURLToPath(new URL('../src/api/contract.ts', import.meta.url));
const text = renderApiContract();

if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current !== text) {
    process.stderr.write('src/api/contract.ts is out of date: run `npm run api:contract`\n');
    process.exitCode = 1;
  }
} else {
  await writeFileAtomic(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
