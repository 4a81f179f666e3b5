/**
 * Builds history records from what the app already has: the verdict and snapshot of an evaluation,
 * and webhook payloads. No GitHub request, no I/O: the integration calls these after the check run
 * is written and hands the result to `HistoryRecorder`.
 */
import { z } from 'zod';
import { plain } from '../../gates/gate.js';
import { conclusionOf, titleOf, type Verdict } from '../checks/verdict.js';
import type { PullRequestSnapshot } from '../../gates/snapshot.js';
import {
  clean,
  OVERRIDE_REASON_CHARS,
  REASON_CHARS,
  TITLE_CHARS,
  type EvaluationRecord,
  type OverrideRecord,
  type PullRequestFacts,
  type PullRequestRecord,
  type RecordedStatus,
  type RepositoryKey,
} from './records.js';
import { encodeSnapshot } from './snapshot-codec.js';
import { SYSTEM_CLOCK } from '../ops/clock.js';

export interface EvaluationInput {
  readonly repository: RepositoryKey;
  readonly number: number;
  readonly headSha: string;
  /** Webhook event and action, e.g. `pull_request.synchronize`. */
  readonly event: string;
  readonly deliveryId: string;
  /** When the check run was written (epoch ms). */
  readonly at: number;
  readonly verdict: Verdict;
  /** The snapshot the verdict was reached on; absent when the pull request could not be read. */
  readonly pr?: PullRequestSnapshot | undefined;
  /** The author from the webhook, used when `pr` is absent. */
  readonly author?: { readonly login: string; readonly isBot: boolean } | undefined;
  readonly overrides?: readonly OverrideRecord[] | undefined;
  /** The repository's config file text on the base branch, kept with the open-PR snapshot. */
  readonly repoConfig?: string | null | undefined;
}

/** The record of one evaluation. The open-PR snapshot is included while the pull request is open. */
export function evaluationRecord(input: EvaluationInput): EvaluationRecord {
  const { verdict, pr } = input;
  const author = pr?.author ?? input.author;
  return {
    repository: input.repository,
    number: input.number,
    headSha: input.headSha,
    author: author ? { login: clean(author.login), isBot: author.isBot } : null,
    evaluatedAt: new Date(input.at).toISOString(),
    event: clean(input.event),
    deliveryId: clean(input.deliveryId),
    verdict: verdict.kind,
    conclusion: conclusionOf(verdict),
    title: clean(titleOf(verdict)),
    gates:
      verdict.kind === 'evaluated'
        ? verdict.outcomes.map((o) => ({
            id: o.id,
            mode: o.mode,
            status: o.status as RecordedStatus,
            reason: clean(plain(o.result.reason), REASON_CHARS),
            numbers: o.result.numbers ?? {},
          }))
        : [],
    overrides: (input.overrides ?? []).map((o) => ({
      ...o,
      login: clean(o.login),
      gates: o.gates.map((g) => clean(g)),
      reason: clean(o.reason, OVERRIDE_REASON_CHARS),
      commentUrl: clean(o.commentUrl),
      refusal: o.refusal === null ? null : clean(o.refusal),
    })),
    ...(pr ? { pullRequest: factsFromSnapshot(pr) } : {}),
    ...(pr?.state === 'open' ? { snapshot: encodeSnapshot(pr, { repoConfig: input.repoConfig ?? null }) } : {}),
  };
}

/** What a snapshot shows of the PR's life: reviews give the first review and approval. */
export function factsFromSnapshot(pr: PullRequestSnapshot): PullRequestFacts {
  const author = pr.author.login.toLowerCase();
  const byOthers = pr.reviews.nodes.filter(
    (r) => r.state !== 'pending' && r.submittedAt && r.author !== null && r.author.toLowerCase() !== author,
  );
  const earliest = (times: readonly string[]) =>
    times.length > 0 ? times.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b)) : undefined;
  const firstReviewAt = earliest(byOthers.map((r) => r.submittedAt!));
  const firstApprovalAt = earliest(byOthers.filter((r) => r.state === 'approved').map((r) => r.submittedAt!));
  return {
    author: { login: clean(pr.author.login), isBot: pr.author.isBot },
    baseRef: clean(pr.baseRef),
    title: clean(pr.title, TITLE_CHARS),
    draft: pr.isDraft,
    ...(firstReviewAt ? { firstReviewAt } : {}),
    ...(firstApprovalAt ? { firstApprovalAt } : {}),
  };
}

