/** What one language detector of `slipway init` guessed about an app, and the helpers they share. */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export type AppKind = 'node' | 'python' | 'ruby' | 'go' | 'static';

export interface AppGuess {
  readonly kind: AppKind;
  /** The start command; it must make the app listen on $PORT. */
  readonly run: string;
  readonly build?: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly notes: readonly string[];
  /** True when the command (or the script it runs) already passes $PORT to the server. */
  readonly commandReadsPort: boolean;
  /** What to tell the user when the app does not seem to read PORT, in this language's terms. */
  readonly portHint: string;
  /** Fits a command from the Procfile to this build (Python: run it with the release's virtualenv). */
  readonly adapt?: ((command: string) => string) | undefined;
}

export interface DetectOptions {
  /** PATH for finding servers on this machine (static sites); default this process's. */
  readonly environ?: NodeJS.ProcessEnv;
}

export type Detector = (root: string, o: DetectOptions) => Promise<AppGuess | undefined>;

/** `$PORT` or `${PORT}` in a shell command. */
export function mentionsPort(command: string): boolean {
  return /\$\{?PORT\b/.test(command);
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

export async function readText(root: string, name: string): Promise<string | undefined> {
  return readFile(join(root, name), 'utf8').catch(() => undefined);
}

export async function firstExisting(root: string, names: readonly string[]): Promise<string | undefined> {
  for (const name of names) if (await exists(join(root, name))) return name;
  return undefined;
}

/** A note when `command` listens on every interface; slipway reaches instances on 127.0.0.1. */
export function bindAllNote(what: string, command: string): string | undefined {
  if (!command.includes('0.0.0.0')) return undefined;
  return `${what} listens on 0.0.0.0 (every network interface), so the app can be reached around the proxy (its TLS, limits and auth); slipway reaches instances on 127.0.0.1. Suggested: \`${command.replaceAll('0.0.0.0', '127.0.0.1')}\`.`;
}
