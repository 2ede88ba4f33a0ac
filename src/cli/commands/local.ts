import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { checkConfig, type ConfigIssue } from '../../config/load.js';
import { detectApp } from '../../config/init.js';
import { configJsonSchema } from '../../config/json-schema.js';
import { SlipwayError } from '../../errors.js';
import type { CommandSpec } from '../command-spec.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

/** Validates the config locally: every problem at once; throws SLW_CONFIG_INVALID on any. */
export async function validateLocally(ctx: CliContext): Promise<void> {
  const { issues } = await checkConfig({ file: ctx.configFile, ...(ctx.env !== undefined ? { env: ctx.env } : {}) });
  if (issues.length === 0) return;
  const first = issues[0];
  if (issues.length === 1 && first?.code === 'SLW_CONFIG_NOT_FOUND') {
    throw new SlipwayError('SLW_CONFIG_NOT_FOUND', first.message, { hint: first.hint });
  }
  throw new SlipwayError('SLW_CONFIG_INVALID', `${ctx.configFile} has ${issues.length} problem${issues.length === 1 ? '' : 's'}.`, {
    details: { issues },
  });
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
    options: [{ name: 'strict', type: 'boolean', description: 'fail on warnings too (stage consistency: another stage named in this environment)' }],
    run: async (ctx, input) => {
      await validateLocally(ctx);
      const { config, warnings = [] } = await checkConfig({ file: ctx.configFile, ...(ctx.env !== undefined ? { env: ctx.env } : {}) });
      if (warnings.length > 0 && input.options['strict'] === true) {
        throw new SlipwayError('SLW_CONFIG_INVALID', `${ctx.configFile} has ${warnings.length} warning${warnings.length === 1 ? '' : 's'}, and --strict fails on warnings:\n${renderWarnings(warnings)}`, {
          details: { issues: warnings },
        });
      }
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
