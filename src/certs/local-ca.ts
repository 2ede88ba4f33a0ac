import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { SlipwayError } from '../errors.js';
import { isPrivateName } from './private-names.js';
// The X.509 library loads when a certificate is made, not with the daemon.
import type { PemPair } from './x509-adapter.js';

const CA_DAYS = 3650;
/** Leaves are short-lived and re-signed on renewal like any other certificate. */
export const INTERNAL_LEAF_DAYS = 30;

/**
 * The `tls: internal` authority of one state dir: `<certs>/ca/{ca.pem,ca.key}` made once
 * (key 0600, directory 0700), then used to sign leaves for private names only.
 */
export class LocalCa {
  readonly dir: string;
  #ca: Promise<PemPair> | undefined;

  constructor(certsRoot: string) {
    this.dir = join(certsRoot, 'ca');
  }

  get certFile(): string {
    return join(this.dir, 'ca.pem');
  }

  /** The root certificate (PEM) to trust, created on first use. */
  async rootPem(): Promise<string> {
    return (await this.#load()).certPem;
  }

  /** A leaf for `hosts`, all of which must be private names. */
  async issue(hosts: readonly string[], days = INTERNAL_LEAF_DAYS): Promise<{ fullchain: string; privkey: string }> {
    const publicNames = hosts.filter((h) => !isPrivateName(h));
    if (publicNames.length > 0) {
      throw new SlipwayError('SLW_CERT_NOT_PRIVATE', `The local CA does not sign public names: ${publicNames.join(', ')}.`, {
        details: { hosts: publicNames },
      });
    }
    const ca = await this.#load();
    try {
      const { signLeaf } = await import('./x509-adapter.js');
      const leaf = await signLeaf(ca, hosts, { days });
      return { fullchain: leaf.certPem + ca.certPem, privkey: leaf.keyPem };
    } catch (err) {
      throw new SlipwayError('SLW_CERT_CA_FAILED', `The local CA could not sign a certificate for ${hosts.join(', ')}.`, { cause: err });
    }
  }

  #load(): Promise<PemPair> {
    this.#ca ??= this.#loadOrCreate();
    this.#ca.catch(() => (this.#ca = undefined));
    return this.#ca;
  }

  async #loadOrCreate(): Promise<PemPair> {
    const keyFile = join(this.dir, 'ca.key');
    const [certPem, keyPem] = await Promise.all([readFile(this.certFile, 'utf8'), readFile(keyFile, 'utf8')]).catch(() => [undefined, undefined]);
    if (certPem !== undefined && keyPem !== undefined) return { certPem, keyPem };
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const { createRootCa } = await import('./x509-adapter.js');
      const ca = await createRootCa('slipway local CA', CA_DAYS);
      // Key first: a crash between the two writes leaves no root without its key.
      await writeFileAtomic(keyFile, ca.keyPem, 0o600);
      await writeFileAtomic(this.certFile, ca.certPem, 0o644);
      return ca;
    } catch (err) {
      throw new SlipwayError('SLW_CERT_CA_FAILED', `Could not create the local CA under ${this.dir}.`, { cause: err });
    }
  }
}
