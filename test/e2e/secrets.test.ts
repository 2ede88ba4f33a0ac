// Issue 7, acceptance 1 and 2: secrets set and listed, deployed as env and as 0400 files the app
// reads, files gone once the instances stop; then a leak scan: known values (and their
// base64 / URL-encoded forms) appear in nothing slipway wrote or showed, after a deploy whose
// app prints its whole environment and fails, and after errors and reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join, relative } from 'node:path';
import { CLI, cli, destroyProject, makeProject, type CliResult, type Project } from '../helpers/e2e-project.js';
import { SecretStore } from '../../src/secrets/store.js';
import { filesUnder } from '../helpers/tree.js';
import { secretForms } from '../helpers/secret-forms.js';

const PASSWORD = 'S3cr3t-Pa55/word+with=chars&more';

const APP = `
import { createServer } from 'node:http';
import { readFileSync, statSync } from 'node:fs';
console.log('environment at start:', JSON.stringify(process.env));
const failing = process.env.FAIL_HEALTH === '1';
const server = createServer((req, res) => {
  if (req.url === '/health') { res.writeHead(failing ? 503 : 200); return res.end(failing ? 'no' : 'ok'); }
  if (req.url === '/secrets') {
    const file = process.env.DATABASE_PASSWORD_FILE;
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({
      url: process.env.DATABASE_URL, jwt: process.env.JWT, file, fileText: readFileSync(file, 'utf8'),
      mode: (statSync(file).mode & 0o777).toString(8), jwtFile: readFileSync(process.env.JWT_SECRET_FILE, 'utf8'),
    }));
  }
  res.writeHead(200); res.end('hello');
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

function configYaml(p: Project, extraEnv = '', extraSecrets = ''): string {
  return `version: 1
proxy: { http: ${p.port}, host: 127.0.0.1 }
secrets:
  DATABASE_PASSWORD: {}
  JWT_SECRET: { generate: { kind: hex, bytes: 32 } }
${extraSecrets}services:
  web:
    source: ./app
    run: node secrets-app.mjs
    routes: [{ host: hello.localhost }]
    health: { path: /health, interval: 200ms, timeout: 1s, rise: 2, fall: 2, startTimeout: 3s }
    instances: 2
    drain: 1s
    watch: 1s
    stopTimeout: 3s
    env:
      DATABASE_URL: postgres://app:\${secret:DATABASE_PASSWORD}@127.0.0.1/app
      JWT: \${secret:JWT_SECRET}
