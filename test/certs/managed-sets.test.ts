import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManagedSets, saveManagedSets, unionOf, type ManagedSet } from '../../src/certs/managed-set.js';

const cert = (host: string) => ({ name: host, hosts: [host], tls: { kind: 'internal' as const }, redirectHttp: true });

test('certificates of several projects: one set each, managed as their union (the first project naming a host owns it)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-sets-'));
  try {
    const shop: ManagedSet = { certs: [cert('shop.example'), cert('shared.example')], httpsPort: 8443 };
    const blog: ManagedSet = { certs: [{ ...cert('shared.example'), redirectHttp: false }, cert('blog.example')] };
    const union = unionOf(new Map([['shop', shop], ['blog', blog]]));
    assert.deepEqual(union.certs.map((c) => `${c.name}:${c.redirectHttp}`), ['shop.example:true', 'shared.example:true', 'blog.example:true']);
    assert.equal(union.httpsPort, 8443);
    assert.deepEqual(unionOf(new Map([['blog', blog]])).certs.map((c) => c.name), ['shared.example', 'blog.example'], 'a removed project takes its hosts away');

    const file = join(dir, 'managed.json');
    await saveManagedSets(file, new Map([['shop', shop], ['blog', blog]]));
    assert.deepEqual([...(await loadManagedSets(file)).keys()], ['shop', 'blog']);
    // A file of before projects held one set: it reads as project ''.
    await writeFile(file, JSON.stringify(shop));
    assert.deepEqual([...(await loadManagedSets(file)).entries()], [['', shop]]);
    await writeFile(file, '{not json');
    assert.equal((await loadManagedSets(file)).size, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
