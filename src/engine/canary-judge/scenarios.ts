import { latencyModel, logNormalCdf, withTail, type LatencyModel } from './latency-model.js';
import type { ReleaseModel, Scenario } from './simulate.js';

/**
 * The scenarios of the canary issue's acceptance, shared by the tests and the bench.
 * A healthy service: 0.5 % failures, latency log-normal with a 40 ms median (p95 ≈ 107 ms,
 * p99 ≈ 160 ms), 100 requests per second.
 */
export const BASE_ERROR_RATE = 0.005;
export const RPS = 100;
const HEALTHY_LATENCY: LatencyModel = latencyModel(logNormalCdf(40, 0.6));
const TAIL_LATENCY: LatencyModel = latencyModel(withTail(logNormalCdf(40, 0.6), 0.02, 500));
/** A cold canary: a quarter of its requests take 300 ms more during its first 20 s. */
const COLD_LATENCY: LatencyModel = latencyModel(withTail(logNormalCdf(40, 0.6), 0.25, 300));

const healthy = (errorRate = BASE_ERROR_RATE): ReleaseModel => ({ errorRate, latency: HEALTHY_LATENCY });

/** The default steps held for a quarter of an hour each: 5 %, 25 %, 50 %, then the 95 % bake. */
export function stepSchedule(seconds: number): (t: number) => number {
  const steps = [0.05, 0.25, 0.5, 0.95];
  return (t) => steps[Math.min(steps.length - 1, Math.floor(((t - 1) * steps.length) / seconds))] ?? 0.05;
}

/** No regression, one hour of checks through every step; a cold canary for its first 20 s. */
export function noRegression(seconds = 3600): Scenario {
  return {
    name: `no regression, ${seconds / 60} min through 5/25/50/95 %`,
    requestsPerSecond: RPS,
    seconds,
    weight: stepSchedule(seconds),
    stable: () => healthy(),
    canary: (t) => (t <= 20 ? { errorRate: BASE_ERROR_RATE, latency: COLD_LATENCY } : healthy()),
  };
}

/** The canary fails `extra` more of its requests (absolute), from the first second. */
export function errorRegression(weight: number, extra = 0.05, base = BASE_ERROR_RATE, seconds = 900): Scenario {
  return {
    name: `+${extra * 100} pp errors (base ${base * 100} %) at ${weight * 100} %`,
    requestsPerSecond: RPS,
    seconds,
    regressionFrom: 1,
    weight: () => weight,
    stable: () => healthy(base),
    canary: () => healthy(base + extra),
  };
}

/** Both releases fail 20× more often for 5 minutes (from minute 5 of 15); nothing else differs. */
export function sharedOutage(weight: number, seconds = 900): Scenario {
  const during = (t: number) => t > 300 && t <= 600;
  return {
    name: `shared outage (20× errors for 5 min) at ${weight * 100} %`,
    requestsPerSecond: RPS,
    seconds,
    weight: () => weight,
    stable: (t) => healthy(during(t) ? 20 * BASE_ERROR_RATE : BASE_ERROR_RATE),
    canary: (t) => healthy(during(t) ? 20 * BASE_ERROR_RATE : BASE_ERROR_RATE),
  };
}

/** 2 % of the canary's requests take 500 ms more, from the first second. */
export function tailRegression(weight: number, seconds = 900): Scenario {
  return {
    name: `p99 tail (2 % of requests +500 ms) at ${weight * 100} %`,
    requestsPerSecond: RPS,
    seconds,
    regressionFrom: 1,
    weight: () => weight,
    stable: () => healthy(),
    canary: () => ({ errorRate: BASE_ERROR_RATE, latency: TAIL_LATENCY }),
  };
}

/** A canary that fails every request, on a quiet service (1 req/s) whose stable release is clean. */
export function hardDownQuiet(weight = 0.5, seconds = 600): Scenario {
  return {
    name: `canary down, 1 req/s, at ${weight * 100} %`,
    requestsPerSecond: 1,
    seconds,
    regressionFrom: 1,
    weight: () => weight,
    stable: () => healthy(0),
    canary: () => healthy(1),
  };
}

/** No regression on a quiet service: 1 req/s, the canary at its first weight (50 % at 1 req/s). */
export function quietNoRegression(seconds = 3600): Scenario {
  return {
    name: `no regression, 1 req/s at 50 %, ${seconds / 60} min`,
    requestsPerSecond: 1,
    seconds,
    weight: () => 0.5,
    stable: () => healthy(),
    canary: () => healthy(),
  };
}

/**
 * Latency that grows with load, as on a real server: one instance per release, each with a
 * capacity of `capacity` req/s, median 40 ms / (1 − ρ) at utilisation ρ (M/M/1-like). Both
 * releases run the same code: at a low weight the canary instance is the faster one, in the
 * 95 % bake the slower one (19× the stable instance's load). The busybox run had
 * steps 20 % and 50 % on a busy server (capacity 125 req/s: ρ = 0.8 for one instance alone).
 */
export function loadDependentNoRegression(steps: readonly number[] = [0.05, 0.25, 0.5, 0.95], capacity = 200, seconds = 1200): Scenario {
  const models = new Map<number, LatencyModel>();
  const at = (rps: number): ReleaseModel => {
    const key = Math.round(Math.min(0.95, rps / capacity) * 1000);
    let model = models.get(key);
    if (!model) models.set(key, (model = latencyModel(logNormalCdf(40 / (1 - key / 1000), 0.6))));
    return { errorRate: BASE_ERROR_RATE, latency: model };
  };
  const weight = (t: number) => steps[Math.min(steps.length - 1, Math.floor(((t - 1) * steps.length) / seconds))] ?? 0;
  return {
    name: `no regression, latency grows with load (ρ ${RPS / capacity} alone), 1 instance each, ${seconds / 60} min through ${steps.map((w) => w * 100).join('/')} %`,
    requestsPerSecond: RPS,
    seconds,
    instances: { stable: 1, canary: 1 },
    weight,
    stable: (t) => at(RPS * (1 - weight(t))),
    canary: (t) => at(RPS * weight(t)),
  };
}

/** A cold canary at 25 % from its first second: half of its requests take 300 ms more for `coldS` seconds. */
export function coldStart(coldS = 25, seconds = 600): Scenario {
  const cold = latencyModel(withTail(logNormalCdf(40, 0.6), 0.5, 300));
  return {
    name: `no regression, cold start (half the requests +300 ms for ${coldS} s) at 25 %`,
    requestsPerSecond: RPS,
    seconds,
    weight: () => 0.25,
    stable: () => healthy(),
    canary: (t) => (t <= coldS ? { errorRate: BASE_ERROR_RATE, latency: cold } : healthy()),
  };
}

/** 5 % of the canary's requests take 200 ms more, from the first second (the e2e's latency case). */
export function slowFivePercent(weight = 0.25, seconds = 900): Scenario {
  const slow = latencyModel(withTail(logNormalCdf(40, 0.6), 0.05, 200));
  return {
    name: `5 % of requests +200 ms at ${weight * 100} %`,
    requestsPerSecond: RPS,
    seconds,
    regressionFrom: 1,
    weight: () => weight,
    stable: () => healthy(),
    canary: () => ({ errorRate: BASE_ERROR_RATE, latency: slow }),
  };
}
