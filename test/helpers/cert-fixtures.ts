import { createRootCa, signLeaf, type PemPair, type Validity } from '../../src/certs/x509-adapter.js';

/** A throwaway CA for tests, and leaves signed by it. */
export async function testCa(name = 'slipway test CA'): Promise<PemPair> {
  return createRootCa(name, 30);
}

export async function leafFor(ca: PemPair, names: readonly string[], validity: Validity = {}): Promise<{ fullchain: string; privkey: string }> {
  const leaf = await signLeaf(ca, names, validity);
  return { fullchain: leaf.certPem + ca.certPem, privkey: leaf.keyPem };
}
