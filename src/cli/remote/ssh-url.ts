import { SlipwayError } from '../../errors.js';

/** A host reached over SSH: `ssh://[user@]server[:port]`, as DOCKER_HOST takes it. */
export interface SshHost {
  readonly user: string | undefined;
  readonly host: string;
  readonly port: number | undefined;
  /** As given, for messages. */
  readonly url: string;
}

const HOST_NAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

/** Parses --host / SLIPWAY_HOST; anything but a plain ssh:// URL is SLW_HOST_URL_INVALID. */
export function parseSshUrl(text: string): SshHost {
  const bad = (why: string): SlipwayError =>
    new SlipwayError('SLW_HOST_URL_INVALID', `--host / SLIPWAY_HOST "${withoutPassword(text)}" ${why}.`, {
      hint: 'Give ssh://user@server or ssh://user@server:2222 (a user, a host name or IP address, an optional port; nothing after it).',
    });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('is not a URL');
  }
  if (url.protocol !== 'ssh:') throw bad(`uses ${url.protocol.replace(/:$/, '')}://, not ssh://`);
  if (url.password !== '') throw bad('holds a password (slipway uses key authentication only)');
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') throw bad('has a path, query or fragment');
  const user = url.username === '' ? undefined : decodeURIComponent(url.username);
  if (user !== undefined && !USER_NAME.test(user)) throw bad(`has a user name ssh would not take ("${user}")`);
  const bracketed = url.hostname.startsWith('[') && url.hostname.endsWith(']');
  const host = bracketed ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '' || (!bracketed && !HOST_NAME.test(host))) throw bad('has no valid host name');
  const port = url.port === '' ? undefined : Number(url.port);
  return { user, host, port, url: text };
}

/** The text for a message, anything between "//user:" and the last "@" written as "***" (never echoed). */
export function withoutPassword(text: string): string {
  return text.replace(/^([^:/]*:\/\/[^:@/]*):.*@/s, '$1:***@');
}
