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
} as const satisfies CodeTable;
