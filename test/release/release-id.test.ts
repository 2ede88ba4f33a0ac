import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseReleaseId, releaseId } from '../../src/release/release-id.js';

describe('releaseId', () => {
  it('names a release by number and short commit', () => {
    assert.equal(releaseId(12), 'r12');
    assert.equal(releaseId(12, '3f2a9c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a59'), 'r12-3f2a9c1');
    assert.deepEqual(parseReleaseId('r12-3f2a9c1'), { n: 12, shortCommit: '3f2a9c1' });
    assert.deepEqual(parseReleaseId('r3'), { n: 3 });
    assert.equal(parseReleaseId('r0'), undefined);
    assert.equal(parseReleaseId('../r1'), undefined);
  });

  it('refuses numbers and commits that would make a bad directory name', () => {
    assert.throws(() => releaseId(0), { code: 'SLW_INTERNAL' });
    assert.throws(() => releaseId(1.5), { code: 'SLW_INTERNAL' });
    assert.throws(() => releaseId(1, '../etc'), { code: 'SLW_INTERNAL' });
  });
});
