/**
 * The uniform face of a gate: a pure function of a snapshot and its config.
 *
 * Gates never touch the network, the clock or the file system; a "no" is a
 * result, not a throw. Results are data: `src/checks/render.ts` turns them into
 * Markdown, escaping every string that came from users.
 */
import type { z } from 'zod';
import type { PullRequestSnapshot } from './snapshot.js';

export const GATE_IDS = ['batch-size', 'linked-ticket', 'tests-touched', 'signed-commits', 'codeowners-review'] as const;
export type GateId = (typeof GATE_IDS)[number];

/** What a gate needs the loader to fetch. The loader fetches the union for the enabled gates. */
export type Slice = 'files' | 'commits' | 'reviews' | 'closingIssues' | 'labels' | 'codeowners' | 'gitattributes' | 'teams';

export type GateStatus = 'pass' | 'fail' | 'skipped';

/** Inline text: plain strings are escaped when rendered; `{ code }` renders as a code span. */
export type Inline = string | { readonly code: string };
export type Text = string | readonly Inline[];

/** A block of details or fix instructions. */
export type DetailBlock =
  | { readonly kind: 'paragraph'; readonly text: Text }
  /** A bulleted list; when `total` exceeds `items.length` the renderer adds "and N more". */
  | { readonly kind: 'list'; readonly title?: Text; readonly items: readonly Text[]; readonly total?: number }
  | { readonly kind: 'table'; readonly header: readonly string[]; readonly rows: readonly (readonly Text[])[]; readonly total?: number }
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

export interface GateDefinition<C = unknown, P extends Prepared = Prepared> {
  readonly id: GateId;
  /** Human title, e.g. "Small batch size". */
  readonly title: string;
  /** Snapshot slices the gate reads. */
  readonly needs: readonly Slice[];
  /** The gate's config schema (strict). Its `mode` is resolved against `defaults.mode` by the caller. */
  readonly config: z.ZodType<C>;
  /**
   * Compiles what the config holds (globs, regular expressions) once, for `evaluate`. Pure, like
   * `evaluate`; the result is never changed by it. The pipeline keeps the prepared form of the base
   * branch's config in a cache with a byte budget, and prepares a config proposed in a pull
   * request afresh for its preview, never keeping it. Gates hold no state of their own.
   */
  readonly prepare?: (cfg: C) => P;
  /** Pure: no I/O, no clock. `prepared` is `prepare(cfg)`; a gate with `prepare` makes it when it is not given. */
  evaluate(pr: PullRequestSnapshot, cfg: C, prepared?: P): GateResult;
}

/** Identity helper that keeps the gate's config type attached to its definition. */
export function defineGate<C, P extends Prepared = Prepared>(gate: GateDefinition<C, P>): GateDefinition<C, P> {
  return gate;
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
