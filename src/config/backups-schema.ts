/** The `backups:` section of slipway.yaml: key, targets, sources, schedule, retention, beforeDeploy, drill. */
import { z } from 'zod';
import { cronProblem } from '../lib/cron-adapter.js';
import { hasRefs } from '../secrets/reference.js';
import { durationValue } from './schema-fields.js';
import { tag } from './schema-meta.js';

/** `maxAge` is compared with backup times, never armed as a timer: up to ten years. */
const MAX_BACKUP_AGE_MS = 3650 * 86_400_000;

/** Source names become directory names on targets (src/backup/backup-id.ts). */
export const BACKUP_SOURCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

const sourceName = tag(z.string().regex(BACKUP_SOURCE_PATTERN), {
  code: 'SLW_CONFIG_BAD_BACKUPS',
  expected: 'a backup source name (letters, digits, "_", "-")',
  quoteValue: true,
});

const AGE_KEY = /^(age1[0-9a-z]{20,}|AGE-SECRET-KEY-1[0-9A-Z]{20,})$/;

/** Never quoted in messages: an identity is a private key. */
const backupKey = tag(z.string().refine((v) => hasRefs(v) || AGE_KEY.test(v.trim())), {
  code: 'SLW_CONFIG_BAD_BACKUPS',
  expected: 'an age recipient (age1…), an age identity (AGE-SECRET-KEY-1…) or ${secret:NAME}',
});

export const cronSchedule = tag(z.string().refine((v) => cronProblem(v) === undefined), {
  code: 'SLW_CONFIG_BAD_CRON',
  expected: 'a cron expression such as "0 3 * * *" (minute hour day month weekday)',
  quoteValue: true,
});

const pathText = tag(z.string().min(1), { code: 'SLW_CONFIG_BAD_BACKUPS', expected: 'a path', quoteValue: true });

/** A volume of the project: NAME or SERVICE/NAME, declared under a service's `volumes:` (checked in backups-semantic.ts). */
export const VOLUME_SOURCE_PATTERN = /^(?:[a-z][a-z0-9-]{0,62}\/)?[A-Za-z0-9][A-Za-z0-9_-]*$/;
const volumeName = tag(z.string().regex(VOLUME_SOURCE_PATTERN), { code: 'SLW_CONFIG_BAD_BACKUPS', expected: 'a volume declared under a service\'s `volumes:`, as NAME or SERVICE/NAME', quoteValue: true });

/** Exactly one of postgres, dir, sqlite, volume. */
const backupSourceSchema = tag(
  z
    .strictObject({
      postgres: z.strictObject({ url: z.string().min(1).describe('postgres://user:password@host:port/db; ${secret:NAME} allowed.') }).optional(),
      dir: pathText.optional(),
      sqlite: pathText.optional(),
      volume: volumeName.optional().describe('A volume of the project, NAME or SERVICE/NAME (declared under that service\'s `volumes:`), read from its directory in the host state.'),
    })
    .refine((s) => [s.postgres, s.dir, s.sqlite, s.volume].filter((v) => v !== undefined).length === 1),
  { code: 'SLW_CONFIG_BAD_BACKUPS', expected: 'exactly one of { postgres: { url } }, { dir: PATH }, { sqlite: FILE } or { volume: [SERVICE/]NAME }' },
);

const s3Text = (what: string, help: string) => tag(z.string().min(1).describe(help), { code: 'SLW_CONFIG_BAD_BACKUPS', expected: what });

