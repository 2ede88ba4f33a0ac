/**
 * The state database's schema, as an ordered list of forward migrations. `PRAGMA user_version`
 * holds the number of migrations applied; a database written by slipway 0.1.0 has the tables
 * of migration 1 and user_version 0 (it kept no version), so migration 1 only creates what is
 * missing. Migrations run at open, all in one transaction, after a copy of the old file.
 */
export interface Migration {
  readonly version: number;
  readonly what: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    what: 'the tables of slipway 0.1.0',
    sql: `
CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, deployment TEXT, kind TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS services (name TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS releases (id TEXT PRIMARY KEY, service TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS instances (id TEXT PRIMARY KEY, service TEXT NOT NULL, release TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deployments (id TEXT PRIMARY KEY, service TEXT NOT NULL, started TEXT NOT NULL, terminal INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS journal_deployment ON journal (deployment);
`,
  },
  {
    version: 2,
    what: 'releases keyed by service and id (release r1 of each service is its own row)',
    sql: `
CREATE TABLE releases_v2 (service TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (service, id));
INSERT INTO releases_v2 (service, id, seq, data) SELECT service, id, seq, data FROM releases;
DROP TABLE releases;
ALTER TABLE releases_v2 RENAME TO releases;
CREATE INDEX instances_release ON instances (service, release);
`,
  },
  {
    version: 3,
    what: "instances carry their driver's handle (driver, address, private data) instead of a pid and a log path",
    sql: `
UPDATE instances SET data = json_set(data, '$.handle', json_object(
    'id', json_extract(data, '$.id'),
    'driver', 'process',
    'address', json_object('host', '127.0.0.1', 'port', json_extract(data, '$.port')),
    'ref', 'pid ' || json_extract(data, '$.pid'),
    'pid', json_extract(data, '$.pid'),
    'data', json_object('pid', json_extract(data, '$.pid'), 'startTime', json_extract(data, '$.startTime'), 'logFile', coalesce(json_extract(data, '$.logFile'), ''))))
  WHERE json_extract(data, '$.pid') IS NOT NULL AND json_extract(data, '$.startTime') IS NOT NULL;
UPDATE instances SET data = json_remove(data, '$.pid', '$.startTime', '$.logFile');
`,
  },
  {
    version: 4,
    what: 'several projects on one host: every service, release, instance, deployment and journal entry belongs to a project (the empty name: state written for one project before projects existed)',
    sql: `
CREATE TABLE projects (name TEXT PRIMARY KEY, config_file TEXT NOT NULL, env TEXT, registered TEXT NOT NULL);
CREATE TABLE services_v4 (project TEXT NOT NULL DEFAULT '', name TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (project, name));
INSERT INTO services_v4 (project, name, data) SELECT '', name, data FROM services;
DROP TABLE services;
ALTER TABLE services_v4 RENAME TO services;
CREATE TABLE releases_v4 (project TEXT NOT NULL DEFAULT '', service TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (project, service, id));
INSERT INTO releases_v4 (project, service, id, seq, data) SELECT '', service, id, seq, data FROM releases;
DROP TABLE releases;
ALTER TABLE releases_v4 RENAME TO releases;
ALTER TABLE instances ADD COLUMN project TEXT NOT NULL DEFAULT '';
ALTER TABLE deployments ADD COLUMN project TEXT NOT NULL DEFAULT '';
ALTER TABLE journal ADD COLUMN project TEXT NOT NULL DEFAULT '';
DROP INDEX IF EXISTS instances_release;
CREATE INDEX instances_release ON instances (project, service, release);
CREATE INDEX deployments_project ON deployments (project, service);
`,
  },
  {
    version: 5,
    what: 'stack deployments: a deploy of several services is one record with a report per service; a service deployment names the stack it belongs to',
    sql: `
CREATE TABLE stacks (project TEXT NOT NULL DEFAULT '', id TEXT NOT NULL, started TEXT NOT NULL, terminal INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (project, id));
CREATE INDEX stacks_started ON stacks (project, started);
ALTER TABLE deployments ADD COLUMN stack TEXT;
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;
