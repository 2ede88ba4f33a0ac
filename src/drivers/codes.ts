import type { CodeTable } from '../error-code-info.js';

export const driverCodes = {
} as const satisfies CodeTable;
