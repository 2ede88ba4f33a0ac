/**
 * The daemon's config checker: a child process that reads and checks slipway.yaml for the daemon
 * (YAML, the schemas, the semantic checks, preflight; the project a file names), so that the daemon itself never loads the
 * YAML parser or the schemas and stays small while idle (BENCHMARKS.md, Memory). The daemon starts
 * it on demand (src/daemon/config-checker.ts); it answers each request on its IPC channel and
 * exits when the channel closes: the daemon idle for a while, stopped, or gone.
 */
import { checkConfig, type LoadOptions } from './load.js';
import { projectNameOfFile } from './project-name.js';
import { SlipwayError, toSlipwayError } from '../errors.js';

/** One request from the daemon: a whole check, or only the project a file names (src/config/project-name.ts). */
export type CheckRequest = { readonly id: number; readonly options: LoadOptions } | { readonly id: number; readonly projectOf: string };

async function answer(request: CheckRequest): Promise<void> {
  let reply: object;
  try {
    reply = { id: request.id, result: 'projectOf' in request ? await projectNameOfFile(request.projectOf) : await checkConfig(request.options) };
  } catch (err) {
    reply = { id: request.id, error: toSlipwayError(err).toJSON() };
  }
  // The daemon may have closed the channel meanwhile (stopped, or its load timed out): nobody to answer.
  if (process.connected) process.send?.(reply);
}

if (process.send) {
  // Its only sender is the daemon's ConfigChecker (src/daemon/config-checker.ts), which sends CheckRequest alone.
  process.on('message', (message) => void answer(message as CheckRequest));
  // Once the daemon closes the channel, nothing holds the event loop: a check under way answers
  // into the void and the process ends by itself.
} else {
  // Started by hand: nothing to answer. The message goes to stderr and the process ends (exit 2).
  const err = new SlipwayError('SLW_USAGE', 'The config checker runs only as a child of the slipway daemon.', {
    hint: 'Run `slipway check` to check a config by hand.',
  });
  process.stderr.write(`${err.message} ${err.hint}\n`);
  process.exitCode = 2;
}
