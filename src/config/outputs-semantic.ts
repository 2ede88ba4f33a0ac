/**
 * Checks the stack placeholders against the file: ${service:NAME.OUTPUT} names a service of
 * the file that declares OUTPUT (or "address"), and that the reading service depends on;
 * ${volume:NAME} names a volume of the service it is written in. Runs on the raw (merged,
 * interpolated) data like semantic.ts, skipping values of the wrong type.
 */
import { rawIssue, type RawIssue } from './issue.js';
import { isPlainObject } from './merge.js';
import type { StackRefUse } from './stack-placeholders.js';
import { suggest } from './suggest.js';

export function stackRefIssues(data: unknown, uses: readonly StackRefUse[]): RawIssue[] {
  const services = isPlainObject(data) && isPlainObject(data['services']) ? data['services'] : {};
  const issues: RawIssue[] = [];
  for (const use of uses) {
    const from = services[use.from];
    if (!isPlainObject(from)) continue;
    const { ref } = use;
    if (ref.kind === 'volume') {
      const volumes = isPlainObject(from['volumes']) ? Object.keys(from['volumes']) : [];
      if (!volumes.includes(ref.volume)) issues.push(rawIssue('SLW_CONFIG_UNKNOWN_VOLUME', use.path, `\${volume:${ref.volume}} names no volume of ${use.from}${declared(volumes)}`));
      continue;
    }
    if (ref.kind !== 'service') continue;
    const target = services[ref.service];
    if (!isPlainObject(target)) {
      const near = suggest(ref.service, Object.keys(services));
      issues.push(rawIssue('SLW_CONFIG_UNKNOWN_OUTPUT', use.path, `\${service:${ref.service}.${ref.output}} names service "${ref.service}", which is not a service of this file`, near ? { hint: `did you mean ${near}?` } : {}));
      continue;
    }
    const outputs = isPlainObject(target['outputs']) ? Object.keys(target['outputs']) : [];
    if (ref.output !== 'address' && !outputs.includes(ref.output)) {
      issues.push(rawIssue('SLW_CONFIG_UNKNOWN_OUTPUT', use.path, `\${service:${ref.service}.${ref.output}}: ${ref.service} has no output "${ref.output}"${declared(['address', ...outputs])}`));
      continue;
    }
    const dependsOn = Array.isArray(from['dependsOn']) ? from['dependsOn'] : [];
    if (!dependsOn.includes(ref.service)) {
      issues.push(
        rawIssue('SLW_CONFIG_OUTPUT_NOT_DEPENDENCY', use.path, `${use.from} reads \${service:${ref.service}.${ref.output}} but does not depend on ${ref.service}`, {
          hint: `add it: \`dependsOn: [${[...dependsOn.filter((d): d is string => typeof d === 'string'), ref.service].join(', ')}]\``,
        }),
      );
    }
  }
  return issues;
}

function declared(names: readonly string[]): string {
  return names.length > 0 ? ` (it has: ${names.join(', ')})` : ' (it declares none)';
}
