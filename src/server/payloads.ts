/**
 * What each webhook handler reads from a payload, and nothing more (src/server/app.ts). A signed
 * payload is GitHub's, but its shape is not guaranteed (a redelivery from an old schema, an
 * event from an API we never saw, a test tool): a payload that does not fit is ignored with
 * one log line, never turned into a crash or a 500. Objects are permissive (other fields pass
 * through untouched); only the named fields are checked.
 */
import { z } from 'zod';

/** A commit SHA as GitHub writes it: 40 lowercase hex digits (64 in SHA-256 repositories). */
const Sha = z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/, 'must be a commit SHA');
const Id = z.number().int().positive();

const Installation = z.object({ id: Id });
const Repository = z.object({ name: z.string().min(1), owner: z.object({ login: z.string().min(1) }) });
/** A pull request as `pull_request` events and check runs' `pull_requests` carry it. */
const PullRef = z.object({ number: Id, base: z.object({ sha: Sha }), head: z.object({ sha: Sha }) });

/**
 * What Probot itself reads from every event before any handler: the installation id, to
 * authenticate the event's client. Absent is fine (events without an installation).
 */
export const EventEnvelope = z.object({ installation: z.object({ id: Id }).nullish() });

/** `pull_request.*` and `pull_request_review.*`. */
export const PullRequestEvent = z.object({ installation: Installation, repository: Repository, pull_request: PullRef });

/** `check_run.rerequested` and `check_suite.rerequested`: the run's (or suite's) app and pull requests. */
const Rerequested = z.object({
  app: z.object({ id: z.number() }).nullish(),
  pull_requests: z.array(PullRef).nullish(),
});
export const CheckRunEvent = z.object({ installation: Installation, repository: Repository, check_run: Rerequested });
export const CheckSuiteEvent = z.object({
  installation: Installation,
  repository: Repository,
  check_suite: Rerequested,
});

/**
 * `issue_comment.created`, `.edited` and `.deleted`. `issue.pull_request` is present only on pull
 * requests; the body is bounded by GitHub (65,536 characters) and only searched in linear time
 * (src/server/commands.ts). An edit carries the body before it in `changes.body.from`.
 */
export const IssueCommentEvent = z.object({
  installation: Installation,
  repository: Repository,
  issue: z.object({ number: Id, pull_request: z.object({}).nullish() }),
  comment: z.object({
    id: z.number().optional(),
    body: z.string().nullish(),
    user: z.object({ type: z.string().optional(), login: z.string().optional() }).nullish(),
    author_association: z.string().optional(),
  }),
  changes: z.object({ body: z.object({ from: z.string().nullish() }).nullish() }).nullish(),
});

export const MergeGroupEvent = z.object({
  installation: Installation,
  repository: Repository.extend({ full_name: z.string().min(1) }),
  merge_group: z.object({ base_sha: Sha, head_sha: Sha }),
});

/** Why a payload does not fit, by field path and rule, never with its values: "repository: expected object". */
export function payloadProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid payload';
  const path = issue.path.map(String).join('.') || '(payload)';
  return `${path}: ${issue.message}`.slice(0, 200);
}
