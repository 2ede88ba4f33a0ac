/**
 * The daemon's view of the secret stores: the source the injecting driver reads, the one
 * redactor, and the deploy hooks (generate-once before a deploy, prune previous versions after
 * a successful one).
 */
import { readdir } from 'node:fs/promises';
import type { Config } from '../config/model.js';
import { SlipwayError, toSlipwayError } from '../errors.js';
import type { SecretSource } from './injecting-driver.js';
import { secretsDir } from './key.js';
import { Redactor } from './redactor.js';
import { DEFAULT_SECRETS_ENV, nameOf, refsIn } from './reference.js';
import type { Secret } from './secret.js';
import { SecretStore } from './store.js';
import { notifierRefs } from './notifier-secrets.js';

export class DaemonSecrets implements SecretSource {
  readonly redactor = new Redactor();
  readonly #stateDir: string;
  readonly #environ: NodeJS.ProcessEnv;
  readonly #stores = new Map<string, SecretStore>();

  constructor(o: { stateDir: string; environ: NodeJS.ProcessEnv }) {
    this.#stateDir = o.stateDir;
    this.#environ = o.environ;
  }

  store(env: string): SecretStore {
    let store = this.#stores.get(env);
    if (!store) {
      store = new SecretStore({ stateDir: this.#stateDir, env, environ: this.#environ });
      this.#stores.set(env, store);
    }
    return store;
  }

  async get(env: string, ref: string): Promise<Secret> {
    return this.store(env).get(ref);
  }

  /** At boot: every stored value of every environment feeds the redactor. Problems are returned as warnings. */
  async loadKnown(): Promise<string[]> {
    const files = await readdir(secretsDir(this.#stateDir)).catch(() => [] as string[]);
    const warnings: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.enc'))) {
      const env = file.slice(0, -'.enc'.length);
      try {
        await this.#learn(env);
      } catch (err) {
        const e = toSlipwayError(err);
        warnings.push(`secrets of environment "${env}" not loaded: ${e.message} [${e.code}]`);
      }
    }
    return warnings;
  }

  /**
   * Before a deploy: generates the declared `generate:` secrets that have no value yet (once),
   * and refuses (SLW_SECRETS_MISSING, every name at once) when a used secret has none.
   */
  async prepare(config: Config): Promise<Config> {
    const env = config.env ?? DEFAULT_SECRETS_ENV;
    const store = this.store(env);
    const used = usedSecrets(config);
    if (used.size === 0 && Object.keys(config.secrets ?? {}).length === 0) return config;
    for (const decl of Object.values(config.secrets ?? {})) {
      if (decl.generate && !(await store.has(decl.name))) await store.generate(decl.name, decl.generate);
    }
    const missing = await missingSecrets(config, store);
    if (missing.length > 0) throw missingError(config, missing, 'nothing was deployed', 'then deploy again');
    await this.#learn(env);
    return config;
  }

  /** After every service of a deploy succeeded: the versions it used are the deployed ones. */
  async deployed(config: Config): Promise<void> {
    const used = usedSecrets(config);
    if (used.size > 0) await this.store(config.env ?? DEFAULT_SECRETS_ENV).markDeployed([...used]);
  }

  async #learn(env: string): Promise<void> {
    for (const secret of await this.store(env).values()) this.redactor.add(secret);
  }
}

/**
 * The secrets a config uses that its environment's store has no value for, every one at once
 * (sorted); a secret declared with `generate:` is not missing: a deploy makes it.
 */
export async function missingSecrets(config: Config, store: Pick<SecretStore, 'has'>): Promise<string[]> {
  const generated = new Set(Object.values(config.secrets ?? {}).filter((d) => d.generate).map((d) => d.name));
  const missing: string[] = [];
  for (const name of usedSecrets(config)) if (!generated.has(name) && !(await store.has(name))) missing.push(name);
  return missing.sort();
}

/** SLW_SECRETS_MISSING naming every missing secret, with the command that sets each. */
export function missingError(config: Config, missing: readonly string[], outcome: string, next: string): SlipwayError {
  const env = config.env ?? DEFAULT_SECRETS_ENV;
  return new SlipwayError('SLW_SECRETS_MISSING', `Environment "${env}" has no value for ${missing.join(', ')}; ${outcome}.`, {
    hint: `Set ${missing.length === 1 ? 'it' : 'each'} with \`slipway secrets set NAME${config.env ? ` --env ${config.env}` : ''}\`, ${next}.`,
    details: { env, missing: [...missing] },
  });
}

/** Names of the secrets the services of a config use (env references and secret files), and its alert notifiers. */
export function usedSecrets(config: Config): Set<string> {
  const names = new Set<string>();
  for (const service of Object.values(config.services)) {
    for (const value of Object.values(service.env)) for (const ref of refsIn(value)) names.add(nameOf(ref.ref));
  }
  // A notifier whose secret has no value would stay silent: refused like an app's secret.
  for (const notifier of config.alerts?.notify ?? []) for (const ref of notifierRefs(notifier)) names.add(nameOf(ref.ref));
  // DNS-01 credentials: a wildcard certificate could never be issued without them.
  const dns01 = config.acme?.dns01;
  if (dns01) for (const ref of refsIn(dns01.provider === 'rfc2136' ? dns01.key.secret : dns01.apiToken)) names.add(nameOf(ref.ref));
  return names;
}
