import { emptyHistogram, LATENCY_BOUNDS_MS, type LatencyHistogram } from '../../lib/latency-histogram.js';
import type { ReleaseStats } from '../../proxy/protocol.js';
import { countAbove, StableLatencyWindow } from './latency-threshold.js';
import { checkOptions, DEFAULT_CANARY_JUDGE_OPTIONS, TESTS, type CanaryJudgeOptions, type LatencyMargin, type TestName } from './judge-options.js';
import { MixtureSprt } from './msprt.js';

/** Cumulative counters of one release, as the proxy keeps them (see `countsFromStats`). */
export interface ReleaseCounts {
  readonly requests: number;
  /** 5xx + connection failures and resets + timeouts, per upstream attempt; never 4xx. */
  readonly failures: number;
  /** Latency of answered attempts. */
  readonly latency: LatencyHistogram;
}

/** The judge's view of the proxy's counters of one release (failures as in report.ts). */
export function countsFromStats(stats: ReleaseStats | undefined): ReleaseCounts {
  if (!stats) return { requests: 0, failures: 0, latency: emptyHistogram() };
  return { requests: stats.requests, failures: stats.errors5xx + stats.connErrors + stats.timeouts, latency: stats.latency };
}

/** What the judge is shown once a second. */
export interface CanarySnapshot {
  /** Monotonic clock, ms. */
  readonly atMs: number;
  /** The canary's configured weight (0..1) over the last second. */
  readonly weight: number;
  readonly stable: ReleaseCounts;
  readonly canary: ReleaseCounts;
  /** Instances serving each release (1 each when absent): latency is compared per instance. */
  readonly instances?: { readonly stable: number; readonly canary: number };
}

export type CanaryDecision = 'continue' | 'rollback' | 'pause';
export type { CanaryJudgeOptions, TestName } from './judge-options.js';
export { DEFAULT_CANARY_JUDGE_OPTIONS } from './judge-options.js';

export interface TestEvidence {
  /** 0: the test is turned off. */
  readonly alpha: number;
  /** Natural log of the e-value; the test rolls back once it reaches ln(1/alpha). */
  readonly logE: number;
  readonly logThreshold: number;
  /** Failures (errors) or slow requests (p95, p99) counted on each side, over the seconds judged. */
  readonly canary: number;
  readonly stable: number;
  /** Requests of each side in the seconds this test judged. */
  readonly canaryRequests: number;
  readonly stableRequests: number;
  /** Events the canary would have had at its share of the traffic, margin included. */
  readonly expectedCanary: number;
  /** Latency tests: the current threshold (upper bound of stable's quantile bucket), ms. */
  readonly thresholdMs?: number;
  /** Latency tests: the canary's threshold, stable's plus the margin, ms. */
  readonly canaryThresholdMs?: number;
  /** Why the test took no data in the last second (off, warm-up, load, too few samples). */
  readonly idle?: string;
}

export interface CanaryVerdict {
  readonly decision: CanaryDecision;
  readonly reason: string;
  /** On rollback: which rule fired. */
  readonly cause?: TestName | 'consecutive';
  readonly evidence: Readonly<Record<TestName, TestEvidence>>;
  /** Canary failures in a row with no canary success and no stable failure in between. */
  readonly streak: number;
  /** Counted since the judge's first snapshot. */
  readonly totals: { readonly stable: Totals; readonly canary: Totals };
}

export interface Totals {
  readonly requests: number;
  readonly failures: number;
}

const QUANTILES: Readonly<Record<'p95' | 'p99', number>> = { p95: 0.95, p99: 0.99 };

/** One second of both releases: differences between two cumulative snapshots. */
interface Second {
  readonly stable: { requests: number; failures: number; latency: number[]; answered: number };
  readonly canary: { requests: number; failures: number; latency: number[]; answered: number };
}

interface Tally {
  canary: number;
  stable: number;
  canaryRequests: number;
  stableRequests: number;
  idle: string | undefined;
}

/**
 * The canary judge: three mixture SPRTs (errors, p95, p99; see msprt.ts) fed once a second
 * with per-release counts, plus the consecutive-failure fast path. Each test is a
 * non-inferiority test: the canary fails it only when it is worse than stable by more than a
 * margin. Latency is compared only at comparable per-instance load. `observe` never throws:
 * bad input or an internal error gives 'pause'; a rollback is final.
 */
