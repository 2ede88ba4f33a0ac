import { existsSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { SlipwayError } from '../../errors.js';
import type { CommandSpec } from '../command-spec.js';
import { EXIT } from '../exit-codes.js';

/** `slipway import compose`: a slipway.yaml written from a docker-compose file (no daemon needed). */
export const importCommands: CommandSpec[] = [
  {
    name: 'import compose',
    summary: 'write slipway.yaml from a docker-compose file, listing every key it could not translate',
    args: [{ name: 'file', required: false, description: 'the compose file (default: compose.yaml or docker-compose.yml in this folder)' }],
    options: [
      { name: 'domain', type: 'string', description: 'domain of the routes (one web service gets it, several get NAME.DOMAIN; default NAME.localhost placeholders)' },
      { name: 'force', type: 'boolean', description: 'overwrite an existing slipway.yaml' },
    ],
    run: async (ctx, input) => {
      const target = ctx.configFile;
      if (existsSync(target) && input.options['force'] !== true) {
        throw new SlipwayError('SLW_USAGE', `${target} already exists.`, { hint: 'Pass --force to overwrite it, or --config OTHER.yaml to write elsewhere.' });
      }
      const [{ readComposeFile }, { translateCompose }, { renderImport }] = await Promise.all([import('../../compose/read-compose.js'), import('../../compose/translate.js'), import('../../compose/render.js')]);
      const { file, data } = await readComposeFile(input.args['file'], ctx.cwd);
      const host = input.options['domain'];
      const outDir = dirname(resolve(target));
      const relocate = (p: string): string => relative(outDir, resolve(dirname(file), p)).split(sep).join('/') || '.';
      const result = translateCompose(data, { ...(typeof host === 'string' ? { host } : {}), relocate });
      await writeFileAtomic(target, renderImport(result, relative(outDir, file) || file));
      const services = Object.keys(result.config['services'] as object);
      if (ctx.json) {
        ctx.out(JSON.stringify({ ok: true, file: target, from: file, services, secrets: result.secrets, untranslated: result.untranslated, notes: result.notes }));
        return EXIT.ok;
      }
      const lines = [`wrote ${target} from ${file} (${services.length} service${services.length === 1 ? '' : 's'}: ${services.join(', ')})`];
      if (result.untranslated.length > 0) lines.push(`not translated (${result.untranslated.length}):`, ...result.untranslated.map((u) => `  ${u.path}: ${u.message}`));
      if (result.notes.length > 0) lines.push('notes:', ...result.notes.map((n) => `  ${n.path}: ${n.message}`));
      if (result.secrets.length > 0) lines.push(`secrets to set: ${result.secrets.map((s) => `slipway secrets set ${s}`).join('; ')}`);
      lines.push('next: slipway check && slipway daemon --detach && slipway deploy');
      ctx.out(lines.join('\n'));
      return EXIT.ok;
    },
  },
];
