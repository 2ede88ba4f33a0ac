/** JSON Schema of slipway.yaml, for `slipway schema` and editor completion. */
import { z } from 'zod';
import { fileSchema } from './schema.js';

export function configJsonSchema(): object {
  const schema = z.toJSONSchema(fileSchema, { io: 'input', target: 'draft-2020-12' }) as { properties?: { services?: { additionalProperties?: Record<string, unknown> } } };
  // A service needs a start command unless an image gives one (the loader's semantic stage says so too).
  const service = schema.properties?.services?.additionalProperties;
  if (service) service['anyOf'] = [{ required: ['run'] }, { required: ['image'] }, { required: ['dockerfile'] }];
  return { ...schema, title: 'slipway.yaml', description: 'slipway deploy configuration, format version 1.' };
}
