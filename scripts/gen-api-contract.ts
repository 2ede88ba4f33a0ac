/**
 * Writes the generated JSON Schema contracts from their zod schemas: src/api/contract.ts (the
 * control API, checked by the CLI) and src/proxy/protocol-contract.ts (the daemon ⇄ proxy
 * messages, checked by the proxy).
 *   node --import tsx scripts/gen-api-contract.ts          write the files
 *   node --import tsx scripts/gen-api-contract.ts --check  exit 1 if a file is out of date
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/lib/atomic-write.js';
import { renderApiContract } from './api-contract.js';
import { renderProxyContract } from './proxy-contract.js';

const files: ReadonlyArray<readonly [string, string]> = [
  ['../src/api/contract.ts', renderApiContract()],
  ['../src/proxy/protocol-contract.ts', renderProxyContract()],
];

for (const [relative, text] of files) {
  const target = fileURLToPath(new URL(relative, import.meta.url));
  if (process.argv.includes('--check')) {
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== text) {
      process.stderr.write(`${target} is out of date: run \`npm run api:contract\`\n`);
      process.exitCode = 1;
    }
  } else {
    await writeFileAtomic(target, text);
    process.stdout.write(`wrote ${target}\n`);
  }
}
