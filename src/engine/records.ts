import type { InstanceHandle } from '../drivers/driver.js';
import type { CanaryJudgeSpec } from '../config/model.js';
import type { ContainerIsolation } from '../config/container-model.js';
import type { InstanceState } from './instance-state.js';
import type { Actor } from './actor.js';
import type { DeploymentKind, DeploymentState } from './deployment-state.js';

/** What a release needs to start again later (rollback), frozen at build time. */
export interface ReleaseSpec {
  /** The driver that runs its instances (undefined: the daemon's default, the process driver). */
  readonly driver?: string | undefined;
  /** The image a container release runs (its own tag when slipway built it). */
  readonly image?: string | undefined;
  /** slipway built `image` for this release: retention removes it with the release. */
  readonly imageBuilt?: boolean | undefined;
  /** Limits and isolation its containers start with (container releases). */
  readonly isolation?: ContainerIsolation | undefined;
  readonly run: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly instances: number;
  readonly health: {
    readonly path: string;
    /** http (absent: releases built before other checks existed), tcp, command, process. */
    readonly kind?: 'http' | 'tcp' | 'command' | 'process' | undefined;
    readonly command?: readonly string[] | undefined;
    readonly intervalMs: number;
    readonly timeoutMs: number;
    readonly rise: number;
    readonly fall: number;
    readonly startTimeoutMs: number;
    /** A separate liveness check (restarts); absent: the check above is both readiness and liveness. */
    readonly liveness?: { readonly kind: 'http' | 'tcp' | 'command'; readonly path: string; readonly command?: readonly string[] | undefined; readonly intervalMs: number; readonly timeoutMs: number; readonly failures: number } | undefined;
  };
  readonly routes: readonly {
    readonly host: string;
    readonly path: string;
    /** Rate-limit zone; absent: none (and in releases built before zones existed). */
    readonly rateLimit?: string | undefined;
    /** Basic auth: realm and user → scrypt hash. */
    readonly basicAuth?: { readonly realm: string; readonly users: Readonly<Record<string, string>> } | undefined;
    /** Client addresses (IP or CIDR) let through / refused (403); absent: everyone / none. */
    readonly allow?: readonly string[] | undefined;
    readonly deny?: readonly string[] | undefined;
  }[];
  readonly drainMs: number;
  readonly keepWarmMs: number;
  readonly watchMs: number;
  readonly stopTimeoutMs: number;
  /** How clients keep their release during a canary of this release (undefined: random per request). */
  readonly sticky?: { readonly kind: 'cookie' | 'header'; readonly name: string } | undefined;
  /** The strategy slipway.yaml gave the service (undefined in releases built before it was recorded). */
  readonly strategy?: 'blue-green' | 'canary' | undefined;
  /** Security headers the proxy adds (undefined in releases built before they existed: none). */
  readonly headers?:
    | {
        readonly preset: 'strict' | 'relaxed' | 'off';
        readonly set: Readonly<Record<string, string>>;
        readonly remove: readonly string[];
        /** Rules per path prefix (absent in releases built before they existed: none). */
        readonly paths?: Readonly<Record<string, { readonly set: Readonly<Record<string, string>>; readonly remove: readonly string[] }>> | undefined;
      }
    | undefined;
  /** gzip/brotli of text responses (undefined in releases built before it existed: off). */
  readonly compress?: boolean | undefined;
  /** worker, accessory: not in the proxy's table (absent: web). */
  readonly kind?: 'web' | 'worker' | 'accessory' | undefined;
  /** Output templates other services read (${service:NAME.OUTPUT}); absent: none. */
  readonly outputs?: Readonly<Record<string, string>> | undefined;
  /** System user the instances run as; absent: the daemon's own. */
  readonly user?: string | undefined;
  /** Persistent directories linked into this release (name → path inside it); absent: none. */
  readonly volumes?: Readonly<Record<string, { readonly path: string }>> | undefined;
  /** Where the app exports its own Prometheus metrics (absent: it does not). */
  readonly metrics?: { readonly path: string } | undefined;
}

export interface ReleaseRecord {
  readonly id: string;
  readonly service: string;
  readonly seq: number;
  readonly createdAt: string;
  /** The release's own directory (app/ inside it holds the snapshot). */
  readonly dir: string;
  readonly commit: string | undefined;
  readonly dirty: boolean;
  /** Hash of a folder snapshot's content (undefined: a git snapshot, or a release built before it was kept). */
  readonly contentHash?: string | undefined;
  readonly configHash: string;
  readonly spec: ReleaseSpec;
  readonly status: 'building' | 'ready' | 'failed' | 'pruned';
}

export interface InstanceRecord {
  readonly id: string;
  readonly service: string;
  readonly releaseId: string;
  /** The port the instance was told to listen on ($PORT). */
  readonly port: number;
  /** What its driver returned at start (address, driver-private data); undefined before that. */
  readonly handle: InstanceHandle | undefined;
  readonly state: InstanceState;
  readonly restarts: number;
  readonly lastExit: string | undefined;
  /** Times its memory limit killed it (the engine said so); absent: never. */
  readonly outOfMemoryKills?: number | undefined;
  /** The deployment that started it; recovery stops what an interrupted deployment started. */
  readonly createdBy: string | undefined;
  readonly updatedAt: string;
}

