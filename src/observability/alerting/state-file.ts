/**
 * Alert state kept across daemon restarts in <state-dir>/alerts.json (atomic writes): the
 * alerts pending or firing, when each group was last sent, and the silences. A restarted
 * daemon carries on from it: what was sent is not sent again before the repeat interval.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import type { EvaluatorState } from './evaluator.js';
import type { Silence } from './silences.js';

export const ALERT_STATE_FILE = 'alerts.json';

export interface SavedAlertState extends EvaluatorState {
  readonly version: 1;
  readonly silences: readonly Silence[];
}

export async function loadAlertState(file: string): Promise<SavedAlertState | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const data = JSON.parse(text) as Partial<SavedAlertState>;
    if (data.version !== 1 || !Array.isArray(data.alerts) || !Array.isArray(data.silences)) return undefined;
    return { version: 1, alerts: data.alerts, groups: data.groups ?? {}, silences: data.silences };
  } catch {
    // A state file that does not parse starts alerting afresh (it is rewritten atomically, so this means damage).
    return undefined;
  }
}

export function saveAlertState(file: string, state: SavedAlertState): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(state)}\n`, 0o600);
}
