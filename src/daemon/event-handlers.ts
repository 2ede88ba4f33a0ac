import type { SlipwayEvent } from '../api/event-schemas.js';
import type { ProgressEvent, RequestOf } from '../api/schemas.js';
import type { Engine } from '../engine/engine.js';
import type { ProjectFinder } from './handlers.js';
import { SlipwayError } from '../errors.js';
import type { EventBus, EventFilter } from '../observability/event-bus.js';
import type { StreamHandlers } from './control-server.js';

type Emit = (event: ProgressEvent) => void;

/** A deploy event as the deploying CLI saw it (steps and notes); the outcome is sent as the result. */
function progressOf(e: SlipwayEvent): ProgressEvent | undefined {
  if (e.kind !== 'deploy' || e.outcome) return undefined;
  if (e.step !== undefined && e.phase !== undefined) {
    return { type: 'step', service: e.service, step: e.step, phase: e.phase, ...(e.ms === undefined ? {} : { ms: e.ms }), ...(e.message === undefined ? {} : { detail: e.message }) };
  }
  return { type: 'note', service: e.service, message: e.message ?? '' };
}

/** Replays what the bus holds, then streams what comes until `until` says stop or the client goes. */
function relay(bus: EventBus, filter: EventFilter, send: (e: SlipwayEvent) => boolean, signal: AbortSignal, follow: boolean): Promise<void> {
  return new Promise((done) => {
    // Subscribing and replaying in one synchronous turn: nothing published in between is lost.
    const upTo = bus.lastSeq;
    let unsubscribe = (): void => undefined;
    const stop = (): void => {
      unsubscribe();
      done();
    };
    if (follow) unsubscribe = bus.subscribe((e) => send(e) && stop(), { ...filter, afterSeq: upTo });
    for (const e of bus.recent(filter)) if (send(e)) return stop();
    if (!follow) return stop();
    if (signal.aborted) return stop();
    signal.addEventListener('abort', stop, { once: true });
  });
}

export function eventHandlers(find: ProjectFinder, bus: EventBus): Pick<StreamHandlers, 'events'> {
  return {
    events: async (req: RequestOf<'events'>, emit: Emit, signal: AbortSignal) => {
      if (req.attach) return attach(await find.must(req), bus, req.service, emit, signal);
      const filter: EventFilter = { ...(req.service === undefined ? {} : { service: req.service }), ...(req.kinds ? { kinds: req.kinds as SlipwayEvent['kind'][] } : {}) };
      await relay(bus, filter, (event) => (emit({ type: 'event', event }), false), signal, req.follow === true);
      emit({ type: 'result', results: [] });
    },
  };
}

/** `deploy --follow`: the running deployment's progress so far and to come, then its result. */
async function attach(engine: Engine, bus: EventBus, service: string | undefined, emit: Emit, signal: AbortSignal): Promise<void> {
  const open = engine.openDeployments(service)[0];
  if (!open) {
    throw new SlipwayError('SLW_NO_DEPLOYMENT_RUNNING', `No deployment${service ? ` of ${service}` : ''} is running to follow.`);
  }
  emit({ type: 'note', service: open.service, message: `following ${open.kind} ${open.id} of ${open.service} (started ${open.startedAt})` });
  await relay(bus, { deploymentId: open.id }, (e) => {
    const progress = progressOf(e);
    if (progress) emit(progress);
    return e.kind === 'deploy' && e.outcome !== undefined;
  }, signal, true);
  const result = engine.result(open.id);
  if (!result) return; // the client went away first
  if (result.outcome === 'succeeded') emit({ type: 'result', results: [result] });
  else {
    // The journal keeps the code and message of the error that ended it; fromJSON maps the code back.
    const ended = SlipwayError.fromJSON({ code: result.errorCode ?? 'SLW_DEPLOY_REVERTED', message: result.reason ?? `The ${open.kind} ended ${result.outcome}.`, hint: '' });
    emit({ type: 'error', error: new SlipwayError(ended.code, ended.message).toJSON(), results: [result] });
  }
}
