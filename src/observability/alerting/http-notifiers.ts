/** Notifiers that POST JSON over HTTP: a signed generic webhook, Slack, Alertmanager (v2 API). */
import { createHmac } from 'node:crypto';
import { BUILTIN_ALERT_RULES } from '../alert-rules.js';
import type { Notification, Notifier } from './notification.js';
import { slackPayload } from './slack-payload.js';

/** Header of the webhook's HMAC-SHA256 over the exact body: "sha256=<hex>". */
export const SIGNATURE_HEADER = 'x-slipway-signature';

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The URL without its user:password, which goes in an Authorization: Basic header instead (fetch refuses URLs with credentials). */
function withoutCredentials(url: string): { url: string; headers: Record<string, string> } {
  const target = new URL(url);
  if (!target.username && !target.password) return { url, headers: {} };
  const basic = Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64');
  target.username = '';
  target.password = '';
  return { url: target.href, headers: { authorization: `Basic ${basic}` } };
}

async function postJson(url: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<void> {
  const plain = withoutCredentials(url);
  const res = await fetch(plain.url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...plain.headers, ...headers }, signal });
  await res.arrayBuffer().catch(() => undefined);
  // The URL may carry a token (Slack): the error names the status only.
  if (!res.ok) throw new Error(`HTTP ${res.status} from the receiver`);
}

export class WebhookNotifier implements Notifier {
  readonly type = 'webhook';
  constructor(
    readonly name: string,
    readonly url: string,
    readonly secret: string | undefined,
  ) {}

  send(n: Notification, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify(n);
    return postJson(this.url, body, this.secret ? { [SIGNATURE_HEADER]: signBody(this.secret, body) } : {}, signal);
  }
}

export class SlackNotifier implements Notifier {
  readonly type = 'slack';
  constructor(
    readonly name: string,
    readonly url: string,
  ) {}

  send(n: Notification, signal: AbortSignal): Promise<void> {
    return postJson(this.url, JSON.stringify(slackPayload(n)), {}, signal);
  }
}

/** Built-in rules keep the name of their exported Prometheus rule, so one Alertmanager route matches both. */
const ALERT_NAMES: ReadonlyMap<string, string> = new Map(BUILTIN_ALERT_RULES.map((r) => [r.name, r.alert]));
const alertName = (rule: string): string => ALERT_NAMES.get(rule) ?? rule;

export class AlertmanagerNotifier implements Notifier {
  readonly type = 'alertmanager';
  constructor(
    readonly name: string,
    readonly url: string,
  ) {}

  send(n: Notification, signal: AbortSignal): Promise<void> {
    const alerts = n.alerts.map((a) => ({
      labels: { alertname: alertName(a.rule), service: a.service, severity: a.severity, slipway_rule: a.rule, ...(n.test ? { test: 'true' } : {}) },
      annotations: { summary: a.summary, hint: a.hint, ...(a.deployment ? { deployment: a.deployment } : {}) },
      startsAt: a.startsAt,
      ...(a.endsAt ? { endsAt: a.endsAt } : {}),
    }));
    return postJson(new URL('api/v2/alerts', this.url.endsWith('/') ? this.url : `${this.url}/`).href, JSON.stringify(alerts), {}, signal);
  }
}
