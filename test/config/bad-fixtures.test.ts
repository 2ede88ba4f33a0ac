import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load.js';
import { configCodes } from '../../src/config/codes.js';

const dir = fileURLToPath(new URL('../fixtures/bad-config/', import.meta.url));
const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();

test('there are at least 24 bad fixtures', () => {
  assert.ok(files.length >= 24, `only ${files.length} fixtures`);
});

for (const name of files) {
  test(`bad fixture ${name}`, async () => {
    const file = join(dir, name);
    const text = await readFile(file, 'utf8');
    const expect = /^# expect: (SLW_CONFIG_[A-Z_]+) (\d+):(\d+)$/m.exec(text);
    assert.ok(expect, `${name} must start with "# expect: CODE line:col"`);
    const env = /^# env: (\S+)$/m.exec(text)?.[1];
    const { config, issues } = await checkConfig({ file, ...(env ? { env } : {}) });
    assert.equal(config, undefined);
    const summary = issues.map((i) => `${i.code} ${i.location?.line}:${i.location?.col} ${i.path}: ${i.message}`);
    assert.equal(issues.length, 1, `expected one issue, got:\n${summary.join('\n')}`);
    const [issue] = issues;
    assert.equal(`${issue?.code} ${issue?.location?.line}:${issue?.location?.col}`, `${expect[1]} ${expect[2]}:${expect[3]}`, summary.join('\n'));
    assert.equal(issue?.location?.file, file);
    assert.ok(issue?.message && issue.hint, 'every issue has a message and a hint');
    assert.ok(Object.hasOwn(configCodes, issue.code));
  });
}
