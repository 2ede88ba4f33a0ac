import type { DeployReport, DeployResult } from '../api/schemas.js';
import { SlipwayError, toSlipwayError } from '../errors.js';
import { isTerminal, type DeploymentOutcome } from './deployment-state.js';
import type { DeploymentRecord } from './records.js';
import type { DeploymentRun } from './deployment-run.js';
import { buildReport, type Snapshot } from './report.js';

export interface OperationResult {
  readonly result: DeployResult;
  readonly error: SlipwayError | undefined;
}

export interface Timings {
  switchMs?: number | undefined;
  gateMs?: number | undefined;
}

export async function snapshotOf(run: DeploymentRun): Promise<Snapshot> {
  try {
    return await run.deps.dataPlane.status();
  } catch {
    return undefined;
  }
}

/** Journals the final state and builds the result the CLI renders. */
export async function finish(
  run: DeploymentRun,
  outcome: DeploymentOutcome,
  o: { start: Snapshot | Promise<Snapshot>; switched: Snapshot; timings: Timings; error?: unknown; canary?: DeployReport['canary']; note?: string },
): Promise<OperationResult> {
  const error = o.error === undefined ? undefined : toSlipwayError(o.error);
  const start = await o.start;
  const end = await snapshotOf(run);
  const { record } = run;
  const report = buildReport({
    service: record.service,
    from: record.fromRelease,
    to: record.releaseId,
    start,
    switched: o.switched,
    end,
    steps: run.steps,
  });
  if (o.canary) report.canary = o.canary;
  run.setState(outcome, {
    endedAt: new Date(run.deps.now()).toISOString(),
    reason: error?.message ?? o.note,
    errorCode: error?.code,
    report,
  });
  const result: DeployResult = {
    deploymentId: record.id,
    service: record.service,
    kind: record.kind,
    outcome,
    ...(record.releaseId ? { release: record.releaseId } : {}),
    ...(record.fromRelease ? { fromRelease: record.fromRelease } : {}),
    durationMs: run.deps.now() - run.startedAt,
    ...(o.timings.switchMs !== undefined ? { switchMs: o.timings.switchMs } : {}),
    ...(o.timings.gateMs !== undefined ? { gateMs: o.timings.gateMs } : {}),
    ...(error ? { reason: error.message, errorCode: error.code } : o.note ? { reason: o.note } : {}),
    report,
  };
  return { result, error };
}

/** The result of a finished deployment, from its journaled record (for a client that attached late). */
export function resultOfRecord(record: DeploymentRecord): DeployResult | undefined {
  if (!isTerminal(record.state) || record.endedAt === undefined) return undefined;
  return {
    deploymentId: record.id,
    service: record.service,
    kind: record.kind,
    outcome: record.state,
    ...(record.releaseId ? { release: record.releaseId } : {}),
    ...(record.fromRelease ? { fromRelease: record.fromRelease } : {}),
    durationMs: Date.parse(record.endedAt) - Date.parse(record.startedAt),
    ...(record.reason ? { reason: record.reason } : {}),
    ...(record.errorCode ? { errorCode: record.errorCode } : {}),
    // Built by buildReport and journaled with the record.
    report: record.report as DeployReport,
  };
}

export function reverted(reason: string): SlipwayError {
  return new SlipwayError('SLW_DEPLOY_REVERTED', `The new release was reverted: ${reason}.`);
}
