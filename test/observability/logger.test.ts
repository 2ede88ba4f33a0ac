// slipway's logger (daemon and proxy): JSON lines with level, time, component, msg and child
// bindings, written to a real file, the same lines pino wrote for the same calls; secret values in any form (message, nested field, child binding, error text;
// raw, base64, URL-encoded, JSON-escaped) are replaced by the secrets redactor, and keys that
// name credentials are censored whatever they hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CENSORED, SENSITIVE_KEYS, createLogger, droppedLogLines, type Logger } from '../../src/lib/logger.js';
import { Redactor } from '../../src/secrets/redactor.js';

const SECRET = 'p4ss "w/ord"+&=secret';

function forms(value: string): string[] {
  const b = Buffer.from(value);
  return [value, b.toString('base64'), b.toString('base64').replace(/=+$/, ''), b.toString('base64url'), encodeURIComponent(value), JSON.stringify(value).slice(1, -1)];
}

test('JSON lines with level, time, component, msg and child bindings; every form of a secret redacted', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-log-'));
  try {
    const file = join(dir, 'logs', 'daemon.log');
    const redactor = new Redactor();
    const log = createLogger({ component: 'daemon', destination: file, redact: (line) => redactor.redact(line), level: 'debug' });
    redactor.addValue('DB_PASSWORD', SECRET); // known after the logger was made: the hook reads the redactor at write time
    const b64 = Buffer.from(SECRET).toString('base64');
    log.info(`connected with ${SECRET}`);
    const deploy = log.child({ component: 'api', requestId: 'req-1' }).child({ service: 'web', deployId: 'dep-42' });
    deploy.warn('step failed', { detail: { env: `DATABASE_URL=postgres://app:${encodeURIComponent(SECRET)}@db/app`, encoded: b64 }, error: new Error(`bad ${SECRET}`).message });
    deploy.debug('headers', { headers: { authorization: 'Bearer abc.def.ghi', accept: '*/*' }, token: 'tok-123456', config: { password: 'hunter22' } });
    log.child({ leaked: SECRET }).error('child bindings too');

    const text = await readFile(file, 'utf8');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 4);
    for (const raw of text.trim().split('\n')) assert.equal(raw.split('"component":').length, 2, `one component key per line: ${raw}`);
    for (const l of lines) {
      assert.equal(typeof l['time'], 'string');
      assert.ok(!Number.isNaN(Date.parse(String(l['time']))), String(l['time']));
      assert.equal(l['pid'], process.pid);
      assert.ok(['debug', 'info', 'warn', 'error'].includes(String(l['level'])));
      assert.equal(typeof l['msg'], 'string');
    }
    assert.deepEqual(lines.map((l) => [l['level'], l['component']]), [['info', 'daemon'], ['warn', 'api'], ['debug', 'api'], ['error', 'daemon']]);
    assert.equal(lines[0]?.['msg'], 'connected with [redacted:DB_PASSWORD]');
    assert.deepEqual([lines[1]?.['requestId'], lines[1]?.['service'], lines[1]?.['deployId']], ['req-1', 'web', 'dep-42']);
    assert.deepEqual(lines[1]?.['detail'], { env: 'DATABASE_URL=postgres://app:[redacted:DB_PASSWORD]@db/app', encoded: '[redacted:DB_PASSWORD]' });
    assert.equal(lines[1]?.['error'], 'bad [redacted:DB_PASSWORD]');
    assert.deepEqual(lines[2]?.['headers'], { authorization: '[redacted]', accept: '*/*' });
    assert.equal(lines[2]?.['token'], '[redacted]');
    assert.deepEqual(lines[2]?.['config'], { password: '[redacted]' });
    assert.equal(lines[3]?.['leaked'], '[redacted:DB_PASSWORD]');
    for (const needle of [...forms(SECRET), 'abc.def.ghi', 'tok-123456', 'hunter22']) assert.ok(!text.includes(needle), `the log holds ${needle}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('below the level nothing is written; a file descriptor works as the destination', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-log-'));
  try {
    const file = join(dir, 'proxy.log');
    const { openSync, closeSync } = await import('node:fs');
    const fd = openSync(file, 'a');
    const log = createLogger({ component: 'proxy', destination: fd });
    log.debug('not written');
    log.info('listening', { event: 'listening', port: 8080 });
    closeSync(fd);
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => [l['level'], l['component'], l['msg'], l['port']]), [['info', 'proxy', 'listening', 8080]]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the lines are the ones pino wrote (the daemon\'s logger until it was dropped for memory), credentials censored', async () => {
  const { pino } = await import('pino');
  const { openSync, closeSync } = await import('node:fs');
  const dir = await mkdtemp(join(tmpdir(), 'slipway-log-'));
  try {
    const write = (file: string, make: (fd: number) => Logger): void => {
      const fd = openSync(file, 'a');
      const log = make(fd);
      log.debug('not written');
      log.info('table-applied', { event: 'table-applied', version: 3, token: 'tok-123456' });
      const child = log.child({ service: 'web' }).child({ deployId: 'dep-1' });
      child.warn('target-health', { event: 'target-health', headers: { authorization: 'Bearer abc.def.ghi', accept: '*/*' }, deep: { a: { password: 'kept-two-down' } }, list: [1, 'two'] });
      child.error('listen-failed', { error: 'EADDRINUSE' });
      closeSync(fd);
    };
    // pino as the daemon configured it (the reference for the format log shippers already parse).
    const viaPino = (fd: number): Logger => {
      const root = pino(
        {
          base: { pid: process.pid },
          timestamp: pino.stdTimeFunctions.isoTime,
          formatters: { level: (label) => ({ level: label }) },
          redact: { paths: SENSITIVE_KEYS.flatMap((k) => [k, `*.${k}`]), censor: CENSORED },
        },
        pino.destination({ dest: fd, sync: true }),
      );
      const wrap = (bindings: Record<string, unknown>): Logger => {
        const p = root.child(bindings);
        return {
          debug: (msg, fields) => p.debug(fields ?? {}, msg),
          info: (msg, fields) => p.info(fields ?? {}, msg),
          warn: (msg, fields) => p.warn(fields ?? {}, msg),
          error: (msg, fields) => p.error(fields ?? {}, msg),
          child: (more) => wrap({ ...bindings, ...more }),
        };
      };
      return wrap({ component: 'proxy' });
    };
    const pinoFile = join(dir, 'pino.log');
    const oursFile = join(dir, 'ours.log');
    write(pinoFile, viaPino);
    write(oursFile, (fd) => createLogger({ component: 'proxy', destination: fd }));
    const read = async (file: string): Promise<Array<Record<string, unknown>>> =>
      (await readFile(file, 'utf8')).trim().split('\n').map((l) => {
        const { time, ...rest } = JSON.parse(l) as Record<string, unknown>;
        assert.ok(!Number.isNaN(Date.parse(String(time))), String(time));
        return rest;
      });
    const ours = await read(oursFile);
    assert.deepEqual(ours, await read(pinoFile));
    // Key order too: level, time, pid, component, bindings, fields, msg.
    const strip = (line: string): string => line.replace(/"time":"[^"]*"/, '"time":""');
    assert.deepEqual((await readFile(oursFile, 'utf8')).trim().split('\n').map(strip), (await readFile(pinoFile, 'utf8')).trim().split('\n').map(strip));
    assert.equal(ours.length, 3);
    assert.deepEqual(ours[0], { level: 'info', pid: process.pid, component: 'proxy', event: 'table-applied', version: 3, token: '[redacted]', msg: 'table-applied' });
    assert.deepEqual(ours[1]?.['headers'], { authorization: '[redacted]', accept: '*/*' });
    const text = await readFile(oursFile, 'utf8');
    for (const needle of ['tok-123456', 'abc.def.ghi']) assert.ok(!text.includes(needle), `the log holds ${needle}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a line whose fields cannot be serialized is dropped and counted, never thrown into the caller', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-log-'));
  try {
    const file = join(dir, 'daemon.log');
    const log = createLogger({ component: 'daemon', destination: file });
    const before = droppedLogLines();
    const loop: Record<string, unknown> = { name: 'loop' };
    loop['self'] = { loop };
    assert.doesNotThrow(() => log.warn('circular', { loop }));
    log.info('after');
    assert.equal(droppedLogLines(), before + 1);
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => l['msg']), ['after']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
