import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlipwayError, toSlipwayError } from '../../src/errors.js';

const errno = (code: string, path?: string): Error => Object.assign(new Error(`${code}: failed`), { code, ...(path ? { path } : {}) });

test('a full disk anywhere in the cause chain is SLW_DISK_FULL (user-fixable), never "a bug in slipway"', () => {
  for (const err of [
    errno('ENOSPC', '/srv/state/journal.db'),
    errno('EDQUOT'),
    errno('SQLITE_FULL'),
    new SlipwayError('SLW_IO', 'Could not write table.json.', { cause: errno('ENOSPC', '/srv/state/proxy/table.json') }),
    new Error('build step failed', { cause: new Error('copy failed', { cause: errno('ENOSPC') }) }),
  ]) {
    const e = toSlipwayError(err);
    assert.equal(e.code, 'SLW_DISK_FULL', err.message);
    assert.equal(e.kind, 'user');
    assert.doesNotMatch(e.hint, /bug in slipway/);
  }
  assert.match(toSlipwayError(errno('ENOSPC', '/srv/x')).message, /writing \/srv\/x/);
  assert.match(toSlipwayError(errno('SQLITE_FULL')).message, /state database: the journal could not be written/);
});

test('other errors keep their classification', () => {
  assert.equal(toSlipwayError(new Error('boom')).code, 'SLW_INTERNAL');
  assert.equal(toSlipwayError(new SlipwayError('SLW_IO', 'x', { cause: errno('EACCES') })).code, 'SLW_IO');
  const user = new SlipwayError('SLW_USAGE', 'x', { cause: errno('ENOSPC') });
  assert.equal(toSlipwayError(user), user, 'a coded error that is not internal is kept as is');
});

test('a damaged state page met while running is SLW_STATE_CORRUPT (the running apps keep serving), never "a bug in slipway"', async () => {
  const { mkdtemp, open, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { default: Database } = await import('better-sqlite3');
  const dir = await mkdtemp(join(tmpdir(), 'slipway-corrupt-page-'));
  try {
    const file = join(dir, 'state.db');
    const db = new Database(file);
    db.exec('CREATE TABLE journal (seq INTEGER PRIMARY KEY, data TEXT)');
    const insert = db.prepare('INSERT INTO journal (data) VALUES (?)');
    for (let n = 0; n < 2000; n++) insert.run('x'.repeat(500));
    db.close();
    // A reader whose page cache is tiny meets the damaged pages on disk, as a long-running
    // daemon does once they fall out of its cache.
    const reader = new Database(file);
    reader.pragma('cache_size = 1');
    const fh = await open(file, 'r+');
    await fh.write(Buffer.alloc(4096 * 40, 0xa5), 0, 4096 * 40, 4096 * 8);
    await fh.close();
    let thrown: unknown;
    try {
      reader.prepare('SELECT count(*), max(length(data)) FROM journal').get();
    } catch (err) {
      thrown = err;
    }
    reader.close();
    assert.match(String((thrown as { code?: string } | undefined)?.code), /^SQLITE_(CORRUPT|NOTADB)/, `sqlite reported ${String(thrown)}`);
    const e = toSlipwayError(new Error('reading the journal failed', { cause: thrown }));
    assert.equal(e.code, 'SLW_STATE_CORRUPT');
    assert.equal(e.kind, 'user');
    assert.doesNotMatch(e.hint, /bug in slipway/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
