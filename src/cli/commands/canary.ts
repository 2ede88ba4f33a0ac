import type { CanaryView } from '../../api/schemas.js';
import type { CommandSpec } from '../command-spec.js';
import { EXIT } from '../exit-codes.js';

/** The judge's evidence per test as a share of its rollback threshold (100% rolls back). */
function evidence(e: CanaryView['evidence']): string {
  if (!e) return '';
  const share = (v: number): string => `${Math.min(100, Math.round(v * 1000) / 10)}%`;
  return `; evidence: errors ${share(e.errors)}, p95 ${share(e.p95)}, p99 ${share(e.p99)} of the rollback threshold`;
}

function render(list: readonly CanaryView[]): string {
  if (list.length === 0) return 'no canary in progress';
  return list
    .map(
      (c) =>
        `${c.service}: ${c.canary} at ${Math.round(c.weight * 1000) / 10}% against ${c.stable}, step ${c.step}/${c.steps}${c.stepMs === undefined ? '' : ` (${Math.floor(c.stepMs / 1000)}s in)`}${c.paused ? ' (paused)' : ''}${c.note ? ` (${c.note})` : ''}${evidence(c.evidence)}`,
    )
    .join('\n');
}

const ACTIONS = [
  ['status', "show the canaries in progress: weight, step, time in step, paused, the judge's evidence per test"],
  ['promote', 'skip the remaining steps: all traffic to the canary'],
  ['abort', 'all traffic back to the stable release, in one switch'],
  ['pause', 'hold the current weights (the judge keeps watching and may still roll back)'],
  ['resume', 'carry on with the steps'],
] as const;

/** `slipway canary status|promote|abort|pause|resume [service]`. */
export const canaryCommands: CommandSpec[] = ACTIONS.map(([action, summary]) => ({
  name: `canary ${action}`,
  summary,
  args: [{ name: 'service', required: false, description: 'the service (needed when several canaries run)' }],
  options: [],
  run: async (ctx, input) => {
    const service = input.args['service'];
    const { canaries } = await ctx.api.call('canary', { ...ctx.scope, action, ...(service ? { service } : {}) });
    ctx.out(ctx.json ? JSON.stringify({ ok: true, canaries }) : action === 'status' ? render(canaries) : `${action}: requested\n${render(canaries)}`);
    return EXIT.ok;
  },
}));
