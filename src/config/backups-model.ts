/** The normalized `backups:` section (see docs/config.md). Paths are absolute. */
export type BackupSourceSpec =
  | { readonly kind: 'postgres'; readonly name: string; /** May hold secret markers, resolved by the daemon. */ readonly url: string }
  | { readonly kind: 'dir'; readonly name: string; readonly path: string }
  | { readonly kind: 'sqlite'; readonly name: string; readonly path: string }
  /** A volume of the project (services.*.volumes): its directory is in the host state, found by the daemon. */
  | { readonly kind: 'volume'; readonly name: string; readonly volume: string; /** Written as SERVICE/NAME: the service that declares it. */ readonly service?: string };

/** Where the age key comes from; `none` only when the user wrote `encrypt: false`. */
export type BackupKeySpec =
  | { readonly kind: 'value'; /** Literal key or a secret marker. */ readonly value: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'none' };

/** Credentials may hold secret markers, resolved by the daemon; never logged. */
export interface S3TargetSpec {
  readonly endpoint: string;
  readonly bucket: string;
  /** "" or ending in "/": every key of this target starts with it. */
  readonly prefix: string;
  readonly region: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly forcePathStyle: boolean;
}

/** Where backups are written; targets keep the order of the config (the first is the primary). */
export type BackupTargetSpec =
  | { readonly kind: 'dir'; readonly name: string; readonly path: string }
  | { readonly kind: 's3'; readonly name: string; readonly s3: S3TargetSpec };

export interface BackupsSpec {
  readonly key: BackupKeySpec;
  /** At least one. */
  readonly targets: readonly BackupTargetSpec[];
  readonly sources: Readonly<Record<string, BackupSourceSpec>>;
  readonly schedule: string | undefined;
  /** Newest verified backup older than this: the backup-stale alert; undefined: twice the schedule's interval (or not judged without a schedule). */
  readonly maxAgeMs: number | undefined;
  readonly retention: { readonly last: number; readonly daily: number; readonly weekly: number; readonly monthly: number };
  readonly beforeDeploy: readonly string[];
  readonly drill: { readonly schedule: string | undefined; readonly check: string | undefined } | undefined;
}
