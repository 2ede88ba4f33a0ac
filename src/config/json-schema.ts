/** JSON Schema of slipway.yaml, for `slipway schema` and editor completion. */
import { z } from 'zod';
import { fileSchema } from './schema.js';

export function configJsonSchema(): object {
  const schema = z.toJSONSchema(fileSchema, { io: 'input', target: 'draft-2020-12' });
  return { ...schema, title: 'slipway.yaml', description: 'slipway deploy configuration, format version 1.' };
}
