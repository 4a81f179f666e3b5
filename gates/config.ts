/**
 * The schema of `.github/quality-gates.yml` (docs/behaviour.md#configuration): the single source of the
 * config types, the defaults, the JSON Schema and the configuration reference.
 * Strict everywhere: an unknown key is an error, so a typo never silently
 * disables a gate.
 */
import { z } from 'zod';
import { limitGlobsPerConfig, Mode } from './config-fields.js';
import { GATE_IDS, gatesShape, type GateId } from './registry.js';

/** Most entries of `overrides.allowed` (each team costs a members read, cached). */
export const MAX_OVERRIDE_PRINCIPALS = 100;

/**
 * A login (`lead`, `@lead`, `deploy-bot[bot]`) or an `@org/team` slug, as GitHub spells them: a team
 * resolves through the app's team cache, a login compares without regard to case.
 */
const OverridePrincipal = z
  .string()
  .trim()
  .regex(/^@?[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$|^@?[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9_.-]{1,100}$/, {
    message: 'must be a login (`lead`, `@lead`, `app[bot]`) or a team slug (`@org/team`)',
  });

/** Where repository config lives, in the repository and in the org's `.github` repository. */
export const CONFIG_PATH = '.github/quality-gates.yml';

export const QualityGatesConfig = z
  .strictObject({
    _extends: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Start from another config file: `.github` (the org's .github repository), `repo`, `owner/repo`, optionally `:path/to/file.yml`.",
      ),
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
        drafts: z
          .boolean()
          .default(true)
          .describe('Draft PRs get a neutral "skipped" check run until ready for review.'),
        authors: z
          .array(z.string().min(1))
          .default([])
          .describe('Logins exempt from every gate, e.g. "dependabot[bot]" (case-insensitive).'),
        labels: z
          .array(z.string().min(1))
          .default([])
          .describe('A PR carrying one of these labels is not evaluated: a neutral run names the label.'),
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
      .describe(
        'Per-gate settings. The first five gates are on (mode `defaults.mode`) unless configured otherwise; the gates added later (pr-description, conventional-title, branch-age) are off until their own `mode` turns them on.',
      ),
    overrides: z
      .strictObject({
        allowed: z
          .array(OverridePrincipal)
          .max(MAX_OVERRIDE_PRINCIPALS)
          .default([])
          .describe(
            'Logins and `@org/team` slugs who may override a gate with `/gates override <gate-id|all> <reason>` (docs/overrides.md); empty = nobody (overrides are off).',
          ),
        gates: z
          .array(
            z.string().refine((id): id is GateId => (GATE_IDS as readonly string[]).includes(id), {
              message: `must be a gate id: ${GATE_IDS.join(', ')}`,
            }),
          )
          .default([])
          .describe('Gates that may be overridden; empty = every gate.'),
        expire_on_push: z
          .boolean()
          .default(true)
          .describe(
            'An override covers the head commit it was given on; a new push needs a new one. `false`: it holds until the pull request is closed.',
          ),
      })
      .prefault({})
      .describe(
        'Break-glass overrides: who may mark a failing gate as passed, for which gates, and for how long (docs/overrides.md).',
      ),
  })
  .describe('Quality Gates configuration (.github/quality-gates.yml).');

export type QualityGatesConfigInput = z.input<typeof QualityGatesConfig>;
export type QualityGatesConfig = z.output<typeof QualityGatesConfig>;

/** Built-in defaults: the first five gates on, mode `block`; the gates added later off (docs/compatibility.md). */
export const DEFAULT_CONFIG: QualityGatesConfig = QualityGatesConfig.parse({});
