import type { CodeTable } from '../error-code-info.js';

export const engineCodes = {
} as const satisfies CodeTable;
