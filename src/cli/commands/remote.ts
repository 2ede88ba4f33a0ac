import { setTimeout as sleep } from 'node:timers/promises';
import type { ProgressEvent } from '../../api/schemas.js';
import { SlipwayError } from '../../errors.js';
import { configCodes } from '../../config/codes.js';
import type { CommandSpec } from '../command-spec.js';
import type { CliContext } from '../context.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';
import { renderProgress, renderResult } from '../render/deploy.js';
import { renderEvent } from '../render/events.js';
import { actorOf } from '../actor.js';

const STOP_TIMEOUT_MS = 120_000;

async function streamed(
  ctx: CliContext,
  method: 'deploy' | 'rollback' | 'follow',
  service: string | undefined,
  strategy?: 'blue-green' | 'canary',
  withData?: boolean,
  noStackRollback?: boolean,
  /** Runs when the daemon refused the config before any service moved (or could not be asked), before its answer is shown. */
  onRefused?: () => Promise<unknown>,
): Promise<number> {
  const request = {
    ...ctx.scope,
    ...(ctx.env !== undefined ? { env: ctx.env } : {}),
    ...(service ? { service } : {}),
    ...(strategy && method === 'deploy' ? { strategy } : {}),
    ...(withData && method === 'rollback' ? { withData } : {}),
    ...(noStackRollback && method === 'deploy' ? { stackRollback: false } : {}),
    ...(method === 'follow' ? {} : { actor: actorOf(process.env) }),
  };
  const onEvent = (event: ProgressEvent): void => {
    if (ctx.json) return;
    const line = renderProgress(event);
    if (line) ctx.out(line);
  };
  const final: ProgressEvent =
    method === 'follow'
      ? await ctx.api.stream('events', { ...ctx.scope, attach: true, ...(service ? { service } : {}) }, onEvent)
      : await ctx.api.stream(method, request, onEvent).catch(async (err: unknown) => {
          await onRefused?.();
          throw err;
        });
  // Only a refusal of the file itself (a code of the config's table) is worded again here: any
  // other (a full disk, a held lock…) is the daemon's to tell.
  if (final.type === 'error' && final.results.length === 0 && Object.hasOwn(configCodes, final.error.code)) await onRefused?.();
  if (final.type !== 'result' && final.type !== 'error') throw new SlipwayError('SLW_API_BAD_RESPONSE', `The ${method} stream ended early.`);
  if (ctx.json) {
    const stack = final.stack ? { stack: final.stack } : {};
    ctx.out(JSON.stringify(final.type === 'result' ? { ok: true, results: final.results, ...stack } : { ok: false, error: final.error, results: final.results, ...stack }));
  } else {
    for (const r of final.results) ctx.out(renderResult(r));
    if (final.stack) ctx.out((await import('../render/status.js')).renderStack(final.stack));
  }
  if (final.type === 'result') return EXIT.ok;
  const error = SlipwayError.fromJSON(final.error);
  if (!ctx.json) throw error;
  return exitCodeFor(error);
}

