/**
 * Control API calls in the daemon log: one line per call (method, request id, duration, error
 * code), and for the streaming calls (deploy, rollback) each progress event with the service
 * and the id of its open deployment, then each result with its deployment id and outcome.
 * Request bodies are not logged; the logger's redaction covers whatever a message carries.
 */
import { randomUUID } from 'node:crypto';
import type { ProgressEvent } from '../api/schemas.js';
import type { Logger } from '../lib/logger.js';
import type { Handlers } from './control-server.js';

type AnyHandler = (req: unknown, emit?: (e: ProgressEvent) => void, signal?: AbortSignal) => Promise<unknown>;

export interface ApiLogOptions {
  readonly log: Logger;
  /** Id of the service's open deployment, if any (steps happen inside one). */
  readonly openDeployment: (service: string) => string | undefined;
}

export function withApiLog(handlers: Handlers, o: ApiLogOptions): Handlers {
  const wrapped: Record<string, AnyHandler> = {};
  for (const [method, handler] of Object.entries(handlers) as [string, AnyHandler][]) {
    wrapped[method] = async (req, emit, signal) => {
      const log = o.log.child({ requestId: randomUUID(), method });
      const started = Date.now();
      try {
        // An events stream only repeats what was logged when it happened.
        const logged = emit && method !== 'events' ? (event: ProgressEvent) => (logEvent(log, event, o), emit(event)) : emit;
        const result = await handler(req, logged, signal);
        // Status polls and listings are frequent: debug; what changes something: info.
        (READ_ONLY.has(method) ? log.debug : log.info)('api call', { ms: Date.now() - started });
        return result;
      } catch (err) {
        const e = err as { code?: unknown; message?: unknown };
        log.warn('api call failed', { ms: Date.now() - started, code: String(e.code ?? 'SLW_INTERNAL'), error: String(e.message ?? err) });
        throw err;
      }
    };
  }
  // Same methods, same signatures: each wrapper forwards to its handler unchanged (a mapped type TypeScript cannot follow through Object.entries).
  return wrapped as unknown as Handlers;
}

const READ_ONLY = new Set(['status', 'events', 'history', 'logs', 'plan', 'lock.status', 'alerts.list', 'certs.list', 'backup.list', 'ping']);

function logEvent(log: Logger, event: ProgressEvent, o: ApiLogOptions): void {
  switch (event.type) {
    case 'step': {
      const deployId = o.openDeployment(event.service);
      const fields = { service: event.service, ...(deployId ? { deployId } : {}), step: event.step, phase: event.phase, ...(event.ms !== undefined ? { ms: event.ms } : {}), ...(event.detail ? { detail: event.detail } : {}) };
      (event.phase === 'fail' ? log.warn : log.info)(`${event.step} ${event.phase}`, fields);
      return;
    }
    case 'note':
      log.info(event.message, event.service ? { service: event.service } : {});
      return;
    case 'event':
      return;
    case 'result':
    case 'error':
      for (const r of event.results) {
        const fields = { service: r.service, deployId: r.deploymentId, kind: r.kind, outcome: r.outcome, durationMs: r.durationMs, ...(r.release ? { release: r.release } : {}), ...(r.errorCode ? { code: r.errorCode } : {}), ...(r.reason ? { reason: r.reason } : {}) };
        (r.outcome === 'succeeded' ? log.info : log.warn)(`${r.kind} ${r.outcome}`, fields);
      }
      if (event.type === 'error') log.warn('operation failed', { code: event.error.code, error: event.error.message, ...(event.error.details ? { details: event.error.details } : {}) });
      return;
  }
}
