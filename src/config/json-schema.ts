/**
 * The JSON Schema of `.github/quality-gates.yml` and the configuration reference,
 * both generated from the zod schema (the single source). The committed copies —
 * `docs/quality-gates.schema.json` and `docs/configuration.md` — are regenerated
 * with `npm run generate`, and a test fails when they are stale.
 */
import { z } from 'zod';
import { QualityGatesConfig } from './schema.js';

/** Where the committed JSON Schema lives (a stable path: editors point at it). */
export const SCHEMA_PATH = 'docs/quality-gates.schema.json';
export const REFERENCE_PATH = 'docs/configuration.md';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  [key: string]: unknown;
};

/** The JSON Schema (draft 2020-12) of the config file, as users write it (defaults shown, every key optional). */
export function configJsonSchema(): JsonSchema {
  const generated = z.toJSONSchema(QualityGatesConfig, { io: 'input', target: 'draft-2020-12' }) as JsonSchema;
  return {
    $schema: generated.$schema,
    title: 'Quality Gates configuration',
    ...stripNoise(generated),
  };
}

/** Drops JavaScript's safe-integer bounds, which say nothing to a user. */
function stripNoise(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$schema') continue;
    if ((key === 'maximum' && value === Number.MAX_SAFE_INTEGER) || (key === 'minimum' && value === Number.MIN_SAFE_INTEGER)) continue;
    if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, stripNoise(v)]));
    } else if (key === 'items' && value && typeof value === 'object') {
      out.items = stripNoise(value as JsonSchema);
    } else {
      out[key] = value;
    }
  }
  return out;
}

export function renderJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'values'}`;
  if (s.type === 'object') return 'mapping';
  if (s.type === 'integer') return `integer${s.minimum !== undefined ? ` ≥ ${s.minimum}` : ''}`;
  return String(s.type ?? 'any');
}

function defaultOf(s: JsonSchema): string {
  if (s.default === undefined || (s.type === 'object' && JSON.stringify(s.default) === '{}')) return '—';
  return `\`${JSON.stringify(s.default)}\``;
}

/** The configuration reference page, one table row per key. */
export function renderConfigReference(): string {
  const schema = configJsonSchema();
  const rows: string[] = [];
  const walk = (props: Record<string, JsonSchema> | undefined, prefix: string) => {
    for (const [key, sub] of Object.entries(props ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      rows.push(`| \`${path}\` | ${typeOf(sub)} | ${defaultOf(sub)} | ${(sub.description ?? '').replace(/\|/g, '\\|')} |`);
      if (sub.type === 'object') walk(sub.properties, path);
    }
  };
  walk(schema.properties, '');
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run generate`; do not edit by hand. -->',
    '',
    'The file is `.github/quality-gates.yml`, read at the pull request\'s base commit (then the organisation\'s',
    '`.github` repository, then these defaults). Every key is optional; unknown keys and wrong types are errors.',
    '',
    `Editors that speak the YAML language server validate and complete the file with the JSON Schema in`,
    `[\`${SCHEMA_PATH.replace('docs/', '')}\`](${SCHEMA_PATH.replace('docs/', '')}): put this first line in the file:`,
    '',
    '```yaml',
    `# yaml-language-server: $schema=https://raw.githubusercontent.com/<org>/quality-gates/main/${SCHEMA_PATH}`,
    '```',
    '',
    '| key | type | default | meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
