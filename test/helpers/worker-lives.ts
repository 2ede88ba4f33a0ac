import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One process of a worker, as it stamped itself into its volume: `start-PID` and `beat-PID`, each "[VERSION ]EPOCH_MS". */
export interface WorkerLife {
  readonly pid: number;
  readonly version: string;
  readonly start: number;
  readonly last: number;
}

/** Every process a worker's volume (under the state dir's only project) has seen, oldest start first. */
export async function workerLives(stateDir: string, volume: string): Promise<WorkerLife[]> {
  const dir = join(stateDir, 'volumes');
  const project = (await readdir(dir))[0] ?? '';
  const out = join(dir, project, volume);
  const stamp = async (f: string): Promise<{ version: string; at: number }> => {
    // A beat file is rewritten in place: read again when it was caught empty, between truncate and write.
    let text = '';
    for (let n = 0; n < 20 && text === ''; n++) text = (await readFile(join(out, f), 'utf8').catch(() => '0')).trim();
    const words = text.split(' ');
    return { version: words.length > 1 ? (words[0] ?? '') : '', at: Number(words.at(-1)) };
  };
  const pids = (await readdir(out)).filter((n) => n.startsWith('start-')).map((n) => n.slice(6));
  const all = await Promise.all(
    pids.map(async (pid) => {
      const start = await stamp(`start-${pid}`);
      return { pid: Number(pid), version: start.version, start: start.at, last: (await stamp(`beat-${pid}`)).at };
    }),
  );
  return all.sort((a, b) => a.start - b.start);
}