// Webhook payloads: permissive, only the fields used (unknown fields pass through).
const User = z.object({ login: z.string(), type: z.string().optional() });
const Time = z.string().datetime({ offset: true });
const PullRequest = z.object({
  number: z.number().int().positive(),
  title: z.string().optional(),
  user: User.nullable().optional(),
  draft: z.boolean().optional(),
  created_at: Time.optional(),
  updated_at: Time.optional(),
  closed_at: Time.nullable().optional(),
  merged_at: Time.nullable().optional(),
  merged: z.boolean().nullable().optional(),
  base: z.object({ ref: z.string() }).optional(),
});
const Payload = z.object({
  action: z.string(),
  repository: z.object({
    id: z.number().int().positive(),
    full_name: z.string().min(3),
    private: z.boolean().optional(),
  }),
  installation: z.object({ id: z.number().int().positive() }),
  pull_request: PullRequest,
  review: z
    .object({ user: User.nullable().optional(), state: z.string(), submitted_at: Time.nullable().optional() })
    .optional(),
});

/**
 * The life event a `pull_request` or `pull_request_review` webhook carries, or undefined for
 * other events, actions that change nothing recorded, and payloads without the needed fields.
 * `pull_request.closed` is the one that ends a PR (and deletes its open snapshot).
 */
export function pullRequestRecordFromWebhook(
  name: string,
  payload: unknown,
  now: () => number = SYSTEM_CLOCK.now,
): PullRequestRecord | undefined {
  if (name !== 'pull_request' && name !== 'pull_request_review') return undefined;
  const parsed = Payload.safeParse(payload);
  if (!parsed.success) return undefined;
  const { action, repository, installation, pull_request: pull, review } = parsed.data;
  const at = pull.updated_at ?? new Date(now()).toISOString();
  const author = pull.user ? { login: clean(pull.user.login), isBot: pull.user.type === 'Bot' } : undefined;
  const base: PullRequestFacts = {
    ...(author ? { author } : {}),
    ...(pull.base ? { baseRef: clean(pull.base.ref) } : {}),
    ...(pull.title !== undefined ? { title: clean(pull.title, TITLE_CHARS) } : {}),
    ...(pull.draft !== undefined ? { draft: pull.draft } : {}),
    ...(pull.created_at ? { openedAt: pull.created_at } : {}),
  };
  let facts: PullRequestFacts;
  if (name === 'pull_request_review') {
    if (action !== 'submitted' || !review?.submitted_at || review.state.toLowerCase() === 'pending') return undefined;
    const reviewer = review.user?.login.toLowerCase();
    const own = reviewer !== undefined && reviewer === pull.user?.login.toLowerCase();
    facts = own
      ? base
      : {
          ...base,
          firstReviewAt: review.submitted_at,
          ...(review.state.toLowerCase() === 'approved' ? { firstApprovalAt: review.submitted_at } : {}),
        };
  } else {
    switch (action) {
      case 'opened':
        facts = {
          ...base,
          state: 'open',
          stateAt: pull.created_at ?? at,
          ...(pull.draft ? {} : { readyAt: pull.created_at ?? at }),
        };
        break;
      case 'reopened':
        facts = { ...base, state: 'open', stateAt: at, ...(pull.draft ? {} : { readyAt: at }) };
        break;
      case 'ready_for_review':
        facts = { ...base, readyAt: at };
        break;
      case 'closed': {
        const closedAt = pull.closed_at ?? at;
        const merged = pull.merged === true || Boolean(pull.merged_at);
        facts = {
          ...base,
          state: merged ? 'merged' : 'closed',
          stateAt: closedAt,
          closedAt,
          ...(merged ? { mergedAt: pull.merged_at ?? closedAt } : {}),
        };
        break;
      }
      case 'converted_to_draft':
      case 'edited':
      case 'synchronize':
        facts = base;
        break;
      default:
        return undefined;
    }
  }
  const visibility = repository.private === undefined ? {} : { private: repository.private };
  return {
    repository: {
      id: repository.id,
      fullName: clean(repository.full_name),
      installationId: installation.id,
      ...visibility,
    },
    number: pull.number,
    at,
    facts,
  };
}