/** Commands served by the daemon through the control API. */
export const remoteCommands: CommandSpec[] = [
  {
    name: 'deploy',
    summary: 'build a release, health-gate it, switch traffic, watch it, keep the old one warm',
    args: [{ name: 'service', required: false, description: 'one service (default: all, in file order)' }],
    options: [
      { name: 'strategy', type: 'string', description: 'blue-green or canary (default: the service\'s strategy in slipway.yaml)' },
      { name: 'follow', type: 'boolean', description: 'start nothing: attach to the deploy running now (of the service) and show it to its end' },
      { name: 'cancel', type: 'boolean', description: 'start nothing: stop the deploy running now (of the service) and revert it' },
      { name: 'no-stack-rollback', type: 'boolean', description: 'when a service fails, leave the services this deploy already switched on their new releases' },
    ],
    run: async (ctx, input) => {
      const service = input.args['service'];
      if (input.options['follow'] === true) return streamed(ctx, 'follow', service);
      if (input.options['cancel'] === true) {
        const { cancelled } = await ctx.api.call('deploy.cancel', { ...ctx.scope, ...(service ? { service } : {}) });
        ctx.out(ctx.json ? JSON.stringify({ ok: true, cancelled }) : `cancel requested: ${cancelled.join(', ')} (it reverts; \`slipway deploy --follow\` shows the end)`);
        return EXIT.ok;
      }
      const strategy = input.options['strategy'];
      if (strategy !== undefined && strategy !== 'blue-green' && strategy !== 'canary') {
        throw new SlipwayError('SLW_USAGE', `--strategy takes blue-green or canary, not "${String(strategy)}".`);
      }
      if (ctx.remote) {
        // This machine is not the server: the file is checked here, the server's preflight runs there.
        await (await import('./local.js')).validateLocally(ctx, { preflight: false });
        const { sentForDeploy } = await import('../remote/sent-for-deploy.js');
        return streamed(await sentForDeploy(ctx, ctx.remote), 'deploy', input.args['service'], strategy, undefined, input.options['no-stack-rollback'] === true);
      }
      // On this machine the daemon checks the file (all four stages, preflight included) before
      // anything moves, so the CLI sends the request at once and loads no config code (zod, YAML)
      // on the way. When the daemon refuses the file (SLW_CONFIG_…) before any service moved, or
      // cannot be asked, the file is checked here: its problems are then reported exactly as
      // `slipway check` words them. Any other refusal (a full disk, a held lock) is shown as it came.
      return streamed(ctx, 'deploy', input.args['service'], strategy, undefined, input.options['no-stack-rollback'] === true, async () => (await import('./local.js')).validateLocally(ctx));
    },
  },
  {
    name: 'events',
    summary: 'what the daemon saw lately: deploy steps and outcomes, instance changes, table swaps, proxy restarts (--follow: and what comes)',
    args: [],
    options: [
      { name: 'service', type: 'string', description: 'only events of this service' },
      { name: 'follow', type: 'boolean', description: 'keep streaming new events until Ctrl-C' },
    ],
    run: async (ctx, input) => {
      const service = input.options['service'];
      await ctx.api.stream('events', { ...ctx.scope, follow: input.options['follow'] === true, ...(typeof service === 'string' ? { service } : {}) }, (event) => {
        if (event.type !== 'event') return;
        ctx.out(ctx.json ? JSON.stringify(event.event) : renderEvent(event.event));
      });
      return EXIT.ok;
    },
  },
  {
    name: 'rollback',
    summary: 'switch back to the previous release (instant while it is warm)',
    args: [{ name: 'service', required: false, description: 'one service (default: the last deploy of every service, undone last first)' }],
    options: [{ name: 'with-data', type: 'boolean', description: 'also restore the pre-deploy snapshot (backups.beforeDeploy) of the release rolled back from, in place after a safety backup' }],
    run: (ctx, input) => streamed(ctx, 'rollback', input.args['service'], undefined, input.options['with-data'] === true),
  },
  {
    name: 'status',
    summary: 'show services, releases, instances, the proxy and the lock',
    args: [],
    options: [],
    run: async (ctx) => {
      const status = await ctx.api.call('status', ctx.scope);
      ctx.out(ctx.json ? JSON.stringify({ ok: true, ...status }) : (await import('../render/status.js')).renderStatus(status));
      return EXIT.ok;
    },
  },
  {
    name: 'history',
    summary: 'list past deploys and rollbacks with their outcome',
    args: [{ name: 'service', required: false, description: 'only this service' }],
    options: [{ name: 'limit', type: 'string', description: 'how many (default 20)' }],
    run: async (ctx, input) => {
      const limit = input.options['limit'] === undefined ? undefined : Number(input.options['limit']);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) throw new SlipwayError('SLW_USAGE', '--limit takes a whole number from 1 to 1000.');
      const service = input.args['service'];
      const { deployments } = await ctx.api.call('history', { ...ctx.scope, ...(service ? { service } : {}), ...(limit ? { limit } : {}) });
      ctx.out(ctx.json ? JSON.stringify({ ok: true, deployments }) : (await import('../render/status.js')).renderHistory(deployments));
      return EXIT.ok;
    },
  },
  {
    name: 'logs',
    summary: "print the last lines of a service's instance logs",
    args: [{ name: 'service', required: true, description: 'the service' }],
    options: [{ name: 'lines', type: 'string', description: 'lines per instance (default 50)' }],
    run: async (ctx, input) => {
      const lines = input.options['lines'] === undefined ? 50 : Number(input.options['lines']);
      if (!Number.isInteger(lines) || lines < 1 || lines > 10_000) throw new SlipwayError('SLW_USAGE', '--lines takes a whole number from 1 to 10000.');
      const { instances } = await ctx.api.call('logs', { ...ctx.scope, service: input.args['service'] ?? '', lines });
      if (ctx.json) ctx.out(JSON.stringify({ ok: true, instances }));
      else for (const i of instances) ctx.out([`==> ${i.id} (${i.release}, ${i.state})`, ...i.lines].join('\n'));
      return EXIT.ok;
    },
  },
  {
    name: 'lock status',
    summary: 'show who holds the deploy lock',
    args: [],
    options: [],
    run: async (ctx) => {
      const { lock } = await ctx.api.call('lock.status', ctx.scope);
      if (ctx.json) ctx.out(JSON.stringify({ ok: true, lock: lock ?? null }));
      else ctx.out(lock ? `held by ${lock.owner} since ${lock.acquiredAt}, heartbeat ${lock.heartbeatAt}, expires ${lock.expiresAt}${lock.stale ? ' (stale)' : ''}` : 'free');
      return EXIT.ok;
    },
  },
  {
    name: 'lock release',
    summary: 'free a stale deploy lock (--force for a live one)',
    args: [],
    options: [{ name: 'force', type: 'boolean', description: 'release even if its owner still heartbeats' }],
    run: async (ctx, input) => {
      const { released } = await ctx.api.call('lock.release', { ...ctx.scope, force: input.options['force'] === true });
      if (ctx.json) ctx.out(JSON.stringify({ ok: true, released: released ?? null }));
      else ctx.out(released ? `released the lock held by ${released.owner}` : 'the lock was free');
      return EXIT.ok;
    },
  },
  {
    name: 'stop',
    summary: 'stop the daemon, the proxy and the apps (--keep-apps: only the daemon)',
    args: [],
    options: [{ name: 'keep-apps', type: 'boolean', description: 'leave the proxy and the apps serving' }],
    run: async (ctx, input) => {
      const status = await ctx.api.call('status', {});
      await ctx.api.call('stop', { keepApps: input.options['keep-apps'] === true });
      const { isPidAlive } = await import('../../lib/pid-alive.js');
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while (isPidAlive(status.daemon.pid) && Date.now() < deadline) await sleep(50);
      if (isPidAlive(status.daemon.pid)) {
        throw new SlipwayError('SLW_DAEMON_STOP_TIMEOUT', `The daemon (pid ${status.daemon.pid}) did not exit within ${STOP_TIMEOUT_MS / 1000}s.`);
      }
      ctx.out(ctx.json ? JSON.stringify({ ok: true, pid: status.daemon.pid }) : `stopped (daemon pid ${status.daemon.pid})`);
      return EXIT.ok;
    },
  },
];
