/** Requests the first step should see, and how long it should take to see them. */
const FIRST_STEP_REQUESTS = 300;
const FIRST_STEP_SECONDS = 120;
export const MIN_FIRST_WEIGHT = 0.05;
export const MAX_FIRST_WEIGHT = 0.5;

/**
 * The canary's first weight for a service seeing `requestsPerSecond`: enough to reach 300
 * canary requests in two minutes, clamped to 5–50 %. A busy service starts at 5 %; a quiet
 * one starts higher so that the judge has data at all (0 req/s or an unknown rate: 50 %).
 */
export function firstWeight(requestsPerSecond: number): number {
  if (!(requestsPerSecond > 0)) return MAX_FIRST_WEIGHT;
  const wanted = FIRST_STEP_REQUESTS / (FIRST_STEP_SECONDS * requestsPerSecond);
  return Math.min(MAX_FIRST_WEIGHT, Math.max(MIN_FIRST_WEIGHT, wanted));
}
