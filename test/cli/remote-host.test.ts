// The pieces of `--host ssh://…` that need no server: the URL parser (fuzzed), the shell quoting
// every word crosses to the server with (checked against a real sh), and how ssh's exit and words
// become coded errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { SlipwayError } from '../../src/errors.js';
import { parseSshUrl, withoutPassword } from '../../src/cli/remote/ssh-url.js';
import { shellJoin } from '../../src/lib/shell-quote.js';
import { sshArgv, sshFailure } from '../../src/cli/remote/ssh-transport.js';
import { withoutHost } from '../../src/cli/remote/remote-host.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof SlipwayError ? err.code : `not coded: ${String(err)}`;
  }
}

test('parseSshUrl takes ssh://[user@]host[:port] and refuses the rest with SLW_HOST_URL_INVALID', () => {
  assert.deepEqual(parseSshUrl('ssh://deploy@example.com:2222'), { user: 'deploy', host: 'example.com', port: 2222, url: 'ssh://deploy@example.com:2222' });
  assert.deepEqual(parseSshUrl('ssh://10.0.0.5'), { user: undefined, host: '10.0.0.5', port: undefined, url: 'ssh://10.0.0.5' });
  assert.equal(parseSshUrl('ssh://root@[::1]:22').host, '::1');
  for (const bad of ['example.com', 'http://x', 'ssh://', 'ssh://a:b@host', 'ssh://host/path', 'ssh://host?x=1', 'ssh://-oProxyCommand=x', 'ssh://user;rm@host', 'ssh://host:99999']) {
    assert.equal(codeOf(() => parseSshUrl(bad)), 'SLW_HOST_URL_INVALID', bad);
  }
});

test('fuzz: parseSshUrl either returns a host ssh cannot take as an option, or throws SLW_HOST_URL_INVALID; never echoes a password', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.webUrl().map((u) => u.replace(/^https?:/, 'ssh:')), fc.tuple(fc.string(), fc.string({ minLength: 6 }).filter((s) => /^[A-Za-z0-9]+$/.test(s))).map(([u, p]) => `ssh://${u}:${p}@host`)), (text) => {
      try {
        const h = parseSshUrl(text);
        assert.ok(!h.host.startsWith('-') && h.host !== '');
        assert.ok(h.user === undefined || !h.user.startsWith('-'));
        assert.ok(h.port === undefined || (h.port > 0 && h.port < 65536));
      } catch (err) {
        assert.ok(err instanceof SlipwayError && err.code === 'SLW_HOST_URL_INVALID', String(err));
        // A password that is also the user name (fast-check found "ssh://String:String@host") is shown as the user.
        const m = /^ssh:\/\/([^:@/]*):(.*)@host$/s.exec(text);
        if (m && m[2] !== undefined && m[2].length >= 6 && !(m[1] ?? '').includes(m[2])) assert.ok(!err.message.includes(m[2]), err.message);
      }
    }),
    { numRuns: 2000 },
  );
  assert.equal(withoutPassword('ssh://me:s3cr/et@host'), 'ssh://me:***@host');
});

test('fuzz: every word crosses the server\'s shell unchanged', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'binary' }).map((s) => s.replace(/\0/g, '')), { maxLength: 5 }), (words) => {
      const out = execFileSync('sh', ['-c', `printf '%s\\0' ${shellJoin(words)}`], { encoding: 'utf8' });
      assert.deepEqual(words.length === 0 ? [] : out.split('\0').slice(0, -1), words.length === 0 ? [] : words);
    }),
    { numRuns: 150 },
  );
});

test('ssh runs in batch mode (no password or host-key prompt), the host after --, the command quoted', () => {
  const argv = sshArgv({ host: parseSshUrl('ssh://deploy@srv:2200'), environ: { SLIPWAY_SSH_COMMAND: 'ssh -F /x/cfg', SLIPWAY_REMOTE_COMMAND: '/opt/slipway/bin/slipway' }, stateDir: '/var/lib/slip way' }, ['deploy', "it's"]);
  assert.deepEqual(argv, ['ssh', '-F', '/x/cfg', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-o', 'LogLevel=ERROR', '-p', '2200', '-l', 'deploy', '--', 'srv', `/opt/slipway/bin/slipway deploy 'it'\\''s' --state-dir '/var/lib/slip way'`]);
  assert.deepEqual(withoutHost(['secrets', 'list', '--host', 'ssh://a', '--json', '--host=ssh://b', '--config', '/laptop/slipway.yaml', '--config=x', '--state-dir', '/var/lib/slipway']), ['secrets', 'list', '--json', '--state-dir', '/var/lib/slipway']);
});

test('ssh\'s exit and words become coded errors; a command\'s own exit is not ssh\'s', () => {
  const h = parseSshUrl('ssh://me@srv');
  assert.equal(sshFailure(h, 255, 'ssh: connect to host srv port 22: Connection refused')?.code, 'SLW_SSH_UNREACHABLE');
  assert.equal(sshFailure(h, 255, 'me@srv: Permission denied (publickey).')?.code, 'SLW_SSH_AUTH');
  assert.equal(sshFailure(h, 255, 'No ED25519 host key is known for [srv]:22 and you have requested strict checking.\nHost key verification failed.')?.code, 'SLW_SSH_HOST_KEY');
  assert.equal(sshFailure(h, 127, 'bash: line 1: slipway: command not found')?.code, 'SLW_SSH_REMOTE_COMMAND');
  assert.equal(sshFailure(h, 255, 'something new')?.code, 'SLW_SSH_FAILED');
  assert.equal(sshFailure(h, 3, 'whatever'), undefined);
  assert.equal(sshFailure(h, 0, ''), undefined);
});
