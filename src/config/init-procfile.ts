/** Reads a Procfile (`name: command` per line), as Heroku and foreman define it. */
import { readText } from './init-guess.js';
import { SERVICE_NAME_PATTERN } from './schema-fields.js';

export interface Procfile {
  readonly web?: string | undefined;
  /** Heroku's release phase: runs once per deploy before the new release starts. */
  readonly release?: string | undefined;
  /** Every other process type, by a valid service name. */
  readonly workers: ReadonlyMap<string, string>;
}

export async function readProcfile(root: string): Promise<Procfile | undefined> {
  const text = await readText(root, 'Procfile');
  if (text === undefined) return undefined;
  let web: string | undefined;
  let release: string | undefined;
  const workers = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z0-9_-]+):\s*(\S.*)$/.exec(line.trim());
    if (!m?.[1] || !m[2]) continue;
    const type = m[1].toLowerCase();
    const command = m[2].trim();
    if (type === 'web') web = command;
    else if (type === 'release') release = command;
    else {
      const name = type.replaceAll('_', '-').replace(/^[^a-z]+/, '');
      if (SERVICE_NAME_PATTERN.test(name) && !workers.has(name)) workers.set(name, command);
    }
  }
  return { web, release, workers };
}
