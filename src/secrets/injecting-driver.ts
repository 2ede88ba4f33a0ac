/**
 * Secret injection as a Driver decorator (wired by the daemon, invisible to the engine): at
 * start, the secret markers in the instance's env become values, and secret files are written
 * under <state>/run/secrets/<instance>/ (directory 0700, files 0400, owned by the daemon's user,
 * which the local driver runs apps as); the files go when the instance stops or exits. The
 * release record and the journal only ever hold the markers. Log tails pass the redactor.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Driver, ExitInfo, InstanceHandle, InstanceSpec, InstanceUsage, Inspection, StopOptions } from '../drivers/driver.js';
import { SlipwayError, toSlipwayError } from '../errors.js';
import type { Redactor } from './redactor.js';
import { hasRefs, nameOf, replaceRefs, type SecretRef } from './reference.js';
import type { Secret } from './secret.js';

export interface SecretSource {
  /** The current value of NAME or NAME.part in environment `env`. */
  get(env: string, ref: string): Promise<Secret>;
}

export interface InjectingDriverOptions {
  readonly runDir: string;
  /**
   * For a driver whose instances cannot see host paths (containers): secret files are bound
   * read-only at this path inside the instance, and NAME_FILE names them there.
   */
  readonly mountAt?: string;
  readonly source: SecretSource;
  readonly redactor: Redactor;
}

export function secretRunDir(stateDir: string): string {
  return join(stateDir, 'run', 'secrets');
}

export class InjectingDriver implements Driver {
  readonly #inner: Driver;
  readonly #o: InjectingDriverOptions;

  constructor(inner: Driver, o: InjectingDriverOptions) {
    this.#inner = inner;
    this.#o = o;
  }

  get name(): string {
    return this.#inner.name;
  }

  async start(spec: InstanceSpec): Promise<InstanceHandle> {
    if (!Object.values(spec.env).some(hasRefs)) return this.#inner.start(spec);
    const dir = join(this.#o.runDir, spec.id);
    this.#remove(spec.id);
    try {
      const env = await this.#resolve(spec, dir);
      const mountAt = this.#o.mountAt;
      if (mountAt === undefined || !existsSync(dir)) return await this.#inner.start({ ...spec, env });
      const inside = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replaceAll(`${dir}/`, `${mountAt}/`)]));
      return await this.#inner.start({ ...spec, env: inside, mounts: [...(spec.mounts ?? []), { source: dir, target: mountAt, readOnly: true }] });
    } catch (err) {
      this.#remove(spec.id);
      throw err;
    }
  }

  /**
   * Runs `fn` with `env`'s secret markers made values (secret files written for the time of
   * the call, then removed): for a one-off command such as a release hook.
   */
  async withSecrets<T>(one: { readonly id: string; readonly service: string; readonly env: Readonly<Record<string, string>> }, fn: (env: Record<string, string>) => Promise<T>): Promise<T> {
    if (!Object.values(one.env).some(hasRefs)) return fn({ ...one.env });
    const dir = join(this.#o.runDir, one.id);
    this.#remove(one.id);
    try {
      return await fn(await this.#resolve({ id: one.id, service: one.service, env: one.env }, dir));
    } finally {
      this.#remove(one.id);
    }
  }

  async #resolve(spec: Pick<InstanceSpec, 'id' | 'service' | 'env'>, dir: string): Promise<Record<string, string>> {
    const values = new Map<string, string>();
    const fetch = async (ref: SecretRef): Promise<void> => {
      const key = `${ref.kind}:${ref.env}:${ref.ref}`;
      if (values.has(key)) return;
      const secret = await this.#o.source.get(ref.env, ref.ref).catch((err: unknown) => {
        throw new SlipwayError('SLW_SECRETS_INJECT_FAILED', `Instance ${spec.id} of ${spec.service} needs secret ${nameOf(ref.ref)} (environment "${ref.env}"): ${toSlipwayError(err).message}`, { cause: err });
      });
      this.#o.redactor.add(secret);
      values.set(key, ref.kind === 'file' ? writeSecretFile(dir, ref.ref, secret) : secret.reveal());
    };
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(spec.env)) {
      if (!hasRefs(value)) {
        env[name] = value;
        continue;
      }
      const refs: SecretRef[] = [];
      replaceRefs(value, (r) => (refs.push(r), ''));
      for (const r of refs) await fetch(r);
      env[name] = replaceRefs(value, (r) => values.get(`${r.kind}:${r.env}:${r.ref}`) ?? '');
    }
    return env;
  }

  async stop(handle: InstanceHandle, options: StopOptions): Promise<void> {
    try {
      await this.#inner.stop(handle, options);
    } finally {
      this.#remove(handle.id);
    }
  }

  inspect(handle: InstanceHandle): Promise<Inspection> {
    return this.#inner.inspect(handle);
  }

  adopt(handle: InstanceHandle): Promise<boolean> {
    return this.#inner.adopt(handle);
  }

  findStrays(known: ReadonlySet<string>): Promise<InstanceHandle[]> {
    return this.#inner.findStrays(known);
  }

  onExit(listener: (exit: ExitInfo) => void): void {
    this.#inner.onExit((exit) => {
      this.#remove(exit.id);
      listener(exit);
    });
  }

  async logs(handle: InstanceHandle, lines: number): Promise<string[]> {
    return (await this.#inner.logs(handle, lines)).map((line) => this.#o.redactor.redact(line));
  }

  async usage(handle: InstanceHandle): Promise<InstanceUsage | undefined> {
    return this.#inner.usage?.(handle);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  /** Removes the secret files of instances that are not live (left by a crash or a stop while the daemon was down). */
  sweep(live: ReadonlySet<string>): void {
    let ids: string[];
    try {
      ids = readdirSync(this.#o.runDir);
    } catch {
      return;
    }
    for (const id of ids) if (!live.has(id)) this.#remove(id);
  }

  #remove(id: string): void {
    rmSync(join(this.#o.runDir, id), { recursive: true, force: true });
  }
}

function writeSecretFile(dir: string, ref: string, secret: Secret): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, ref);
  try {
    writeFileSync(file, secret.reveal(), { mode: 0o400, flag: 'wx' });
  } catch (err) {
    throw new SlipwayError('SLW_SECRETS_INJECT_FAILED', `The file of secret ${nameOf(ref)} could not be written in ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`, { cause: err });
  }
  return file;
}
