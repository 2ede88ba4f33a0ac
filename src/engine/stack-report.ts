import type { DeployReport } from '../api/schemas.js';
import type { DeploymentRecord, StackDeploymentRecord, StackServiceReport } from './records.js';
import type { StateStore } from './store.js';

/**
 * Each service's report in a stack deployment, read from the deployments that name the stack:
 * the first of a service is its deploy (or rollback), a later rollback of it in a stack deploy is
 * the stack rollback that took it back.
 */
export function stackReports(
  store: Pick<StateStore, 'deployments'>,
  stack: Pick<StackDeploymentRecord, 'id' | 'kind'>,
  levels: readonly (readonly string[])[],
  refusals: ReadonlyMap<string, { reason: string; errorCode: string }> = new Map(),
): StackServiceReport[] {
  const children = store.deployments({ stack: stack.id }).reverse();
  return levels.flatMap((names, level) =>
    names.map((service): StackServiceReport => {
      const mine = children.filter((d) => d.service === service);
      const main = mine[0];
      const back = stack.kind === 'deploy' ? mine.find((d) => d !== main && d.kind === 'rollback') : undefined;
      const refusal = refusals.get(service);
      if (!main) return { service, level, status: refusal ? 'failed' : 'not-started', ...(refusal ?? {}) };
      return { service, level, status: statusOf(main, back), ...serviceFields(main), ...(back ? { rollback: rollbackOf(back) } : {}) };
    }),
  );
}

function statusOf(main: DeploymentRecord, back: DeploymentRecord | undefined): StackServiceReport['status'] {
  if (back?.state === 'succeeded') return 'rolled-back';
  switch (main.state) {
    case 'succeeded':
    case 'failed':
    case 'reverted':
      return main.state;
    default:
      return 'running';
  }
}

function serviceFields(d: DeploymentRecord): Partial<StackServiceReport> {
  const steps = (d.report as DeployReport | undefined)?.steps;
  return {
    deploymentId: d.id,
    ...(d.fromRelease ? { fromRelease: d.fromRelease } : {}),
    ...(d.releaseId ? { release: d.releaseId } : {}),
    startedAt: d.startedAt,
    ...(d.endedAt ? { endedAt: d.endedAt } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
    ...(d.errorCode ? { errorCode: d.errorCode } : {}),
    ...(steps ? { steps } : {}),
  };
}

function rollbackOf(d: DeploymentRecord): NonNullable<StackServiceReport['rollback']> {
  return { deploymentId: d.id, outcome: d.state, ...(d.releaseId ? { release: d.releaseId } : {}), ...(d.reason ? { reason: d.reason } : {}) };
}
