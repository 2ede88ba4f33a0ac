/**
 * One environment's secrets, encrypted in <state>/secrets/<env>.enc (see store-file.ts).
 * Every change is lock → read → modify → seal → atomic rename → unlock: a store that cannot be
 * opened (wrong key, damage) is refused before anything is written, so it is never overwritten,
 * and two processes changing it at once (`secrets set` in two shells) both keep their change:
 * the second reads what the first wrote (src/lib/file-lock.ts, `<env>.enc.lock`).
 * Versions: each set/rotate adds one; the previous one is kept until the next deploy succeeds
 * (`markDeployed`), so a rollback started before that still finds it.
 */
import { readFile, mkdir, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError } from '../errors.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { acquireFileLock, lockPath, type LockHolder } from '../lib/file-lock.js';
import { generate, type GeneratorKind, type GeneratorSpec, type SecretValue } from './generate.js';
import { loadKey, secretsDir } from './key.js';
import { SECRET_NAME_PATTERN, nameOf } from './reference.js';
import { Secret } from './secret.js';
import { open, seal } from './store-file.js';
import { compareText } from '../lib/text-order.js';

export type Origin = 'set' | 'generated' | 'rotated';

interface StoredVersion {
  readonly version: number;
  readonly value: SecretValue;
  readonly createdAt: string;
  readonly origin: Origin;
  readonly generator?: GeneratorKind | undefined;
}

interface StoredSecret {
  /** Ascending; the last one is current. */
  readonly versions: readonly StoredVersion[];
  /** The version the last successful deploy used. */
  readonly deployed?: number | undefined;
}

interface StoreData {
  readonly format: 1;
  readonly env: string;
  readonly secrets: Readonly<Record<string, StoredSecret>>;
}

/** What `secrets list` shows: never a value. */
export interface SecretInfo {
  readonly name: string;
  readonly version: number;
  readonly createdAt: string;
  readonly origin: Origin;
  readonly generator: GeneratorKind | undefined;
  /** Parts of a key pair (publicKey, privateKey); empty for a plain value. */
  readonly parts: readonly string[];
  /** Versions still stored (the current one, and the previous until the next deploy succeeds). */
  readonly versions: readonly number[];
  readonly deployed: number | undefined;
}

export interface StoreOptions {
  readonly stateDir: string;
  /** The config environment (--env), or "default" without one. */
  readonly env: string;
  readonly environ: NodeJS.ProcessEnv;
  readonly now?: () => Date;
  /** How long a change waits for another process's lock on the store (default 10 s). */
  readonly lockWaitMs?: number;
  /** Told when a lock left by a process that is gone is taken over. */
  readonly onNote?: (text: string) => void;
}

export { DEFAULT_SECRETS_ENV as DEFAULT_ENV } from './reference.js';

export function storeFile(stateDir: string, env: string): string {
  return join(secretsDir(stateDir), `${env}.enc`);
}

export class SecretStore {
  readonly file: string;
  readonly #o: StoreOptions;

  constructor(o: StoreOptions) {
    this.#o = o;
    this.file = storeFile(o.stateDir, o.env);
  }

  get env(): string {
    return this.#o.env;
  }

  async list(): Promise<SecretInfo[]> {
    const data = await this.#read();
    return Object.entries(data.secrets)
      .map(([name, s]) => infoOf(name, s))
      .sort((a, b) => compareText(a.name, b.name));
  }

