import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { BasicAuthGate, parseBasic } from '../../src/proxy/admission/basic-auth.js';
import { hashPassword } from '../../src/secrets/password-hash.js';
import { makeTable, startTestProxy, startUpstream, type TestProxy, type Upstream } from '../helpers/proxy-fixtures.js';

let app: Upstream;
let proxy: TestProxy;
let port: number;
const OPS_HASH = hashPassword('correct horse');

before(async () => {
  app = await startUpstream('app', (req, res) => res.end(JSON.stringify({ authorization: req.headers.authorization ?? null })));
  proxy = await startTestProxy();
  const table = makeTable(1, { web: { targets: [{ id: 'a1', release: 'r1', port: app.port }] } }, {
    routes: [
      { host: 'app.test', path: '/', service: 'web' },
      { host: 'app.test', path: '/admin', service: 'web', basicAuth: { realm: 'web admin', users: { ops: OPS_HASH } } },
    ],
  });
  port = (await proxy.client.putTable(table)).httpPort;
});

after(async () => {
  await proxy?.stop();
  await app?.close();
});

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function get(path: string, authorization?: string): Promise<{ status: number; challenge: string | undefined; body: string }> {
  const res = await request(`http://127.0.0.1:${port}${path}`, { headers: { host: 'app.test', ...(authorization ? { authorization } : {}) } });
  const body = await res.body.text();
  const challenge = res.headers['www-authenticate'];
  return { status: res.statusCode, challenge: Array.isArray(challenge) ? challenge[0] : challenge, body };
}

test('no credentials: 401 with a Basic challenge, and the app is not reached', async () => {
  const seen = app.seen.length;
  const res = await get('/admin/users');
  assert.equal(res.status, 401);
  assert.equal(res.challenge, 'Basic realm="web admin", charset="UTF-8"');
  assert.equal(app.seen.length, seen);
});

test('wrong password, unknown user, or a malformed header: 401', async () => {
  const seen = app.seen.length;
  for (const authorization of [basic('ops', 'wrong'), basic('nobody', 'correct horse'), 'Basic !!!', 'Bearer abc', basic('', '')]) {
    const res = await get('/admin', authorization);
    assert.equal(res.status, 401, authorization);
    assert.ok(res.challenge?.startsWith('Basic '));
  }
  assert.equal(app.seen.length, seen);
});

test('the right credentials pass, and the password is not forwarded to the app', async () => {
  const res = await get('/admin', basic('ops', 'correct horse'));
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body), { authorization: null });
  const again = await get('/admin/x', basic('ops', 'correct horse'));
  assert.equal(again.status, 200);
});

test('other routes are unaffected (and keep their own Authorization header)', async () => {
  const plain = await get('/public');
  assert.equal(plain.status, 200);
  const withToken = await get('/public', 'Bearer app-token');
  assert.equal(withToken.status, 200);
  assert.deepEqual(JSON.parse(withToken.body), { authorization: 'Bearer app-token' });
});

test('checked credentials are remembered: the second check is synchronous, right or wrong', async () => {
  const gate = new BasicAuthGate();
  const auth = { realm: 'r', users: { ops: OPS_HASH } };
  const first = gate.check(basic('ops', 'correct horse'), auth);
  assert.ok(first instanceof Promise);
  assert.equal(await first, 'ok');
  assert.equal(gate.check(basic('ops', 'correct horse'), auth), 'ok');
  assert.equal(await gate.check(basic('ops', 'nope'), auth), 'denied');
  assert.equal(gate.check(basic('ops', 'nope'), auth), 'denied');
  // A changed password hash is a different entry: the old outcome does not carry over.
  assert.ok(gate.check(basic('ops', 'correct horse'), { realm: 'r', users: { ops: hashPassword('other') } }) instanceof Promise);
});

test('a flood of distinct wrong passwords runs few scrypt checks at once; identical ones share one', async () => {
  const gate = new BasicAuthGate({ maxPending: 2 });
  const auth = { realm: 'r', users: { ops: OPS_HASH } };
  const outcomes = Array.from({ length: 6 }, (_, i) => gate.check(basic('ops', `guess-${i}`), auth));
  const busy = outcomes.filter((o) => o === 'busy').length;
  assert.equal(busy, 4);
  const shared = [gate.check(basic('ops', 'guess-0'), auth), gate.check(basic('ops', 'guess-0'), auth)];
  assert.ok(shared.every((o) => o instanceof Promise), 'a check already running is joined, not refused');
  assert.deepEqual(await Promise.all([...outcomes, ...shared]), ['denied', 'denied', 'busy', 'busy', 'busy', 'busy', 'denied', 'denied']);
});

test('the Basic header parser', () => {
  assert.deepEqual(parseBasic(basic('ops', 'a:b')), { user: 'ops', password: 'a:b' });
  assert.deepEqual(parseBasic(`basic ${Buffer.from('ü:pässword').toString('base64')}`), { user: 'ü', password: 'pässword' });
  assert.equal(parseBasic(undefined), undefined);
  assert.equal(parseBasic('Basic bm9jb2xvbg=='), undefined); // "nocolon"
});
