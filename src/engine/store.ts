import type {
  DeploymentRecord,
  InstanceRecord,
  JournalEntry,
  LockRecord,
  ReleaseRecord,
  ServiceRecord,
  StackDeploymentRecord,
} from './records.js';

export interface JournalInput {
  readonly deploymentId?: string | undefined;
  readonly kind: string;
  readonly data?: unknown;
}

/** Record changes made inside one journaled transaction. */
export interface StoreWriter {
  putService(record: ServiceRecord): void;
  putRelease(record: ReleaseRecord): void;
  putInstance(record: InstanceRecord): void;
  putDeployment(record: DeploymentRecord): void;
  putStack(record: StackDeploymentRecord): void;
  setLock(record: LockRecord | undefined): void;
  /** Forgets a service: its record, releases and instances (its deployments stay, as history). */
  removeService(name: string): void;
  setMeta(key: string, value: string): void;
}

/**
 * Which instances: of every service, of one service, or of one release of one service (a release
 * id such as `r1` is unique only inside its service, so it never stands alone).
 */
export type InstanceFilter =
  | { readonly service?: string; readonly releaseId?: never; readonly live?: boolean }
  | { readonly service: string; readonly releaseId: string; readonly live?: boolean };

/** Which deployments: of one service, open or finished, and `alone`: only those no stack deployment holds. */
export interface DeploymentFilter {
  readonly service?: string;
  readonly limit?: number;
  readonly open?: boolean;
  readonly alone?: boolean;
  /** Only the service deployments of this stack deployment. */
  readonly stack?: string;
}

/**
 * Durable desired and observed state. Every change goes through `transact`, which appends
 * the journal entry and applies the changes in one transaction, durable (fsync) on return:
 * callers journal first, then perform the side effect.
 */
export interface StateStore {
  transact<T>(entry: JournalInput, apply: (tx: StoreWriter) => T): T;
  service(name: string): ServiceRecord | undefined;
  services(): ServiceRecord[];
  /** A release is keyed by its service and id: `r1` exists once per service. */
  release(service: string, id: string): ReleaseRecord | undefined;
  /** Newest first. */
  releases(service: string): ReleaseRecord[];
  nextReleaseSeq(service: string): number;
  instance(id: string): InstanceRecord | undefined;
  instances(filter?: InstanceFilter): InstanceRecord[];
  deployment(id: string): DeploymentRecord | undefined;
  /** Newest first. */
  deployments(filter?: DeploymentFilter): DeploymentRecord[];
  stack(id: string): StackDeploymentRecord | undefined;
  /** Stack deployments (a deploy or rollback of several services), newest first. */
  stacks(filter?: { limit?: number; open?: boolean }): StackDeploymentRecord[];
  lock(): LockRecord | undefined;
  meta(key: string): string | undefined;
  journal(options?: { afterSeq?: number; limit?: number; deploymentId?: string }): JournalEntry[];
  close(): void;
}
