import { isIP } from 'node:net';

export interface ListenAddress {
  /** IPv4, IPv6 (without brackets) or "localhost". */
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

const HOST_PORT = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/;

/** Parses "127.0.0.1:9180", "[::1]:9180" or "localhost:9180"; undefined if malformed. */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const match = HOST_PORT.exec(text);
  if (!match) return undefined;
  const [, bracketed, plain, digits] = match;
  const host = bracketed ?? plain ?? '';
  const port = Number(digits);
  const hostOk = bracketed !== undefined ? isIP(host) === 6 : host === 'localhost' || isIP(host) === 4;
  if (!hostOk || port > 65535) return undefined;
  return { host, port };
}

/** The URL authority form: "[::1]:9180" for IPv6, "host:port" otherwise. */
export function formatListenAddress(address: ListenAddress): string {
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
