/**
 * The config a deploy request runs on, read once: the project the file names and the config its
 * engine then deploys come from one whole check (all four stages, preflight included), kept per
 * request object, so a later request reads the file again. Secrets are prepared, and the config
 * is admitted among the host's projects, only when the engine asks for it.
 */
import { resolve } from 'node:path';
import type { Config } from '../config/model.js';
import type { ConfigRef } from '../engine/engine.js';
import { toSlipwayError } from '../errors.js';
import type { Logger } from '../lib/logger.js';
import { loadConfig } from './config-checker.js';
import type { ReloadResult } from './daemon-settings.js';

export interface DeployConfigsOptions {
  readonly stateDir: string;
  readonly environ: NodeJS.ProcessEnv;
  /** `generate:` secrets made, missing ones refused (DaemonSecrets.prepare). */
  readonly prepare: (config: Config) => Promise<Config>;
  /** The host's checks of a project's config against the others (Projects.admit). */
  readonly admit: (project: string, config: Config) => Config;
  /** Certificates for the hosts a config names (CertManager.configure). */
  readonly configureCerts: (config: Config) => Promise<void>;
  /** The daemon's own config file and env: a deploy from that file applies its daemon-level settings. */
  readonly own: { readonly file: string | undefined; readonly env: string | undefined };
  /** Daemon.reload, given the sections as the deploy read them (undefined: read the file again). */
  readonly reload: (read?: Config) => Promise<ReloadResult>;
  readonly log: Logger;
}

export class DeployConfigs {
  readonly #o: DeployConfigsOptions;
  readonly #checks = new WeakMap<ConfigRef, Promise<Config>>();

  constructor(options: DeployConfigsOptions) {
    this.#o = options;
  }

  /** The project a deploy's file names, from its whole check (a file that fails it throws its coded error). */
  async nameOf(ref: ConfigRef): Promise<string> {
    return (await this.#checked(ref)).project;
  }

  /** A project engine's loadConfig: the request's checked config, admitted, with its secrets and certificates ready. */
  loaderFor(project: string): (ref: ConfigRef) => Promise<Config> {
    return async (ref) => {
      // Checked against the other projects (name, routes, host settings) before anything moves.
      const config = this.#o.admit(project, await this.#o.prepare(await this.#checked(ref)));
      await this.#o.configureCerts(config);
      const { own, log } = this.#o;
      if (own.file && resolve(ref.configFile) === resolve(own.file)) {
        // Its sections as this deploy read them, when it read the file as the daemon does (same env).
        await this.#o.reload(ref.env === own.env ? config : undefined).then(
          (r) => r.applied.length > 0 && log.info('daemon settings applied by a deploy', { ...r }),
          (err: unknown) => log.warn('daemon settings not applied', { error: toSlipwayError(err).message }),
        );
      }
      return config;
    };
  }

  #checked(ref: ConfigRef): Promise<Config> {
    let check = this.#checks.get(ref);
    if (!check) {
      // Ports its own proxy and this daemon hold are not conflicts.
      const preflight = { stateDir: this.#o.stateDir, environ: this.#o.environ, ownPids: [process.pid] };
      check = loadConfig({ file: ref.configFile, ...(ref.env !== undefined ? { env: ref.env } : {}), preflight });
      this.#checks.set(ref, check);
    }
    return check;
  }
}
