import type { CodeTable } from '../error-code-info.js';

export const configCodes = {
} as const satisfies CodeTable;
