/** A target's health verdict and the streaks that move it (rise / fall thresholds). */
export type HealthVerdict = 'healthy' | 'unhealthy';

export interface HealthThresholds {
  readonly rise: number;
  readonly fall: number;
}

/**
 * Transition table:
 *   healthy   --`fall` consecutive failures-->  unhealthy
 *   unhealthy --`rise` consecutive successes--> healthy
 * A target starts healthy: the daemon health-gated it before putting it in the table.
 */
export class HealthState {
  #verdict: HealthVerdict = 'healthy';
  #failures = 0;
  #successes = 0;
  #lastError: string | undefined;
  #thresholds: HealthThresholds;

  constructor(thresholds: HealthThresholds) {
    this.#thresholds = thresholds;
  }

  get verdict(): HealthVerdict {
    return this.#verdict;
  }
  get consecutiveFailures(): number {
    return this.#failures;
  }
  get lastError(): string | undefined {
    return this.#lastError;
  }

  setThresholds(thresholds: HealthThresholds): void {
    this.#thresholds = thresholds;
  }

  /** Records one success; returns the new verdict when it changed. */
  success(): HealthVerdict | undefined {
    this.#failures = 0;
    this.#successes++;
    if (this.#verdict === 'unhealthy' && this.#successes >= this.#thresholds.rise) return this.#become('healthy');
    return undefined;
  }

  /** Records one failure; returns the new verdict when it changed. */
  failure(error: string): HealthVerdict | undefined {
    this.#successes = 0;
    this.#failures++;
    this.#lastError = error;
    if (this.#verdict === 'healthy' && this.#failures >= this.#thresholds.fall) return this.#become('unhealthy');
    return undefined;
  }

  #become(verdict: HealthVerdict): HealthVerdict {
    this.#verdict = verdict;
    this.#successes = 0;
    return verdict;
  }
}
