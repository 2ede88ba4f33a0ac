/** The response status classes the proxy counts (kept apart from the zod protocol: the daemon's metrics read them without zod). */
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];
