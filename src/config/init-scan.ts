/** Looks through an app's source for hints `slipway init` can use (PORT usage, health routes). */
import { readFile, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';

const SOURCE_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.jsx', '.tsx', '.py', '.rb', '.go', '.php', '.java', '.rs', '.ex', '.exs']);
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.slipway', 'dist', 'build', 'coverage', 'vendor', '.venv', 'target']);
const MAX_FILES = 500;
const MAX_BYTES = 512 * 1024;

export interface SourceFacts {
  readonly readsPort: boolean;
  /** "/healthz" or "/health" when the source mentions one. */
  readonly healthPath: string | undefined;
  readonly filesScanned: number;
}

export async function scanSource(dir: string): Promise<SourceFacts> {
  let readsPort = false;
  let healthz = false;
  let health = false;
  const files = await listSourceFiles(dir);
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.length > MAX_BYTES) continue;
    readsPort ||= /\bPORT\b/.test(text);
    healthz ||= /["'`]\/healthz["'`/?]/.test(text);
    health ||= /["'`]\/health["'`/?]/.test(text);
  }
  return { readsPort, healthPath: healthz ? '/healthz' : health ? '/health' : undefined, filesScanned: files.length };
}

async function listSourceFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const queue = [root];
  while (queue.length > 0 && out.length < MAX_FILES) {
    const dir = queue.shift() as string;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) queue.push(full);
      else if (entry.isFile() && SOURCE_EXTENSIONS.has(extname(entry.name))) out.push(full);
      if (out.length >= MAX_FILES) break;
    }
  }
  return out;
}
