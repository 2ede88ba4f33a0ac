import { randomBytes } from 'node:crypto';
import type { DeployReport, ProgressEvent } from '../api/schemas.js';
import { SlipwayError, toSlipwayError } from '../errors.js';
import type { EngineDeps } from './deps.js';
import { assertDeploymentTransition, isTerminal, type DeploymentKind, type DeploymentState, type DeployStep } from './deployment-state.js';
import type { DeploymentRecord } from './records.js';
import type { StoreWriter } from './store.js';
import { currentActor } from './actor.js';
import { currentStack } from './stack-scope.js';

export type Reporter = (event: ProgressEvent) => void;

/** Before the switch is committed a deployment can still go back; after, it finishes. */
function cancellable(state: DeploymentState): boolean {
  return state === 'pending' || state === 'building' || state === 'starting' || state === 'switching' || state === 'watching' || state === 'canary';
}

/** One deployment in progress: its journaled record, step timing and progress events. */
export class DeploymentRun {
  readonly deps: EngineDeps;
  readonly reporter: Reporter;
  readonly startedAt: number;
  readonly steps: DeployReport['steps'] = [];
  record: DeploymentRecord;
  readonly #cancel = new AbortController();

  constructor(deps: EngineDeps, service: string, kind: DeploymentKind, reporter: Reporter, signal?: AbortSignal) {
    this.deps = deps;
    if (signal) {
      if (signal.aborted) this.cancel('the client went away');
      else signal.addEventListener('abort', () => this.cancel('the client went away (Ctrl-C)'), { once: true });
    }
    // Every progress event also goes to the event bus, so `deploy --follow` elsewhere sees it.
    this.reporter = (event) => {
      reporter(event);
      this.#publish(event);
    };
    this.startedAt = deps.now();
    const stamp = new Date(this.startedAt).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    this.record = {
      id: `d${stamp}-${randomBytes(3).toString('hex')}`,
      service,
      kind,
      releaseId: undefined,
      fromRelease: undefined,
      priorPrevious: undefined,
      priorWarmUntil: undefined,
      state: 'pending',
      startedAt: new Date(this.startedAt).toISOString(),
      endedAt: undefined,
      reason: undefined,
      errorCode: undefined,
      report: undefined,
      ...(currentActor() ? { actor: currentActor() } : {}),
      ...(currentStack() ? { stackId: currentStack() } : {}),
    };
  }

  /** A deployment journaled by an earlier daemon, carried on by this one. */
  static resume(deps: EngineDeps, record: DeploymentRecord, reporter: Reporter): DeploymentRun {
    const run = new DeploymentRun(deps, record.service, record.kind, reporter);
    run.record = record;
    return run;
  }

  get id(): string {
    return this.record.id;
  }

  /** Aborted by `cancel` (or the client going away); long steps (build, gate, watch) stop on it. */
  get signal(): AbortSignal {
    return this.#cancel.signal;
  }

  /** Asks the deployment to stop and revert; ignored once it has committed. */
  cancel(why: string): boolean {
    if (!cancellable(this.record.state) || this.#cancel.signal.aborted) return false;
    this.#cancel.abort(new SlipwayError('SLW_DEPLOY_CANCELLED', `Deployment ${this.record.id} of ${this.record.service} was cancelled: ${why}.`));
    return true;
  }

  /** Throws the cancellation, unless the deployment is past the point of no return. */
  throwIfCancelled(): void {
    if (cancellable(this.record.state)) this.#cancel.signal.throwIfAborted();
  }

  #publish(event: ProgressEvent): void {
    const events = this.deps.events;
    if (!events || (event.type !== 'step' && event.type !== 'note')) return;
    const { id, service } = this.record;
    if (event.type === 'note') events.publish({ kind: 'deploy', deploymentId: id, service, message: event.message });
    else events.publish({ kind: 'deploy', deploymentId: id, service, step: event.step, phase: event.phase, ...(event.ms === undefined ? {} : { ms: event.ms }), ...(event.detail === undefined ? {} : { message: event.detail }) });
  }

  /** Journals the deployment's new state (and any service/instance change done in `also`). */
  setState(state: DeploymentState, changes: Partial<DeploymentRecord> = {}, also?: (tx: StoreWriter) => void): void {
    assertDeploymentTransition(this.record.id, this.record.state, state);
    const before = this.record;
    this.record = { ...this.record, ...changes, state };
    const record = this.record;
    const entry = { deploymentId: record.id, kind: `deployment.${state}`, data: changes };
    const apply = (tx: StoreWriter): void => {
      tx.putDeployment(record);
      also?.(tx);
    };
    try {
      this.deps.store.transact(entry, apply);
    } catch (err) {
      if (!isTerminal(state)) {
        // Not journaled, so not done: the way back starts from the state the journal holds.
        this.record = before;
        this.deps.lock.noteWriteFailure();
        throw err;
      }
      // The outcome is known but the disk is full: it is owed (written before the next lock is
      // taken) and reported all the same; anything but a full disk is thrown.
      this.deps.lock.owe(entry, apply, err);
      this.deps.events?.publish({ kind: 'deploy', deploymentId: record.id, service: record.service, message: `the outcome (${state}) could not be journaled: the disk of the state directory is full; it is written once space is freed` });
    }
    if (isTerminal(state)) {
      this.deps.events?.publish({ kind: 'deploy', deploymentId: record.id, service: record.service, outcome: state, ...(record.reason ? { message: record.reason } : {}) });
    }
  }

  note(message: string): void {
    this.reporter({ type: 'note', service: this.record.service, message });
  }

  /** Runs one step: progress events with its duration, and the crash point named after it. */
  async step<T>(name: DeployStep | 'revert', fn: () => Promise<T> | T, detail?: (result: T) => string | undefined): Promise<T> {
    if (name !== 'revert') this.throwIfCancelled();
    const began = this.deps.now();
    this.reporter({ type: 'step', service: this.record.service, step: name, phase: 'begin' });
    this.deps.crashPoint(name);
    try {
      const result = await fn();
      const ms = this.deps.now() - began;
      this.steps.push({ step: name, at: new Date(began).toISOString(), ms, outcome: 'ok' });
      const text = detail?.(result);
      this.reporter({ type: 'step', service: this.record.service, step: name, phase: 'end', ms, ...(text ? { detail: text } : {}) });
      this.deps.crashPoint(`${name}:after`);
      return result;
    } catch (err) {
      const ms = this.deps.now() - began;
      this.steps.push({ step: name, at: new Date(began).toISOString(), ms, outcome: 'failed' });
      this.reporter({ type: 'step', service: this.record.service, step: name, phase: 'fail', ms, detail: toSlipwayError(err).message });
      throw err;
    }
  }
}
