/** What one import collects besides the config: bad values (an error), keys left out, notes, secrets to set. */

export interface KeyNote {
  /** The compose key path, e.g. services.api.ports[1]. */
  readonly path: string;
  readonly message: string;
}

export class ImportSink {
  /** Values Compose itself would refuse: the import fails with SLW_COMPOSE_INVALID, listing them all. */
  readonly problems: KeyNote[] = [];
  /** Valid compose keys with no slipway equivalent: listed, never dropped silently. */
  readonly untranslated: KeyNote[] = [];
  /** Keys translated with a difference the user should know. */
  readonly notes: KeyNote[] = [];
  /** Secrets the config now references by name, to be set with `slipway secrets set`. */
  readonly secrets = new Set<string>();

  problem(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  skip(path: string, message: string): void {
    this.untranslated.push({ path, message });
  }

  note(path: string, message: string): void {
    this.notes.push({ path, message });
  }
}

/** Path of a key below `base`: services.api + ports → services.api.ports; a list index → ports[1]. */
export function keyPath(base: string, key: string | number): string {
  return typeof key === 'number' ? `${base}[${key}]` : `${base}.${key}`;
}