  async has(name: string): Promise<boolean> {
    return Object.hasOwn((await this.#read()).secrets, name);
  }

  /** The current value of NAME or NAME.part, wrapped; a pair read whole is its JSON. */
  async get(ref: string): Promise<Secret> {
    const found = lookup(await this.#read(), ref);
    if (found === undefined) throw unknown(ref, this.#o.env);
    return new Secret(ref, found);
  }

  /** Every stored value (all versions, all parts, pairs whole too): what the redactor hides. */
  async values(): Promise<Secret[]> {
    const out: Secret[] = [];
    for (const [name, s] of Object.entries((await this.#read()).secrets)) {
      for (const v of s.versions) {
        if (typeof v.value === 'string') out.push(new Secret(name, v.value));
        else {
          out.push(new Secret(name, JSON.stringify(v.value)));
          for (const [part, value] of Object.entries(v.value)) out.push(new Secret(`${name}.${part}`, value));
        }
      }
    }
    return out;
  }

  async set(name: string, value: SecretValue, origin: Origin = 'set', generator?: GeneratorKind): Promise<SecretInfo> {
    checkName(name);
    checkValue(name, value);
    return this.#update(name, value, origin, generator, () => undefined);
  }

  /** Generate-once: refused with SLW_SECRETS_EXISTS when NAME already has a value (checked again under the lock). */
  async generate(name: string, spec: GeneratorSpec): Promise<SecretInfo> {
    checkName(name);
    const exists = () => new SlipwayError('SLW_SECRETS_EXISTS', `Secret ${name} already has a value in environment "${this.#o.env}"; it is never regenerated silently.`);
    if (await this.has(name)) throw exists();
    const value = await generate(spec);
    return this.#update(name, value, 'generated', spec.kind, (current) => {
      if (current !== undefined) throw exists();
    });
  }

  /** A new version (generated again when a spec is given); the previous stays until the next deploy succeeds. */
  async rotate(name: string, next: { spec: GeneratorSpec } | { value: SecretValue }): Promise<SecretInfo> {
    if (!(await this.has(name))) throw unknown(name, this.#o.env);
    const value = 'spec' in next ? await generate(next.spec) : next.value;
    checkValue(name, value);
    return this.#update(name, value, 'rotated', 'spec' in next ? next.spec.kind : undefined, (current) => {
      if (current === undefined) throw unknown(name, this.#o.env);
    });
  }

  /** After a successful deploy: the current versions of `names` are the deployed ones; older ones go. */
  async markDeployed(names: readonly string[]): Promise<void> {
    await this.#locked(async (data) => {
      const next = deployedData(data, names);
      if (next) await this.#write(next);
    });
  }

  /** A new version of NAME, made under the lock from what the store holds now; `guard` may refuse. */
  async #update(name: string, value: SecretValue, origin: Origin, generator: GeneratorKind | undefined, guard: (current: StoredSecret | undefined) => void): Promise<SecretInfo> {
    return this.#locked(async (data) => {
      const current = data.secrets[name];
      guard(current);
      const last = current?.versions.at(-1);
      const kept = (current?.versions ?? []).filter((v) => v === last || v.version === current?.deployed);
      const version: StoredVersion = { version: (last?.version ?? 0) + 1, value, createdAt: this.#now(), origin, ...(generator ? { generator } : {}) };
      const next: StoredSecret = { versions: [...kept, version], ...(current?.deployed !== undefined ? { deployed: current.deployed } : {}) };
      await this.#write({ ...data, secrets: { ...data.secrets, [name]: next } });
      return infoOf(name, next);
    });
  }

