/**
 * ACME Renewal Information (RFC 9773), which acme-client lacks: the CA's suggested renewal
 * window for a certificate, fetched from the directory's `renewalInfo` URL, a point picked at
 * random inside it, and the time of the next poll (the CA's Retry-After).
 */
import { parseRetryAfter } from './renewal-policy.js';

export interface RenewalWindow {
  readonly start: number;
  readonly end: number;
}

export interface RenewalInfo {
  readonly window: RenewalWindow;
  /** When to ask again (from Retry-After; default 6 hours, RFC 9773 §4.3). */
  readonly pollAfterMs: number;
}

const DEFAULT_POLL_MS = 6 * 3_600_000;
/** Retry-After is clamped to [1 minute, 1 day] in production, as RFC 9773 §4.3 suggests; tests go lower. */
const MAX_POLL_MS = 86_400_000;

/** The renewalInfo URL of a directory, or undefined when the CA does not offer ARI. */
export async function renewalInfoUrl(directoryUrl: string, caBundle: string | undefined): Promise<string | undefined> {
  const { body } = await get(directoryUrl, caBundle);
  const url = (JSON.parse(body) as { renewalInfo?: unknown }).renewalInfo;
  return typeof url === 'string' ? url : undefined;
}

/** GET <renewalInfo>/<certId>: the suggested window and when to poll next. */
export async function fetchRenewalInfo(baseUrl: string, certId: string, caBundle: string | undefined, minPollMs: number, now: number): Promise<RenewalInfo> {
  const { status, body, retryAfter } = await get(`${baseUrl.replace(/\/$/, '')}/${certId}`, caBundle);
  if (status !== 200) throw new Error(`renewalInfo answered ${status}`);
  const parsed = JSON.parse(body) as { suggestedWindow?: { start?: unknown; end?: unknown } };
  const start = Date.parse(String(parsed.suggestedWindow?.start));
  const end = Date.parse(String(parsed.suggestedWindow?.end));
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) throw new Error('renewalInfo has no valid suggestedWindow');
  const pollAfterMs = Math.min(MAX_POLL_MS, Math.max(minPollMs, parseRetryAfter(retryAfter, now) ?? DEFAULT_POLL_MS));
  return { window: { start, end }, pollAfterMs };
}

/** A uniformly random point in the window (RFC 9773 §4.2), so many clients do not renew together. */
export function pointInWindow(window: RenewalWindow, random: () => number = Math.random): number {
  return Math.round(window.start + (window.end - window.start) * random());
}

function get(url: string, caBundle: string | undefined): Promise<{ status: number; body: string; retryAfter: string | undefined }> {
  // node:https and node:tls load with the first renewal-info request: a daemon without ACME routes never loads them.
  const { Agent, request } = process.getBuiltinModule('node:https');
  const { rootCertificates } = process.getBuiltinModule('node:tls');
  return new Promise((resolve, reject) => {
    const agent = caBundle ? new Agent({ ca: [...rootCertificates, caBundle] }) : undefined;
    const req = request(url, { ...(agent ? { agent } : {}), timeout: 15_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        agent?.destroy();
        const retry = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, body, retryAfter: Array.isArray(retry) ? retry[0] : retry });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', (err) => (agent?.destroy(), reject(err)));
    req.end();
  });
}
