import { isCidr } from '../lib/cidr.js';
import type { MaintenanceState } from '../api/proxy-schemas.js';
import { SlipwayError } from '../errors.js';
import type { EngineDeps } from './deps.js';

/** One switch as stored: the page's message, who still gets through, since when. */
export interface MaintenanceSwitch {
  readonly message?: string;
  readonly allow: readonly string[];
  readonly since: string;
}

/** The maintenance state: a switch for every service (`all`) and switches per service. */
export interface MaintenanceRecord {
  readonly all?: MaintenanceSwitch;
  readonly services: Readonly<Record<string, MaintenanceSwitch>>;
}

export interface MaintenanceChange {
  readonly action: 'on' | 'off';
  /** Absent: every service. */
  readonly service?: string;
  readonly message?: string;
  readonly allow?: readonly string[];
}

const KEY = 'proxy.maintenance';

/** The stored state (none: nothing in maintenance). */
export function storedMaintenance(deps: Pick<EngineDeps, 'store'>): MaintenanceRecord {
  const raw = deps.store.meta(KEY);
  return raw ? (JSON.parse(raw) as MaintenanceRecord) : { services: {} };
}

/** The switch that holds a service: its own, else the one for every service. */
export function maintenanceOf(record: MaintenanceRecord, service: string): MaintenanceSwitch | undefined {
  return record.services[service] ?? record.all;
}

/**
 * Validates a change against the known services, then journals the new state (the caller
 * publishes the routing table). Throws with nothing changed when the change is not valid.
 */
export function changeMaintenance(deps: Pick<EngineDeps, 'store' | 'now'>, change: MaintenanceChange): MaintenanceRecord {
  const current = storedMaintenance(deps);
  const known = deps.store.services().map((s) => s.name);
  if (change.service !== undefined && !known.includes(change.service)) {
    throw new SlipwayError('SLW_MAINTENANCE_UNKNOWN_SERVICE', `There is no service "${change.service}"; known: ${known.join(', ') || 'none yet'}.`, {
      details: { service: change.service, known },
    });
  }
  const next = change.action === 'on' ? switchOn(deps, current, change) : switchOff(current, change.service);
  deps.store.transact({ kind: 'maintenance', data: { ...change } }, (tx) => tx.setMeta(KEY, JSON.stringify(next)));
  return next;
}

function switchOn(deps: Pick<EngineDeps, 'now'>, current: MaintenanceRecord, change: MaintenanceChange): MaintenanceRecord {
  const allow = [...new Set(change.allow ?? [])];
  const bad = allow.filter((a) => !isCidr(a));
  if (bad.length > 0) {
    throw new SlipwayError('SLW_MAINTENANCE_BAD_ADDRESS', `--allow takes an IP address or a CIDR block; not ${bad.map((b) => `"${b}"`).join(', ')}.`, {
      details: { invalid: bad },
    });
  }
  const entry: MaintenanceSwitch = {
    ...(change.message === undefined ? {} : { message: change.message }),
    allow,
    since: new Date(deps.now()).toISOString(),
  };
  if (change.service === undefined) return { all: entry, services: current.services };
  return { ...(current.all ? { all: current.all } : {}), services: { ...current.services, [change.service]: entry } };
}

function switchOff(current: MaintenanceRecord, service: string | undefined): MaintenanceRecord {
  if (service === undefined) return { services: {} };
  if (current.all) {
    throw new SlipwayError('SLW_MAINTENANCE_ALL_ON', `Maintenance is on for every service, so "${service}" cannot leave it alone.`, {
      details: { service },
    });
  }
  const services = { ...current.services };
  delete services[service];
  return { services };
}

/** What `slipway maintenance` shows: the switches and the services they cover. */
export function maintenanceState(deps: Pick<EngineDeps, 'store'>): MaintenanceState {
  const record = storedMaintenance(deps);
  const entry = (service: string | undefined, s: MaintenanceSwitch): MaintenanceState['entries'][number] => ({
    ...(service === undefined ? {} : { service }),
    ...(s.message === undefined ? {} : { message: s.message }),
    allow: [...s.allow],
    since: s.since,
  });
  return {
    entries: [...(record.all ? [entry(undefined, record.all)] : []), ...Object.entries(record.services).map(([name, s]) => entry(name, s))],
    services: deps.store
      .services()
      .map((s) => s.name)
      .filter((name) => maintenanceOf(record, name) !== undefined),
  };
}
