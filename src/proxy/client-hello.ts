/**
 * Just enough of a TLS ClientHello (RFC 8446 §4.1.2) to route a connection before the
 * handshake: the SNI host name (RFC 6066) and the ALPN protocols offered (RFC 7301). Reads the
 * first record only; anything unexpected yields undefined (the connection then goes the usual way).
 */
export interface ClientHelloInfo {
  readonly servername: string | undefined;
  readonly alpn: readonly string[];
}

const HANDSHAKE = 0x16;
const CLIENT_HELLO = 0x01;
const EXT_SERVER_NAME = 0x0000;
const EXT_ALPN = 0x0010;

export function parseClientHello(buf: Buffer): ClientHelloInfo | undefined {
  try {
    if (buf.length < 9 || buf[0] !== HANDSHAKE || buf[5] !== CLIENT_HELLO) return undefined;
    const end = Math.min(buf.length, 5 + buf.readUInt16BE(3));
    let at = 9 + 2 + 32; // record header, handshake header, legacy_version, random
    at += 1 + buf.readUInt8(at); // session id
    at += 2 + buf.readUInt16BE(at); // cipher suites
    at += 1 + buf.readUInt8(at); // compression methods
    if (at + 2 > end) return { servername: undefined, alpn: [] };
    const extEnd = Math.min(end, at + 2 + buf.readUInt16BE(at));
    at += 2;
    let servername: string | undefined;
    let alpn: string[] = [];
    while (at + 4 <= extEnd) {
      const type = buf.readUInt16BE(at);
      const len = buf.readUInt16BE(at + 2);
      const body = buf.subarray(at + 4, Math.min(extEnd, at + 4 + len));
      if (type === EXT_SERVER_NAME) servername = serverNameOf(body);
      if (type === EXT_ALPN) alpn = protocolsOf(body);
      at += 4 + len;
    }
    return { servername, alpn };
  } catch {
    return undefined; // a truncated or odd hello: not ours to judge
  }
}

function serverNameOf(body: Buffer): string | undefined {
  let at = 2;
  while (at + 3 <= body.length) {
    const kind = body.readUInt8(at);
    const len = body.readUInt16BE(at + 1);
    if (kind === 0) return body.subarray(at + 3, at + 3 + len).toString('ascii').toLowerCase();
    at += 3 + len;
  }
  return undefined;
}

function protocolsOf(body: Buffer): string[] {
  const out: string[] = [];
  let at = 2;
  while (at < body.length) {
    const len = body.readUInt8(at);
    out.push(body.subarray(at + 1, at + 1 + len).toString('latin1'));
    at += 1 + len;
  }
  return out;
}
