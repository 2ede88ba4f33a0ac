import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';

export interface HttpsAnswer {
  readonly status: number;
  readonly body: string;
  readonly serial: string;
  readonly headers: IncomingHttpHeaders;
}

/** One GET on a new connection to 127.0.0.1:port with SNI and Host `host`, trusting `ca`. */
export function httpsGet(host: string, port: number, ca: string, path = '/'): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, servername: host, headers: { host }, ca, agent: false }, (res) => {
      const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber?.toLowerCase() ?? '';
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, serial, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The serial the server presents for `host` (handshake only; no trust needed). */
export function servedSerial(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: host, rejectUnauthorized: false }, () => {
      const serial = socket.getPeerX509Certificate()?.serialNumber.toLowerCase() ?? '';
      socket.destroy();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

export type Handshake = { ok: true; protocol: string; cipher: string; alpn: string | false } | { ok: false; error: string };

/** A handshake with the given client options; resolves with what was negotiated or why it failed. */
export function handshake(port: number, options: ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options }, () => {
      const result: Handshake = { ok: true, protocol: socket.getProtocol() ?? '', cipher: socket.getCipher().standardName, alpn: socket.alpnProtocol ?? false };
      socket.destroy();
      resolve(result);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, error: `${err.code ?? ''} ${err.message}` }));
  });
}
