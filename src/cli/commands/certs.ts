import { join } from 'node:path';
import type { CertPlan, CertView } from '../../api/schemas.js';
import type { CommandSpec } from '../command-spec.js';
import { EXIT } from '../exit-codes.js';

function renderCert(c: CertView): string {
  const head = `${c.name} (${c.source}) ${c.hosts.join(', ')}`;
  const live = c.notAfter
    ? `  subject ${c.subject}; names ${c.names?.join(', ')}\n  issuer ${c.issuer}\n  not after ${c.notAfter} (${c.daysLeft} days left), generation ${c.generation}`
    : '  no certificate yet';
  const window = c.ariWindow ? ` (the CA suggests ${c.ariWindow.start} to ${c.ariWindow.end})` : '';
  const next = c.nextRenewal ? `\n  next renewal ${c.nextRenewal}${window}` : '';
  const failed = c.failures ? ` (${c.failures} failed attempt${c.failures === 1 ? '' : 's'} in a row${c.lastErrorAt ? `, last at ${c.lastErrorAt}` : ''}; next attempt ${c.retryAt ?? c.nextRenewal ?? 'at the next check'})` : '';
  const error = c.lastError ? `\n  last error: ${c.lastError}${failed}` : '';
  return `${head}\n${live}${next}${error}`;
}

function renderList(certs: readonly CertView[]): string {
  return certs.length === 0 ? 'no route has TLS on' : certs.map(renderCert).join('\n');
}

function renderPlan(plan: readonly CertPlan[]): string {
  return plan.length === 0 ? 'no route has TLS on' : plan.map((p) => `${p.action.padEnd(5)} ${p.name} (${p.source}) ${p.hosts.join(', ')}`).join('\n');
}

const hostArg = { name: 'host', required: false, description: 'one route host (default: every route with TLS on)' } as const;

/** `slipway certs list | renew [host] | issue [host] [--dry-run] | ca`. */
export const certsCommands: CommandSpec[] = [
  {
    name: 'certs list',
    summary: 'show the certificates of routes with TLS on: names, issuer, expiry, source, next renewal, last error',
    args: [],
    options: [],
    run: async (ctx) => {
      const { certs } = await ctx.api.call('certs.list', {});
      ctx.out(ctx.json ? JSON.stringify({ ok: true, certs }) : renderList(certs));
      return EXIT.ok;
    },
  },
  {
    name: 'certs renew',
    summary: 'renew certificates now, due or not (the old one serves until the new one is live)',
    args: [hostArg],
    options: [],
    run: async (ctx, input) => {
      const host = input.args['host'];
      const { certs } = await ctx.api.call('certs.renew', host ? { host } : {});
      ctx.out(ctx.json ? JSON.stringify({ ok: true, certs }) : renderList(certs));
      return EXIT.ok;
    },
  },
  {
    name: 'certs issue',
    summary: 'issue missing certificates and renew due ones now (--dry-run: only say which)',
    args: [hostArg],
    options: [{ name: 'dry-run', type: 'boolean', description: 'print what would be issued or renewed, change nothing' }],
    run: async (ctx, input) => {
      const host = input.args['host'];
      const dryRun = input.options['dry-run'] === true;
      const result = await ctx.api.call('certs.issue', { ...(host ? { host } : {}), dryRun });
      const text = result.plan ? renderPlan(result.plan) : renderList(result.certs ?? []);
      ctx.out(ctx.json ? JSON.stringify({ ok: true, ...result }) : text);
      return EXIT.ok;
    },
  },
  {
    name: 'certs ca',
    summary: 'print the root certificate of the local CA (tls: internal) to add to a trust store',
    args: [],
    options: [],
    run: async (ctx) => {
      // Local on purpose: the root is a file of the state dir, needed before any daemon runs.
      const { LocalCa } = await import('../../certs/local-ca.js');
      const ca = new LocalCa(join(ctx.stateDir, 'certs'));
      const pem = await ca.rootPem();
      ctx.out(ctx.json ? JSON.stringify({ ok: true, file: ca.certFile, pem }) : pem);
      return EXIT.ok;
    },
  },
];
