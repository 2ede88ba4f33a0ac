/**
 * `slipway secrets …`: local commands on the state directory's encrypted stores (no daemon),
 * so secrets can be set before the first deploy and never cross the control socket. A value
 * is read from stdin or --from-file, never from argv (argv is visible in `ps`), and never printed.
 */
import { readFile } from 'node:fs/promises';
import type { SecretDecl } from '../../config/model.js';
import { SlipwayError } from '../../errors.js';
import type { GeneratorSpec } from '../../secrets/generate.js';
import { DEFAULT_SECRETS_ENV } from '../../secrets/reference.js';
import type { SecretInfo, SecretStore } from '../../secrets/store.js';
import type { CommandSpec, OptionSpec } from '../command-spec.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

const NAME_ARG = { name: 'name', required: true, description: 'the secret name, e.g. DATABASE_PASSWORD' };
const FROM_FILE: OptionSpec = { name: 'from-file', type: 'string', description: 'read the value from this file (default: stdin)' };
const GENERATOR_OPTIONS: OptionSpec[] = [
  { name: 'kind', type: 'string', description: 'hex | base64url | password | uuid | rsa | ec | vapid | age (default: the config\'s generate:); age prints the recipient' },
  { name: 'bytes', type: 'string', description: 'hex, base64url: random bytes (default 32)' },
  { name: 'length', type: 'string', description: 'password: characters (default 32)' },
  { name: 'alphabet', type: 'string', description: 'password: the characters to draw from' },
  { name: 'bits', type: 'string', description: 'rsa: modulus size (default 3072)' },
  { name: 'curve', type: 'string', description: 'ec: P-256 (default), P-384 or P-521' },
];

/** The store, its code loaded on first use (the CLI loads only what a command needs). */
async function storeOf(ctx: CliContext): Promise<SecretStore> {
  const { SecretStore } = await import('../../secrets/store.js');
  return new SecretStore({ stateDir: ctx.stateDir, env: ctx.env ?? DEFAULT_SECRETS_ENV, environ: process.env, onNote: (text) => ctx.err(`note: ${text}`) });
}

/** The value from --from-file or stdin; one final newline (from echo or an editor) is dropped. */
async function readValue(fromFile: string | boolean | undefined): Promise<string> {
  let text: string;
  if (typeof fromFile === 'string') {
    text = await readFile(fromFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new SlipwayError('SLW_USAGE', `${fromFile} cannot be read (${err.code ?? 'error'}).`);
    });
  } else {
    if (process.stdin.isTTY) {
      throw new SlipwayError('SLW_USAGE', 'The value is read from stdin, which is a terminal here.', {
        hint: 'Pipe it in (`printf %s "$VALUE" | slipway secrets set NAME`) or pass --from-file FILE; values never go on the command line.',
      });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  }
  return text.replace(/\r?\n$/, '');
}

/** The declaration of NAME in the config, when there is a valid config. */
async function declOf(ctx: CliContext, name: string): Promise<SecretDecl | undefined> {
  const { checkConfig } = await import('../../config/load.js');
  const { config } = await checkConfig({ file: ctx.configFile, ...(ctx.env !== undefined ? { env: ctx.env } : {}) });
  return config?.secrets?.[name];
}

async function generatorFrom(input: Readonly<Record<string, string | boolean | undefined>>, decl: SecretDecl | undefined, name: string): Promise<GeneratorSpec> {
  const kind = input['kind'];
  if (typeof kind !== 'string') {
    if (decl?.generate) return decl.generate;
    throw new SlipwayError('SLW_SECRETS_NOT_GENERATED', `Secret ${name} has no \`generate:\` in the config and no --kind was given.`);
  }
  const spec: Record<string, unknown> = { kind };
  for (const key of ['bytes', 'length', 'bits'] as const) if (typeof input[key] === 'string') spec[key] = Number(input[key]);
  for (const key of ['alphabet', 'curve'] as const) if (typeof input[key] === 'string') spec[key] = input[key];
  const { parseGenerator } = await import('../../secrets/generator-schema.js');
  return parseGenerator(spec);
}

