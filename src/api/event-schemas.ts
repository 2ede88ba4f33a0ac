/**
 * The daemon's event stream (`slipway events`, `slipway deploy --follow`): one typed event per
 * thing that happened, numbered in order. Deploy progress carries what the CLI that started
 * the deploy sees (steps, notes), then the deployment's outcome.
 */
import { z } from 'zod';

const shapes = {
  deploy: {
    kind: z.literal('deploy'),
    deploymentId: z.string(),
    service: z.string(),
    step: z.string().optional(),
    phase: z.enum(['begin', 'end', 'fail']).optional(),
    ms: z.number().optional(),
    message: z.string().optional(),
    /** Set on the deployment's last event: its outcome. */
    outcome: z.enum(['succeeded', 'failed', 'reverted']).optional(),
  },
  instance: {
    kind: z.literal('instance'),
    service: z.string(),
    instance: z.string(),
    release: z.string(),
    state: z.string(),
    detail: z.string().optional(),
  },
  proxy: { kind: z.literal('proxy'), what: z.enum(['restarted', 'table']), detail: z.string().optional() },
  certificate: { kind: z.literal('certificate'), host: z.string(), what: z.string(), detail: z.string().optional() },
  backup: { kind: z.literal('backup'), source: z.string(), what: z.string(), detail: z.string().optional() },
  alert: { kind: z.literal('alert'), rule: z.string(), service: z.string().optional(), state: z.enum(['firing', 'resolved']), detail: z.string().optional() },
} as const;

const numbered = { seq: z.number().int().positive(), at: z.string() };

export const EventInputSchema = z.discriminatedUnion('kind', [
  z.strictObject(shapes.deploy),
  z.strictObject(shapes.instance),
  z.strictObject(shapes.proxy),
  z.strictObject(shapes.certificate),
  z.strictObject(shapes.backup),
  z.strictObject(shapes.alert),
]);

export const SlipwayEventSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...shapes.deploy, ...numbered }),
  z.strictObject({ ...shapes.instance, ...numbered }),
  z.strictObject({ ...shapes.proxy, ...numbered }),
  z.strictObject({ ...shapes.certificate, ...numbered }),
  z.strictObject({ ...shapes.backup, ...numbered }),
  z.strictObject({ ...shapes.alert, ...numbered }),
]);

export type EventInput = z.infer<typeof EventInputSchema>;
export type SlipwayEvent = z.infer<typeof SlipwayEventSchema>;
export type EventKind = EventInput['kind'];
export const EVENT_KINDS = Object.keys(shapes) as EventKind[];
