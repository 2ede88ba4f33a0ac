/**
 * The daemon's alerting loop: every `interval` it collects the same metric families /metrics
 * shows, computes the signals over the window, evaluates the rules, saves the state, then hands
 * the notifications to the dispatcher. Also answers `slipway alerts list|silence|test`.
 */
import { randomUUID } from 'node:crypto';
import { diskFullError, SlipwayError } from '../../errors.js';
import type { AlertsSpec } from '../../config/alerts-model.js';
import type { MetricFamily } from '../metric-family.js';
import { Dispatcher, DEFAULT_RETRY, type DeliveryEvent, type NotifierHealth, type RetryPolicy } from './dispatcher.js';
import { Evaluator, GLOBAL_GROUP } from './evaluator.js';
import type { AlertView, Notification, Notifier } from './notification.js';
import { resolveRules } from './rules.js';
import { activeSilences, isSilenced, type Silence } from './silences.js';
import { computeSignals, signalLabels, type Snapshot } from './signals.js';
import { saveAlertState, type SavedAlertState } from './state-file.js';

export interface AlertSources {
  readonly collect: () => Promise<MetricFamily[]>;
  /** service → id of its open deployment. */
  readonly openDeployments: () => ReadonlyMap<string, string>;
  readonly lastDeployment: (service: string) => string | undefined;
}

export interface AlertServiceOptions {
  readonly spec: AlertsSpec;
  readonly sources: AlertSources;
  readonly notifiers: readonly Notifier[];
  readonly stateFile: string;
  readonly restored: SavedAlertState | undefined;
  readonly redact: (text: string) => string;
  readonly log: (event: Record<string, unknown>) => void;
  readonly retry?: RetryPolicy;
  /** Each alert of a notification as it is sent (the daemon's event stream: `slipway events`). */
  readonly onAlert?: (alert: AlertView) => void;
}

export interface AlertListing {
  readonly alerts: { rule: string; service: string; state: 'pending' | 'firing'; since: string; value: number; silenced: boolean }[];
  readonly silences: Silence[];
  readonly notifiers: NotifierHealth[];
  readonly rules: { name: string; severity: string; forMs: number; held: boolean }[];
}