export class CanaryJudge {
  readonly #o: CanaryJudgeOptions;
  readonly #tests: Record<TestName, MixtureSprt>;
  readonly #tally: Record<TestName, Tally>;
  readonly #thresholdMs: Partial<Record<TestName, { stable: number; canary: number }>> = {};
  #window: StableLatencyWindow | undefined;
  #previous: CanarySnapshot | undefined;
  #startedAt = 0;
  #lastCanaryRequestAt = 0;
  #streak = 0;
  #rolledBack: CanaryVerdict | undefined;
  readonly #totals = { stable: { requests: 0, failures: 0 }, canary: { requests: 0, failures: 0 } };

  constructor(options: Partial<CanaryJudgeOptions> = {}) {
    this.#o = { ...DEFAULT_CANARY_JUDGE_OPTIONS, ...options };
    checkOptions(this.#o);
    this.#tests = { errors: new MixtureSprt(this.#o.prior), p95: new MixtureSprt(this.#o.prior), p99: new MixtureSprt(this.#o.prior) };
    const tally = (name: TestName): Tally => ({ canary: 0, stable: 0, canaryRequests: 0, stableRequests: 0, idle: this.#o.alpha[name] === 0 ? 'turned off' : undefined });
    this.#tally = { errors: tally('errors'), p95: tally('p95'), p99: tally('p99') };
  }

  get options(): CanaryJudgeOptions {
    return this.#o;
  }

  observe(snapshot: CanarySnapshot): CanaryVerdict {
    if (this.#rolledBack) return this.#rolledBack;
    try {
      const problem = invalid(snapshot);
      if (problem) return this.#verdict('pause', `not judging this second: ${problem}`);
      return this.#observe(snapshot);
    } catch (err) {
      // Whatever went wrong, the next second counts from the last snapshot that was usable.
      return this.#verdict('pause', `judge error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  #observe(snapshot: CanarySnapshot): CanaryVerdict {
    const previous = this.#previous;
    this.#previous = copy(snapshot);
    if (!previous) {
      this.#startedAt = this.#lastCanaryRequestAt = snapshot.atMs;
      this.#window = new StableLatencyWindow(snapshot.stable.latency.counts.length, this.#o.latencyWindowS);
      return this.#verdict('continue', 'first snapshot: counting from here');
    }
    const second = difference(previous, snapshot);
    if (typeof second === 'string') return this.#verdict('pause', `not judging this second: ${second}`);
    this.#count(second);
    if (this.#o.alpha.errors > 0) this.#judgeErrors(second);
    this.#streakOf(second);
    this.#judgeLatency(second, this.#latencyIdle(snapshot, previous.atMs - this.#startedAt));

    if (second.canary.requests > 0) this.#lastCanaryRequestAt = snapshot.atMs;
    const rollback = this.#rollbackReason();
    if (rollback) return (this.#rolledBack = this.#verdict('rollback', rollback.reason, rollback.cause));
    const quiet = snapshot.atMs - this.#lastCanaryRequestAt;
    if (snapshot.weight > 0 && quiet >= this.#o.quietMs) {
      return this.#verdict('pause', `not enough data: no request reached the canary in ${Math.round(quiet / 1000)} s`);
    }
    return this.#verdict('continue', 'no evidence that the canary is worse');
  }

  #count(s: Second): void {
    for (const side of ['stable', 'canary'] as const) {
      this.#totals[side].requests += s[side].requests;
      this.#totals[side].failures += s[side].failures;
    }
  }

  /**
   * Non-inferiority with margin δ: each stable success also counts as a stable "event" with
   * probability δ (as its expected value, which only lowers the statistic: see msprt.ts), so
   * under "canary rate ≤ stable rate + δ·(1 − stable rate)" a counted event still comes from
   * the canary with probability at most its share.
   */
  #judgeErrors({ stable, canary }: Second): void {
    const requests = stable.requests + canary.requests;
    const stableEvents = stable.failures + this.#o.errorMargin * (stable.requests - stable.failures);
    const events = stableEvents + canary.failures;
    const tally = this.#tally.errors;
    tally.idle = requests > 0 ? undefined : 'no requests';
    if (events > 0 && requests > 0) this.#tests.errors.update(canary.requests / requests, canary.failures, events);
    tally.canary += canary.failures;
    tally.stable += stable.failures;
    tally.canaryRequests += canary.requests;
    tally.stableRequests += stable.requests;
  }

  #streakOf({ stable, canary }: Second): void {
    // Order inside a second is unknown: a second extends the streak only when every canary
    // request failed and the stable release had no failure at all; anything else resets it.
    if (canary.failures > 0 && canary.failures >= canary.requests && stable.failures === 0) this.#streak += canary.failures;
    else if (canary.requests > 0 || stable.failures > 0) this.#streak = 0;
  }

  /** Why latency is not judged this second, if it is not. */
  #latencyIdle(s: CanarySnapshot, sinceStartMs: number): string | undefined {
    if (sinceStartMs < this.#o.warmupMs) return `warm-up (${Math.round(this.#o.warmupMs / 1000)} s)`;
    const ratio = loadRatio(s);
    if (ratio > this.#o.maxLoadRatio) return `a canary instance carries ${ratio.toFixed(1)}× the load of a stable one (limit ${this.#o.maxLoadRatio}×)`;
    return undefined;
  }

  #judgeLatency({ stable, canary }: Second, idle: string | undefined): void {
    const window = this.#window;
    if (!window) return;
    const answered = stable.answered + canary.answered;
    for (const name of ['p95', 'p99'] as const) {
      const tally = this.#tally[name];
      if (this.#o.alpha[name] === 0) continue;
      const q = QUANTILES[name];
      const index = window.thresholdIndex(q, this.#o.minTailSamples / (1 - q));
      if (index === undefined) {
        tally.idle = `fewer than ${Math.ceil(this.#o.minTailSamples / (1 - q))} stable requests in the last ${this.#o.latencyWindowS} s`;
        continue;
      }
      const stableMs = boundMs(index);
      const canaryIndex = marginIndex(stableMs, this.#o.latencyMargin);
      this.#thresholdMs[name] = { stable: stableMs, canary: boundMs(canaryIndex) };
      tally.idle = idle ?? (answered === 0 ? 'no answered requests' : undefined);
      if (tally.idle !== undefined) continue;
      const slowCanary = countAbove(canary.latency, canaryIndex);
      const slowStable = countAbove(stable.latency, index);
      if (slowCanary + slowStable > 0) this.#tests[name].update(canary.answered / answered, slowCanary, slowCanary + slowStable);
      tally.canary += slowCanary;
      tally.stable += slowStable;
      tally.canaryRequests += canary.answered;
      tally.stableRequests += stable.answered;
    }
    window.push(stable.latency);
  }

  #rollbackReason(): { cause: TestName | 'consecutive'; reason: string } | undefined {
    const limit = this.#o.consecutiveFailures;
    if (limit > 0 && this.#streak >= limit) {
      return { cause: 'consecutive', reason: `${this.#streak} canary failures in a row while the stable release had none` };
    }
    for (const name of TESTS) {
      const alpha = this.#o.alpha[name];
      if (alpha === 0 || this.#tests[name].logE < Math.log(1 / alpha)) continue;
      return { cause: name, reason: `${this.#describe(name)} (evidence ${formatE(this.#tests[name].logE)} ≥ ${formatE(Math.log(1 / alpha))}, α = ${Number(alpha.toPrecision(3))})` };
    }
    return undefined;
  }

  /** What a test counted, in words: the same numbers the report shows. */
  #describe(name: TestName): string {
    const t = this.#tally[name];
    const rate = (k: number, n: number, what: string) => `${k} of ${n} ${what} (${n > 0 ? round((100 * k) / n) : 0} %)`;
    if (name === 'errors') {
      return `errors: the canary failed ${rate(t.canary, t.canaryRequests, 'requests')}, the stable release ${rate(t.stable, t.stableRequests, 'requests')}; margin ${round(this.#o.errorMargin * 100)} pp`;
    }
    const th = this.#thresholdMs[name];
    const m = this.#o.latencyMargin;
    return (
      `${name}: ${rate(t.canary, t.canaryRequests, 'canary requests')} took over ${th?.canary ?? '?'} ms ` +
      `(stable's ${name} ${th?.stable ?? '?'} ms + ${round(m.relative * 100)} % + ${m.ms} ms), ${rate(t.stable, t.stableRequests, 'stable requests')} over ${th?.stable ?? '?'} ms`
    );
  }

  #verdict(decision: CanaryDecision, reason: string, cause?: TestName | 'consecutive'): CanaryVerdict {
    const evidence = {} as Record<TestName, TestEvidence>;
    for (const name of TESTS) {
      const test = this.#tests[name];
      const alpha = this.#o.alpha[name];
      const threshold = this.#thresholdMs[name];
      const t = this.#tally[name];
      evidence[name] = {
        alpha,
        logE: test.logE,
        logThreshold: alpha > 0 ? Math.log(1 / alpha) : Infinity,
        canary: t.canary,
        stable: t.stable,
        canaryRequests: t.canaryRequests,
        stableRequests: t.stableRequests,
        expectedCanary: test.counts.expectedCanary,
        ...(threshold === undefined ? {} : { thresholdMs: threshold.stable, canaryThresholdMs: threshold.canary }),
        ...(t.idle === undefined ? {} : { idle: t.idle }),
      };
    }
    const totals = { stable: { ...this.#totals.stable }, canary: { ...this.#totals.canary } };
    return { decision, reason, ...(cause ? { cause } : {}), evidence, streak: this.#streak, totals };
  }
}

/** Per-instance load of the canary over that of the stable release, from the weight (1 with no split). */
export function loadRatio(s: CanarySnapshot): number {
  const w = s.weight;
  if (w <= 0) return 0;
  if (w >= 1) return Infinity;
  const stable = Math.max(1, s.instances?.stable ?? 1);
  const canary = Math.max(1, s.instances?.canary ?? 1);
  return (w / canary) / ((1 - w) / stable);
}

/** The first bucket bound at or above stable's bound plus the margin: canary requests above it are surely slower. */
function marginIndex(stableMs: number, m: LatencyMargin): number {
  const target = stableMs * (1 + m.relative) + m.ms;
  const i = LATENCY_BOUNDS_MS.findIndex((b) => b >= target);
  return i === -1 ? LATENCY_BOUNDS_MS.length : i;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function boundMs(index: number): number {
  return LATENCY_BOUNDS_MS[index] ?? Infinity;
}

function formatE(logE: number): string {
  const e = Math.exp(logE);
  return e >= 1e6 ? e.toExponential(1) : e.toFixed(e < 10 ? 2 : 0);
}

function invalid(s: CanarySnapshot): string | undefined {
  if (!Number.isFinite(s.atMs)) return 'snapshot time is not a number';
  if (!(s.weight >= 0 && s.weight <= 1)) return `weight ${s.weight} is outside 0..1`;
  for (const side of ['stable', 'canary'] as const) {
    const c = s[side];
    if (!isCount(c.requests) || !isCount(c.failures)) return `${side} counters are not counts`;
    if (!c.latency || !Array.isArray(c.latency.counts) || !c.latency.counts.every(isCount)) {
      return `${side} latency histogram is malformed`;
    }
  }
  if (s.stable.latency.counts.length !== s.canary.latency.counts.length) return 'latency histograms differ in buckets';
  return undefined;
}

/** The judge keeps its own copy: callers may reuse and mutate their counters. */
function copy(s: CanarySnapshot): CanarySnapshot {
  const side = (c: ReleaseCounts): ReleaseCounts => ({
    requests: c.requests,
    failures: c.failures,
    latency: { counts: [...c.latency.counts], sum: c.latency.sum, count: c.latency.count },
  });
  return { atMs: s.atMs, weight: s.weight, stable: side(s.stable), canary: side(s.canary), ...(s.instances ? { instances: { ...s.instances } } : {}) };
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

/** One second of counts, or why it cannot be used (counters went backwards: the proxy restarted). */
function difference(a: CanarySnapshot, b: CanarySnapshot): Second | string {
  if (b.atMs <= a.atMs) return 'snapshot is not newer than the previous one';
  if (a.stable.latency.counts.length !== b.stable.latency.counts.length) return 'latency buckets changed';
  const side = (x: ReleaseCounts, y: ReleaseCounts) => {
    const latency = y.latency.counts.map((c, i) => c - (x.latency.counts[i] ?? 0));
    const answered = latency.reduce((s, c) => s + c, 0);
    return { requests: y.requests - x.requests, failures: y.failures - x.failures, latency, answered };
  };
  const stable = side(a.stable, b.stable);
  const canary = side(a.canary, b.canary);
  for (const [name, d] of [['stable', stable], ['canary', canary]] as const) {
    if (d.requests < 0 || d.failures < 0 || d.latency.some((c) => c < 0)) {
      return `${name} counters went backwards (proxy restarted?): counting again from this snapshot`;
    }
  }
  return { stable, canary };
}
