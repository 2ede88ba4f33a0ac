/**
 * The command modules, loaded on demand: the CLI imports only the module that declares the
 * command being run (its first word), and every module for help or a word it does not know.
 * test/cli/command-groups.test.ts checks this table against the commands the modules declare.
 */
import type { CommandSpec } from './command-spec.js';

type Loader = () => Promise<readonly CommandSpec[]>;

export const COMMAND_GROUPS = {
  local: () => import('./commands/local.js').then((m) => m.localCommands),
  daemon: () => import('./commands/daemon.js').then((m) => [m.daemonCommand, m.daemonReloadCommand]),
  remote: () => import('./commands/remote.js').then((m) => m.remoteCommands),
  canary: () => import('./commands/canary.js').then((m) => m.canaryCommands),
  alerts: () => import('./commands/alerts.js').then((m) => m.alertsCommands),
  backup: () => import('./commands/backup.js').then((m) => m.backupCommands),
  certs: () => import('./commands/certs.js').then((m) => m.certsCommands),
  export: () => import('./commands/export.js').then((m) => m.exportCommands),
  secrets: () => import('./commands/secrets.js').then((m) => m.secretsCommands),
  plan: () => import('./commands/plan.js').then((m) => m.planCommands),
  proxy: () => import('./commands/proxy.js').then((m) => m.proxyCommands),
  projects: () => import('./commands/projects.js').then((m) => m.projectsCommands),
  service: () => import('./commands/service.js').then((m) => m.serviceCommands),
  apiStdio: () => import('./commands/api-stdio.js').then((m) => m.apiStdioCommands),
  dashboard: () => import('./commands/dashboard.js').then((m) => m.dashboardCommands),
  import: () => import('./commands/import.js').then((m) => m.importCommands),
} as const satisfies Record<string, Loader>;

export type GroupName = keyof typeof COMMAND_GROUPS;

/** The first word of each command → the module that declares it (help order is the groups' order). */
export const FIRST_WORDS: Readonly<Record<string, GroupName>> = {
  init: 'local',
  check: 'local',
  schema: 'local',
  daemon: 'daemon',
  deploy: 'remote',
  rollback: 'remote',
  status: 'remote',
  history: 'remote',
  logs: 'remote',
  events: 'remote',
  lock: 'remote',
  stop: 'remote',
  canary: 'canary',
  alerts: 'alerts',
  backup: 'backup',
  certs: 'certs',
  export: 'export',
  secrets: 'secrets',
  plan: 'plan',
  diff: 'plan',
  maintenance: 'proxy',
  proxy: 'proxy',
  projects: 'projects',
  volumes: 'projects',
  remove: 'projects',
  service: 'service',
  'api-stdio': 'apiStdio',
  dashboard: 'dashboard',
  import: 'import',
};

/** Every command, in help order. */
export async function allCommands(): Promise<CommandSpec[]> {
  const groups = await Promise.all(Object.values(COMMAND_GROUPS).map((load) => load()));
  return groups.flat();
}

/** The commands of the module owning `word`, or undefined when no module declares it. */
export async function commandsFor(word: string | undefined): Promise<readonly CommandSpec[] | undefined> {
  const group = word === undefined ? undefined : FIRST_WORDS[word];
  return group === undefined ? undefined : COMMAND_GROUPS[group]();
}