/** S3-compatible object storage; credentials through ${secret:NAME}, never quoted in messages. */
const s3TargetSchema = z.strictObject({
  endpoint: tag(z.string().regex(/^https?:\/\/[^\s/]+/).describe('Endpoint URL of the S3-compatible service, e.g. https://s3.example.com.'), {
    code: 'SLW_CONFIG_BAD_BACKUPS',
    expected: 'an http:// or https:// URL',
    quoteValue: true,
  }),
  bucket: tag(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/).describe('Bucket (it must exist).'), {
    code: 'SLW_CONFIG_BAD_BACKUPS',
    expected: 'an S3 bucket name (3–63 lower-case letters, digits, ".", "-")',
    quoteValue: true,
  }),
  prefix: tag(z.string().regex(/^(?!\/)[^\\]*$/), { code: 'SLW_CONFIG_BAD_BACKUPS', expected: 'a key prefix without a leading "/", e.g. app/', quoteValue: true })
    .default('')
    .describe('Prefix of every key slipway writes; a "/" is added when missing (default: the bucket root).'),
  region: s3Text('a region name, e.g. us-east-1 or auto', 'Signing region (default auto).').default('auto'),
  accessKey: s3Text('${secret:NAME} holding the access key id', 'Access key id: ${secret:NAME}.'),
  secretKey: s3Text('${secret:NAME} holding the secret access key', 'Secret access key: ${secret:NAME} (a literal value is refused).'),
  forcePathStyle: z.boolean().default(true).describe('Path-style URLs (endpoint/bucket/key), which S3-compatible servers expect (default true).'),
});

/** Exactly one of dir, s3. */
const backupTargetSchema = tag(
  z.strictObject({ dir: pathText.optional().describe('Directory, relative to the config file.'), s3: s3TargetSchema.optional() }).refine((t) => (t.dir === undefined) !== (t.s3 === undefined)),
  { code: 'SLW_CONFIG_BAD_BACKUPS', expected: 'exactly one of { dir: PATH } or { s3: { endpoint, bucket, prefix, region, accessKey, secretKey } }' },
);

const keep = (fallback: number, what: string) =>
  tag(z.number().int().min(0).max(10_000), { code: 'SLW_CONFIG_RANGE', expected: 'a whole number from 0 to 10000', quoteValue: true })
    .default(fallback)
    .describe(`${what} (default ${fallback}).`);

export const backupsSchema = z.strictObject({
  key: backupKey.optional().describe('age recipient (encrypt only) or identity (encrypt, verify, restore); ${secret:NAME} recommended.'),
  keyFile: pathText.optional().describe('A file holding the age identity or recipient, relative to the config file (instead of `key`).'),
  encrypt: z.boolean().default(true).describe('Encryption is on by default; `encrypt: false` is the explicit opt-out.'),
  targets: tag(
    z
      .record(sourceName, backupTargetSchema)
      .refine((t) => Object.keys(t).length > 0)
      .describe('Where backups go, by name: { dir: PATH } or { s3: { endpoint, bucket, … } }. Every backup is written to each; the first is the primary.'),
    { code: 'SLW_CONFIG_BAD_BACKUPS', expected: 'at least one target, e.g. { local: { dir: ./backups } }' },
  ),
  sources: z.record(sourceName, backupSourceSchema).describe('What is backed up: { postgres: { url } }, { dir: PATH }, { sqlite: FILE }, { volume: [SERVICE/]NAME }.'),
  schedule: cronSchedule.optional().describe('Cron expression: every source is backed up then pruned (in the daemon).'),
  retention: z
    .strictObject({ last: keep(7, 'Newest verified backups kept'), daily: keep(14, 'Days kept'), weekly: keep(8, 'Weeks kept'), monthly: keep(12, 'Months kept') })
    .prefault({}),
  maxAge: durationValue(MAX_BACKUP_AGE_MS, '3650d')
    .optional()
    .describe('Alert ("backup-stale") when the newest verified backup of a source is older than this (default: twice the interval of `schedule`).'),
  beforeDeploy: z.array(sourceName).default([]).describe('Sources snapshotted before every deploy, tied to the release they protect.'),
  drill: z
    .strictObject({
      schedule: cronSchedule.optional().describe('Cron expression of the automatic drill.'),
      check: z.string().min(1).optional().describe('SQL query run on the restored PostgreSQL copy; it must succeed and return a row.'),
    })
    .optional()
    .describe('Restore the latest backups into scratch copies and check them.'),
});

export type ParsedBackups = z.output<typeof backupsSchema>;
