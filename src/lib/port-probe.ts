import { createServer } from 'node:net';

/** What binding host:port would do right now: free, in use, denied (privileged port), or another error code. */
export type PortProbe = { readonly state: 'free' } | { readonly state: 'in-use' } | { readonly state: 'denied' } | { readonly state: 'error'; readonly code: string };

/**
 * Binds host:port exclusively and closes at once: nothing stays held after the answer.
 * Port 0 is always free (the kernel picks one).
 */
export function probePort(host: string, port: number): Promise<PortProbe> {
  if (port === 0) return Promise.resolve({ state: 'free' });
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve({ state: 'in-use' });
      else if (err.code === 'EACCES' || err.code === 'EPERM') resolve({ state: 'denied' });
      else resolve({ state: 'error', code: err.code ?? 'error' });
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve({ state: 'free' })));
  });
}
