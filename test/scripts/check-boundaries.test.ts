import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { breaches, checkTree, folderCycles, type Edge } from '../../scripts/check-boundaries.js';
import { REPO_ROOT } from '../helpers/e2e-project.js';

const edge = (file: string, target: string, typeOnly = false): Edge => ({ file, target, typeOnly });

test('the import rules catch what they forbid and let through what they allow', () => {
  const found = breaches([
    edge('proxy/server.ts', 'engine/routing'),
    edge('proxy/server.ts', 'engine/deps', true), // type-only still counts for the proxy
    edge('engine/deploy.ts', 'daemon/daemon'),
    edge('config/load.ts', 'observability/collector'),
    edge('config/load.ts', 'engine/records', true), // types are fine for config
    edge('config/headers-schema.ts', 'proxy/response-policy/presets'), // shared vocabulary
    edge('drivers/local/x.ts', 'drivers/fake/fake-driver'),
    edge('engine/x.ts', 'drivers/driver', true),
  ]);
  assert.equal(found.length, 5, found.join('\n'));
  assert.ok(found.some((l) => l.includes('src/proxy/server.ts imports src/engine/routing')));
  assert.ok(found.some((l) => l.includes('src/proxy/server.ts imports src/engine/deps')));
  assert.ok(found.some((l) => l.includes('engine/ must not import daemon/')));
  assert.ok(found.some((l) => l.includes('config/ must not import observability/')));
  assert.ok(found.some((l) => l.includes('drivers never import each other')));
});

test('a cycle between folders through value imports is found once; type-only edges make none', () => {
  const cycle = folderCycles([edge('engine/a.ts', 'config/b'), edge('config/b.ts', 'observability/c'), edge('observability/c.ts', 'engine/d')]);
  assert.equal(cycle.length, 1);
  assert.match(cycle[0] ?? '', /^folder cycle config → observability → engine → config/);
  assert.deepEqual(folderCycles([edge('engine/a.ts', 'config/b'), edge('config/b.ts', 'engine/c', true)]), []);
});

test('src/ keeps every boundary', () => {
  assert.deepEqual(checkTree(join(REPO_ROOT, 'src')), []);
});
