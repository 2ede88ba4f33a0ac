// The dashboard's token and sessions: only hashes on disk, login with the right token only,
// sessions end on rotation, logout and expiry, and survive a reopen (a daemon restart).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthStore } from '../../src/dashboard/auth-store.js';

test('token and sessions: hashed on disk, rotation ends sessions, reopen keeps them, expiry and logout end them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-auth-'));
  try {
    let now = Date.parse('2026-12-07T08:00:00Z');
    const store = await AuthStore.open(dir, () => now);
    assert.equal(store.hasToken, false);
    assert.equal(await store.login(''), undefined, 'no token yet: nobody logs in');
    const { token } = await store.rotate();
    assert.equal(await store.login(`${token}x`), undefined);
    const session = await store.login(token);
    assert.ok(session);
    const onDisk = await readFile(join(dir, 'dashboard', 'auth.json'), 'utf8');
    assert.ok(!onDisk.includes(token) && !onDisk.includes(session.id), 'only hashes of the token and the session id');
    assert.equal(store.session(session.id)?.csrf, session.csrf);
    assert.equal(store.session(`${session.id}x`), undefined);

    const reopened = await AuthStore.open(dir, () => now);
    assert.equal(reopened.session(session.id)?.csrf, session.csrf, 'a restarted daemon keeps the session');

    const second = await reopened.login(token);
    assert.ok(second);
    await reopened.logout(second.id);
    assert.equal(reopened.session(second.id), undefined);

    now += 13 * 3600_000;
    assert.equal(reopened.session(session.id), undefined, 'sessions end after 12 hours');
    now -= 13 * 3600_000;
    const rotated = await reopened.rotate();
    assert.equal(rotated.endedSessions, 1);
    assert.equal(reopened.session(session.id), undefined, 'rotation ends every session');
    assert.equal(await reopened.login(token), undefined, 'the old token no longer logs in');
    assert.ok(await reopened.login(rotated.token));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an unreadable auth file is an error, never read as "no token"', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-auth-'));
  try {
    await mkdir(join(dir, 'dashboard'), { recursive: true });
    await writeFile(join(dir, 'dashboard', 'auth.json'), '{ broken');
    await assert.rejects(AuthStore.open(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
