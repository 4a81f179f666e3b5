/**
 * Writes the generated config artefacts (`npm run generate`): the JSON Schema and
 * the configuration reference. A test fails when the committed copies are stale.
 */
import { writeFileSync } from 'node:fs';
import { REFERENCE_PATH, renderConfigReference, renderJsonSchema, SCHEMA_PATH } from './json-schema.js';

writeFileSync(SCHEMA_PATH, renderJsonSchema());
writeFileSync(REFERENCE_PATH, renderConfigReference());
console.log(`wrote ${SCHEMA_PATH} and ${REFERENCE_PATH}`);
