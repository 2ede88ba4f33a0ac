import { hasRefs } from '../secrets/reference.js';
import { rawIssue, type RawIssue } from './issue.js';
import { isPlainObject } from './merge.js';
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

/** A `volume:` source names a volume some service declares (volumes are the project's, by name). */
function volumeSourceIssues(sources: Record<string, unknown>, services: unknown): RawIssue[] {
  const declared = new Set<string>();
  if (isPlainObject(services)) {
    for (const s of Object.values(services)) if (isPlainObject(s) && isPlainObject(s['volumes'])) for (const v of Object.keys(s['volumes'])) declared.add(v);
  }
  const out: RawIssue[] = [];
  for (const [name, s] of Object.entries(sources)) {
    const volume = isPlainObject(s) ? s['volume'] : undefined;
    if (typeof volume !== 'string' || declared.has(volume)) continue;
    const near = suggest(volume, [...declared]);
    const known = declared.size > 0 ? ` (declared: ${[...declared].sort().join(', ')})` : ' (no service declares a volume)';
    out.push(rawIssue('SLW_CONFIG_UNKNOWN_VOLUME', ['backups', 'sources', name, 'volume'], `backup source ${name} names volume "${volume}", which no service declares${known}`, near ? { hint: `did you mean ${near}?` } : {}));
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
