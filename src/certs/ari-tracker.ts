/** What the CA's renewalInfo (RFC 9773) said about each live ACME certificate, and when to ask again. */
import { readFile } from 'node:fs/promises';
import type { AcmeSpec } from '../config/model.js';
import { fetchRenewalInfo, pointInWindow, renewalInfoUrl, type RenewalWindow } from './ari.js';
import type { StoredCert } from './cert-store.js';

interface AriState {
  readonly certId: string;
  readonly window: RenewalWindow | undefined;
  /** The renewal time picked at random inside the window. */
  readonly point: number | undefined;
  readonly nextPollAt: number;
}

export interface AriTrackerOptions {
  readonly now: () => number;
  /** Least time between two polls of one certificate; failures and CAs without ARI wait 60× that. */
  readonly minPollMs: number;
}

export class AriTracker {
  readonly #o: AriTrackerOptions;
  /** By certificate name. */
  readonly #state = new Map<string, AriState>();
  /** By certificate file (a generation's file never changes). */
  readonly #certIds = new Map<string, string | undefined>();

  constructor(options: AriTrackerOptions) {
    this.#o = options;
  }

  /**
   * Asks the CA about `live` when the last answer's Retry-After has run out; a new window gets
   * a new random point. A CA without ARI, or one that does not answer, is asked again later.
   */
  async poll(name: string, live: StoredCert, acme: AcmeSpec): Promise<void> {
    const certId = await this.#certIdOf(live).catch(() => undefined);
    if (!certId || live.source !== 'acme') return;
    const known = this.#state.get(name);
    const now = this.#o.now();
    if (known && known.certId === certId && now < known.nextPollAt) return;
    const later = now + 60 * this.#o.minPollMs;
    try {
      const caBundle = acme.caBundle === undefined ? undefined : await readFile(acme.caBundle, 'utf8');
      const url = await renewalInfoUrl(acme.directory, caBundle);
      if (!url) return void this.#state.set(name, { certId, window: undefined, point: undefined, nextPollAt: later });
      const info = await fetchRenewalInfo(url, certId, caBundle, this.#o.minPollMs, now);
      const same = known?.certId === certId && known.window?.start === info.window.start && known.window.end === info.window.end;
      const point = same && known.point !== undefined ? known.point : pointInWindow(info.window);
      this.#state.set(name, { certId, window: info.window, point, nextPollAt: now + info.pollAfterMs });
    } catch {
      this.#state.set(name, { certId, window: known?.certId === certId ? known.window : undefined, point: known?.certId === certId ? known.point : undefined, nextPollAt: later });
    }
  }

  /** The suggested window and the point picked in it, when they are about `live`. */
  windowOf(name: string, live: StoredCert): { window: RenewalWindow; point: number; certId: string } | undefined {
    const s = this.#state.get(name);
    if (!s?.window || s.point === undefined || s.certId !== this.#certIds.get(live.certFile)) return undefined;
    return { window: s.window, point: s.point, certId: s.certId };
  }

  async #certIdOf(live: StoredCert): Promise<string | undefined> {
    if (!this.#certIds.has(live.certFile)) {
      const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(await readFile(live.certFile, 'utf8'))?.[0];
      // The X.509 parser loads only when there is a certificate to read.
      const { ariCertId } = pem ? await import('./x509-adapter.js') : { ariCertId: () => undefined };
      this.#certIds.set(live.certFile, pem ? ariCertId(pem) : undefined);
    }
    return this.#certIds.get(live.certFile);
  }
}
