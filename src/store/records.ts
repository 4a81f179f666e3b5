/**
 * What the history records, as plain data: the records the app hands to `HistoryRecorder`, and
 * the small helpers every writer of them shares (deterministic ids, clean strings, logins).
 *
 * Nothing here holds a PR body, a diff or a commit message: an evaluation keeps each gate's status,
 * one-line reason and key figures. The one exception is the open-PR snapshot (`snapshot-codec.ts`).
 */
import { createHash } from 'node:crypto';
import type { GateId, GateNumbers } from '../../gates/gate.js';

export type VerdictKind = 'evaluated' | 'skipped' | 'config-error' | 'error';
export type Conclusion = 'success' | 'failure' | 'neutral';
/** A gate row's status; `overridden` when an override applied (docs/overrides.md). */
export type RecordedStatus = 'pass' | 'fail' | 'warn' | 'skipped' | 'overridden';

/** The repository as the webhook names it; `id` is the stable key (names change). */
export interface RepositoryKey {
  readonly id: number;
  /** `owner/name` as GitHub spells it. */
  readonly fullName: string;
  readonly installationId: number;
  /** `repository.private` from the webhook, when it carried it (the policy preview names only public repositories). */
  readonly private?: boolean | undefined;
}

export interface GateRecord {
  readonly id: string;
  readonly mode: 'block' | 'warn';
  readonly status: RecordedStatus;
  /** The one-line reason, plain text (capped at `REASON_CHARS`). */
  readonly reason: string;
  readonly numbers: GateNumbers;
}

export interface OverrideRecord {
  readonly outcome: 'applied' | 'refused';
  /** Who commented (login as users write it). */
  readonly login: string;
  /** Gates named in the command (`all` expanded or kept as written, as the override module decides). */
  readonly gates: readonly string[];
  readonly reason: string;
  readonly commentUrl: string;
  /** Why it did not apply; null when applied. */
  readonly refusal: string | null;
  /** The head commit the evaluation judged it on. */
  readonly headSha: string;
  /** When the comment was posted (ISO), when known. */
  readonly commentedAt: string | null;
}

/** What is known of a pull request's life; every field optional (a webhook knows some, a snapshot others). */
export interface PullRequestFacts {
  readonly author?: { readonly login: string; readonly isBot: boolean };
  readonly baseRef?: string;
  readonly title?: string;
  readonly draft?: boolean;
  /** With `stateAt`: the latest state wins, whatever order records arrive in. */
  readonly state?: 'open' | 'closed' | 'merged';
  readonly stateAt?: string;
  readonly openedAt?: string;
  /** First time it was ready for review (opened as ready, or marked ready). */
  readonly readyAt?: string;
  /** First review by someone other than the author (any state but pending), and first approval. */
  readonly firstReviewAt?: string;
  readonly firstApprovalAt?: string;
  readonly closedAt?: string;
  readonly mergedAt?: string;
}

/** A pull-request life event (from `pull_request` and `pull_request_review` webhooks). */
export interface PullRequestRecord {
  readonly repository: RepositoryKey;
  readonly number: number;
  /** When it happened (ISO). */
  readonly at: string;
  readonly facts: PullRequestFacts;
}

/** A compact open-PR snapshot, encoded (`snapshot-codec.ts`). */
export interface EncodedSnapshot {
  /** The JSON text stored. */
  readonly json: string;
  /** Base-branch files it refers to by hash, stored once however many PRs share them. */
  readonly files: readonly { readonly hash: string; readonly text: string }[];
  readonly headSha: string;
}

/** One evaluation that reached a verdict and wrote its check run. */
export interface EvaluationRecord {
  readonly repository: RepositoryKey;
  readonly number: number;
  readonly headSha: string;
  /** Null when the pull request could not be read. */
  readonly author: { readonly login: string; readonly isBot: boolean } | null;
  readonly evaluatedAt: string;
  /** e.g. `pull_request.synchronize`. */
  readonly event: string;
  readonly deliveryId: string;
  readonly verdict: VerdictKind;
  readonly conclusion: Conclusion;
  /** The check run's title. */
  readonly title: string;
  readonly gates: readonly GateRecord[];
  readonly overrides: readonly OverrideRecord[];
  /** What the snapshot showed of the PR's life (fills in for missed webhooks). */
  readonly pullRequest?: PullRequestFacts;
  /** The latest state of the open PR, for the organisation preview. */
  readonly snapshot?: EncodedSnapshot;
}

