import type { BackupView, DrillView } from '../../api/backup-schemas.js';
import { SlipwayError } from '../../errors.js';
import type { CommandSpec } from '../command-spec.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

function ref(ctx: CliContext): { configFile: string; env?: string } {
  return { configFile: ctx.configFile, ...(ctx.env !== undefined ? { env: ctx.env } : {}) };
}

function line(b: BackupView): string {
  const size = b.bytes === undefined ? '' : ` ${b.bytes} B`;
  const release = b.releaseId ? ` before ${b.releaseId}` : '';
  const target = b.target ? ` on ${b.target}` : '';
  return `${b.id.padEnd(40)} ${b.state.padEnd(10)} ${b.source}${target}${b.startedAt ? ` ${b.startedAt}` : ''}${size}${b.encrypted === false ? ' UNENCRYPTED' : ''}${release}${b.problem ? ` (${b.problem})` : ''}`;
}

function drillLine(d: DrillView): string {
  return `${d.ok ? 'pass' : 'FAIL'} ${d.source}${d.id ? ` ${d.id}` : ''}: ${d.detail}`;
}

function print(ctx: CliContext, json: object, text: string): void {
  ctx.out(ctx.json ? JSON.stringify({ ok: true, ...json }) : text);
}

/** `slipway backup run [source] | list | verify [id] | restore <id> | prune | drill`, served by the daemon. */
export const backupCommands: CommandSpec[] = [
  {
    name: 'backup run',
    summary: 'back up every source (or one), then verify each backup',
    args: [{ name: 'source', required: false, description: 'one source of backups.sources' }],
    options: [],
    run: async (ctx, input) => {
      const source = input.args['source'];
      const { backups } = await ctx.api.call('backup.run', { ...ref(ctx), ...(source ? { source } : {}) });
      print(ctx, { backups }, backups.map(line).join('\n'));
      return EXIT.ok;
    },
  },
  {
    name: 'backup list',
    summary: 'list the backups, newest first, with their state (only verified ones are good)',
    args: [],
    options: [],
    run: async (ctx) => {
      const { backups } = await ctx.api.call('backup.list', ref(ctx));
      print(ctx, { backups }, backups.length === 0 ? 'no backups' : backups.map(line).join('\n'));
      return EXIT.ok;
    },
  },
  {
    name: 'backup verify',
    summary: 're-read a backup (default: the newest of each source) and prove it restorable',
    args: [{ name: 'id', required: false, description: 'a backup id (see `slipway backup list`)' }],
    options: [],
    run: async (ctx, input) => {
      const id = input.args['id'];
      const { results } = await ctx.api.call('backup.verify', { ...ref(ctx), ...(id ? { id } : {}) });
      const bad = results.filter((r) => !r.ok);
      if (ctx.json) ctx.out(JSON.stringify({ ok: bad.length === 0, results }));
      else ctx.out(results.map((r) => `${r.ok ? 'ok  ' : 'FAIL'} ${r.id}${r.target ? ` on ${r.target}` : ''}${r.error ? `: ${r.error.message} [${r.error.code}]` : ''}`).join('\n') || 'no backups to verify');
      return bad.length === 0 ? EXIT.ok : EXIT.deployFailed;
    },
  },
  {
    name: 'backup restore',
    summary: 'restore a backup into a scratch copy (--to URL|DIR), or in place with --force after a safety backup',
    args: [{ name: 'id', required: true, description: 'a backup id' }],
    options: [
      { name: 'to', type: 'string', description: 'PostgreSQL server URL, or the path to restore into' },
      { name: 'force', type: 'boolean', description: 'overwrite the original (a fresh safety backup is taken first)' },
    ],
    run: async (ctx, input) => {
      const to = input.options['to'];
      if (to === true) throw new SlipwayError('SLW_USAGE', '--to takes a URL or a path.');
      const r = await ctx.api.call('backup.restore', { ...ref(ctx), id: input.args['id'] ?? '', force: input.options['force'] === true, ...(typeof to === 'string' ? { to } : {}) });
      print(ctx, { restore: r }, `restored ${r.id} into ${r.restoredTo}${r.safetyBackup ? ` (safety backup ${r.safetyBackup})` : ''}`);
      return EXIT.ok;
    },
  },
  {
    name: 'backup prune',
    summary: 'apply the retention policy (--dry-run lists what would go)',
    args: [],
    options: [{ name: 'dry-run', type: 'boolean', description: 'only list what would be removed' }],
    run: async (ctx, input) => {
      const dryRun = input.options['dry-run'] === true;
      const r = await ctx.api.call('backup.prune', { ...ref(ctx), dryRun });
      const verb = dryRun ? 'would remove' : 'removed';
      print(ctx, r, [...r.removed.map((b) => `${verb} ${b.id}`), `${r.kept.length} kept, ${r.removed.length} ${verb}`].join('\n'));
      return EXIT.ok;
    },
  },
  {
    name: 'backup drill',
    summary: 'restore the newest good backup of each source into a scratch copy and check it',
    args: [],
    options: [],
    run: async (ctx) => {
      const { drills } = await ctx.api.call('backup.drill', ref(ctx));
      const ok = drills.every((d) => d.ok);
      if (ctx.json) ctx.out(JSON.stringify({ ok, drills }));
      else ctx.out(drills.map(drillLine).join('\n'));
      return ok ? EXIT.ok : EXIT.deployFailed;
    },
  },
];
