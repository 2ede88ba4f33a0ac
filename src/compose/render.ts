/** The slipway.yaml text of an import: a header naming the source and every key left out, then the config. */
import { toYamlDocument } from '../config/yaml-adapter.js';
import type { ComposeImport } from './translate.js';

export function renderImport(result: ComposeImport, source: string): string {
  const header = [`# Imported from ${source} by \`slipway import compose\`; check it with \`slipway check\`.`];
  if (result.secrets.length > 0) header.push(`# Set each secret before the first deploy: ${result.secrets.map((s) => `slipway secrets set ${s}`).join('; ')}`);
  if (result.untranslated.length > 0) {
    header.push('# Not translated (no slipway equivalent, or needs a decision):');
    for (const u of result.untranslated) header.push(`#   ${u.path}: ${u.message}`.replaceAll('\n', ' '));
  }
  return `${header.join('\n')}\n${toYamlDocument(result.config)}`;
}
