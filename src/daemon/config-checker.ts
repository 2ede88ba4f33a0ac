/**
 * The daemon reads slipway.yaml through a child process (src/config/checker-main.ts) instead of
 * loading the YAML parser and the zod schemas itself: they are most of what an idle daemon would
 * otherwise hold (BENCHMARKS.md, Memory), and are needed only for the moment of a deploy, a reload
 * or a backup run. The child is started on the first check, answers every check while it runs,
 * and is told to leave after `idleMs` without one (a burst of deploys pays its start once).
 * Answers come over Node's IPC with structured clone (`serialization: 'advanced'`), so the
 * config is the very value an in-process load returns (deep-equal, frozen again here). Errors are
 * the ones an in-process load throws (SLW_CONFIG_INVALID with every issue, …); a checker that
 * cannot start or stops before answering gives SLW_CONFIG_CHECKER_FAILED, and nothing is changed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SlipwayError, type SerializedError } from '../errors.js';
import { entryArgv } from '../lib/entry-points.js';
import { deepFreeze } from '../config/freeze.js';
import { configOrThrow } from '../config/load-result.js';
import type { CheckResult, LoadOptions } from '../config/load.js';
import type { Config } from '../config/model.js';

export interface ConfigCheckerOptions {
  /** How long the child stays after its last answer (ms). */
  readonly idleMs?: number;
  /** Longest wait for one answer (ms) before the child is stopped and the check fails. */
  readonly timeoutMs?: number;
}

interface Waiting {
  readonly resolve: (result: never) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

type Answer = { id: number; result: unknown } | { id: number; error: SerializedError };

const failed = (why: string): SlipwayError =>
  new SlipwayError('SLW_CONFIG_CHECKER_FAILED', `The daemon could not have slipway.yaml checked: its config checker ${why}.`);

export class ConfigChecker {
  readonly #idleMs: number;
  readonly #timeoutMs: number;
  #child: ChildProcess | undefined;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;
  #idle: NodeJS.Timeout | undefined;
  /** file → the project it named when it had this mtime and size (a status call should not start the checker each time). */
  readonly #projects = new Map<string, { readonly version: string; readonly project: string }>();

  constructor(options: ConfigCheckerOptions = {}) {
    this.#idleMs = options.idleMs ?? 10_000;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
  }

  /** The checked, frozen config, or the error `loadConfig` in src/config/load.ts would throw. */
  async load(options: LoadOptions): Promise<Config> {
    return deepFreeze(configOrThrow(options.file, await this.check(options)));
  }

  /** Every issue of the config, or the config (not thrown: the caller decides). */
  check(options: LoadOptions): Promise<CheckResult> {
    return this.#ask<CheckResult>({ options });
  }

  /** The project a config file names (`project:`, else its folder's name), remembered while the file is unchanged. */
  async projectOf(file: string): Promise<string> {
    const path = resolve(file);
    const info = await stat(path).catch(() => undefined);
    const version = info ? `${info.mtimeMs}:${info.size}:${info.ino}` : 'missing';
    const known = this.#projects.get(path);
    if (known?.version === version) return known.project;
    const project = await this.#ask<string>({ projectOf: path });
    if (this.#projects.size >= 256) this.#projects.clear();
    this.#projects.set(path, { version, project });
    return project;
  }

  #ask<T>(request: { options: LoadOptions } | { projectOf: string }): Promise<T> {
    clearTimeout(this.#idle);
    const child = this.#running();
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.#stop(child, failed(`did not answer within ${this.#timeoutMs / 1000} s`)), this.#timeoutMs);
      // One map holds answers of two shapes (a CheckResult, a project name): each waiter is typed
      // by its request (#ask<T>), so the map stores it at the widest type a resolver accepts.
      this.#waiting.set(id, { resolve: resolve as (result: never) => void, reject, timer });
      child.ref();
      child.channel?.ref();
      child.send({ id, ...request }, (err) => err && this.#stop(child, failed(`could not be reached (${err.message})`)));
    });
  }

  /** The checker's pid while it runs (for tests and the memory benchmark). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Stops the checker now (daemon shutdown); a later check starts a new one. */
  async close(): Promise<void> {
    clearTimeout(this.#idle);
    const child = this.#child;
    if (!child) return;
    if (child.exitCode !== null || child.signalCode !== null) return void this.#gone(child, failed('had exited'));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.ref(); // held until it has exited (the kill after 2 s in #stop ends it at the latest)
    this.#stop(child, failed('was stopped with the daemon'));
    await exited;
  }

  #running(): ChildProcess {
    if (this.#child) return this.#child;
    const child = spawn(process.execPath, entryArgv('config-checker'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    this.#child = child;
    child.on('message', (message: Answer) => this.#answered(message));
    child.once('error', (err) => this.#stop(child, failed(`could not start (${err.message})`)));
    child.once('exit', (code, signal) => this.#gone(child, failed(`exited (${signal ?? `code ${code ?? '?'}`}) before it answered`)));
    return child;
  }

  #answered(message: Answer): void {
    const waiting = this.#waiting.get(message.id);
    if (!waiting) return;
    this.#waiting.delete(message.id);
    clearTimeout(waiting.timer);
    if ('error' in message) waiting.reject(SlipwayError.fromJSON(message.error));
    // The answer's shape is the one its request asked for (checker-main.ts answers each request in kind).
    else waiting.resolve(message.result as never);
    if (this.#waiting.size === 0) this.#rest();
  }

  /** Nothing waiting: the child no longer holds the daemon's event loop, and leaves after idleMs. */
  #rest(): void {
    const child = this.#child;
    if (!child) return;
    child.unref();
    child.channel?.unref();
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.#stop(child, failed('was stopped while idle')), this.#idleMs);
    this.#idle.unref();
  }

  /** Closes the channel (the child exits on its own), kills it if it lingers, fails what waits on it. */
  #stop(child: ChildProcess, why: SlipwayError): void {
    if (child.connected) child.disconnect();
    const kill = setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 2_000);
    kill.unref();
    child.once('exit', () => clearTimeout(kill));
    this.#gone(child, why);
  }

  #gone(child: ChildProcess, why: SlipwayError): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    for (const waiting of this.#waiting.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(why);
    }
    this.#waiting.clear();
  }
}

/** The daemon's one checker: every config load of the daemon goes through it. */
export const configChecker = new ConfigChecker({ idleMs: Number(process.env.SLIPWAY_CONFIG_CHECKER_IDLE_MS) || undefined });

/** The project a config file names, through the daemon's checker (src/config/project-name.ts reads YAML). */
export function projectNameOfFile(file: string): Promise<string> {
  return configChecker.projectOf(file);
}

/** Drop-in for src/config/load.ts's loadConfig, through the daemon's checker. */
export function loadConfig(options: LoadOptions): Promise<Config> {
  return configChecker.load(options);
}
