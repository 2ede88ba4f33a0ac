import type { CodeTable } from '../error-code-info.js';

export const apiCodes = {
} as const satisfies CodeTable;
