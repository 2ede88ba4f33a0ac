/** The normalized `backups:` section (see docs/config.md). Paths are absolute. */
export type BackupSourceSpec =
  | { readonly kind: 'postgres'; readonly name: string; /** May hold secret markers, resolved by the daemon. */ readonly url: string }
  | { readonly kind: 'dir'; readonly name: string; readonly path: string }
  | { readonly kind: 'sqlite'; readonly name: string; readonly path: string };

/** Where the age key comes from; `none` only when the user wrote `encrypt: false`. */
export type BackupKeySpec =
  | { readonly kind: 'value'; /** Literal key or a secret marker. */ readonly value: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'none' };

export interface BackupsSpec {
  readonly key: BackupKeySpec;
  readonly localDir: string;
  readonly sources: Readonly<Record<string, BackupSourceSpec>>;
  readonly schedule: string | undefined;
  readonly retention: { readonly last: number; readonly daily: number; readonly weekly: number; readonly monthly: number };
  readonly beforeDeploy: readonly string[];
  readonly drill: { readonly schedule: string | undefined; readonly check: string | undefined } | undefined;
}
