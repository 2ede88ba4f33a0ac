import { hasRefs } from '../secrets/reference.js';
import { rawIssue, type RawIssue } from './issue.js';
import { isPlainObject } from './merge.js';
import { VOLUME_SOURCE_PATTERN } from './backups-schema.js';
import { suggest } from './suggest.js';

/** Encryption needs a key (unless `encrypt: false`); beforeDeploy names declared sources. */
export function backupsIssues(data: Record<string, unknown>): RawIssue[] {
  const b = data['backups'];
  if (!isPlainObject(b)) return [];
  const out: RawIssue[] = [];
  const hasKey = b['key'] !== undefined;
  const hasFile = b['keyFile'] !== undefined;
  if (hasKey && hasFile) out.push(rawIssue('SLW_CONFIG_BAD_BACKUPS', ['backups', 'keyFile'], 'backups has both `key` and `keyFile`; write one', { at: 'key' }));
  if (b['encrypt'] !== false && !hasKey && !hasFile) {
    out.push(rawIssue('SLW_CONFIG_BACKUP_KEY_REQUIRED', ['backups'], 'backups are encrypted by default, but no `key` or `keyFile` is given', { at: 'key' }));
  }
  out.push(...s3SecretIssues(b['targets']));
  const sources = isPlainObject(b['sources']) ? b['sources'] : {};
  out.push(...volumeSourceIssues(sources, data['services']));
  if (Array.isArray(b['beforeDeploy'])) {
    b['beforeDeploy'].forEach((name: unknown, i) => {
      if (typeof name === 'string' && !Object.hasOwn(sources, name)) {
        out.push(rawIssue('SLW_CONFIG_UNKNOWN_BACKUP_SOURCE', ['backups', 'beforeDeploy', i], `backups.beforeDeploy names "${name}", which is not under backups.sources`));
      }
    });
  }
  return out;
}

/**
 * A `volume:` source names a volume some service declares (volumes are the project's, by
 * name); as SERVICE/NAME, a service of the file that declares it.
 */
function volumeSourceIssues(sources: Record<string, unknown>, services: unknown): RawIssue[] {
  const all = isPlainObject(services) ? services : {};
  const volumesOf = (s: unknown): string[] => (isPlainObject(s) && isPlainObject(s['volumes']) ? Object.keys(s['volumes']) : []);
  const declared = new Set(Object.values(all).flatMap(volumesOf));
  const out: RawIssue[] = [];
  for (const [name, s] of Object.entries(sources)) {
    const written = isPlainObject(s) ? s['volume'] : undefined;
    if (typeof written !== 'string' || !VOLUME_SOURCE_PATTERN.test(written)) continue; // its shape is the schema's issue
    const slash = written.indexOf('/');
    const service = slash < 0 ? undefined : written.slice(0, slash);
    const volume = written.slice(slash + 1);
    const at = ['backups', 'sources', name, 'volume'];
    if (service !== undefined && !Object.hasOwn(all, service)) {
      const near = suggest(service, Object.keys(all));
      out.push(rawIssue('SLW_CONFIG_UNKNOWN_VOLUME', at, `backup source ${name} names volume "${written}", but there is no service ${service}`, near ? { hint: `did you mean ${near}/${volume}?` } : {}));
      continue;
    }
    const own = service !== undefined ? new Set(volumesOf(all[service])) : declared;
    if (own.has(volume)) continue;
    const near = suggest(volume, [...own]);
    const whose = service !== undefined ? `${service} does not declare` : 'no service declares';
    const known = own.size > 0 ? ` (declared: ${[...own].sort().join(', ')})` : service !== undefined ? ` (${service} declares no volume)` : ' (no service declares a volume)';
    out.push(rawIssue('SLW_CONFIG_UNKNOWN_VOLUME', at, `backup source ${name} names volume "${written}", which ${whose}${known}`, near ? { hint: `did you mean ${service !== undefined ? `${service}/` : ''}${near}?` } : {}));
  }
  return out;
}

/** An S3 secret key written in the clear would sit in the config file (and its history): refused. */
function s3SecretIssues(targets: unknown): RawIssue[] {
  if (!isPlainObject(targets)) return [];
  const out: RawIssue[] = [];
  for (const [name, t] of Object.entries(targets)) {
    const s3 = isPlainObject(t) ? t['s3'] : undefined;
    if (!isPlainObject(s3) || typeof s3['secretKey'] !== 'string' || hasRefs(s3['secretKey'])) continue;
    out.push(rawIssue('SLW_CONFIG_BAD_BACKUPS', ['backups', 'targets', name, 's3', 'secretKey'], 'the S3 secret key is written in the clear; write ${secret:NAME} and store it with `slipway secrets set NAME`'));
  }
  return out;
}
