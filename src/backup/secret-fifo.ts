import { execFileSync } from 'node:child_process';
import { constants, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A named pipe in a new private directory (mode 0700, the pipe 0600) that hands one secret to
 * one process which reads it as a file (`age --identity <path>`). The secret goes from memory
 * to memory: never into argv (which every user can read in `ps`), the environment, or a
 * file's blocks on disk. Node's own child pipes are sockets, which such programs cannot open
 * by /dev/fd path; hence a FIFO.
 */
export interface SecretFifo {
  readonly path: string;
  /** Writes the secret once the process opens the pipe; removes the directory once it exited. */
  feed(exited: Promise<void>): void;
}

export function secretFifo(secret: string): SecretFifo {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-key-'));
  const path = join(dir, 'key');
  try {
    execFileSync('mkfifo', ['-m', '600', path], { stdio: 'ignore' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const feed = (exited: Promise<void>): void => {
    let opened = false;
    // Opening a FIFO for writing waits until the reader opens it.
    const write = (async () => {
      const handle = await open(path, constants.O_WRONLY);
      opened = true;
      try {
        await handle.writeFile(secret);
      } finally {
        await handle.close();
      }
    })().catch(() => undefined); // a reader that fails early: its exit status says why
    void exited
      .catch(() => undefined)
      .then(async () => {
        // A process that died before opening the pipe leaves our open waiting: be its reader.
        const reader = opened ? undefined : await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => undefined);
        await write;
        await reader?.close();
        rmSync(dir, { recursive: true, force: true });
      });
  };
  return { path, feed };
}
