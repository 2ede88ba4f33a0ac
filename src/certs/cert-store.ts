import { chmod, mkdir, open, readdir, readFile, readlink, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { symlinkAtomic, writeFileAtomic } from '../lib/atomic-write.js';
import { SlipwayError } from '../errors.js';
import { checkCertificate, parsePair, summarize, type CertSummary } from './cert-check.js';

/** Where a certificate came from: ACME, the local CA, or files the user gave. */
export type CertSource = 'acme' | 'internal' | 'files';

export interface CertInstall {
  readonly fullchain: string;
  readonly privkey: string;
  /** The hosts it must cover; the pair is refused when one is not. */
  readonly hosts: readonly string[];
  readonly source: CertSource;
  readonly now?: Date;
}

export interface StoredCert {
  readonly name: string;
  /** The archive generation `live` points at. */
  readonly generation: number;
  readonly source: CertSource;
  readonly hosts: readonly string[];
  /** Stable paths of this generation (archive/<n>/…), so a table that names them changes on a swap. */
  readonly certFile: string;
  readonly keyFile: string;
  readonly summary: CertSummary;
}

export interface CertStoreOptions {
  /** Test hook: called with "archived" between the archive write and the live swap. */
  readonly crashPoint?: (name: string) => void;
}

const FULLCHAIN = 'fullchain.pem';
const PRIVKEY = 'privkey.pem';
const META = 'meta.json';
/** In `<name>/`: when the certificate's route was first seen gone (ms since the epoch). */
const REMOVED_AT = 'removed-at';

/**
 * Certificates under `<stateDir>/certs`: `<name>/archive/<n>/{fullchain.pem,privkey.pem}`
 * and `<name>/live`, a relative symlink to `archive/<n>` replaced by rename. A generation is
 * written whole under a temp name and renamed into place before `live` moves, so a crash at
 * any point leaves `live` on a complete pair. Keys are 0600, directories 0700.
 */
export class CertStore {
  readonly root: string;
  readonly #crashPoint: (name: string) => void;

  constructor(root: string, options: CertStoreOptions = {}) {
    this.root = root;
    this.#crashPoint = options.crashPoint ?? (() => undefined);
  }

  /** Checks the pair (key, validity, hosts), archives it as a new generation and makes it live. */
  async install(name: string, input: CertInstall): Promise<StoredCert> {
    checkName(name);
    const summary = checkCertificate(input);
    const dir = join(this.root, name);
    const archive = join(dir, 'archive');
    await mkdir(archive, { recursive: true, mode: 0o700 });
    await chmod(this.root, 0o700);
    await chmod(dir, 0o700);
    const generation = (await generations(archive)).reduce((max, n) => Math.max(max, n), 0) + 1;
    const tmp = join(archive, `.tmp-${randomBytes(4).toString('hex')}`);
    await mkdir(tmp, { mode: 0o700 });
    try {
      await writeSynced(join(tmp, FULLCHAIN), input.fullchain, 0o644);
      await writeSynced(join(tmp, PRIVKEY), input.privkey, 0o600);
      await writeSynced(join(tmp, META), `${JSON.stringify({ source: input.source, hosts: input.hosts })}\n`, 0o644);
      await rename(tmp, join(archive, String(generation)));
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw new SlipwayError('SLW_IO', `Could not write the certificate for ${name} under ${archive}.`, { cause: err });
    }
    await syncDir(archive);
    this.#crashPoint('archived');
    await symlinkAtomic(join('archive', String(generation)), join(dir, 'live'));
    return this.#stored(name, generation, summary, input.source, input.hosts);
  }

  /** The live generation of `name`, or undefined when there is none. */
  async live(name: string): Promise<StoredCert | undefined> {
    checkName(name);
    const dir = join(this.root, name);
    const target = await readlink(join(dir, 'live')).catch(() => undefined);
    const generation = target === undefined ? NaN : Number(/^archive\/(\d+)$/.exec(target)?.[1]);
    if (!Number.isInteger(generation)) return undefined;
    const gdir = join(dir, 'archive', String(generation));
    const [fullchain, privkey, meta] = await Promise.all(
      [FULLCHAIN, PRIVKEY, META].map((f) => readFile(join(gdir, f), 'utf8')),
    ).catch(() => [undefined, undefined, undefined]);
    if (fullchain === undefined || privkey === undefined) return undefined;
    const parsed = JSON.parse(meta ?? '{}') as { source?: CertSource; hosts?: string[] };
    const summary = summarize(parsePair(fullchain, privkey).leaf);
    return this.#stored(name, generation, summary, parsed.source ?? 'files', parsed.hosts ?? summary.names);
  }

  /** Every name with a live certificate. */
  async list(): Promise<StoredCert[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const out: StoredCert[] = [];
    for (const name of names.filter(isName).sort()) {
      const cert = await this.live(name);
      if (cert) out.push(cert);
    }
    return out;
  }

  /** Removes generations a crash left half-written (temp dirs); `live` is never touched. */
  async recover(): Promise<void> {
    for (const name of (await readdir(this.root).catch(() => [] as string[])).filter(isName)) {
      const archive = join(this.root, name, 'archive');
      for (const entry of await readdir(archive).catch(() => [] as string[])) {
        if (entry.startsWith('.tmp-')) await rm(join(archive, entry), { recursive: true, force: true });
      }
    }
  }

  /**
   * Certificates whose route is gone: marked when first seen unwanted (`removed-at`), deleted
   * once `graceMs` has passed; a name wanted again loses its mark.
   */
  async prune(wanted: ReadonlySet<string>, graceMs: number, now: number): Promise<string[]> {
    const removed: string[] = [];
    for (const name of (await readdir(this.root).catch(() => [] as string[])).filter(isName)) {
      const marker = join(this.root, name, REMOVED_AT);
      if (!(await stat(join(this.root, name, 'archive')).then((s) => s.isDirectory(), () => false))) continue; // acme/, managed.json
      if (wanted.has(name)) {
        await rm(marker, { force: true });
        continue;
      }
      const since = Number((await readFile(marker, 'utf8').catch(() => '')).trim());
      if (!Number.isFinite(since) || since <= 0) {
        await writeFileAtomic(marker, `${now}\n`, 0o600).catch(() => undefined);
      } else if (now - since >= graceMs) {
        await rm(join(this.root, name), { recursive: true, force: true });
        removed.push(name);
      }
    }
    return removed;
  }

  #stored(name: string, generation: number, summary: CertSummary, source: CertSource, hosts: readonly string[]): StoredCert {
    const gdir = join(this.root, name, 'archive', String(generation));
    return { name, generation, source, hosts, certFile: join(gdir, FULLCHAIN), keyFile: join(gdir, PRIVKEY), summary };
  }
}

/** The store name of a route's host set: its first host, "*." spelled "_wildcard.". */
export function certNameFor(hosts: readonly string[]): string {
  const first = (hosts[0] ?? '').toLowerCase();
  return first.startsWith('*.') ? `_wildcard.${first.slice(2)}` : first;
}

function isName(name: string): boolean {
  return /^[a-z0-9_][a-z0-9_.-]*$/.test(name) && name !== 'ca';
}

function checkName(name: string): void {
  if (!isName(name)) throw new SlipwayError('SLW_INTERNAL', `"${name}" is not a valid certificate name.`);
}

async function generations(archive: string): Promise<number[]> {
  return (await readdir(archive)).filter((e) => /^\d+$/.test(e)).map(Number);
}

async function writeSynced(path: string, data: string, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
