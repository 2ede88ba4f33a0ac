import type { CodeTable } from '../error-code-info.js';

export const releaseCodes = {
} as const satisfies CodeTable;