/** Longest reason kept per gate row. */
export const REASON_CHARS = 300;
/** Longest override reason kept. */
export const OVERRIDE_REASON_CHARS = 1000;
/** Longest PR title kept. */
export const TITLE_CHARS = 256;
/** Longest other string (logins, refs, URLs, check titles). */
export const SHORT_CHARS = 512;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A string PostgreSQL accepts, at most `max` characters: no NUL (text cannot hold it), no lone
 * surrogate (not UTF-8), cut on a character boundary with `…`.
 */
export function clean(text: string, max = SHORT_CHARS): string {
  // eslint-disable-next-line no-control-regex -- NUL is exactly what is removed
  let s = text.replace(/\u0000/g, '').replace(LONE_SURROGATE, '\uFFFD');
  if (s.length > max) {
    s = s.slice(0, max - 1);
    if (/[\uD800-\uDBFF]$/.test(s)) s = s.slice(0, -1);
    s += '…';
  }
  return s;
}

/** NUL, or a UTF-16 surrogate (lone ones are not UTF-8): what `clean` may have to change. */
// eslint-disable-next-line no-control-regex -- NUL is what is looked for
const UNSAFE_TEXT = /[\u0000\uD800-\uDFFF]/;

/** `clean` without a length cap, cheap for the common string that needs nothing (a test, no copy). */
export function cleanText(text: string): string {
  return UNSAFE_TEXT.test(text) ? clean(text, Infinity) : text;
}

/** In JSON text: an escaped NUL or surrogate (JSON.stringify escapes only lone ones), which json and jsonb refuse. */
const ESCAPED_UNSAFE = /\\u(?:0000|d[89a-f])/i;

/**
 * `value` as JSON text PostgreSQL's json and jsonb accept: every string `cleanText`ed. The common
 * value, with nothing to clean, costs one JSON.stringify and one scan (a replacer would visit every value).
 */
export function jsonText(value: unknown): string {
  const json = JSON.stringify(value);
  return ESCAPED_UNSAFE.test(json)
    ? JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? cleanText(v) : v))
    : json;
}

/** The owner part of `owner/name`, lower case (how the history groups organisations). */
export function ownerOf(fullName: string): string {
  return fullName.split('/')[0]!.toLowerCase();
}

/** A UUID derived from a natural key (SHA-256, version bits of a v8 UUID): the same key, the same id. */
export function idFor(...parts: readonly (string | number)[]): string {
  const hex = createHash('sha256').update(parts.map(String).join('\u001f')).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** An evaluation's id: one per repository, PR, head commit and webhook delivery. */
export function evaluationId(r: Pick<EvaluationRecord, 'repository' | 'number' | 'headSha' | 'deliveryId'>): string {
  return idFor('evaluation', r.repository.id, r.number, r.headSha, r.deliveryId);
}

/** An override row's id: one per comment, head commit and outcome. */
export function overrideId(
  repositoryId: number,
  number: number,
  o: Pick<OverrideRecord, 'commentUrl' | 'headSha' | 'outcome'>,
): string {
  return idFor('override', repositoryId, number, o.commentUrl, o.headSha, o.outcome);
}

/**
 * Each gate's bit in the history's gate masks (`pull_requests.gates_*`, `pull_request_weeks.gates_*`):
 * the period's aggregates test bits rather than read lists. Stored data depends on these numbers:
 * a new gate takes the next free bit; a bit is never reused or renumbered.
 */
export const GATE_BITS = {
  'batch-size': 1,
  'linked-ticket': 2,
  'tests-touched': 4,
  'signed-commits': 8,
  'codeowners-review': 16,
  'pr-description': 32,
  'conventional-title': 64,
  'branch-age': 128,
} as const satisfies Record<GateId, number>;

/** The mask of the gates named (a gate without a bit adds nothing). */
export function gateMask(ids: Iterable<string>): number {
  let mask = 0;
  for (const id of ids) mask |= (GATE_BITS as Readonly<Record<string, number>>)[id] ?? 0;
  return mask;
}

/** A reason with its numbers folded: "612 lines in 14 files" → "N lines in N files" (top reasons group by it). */
export function reasonPattern(reason: string): string {
  return reason.replace(/[0-9][0-9,]*/g, 'N');
}

/** Monday (UTC) of the ISO week holding `iso`, as `YYYY-MM-DD`. */
export function weekOf(iso: string | Date): string {
  const d = new Date(iso);
  const day = (d.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day)).toISOString().slice(0, 10);
}
