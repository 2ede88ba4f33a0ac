import type { CodeTable } from '../error-code-info.js';

export const certCodes = {
  SLW_CERT_UNREADABLE: {
    title: 'A certificate or private key is not valid PEM.',
    hint: 'Give a PEM certificate chain (leaf first) and its PEM private key; `openssl x509 -in FILE -noout -text` shows whether a file parses. The certificate that was live stays live.',
    kind: 'user',
  },
  SLW_CERT_KEY_MISMATCH: {
    title: 'The certificate does not belong to the private key given with it.',
    hint: 'Pair the certificate with the key its request was made from (compare `openssl x509 -noout -pubkey` with `openssl pkey -pubout`). The certificate that was live stays live.',
    kind: 'user',
  },
  SLW_CERT_EXPIRED: {
    title: 'The certificate has expired or is not valid yet.',
    hint: 'Renew it (`slipway certs renew HOST` for ACME certificates) or give a current one; check the machine clock. The certificate that was live stays live.',
    kind: 'user',
  },
  SLW_CERT_WRONG_HOST: {
    title: 'The certificate does not cover a host of the route it is meant for.',
    hint: 'Give a certificate whose subject alternative names include every host of the route (`openssl x509 -noout -ext subjectAltName`). The certificate that was live stays live.',
    kind: 'user',
  },
  SLW_CERT_NOT_FOUND: {
    title: 'There is no certificate for this name in the store.',
    hint: 'Issue one (`slipway certs issue HOST`) or check the host name with `slipway certs list`.',
    kind: 'user',
  },
  SLW_CERT_CA_FAILED: {
    title: 'The local certificate authority (tls: internal) could not create or sign a certificate.',
    hint: 'Check that the state directory is writable and that <state-dir>/certs/ca holds ca.pem and ca.key as slipway wrote them; remove both to create a new CA (then trust the new root again: `slipway certs ca`).',
    kind: 'internal',
  },
  SLW_CERT_NOT_PRIVATE: {
    title: 'tls: internal was asked for a public host name.',
    hint: 'The local CA signs only localhost, *.localhost, .local/.internal/.test names and private addresses; use `tls: auto` (ACME) for public names.',
    kind: 'user',
  },
  SLW_CERT_ACME_FAILED: {
    title: 'An ACME order (certificate issuance or renewal) failed.',
    hint: 'Check that the host resolves to this machine and that the CA reaches the proxy: port 80 for HTTP-01, the HTTPS port for TLS-ALPN-01 (tls.acme.challenge), that tls.acme.directory is right, and the CA\'s message in the details (a rate limit says when to retry). The certificate already live keeps serving; slipway retries with backoff (`slipway certs list` shows the next attempt).',
    kind: 'user',
  },
  SLW_CERT_DNS_REFUSED: {
    title: 'The DNS provider refused to add or remove the ACME challenge record (DNS-01).',
    hint: 'Check tls.acme.dns01: the zone must be served by that server (RFC 2136: the key must be granted updates of TXT records under the zone, e.g. `update-policy { grant KEY zonesub TXT; };` in BIND), or the API token must have DNS Write permission on the zone. The certificate already live keeps serving; slipway retries with backoff.',
    kind: 'user',
  },
  SLW_CERT_DNS_BAD_CREDENTIALS: {
    title: 'The DNS provider did not accept the credentials of the DNS-01 update (TSIG key or API token).',
    hint: 'Set the secret tls.acme.dns01 names again (`slipway secrets set NAME`): for RFC 2136 the TSIG key name, algorithm and base64 secret must match the server\'s key (and both clocks must agree within 5 minutes); for Cloudflare an API token with DNS Write on the zone. The certificate already live keeps serving.',
    kind: 'user',
  },
  SLW_CERT_DNS_NOT_VISIBLE: {
    title: 'The ACME challenge record was added but never showed on the zone\'s name servers before the deadline.',
    hint: 'Check that the servers in tls.acme.dns01.checkServers (default: the update server, or the zone\'s name servers) serve the zone that was updated, that secondaries receive updates (NOTIFY, zone transfers), or raise tls.acme.dns01.propagationTimeout. The record was removed again; the certificate already live keeps serving.',
    kind: 'user',
  },
  SLW_CERT_DNS_UNREACHABLE: {
    title: 'The DNS provider could not be reached for a DNS-01 update.',
    hint: 'Check tls.acme.dns01.server (host:port of the primary name server) or the network path to the DNS API; RFC 2136 updates need `nsupdate` (Debian package bind9-dnsutils) on the host. The certificate already live keeps serving; slipway retries with backoff.',
    kind: 'user',
  },
} as const satisfies CodeTable;
