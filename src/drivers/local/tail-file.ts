import { open } from 'node:fs/promises';

const CHUNK = 64 * 1024;

export interface TailOptions {
  /** Ignore everything before this byte offset (e.g. where a build started appending). */
  readonly fromOffset?: number;
  /** Reads at most this many bytes from the end, whatever the line count (default 1 MiB). */
  readonly maxBytes?: number;
}

/**
 * The last `lines` lines of a file, reading backwards from its end in chunks so a large log is
 * never read whole. A missing file has no lines. A final newline does not start an empty line.
 */
export async function readLastLines(path: string, lines: number, options: TailOptions = {}): Promise<string[]> {
  if (lines <= 0) return [];
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const size = (await handle.stat()).size;
    const start = options.fromOffset ?? 0;
    const floor = Math.max(start, size - (options.maxBytes ?? 1024 * 1024), 0);
    const chunks: Buffer[] = [];
    let pos = size;
    let newlines = 0;
    while (pos > floor && newlines <= lines) {
      const length = Math.min(CHUNK, pos - floor);
      pos -= length;
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, pos);
      chunks.unshift(buf.subarray(0, bytesRead));
      for (let i = 0; i < bytesRead; i++) if (buf[i] === 0x0a) newlines++;
    }
    const all = Buffer.concat(chunks).toString('utf8').split('\n');
    if (all.at(-1) === '') all.pop();
    if (pos > start) all.shift(); // started mid-line
    return all.slice(-lines).map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  } finally {
    await handle.close();
  }
}
