/**
 * Verdicts: what an evaluation concluded, as data. One function maps gate
 * statuses and modes to the check conclusion (`conclusionOf`).
 */
import type { GateId, GateResult, Text } from '../../gates/gate.js';
import type { ConfigProblem } from '../load/config/parse.js';

/** The word in the table's second column. */
export type RowStatus = 'pass' | 'fail' | 'warn' | 'skipped' | 'overridden';

/** An override comment as the check run shows it (docs/overrides.md). */
export interface OverrideMark {
  /** Who commented (a GitHub login). */
  readonly login: string;
  /** Their reason, as written: the renderer clips and escapes it. */
  readonly reason: string;
  /** The comment's address on GitHub. */
  readonly url: string;
  /** Why it did not apply; absent when it applies. */
  readonly refusal?: Text;
}

export interface GateOutcome {
  readonly id: GateId;
  readonly title: string;
  readonly mode: 'block' | 'warn';
  /** The gate's own result: an overridden gate keeps its failure and numbers. */
  readonly result: GateResult;
  /** `fail` in mode `warn` is shown as `warn`; a failure with an applied override as `overridden`. */
  readonly status: RowStatus;
  /** With `overridden`: the override that applies. */
  readonly override?: OverrideMark;
  /** Overrides naming this gate that did not apply, newest first. */
  readonly refusedOverrides?: readonly OverrideMark[];
}

export type CheckConclusion = 'success' | 'failure' | 'neutral';

export type Verdict =
  | { readonly kind: 'evaluated'; readonly outcomes: readonly GateOutcome[]; readonly notes: readonly Text[] }
  | { readonly kind: 'skipped'; readonly title: string; readonly reason: Text }
  | {
      readonly kind: 'config-error';
      readonly problems: readonly ConfigProblem[];
      /** How to fix, where it is read; absent: the app's words (fix the file on the base branch, re-run the check). */
      readonly fix?: Text;
    }
  | {
      readonly kind: 'error';
      readonly conclusion: 'failure' | 'neutral';
      readonly errorClass: string;
      readonly message: string;
    };

/** What a PR's proposed config file would conclude (docs/behaviour.md#the-check-run); shown, never enforced. */
export type Preview =
  | { readonly kind: 'verdict'; readonly verdict: Verdict; readonly removed: boolean }
  | { readonly kind: 'invalid'; readonly problems: readonly ConfigProblem[]; readonly removed: boolean }
  | { readonly kind: 'unavailable'; readonly message: string; readonly removed: boolean };

export function outcomeOf(id: GateId, title: string, mode: 'block' | 'warn', result: GateResult): GateOutcome {
  let status: RowStatus = result.status;
  if (result.status === 'fail') status = mode === 'warn' ? 'warn' : 'fail';
  return { id, title, mode, result, status };
}

export function conclusionOf(verdict: Verdict): CheckConclusion {
  switch (verdict.kind) {
    case 'evaluated':
      return verdict.outcomes.some((o) => o.status === 'fail') ? 'failure' : 'success';
    case 'skipped':
      return 'neutral';
    case 'config-error':
      return 'failure';
    case 'error':
      return verdict.conclusion;
  }
}

/**
 * How much a conclusion holds back a merge: `failure` (blocked, "Configuration error",
 * "Evaluation error" concluding failure) over `success` over `neutral` (skipped; GitHub
 * counts it as passing). Twin pull requests are combined by it.
 */
export const RESTRICTIVENESS: Readonly<Record<CheckConclusion, number>> = { failure: 2, success: 1, neutral: 0 };

/** The most restrictive of several pull requests' conclusions; ties go to the lowest number. Undefined for none. */
export function mostRestrictive<T extends { readonly number: number; readonly conclusion: CheckConclusion }>(
  list: readonly T[],
): T | undefined {
  let best: T | undefined;
  for (const item of list) {
    const diff = best === undefined ? 1 : RESTRICTIVENESS[item.conclusion] - RESTRICTIVENESS[best.conclusion];
    if (diff > 0 || (diff === 0 && item.number < best!.number)) best = item;
  }
  return best;
}

/** The per-gate run's conclusion: success for pass, warn and overridden, failure for a blocking fail, neutral for skipped. */
export function gateConclusion(outcome: GateOutcome): CheckConclusion {
  if (outcome.status === 'fail') return 'failure';
  if (outcome.status === 'skipped') return 'neutral';
  return 'success';
}

/** The verdict at a glance: "Blocked: batch-size, linked-ticket" or "All 5 gates passed". */
export function titleOf(verdict: Verdict): string {
  switch (verdict.kind) {
    case 'skipped':
      return verdict.title;
    case 'config-error':
      return 'Configuration error';
    case 'error':
      return 'Evaluation error';
    case 'evaluated': {
      const { outcomes } = verdict;
      const failed = outcomes.filter((o) => o.status === 'fail').map((o) => o.id);
      const warned = outcomes.filter((o) => o.status === 'warn').map((o) => o.id);
      const passed = outcomes.filter((o) => o.status === 'pass').length;
      const skipped = outcomes.filter((o) => o.status === 'skipped').length;
      const overridden = outcomes.filter((o) => o.status === 'overridden');
      if (failed.length === 0 && overridden.length > 0) {
        // Gate ids and GitHub logins only: nothing in this title is free text (src/checks/render.ts).
        const by = [...new Set(overridden.map((o) => `@${o.override?.login ?? 'ghost'}`))].join(', ');
        return `Passed with override: ${overridden.map((o) => o.id).join(', ')} (by ${by})${warned.length > 0 ? ` (warnings: ${warned.join(', ')})` : ''}`;
      }
      if (failed.length > 0)
        return `Blocked: ${failed.join(', ')}${warned.length > 0 ? ` (warnings: ${warned.join(', ')})` : ''}`;
      if (outcomes.length === 0) return 'No gates enabled';
      if (warned.length > 0) return `Passed with warnings: ${warned.join(', ')}`;
      if (skipped > 0) return `${passed === 1 ? '1 gate' : `${passed} gates`} passed, ${skipped} skipped`;
      return passed === 1 ? '1 gate passed' : `All ${passed} gates passed`;
    }
  }
}
