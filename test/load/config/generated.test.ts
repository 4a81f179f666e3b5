/**
 * The committed JSON Schema and configuration reference are regenerated in memory
 * and compared: a schema change without `npm run generate` fails here. The schema
 * is also used as an editor would use it, on sample files.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_BATCH_EXCLUDE_KINDS, type DefaultExcludeKind } from '../../../gates/config-fields.js';
import { compileGlobs } from '../../../gates/lib/glob.js';
import {
  BATCH_EXCLUDE_NOTES,
  configJsonSchema,
  REFERENCE_PATH,
  renderConfigReference,
  renderJsonSchema,
  SCHEMA_PATH,
} from '../../../src/load/config/json-schema.js';

describe('generated config artefacts', () => {
  it(`${SCHEMA_PATH} is up to date (run npm run generate)`, () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(renderJsonSchema());
  });

  it(`${REFERENCE_PATH} is up to date (run npm run generate)`, () => {
    expect(readFileSync(REFERENCE_PATH, 'utf8')).toBe(renderConfigReference());
  });

  it('describes every key and shows defaults', () => {
    const schema = configJsonSchema() as {
      properties: Record<string, { description?: string; properties?: Record<string, { default?: unknown }> }>;
    };
    expect(Object.keys(schema.properties)).toEqual([
      '_extends',
      'defaults',
      'checks',
      'skip',
      'on_error',
      'gates',
      'overrides',
    ]);
    expect(schema.properties.checks?.properties?.name?.default).toBe('Quality Gates');
    const reference = renderConfigReference();
    for (const key of [
      'gates.batch-size.max_lines',
      'gates.codeowners-review.dismiss_stale',
      'skip.labels',
      'on_error',
    ])
      expect(reference).toContain(`\`${key}\``);
  });
});

/** A minimal validator of the JSON Schema subset the generated schema uses, standing in for an editor. */
function validate(schema: any, value: unknown, path = ''): string[] {
  const errors: string[] = [];
  const t = schema.type;
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: not one of ${schema.enum.join(', ')}`];
  if (t === 'object') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: not a mapping`];
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties?.[k];
      if (!sub) {
        if (schema.additionalProperties === false) errors.push(`${path}.${k}: unknown key`);
        continue;
      }
      errors.push(...validate(sub, v, `${path}.${k}`));
    }
  } else if (t === 'array') {
    if (!Array.isArray(value)) return [`${path}: not a list`];
    value.forEach((v, i) => errors.push(...validate(schema.items ?? {}, v, `${path}[${i}]`)));
  } else if (t === 'integer' && !Number.isInteger(value)) errors.push(`${path}: not an integer`);
  else if (t === 'string' && typeof value !== 'string') errors.push(`${path}: not a string`);
  else if (t === 'boolean' && typeof value !== 'boolean') errors.push(`${path}: not a boolean`);
  return errors;
}

describe('the JSON Schema on sample files', () => {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
  it.each([
    [
      'README example',
      'defaults: { mode: warn }\ngates:\n  batch-size: { max_lines: 300, exclude: ["vendor/"] }\n  signed-commits: { require: signoff }\n',
      0,
    ],
    ['typo in a key', 'gates:\n  batch-size: { max_line: 300 }\n', 1],
    ['wrong enum', 'on_error: maybe\n', 1],
    ['wrong type', 'skip: { drafts: "yes" }\n', 1],
  ])('%s', (_name, text, errors) => {
    expect(validate(schema, parse(text))).toHaveLength(errors);
  });
});

describe('the notes on the default batch-size excludes (docs/configuration.md)', () => {
  const kinds = Object.entries(DEFAULT_BATCH_EXCLUDE_KINDS) as [DefaultExcludeKind, readonly string[]][];
  const tokensOf = (kind: DefaultExcludeKind) =>
    BATCH_EXCLUDE_NOTES[kind].flatMap((n) => [...n.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));

  it.each(kinds)('name every glob of the kind %s under that kind', (kind, globs) => {
    const named = new Set(tokensOf(kind));
    expect(globs.filter((g) => !named.has(g) && !named.has(g.replace(/^\*\*\//, '')))).toEqual([]);
  });

  it.each(kinds)('name nothing the kind %s does not exclude', (kind, globs) => {
    const excluded = compileGlobs(globs, { filesOnly: true });
    const example = (t: string) => (t.endsWith('/') ? `${t}x` : t).replace(/\*/g, 'x');
    expect(tokensOf(kind).filter((t) => !excluded(example(t)))).toEqual([]);
  });
});
