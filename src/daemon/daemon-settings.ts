import { existsSync } from 'node:fs';
import type { Config } from '../config/model.js';
import { loadConfig } from './config-checker.js';

/** The sections of a config the daemon reads for itself, not per deploy: `slipway daemon reload` applies them. */
export const DAEMON_SETTINGS = ['admin', 'alerts', 'backups'] as const;
export type DaemonSetting = (typeof DAEMON_SETTINGS)[number];

export interface ReloadResult {
  readonly applied: DaemonSetting[];
  readonly unchanged: DaemonSetting[];
  readonly warnings: string[];
  /** "host:port" of the admin listener after the reload, when there is one. */
  readonly admin?: string;
  /** The scheduled backup jobs armed after the reload ("backup (0 3 * * *)"). */
  readonly backupJobs: string[];
}

/** JSON of each daemon-level section of the daemon's config file ("null" when absent or no file); a config that does not load throws its coded error. */
export async function settingsOfConfig(file: string | undefined, env: string | undefined): Promise<Record<DaemonSetting, string>> {
  if (!file || !existsSync(file)) return { admin: 'null', alerts: 'null', backups: 'null' };
  return settingsOf(await loadConfig({ file, ...(env ? { env } : {}) }));
}

/** The daemon-level sections of a config already read (a deploy's, from the daemon's own file). */
export function settingsOf(config: Pick<Config, DaemonSetting>): Record<DaemonSetting, string> {
  return { admin: JSON.stringify(config.admin ?? null), alerts: JSON.stringify(config.alerts ?? null), backups: JSON.stringify(config.backups ?? null) };
}

/** The sections that differ (all of them when nothing was applied yet). */
export function changedSettings(before: Record<DaemonSetting, string> | undefined, now: Record<DaemonSetting, string>): DaemonSetting[] {
  return DAEMON_SETTINGS.filter((n) => before?.[n] !== now[n]);
}