${extraEnv}    secretFiles: [DATABASE_PASSWORD, JWT_SECRET]
`;
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: 'hello.localhost' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    });
    req.on('error', reject);
    req.end();
  });
}

test('secrets: set, list, deploy as env and 0400 files, files gone after stop, and nothing leaks', { timeout: 180_000 }, async () => {
  const p = await makeProject();
  const outputs: CliResult[] = [];
  const run = async (args: string[]): Promise<CliResult> => {
    const r = await cli(p, args);
    outputs.push(r);
    return r;
  };
  try {
    await writeFile(join(p.appDir, 'secrets-app.mjs'), APP);
    await writeFile(p.configFile, configYaml(p));

    // set from stdin (never argv), list without values
    const set = spawnSync(process.execPath, [CLI, 'secrets', 'set', 'DATABASE_PASSWORD', '--config', p.configFile], { input: `${PASSWORD}\n`, cwd: p.dir, encoding: 'utf8' });
    assert.equal(set.status, 0, set.stderr);
    outputs.push({ code: set.status ?? 1, stdout: set.stdout, stderr: set.stderr, json: undefined });
    const list = await run(['secrets', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(list.json.secrets.map((s: { name: string; version: number }) => [s.name, s.version]), [['DATABASE_PASSWORD', 1]]);
    assert.equal((await run(['secrets', 'generate', 'JWT_SECRET'])).code, 0);
    const again = await run(['secrets', 'generate', 'JWT_SECRET', '--json']);
    assert.equal(again.json.error.code, 'SLW_SECRETS_EXISTS');

    assert.equal((await run(['daemon', '--detach'])).code, 0);
    const deploy = await run(['deploy', '--json']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);

    const seen = JSON.parse(await get(p.port, '/secrets')) as Record<string, string>;
    const jwt = (await new SecretStore({ stateDir: p.stateDir, env: 'default', environ: {} }).get('JWT_SECRET')).reveal();
    assert.equal(seen['url'], `postgres://app:${PASSWORD}@127.0.0.1/app`);
    assert.equal(seen['jwt'], jwt);
    assert.equal(seen['fileText'], PASSWORD);
    assert.equal(seen['jwtFile'], jwt);
    assert.equal(seen['mode'], '400');
    assert.ok(seen['file']?.startsWith(join(p.stateDir, 'run', 'secrets')), seen['file']);
    assert.equal((await readdir(join(p.stateDir, 'run', 'secrets'))).length, 2, 'one directory per live instance');

    // a failing release whose app prints its environment
    await writeFile(p.configFile, configYaml(p, '      FAIL_HEALTH: "1"\n'));
    const failed = await run(['deploy', '--json']);
    assert.equal(failed.code, 3, failed.stdout + failed.stderr);
    assert.equal(failed.json.error.code, 'SLW_HEALTH_TIMEOUT');
    const lastLines = (failed.json.error.details.lastLines as string[]).join('\n');
    assert.match(lastLines, /environment at start/);
    assert.match(lastLines, /\[redacted:DATABASE_PASSWORD\]/);
    assert.equal((await readdir(join(p.stateDir, 'run', 'secrets'))).length, 2, 'the failed instances\' files are gone');
    await run(['deploy']);
    await run(['logs', 'web']);
    await run(['logs', 'web', '--json']);
    await run(['history', '--json']);
    await run(['status', '--json']);

    // a secret without a value: refused before anything changes
    await writeFile(p.configFile, configYaml(p, '      NEW: ${secret:NEW_SECRET}\n', '  NEW_SECRET: {}\n'));
    const missing = await run(['deploy', '--json']);
    assert.equal(missing.json.error.code, 'SLW_SECRETS_MISSING');

    assert.equal((await run(['stop'])).code, 0);
    assert.deepEqual(await readdir(join(p.stateDir, 'run', 'secrets')), [], 'every secret file is gone once the instances stopped');

    // the leak scan
    const needles = [...secretForms(PASSWORD), ...secretForms(jwt)];
    const appLogs = join(p.stateDir, 'logs', 'instances');
    const scanned = (await filesUnder(p.stateDir)).filter((f) => !f.startsWith(appLogs));
    assert.ok(scanned.some((f) => f.endsWith('state.db')), 'the journal is scanned');
    for (const file of scanned) {
      const bytes = await readFile(file);
      for (const needle of needles) assert.ok(!bytes.includes(Buffer.from(needle)), `${relative(p.stateDir, file)} holds a secret (${needle.slice(0, 4)}…)`);
    }
    const appLog = (await filesUnder(appLogs)).map((f) => f);
    const printed = (await Promise.all(appLog.map((f) => readFile(f, 'utf8')))).join('');
    assert.ok(printed.includes(PASSWORD), 'the app did print its environment into its own log (the scan would catch a leak)');
    for (const out of outputs) {
      for (const needle of needles) assert.ok(!`${out.stdout}${out.stderr}`.includes(needle), `CLI output holds a secret: ${out.stdout.slice(0, 200)}`);
    }
    assert.ok((await stat(join(p.stateDir, 'secrets', 'key'))).mode & 0o600);

    // The daemon's and the proxy's own logs (scanned above): JSON lines with level, time,
    // component and msg; the deploy lines carry their deployment id, the API lines a request id.
    const parse = (text: string): Record<string, unknown>[] => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const daemonLog = await readFile(join(p.stateDir, 'logs', 'daemon.log'), 'utf8');
    const lines = parse(daemonLog).filter((l) => !('ready' in l)); // the start line the CLI waits for
    const proxyLines = parse(await readFile(join(p.stateDir, 'logs', 'proxy.log'), 'utf8'));
    for (const l of [...lines, ...proxyLines]) {
      assert.deepEqual(['level', 'time', 'component', 'msg'].map((k) => typeof l[k]), ['string', 'string', 'string', 'string'], JSON.stringify(l));
    }
    assert.ok(proxyLines.some((l) => l['component'] === 'proxy' && l['msg'] === 'table-applied'));
    const okId = deploy.json.results[0].deploymentId as string;
    assert.ok(lines.some((l) => l['deployId'] === okId && l['msg'] === 'deploy succeeded' && l['service'] === 'web'), daemonLog.slice(0, 2000));
    assert.ok(lines.some((l) => l['deployId'] === okId && typeof l['step'] === 'string' && typeof l['requestId'] === 'string'), 'step lines name the deployment and the request');
    const failedLine = lines.find((l) => l['deployId'] !== undefined && l['deployId'] !== okId && l['outcome'] === 'failed');
    assert.ok(failedLine, 'the failed deploy is logged with its id');
    assert.equal(failedLine['level'], 'warn');
    assert.ok(lines.some((l) => l['component'] === 'api' && l['code'] === 'SLW_SECRETS_MISSING'), 'a refused call is logged with its code');
    assert.match(daemonLog, /\[redacted:DATABASE_PASSWORD\]/, 'the failed deploy\'s app output reached the log, redacted');
  } finally {
    await destroyProject(p);
  }
});
