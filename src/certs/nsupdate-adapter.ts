/**
 * RFC 2136 dynamic updates signed with TSIG (RFC 8945), through BIND's `nsupdate` (Debian
 * package bind9-dnsutils): the one file that runs it. The update script goes to its stdin (the
 * key too: never in argv, never on disk); its answer is read for the DNS response code, and
 * whatever it prints is shown without the key. See docs/design.md (DNS-01) for why nsupdate.
 */
import { spawn } from 'node:child_process';
import { SlipwayError } from '../errors.js';
import type { Dns01Provider, TxtRecord } from './dns01-provider.js';

export type TsigAlgorithm = 'hmac-sha256' | 'hmac-sha384' | 'hmac-sha512' | 'hmac-sha224' | 'hmac-sha1' | 'hmac-md5';

export interface Rfc2136Options {
  readonly server: { readonly host: string; readonly port: number };
  /** The zone to update; undefined: nsupdate finds it (SOA query to the server). */
  readonly zone?: string | undefined;
  readonly key: { readonly name: string; readonly algorithm: TsigAlgorithm; readonly secret: string };
  /** TTL of the TXT record (default 60 s). */
  readonly ttl?: number;
  /** Deadline of one update (default 20 s). */
  readonly timeoutMs?: number;
  /** The nsupdate binary (default: `nsupdate` on PATH). */
  readonly command?: string;
}

const NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/i;
const TXT_VALUE = /^[A-Za-z0-9_\-+/=.]{1,255}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const SERVER_HOST = /^[A-Za-z0-9.:-]+$/;
const ALGORITHMS: ReadonlySet<string> = new Set<TsigAlgorithm>(['hmac-sha256', 'hmac-sha384', 'hmac-sha512', 'hmac-sha224', 'hmac-sha1', 'hmac-md5']);

export class Rfc2136Provider implements Dns01Provider {
  readonly #o: Rfc2136Options;

  constructor(options: Rfc2136Options) {
    this.#o = options;
  }

  present(record: TxtRecord, signal?: AbortSignal): Promise<void> {
    return this.#update('add', record, signal);
  }

  cleanup(record: TxtRecord, signal?: AbortSignal): Promise<void> {
    return this.#update('delete', record, signal);
  }

  async #update(op: 'add' | 'delete', record: TxtRecord, signal: AbortSignal | undefined): Promise<void> {
    const { server, zone, key } = this.#o;
    const script = updateScript(this.#o, op, record);
    const timeoutMs = this.#o.timeoutMs ?? 20_000;
    const { code, output } = await run(this.#o.command ?? 'nsupdate', ['-v', '-t', String(Math.max(1, Math.ceil(timeoutMs / 1000)))], script, timeoutMs + 2000, signal);
    if (code === 0) return;
    const shown = output.split(key.secret).join('<key>').trim().slice(-500);
    throw updateError(shown, code, record, `${server.host}:${server.port}`, zone);
  }
}

/**
 * The nsupdate script of one update. Every value is checked before it is written, so no input
 * can add a line (a second update, another server) to the script.
 */
export function updateScript(o: Pick<Rfc2136Options, 'server' | 'zone' | 'key' | 'ttl'>, op: 'add' | 'delete', record: TxtRecord): string {
  const { server, zone, key } = o;
  if (!BASE64.test(key.secret) || !NAME.test(key.name) || !ALGORITHMS.has(key.algorithm)) {
    throw new SlipwayError('SLW_CERT_DNS_BAD_CREDENTIALS', `The TSIG key for ${server.host}:${server.port} is not a known algorithm, key name and base64 secret; ${record.name} was not updated.`, {
      details: { server: `${server.host}:${server.port}`, keyName: key.name },
    });
  }
  if (!SERVER_HOST.test(server.host) || !Number.isInteger(server.port) || server.port < 1 || server.port > 65535) {
    throw new SlipwayError('SLW_CERT_DNS_UNREACHABLE', `"${server.host.slice(0, 80)}" port ${server.port} is not a name server address; nothing was sent.`);
  }
  const line = op === 'add' ? `update add ${fqdn(record.name)} ${o.ttl ?? 60} IN TXT "${txt(record.value)}"` : `update delete ${fqdn(record.name)} IN TXT "${txt(record.value)}"`;
  return [`server ${server.host} ${server.port}`, ...(zone ? [`zone ${fqdn(zone)}`] : []), `key ${key.algorithm}:${key.name} ${key.secret}`, line, 'send', ''].join('\n');
}

/** nsupdate's answer → the code: a TSIG error, a refusal by the server, or no answer at all. */
function updateError(output: string, code: number | 'missing' | 'timeout', record: TxtRecord, server: string, zone: string | undefined): SlipwayError {
  const details = { server, record: record.name, ...(zone ? { zone } : {}), nsupdate: output };
  const rcode = /update failed: ([A-Z]+(\([A-Z]+\))?)/.exec(output)?.[1];
  if (code === 'missing') {
    return new SlipwayError('SLW_CERT_DNS_UNREACHABLE', `nsupdate is not installed, so ${record.name} cannot be updated at ${server} (RFC 2136).`, { details });
  }
  if (/BADSIG|BADKEY|BADTIME|tsig (indicates|verify) error|TSIG error/i.test(output)) {
    return new SlipwayError('SLW_CERT_DNS_BAD_CREDENTIALS', `${server} did not accept the TSIG key for ${record.name}: ${rcode ?? 'TSIG error'}.`, { details });
  }
  if (rcode) {
    return new SlipwayError('SLW_CERT_DNS_REFUSED', `${server} refused the update of ${record.name}: ${rcode}.`, { details });
  }
  const why = code === 'timeout' ? 'no answer before the deadline' : /communication with|could not|timed out|connection refused/i.test(output) ? 'no answer' : `nsupdate exited with ${code}`;
  return new SlipwayError('SLW_CERT_DNS_UNREACHABLE', `The update of ${record.name} at ${server} failed: ${why}.`, { details });
}

function run(command: string, args: string[], stdin: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<{ code: number | 'missing' | 'timeout'; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    let output = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.stdin.on('error', () => undefined);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: err.code === 'ENOENT' ? 'missing' : 'timeout', output: output || err.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? 'timeout' : (code ?? 1), output });
    });
    child.stdin.end(stdin);
  });
}

function fqdn(name: string): string {
  const bare = name.replace(/\.$/, '');
  if (!NAME.test(bare)) throw new SlipwayError('SLW_CERT_DNS_REFUSED', `"${bare.slice(0, 80)}" is not a DNS name; nothing was sent.`);
  return `${bare}.`;
}

function txt(value: string): string {
  if (!TXT_VALUE.test(value)) throw new SlipwayError('SLW_CERT_DNS_REFUSED', 'A TXT value holds characters an ACME challenge never has; nothing was sent.');
  return value;
}
