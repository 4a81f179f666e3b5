/**
 * The uniform face of a gate: a pure function of a snapshot and its config.
 *
 * Gates never touch the network, the clock or the file system; a "no" is a
 * result, not a throw. Results are data: `src/checks/render.ts` turns them into
 * Markdown, escaping every string that came from users.
 */
import type { z } from 'zod';
import type { GateContext } from './context.js';
import type { PullRequestSnapshot } from './snapshot.js';

export type { GateId } from './registry.js';
export type { GateContext } from './context.js';

/** What a gate needs the loader to fetch. The loader fetches the union for the enabled gates. */
export type Slice =
  | 'files'
  | 'commits'
  | 'reviews'
  | 'closingIssues'
  | 'labels'
  | 'codeowners'
  | 'gitattributes'
  | 'teams'
  | 'templates'
  | 'comparison';

export type GateStatus = 'pass' | 'fail' | 'skipped';

/** Inline text: plain strings are escaped when rendered; `{ code }` renders as a code span. */
export type Inline = string | { readonly code: string };
export type Text = string | readonly Inline[];

/** A block of details or fix instructions. */
export type DetailBlock =
  | { readonly kind: 'paragraph'; readonly text: Text }
  /** A bulleted list; when `total` exceeds `items.length` the renderer adds "and N more". */
  | { readonly kind: 'list'; readonly title?: Text; readonly items: readonly Text[]; readonly total?: number }
  | {
      readonly kind: 'table';
      readonly header: readonly string[];
      readonly rows: readonly (readonly Text[])[];
      readonly total?: number;
    }
  /** Shell commands or an example, rendered as a fenced code block. */
  | { readonly kind: 'code'; readonly text: string; readonly lang?: string };

/**
 * A gate's key figures, kept in the history for insights and the what-if (docs/deploy.md):
 * numbers, flags and fixed words only, never text a user wrote. Each gate fills what it knows.
 */
export interface GateNumbers {
  /** batch-size: lines and files counted under the configuration, and what was not counted. */
  readonly countedLines?: number;
  readonly countedFiles?: number;
  readonly excludedLines?: number;
  readonly excludedFiles?: number;
  /** batch-size: the count with the default exclude list on, and off, whatever the configuration says (for the what-if). */
  readonly linesDefaultExcludesOn?: number;
  readonly filesDefaultExcludesOn?: number;
  readonly linesDefaultExcludesOff?: number;
  readonly filesDefaultExcludesOff?: number;
  /** batch-size: the configured limits. */
  readonly maxLines?: number;
  readonly maxFiles?: number;
  /** linked-ticket: whether a ticket was found, and where (`linked-issue` when GitHub links one). */
  readonly ticketFound?: boolean;
  readonly ticketWhere?: 'linked-issue' | 'title' | 'branch' | 'body' | 'commits';
  /** tests-touched: source files that need a test, and test files touched. */
  readonly sourceFiles?: number;
  readonly testFiles?: number;
  /** signed-commits: commits listed, and those that do not meet `require`. */
  readonly commits?: number;
  readonly unsignedCommits?: number;
  /** codeowners-review: changed files with owners, owner sets still to approve, files waiting on them. */
  readonly ownedFiles?: number;
  readonly ownersPending?: number;
  readonly filesAwaitingReview?: number;
  /** pr-description: characters of the body's own text (template, comments, headings left out); sections required and missing. */
  readonly descriptionChars?: number;
  readonly sectionsMissing?: number;
  /** pr-description: the body is the base branch's template with nothing filled in. */
  readonly untouchedTemplate?: boolean;
  /** conventional-title: whether the title follows the convention; its length in characters. */
  readonly titleValid?: boolean;
  readonly titleLength?: number;
  /** branch-age: whole days since the pull request was opened; commits the head is behind its base. */
  readonly ageDays?: number;
  readonly behindBy?: number;
  /** GitHub capped a list this gate reads. */
  readonly truncated?: boolean;
}

export interface GateResult {
  readonly status: GateStatus;
  /** One line, with the numbers: "612 lines in 14 files (limit 400 lines, 50 files)". */
  readonly reason: Text;
  readonly details: readonly DetailBlock[];
  /** How to fix a failure, written for the PR author. Empty on pass. */
  readonly fix: readonly DetailBlock[];
  /** Key figures for the history; absent when the gate has none. */
  readonly numbers?: GateNumbers;
}

/** What a gate compiles from its config once (`prepare`): matchers for its globs, its regular expressions. */
export interface Prepared {
  /** An estimate of the most memory it holds, in bytes, for the cache that keeps it. */
  readonly bytes: number;
}

/** A gate's mode: `block` fails the check, `warn` shows the failure only, `off` does not run the gate. */
export type GateMode = 'block' | 'warn' | 'off';

/** What every gate's config schema has: its own `mode`, which overrides `defaults.mode`. */
export type GateConfigSchema = z.ZodType<{ readonly mode?: GateMode | undefined }>;

