import { randomBytes } from 'node:crypto';
import type { DeployReport, ProgressEvent } from '../api/schemas.js';
import { toSlipwayError } from '../errors.js';
import type { EngineDeps } from './deps.js';
import type { DeploymentKind, DeploymentState, DeployStep } from './deployment-state.js';
import type { DeploymentRecord } from './records.js';

export type Reporter = (event: ProgressEvent) => void;

/** One deployment in progress: its journaled record, step timing and progress events. */
export class DeploymentRun {
  readonly deps: EngineDeps;
  readonly reporter: Reporter;
  readonly startedAt: number;
  readonly steps: DeployReport['steps'] = [];
  record: DeploymentRecord;

  constructor(deps: EngineDeps, service: string, kind: DeploymentKind, reporter: Reporter) {
    this.deps = deps;
    this.reporter = reporter;
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

  /** Journals the deployment's new state (and any service/instance change done in `also`). */
  setState(state: DeploymentState, changes: Partial<DeploymentRecord> = {}, also?: (tx: Parameters<Parameters<EngineDeps['store']['transact']>[1]>[0]) => void): void {
    this.record = { ...this.record, ...changes, state };
    const record = this.record;
    this.deps.store.transact({ deploymentId: record.id, kind: `deployment.${state}`, data: changes }, (tx) => {
      tx.putDeployment(record);
      also?.(tx);
    });
  }

  note(message: string): void {
    this.reporter({ type: 'note', service: this.record.service, message });
  }

  /** Runs one step: progress events with its duration, and the crash point named after it. */
  async step<T>(name: DeployStep | 'revert', fn: () => Promise<T> | T, detail?: (result: T) => string | undefined): Promise<T> {
    const began = this.deps.now();
    this.reporter({ type: 'step', service: this.record.service, step: name, phase: 'begin' });
    this.deps.crashPoint(name);
    try {
      const result = await fn();
      const ms = this.deps.now() - began;
      this.steps.push({ step: name, ms, outcome: 'ok' });
      const text = detail?.(result);
      this.reporter({ type: 'step', service: this.record.service, step: name, phase: 'end', ms, ...(text ? { detail: text } : {}) });
      this.deps.crashPoint(`${name}:after`);
      return result;
    } catch (err) {
      const ms = this.deps.now() - began;
      this.steps.push({ step: name, ms, outcome: 'failed' });
      this.reporter({ type: 'step', service: this.record.service, step: name, phase: 'fail', ms, detail: toSlipwayError(err).message });
      throw err;
    }
  }
}
