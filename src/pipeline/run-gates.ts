/**
 * The pure heart of an evaluation: a config and a snapshot in, the verdict out -- which gates the
 * config enables, why a pull request is skipped, each gate's outcome (a gate that throws fails
 * closed), the notes above the table. No I/O: the app (src/pipeline/evaluate.ts) and the command
 * line (src/cli/commands/check.ts) build their verdicts with `verdictFor`, so they cannot differ.
 */
import { GATES, type BoundGate, type GateId, type GateResult, type Text } from '../../gates/registry.js';
import type { GateContext } from '../../gates/context.js';
import type { QualityGatesConfig } from '../../gates/config.js';
import type { PullRequestSnapshot } from '../../gates/snapshot.js';
import { outcomeOf, type GateOutcome, type Verdict } from '../checks/verdict.js';
import { GATE_MEMORY } from './gate-memory.js';
import { BASE_CONFIGS, type PreparedSource } from './prepared-configs.js';

/** A gate the config enables, bound to its settings, with its resolved mode. */
export interface EnabledGate {
  readonly gate: BoundGate<GateId>;
  readonly mode: 'block' | 'warn';
}

/** Gates the config enables (mode not `off`), in registry order. */
export function enabledGates(config: QualityGatesConfig): EnabledGate[] {
  return GATES.flatMap((definition) => {
    const gate = definition.bind(config.gates, config.defaults.mode);
    return gate.mode === 'off' ? [] : [{ gate, mode: gate.mode }];
  });
}

/**
 * The teams (`org/team`) whose members the enabled gates need in `pr.teams`, for the loader to read.
 * `memory`: as for `runGates`, so that what a gate computes here (CODEOWNERS compiled) serves its evaluation.
 */
export function teamsNeeded(
  pr: PullRequestSnapshot,
  config: QualityGatesConfig,
  memory: GateContext = GATE_MEMORY,
): string[] {
  return [...new Set(enabledGates(config).flatMap(({ gate }) => gate.teamsNeeded(pr, memory)))].sort();
}

/**
 * Runs the enabled gates; a gate that throws fails closed, visibly. `source` gives each gate
 * compiled for its settings: the shared cache for the base branch's config, `PREPARE_FRESH` for a
 * proposed one. `memory`: what the gates share and keep (src/pipeline/gate-memory.ts).
 */
export function runGates(
  pr: PullRequestSnapshot,
  config: QualityGatesConfig,
  source: PreparedSource = BASE_CONFIGS,
  memory: GateContext = GATE_MEMORY,
): GateOutcome[] {
  return enabledGates(config).map(({ gate, mode }) => {
    let res: GateResult;
    try {
      res = source.compiled(gate).evaluate(pr, memory);
    } catch (error) {
      res = {
        status: 'fail',
        reason: 'The gate could not evaluate this pull request',
        details: [
          { kind: 'paragraph', text: `Internal error: ${error instanceof Error ? error.message : String(error)}` },
        ],
        fix: [
          {
            kind: 'paragraph',
            text: 'This is a fault in Quality Gates, not in the pull request. Re-run the check; if it persists, report it to the operators with the head commit.',
          },
        ],
      };
    }
    return outcomeOf(gate.id, gate.title, mode, res);
  });
}

/** Why a PR is not evaluated (`skip`, docs/behaviour.md#configuration), or undefined. */
export function skipReason(
  pr: PullRequestSnapshot,
  config: QualityGatesConfig,
): { title: string; reason: Text } | undefined {
  if (config.skip.drafts && pr.isDraft) {
    return {
      title: 'Skipped: draft pull request',
      reason: 'This pull request is a draft; the gates run when it is marked ready for review.',
    };
  }
  const author = pr.author.login.toLowerCase();
  if (config.skip.authors.some((a) => a.toLowerCase() === author)) {
    return {
      title: `Skipped: author ${pr.author.login} is exempt`,
      reason: [
        'The author ',
        { code: pr.author.login },
        ' is listed in ',
        { code: 'skip.authors' },
        '; no gate applies.',
      ],
    };
  }
  const label = pr.labels.find((l) => config.skip.labels.includes(l));
  if (label !== undefined) {
    return {
      title: `Skipped: label ${label}`,
      reason: [
        'This pull request carries the label ',
        { code: label },
        ', listed in ',
        { code: 'skip.labels' },
        '; no gate applies.',
      ],
    };
  }
  return undefined;
}

/** Notes shown above the gate sections. */
export function notesFor(pr: PullRequestSnapshot): Text[] {
  const notes: Text[] = [];
  if (pr.files.truncated)
    notes.push(
      `GitHub lists at most ${pr.files.nodes.length.toLocaleString('en-US')} of this pull request's ${pr.totals.changedFiles.toLocaleString('en-US')} changed files; gates that need every file fail rather than pass on a partial list.`,
    );
  if (pr.commits.truncated)
    notes.push(
      `GitHub lists at most ${pr.commits.nodes.length} of this pull request's ${pr.commits.totalCount} commits; gates that need every commit fail rather than pass on a partial list.`,
    );
  return notes;
}

/**
 * The verdict on `pr` under `config`: skipped (drafts, exempt authors, labels), or each enabled
 * gate's outcome. `prepared`: where each gate's compiled config comes from (the shared cache of
 * base configs by default; `PREPARE_FRESH` for a config proposed in a pull request). `notes`:
 * whether to add the notes on lists GitHub cut short (a preview shows none).
 */
export function verdictFor(
  pr: PullRequestSnapshot,
  config: QualityGatesConfig,
  options: { readonly prepared?: PreparedSource; readonly notes?: boolean } = {},
): Verdict {
  const skip = skipReason(pr, config);
  if (skip) return { kind: 'skipped', ...skip };
  const outcomes = runGates(pr, config, options.prepared ?? BASE_CONFIGS);
  return { kind: 'evaluated', outcomes, notes: options.notes === false ? [] : notesFor(pr) };
}
