/**
 * Open-loop latency at a fixed request rate (no coordinated omission).
 *
 * Request i is due at t0 + i / rate, whether or not earlier requests have answered, and its
 * latency runs from that scheduled time to the end of the response: a stalled server is charged
 * for every request that should have been sent while it stalled, including the time requests
 * waited for a free connection. A worker thread keeps the timeline (Atomics.wait sleeps with
 * sub-millisecond precision, unlike setTimeout) and wakes the main thread, which sends over a
 * keep-alive pool of `connections` sockets, all opened before the timeline starts and used in
 * turn (fifo). Each target first gets `warmupS` seconds that are sent but not counted; then the
 * counted seconds are sent in slices, interleaved between targets (see runPaced).
 *
 * `pacedLatency()` runs the client in a child Node process, so that it shares no event loop
 * with the caller (proxy-bench.ts serves the app from its own process). Alone:
 *   node --import tsx bench/paced-latency.ts --port 8080 [--port 8081 …] [--rate 1000] [--duration 10]
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Worker } from 'node:worker_threads';

export interface PacedOptions {
  readonly rate: number;
  /** Counted seconds per target, sent in `rounds` slices. */
  readonly durationS: number;
  readonly rounds: number;
  readonly warmupS: number;
  readonly connections: number;
}

export interface PacedResult extends PacedOptions {
  readonly port: number;
  readonly counted: number;
  readonly errors: number;
  /** Latency from the scheduled send time, ms. */
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  /** How late the client itself sent (actual − scheduled), p99 in ms: its own share of the above. */
  readonly sendLagP99: number;
  readonly sockets: number;
}

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

// CommonJS, evaluated in the worker: for each {t0, periodMs, count}, tick i is posted at t0 + i * periodMs.
const PACER = `
const { parentPort } = require('node:worker_threads');
const cell = new Int32Array(new SharedArrayBuffer(4));
const now = () => Number(process.hrtime.bigint()) / 1e6;
parentPort.on('message', ({ t0, periodMs, count }) => {
  for (let i = 0; i < count; i++) {
    const wait = t0 + i * periodMs - now();
    if (wait > 0) Atomics.wait(cell, 0, 0, wait);
    parentPort.postMessage(i);
  }
});`;

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/** One target: a keep-alive pool of `connections` sockets used in turn, and what was measured. */
function client(port: number, connections: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: 'fifo' });
  const sockets = new Set<unknown>();
  const latency: number[] = [];
  const lag: number[] = [];
  let errors = 0;
  const get = (onDone: (ok: boolean) => void): void => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.once('end', () => onDone(res.statusCode === 200));
      res.once('error', () => onDone(false));
    });
    req.once('socket', (s) => sockets.add(s));
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.once('error', () => onDone(false));
    req.end();
  };
  return {
    get,
    agent,
    /** Opens every connection at once, before any timeline. */
    open: () => Promise.all(Array.from({ length: connections }, () => new Promise((r) => get(r)))),
    record(ms: number, lagMs: number, ok: boolean): void {
      latency.push(ms);
      lag.push(lagMs);
      if (!ok) errors++;
    },
    result(o: PacedOptions): PacedResult {
      const sorted = Float64Array.from(latency).sort();
      return {
        ...o,
        port,
        counted: sorted.length,
        errors,
        p50: quantile(sorted, 0.5),
        p99: quantile(sorted, 0.99),
        p999: quantile(sorted, 0.999),
        max: sorted.at(-1) ?? Number.NaN,
        sendLagP99: quantile(Float64Array.from(lag).sort(), 0.99),
        sockets: sockets.size,
      };
    },
  };
}

/** Sends `seconds × rate` requests on a fixed timeline and waits for every answer. */
function segment(pacer: Worker, c: ReturnType<typeof client>, rate: number, seconds: number, counted: boolean): Promise<void> {
  const count = Math.round(seconds * rate);
  const periodMs = 1000 / rate;
  const t0 = nowMs() + 5;
  let pending = count;
  return new Promise((resolve) => {
    const onTick = (i: number): void => {
      const due = t0 + i * periodMs;
      const lag = nowMs() - due;
      c.get((ok) => {
        if (counted) c.record(nowMs() - due, lag, ok);
        if (--pending === 0) {
          pacer.off('message', onTick);
          resolve();
        }
      });
    };
    pacer.on('message', onTick);
    pacer.postMessage({ t0, periodMs, count });
  });
}

/**
 * Runs the paced client in this process against every port: a warm-up per target, then
 * `rounds` slices of durationS / rounds seconds per target, interleaved (the order rotates each
 * round), so that a burst of outside load on the machine falls on all targets alike.
 */
export async function runPaced(ports: readonly number[], o: PacedOptions): Promise<PacedResult[]> {
  const pacer = new Worker(PACER, { eval: true });
  await new Promise((r) => pacer.once('online', r));
  const clients = ports.map((port) => client(port, o.connections));
  try {
    for (const c of clients) await c.open();
    for (const c of clients) await segment(pacer, c, o.rate, o.warmupS, false);
    for (let round = 0; round < o.rounds; round++) {
      for (let k = 0; k < clients.length; k++) {
        const c = clients[(round + k) % clients.length];
        if (c) await segment(pacer, c, o.rate, o.durationS / o.rounds, true);
      }
    }
    return clients.map((c) => c.result(o));
  } finally {
    for (const c of clients) c.agent.destroy();
    await pacer.terminate();
  }
}

/** Runs the paced client in a child Node process (same loader flags) and returns its results. */
export async function pacedLatency(ports: readonly number[], o: PacedOptions, onChild?: (c: ChildProcess) => void): Promise<PacedResult[]> {
  const self = fileURLToPath(import.meta.url);
  const args = [...process.execArgv, self, ...ports.flatMap((p) => ['--port', String(p)])];
  args.push('--rate', String(o.rate), '--duration', String(o.durationS), '--rounds', String(o.rounds));
  args.push('--warmup', String(o.warmupS), '--connections', String(o.connections));
  const timeout = (ports.length * (o.durationS + o.warmupS) + 60) * 1000;
  const run = promisify(execFile)(process.execPath, args, { encoding: 'utf8', timeout });
  onChild?.(run.child);
  const { stdout } = await run;
  return JSON.parse(stdout) as PacedResult[];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', multiple: true },
      rate: { type: 'string', default: '1000' },
      duration: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '32' },
    },
  });
  if (!values.port?.length) throw new Error('--port is required (once per target)');
  const result = await runPaced(values.port.map(Number), {
    rate: Number(values.rate),
    durationS: Number(values.duration),
    rounds: Number(values.rounds),
    warmupS: Number(values.warmup),
    connections: Number(values.connections),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
