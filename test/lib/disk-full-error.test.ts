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
});

test('other errors keep their classification', () => {
  assert.equal(toSlipwayError(new Error('boom')).code, 'SLW_INTERNAL');
  assert.equal(toSlipwayError(new SlipwayError('SLW_IO', 'x', { cause: errno('EACCES') })).code, 'SLW_IO');
  const user = new SlipwayError('SLW_USAGE', 'x', { cause: errno('ENOSPC') });
  assert.equal(toSlipwayError(user), user, 'a coded error that is not internal is kept as is');
});