export class AlertService {
  readonly #o: AlertServiceOptions;
  readonly #evaluator: Evaluator;
  readonly #dispatcher: Dispatcher;
  #silences: Silence[];
  #history: Snapshot[] = [];
  /** service → the last time a deployment of it was seen open; rates start after it. */
  readonly #heldAt = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(o: AlertServiceOptions) {
    this.#o = o;
    this.#evaluator = new Evaluator(resolveRules(o.spec.rules), o.spec.repeatMs, o.restored);
    this.#silences = activeSilences(o.restored?.silences ?? [], Date.now());
    this.#dispatcher = new Dispatcher(o.notifiers, { retry: o.retry ?? DEFAULT_RETRY, redact: o.redact, onEvent: (e) => this.#logDelivery(e) });
  }

  start(): void {
    const tick = (): void => {
      this.#running = this.evaluateOnce()
        .catch((err: unknown) => this.#o.log({ alerts: 'evaluation failed', error: this.#o.redact(err instanceof Error ? err.message : String(err)) }))
        .finally(() => {
          if (!this.#closed) this.#timer = setTimeout(tick, this.#o.spec.intervalMs);
        });
    };
    this.#timer = setTimeout(tick, 0);
  }

  async evaluateOnce(now = Date.now()): Promise<void> {
    const latest: Snapshot = { at: now, families: await this.#o.sources.collect() };
    const open = this.#o.sources.openDeployments();
    for (const service of open.keys()) this.#heldAt.set(service, now);
    const base = this.#history.at(-1);
    const windowStart = now - this.#o.spec.windowMs;
    const since = (service: string): Snapshot | undefined => {
      const after = Math.max(windowStart, this.#heldAt.get(service) ?? -Infinity);
      return this.#history.find((s) => s.at >= windowStart && s.at > after) ?? undefined;
    };
    const signals = computeSignals(latest, base, since);
    this.#history = [...this.#history.filter((s) => s.at >= windowStart - this.#o.spec.intervalMs), latest];
    this.#silences = activeSilences(this.#silences, now);
    const notifications = this.#evaluator.evaluate({
      now,
      signals,
      openDeployments: open,
      lastDeployment: this.#o.sources.lastDeployment,
      silenced: (rule, service) => isSilenced(this.#silences, rule, service || GLOBAL_GROUP, now),
      labels: signalLabels(latest),
    });
    // State first: a notification is never sent twice because a restart forgot it (at most
    // once). On a full disk the state cannot be saved, and that is when alerts matter most:
    // they are sent all the same (a restart before the disk is freed may send them again).
    try {
      await this.#save();
    } catch (err) {
      if (!diskFullError(err)) throw err;
      this.#o.log({ alerts: 'state not saved (disk full); notifying anyway', error: this.#o.redact(err instanceof Error ? err.message : String(err)) });
    }
    for (const n of notifications) {
      this.#o.log({ alerts: 'notify', group: n.group, status: n.status, rules: n.alerts.map((a) => `${a.rule}:${a.status}`) });
      for (const a of n.alerts) this.#o.onAlert?.(a);
      this.#dispatcher.dispatch(n);
    }
  }

  list(now = Date.now()): AlertListing {
    const state = this.#evaluator.state();
    return {
      alerts: state.alerts.map((a) => ({
        rule: a.rule,
        service: a.service || GLOBAL_GROUP,
        state: a.state.kind,
        since: new Date(a.state.since).toISOString(),
        value: a.state.value,
        silenced: isSilenced(this.#silences, a.rule, a.service || GLOBAL_GROUP, now),
      })),
      silences: activeSilences(this.#silences, now),
      notifiers: this.#dispatcher.health(),
      rules: this.#evaluator.rules.map((r) => ({ name: r.name, severity: r.severity, forMs: r.forMs, held: r.held })),
    };
  }

  async silence(rule: string, service: string | undefined, forMs: number, now = Date.now()): Promise<Silence> {
    if (!this.#evaluator.rules.some((r) => r.name === rule)) {
      throw new SlipwayError('SLW_ALERT_UNKNOWN_RULE', `There is no alert rule "${rule}".`, {
        hint: `Rules: ${this.#evaluator.rules.map((r) => r.name).join(', ')}.`,
      });
    }
    const silence: Silence = { id: randomUUID(), rule, ...(service ? { service } : {}), createdAt: new Date(now).toISOString(), expiresAt: new Date(now + forMs).toISOString() };
    this.#silences = [...activeSilences(this.#silences, now), silence];
    await this.#save();
    return silence;
  }

  /** Sends a test notification to one notifier, with retries; throws when it cannot be delivered. */
  async test(name: string): Promise<void> {
    const notifier = this.#dispatcher.notifier(name);
    if (!notifier) {
      throw new SlipwayError('SLW_ALERT_UNKNOWN_NOTIFIER', `There is no notifier "${name}".`, {
        hint: `Notifiers: ${this.#dispatcher.health().map((h) => h.name).join(', ') || 'none (alerts.notify is empty)'}.`,
      });
    }
    const now = new Date().toISOString();
    const n: Notification = {
      version: 1,
      group: GLOBAL_GROUP,
      status: 'firing',
      test: true,
      sentAt: now,
      alerts: [{ rule: 'test', service: GLOBAL_GROUP, status: 'firing', severity: 'info', summary: 'A test notification from `slipway alerts test`', hint: 'Nothing to do.', startsAt: now }],
    };
    try {
      await this.#dispatcher.deliver(notifier, n);
    } catch (err) {
      throw new SlipwayError('SLW_ALERT_NOTIFY_FAILED', `The test notification to "${name}" (${notifier.type}) failed: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  }

  notifierHealth(): NotifierHealth[] {
    return this.#dispatcher.health();
  }

  firing(): { rule: string; service: string }[] {
    return this.#evaluator
      .state()
      .alerts.filter((a) => a.state.kind === 'firing')
      .map((a) => ({ rule: a.rule, service: a.service || GLOBAL_GROUP }));
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#running;
    await this.#dispatcher.close();
  }

  #save(): Promise<void> {
    return saveAlertState(this.#o.stateFile, { version: 1, ...this.#evaluator.state(), silences: this.#silences });
  }

  #logDelivery(e: DeliveryEvent): void {
    this.#o.log({ alerts: e.kind, ...e });
  }
}
