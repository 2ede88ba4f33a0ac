import { SlipwayError } from '../errors.js';

/** The life of one instance. Warm (old release kept for rollback) is `healthy` outside the active release. */
export type InstanceState = 'starting' | 'healthy' | 'unhealthy' | 'draining' | 'stopped' | 'failed';

const TRANSITIONS: Readonly<Record<InstanceState, readonly InstanceState[]>> = {
  starting: ['healthy', 'failed', 'draining', 'stopped'],
  healthy: ['unhealthy', 'draining', 'failed', 'starting', 'stopped'],
  unhealthy: ['healthy', 'draining', 'failed', 'starting', 'stopped'],
  draining: ['stopped', 'failed'],
  stopped: [],
  failed: ['starting', 'stopped'],
};

export function canTransition(from: InstanceState, to: InstanceState): boolean {
  return from === to || TRANSITIONS[from].includes(to);
}

export function assertTransition(id: string, from: InstanceState, to: InstanceState): void {
  if (!canTransition(from, to)) {
    throw new SlipwayError('SLW_ENGINE_BAD_TRANSITION', `Instance ${id} cannot go from ${from} to ${to}.`);
  }
}

/** States in which the process is expected to exist. */
export function isLive(state: InstanceState): boolean {
  switch (state) {
    case 'starting':
    case 'healthy':
    case 'unhealthy':
    case 'draining':
      return true;
    case 'stopped':
    case 'failed':
      return false;
  }
}
