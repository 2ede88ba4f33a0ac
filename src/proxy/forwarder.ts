import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import type { Admitted } from './admission/admission.js';
import { LimitedBody, requestHasBody } from './admission/request-body.js';
import { performance } from 'node:perf_hooks';
import { sendErrorPage } from './error-page.js';
import { withoutHopByHop } from './hop-by-hop.js';
import { noteOf } from './response-policy/access-log.js';
import { prepareCompression } from './response-policy/compression.js';
import { applyHeaderPolicy, headerPolicyFor } from './response-policy/headers.js';
import { bodySink } from './response-policy/policy.js';
import type { ServiceRuntime } from './runtime-table.js';
import { recordAttempt } from './stats.js';
import { classifyUpstreamError, ExchangeAbort, type UpstreamFailure } from './upstream-pool.js';
import type { UpstreamTarget } from './upstream-target.js';

/** Methods retried once when the attempt failed before any response byte (RFC 9110 §9.2.2). */
const RETRYABLE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly service: ServiceRuntime;
  readonly requestId: string;
  /** Upstream request headers (already forwarded-for and hop-by-hop free). */
  readonly headers: Record<string, string | string[]>;
  /** Under a canary split: the release this request was assigned to. */
  readonly release?: string | undefined;
  /** A sticky-assignment cookie to add to the response. */
  readonly setCookie?: string | undefined;
  /** The request target sent to the app: the normalised path and the query (src/proxy/request-path.ts); absent: as received. */
  readonly path?: string | undefined;
  /** What admission decided: body limit, read-ahead body start, upstream timeout. */
  readonly admitted?: Admitted | undefined;
}

/**
 * Relays one request to a healthy target of the service, streaming both bodies. An attempt
 * that failed to connect, or whose connection closed before the response head, is retried
 * once for a bodiless idempotent request: on another healthy target, else the same one.
 */
export function forward(ex: Exchange): void {
  const first = ex.service.pick(undefined, ex.release);
  if (!first) {
    sendErrorPage(ex.res, 503, ex.requestId, ex.req.headers.accept, { headers: ex.service.policy.headers.page });
    return;
  }
  const hasBody = requestHasBody(ex.req);
  const retryable = !hasBody && RETRYABLE_METHODS.has(ex.req.method ?? '');
  const abort = new ExchangeAbort();
  ex.res.once('close', () => {
    if (!ex.res.writableFinished) abort.abort();
  });
  attempt(ex, first, { hasBody, retriesLeft: retryable ? 1 : 0, signal: abort });
}

interface AttemptState {
  readonly hasBody: boolean;
  readonly retriesLeft: number;
  readonly signal: ExchangeAbort;
}

function attempt(ex: Exchange, target: UpstreamTarget, state: AttemptState): void {
  const { req, res } = ex;
  const started = performance.now();
  let status: number | undefined;
  let body: PassThrough | LimitedBody | undefined;
  if (state.hasBody) {
    // A pass-through so that a failed upstream destroys it, not the client's request.
    body = ex.admitted ? new LimitedBody(ex.admitted.bodyLimit, declaredLength(req)) : new PassThrough();
    const preread = ex.admitted?.preread;
    for (const chunk of preread?.chunks ?? []) body.write(chunk);
    if (preread?.complete) body.end();
    else req.pipe(body);
  }
  target.requestStarted();
  target.pool.stream(
    { method: req.method ?? 'GET', path: ex.path ?? req.url ?? '/', headers: ex.headers, body, signal: state.signal, timeoutMs: ex.admitted?.upstreamTimeoutMs },
    (statusCode, headers) => {
      const out = responseHeaders(headers, ex.requestId, ex.setCookie);
      const { policy } = ex.service;
      applyHeaderPolicy(headerPolicyFor(policy.headers, ex.path ?? req.url ?? '/'), out);
      const encoding = policy.compress ? prepareCompression(req, statusCode, out) : undefined;
      res.writeHead(statusCode, out); // throws on a head node cannot send: 502
      status = statusCode;
      const note = noteOf(res);
      if (note) note.release = target.release;
      return bodySink(res, encoding, out['content-length']);
    },
    (err) => {
      target.requestEnded();
      const ms = performance.now() - started;
      if (!err) {
        recordAttempt(target.stats, { status, failure: undefined, ms });
        return;
      }
      if (body) req.unpipe(body);
      if (body instanceof LimitedBody && body.exceeded && status === undefined) {
        recordAttempt(target.stats, { status: 413, failure: undefined, ms });
        sendErrorPage(res, 413, ex.requestId, req.headers.accept, { close: true, headers: ex.service.policy.headers.page });
        return;
      }
      onFailure(ex, target, state, classifyUpstreamError(err), err, status, ms);
    },
  );
}

function onFailure(
  ex: Exchange,
  target: UpstreamTarget,
  state: AttemptState,
  failure: UpstreamFailure,
  err: Error,
  status: number | undefined,
  ms: number,
): void {
  if (failure === 'connect') target.connectFailed(describe(err));
  if (status !== undefined || failure === 'aborted' || state.signal.aborted) {
    // The response was under way (undici already cut the client off) or the client left.
    recordAttempt(target.stats, { status, failure: failure === 'aborted' ? undefined : failure, ms });
    return;
  }
  if (state.retriesLeft > 0 && (failure === 'connect' || failure === 'reset')) {
    recordAttempt(target.stats, { status: undefined, failure, ms });
    const next = ex.service.pick(target, ex.release) ?? (target.phase === 'serving' ? target : undefined);
    if (next) {
      attempt(ex, next, { ...state, retriesLeft: state.retriesLeft - 1 });
      return;
    }
    sendErrorPage(ex.res, 502, ex.requestId, ex.req.headers.accept, { headers: ex.service.policy.headers.page });
    return;
  }
  const proxyStatus = failure === 'timeout' ? 504 : 502;
  recordAttempt(target.stats, { status: proxyStatus, failure, ms });
  sendErrorPage(ex.res, proxyStatus, ex.requestId, ex.req.headers.accept, { close: state.hasBody && !ex.req.complete, headers: ex.service.policy.headers.page });
}

/** The app's headers minus hop-by-hop ones; X-Request-Id added unless the app set its own. */
function responseHeaders(headers: IncomingHttpHeaders, requestId: string, setCookie: string | undefined): Record<string, string | string[]> {
  const out = withoutHopByHop(headers);
  out['x-request-id'] ??= requestId;
  if (setCookie !== undefined) {
    const app = out['set-cookie'];
    out['set-cookie'] = app === undefined ? [setCookie] : [...(Array.isArray(app) ? app : [app]), setCookie];
  }
  return out;
}

/** The Content-Length of an HTTP/2 request (HTTP/1 framing is enforced by node's parser). */
function declaredLength(req: IncomingMessage): number | undefined {
  const length = req.headers['content-length'];
  return req.httpVersionMajor === 2 && length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
}

function describe(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
}