  /** Read-modify-write under the store's inter-process lock. */
  async #locked<T>(change: (data: StoreData) => Promise<T>): Promise<T> {
    const dir = secretsDir(this.#o.stateDir);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    const lock = await acquireFileLock(this.file, {
      ...(this.#o.lockWaitMs !== undefined ? { waitMs: this.#o.lockWaitMs } : {}),
      onStale: (h) => this.#o.onNote?.(`took over the lock of the secret store of environment "${this.#o.env}": pid ${h.pid} took it at ${h.since} and is no longer running`),
    });
    if (!lock.ok) throw locked(this.file, this.#o.env, lock.holder);
    try {
      return await change(await this.#read());
    } finally {
      await lock.release();
    }
  }

  async #read(): Promise<StoreData> {
    const raw = await readFile(this.file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw new SlipwayError('SLW_SECRETS_UNREADABLE', `The secret store ${this.file} could not be read (${err.code ?? 'error'}).`, { cause: err });
    });
    if (raw === undefined) return { format: 1, env: this.#o.env, secrets: {} };
    const key = await loadKey({ stateDir: this.#o.stateDir, environ: this.#o.environ, create: false });
    if (!key) {
      throw new SlipwayError('SLW_SECRETS_KEY_MISSING', `The secret store ${this.file} exists, but there is no key to open it.`);
    }
    const plain = open(raw, key, this.#o.env, this.file);
    try {
      const data = JSON.parse(plain.toString('utf8')) as StoreData;
      if (data.format !== 1 || typeof data.secrets !== 'object') throw new Error('unexpected content');
      return data;
    } catch (err) {
      throw new SlipwayError('SLW_SECRETS_CORRUPT', `The secret store ${this.file} decrypted to something that is not a slipway store.`, { cause: err });
    }
  }

  /** Only under #locked, which made the directory. */
  async #write(data: StoreData): Promise<void> {
    const key = await loadKey({ stateDir: this.#o.stateDir, environ: this.#o.environ, create: true });
    if (!key) throw new SlipwayError('SLW_INTERNAL', 'No secrets key after creating one.');
    try {
      await writeFileAtomic(this.file, seal(Buffer.from(JSON.stringify(data)), key, this.#o.env), 0o600);
    } catch (err) {
      throw new SlipwayError('SLW_SECRETS_UNREADABLE', `The secret store ${this.file} could not be written (${(err as NodeJS.ErrnoException).code ?? 'error'}).`, { cause: err });
    }
  }

  #now(): string {
    return (this.#o.now?.() ?? new Date()).toISOString();
  }
}

/** After a deploy: the data with only the current versions of `names` kept, or undefined when nothing changes. */
function deployedData(data: StoreData, names: readonly string[]): StoreData | undefined {
  const wanted = names.filter((n) => Object.hasOwn(data.secrets, n));
  const changed = wanted.some((n) => {
    const s = data.secrets[n];
    return s !== undefined && (s.versions.length > 1 || s.deployed !== s.versions.at(-1)?.version);
  });
  if (!changed) return undefined;
  const secrets = { ...data.secrets };
  for (const n of wanted) {
    const last = secrets[n]?.versions.at(-1);
    if (last) secrets[n] = { versions: [last], deployed: last.version };
  }
  return { ...data, secrets };
}

function lookup(data: StoreData, ref: string): string | undefined {
  const [name = '', part] = ref.split('.');
  const value = data.secrets[name]?.versions.at(-1)?.value;
  if (value === undefined) return undefined;
  if (typeof value === 'string') return part === undefined ? value : undefined;
  return part === undefined ? JSON.stringify(value) : value[part];
}

function infoOf(name: string, s: StoredSecret): SecretInfo {
  const last = s.versions.at(-1);
  if (!last) throw new SlipwayError('SLW_SECRETS_CORRUPT', `Secret ${name} has no version.`);
  return {
    name,
    version: last.version,
    createdAt: last.createdAt,
    origin: last.origin,
    generator: last.generator,
    parts: typeof last.value === 'string' ? [] : Object.keys(last.value),
    versions: s.versions.map((v) => v.version),
    deployed: s.deployed,
  };
}

function checkName(name: string): void {
  if (!SECRET_NAME_PATTERN.test(name)) {
    throw new SlipwayError('SLW_SECRETS_BAD_NAME', `"${name.slice(0, 64)}" is not a valid secret name.`);
  }
}

function checkValue(name: string, value: SecretValue): void {
  const parts = typeof value === 'string' ? [value] : Object.values(value);
  if (parts.some((p) => p.length === 0)) throw new SlipwayError('SLW_SECRETS_BAD_VALUE', `The value given for ${name} is empty.`);
  if (parts.some((p) => p.includes('\0'))) {
    throw new SlipwayError('SLW_SECRETS_BAD_VALUE', `The value given for ${name} contains a NUL byte, which no environment variable can carry.`, {
      hint: 'Store binary data base64-encoded, and decode it in the app.',
    });
  }
}

function locked(file: string, env: string, holder: LockHolder | undefined): SlipwayError {
  const who = holder ? `pid ${holder.pid}${holder.host ? ` on ${holder.host}` : ''} since ${holder.since}` : 'a lock file slipway cannot read';
  return new SlipwayError('SLW_SECRETS_LOCKED', `The secret store of environment "${env}" stays locked by ${who}; nothing was changed.`, {
    hint: `Another \`slipway secrets\` command is changing it: run yours again when it is done. If no slipway process holds it, remove ${lockPath(file)}.`,
  });
}

function unknown(ref: string, env: string): SlipwayError {
  return new SlipwayError('SLW_SECRETS_UNKNOWN', `Secret ${nameOf(ref)} has no value in environment "${env}"${ref.includes('.') ? ` (or has no part ${ref.split('.')[1]})` : ''}.`);
}
