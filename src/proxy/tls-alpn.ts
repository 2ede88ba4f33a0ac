import type { Socket } from 'node:net';
import type { SecureContext, Server } from 'node:tls';
import { parseClientHello } from './client-hello.js';
import { TLS_POLICY } from './tls-policy.js';

export const ACME_TLS_ALPN = 'acme-tls/1';
/** A ClientHello larger than this is not waited for (TLS records are at most 16 KiB). */
const MAX_HELLO = 16 * 1024 + 5;
/** A connection that sends no hello within this time is closed (only while a challenge is pending). */
const HELLO_TIMEOUT_MS = 10_000;

interface Pending {
  readonly keyAuthorization: string;
  context: SecureContext | undefined;
}

/**
 * TLS-ALPN-01 answers (RFC 8737) on the HTTPS port. While the table names a pending
 * challenge, each new connection's ClientHello is read first: one that offers only the
 * `acme-tls/1` protocol for a challenged host goes to a small TLS server that presents the
 * challenge certificate, negotiates `acme-tls/1` and closes; every other connection goes on,
 * hello included, to the HTTPS listener with its real certificate. With no challenge pending,
 * connections are handed on untouched.
 *
 * Node's SNICallback runs before ALPN is negotiated and does not see the offered protocols,
 * and ALPNCallback only picks the protocol once the certificate is chosen, hence the look at
 * the hello before the TLS server gets the socket.
 */
export class AlpnChallenges {
  #pending = new Map<string, Pending>();
  #ready: Promise<void> = Promise.resolve();
  /** Made with the first connection that asks for a challenge: node:tls stays unloaded until a proxy needs it. */
  #server: Server | undefined;

  #challengeServer(): Server {
    if (this.#server) return this.#server;
    const server = process.getBuiltinModule('node:tls').createServer({
      ...TLS_POLICY,
      ALPNProtocols: [ACME_TLS_ALPN],
      SNICallback: (servername, cb) => cb(null, this.#pending.get(servername.toLowerCase())?.context),
    });
    server.on('secureConnection', (socket) => socket.end());
    server.on('tlsClientError', (_err, socket) => socket.destroy());
    this.#server = server;
    return server;
  }

  /** Host → key authorization; resolves once every challenge certificate is made. */
  update(challenges: Readonly<Record<string, string>> | undefined): Promise<void> {
    const next = new Map<string, Pending>();
    const making: Array<Promise<void>> = [];
    for (const [host, keyAuthorization] of Object.entries(challenges ?? {})) {
      const name = host.toLowerCase();
      const known = this.#pending.get(name);
      if (known && known.keyAuthorization === keyAuthorization) {
        next.set(name, known);
        continue;
      }
      const pending: Pending = { keyAuthorization, context: undefined };
      next.set(name, pending);
      making.push(
        // The X.509 library loads with the first challenge: a proxy without one never loads it.
        import('../certs/x509-adapter.js').then(({ createAlpnChallengeCert }) => createAlpnChallengeCert(name, keyAuthorization)).then((pair) => {
          pending.context = process.getBuiltinModule('node:tls').createSecureContext({ ...TLS_POLICY, cert: pair.certPem, key: pair.keyPem });
        }),
      );
    }
    this.#pending = next;
    this.#ready = Promise.all(making).then(() => undefined);
    return this.#ready;
  }

  /** Resolves when the certificates of the last update are ready. */
  ready(): Promise<void> {
    return this.#ready;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Hands a new connection to the challenge server or, by `next`, to the HTTPS listener. */
  route(socket: Socket, next: (socket: Socket) => void): void {
    if (this.#pending.size === 0) return next(socket);
    const chunks: Buffer[] = [];
    let length = 0;
    const onError = (): void => void socket.destroy();
    const timer = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
    const finish = (to: 'challenge' | 'next'): void => {
      clearTimeout(timer);
      socket.off('close', onClose);
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('error', onError);
      if (length > 0) socket.unshift(Buffer.concat(chunks, length));
      if (to === 'challenge') this.#challengeServer().emit('connection', socket);
      else next(socket);
    };
    const onEnd = (): void => finish('next');
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        length += chunk.length;
      }
      const head = Buffer.concat(chunks, length);
      const want = head.length >= 5 ? 5 + head.readUInt16BE(3) : MAX_HELLO;
      if (head.length < Math.min(want, MAX_HELLO)) return; // the rest of the hello is on its way
      const hello = parseClientHello(head);
      const pending = hello?.servername === undefined ? undefined : this.#pending.get(hello.servername);
      finish(hello?.alpn.includes(ACME_TLS_ALPN) && pending?.context ? 'challenge' : 'next');
    };
    const onClose = (): void => clearTimeout(timer);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('end', onEnd);
    socket.on('readable', onReadable);
  }
}