function changed(ctx: CliContext, verb: string, store: SecretStore, info: SecretInfo, recipient?: string): number {
  if (ctx.json) ctx.out(JSON.stringify({ ok: true, env: store.env, secret: info, ...(recipient ? { recipient } : {}) }));
  else {
    ctx.out(`${info.name}: ${verb}, version ${info.version} (environment ${store.env}); the value is not shown`);
    if (recipient) ctx.out(`recipient (public, for age -r or a backups.key elsewhere): ${recipient}`);
  }
  return EXIT.ok;
}

/** The public recipient of an age identity just stored under NAME (the identity itself is never shown). */
async function recipientOf(store: SecretStore, name: string): Promise<string> {
  const { parseBackupKey } = await import('../../backup/age-adapter.js');
  return (await parseBackupKey((await store.get(name)).reveal())).recipient;
}

function renderList(env: string, list: readonly SecretInfo[]): string {
  if (list.length === 0) return `no secrets in environment ${env}`;
  const rows = list.map((s) => {
    const kept = s.versions.length > 1 ? `, previous v${s.versions.slice(0, -1).join(', v')} kept until the next deploy` : '';
    const parts = s.parts.length > 0 ? ` [${s.parts.join(', ')}]` : '';
    return `  ${s.name}${parts}  v${s.version}  ${s.origin}${s.generator ? ` (${s.generator})` : ''}  ${s.createdAt}${kept}`;
  });
  return [`secrets of environment ${env} (values are never shown):`, ...rows].join('\n');
}

export const secretsCommands: CommandSpec[] = [
  {
    name: 'secrets set',
    summary: 'store a secret value (from stdin or --from-file), encrypted; a new version if it exists',
    args: [NAME_ARG],
    options: [FROM_FILE],
    run: async (ctx, input) => {
      const name = input.args['name'] ?? '';
      const store = await storeOf(ctx);
      const value = await readValue(input.options['from-file']);
      const exists = await store.has(name);
      return changed(ctx, exists ? 'replaced' : 'set', store, await store.set(name, value, exists ? 'rotated' : 'set'));
    },
  },
  {
    name: 'secrets list',
    summary: 'list the secrets of an environment: names, versions, dates (never values)',
    args: [],
    options: [],
    run: async (ctx) => {
      const store = await storeOf(ctx);
      const list = await store.list();
      ctx.out(ctx.json ? JSON.stringify({ ok: true, env: store.env, secrets: list }) : renderList(store.env, list));
      return EXIT.ok;
    },
  },
  {
    name: 'secrets generate',
    summary: 'generate a secret once from the OS CSPRNG (the config\'s generate:, or --kind …)',
    args: [NAME_ARG],
    options: GENERATOR_OPTIONS,
    run: async (ctx, input) => {
      const name = input.args['name'] ?? '';
      const spec = await generatorFrom(input.options, await declOf(ctx, name), name);
      const store = await storeOf(ctx);
      const info = await store.generate(name, spec);
      return changed(ctx, `generated (${spec.kind})`, store, info, spec.kind === 'age' ? await recipientOf(store, name) : undefined);
    },
  },
  {
    name: 'secrets rotate',
    summary: 'replace a secret (generated again, or a new value from stdin/--from-file); the previous version stays until the next deploy succeeds',
    args: [NAME_ARG],
    options: [FROM_FILE, ...GENERATOR_OPTIONS],
    run: async (ctx, input) => {
      const name = input.args['name'] ?? '';
      const store = await storeOf(ctx);
      const decl = await declOf(ctx, name);
      const generated = typeof input.options['kind'] === 'string' || (decl?.generate !== undefined && input.options['from-file'] === undefined);
      const spec = generated ? await generatorFrom(input.options, decl, name) : undefined;
      const info = await store.rotate(name, spec ? { spec } : { value: await readValue(input.options['from-file']) });
      return changed(ctx, 'rotated', store, info, spec?.kind === 'age' ? await recipientOf(store, name) : undefined);
    },
  },
  {
    name: 'secrets hash-password',
    summary: 'print the scrypt hash of a password read from stdin (for basic auth)',
    args: [],
    options: [FROM_FILE],
    run: async (ctx, input) => {
      const password = await readValue(input.options['from-file']);
      if (password.length === 0) throw new SlipwayError('SLW_SECRETS_BAD_VALUE', 'The password read is empty.');
      const { hashPassword } = await import('../../secrets/password-hash.js');
      const hash = hashPassword(password);
      ctx.out(ctx.json ? JSON.stringify({ ok: true, hash }) : hash);
      return EXIT.ok;
    },
  },
];
