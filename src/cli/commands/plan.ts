import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PlanState } from '../../api/schemas.js';
import type { PlanSide } from '../../config/plan.js';
import type { Config } from '../../config/model.js';
import { deployOrder } from '../../engine/deploy-order.js';
import { deployLevels } from '../../engine/deploy-levels.js';
import { SlipwayError } from '../../errors.js';
import type { CommandSpec } from '../command-spec.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { validateLocally } from './local.js';

/** The daemon's SQLite state; without it nothing was ever deployed from this state dir. */
const STATE_DB = 'state.db';

/**
 * The active releases, from the daemon. No daemon and no state: everything is new. No daemon
 * but a state dir with releases: SLW_DAEMON_UNREACHABLE (plan would otherwise lie).
 */
async function activeState(ctx: CliContext, service: string | undefined): Promise<{ state: PlanState; note?: string }> {
  try {
    return { state: await ctx.api.call('plan', { ...ctx.scope, ...(service ? { service } : {}) }) };
  } catch (err) {
    if (!(err instanceof SlipwayError) || err.code !== 'SLW_DAEMON_UNREACHABLE' || existsSync(join(ctx.stateDir, STATE_DB))) throw err;
    return { state: { services: [] }, note: `nothing deployed yet from ${ctx.stateDir}: every service is new` };
  }
}

function selected(services: Config['services'], service: string | undefined, file: string): string[] {
  if (service === undefined) return deployOrder(services);
  if (service in services) return [service];
  throw new SlipwayError('SLW_USAGE', `No service "${service}" in ${file}.`, { hint: `Services: ${Object.keys(services).join(', ')}.` });
}

async function sidesOf(file: string, env: string): Promise<Record<string, PlanSide>> {
  const [{ loadConfig }, { planSideOf }] = await Promise.all([import('../../config/load.js'), import('../../config/plan.js')]);
  const config = await loadConfig({ file, env });
  return Object.fromEntries(Object.values(config.services).map((s) => [s.name, planSideOf(s)]));
}

/** `plan` and `diff`: what a deploy would change, and how two environments differ. Nothing changes. */
export const planCommands: CommandSpec[] = [
  {
    name: 'plan',
    summary: 'show what a deploy would change per service (release, env, routes, instances), changing nothing',
    args: [{ name: 'service', required: false, description: 'one service (default: all, in deploy order: dependsOn levels, then file order; services joined by + deploy side by side)' }],
    options: [],
    run: async (ctx, input) => {
      await validateLocally(ctx, { preflight: false }); // plan shows changes; the machine is checked by check and deploy
      const [{ loadConfig }, { planService, planSideOf }, { sourceState }, { renderPlan }] = await Promise.all([
        import('../../config/load.js'),
        import('../../config/plan.js'),
        import('../../release/source-state.js'),
        import('../render/plan.js'),
      ]);
      const config = await loadConfig({ file: ctx.configFile, env: ctx.env });
      const names = selected(config.services, input.args['service'], ctx.configFile);
      const { state, note } = await activeState(ctx, input.args['service']);
      const plans = [];
      for (const name of names) {
        const spec = config.services[name];
        if (!spec) continue;
        const active = state.services.find((s) => s.name === name)?.active;
        plans.push(planService(name, planSideOf(spec), await sourceState(spec.source, [ctx.stateDir]), active));
      }
      // Services of one level (joined by +) deploy side by side.
      const levels = deployLevels(config.services, names);
      if (ctx.json) ctx.out(JSON.stringify({ ok: true, env: ctx.env ?? null, daemon: note ? 'none' : 'answered', order: names, levels, services: plans }));
      else ctx.out(`${names.length > 1 ? `deploy order: ${levels.map((l) => l.join(' + ')).join(' → ')}\n` : ''}${renderPlan(plans, note)}`);
      return EXIT.ok;
    },
  },
  {
    name: 'diff',
    summary: 'compare two environments of slipway.yaml per service (env, routes, instances, settings)',
    args: [
      { name: 'a', required: true, description: 'the first environment' },
      { name: 'b', required: true, description: 'the environment compared with it' },
    ],
    options: [],
    run: async (ctx, input) => {
      const a = input.args['a'] ?? '';
      const b = input.args['b'] ?? '';
      if (ctx.env !== undefined) throw new SlipwayError('SLW_USAGE', 'diff takes its two environments as arguments, not --env.', { hint: 'slipway diff staging production' });
      const [{ diffEnvironments }, { renderEnvironmentDiff }] = await Promise.all([import('../../config/plan.js'), import('../render/plan.js')]);
      const diffs = diffEnvironments(await sidesOf(ctx.configFile, a), await sidesOf(ctx.configFile, b));
      ctx.out(ctx.json ? JSON.stringify({ ok: true, a, b, services: diffs }) : renderEnvironmentDiff(a, b, diffs));
      return EXIT.ok;
    },
  },
];
