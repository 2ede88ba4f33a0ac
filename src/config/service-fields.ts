/** Leaf schemas of the stack fields of a service: output names. */
import { z } from 'zod';
import { tag } from './schema-meta.js';

export const OUTPUT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

export const outputName = tag(z.string().regex(OUTPUT_NAME_PATTERN).refine((n) => n !== 'address'), {
  code: 'SLW_CONFIG_OUTPUT_NAME',
  expected: 'an output name (letters, digits, "_", "-"; not "address", which every service has)',
  quoteValue: true,
});
