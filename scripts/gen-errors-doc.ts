/**
 * Writes docs/errors.md from the error catalog.
 *   node --import tsx scripts/gen-errors-doc.ts          write the file
 *   node --import tsx scripts/gen-errors-doc.ts --check  exit 1 if the file is out of date
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { catalog } from '../src/errors.js';
import { writeFileAtomic } from '../src/lib/atomic-write.js';
import { renderErrorsDoc } from './errors-doc.js';

const target = fileURLToPath(new URL('../docs/errors.md', import.meta.url));
const text = renderErrorsDoc(catalog);

if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current !== text) {
    process.stderr.write('docs/errors.md is out of date: run `node --import tsx scripts/gen-errors-doc.ts`\n');
    process.exitCode = 1;
  }
} else {
  await writeFileAtomic(target, text);
  process.stdout.write(`wrote ${target} (${Object.keys(catalog).length} codes)\n`);
}
