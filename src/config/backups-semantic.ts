import { hasRefs } from '../secrets/reference.js';
import { rawIssue, type RawIssue } from './issue.js';
import { isPlainObject } from './merge.js';

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
  if (Array.isArray(b['beforeDeploy'])) {
    b['beforeDeploy'].forEach((name: unknown, i) => {
      if (typeof name === 'string' && !Object.hasOwn(sources, name)) {
        out.push(rawIssue('SLW_CONFIG_UNKNOWN_BACKUP_SOURCE', ['backups', 'beforeDeploy', i], `backups.beforeDeploy names "${name}", which is not under backups.sources`));
      }
    });
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
