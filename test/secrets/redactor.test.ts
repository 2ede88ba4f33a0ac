import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { Redactor } from '../../src/secrets/redactor.js';
import { Secret } from '../../src/secrets/secret.js';

test('a Secret prints as [redacted:NAME] however it is printed; reveal() is the deliberate act', () => {
  const s = new Secret('DB_PASSWORD', 'p@ss word/+=');
  assert.equal(String(s), '[redacted:DB_PASSWORD]');
  assert.equal(`${s}`, '[redacted:DB_PASSWORD]');
  assert.equal(JSON.stringify({ s }), '{"s":"[redacted:DB_PASSWORD]"}');
  assert.equal(inspect(s), '[redacted:DB_PASSWORD]');
  assert.equal(inspect({ nested: [s] }).includes('p@ss'), false);
  assert.equal(s.reveal(), 'p@ss word/+=');
});

test('the redactor hides a value and its base64, base64url, URL-encoded and JSON-escaped forms', () => {
  const r = new Redactor();
  const value = 'p@ss word/+="quoted"?';
  r.add(new Secret('DB_PASSWORD', value));
  const forms = [
    value,
    Buffer.from(value).toString('base64'),
    Buffer.from(value).toString('base64url'),
    encodeURIComponent(value),
    JSON.stringify(value).slice(1, -1),
  ];
  for (const form of forms) {
    const out = r.redact(`before ${form} after`);
    assert.equal(out, 'before [redacted:DB_PASSWORD] after', form);
  }
  assert.equal(r.redact(JSON.stringify({ url: `postgres://app:${value}@db/app` })), '{"url":"postgres://app:[redacted:DB_PASSWORD]@db/app"}');
  assert.deepEqual(r.redactDeep({ a: [value] }), { a: ['[redacted:DB_PASSWORD]'] });
});

test('each line of a multi-line value (PEM) is hidden too; very short values are not', () => {
  const r = new Redactor();
  const pem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';
  r.add(new Secret('KEY.privateKey', pem));
  r.add(new Secret('PIN', 'abc'));
  assert.equal(r.redact('line: MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg'), 'line: [redacted:KEY]');
  assert.equal(r.redact('abc'), 'abc');
});
