/**
 * Open-loop latency at a fixed request rate (no coordinated omission).
 *
 * Request i is due at t0 + i / rate, whether or not earlier requests have answered, and its
 * latency runs from that scheduled time to the end of the response: a stalled server is charged
 * for every request that should have been sent while it stalled, including the time requests
 * waited for a free connection. A worker thread keeps the timeline (Atomics.wait sleeps with
 * sub-millisecond precision, unlike setTimeout) and wakes the main thread, which sends over a
 * keep-alive pool of `connections` sockets, all opened before the timeline starts and used in
 * turn (fifo). The first `warmupS` seconds of the timeline are sent but not counted.
 *
 * `pacedLatency()` runs the client in a child Node process, so that it shares no event loop
 * with the caller (proxy-bench.ts serves the app from its own process). Alone:
 *   node --import tsx bench/paced-latency.ts --port 8080 [--rate 1000] [--duration 10]
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Worker } from 'node:worker_threads';

export interface PacedOptions {
  readonly rate: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
}

export interface PacedResult extends PacedOptions {
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

// CommonJS, evaluated in the worker: tick i is posted at t0 + i * periodMs.
const PACER = `
const { parentPort, workerData: { t0, periodMs, count } } = require('node:worker_threads');
const cell = new Int32Array(new SharedArrayBuffer(4));
const now = () => Number(process.hrtime.bigint()) / 1e6;
for (let i = 0; i < count; i++) {
  const wait = t0 + i * periodMs - now();
  if (wait > 0) Atomics.wait(cell, 0, 0, wait);
  parentPort.postMessage(i);
}`;

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/** Runs the paced client in this process. */
export async function runPaced(port: number, o: PacedOptions): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections, maxFreeSockets: o.connections, scheduling: 'fifo' });
  const sockets = new Set<unknown>();
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
  // Open every connection before the timeline starts.
  await Promise.all(Array.from({ length: o.connections }, () => new Promise((r) => get(r))));

  const periodMs = 1000 / o.rate;
  const skip = Math.round(o.warmupS * o.rate);
  const count = skip + Math.round(o.durationS * o.rate);
  const latency = new Float64Array(count - skip);
  const lag = new Float64Array(count - skip);
  const t0 = nowMs() + 50;
  let pending = count;
  await new Promise<void>((resolve, reject) => {
    const worker = new Worker(PACER, { eval: true, workerData: { t0, periodMs, count } });
    worker.once('error', reject);
    worker.on('message', (i: number) => {
      const due = t0 + i * periodMs;
      if (i >= skip) lag[i - skip] = nowMs() - due;
      get((ok) => {
        if (i >= skip) {
          latency[i - skip] = nowMs() - due;
          if (!ok) errors++;
        }
        if (--pending === 0) resolve();
      });
    });
  });
  agent.destroy();
  latency.sort();
  lag.sort();
  return {
    ...o,
    counted: latency.length,
    errors,
    p50: quantile(latency, 0.5),
    p99: quantile(latency, 0.99),
    p999: quantile(latency, 0.999),
    max: latency.at(-1) ?? Number.NaN,
    sendLagP99: quantile(lag, 0.99),
    sockets: sockets.size,
  };
}

/** Runs the paced client in a child Node process (same loader flags) and returns its result. */
export async function pacedLatency(port: number, o: PacedOptions, onChild?: (c: ChildProcess) => void): Promise<PacedResult> {
  const self = fileURLToPath(import.meta.url);
  const args = [...process.execArgv, self, '--port', String(port), '--rate', String(o.rate), '--duration', String(o.durationS)];
  args.push('--warmup', String(o.warmupS), '--connections', String(o.connections));
  const run = promisify(execFile)(process.execPath, args, { encoding: 'utf8', timeout: (o.durationS + o.warmupS + 60) * 1000 });
  onChild?.(run.child);
  const { stdout } = await run;
  return JSON.parse(stdout) as PacedResult;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      rate: { type: 'string', default: '1000' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '32' },
    },
  });
  if (!values.port) throw new Error('--port is required');
  const result = await runPaced(Number(values.port), {
    rate: Number(values.rate),
    durationS: Number(values.duration),
    warmupS: Number(values.warmup),
    connections: Number(values.connections),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
