/** Control API methods of `slipway proxy …` and `slipway maintenance …` (spread into `methods` in schemas.ts). */
import { z } from 'zod';
import { ProjectScopeFields } from './project-schemas.js';

export const ProxyProcessSchema = z.strictObject({
  up: z.boolean(),
  pid: z.number().optional(),
  startedAt: z.string().optional(),
  httpPort: z.number().optional(),
  httpsPort: z.number().optional(),
  tableVersion: z.number().optional(),
  /** Set while the proxy cannot bind its listen address. */
  listenError: z.string().optional(),
});

/** One maintenance switch: for one service, or (no service) for every service. */
export const MaintenanceEntrySchema = z.strictObject({
  service: z.string().optional(),
  /** Shown on the 503 page (HTML-escaped there). */
  message: z.string().optional(),
  /** Client addresses (IP or CIDR) that still reach the app. */
  allow: z.array(z.string()),
  since: z.string(),
});

export const MaintenanceStateSchema = z.strictObject({
  entries: z.array(MaintenanceEntrySchema),
  /** Services answered with 503 now (by their own switch or the one for all). */
  services: z.array(z.string()),
});

export const proxyMethods = {
  'proxy.status': { request: z.strictObject({}), response: ProxyProcessSchema, stream: false },
  /** Replaces the proxy process: the new one takes the listening sockets; nothing is refused. */
  'proxy.restart': {
    request: z.strictObject({}),
    response: z.strictObject({
      oldPid: z.number(),
      newPid: z.number(),
      /** Listening sockets handed over (HTTP, and HTTPS when configured). */
      listeners: z.number(),
      httpPort: z.number().optional(),
      httpsPort: z.number().optional(),
    }),
    stream: false,
  },
  maintenance: {
    request: z.strictObject({
      ...ProjectScopeFields,
      action: z.enum(['status', 'on', 'off']),
      /** Absent: every service. */
      service: z.string().min(1).optional(),
      message: z.string().max(2000).optional(),
      allow: z.array(z.string()).max(256).optional(),
    }),
    response: MaintenanceStateSchema,
    stream: false,
  },
} as const;

export type MaintenanceEntry = z.infer<typeof MaintenanceEntrySchema>;
export type MaintenanceState = z.infer<typeof MaintenanceStateSchema>;
