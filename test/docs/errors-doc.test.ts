import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalog } from '../../src/errors.js';
import { errorAreas, renderErrorsDoc } from '../../scripts/errors-doc.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const docPath = join(root, 'docs', 'errors.md');
const regenerate = 'run `node --import tsx scripts/gen-errors-doc.ts` and commit docs/errors.md';
const codes = Object.keys(catalog);

function readDoc(): string {
  return readFileSync(docPath, 'utf8');
}

test('docs/errors.md has a section for every catalog code', () => {
  const headings = new Set([...readDoc().matchAll(/^### (SLW_[A-Z0-9_]+)$/gm)].map((m) => m[1]));
  const missing = codes.filter((code) => !headings.has(code));
  assert.deepEqual(missing, [], `codes missing from docs/errors.md: ${missing.join(', ')}; ${regenerate}`);
});

test('docs/errors.md names no code that is not in the catalog', () => {
  const named = new Set([...readDoc().matchAll(/SLW_[A-Z_]+/g)].map((m) => m[0]));
  const unknown = [...named].filter((code) => !Object.hasOwn(catalog, code));
  assert.deepEqual(unknown, [], `docs/errors.md names codes the catalog lacks: ${unknown.join(', ')}; ${regenerate}`);
});

test('docs/errors.md is exactly what the generator writes from the catalog', () => {
  assert.ok(readDoc() === renderErrorsDoc(catalog), `docs/errors.md is out of date: ${regenerate}`);
});

test('every catalog code belongs to exactly one area of the errors doc', () => {
  const owners = new Map<string, string[]>();
  for (const area of errorAreas) {
    for (const code of Object.keys(area.codes)) owners.set(code, [...(owners.get(code) ?? []), area.title]);
  }
  const twice = [...owners].filter(([, areas]) => areas.length > 1).map(([code, areas]) => `${code} (${areas.join(', ')})`);
  assert.deepEqual(twice, [], `codes defined in two code tables (the catalog keeps only the last): ${twice.join('; ')}`);
  const homeless = codes.filter((code) => !owners.has(code));
  assert.deepEqual(homeless, [], `add the code table holding ${homeless.join(', ')} to errorAreas in scripts/errors-doc.ts`);
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name));
}

test('every SLW_ code quoted in src/ is in the catalog', () => {
  const files = sourceFiles(join(root, 'src'));
  assert.ok(files.length > 10, 'found the source files');
  const bad: string[] = [];
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const m of line.matchAll(/(['"`])(SLW_[A-Z0-9_]+)\1/g)) {
          if (!Object.hasOwn(catalog, m[2]!)) bad.push(`${relative(root, file)}:${i + 1} ${m[2]}`);
        }
      });
  }
  assert.deepEqual(bad, [], `codes used in src/ but missing from the catalog (a typo, or add them to a codes.ts table):\n${bad.join('\n')}`);
});

test('the renderer puts unplaced codes under "Other codes" and escapes Markdown outside code spans', () => {
  const doc = renderErrorsDoc(
    {
      SLW_INTERNAL: { title: 'Broke in <state-dir>.', hint: 'Run `a <b>` then *c*.', kind: 'internal' },
      SLW_LOCK_HELD: { title: 'Held.', hint: 'Wait.', kind: 'user' },
    },
    [{ title: 'General', codes: { SLW_INTERNAL: catalog.SLW_INTERNAL } }],
  );
  assert.match(doc, /## General\n\n### SLW_INTERNAL\n\nBroke in &lt;state-dir&gt;\.\n/);
  assert.match(doc, /\*\*How to fix:\*\* Run `a <b>` then \\\*c\\\*\./);
  assert.match(doc, /## Other codes\n\n### SLW_LOCK_HELD\n\nHeld\.\n\n\*\*How to fix:\*\* Wait\.\n\n\*\*Kind:\*\* user [^\n]*; exit code 5\.\n$/);
});
