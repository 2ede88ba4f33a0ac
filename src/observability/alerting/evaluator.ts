/**
 * Evaluates the rules over one set of signal values: per-alert state (pending → firing →
 * resolved), grouped per service, deduplicated (a group is sent when an alert in it fires or
 * resolves, and again after the repeat interval while something fires), deploy-aware (held
 * rules are frozen while a deployment of their service is open; alerts get the deployment as
 * an annotation), and silenced alerts kept out of notifications.
 */
import type { RuleSpec } from './builtin-rules.js';
import { step, type AlertState } from './alert-state.js';
import type { AlertView, Notification } from './notification.js';
import { breached, isGlobal, renderTemplate } from './rules.js';
import type { Labels } from '../metric-family.js';
import type { Signal, SignalValues } from './signals.js';

export interface EvaluationInput {
  readonly now: number;
  readonly signals: SignalValues;
  /** service → id of its open (in progress) deployment. */
  readonly openDeployments: ReadonlyMap<string, string>;
  /** Id of the service's newest deployment (for deploy-failed annotations). */
  readonly lastDeployment: (service: string) => string | undefined;
  readonly silenced: (rule: string, service: string) => boolean;
  /** Labels of global signals' values, for templates such as {{ $labels.host }}. */
  readonly labels?: ReadonlyMap<Signal, Labels>;
}

export interface PersistedAlert {
  readonly rule: string;
  readonly service: string;
  readonly state: AlertState;
}

export interface EvaluatorState {
  readonly alerts: readonly PersistedAlert[];
  /** Group (service) → when it was last sent (epoch ms). */
  readonly groups: Readonly<Record<string, number>>;
}

interface GroupChange {
  readonly news: AlertView[];
  readonly events: AlertView[];
}

export const GLOBAL_GROUP = 'slipway';
const keyOf = (rule: string, service: string): string => `${rule}\u0000${service}`;

export class Evaluator {
  readonly #rules: readonly RuleSpec[];
  readonly #repeatMs: number;
  readonly #alerts = new Map<string, PersistedAlert>();
  readonly #groups = new Map<string, number>();

  constructor(rules: readonly RuleSpec[], repeatMs: number, restored?: EvaluatorState) {
    this.#rules = rules;
    this.#repeatMs = repeatMs;
    const known = new Set(rules.map((r) => r.name));
    for (const a of restored?.alerts ?? []) if (known.has(a.rule)) this.#alerts.set(keyOf(a.rule, a.service), a);
    for (const [group, at] of Object.entries(restored?.groups ?? {})) this.#groups.set(group, at);
  }

  get rules(): readonly RuleSpec[] {
    return this.#rules;
  }

  state(): EvaluatorState {
    return { alerts: [...this.#alerts.values()], groups: Object.fromEntries(this.#groups) };
  }

  /** The notifications this evaluation calls for, one per group. */
  evaluate(input: EvaluationInput): Notification[] {
    const changes = new Map<string, GroupChange>();
    const change = (service: string): GroupChange => {
      let c = changes.get(service);
      if (!c) changes.set(service, (c = { news: [], events: [] }));
      return c;
    };
    for (const rule of this.#rules) {
      for (const service of this.#servicesFor(rule, input.signals)) {
        if (rule.held && input.openDeployments.has(service)) continue;
        const value = input.signals.get(service)?.[rule.signal];
        if (value === undefined) continue;
        const silenced = input.silenced(rule.name, service);
        if (rule.event) {
          if (breached(rule, value) && !silenced) change(service).events.push(this.#view(rule, service, 'firing', value, input.now, input));
          continue;
        }
        const key = keyOf(rule.name, service);
        const current = this.#alerts.get(key)?.state;
        const t = step(current, breached(rule, value) ? { kind: 'breached', value, forMs: rule.forMs } : { kind: 'clear' }, input.now);
        if (t.kind === 'resolved') {
          this.#alerts.delete(key);
          if (!silenced) change(service).news.push({ ...this.#view(rule, service, 'resolved', t.last.value, t.last.since, input), endsAt: iso(input.now) });
          continue;
        }
        if (t.next) this.#alerts.set(key, { rule: rule.name, service, state: t.next });
        else this.#alerts.delete(key);
        if (t.kind === 'fired' && !silenced) change(service).news.push(this.#view(rule, service, 'firing', t.next.value, t.next.since, input));
      }
    }
    return this.#notifications(changes, input);
  }

  #notifications(changes: ReadonlyMap<string, GroupChange>, input: EvaluationInput): Notification[] {
    const services = new Set([...changes.keys(), ...[...this.#alerts.values()].map((a) => a.service)]);
    const out: Notification[] = [];
    for (const service of services) {
      const c = changes.get(service) ?? { news: [], events: [] };
      const firing = this.#firingViews(service, input);
      const lastSent = this.#groups.get(service);
      const due = firing.length > 0 && (lastSent === undefined || input.now - lastSent >= this.#repeatMs);
      if (c.news.length === 0 && c.events.length === 0 && !due) continue;
      const resolved = c.news.filter((v) => v.status === 'resolved');
      const alerts = [...firing, ...c.events, ...resolved];
      if (alerts.length === 0) continue;
      const status = firing.length + c.events.length > 0 ? 'firing' : 'resolved';
      out.push({ version: 1, group: service || GLOBAL_GROUP, status, alerts, sentAt: iso(input.now) });
      if (firing.length > 0) this.#groups.set(service, input.now);
      else this.#groups.delete(service);
    }
    return out;
  }

  #firingViews(service: string, input: EvaluationInput): AlertView[] {
    const views: AlertView[] = [];
    for (const a of this.#alerts.values()) {
      if (a.service !== service || a.state.kind !== 'firing' || input.silenced(a.rule, service)) continue;
      const rule = this.#rules.find((r) => r.name === a.rule);
      if (rule) views.push(this.#view(rule, service, 'firing', a.state.value, a.state.since, input));
    }
    return views;
  }

  #view(rule: RuleSpec, service: string, status: AlertView['status'], value: number, since: number, input: EvaluationInput): AlertView {
    const deployment = input.openDeployments.get(service) ?? (rule.signal === 'deploys_failed' ? input.lastDeployment(service) : undefined);
    return {
      rule: rule.name,
      service: service || GLOBAL_GROUP,
      status,
      severity: rule.severity,
      summary: renderTemplate(rule.summary, service, value, rule, input.labels?.get(rule.signal)),
      hint: renderTemplate(rule.hint, service, value, rule, input.labels?.get(rule.signal)),
      value,
      startsAt: iso(since),
      ...(deployment ? { deployment } : {}),
    };
  }

  #servicesFor(rule: RuleSpec, signals: SignalValues): string[] {
    if (isGlobal(rule)) return [''];
    return [...signals.keys()].filter((s) => s !== '' && (rule.service === undefined || s === rule.service));
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
