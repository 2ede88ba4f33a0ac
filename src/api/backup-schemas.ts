/** Control API methods of `slipway backup …` (spread into `methods` in schemas.ts). */
import { z } from 'zod';
import { ConfigFilePath } from './project-schemas.js';

const SerializedError = z.object({ code: z.string(), message: z.string(), hint: z.string(), details: z.record(z.string(), z.unknown()).optional() });

/** The config the backups are read from (same shape as ConfigRefSchema; kept here to avoid an import cycle). */
const Ref = z.strictObject({ configFile: ConfigFilePath, env: z.string().optional() });

export const BackupViewSchema = z.strictObject({
  id: z.string(),
  source: z.string(),
  state: z.enum(['verified', 'unverified', 'failed', 'broken']),
  kind: z.enum(['postgres', 'sqlite', 'dir']).optional(),
  /** A volume source's volume (its backups are of kind dir). */
  volume: z.string().optional(),
  startedAt: z.string().optional(),
  bytes: z.number().optional(),
  durationMs: z.number().optional(),
  encrypted: z.boolean().optional(),
  releaseId: z.string().optional(),
  problem: z.string().optional(),
  /** The configured target it is stored on (backups.targets). */
  target: z.string().optional(),
});

export const DrillViewSchema = z.strictObject({
  source: z.string(),
  id: z.string().optional(),
  ok: z.boolean(),
  at: z.string(),
  ms: z.number(),
  detail: z.string(),
  error: SerializedError.optional(),
});

const Backups = z.strictObject({ backups: z.array(BackupViewSchema) });

export const backupMethods = {
  'backup.run': { request: Ref.extend({ source: z.string().optional() }), response: Backups, stream: false },
  'backup.list': { request: Ref, response: Backups, stream: false },
  'backup.verify': {
    request: Ref.extend({ id: z.string().optional() }),
    response: z.strictObject({ results: z.array(z.strictObject({ id: z.string(), ok: z.boolean(), target: z.string().optional(), error: SerializedError.optional() })) }),
    stream: false,
  },
  'backup.restore': {
    request: Ref.extend({ id: z.string(), to: z.string().optional(), force: z.boolean() }),
    response: z.strictObject({ id: z.string(), source: z.string(), restoredTo: z.string(), safetyBackup: z.string().optional() }),
    stream: false,
  },
  'backup.prune': {
    request: Ref.extend({ dryRun: z.boolean() }),
    response: z.strictObject({
      dryRun: z.boolean(),
      kept: z.array(z.strictObject({ id: z.string(), source: z.string(), reasons: z.array(z.string()) })),
      removed: z.array(BackupViewSchema),
    }),
    stream: false,
  },
  'backup.drill': { request: Ref, response: z.strictObject({ drills: z.array(DrillViewSchema) }), stream: false },
} as const;

export type BackupView = z.infer<typeof BackupViewSchema>;
export type DrillView = z.infer<typeof DrillViewSchema>;
