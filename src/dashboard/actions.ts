/**
 * What the dashboard can do, each through the control API method the CLI uses for it. An action
 * is asked for in two steps: GET /confirm shows what it will do, POST /action (with the session's
 * CSRF token, from the dashboard's own origin) does it.
 */
import type { ProgressEvent } from '../api/schemas.js';
import { SlipwayError } from '../errors.js';
import type { DashboardApi } from './pages/context.js';
import { scopeOf } from './pages/overview.js';

export interface ActionInput {
  readonly project: string;
  readonly service: string;
  readonly rule: string;
  /** Who asked, as deploy history records it. */
  readonly actor: { user: string; host: string };
}

interface ActionSpec {
  /** "Roll back web of shop to its previous release": the question the confirmation page asks. */
  readonly describe: (i: ActionInput) => string;
  readonly run: (api: DashboardApi, i: ActionInput) => Promise<string>;
}

async function configOf(api: DashboardApi, project: string): Promise<{ configFile: string; env?: string }> {
  const p = (await api.call('projects.list', {})).projects.find((x) => x.name === project);
  if (!p?.configFile) throw new SlipwayError('SLW_PROJECT_UNKNOWN', `No project ${project} with a config file is registered on this host.`);
  return { configFile: p.configFile, ...(p.env === undefined ? {} : { env: p.env }) };
}

function outcome(last: ProgressEvent, what: string): string {
  if (last.type === 'error') throw SlipwayError.fromJSON(last.error);
  const r = last.type === 'result' ? last.results[0] : undefined;
  return r ? `${what}: ${r.outcome}${r.release ? `, now serving ${r.release}` : ''}.` : `${what}: done.`;
}

const canary = (verb: 'promote' | 'abort' | 'pause' | 'resume'): ActionSpec => ({
  describe: (i) => `${verb[0]?.toUpperCase()}${verb.slice(1)} the canary of ${i.service} in ${i.project}`,
  run: async (api, i) => {
    const { canaries } = await api.call('canary', { ...scopeOf(i.project), service: i.service, action: verb });
    return `Canary of ${i.service}: ${verb} requested${canaries[0] ? ` (step ${canaries[0].step} of ${canaries[0].steps}, weight ${Math.round(canaries[0].weight * 100)} %)` : ''}.`;
  },
});

const maintenance = (action: 'on' | 'off'): ActionSpec => ({
  describe: (i) => `Turn maintenance ${action} for ${i.service} in ${i.project}${action === 'on' ? ' (clients get the 503 page)' : ''}`,
  run: async (api, i) => {
    await api.call('maintenance', { ...scopeOf(i.project), action, service: i.service });
    return `Maintenance ${action} for ${i.service}.`;
  },
});

export const ACTIONS: Readonly<Record<string, ActionSpec>> = {
  rollback: {
    describe: (i) => `Roll back ${i.service} in ${i.project} to its previous release`,
    run: async (api, i) => {
      const ref = await configOf(api, i.project);
      const last = await api.stream('rollback', { ...ref, ...scopeOf(i.project), service: i.service, actor: i.actor }, () => undefined);
      return outcome(last, `Rollback of ${i.service}`);
    },
  },
  'canary-promote': canary('promote'),
  'canary-abort': canary('abort'),
  'canary-pause': canary('pause'),
  'canary-resume': canary('resume'),
  'maintenance-on': maintenance('on'),
  'maintenance-off': maintenance('off'),
  'backup-run': {
    describe: (i) => `Run every backup of ${i.project} now`,
    run: async (api, i) => {
      const { backups } = await api.call('backup.run', await configOf(api, i.project));
      return `Backups of ${i.project}: ${backups.map((b) => `${b.source} ${b.state}`).join(', ') || 'none configured'}.`;
    },
  },
  silence: {
    describe: (i) => `Silence alert ${i.rule}${i.service ? ` for ${i.service}` : ''} for 1 hour`,
    run: async (api, i) => {
      const { silence } = await api.call('alerts.silence', { rule: i.rule, ...(i.service ? { service: i.service } : {}), forMs: 3600_000 });
      return `Silenced ${silence.rule} until ${silence.expiresAt}.`;
    },
  },
};
