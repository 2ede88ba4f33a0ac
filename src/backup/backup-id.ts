import { randomBytes } from 'node:crypto';
import { SlipwayError } from '../errors.js';

const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Source names become directory names on targets: letters, digits, `_` and `-`. */
export function checkSourceName(name: string): void {
  if (!SOURCE_NAME.test(name)) {
    throw new SlipwayError('SLW_BACKUP_SOURCE_INVALID', `The backup source name ${JSON.stringify(name)} may only hold letters, digits, "_" and "-".`);
  }
}

/**
 * `<source>-<UTC time to the millisecond>-<random>`, e.g. `db-20250301T030000123Z-9f2c`.
 * Readable and unique; nothing sorts by it (order comes from the manifest's times).
 */
export function newBackupId(source: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${source}-${stamp}-${randomBytes(2).toString('hex')}`;
}
