import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { DURATION_PATTERN } from '../../src/config/schema-fields.js';
import { parseDuration } from '../../src/lib/duration.js';

test('JSON Schema describes the file format', () => {
  const schema = configJsonSchema() as Record<string, any>;
  assert.equal(schema['$schema'], 'https://json-schema.org/draft/2020-12/schema');
  assert.deepEqual(schema['required'], ['version', 'services']);
  assert.equal(schema['additionalProperties'], false);
  const services = schema['properties']['services'];
  assert.equal(services['propertyNames']['pattern'], '^[a-z][a-z0-9-]{0,62}$');
  const service = services['additionalProperties'];
  assert.deepEqual(service['anyOf'], [{ required: ['run'] }, { required: ['image'] }, { required: ['dockerfile'] }], 'run, unless an image or a Dockerfile gives the command');
  assert.ok(service['properties']['image'] && service['properties']['dockerfile'] && service['properties']['buildArgs']);
  assert.equal(service['properties']['drain']['default'], '30s');
  assert.equal(service['properties']['instances']['maximum'], 64);
  assert.ok(schema['properties']['environments'], 'environments are described');
  assert.match(JSON.stringify(schema), /"services"/);
});

test('the schema duration pattern accepts exactly what parseDuration accepts', () => {
  for (const text of ['1s', '500ms', '1.5s', '10m', '2h', '1d', '0ms', '30', '30 s', 's', '1w', '-1s', '1.s', '1S', ' 1s']) {
    assert.equal(DURATION_PATTERN.test(text), parseDuration(text) !== undefined && text === text.trim(), text);
  }
});
