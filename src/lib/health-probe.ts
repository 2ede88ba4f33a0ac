import { request } from 'node:http';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface HttpProbeOptions {
  readonly host: string;
  readonly port: number;
  /** Path (and query) to GET, starting with "/". */
  readonly path: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface HttpProbeResult {
  /** A 2xx or 3xx answer arrived (headers and body) within the timeout. */
  readonly ok: boolean;
  readonly status?: number;
  /** Why it failed: "HTTP 503", "ECONNREFUSED", "timeout after 2000 ms", … */
  readonly error?: string;
  readonly ms: number;
}

/**
 * One HTTP health probe: GET on a fresh connection (no keep-alive, so a process that stopped
 * accepting is noticed), the body read and discarded. Never throws.
 */
export function probeHttp(options: HttpProbeOptions): Promise<HttpProbeResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round((performance.now() - started) * 100) / 100;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<HttpProbeResult, 'ms'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve({ ...result, ms: elapsed() });
    };
    const req = request({
      host: options.host,
      port: options.port,
      path: options.path,
      method: 'GET',
      agent: false,
      headers: { 'user-agent': 'slipway-health/1', accept: '*/*', connection: 'close' },
    });
    const timer = setTimeout(() => finish({ ok: false, error: `timeout after ${options.timeoutMs} ms` }), options.timeoutMs);
    const onAbort = (): void => finish({ ok: false, error: 'aborted' });
    req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, error: err.code ?? err.message }));
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      res.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, status, error: err.code ?? err.message }));
      res.on('end', () => {
        const ok = status >= 200 && status < 400;
        finish(ok ? { ok, status } : { ok, status, error: `HTTP ${status}` });
      });
      res.resume();
    });
    req.end();
  });
}

/** One TCP health probe: a connection accepted within the timeout, then closed. Never throws. */
export function probeTcp(options: { readonly host: string; readonly port: number; readonly timeoutMs: number }): Promise<HttpProbeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: options.host, port: options.port });
    const done = (ok: boolean, error?: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok, ...(error === undefined ? {} : { error }), ms: Math.round((performance.now() - started) * 100) / 100 });
    };
    const timer = setTimeout(() => done(false, `timeout after ${options.timeoutMs} ms`), options.timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', (err: NodeJS.ErrnoException) => done(false, err.code ?? err.message));
  });
}

/** One command health probe: exit 0 within the timeout (then it is killed). Never throws. */
export function probeCommand(options: { readonly argv: readonly string[]; readonly cwd?: string | undefined; readonly env: Readonly<Record<string, string>>; readonly timeoutMs: number }): Promise<HttpProbeResult> {
  const started = performance.now();
  const [file, ...args] = options.argv;
  return new Promise((resolve) => {
    if (file === undefined) return resolve({ ok: false, error: 'no command', ms: 0 });
    // node:child_process loads with the first command probe: the proxy's HTTP checks never need it.
    process.getBuiltinModule('node:child_process').execFile(file, args, { cwd: options.cwd, env: { ...options.env }, timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 }, (error) => {
      const ms = Math.round((performance.now() - started) * 100) / 100;
      if (!error) return resolve({ ok: true, ms });
      // execFile's error: an exit code (number), a spawn errno (string), and killed on timeout.
      const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
      const why = e.killed ? `timeout after ${options.timeoutMs} ms` : typeof e.code === 'number' ? `exit ${e.code}` : String(e.code ?? e.message);
      resolve({ ok: false, error: why, ms });
    });
  });
}
