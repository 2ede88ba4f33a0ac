/** The control API's view of managed certificates (`slipway certs list`). */
import type { CertPlan, CertView } from '../api/schemas.js';
import type { CertState } from './cert-manager.js';
import type { ManagedCert } from './managed-set.js';
import { sourceOf } from './managed-set.js';

const DAY_MS = 86_400_000;

export function certView(state: CertState, now: number): CertView {
  const { entry, live } = state;
  const s = live?.summary;
  return {
    name: entry.name,
    hosts: [...entry.hosts],
    source: sourceOf(entry.tls),
    ...(s
      ? {
          subject: s.subject,
          names: [...s.names],
          issuer: s.issuer,
          serial: s.serial,
          notAfter: s.notAfter,
          daysLeft: Math.floor(((Date.parse(s.notAfter) - now) / DAY_MS) * 10) / 10,
        }
      : {}),
    ...(live ? { generation: live.generation } : {}),
    ...(state.nextRenewal ? { nextRenewal: state.nextRenewal } : {}),
    ...(state.lastError ? { lastError: state.lastError } : {}),
    ...(state.lastErrorAt ? { lastErrorAt: state.lastErrorAt } : {}),
    failures: state.failures,
    ...(state.retryAt ? { retryAt: state.retryAt } : {}),
    ...(state.ariWindow ? { ariWindow: { ...state.ariWindow } } : {}),
  };
}

export function planView(p: { entry: ManagedCert; action: CertPlan['action'] }): CertPlan {
  return { name: p.entry.name, hosts: [...p.entry.hosts], source: sourceOf(p.entry.tls), action: p.action };
}
