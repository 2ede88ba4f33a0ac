import type { CodeTable } from '../error-code-info.js';

export const proxyCodes = {
} as const satisfies CodeTable;
