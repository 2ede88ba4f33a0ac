import type { CodeTable } from '../error-code-info.js';

/** Secret store, generation and injection codes. */
export const secretsCodes = {
  SLW_SECRETS_WRONG_KEY: {
    title: 'The secret store was encrypted with another key; nothing was read or changed.',
    hint: 'Use the key the store was made with: the file <state>/secrets/key, or SLIPWAY_SECRETS_KEY when you set it. A lost key cannot be recovered: remove <state>/secrets/<env>.enc and set the secrets again.',
    kind: 'user',
  },
  SLW_SECRETS_CORRUPT: {
    title: 'The secret store file is damaged (its authentication check failed or its header is not slipway\'s); nothing was changed.',
    hint: 'Restore <state>/secrets/<env>.enc from a backup. slipway never overwrites a store it cannot read.',
    kind: 'internal',
  },
  SLW_SECRETS_TRUNCATED: {
    title: 'The secret store file is shorter than its header says (an interrupted copy?); nothing was changed.',
    hint: 'Restore <state>/secrets/<env>.enc from a backup. slipway writes it atomically, so a short file comes from outside slipway.',
    kind: 'internal',
  },
  SLW_SECRETS_BAD_KEY: {
    title: 'The secrets key is malformed.',
    hint: 'SLIPWAY_SECRETS_KEY (and the key file) hold 32 random bytes as 64 hex digits or base64; generate one with `openssl rand -hex 32`.',
    kind: 'user',
  },
  SLW_SECRETS_KEY_MISSING: {
    title: 'The store exists but its key file does not (and SLIPWAY_SECRETS_KEY is not set).',
    hint: 'Put the key back in <state>/secrets/key (mode 0600) or set SLIPWAY_SECRETS_KEY; a new key would not open the existing store.',
    kind: 'user',
  },
  SLW_SECRETS_UNKNOWN: {
    title: 'The secret is not in the store.',
    hint: 'Set it with `slipway secrets set NAME` (or `slipway secrets generate NAME` when the config gives `generate:`); `slipway secrets list` shows what exists.',
    kind: 'user',
  },
  SLW_SECRETS_MISSING: {
    title: 'A secret the config uses has no value in this environment, so the deploy did not start (or, for an alert notifier at daemon start, that notifier sends nothing).',
    hint: 'Set each listed secret with `slipway secrets set NAME --env ENV`, then deploy again (a notifier reads it at its next notification or `slipway alerts test`).',
    kind: 'user',
  },
  SLW_SECRETS_EXISTS: {
    title: 'The secret already has a value; generation happens once.',
    hint: 'Use `slipway secrets rotate NAME` to replace it on purpose (the previous value is kept until the next deploy succeeds).',
    kind: 'user',
  },
  SLW_SECRETS_BAD_NAME: {
    title: 'A secret name is not allowed.',
    hint: 'Use letters, digits and "_", not starting with a digit (e.g. DATABASE_PASSWORD).',
    kind: 'user',
  },
  SLW_SECRETS_BAD_GENERATOR: {
    title: 'A secret generator is not known or its parameters are out of range.',
    hint: 'Kinds: hex and base64url (bytes 16..1024), password (length 12..256, alphabet of 10+ distinct characters), uuid, rsa (bits 2048..8192), ec (curve P-256, P-384 or P-521), vapid, age.',
    kind: 'user',
  },
  SLW_SECRETS_NOT_GENERATED: {
    title: 'The secret has no `generate:` in the config, so slipway cannot make its value.',
    hint: 'Set the value with `slipway secrets set NAME`, or declare `NAME: { generate: { kind: hex, bytes: 32 } }` under `secrets:`.',
    kind: 'user',
  },
  SLW_SECRETS_BAD_VALUE: {
    title: 'The secret value is empty or holds a NUL byte (which no environment variable can carry).',
    hint: 'Pipe the value in (`printf %s "$VALUE" | slipway secrets set NAME`) or pass --from-file FILE with content.',
    kind: 'user',
  },
  SLW_SECRETS_UNREADABLE: {
    title: 'The secret store or its key file could not be read or written.',
    hint: 'Check the permissions of <state>/secrets/ (the slipway user owns it, mode 0700) and the free space of its file system.',
    kind: 'internal',
  },
  SLW_SECRETS_INJECT_FAILED: {
    title: 'An instance could not get its secrets (a reference without a value, or the secret file could not be written).',
    hint: 'Run `slipway secrets list --env ENV` to see what is stored, set what is missing, then deploy again.',
    kind: 'user',
  },
  SLW_SECRETS_LOCKED: {
    title: 'Another process kept the secret store locked longer than a change waits (10 s); nothing was changed.',
    hint: 'Another `slipway secrets` command (or a deploy marking secrets deployed) is changing the store: run yours again when it is done. A lock whose process is gone is taken over by itself; a lock file slipway cannot read (<state>/secrets/<env>.enc.lock) may be removed by hand when no slipway process runs.',
    kind: 'user',
  },
} as const satisfies CodeTable;

export type SecretsCode = keyof typeof secretsCodes;
