/**
 * The control API's methods for the dashboard: its access token, and the request counters of
 * the last hour it draws. Every other page of the dashboard reads the methods the CLI reads.
 */
import { z } from 'zod';
import { ProjectScopeFields } from './project-schemas.js';

/** One sample of a release's traffic: requests and failures in the interval ending at `at`, its p99. */
export const TrafficPointSchema = z.strictObject({
  at: z.string(),
  requests: z.number().int().nonnegative(),
  /** 5xx answers, connection errors and timeouts. */
  errors: z.number().int().nonnegative(),
  /** Of the requests in the interval, in ms; absent when there were none. */
  p99: z.number().nonnegative().optional(),
});

export const ReleaseTrafficSchema = z.strictObject({
  project: z.string(),
  service: z.string(),
  release: z.string(),
  points: z.array(TrafficPointSchema),
});

/** CPU time and memory of one live instance, as its driver reports them. */
export const InstanceUsageSchema = z.strictObject({
  service: z.string(),
  release: z.string(),
  instance: z.string(),
  /** CPU time since the instance started (user + system). */
  cpuSeconds: z.number().nonnegative(),
  memoryBytes: z.number().nonnegative(),
});

export const dashboardMethods = {
  /** `slipway dashboard token`: a new token (shown once; only its hash is kept); every session of the old one ends. */
  'dashboard.token': {
    request: z.strictObject({}),
    response: z.strictObject({ token: z.string(), createdAt: z.string(), endedSessions: z.number().int().nonnegative() }),
    stream: false,
  },
  /** The proxy's counters per release over the last hour, sampled by the daemon (the dashboard's sparklines). */
  traffic: {
    request: z.strictObject({ project: z.string().optional(), service: z.string().optional() }),
    response: z.strictObject({ intervalMs: z.number().int().positive(), releases: z.array(ReleaseTrafficSchema) }),
    stream: false,
  },
  /** CPU and memory of a project's live instances (those whose driver reports them). */
  usage: {
    request: z.strictObject(ProjectScopeFields),
    response: z.strictObject({ instances: z.array(InstanceUsageSchema) }),
    stream: false,
  },
} as const;
