import type { MaintenanceState } from '../../api/proxy-schemas.js';
import { SlipwayError } from '../../errors.js';
import type { CommandSpec, ParsedInput } from '../command-spec.js';
import { EXIT } from '../exit-codes.js';

function renderMaintenance(state: MaintenanceState): string {
  if (state.entries.length === 0) return 'maintenance: off for every service';
  const lines = state.entries.map((e) => {
    const who = e.service ?? 'every service';
    const allow = e.allow.length > 0 ? `, allowed: ${e.allow.join(' ')}` : '';
    const message = e.message === undefined ? '' : `, message: ${JSON.stringify(e.message)}`;
    return `maintenance: on for ${who} since ${e.since}${allow}${message}`;
  });
  return [...lines, `services answering 503: ${state.services.join(', ') || 'none deployed'}`].join('\n');
}

/** --allow values: repeated, or comma-separated. */
function allowList(input: ParsedInput): string[] {
  const raw = input.lists?.['allow'] ?? [];
  return raw.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
}

const serviceArg = { name: 'service', required: false, description: 'the service (default: every service)' } as const;

/** `slipway maintenance [on|off] [service]`, `slipway proxy status|restart`. */
export const proxyCommands: CommandSpec[] = [
  {
    name: 'maintenance',
    summary: 'show which services are in maintenance',
    args: [],
    options: [],
    run: async (ctx) => {
      const state = await ctx.api.call('maintenance', { ...ctx.scope, action: 'status' });
      ctx.out(ctx.json ? JSON.stringify({ ok: true, ...state }) : renderMaintenance(state));
      return EXIT.ok;
    },
  },
  {
    name: 'maintenance on',
    summary: 'answer 503 with a maintenance page (websockets too); allowed addresses still get through',
    args: [serviceArg],
    options: [
      { name: 'message', type: 'string', description: 'text of the maintenance page' },
      { name: 'allow', type: 'string', multiple: true, description: 'client IP or CIDR that still reaches the app (repeatable, or comma-separated)' },
    ],
    run: async (ctx, input) => {
      const service = input.args['service'];
      const message = input.options['message'];
      const state = await ctx.api.call('maintenance', {
        ...ctx.scope,
        action: 'on',
        ...(service ? { service } : {}),
        ...(typeof message === 'string' ? { message } : {}),
        allow: allowList(input),
      });
      ctx.out(ctx.json ? JSON.stringify({ ok: true, ...state }) : renderMaintenance(state));
      return EXIT.ok;
    },
  },
  {
    name: 'maintenance off',
    summary: 'end maintenance: traffic reaches the app again',
    args: [serviceArg],
    options: [],
    run: async (ctx, input) => {
      const service = input.args['service'];
      const state = await ctx.api.call('maintenance', { ...ctx.scope, action: 'off', ...(service ? { service } : {}) });
      ctx.out(ctx.json ? JSON.stringify({ ok: true, ...state }) : renderMaintenance(state));
      return EXIT.ok;
    },
  },
  {
    name: 'proxy status',
    summary: 'show the proxy process: pid, ports, table version',
    args: [],
    options: [],
    run: async (ctx) => {
      const p = await ctx.api.call('proxy.status', {});
      if (ctx.json) ctx.out(JSON.stringify({ ok: true, proxy: p }));
      else if (!p.up) ctx.out('proxy: down');
      else {
        const https = p.httpsPort === undefined ? '' : `, https :${p.httpsPort}`;
        const error = p.listenError === undefined ? '' : ` (cannot listen: ${p.listenError})`;
        ctx.out(`proxy: up, pid ${p.pid}, http :${p.httpPort}${https}, table v${p.tableVersion}, since ${p.startedAt}${error}`);
      }
      return p.up ? EXIT.ok : EXIT.internal;
    },
  },
  {
    name: 'proxy restart',
    summary: 'replace the proxy process (new code) without dropping a request: it hands its listening sockets over',
    args: [],
    options: [],
    run: async (ctx) => {
      const r = await ctx.api.call('proxy.restart', {});
      if (r.newPid === r.oldPid) throw new SlipwayError('SLW_PROXY_HANDOFF_FAILED', 'The proxy answered a restart without a new process.');
      ctx.out(
        ctx.json
          ? JSON.stringify({ ok: true, ...r })
          : `proxy restarted: pid ${r.oldPid} → ${r.newPid}, ${r.listeners} listening socket(s) handed over; the old process drains and exits`,
      );
      return EXIT.ok;
    },
  },
];