export interface ServiceRecord {
  readonly name: string;
  readonly activeRelease: string | undefined;
  /** Previous release, kept warm until warmUntil (epoch ms) for an instant rollback. */
  readonly previousRelease: string | undefined;
  readonly warmUntil: number | undefined;
  /** A canary in progress: this release takes `weight` of the traffic, the active one the rest. */
  readonly canary?: { readonly release: string; readonly weight: number } | undefined;
}

export interface DeploymentRecord {
  readonly id: string;
  readonly service: string;
  readonly kind: DeploymentKind;
  readonly releaseId: string | undefined;
  readonly fromRelease: string | undefined;
  /** The service's previous (warm) release before this deployment, restored on revert. */
  readonly priorPrevious: string | undefined;
  readonly priorWarmUntil: number | undefined;
  readonly state: DeploymentState;
  readonly startedAt: string;
  readonly endedAt: string | undefined;
  readonly reason: string | undefined;
  readonly errorCode: string | undefined;
  readonly report: unknown;
  /** Progress of a canary deployment, journaled so a restarted daemon carries on. */
  readonly canary?: CanaryProgress | undefined;
  /** Who started it (the CLI's user, host and CI run); absent: recovery, or a record from before it was kept. */
  readonly actor?: Actor | undefined;
  /** The stack deployment this is one service of (absent: a deployment of one service on its own). */
  readonly stackId?: string | undefined;
}

/**
 * A deploy (or rollback) of several services: one record, with a report per service. Each
 * service's own deployment is a DeploymentRecord that names this one (`stackId`).
 */
export interface StackDeploymentRecord {
  readonly id: string;
  readonly kind: DeploymentKind;
  readonly state: 'running' | 'succeeded' | 'failed' | 'reverted';
  readonly startedAt: string;
  readonly endedAt: string | undefined;
  readonly reason: string | undefined;
  readonly errorCode: string | undefined;
  readonly actor?: Actor | undefined;
  /** In deploy order. */
  readonly services: readonly StackServiceReport[];
}

/** What happened to one service of a stack deployment. */
export interface StackServiceReport {
  readonly service: string;
  /** Topological level (0: depends on nothing in this deploy); services of one level run side by side. */
  readonly level: number;
  /** rolled-back: it succeeded, then went back because a later service failed (stack rollback). */
  readonly status: 'pending' | 'running' | 'succeeded' | 'failed' | 'reverted' | 'rolled-back' | 'not-started';
  readonly deploymentId?: string | undefined;
  readonly fromRelease?: string | undefined;
  readonly release?: string | undefined;
  readonly startedAt?: string | undefined;
  readonly endedAt?: string | undefined;
  readonly reason?: string | undefined;
  readonly errorCode?: string | undefined;
  /** Its steps with their start times (what ran side by side with what). */
  readonly steps?: readonly { readonly step: string; readonly at?: string | undefined; readonly ms: number; readonly outcome: 'ok' | 'failed' | 'skipped' }[] | undefined;
  /** The stack rollback's deployment of this service. */
  readonly rollback?: { readonly deploymentId: string; readonly outcome: string; readonly release?: string | undefined; readonly reason?: string | undefined } | undefined;
}

export interface CanaryPlanStep {
  readonly weight: number;
  readonly minHoldMs: number;
  readonly minRequests: number;
  /** The last step: 95 % with the old release kept at 5 % as a live comparison. */
  readonly bake: boolean;
  /**
   * Set when the stable release's rate before the canary cannot bring `minRequests` canary
   * requests within `minHoldMs`: what was expected, and what the user chose (strategy.canary.lowTraffic).
   */
  readonly lowTraffic?: { readonly expected: number; readonly secondsNeeded: number; readonly policy: 'health' | 'hold' } | undefined;
}

export interface CanaryProgress {
  readonly plan: readonly CanaryPlanStep[];
  readonly maxHoldMs: number;
  /** The stable release's rate measured before the canary began, req/s (undefined: unknown). */
  readonly requestsPerSecond?: number | undefined;
  /** The judge's settings, journaled so that a resumed canary judges alike (absent: defaults). */
  readonly judge?: { readonly spec: CanaryJudgeSpec | undefined; readonly warmupMs: number | undefined } | undefined;
  /** Index into the plan (steps, then the bake). */
  readonly step: number;
  readonly weight: number;
  readonly paused: boolean;
  readonly promote: boolean;
  readonly abort: boolean;
}

export interface LockRecord {
  readonly owner: string;
  readonly pid: number;
  readonly deploymentId: string | undefined;
  readonly acquiredAt: string;
  readonly heartbeatAt: string;
  readonly expiresAt: string;
}

export interface JournalEntry {
  readonly seq: number;
  readonly at: string;
  readonly deploymentId: string | undefined;
  readonly kind: string;
  readonly data: unknown;
}
