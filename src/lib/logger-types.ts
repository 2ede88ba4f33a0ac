/**
 * What slipway's loggers share: the Logger interface, and the keys censored whatever they hold.
 * One implementation, logger.ts (the daemon's and the proxy's JSON lines), and silentLogger there.
 */
export type LogFields = Readonly<Record<string, unknown>>;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines all carry these fields. */
  child(bindings: LogFields): Logger;
}

/** Keys whose values are credentials whatever they hold. */
export const SENSITIVE_KEYS: readonly string[] = [
  'password',
  'passphrase',
  'secret',
  'token',
  'authorization',
  'cookie',
  'apiKey',
  'privateKey',
  'privkey',
  'keyAuthorization',
];

export const CENSORED = '[redacted]';

