/**
 * The schema of `.github/quality-gates.yml` (SPEC §4): the single source of the
 * config types, the defaults, the JSON Schema and the configuration reference.
 * Strict everywhere: an unknown key is an error, so a typo never silently
 * disables a gate.
 */
import { z } from 'zod';
import { limitGlobsPerConfig, Mode } from './config-fields.js';
import { gatesShape } from './registry.js';

/** Where repository config lives, in the repository and in the org's `.github` repository. */
export const CONFIG_PATH = '.github/quality-gates.yml';

export const QualityGatesConfig = z
  .strictObject({
    _extends: z
      .string()
      .min(1)
      .optional()
      .describe('Start from another config file: `.github` (the org\'s .github repository), `repo`, `owner/repo`, optionally `:path/to/file.yml`.'),
    defaults: z
      .strictObject({
        mode: Mode.default('block').describe('Mode of every gate that sets none: block, warn or off.'),
      })
      .prefault({})
      .describe('Defaults for every gate.'),
    checks: z
      .strictObject({
        name: z.string().trim().min(1).max(100).default('Quality Gates').describe('Name of the aggregate check run.'),
        per_gate: z.boolean().default(false).describe('Also post one check run per gate, named "<name> / <gate-id>".'),
      })
      .prefault({})
      .describe('The check runs the app posts.'),
    skip: z
      .strictObject({
        drafts: z.boolean().default(true).describe('Draft PRs get a neutral "skipped" check run until ready for review.'),
        authors: z.array(z.string().min(1)).default([]).describe('Logins exempt from every gate, e.g. "dependabot[bot]" (case-insensitive).'),
        labels: z.array(z.string().min(1)).default([]).describe('A PR carrying one of these labels is not evaluated: a neutral run names the label.'),
      })
      .prefault({})
      .describe('Pull requests that are not evaluated.'),
    on_error: z
      .enum(['failure', 'neutral'])
      .default('failure')
      .describe('The conclusion when GitHub cannot be read after retries.'),
    gates: z
      .strictObject(gatesShape())
      .superRefine(limitGlobsPerConfig)
      .prefault({})
      .describe('Per-gate settings. The first five gates are on (mode `defaults.mode`) unless configured otherwise; the gates added later (pr-description, conventional-title, branch-age) are off until their own `mode` turns them on.'),
  })
  .describe('Quality Gates configuration (.github/quality-gates.yml).');

export type QualityGatesConfigInput = z.input<typeof QualityGatesConfig>;
export type QualityGatesConfig = z.output<typeof QualityGatesConfig>;

/** Built-in defaults: the first five gates on, mode `block`; the gates added later off (docs/compatibility.md). */
export const DEFAULT_CONFIG: QualityGatesConfig = QualityGatesConfig.parse({});
