import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';

export type BoundedRead =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly problem: 'missing' | 'not-a-file' | 'too-large' | 'unreadable'; readonly detail: string };

/**
 * Reads a small text file a user named (slipway.yaml, an envFile) without letting the path
 * hang or exhaust the reader: only a regular file is opened (a FIFO would block the open, a
 * device such as /dev/zero never ends), non-blocking, and reading stops past `maxBytes`
 * whatever size the file claims (files in /proc report 0).
 */
export async function readBoundedText(file: string, maxBytes: number): Promise<BoundedRead> {
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, problem: code === 'ENOENT' ? 'missing' : 'unreadable', detail: code };
  }
  if (!info.isFile()) return { ok: false, problem: 'not-a-file', detail: kindOf(info) };
  if (info.size > maxBytes) return { ok: false, problem: 'too-large', detail: `${info.size} bytes` };
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return { ok: false, problem: 'unreadable', detail: (err as NodeJS.ErrnoException).code ?? 'error' };
  }
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) return { ok: false, problem: 'too-large', detail: `more than ${maxBytes} bytes` };
    }
    return { ok: true, text: buffer.subarray(0, length).toString('utf8') };
  } catch (err) {
    return { ok: false, problem: 'unreadable', detail: (err as NodeJS.ErrnoException).code ?? 'error' };
  } finally {
    await handle.close();
  }
}

function kindOf(info: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}
