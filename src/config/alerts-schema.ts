/** The `alerts:` section of slipway.yaml: notifiers, and rules on top of the built-in ones. */
import { z } from 'zod';
import { duration, durationValue } from './schema-fields.js';
import { BUILTIN_EVALUATION } from '../observability/alerting/builtin-rules.js';
import { parseThreshold, SIGNALS } from '../observability/alerting/signals.js';
import { hasRefs, replaceRefs } from '../secrets/reference.js';

/**
 * A URL in which ${secret:NAME} may stand for the whole of it (checked when the daemon reads the
 * value) or a part (credentials, a token in the path: checked with the reference in its place).
 */
function urlOrSecret(protocol: RegExp): z.ZodString {
  const plain = z.url({ protocol });
  return z.string().superRefine((value, ctx) => {
    if (hasRefs(value) && replaceRefs(value, () => '').trim() === '') return;
    const checked = plain.safeParse(hasRefs(value) ? replaceRefs(value, () => 'secret') : value);
    if (!checked.success) for (const issue of checked.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
  });
}

const url = urlOrSecret(/^https?$/).describe('http(s) URL; ${secret:NAME} allowed (all of it or a part).');
const notifierName = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/).optional().describe('Name for `slipway alerts test` (default: the type, then type-2, ...).');

export const notifierSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('webhook'),
    name: notifierName,
    url,
    secret: z
      .string()
      .refine((v) => hasRefs(v) || v.length >= 16, { message: 'Too small: expected string to have >=16 characters' })
      .optional()
      .describe('Key of the HMAC-SHA256 signature header (X-Slipway-Signature), at least 16 characters; ${secret:NAME} recommended; never logged.'),
  }),
  z.strictObject({ type: z.literal('slack'), name: notifierName, url }),
  z.strictObject({
    type: z.literal('email'),
    name: notifierName,
    smtp: urlOrSecret(/^smtps?$/).describe('smtp://[user:pass@]host:port (STARTTLS when offered) or smtps://; ${secret:NAME} allowed (all of it or the password).'),
    from: z.email(),
    to: z.array(z.email()).min(1),
  }),
  z.strictObject({ type: z.literal('alertmanager'), name: notifierName, url }),
]);

const threshold = z.union([z.number(), z.string()]);

export const alertRuleSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/).describe('A built-in rule to tune, or a new rule.'),
    enabled: z.boolean().optional().describe('false turns a built-in rule off.'),
    service: z.string().optional().describe('Only this service (default: every service).'),
    metric: z.enum(SIGNALS).optional().describe('What a custom rule watches.'),
    above: threshold.optional(),
    below: threshold.optional(),
    for: durationValue().optional().describe('How long the condition must hold before the alert fires.'),
    severity: z.enum(['critical', 'warning', 'info']).optional(),
    summary: z.string().optional(),
    hint: z.string().optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.above !== undefined && rule.below !== undefined) ctx.addIssue({ code: 'custom', path: ['below'], message: 'give above or below, not both' });
    const signal = rule.metric ?? BUILTIN_EVALUATION[rule.name]?.signal;
    if (!signal) {
      if (rule.enabled !== false) ctx.addIssue({ code: 'custom', path: ['metric'], message: `"${rule.name}" is no built-in rule: a custom rule needs metric and above or below` });
      return;
    }
    if (!BUILTIN_EVALUATION[rule.name] && rule.above === undefined && rule.below === undefined) {
      ctx.addIssue({ code: 'custom', path: ['above'], message: 'a custom rule needs above or below' });
    }
    for (const key of ['above', 'below'] as const) {
      const value = rule[key];
      if (value !== undefined && parseThreshold(signal, value) === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `not a threshold for ${signal}` });
    }
  });

export const alertsSchema = z.strictObject({
  interval: duration('10s', 'Time between evaluations of the rules'),
  window: duration('5m', 'Window of the rates (error rate, latency, request rate)'),
  repeat: duration('4h', 'Time after which a still-firing group is sent again'),
  notify: z.array(notifierSchema).default([]).describe('Where alerts go: webhook, slack, email, alertmanager.'),
  rules: z.array(alertRuleSchema).default([]).describe('Tuned built-in rules and custom rules.'),
});

export type ParsedAlerts = z.output<typeof alertsSchema>;
