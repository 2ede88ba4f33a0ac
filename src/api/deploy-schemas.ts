/**
 * The deploy side of the CLI ⇄ daemon contract: the progress events a deploy or rollback
 * streams, the result and report of each deployment, and how history and canaries are shown.
 */
import { z } from 'zod';
import { SlipwayEventSchema } from './event-schemas.js';

export const SerializedErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string(),
  location: z.object({ file: z.string(), line: z.number(), col: z.number() }).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const ReleaseReportSchema = z.strictObject({
  release: z.string(),
  requests: z.number(),
  errors5xx: z.number(),
  connErrors: z.number(),
  timeouts: z.number(),
});

export const LatencySummarySchema = z.strictObject({ p50: z.number(), p99: z.number(), requests: z.number() });

/** One judge test over a canary step (counts are cumulative since the canary began, as the judge keeps them). */
export const CanaryTestReportSchema = z.strictObject({
  state: z.enum(['passed', 'failed', 'not judged', 'off']),
  /** ln(e-value) / ln(1/α) when the step ended, floored to 0.001: 1 means rolled back. */
  evidence: z.number(),
  peak: z.number(),
  /** Failures (errors) or slow requests (p95, p99), and the requests they are out of. */
  canary: z.number(),
  canaryRequests: z.number(),
  stable: z.number(),
  stableRequests: z.number(),
  thresholdMs: z.number().optional(),
  canaryThresholdMs: z.number().optional(),
  /** Why the test took no data in the step's last second. */
  idle: z.string().optional(),
});

export const DeployReportSchema = z.strictObject({
  /** Requests and failures per release while the deploy ran (from the proxy's own counts). */
  releases: z.array(ReleaseReportSchema),
  latencyBefore: LatencySummarySchema.optional(),
  latencyAfter: LatencySummarySchema.optional(),
  /** Each step with when it began (absent in records from before it was kept). */
  steps: z.array(z.strictObject({ step: z.string(), at: z.string().optional(), ms: z.number(), outcome: z.enum(['ok', 'failed', 'skipped']) })),
  /** Canary deploys: per step, its weight, the traffic of each release, and the judge's evidence over time. */
  canary: z
    .array(
      z.strictObject({
        weight: z.number(),
        ms: z.number(),
        outcome: z.enum(['next', 'promote', 'rollback', 'abort']),
        releases: z.array(
          z.strictObject({ release: z.string(), requests: z.number(), failures: z.number(), p50: z.number().optional(), p99: z.number().optional() }),
        ),
        /** Evidence as a fraction of the rollback threshold (1 = roll back), sampled every 5 s and at the step's end. */
        evidence: z.array(z.strictObject({ atMs: z.number(), errors: z.number(), p95: z.number(), p99: z.number() })),
        /** Why the step ran at this weight and how it was meant to end (first weight, low traffic). */
        why: z.string().optional(),
        /** Per test, the judge's numbers when the step ended: the figures behind its verdict. */
        tests: z
          .strictObject({ errors: CanaryTestReportSchema, p95: CanaryTestReportSchema, p99: CanaryTestReportSchema })
          .optional(),
      }),
    )
    .optional(),
});

export const DeployResultSchema = z.strictObject({
  deploymentId: z.string(),
  service: z.string(),
  kind: z.enum(['deploy', 'rollback']),
  outcome: z.enum(['succeeded', 'failed', 'reverted']),
  release: z.string().optional(),
  fromRelease: z.string().optional(),
  durationMs: z.number(),
  /** From the request arriving to the proxy acknowledging the new table. */
  switchMs: z.number().optional(),
  /** Of which: waiting for the new instances to become healthy (the app's own boot). */
  gateMs: z.number().optional(),
  reason: z.string().optional(),
  errorCode: z.string().optional(),
  report: DeployReportSchema,
});

/** Who ran a deploy or rollback, as the CLI reports it (user, host, the CI run when there is one). */
export const ActorSchema = z.strictObject({ user: z.string().max(256), host: z.string().max(256), ci: z.string().max(512).optional() });

/** One service of a stack deployment: what happened to it, its releases, timings and why. */
export const StackServiceViewSchema = z.strictObject({
  service: z.string(),
  /** Its dependsOn level: services of one level deploy side by side. */
  level: z.number(),
  /** rolled-back: it succeeded, then went back because another service failed (stack rollback). */
  status: z.enum(['pending', 'running', 'succeeded', 'failed', 'reverted', 'rolled-back', 'not-started']),
  deploymentId: z.string().optional(),
  fromRelease: z.string().optional(),
  release: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  durationMs: z.number().optional(),
  reason: z.string().optional(),
  errorCode: z.string().optional(),
  steps: z.array(z.strictObject({ step: z.string(), at: z.string().optional(), ms: z.number(), outcome: z.enum(['ok', 'failed', 'skipped']) })).optional(),
  rollback: z.strictObject({ deploymentId: z.string(), outcome: z.string(), release: z.string().optional(), reason: z.string().optional() }).optional(),
});

export const DeploymentViewSchema = z.strictObject({
  id: z.string(),
  service: z.string(),
  kind: z.enum(['deploy', 'rollback']),
  release: z.string().optional(),
  fromRelease: z.string().optional(),
  state: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  reason: z.string().optional(),
  errorCode: z.string().optional(),
  actor: ActorSchema.optional(),
  /** A service's deployment made as part of this stack deployment. */
  stackId: z.string().optional(),
  /** A stack deployment (several services deployed or rolled back as one): a report per service; `service` lists them. */
  services: z.array(StackServiceViewSchema).optional(),
});

export const ProgressEventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('step'),
    service: z.string(),
    step: z.string(),
    phase: z.enum(['begin', 'end', 'fail']),
    ms: z.number().optional(),
    detail: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('note'), service: z.string().optional(), message: z.string() }),
  /** `stack`: the stack deployment, when several services were deployed or rolled back as one. */
  z.strictObject({ type: z.literal('result'), results: z.array(DeployResultSchema), stack: DeploymentViewSchema.optional() }),
  z.strictObject({ type: z.literal('error'), error: SerializedErrorSchema, results: z.array(DeployResultSchema), stack: DeploymentViewSchema.optional() }),
  /** `slipway events`: one event of the daemon's bus. */
  z.strictObject({ type: z.literal('event'), event: SlipwayEventSchema }),
]);

export const CanaryViewSchema = z.strictObject({
  service: z.string(),
  deploymentId: z.string(),
  stable: z.string(),
  canary: z.string(),
  /** 1-based step of the plan (the last one is the bake at 95 %). */
  step: z.number(),
  steps: z.number(),
  weight: z.number(),
  paused: z.boolean(),
  note: z.string().optional(),
  /** Time in the current step (absent: no step is being judged right now, e.g. just after a daemon restart). */
  stepMs: z.number().nonnegative().optional(),
  /** The judge's latest evidence per test as a share of its rollback threshold: 1 rolls the canary back. */
  evidence: z.strictObject({ errors: z.number().nonnegative(), p95: z.number().nonnegative(), p99: z.number().nonnegative() }).optional(),
});