export interface GateDefinition<
  Id extends string = string,
  S extends GateConfigSchema = GateConfigSchema,
  P extends Prepared = Prepared,
> {
  /** The gate's id: its key under `gates` in the config, its row in the check run. */
  readonly id: Id;
  /** Human title, e.g. "Small batch size". */
  readonly title: string;
  /** Snapshot slices the gate reads; the loader reads the union of the enabled gates' needs. */
  readonly needs: readonly Slice[];
  /** The gate's config schema (strict). Its `mode` is resolved against `defaults.mode` by the caller. */
  readonly config: S;
  /**
   * Compiles what the config holds (globs, regular expressions) once, for `evaluate`. Pure, like
   * `evaluate`; the result is never changed by it. The pipeline keeps the compiled form of the base
   * branch's config in a cache with a byte budget, and compiles a config proposed in a pull
   * request afresh for its preview, never keeping it. Gates hold no state of their own
   * (gates/context.ts).
   */
  readonly prepare?: (cfg: z.output<S>) => P;
  /**
   * The teams (`org/team`, lower case) whose members the loader must put in `pr.teams` for this
   * gate; a gate that needs `teams` says which. Pure, like `evaluate`; `context` as for `evaluate`
   * (the caller passes the same one, so work such as compiling CODEOWNERS is done once).
   */
  readonly teams?: (pr: PullRequestSnapshot, cfg: z.output<S>, context?: GateContext) => readonly string[];
  /**
   * Pure: no I/O, no clock. `prepared` is `prepare(cfg)`; a gate with `prepare` makes it when it is
   * not given. `context`: work the caller keeps for the gates (src/pipeline/gate-memory.ts); a gate
   * given none computes what it needs (`NO_MEMORY`, gates/context.ts).
   */
  evaluate(pr: PullRequestSnapshot, cfg: z.output<S>, prepared?: P, context?: GateContext): GateResult;
}

/** A gate with its config compiled: evaluates any snapshot. */
export interface CompiledGate {
  /** An estimate of the memory it holds, for the cache that keeps it. */
  readonly bytes: number;
  evaluate(pr: PullRequestSnapshot, context?: GateContext): GateResult;
}

/** A gate bound to one config's settings for it: what the pipeline runs, whatever the gate. */
export interface BoundGate<Id extends string = string> {
  readonly id: Id;
  readonly title: string;
  readonly needs: readonly Slice[];
  /** The gate's mode, `defaults.mode` applied. */
  readonly mode: GateMode;
  /** The gate's settings (for cache keys). */
  readonly cfg: unknown;
  /** True when compiling does work worth keeping (the gate has `prepare`). */
  readonly prepares: boolean;
  /** The teams whose members this gate needs in `pr.teams` (none for most gates); `context` as for `evaluate`. */
  teamsNeeded(pr: PullRequestSnapshot, context?: GateContext): readonly string[];
  compile(): CompiledGate;
}

/** A gate as the registry holds it: its definition, and `bind`, which picks its settings out of a config's `gates`. */
export type Gate<
  Id extends string = string,
  S extends GateConfigSchema = GateConfigSchema,
  P extends Prepared = Prepared,
> = GateDefinition<Id, S, P> & {
  bind(gates: { readonly [K in Id]: z.output<S> }, defaultMode: GateMode): BoundGate<Id>;
};

/** Defines a gate, keeping its id literal and its config type attached (the registry derives its types from both). */
export function defineGate<const Id extends string, S extends GateConfigSchema, P extends Prepared = Prepared>(
  gate: GateDefinition<Id, S, P>,
): Gate<Id, S, P> {
  return {
    ...gate,
    bind: (gates, defaultMode) => {
      const cfg = gates[gate.id];
      return {
        id: gate.id,
        title: gate.title,
        needs: gate.needs,
        mode: cfg.mode ?? defaultMode,
        cfg,
        prepares: gate.prepare !== undefined,
        teamsNeeded: (pr, context) => gate.teams?.(pr, cfg, context) ?? [],
        compile: () => {
          const prepared = gate.prepare?.(cfg);
          return { bytes: prepared?.bytes ?? 0, evaluate: (pr, context) => gate.evaluate(pr, cfg, prepared, context) };
        },
      };
    },
  };
}

export const result = {
  pass(reason: Text, details: readonly DetailBlock[] = []): GateResult {
    return { status: 'pass', reason, details, fix: [] };
  },
  fail(reason: Text, details: readonly DetailBlock[], fix: readonly DetailBlock[]): GateResult {
    return { status: 'fail', reason, details, fix };
  },
  skipped(reason: Text, details: readonly DetailBlock[] = []): GateResult {
    return { status: 'skipped', reason, details, fix: [] };
  },
};

/** `res` with its key figures attached. */
export function withNumbers(res: GateResult, numbers: GateNumbers): GateResult {
  return { ...res, numbers };
}

/** Plain text of a `Text`, for logs and tests. */
export function plain(text: Text): string {
  if (typeof text === 'string') return text;
  return text.map((part) => (typeof part === 'string' ? part : part.code)).join('');
}
