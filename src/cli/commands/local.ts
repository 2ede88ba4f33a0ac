import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ConfigIssue } from '../../config/load.js';
import type { Config } from '../../config/model.js';
import { SlipwayError } from '../../errors.js';
import type { CommandSpec } from '../command-spec.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

/**
 * Validates the config locally, all four stages (schema, references, stage consistency,
 * preflight), every problem at once; throws SLW_CONFIG_INVALID on any error, and with
 * `strict` on any warning too. The warnings ride along in `details.warnings`.
 */
export async function validateLocally(ctx: CliContext, o: { strict?: boolean; preflight?: boolean; secrets?: boolean } = {}): Promise<{ config: Config | undefined; warnings: ConfigIssue[] }> {
  const { checkConfig } = await import('../../config/load.js');
  const { config, issues, warnings = [] } = await checkConfig({
    file: ctx.configFile,
    ...(ctx.env !== undefined ? { env: ctx.env } : {}),
    ...(o.preflight !== false ? { preflight: { stateDir: ctx.stateDir } } : {}),
  });
  const first = issues[0];
  if (issues.length === 1 && first?.code === 'SLW_CONFIG_NOT_FOUND') {
    throw new SlipwayError('SLW_CONFIG_NOT_FOUND', first.message, { hint: first.hint });
  }
  if (o.strict === true && issues.length === 0 && warnings.length > 0) {
    throw new SlipwayError('SLW_CONFIG_INVALID', `${ctx.configFile} has ${plural(warnings.length, 'warning')}, and --strict fails on warnings:\n${renderWarnings(warnings)}`, {
      details: { issues: warnings },
    });
  }
  if (issues.length === 0) {
    // `check` on the server (preflight on): every secret the config uses must have a value here,
    // all named at once (a deploy asks the daemon, which refuses the same way and logs it).
    if (config && o.secrets === true && o.preflight !== false) await checkSecrets(ctx, config);
    return { config, warnings };
  }
  const failing = o.strict === true ? [...issues, ...warnings] : issues;
  const also = o.strict !== true && warnings.length > 0 ? ` (and ${plural(warnings.length, 'warning')})` : '';
  throw new SlipwayError('SLW_CONFIG_INVALID', `${ctx.configFile} has ${plural(failing.length, 'problem')}${also}.`, {
    details: { issues: failing, ...(also ? { warnings } : {}) },
  });
}

async function checkSecrets(ctx: CliContext, config: Config): Promise<void> {
  const [{ missingSecrets, missingError }, { SecretStore, DEFAULT_ENV }] = await Promise.all([import('../../secrets/daemon-secrets.js'), import('../../secrets/store.js')]);
  const store = new SecretStore({ stateDir: ctx.stateDir, env: config.env ?? DEFAULT_ENV, environ: process.env });
  const missing = await missingSecrets(config, store);
  if (missing.length > 0) throw missingError(config, missing, 'nothing can be deployed until each has one', 'then run this again (`check --skip-preflight` checks the file alone, without this machine)');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Commands that need no daemon. */
export const localCommands: CommandSpec[] = [
  {
    name: 'init',
    summary: 'write slipway.yaml for the app in this folder (from package.json and the code)',
    args: [],
    options: [{ name: 'force', type: 'boolean', description: 'overwrite an existing slipway.yaml' }],
    run: async (ctx, input) => {
      const target = ctx.configFile;
      if (existsSync(target) && input.options['force'] !== true) {
        throw new SlipwayError('SLW_USAGE', `${target} already exists.`, { hint: 'Pass --force to overwrite it.' });
      }
      const { detectApp } = await import('../../config/init.js');
      const { yaml, notes } = await detectApp(ctx.cwd);
      await writeFile(target, yaml);
      if (ctx.json) ctx.out(JSON.stringify({ ok: true, file: target, notes }));
      else ctx.out([`wrote ${target}`, ...notes.map((n) => `  note: ${n}`), 'next: slipway check && slipway daemon --detach && slipway deploy'].join('\n'));
      return EXIT.ok;
    },
  },
  {
    name: 'check',
    summary: 'validate slipway.yaml: every problem at once, with file:line:col and a hint',
    args: [],
    options: [
      { name: 'strict', type: 'boolean', description: 'fail on warnings too (another stage named in this environment; preflight: low disk, privileged port, zstd missing)' },
      { name: 'skip-preflight', type: 'boolean', description: 'check the file only, not this machine (ports, directories, commands, disk): for CI runs that are not the server' },
    ],
    run: async (ctx, input) => {
      const { config, warnings } = await validateLocally(ctx, { strict: input.options['strict'] === true, preflight: input.options['skip-preflight'] !== true, secrets: true });
      const services = Object.keys(config?.services ?? {});
      if (ctx.json) ctx.out(JSON.stringify({ ok: true, file: ctx.configFile, env: ctx.env ?? null, services, ...(warnings.length > 0 ? { warnings } : {}) }));
      else {
        ctx.out(`${ctx.configFile}: ok (${services.length} service${services.length === 1 ? '' : 's'}: ${services.join(', ')})`);
        if (warnings.length > 0) ctx.out(`${warnings.length} warning${warnings.length === 1 ? '' : 's'}:\n${renderWarnings(warnings)}`);
      }
      return EXIT.ok;
    },
  },
  {
    name: 'schema',
    summary: 'print the JSON Schema of slipway.yaml (for editor completion)',
    args: [],
    options: [],
    run: async (ctx) => {
      const { configJsonSchema } = await import('../../config/json-schema.js');
      ctx.out(JSON.stringify(configJsonSchema(), null, 2));
      return EXIT.ok;
    },
  },
];

export function stateFile(ctx: CliContext, name: string): string {
  return join(ctx.stateDir, name);
}

function renderWarnings(warnings: readonly ConfigIssue[]): string {
  return warnings
    .map((w) => `  ${w.location ? `${basename(w.location.file)}:${w.location.line}:${w.location.col} ` : ''}${w.path}: ${w.message} [${w.code}]\n    hint: ${w.hint}`)
    .join('\n');
}
