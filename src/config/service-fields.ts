/** Leaf schemas of the stack fields of a service: output names and the system user. */
import { z } from 'zod';
import { tag } from './schema-meta.js';

export const OUTPUT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
/** A POSIX user name as useradd accepts it. */
const USER_PATTERN = /^[a-z_][a-z0-9_-]{0,31}$/;

export const outputName = tag(z.string().regex(OUTPUT_NAME_PATTERN).refine((n) => n !== 'address'), {
  code: 'SLW_CONFIG_OUTPUT_NAME',
  expected: 'an output name (letters, digits, "_", "-"; not "address", which every service has)',
  quoteValue: true,
});

export const systemUser = tag(z.string().regex(USER_PATTERN), {
  code: 'SLW_CONFIG_INVALID_TYPE',
  expected: 'a system user name, such as postgres',
  quoteValue: true,
});
