/** Finds and parses a compose file (YAML 1.1 merge keys included); coded errors for a missing or malformed file. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseYaml } from '../config/yaml-adapter.js';
import { SlipwayError } from '../errors.js';

/** The names Compose looks for, in its order. */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'] as const;

/** A compose file larger than this is refused before parsing (real ones are a few kilobytes). */
const MAX_BYTES = 4 * 1024 * 1024;

export async function readComposeFile(file: string | undefined, cwd: string): Promise<{ file: string; data: unknown }> {
  const candidates = file === undefined ? COMPOSE_FILE_NAMES.map((n) => resolve(cwd, n)) : [resolve(cwd, file)];
  for (const path of candidates) {
    const text = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw new SlipwayError('SLW_COMPOSE_NOT_FOUND', `${path} cannot be read: ${err.code ?? err.message}.`, { cause: err });
    });
    if (text === undefined) continue;
    if (text.length > MAX_BYTES) throw new SlipwayError('SLW_COMPOSE_INVALID', `${path} is ${text.length} bytes, more than the ${MAX_BYTES} a compose file may have.`);
    const parsed = parseYaml(text.toString('utf8'), { merge: true });
    const first = parsed.problems[0];
    if (first !== undefined) {
      throw new SlipwayError('SLW_COMPOSE_SYNTAX', `${path}:${first.line}:${first.col}: ${first.message}`, {
        location: { file: path, line: first.line, col: first.col },
        details: { problems: parsed.problems },
      });
    }
    return { file: path, data: parsed.data };
  }
  throw new SlipwayError('SLW_COMPOSE_NOT_FOUND', file === undefined ? `No compose file in ${cwd} (looked for ${COMPOSE_FILE_NAMES.join(', ')}).` : `${candidates[0]} does not exist.`);
}
