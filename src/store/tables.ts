/**
 * The history's tables as Kysely sees them (the SQL is in `migrations.ts`; a test compares the two).
 *
 * Conventions: `owner` is the repository owner's login in lower case (organisations and users
 * group by it); `repository` is `owner/name` as GitHub spelled it when the row was written
 * (`repository_id` is the stable key: names change on rename and transfer). Times are
 * `timestamptz`, read back as `Date`; counts are `integer`. Weeks are ISO weeks in UTC, as the
 * date of their Monday.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Read as a `Date`; written as a `Date` or an ISO string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A `date` column, read as a `Date` at midnight UTC; written as `YYYY-MM-DD`. */
export type DateColumn = ColumnType<Date, string, string>;
/** A JSON column: written as a JSON string, read back parsed. */
export type JsonColumn<T> = ColumnType<T, string, string>;

/** The columns that name a pull request, in every table of pull requests. */
export interface PullRequestKey {
  repository_id: number;
  pr_number: number;
  /** `owner/name` as GitHub spelled it when the row was written. */
  repository: string;
  owner: string;
  installation_id: number;
}

/** One evaluation that reached a verdict (a check run was written for it). */
export interface EvaluationsTable extends PullRequestKey {
  /** Client-generated from the natural key (`evaluationId` in `records.ts`): a retried write never adds a row. */
  id: string;
  head_sha: string;
  /** The PR author's login as users write it: `dependabot[bot]` for a GitHub App; null when the PR could not be read. */
  author: string | null;
  author_is_bot: boolean | null;
  evaluated_at: Timestamp;
  /** Webhook event and action that triggered it, e.g. `pull_request.synchronize`. */
  trigger_event: string;
  delivery_id: string;
  verdict: 'evaluated' | 'skipped' | 'config-error' | 'error';
  conclusion: 'success' | 'failure' | 'neutral';
  /** The check run's title, e.g. "Blocked: batch-size". */
  title: string;
}

/** One gate's result in one evaluation, with its key figures (null when the gate has none). */
export interface GateResultsTable {
  evaluation_id: string;
  gate_id: string;
  repository_id: number;
  pr_number: number;
  evaluated_at: Timestamp;
  mode: 'block' | 'warn';
  status: 'pass' | 'fail' | 'warn' | 'skipped' | 'overridden';
  /** The one-line reason as the check run shows it (at most 300 characters). */
  reason: string;
  counted_lines: number | null;
  counted_files: number | null;
  excluded_lines: number | null;
  excluded_files: number | null;
  lines_default_excludes_on: number | null;
  files_default_excludes_on: number | null;
  lines_default_excludes_off: number | null;
  files_default_excludes_off: number | null;
  max_lines: number | null;
  max_files: number | null;
  ticket_found: boolean | null;
  ticket_where: string | null;
  source_files: number | null;
  test_files: number | null;
  commits: number | null;
  unsigned_commits: number | null;
  owned_files: number | null;
  owners_pending: number | null;
  files_awaiting_review: number | null;
  truncated: boolean | null;
  /** The later gates' figures (migration 0003_later_gate_figures). */
  description_chars: number | null;
  sections_missing: number | null;
  untouched_template: boolean | null;
  title_valid: boolean | null;
  title_length: number | null;
  age_days: number | null;
  behind_by: number | null;
}

/** An override comment as one evaluation judged it: applied or refused, on one head commit. */
export interface OverridesTable extends PullRequestKey {
  id: string;
  head_sha: string;
  outcome: 'applied' | 'refused';
  login: string;
  gates: string[];
  /** The reason the user gave (at most 1,000 characters). */
  reason: string;
  comment_url: string;
  /** Why it was refused; null when applied. */
  refusal: string | null;
  commented_at: Timestamp | null;
  recorded_at: Timestamp;
}

/** One row per pull request: its life and, from its evaluations, what insights count. */
export interface PullRequestsTable extends PullRequestKey {
  author: string | null;
  author_is_bot: boolean | null;
  base_ref: string | null;
  /** The PR title (at most 256 characters), for the lists of slowest and largest PRs. */
  title: string | null;
  /** Time of the latest record that carried the author, base branch, title and draft flag (latest wins). */
  details_at: Timestamp | null;
  state: ColumnType<
    'open' | 'closed' | 'merged',
    'open' | 'closed' | 'merged' | undefined,
    'open' | 'closed' | 'merged'
  >;
  /** When `state` last changed (latest event wins). */
  state_at: Timestamp | null;
  draft: boolean | null;
  opened_at: Timestamp | null;
  ready_at: Timestamp | null;
  first_review_at: Timestamp | null;
  first_approval_at: Timestamp | null;
  closed_at: Timestamp | null;
  merged_at: Timestamp | null;
  first_evaluated_at: Timestamp | null;
  last_evaluated_at: Timestamp | null;
  evaluations: Generated<number>;
  last_head_sha: string | null;
  last_verdict: string | null;
  last_conclusion: string | null;
  /**
   * Gate masks (`GATE_BITS` in `records.ts`: one bit per gate). Of the latest evaluation that ran
   * gates: the gates it ran (any status), those that passed, and those that failed, warned or
   * were overridden. Of every evaluation: the gates that failed in mode block, warned, or were
   * overridden at least once.
   */
  gates_evaluated: Generated<number>;
  gates_passed: Generated<number>;
  gates_failing: Generated<number>;
  gates_blocked: Generated<number>;
  gates_warned: Generated<number>;
  gates_overridden: Generated<number>;
  /** The latest evaluation's status per gate, e.g. `{"batch-size":"fail"}` (for people; queries read the masks). */
  gate_statuses: ColumnType<Record<string, string>, string | undefined, string>;
  /** Per gate that failed, warned or was overridden: `[pattern, reason]` of the latest such evaluation (`reasonPattern`). */
  failure_reasons: ColumnType<Record<string, [string, string]>, string | undefined, string>;
  /**
   * `history_failure_keys(failure_reasons)`: keys into `failure_patterns`, always written as that
   * SQL expression. 64-bit: compare them in SQL; read as numbers they would lose precision.
   */
  failure_keys: ColumnType<unknown, unknown, unknown>;
  /** The latest batch-size figures. */
  counted_lines: number | null;
  counted_files: number | null;
  lines_default_excludes_on: number | null;
  files_default_excludes_on: number | null;
  lines_default_excludes_off: number | null;
  files_default_excludes_off: number | null;
  max_lines: number | null;
  max_files: number | null;
  updated_at: Timestamp;
}

/** One row per pull request and week it was evaluated in: weekly counts without scanning evaluations. */
export interface PullRequestWeeksTable {
  repository_id: number;
  week: DateColumn;
  pr_number: number;
  owner: string;
  evaluations: number;
  /** Gate masks (`GATE_BITS`): the gates that evaluated it that week, and those that failed (mode block), warned, or were overridden. */
  gates_evaluated: number;
  gates_failed: number;
  gates_warned: number;
  gates_overridden: number;
}

/**
 * `pull_request_weeks` summed per repository, week and combination of its gate masks; kept in step
 * by triggers (migration `0005_insights_rollups`), never written by the app.
 */
export interface RepositoryWeeksTable {
  repository_id: number;
  week: DateColumn;
  gates_evaluated: number;
  gates_failed: number;
  gates_warned: number;
  gates_overridden: number;
  /** Rows of `pull_request_weeks` (pull requests evaluated that week) in the group, and their evaluations. */
  prs: number;
  evaluations: number;
}

/**
 * The pull requests counted per repository and day (`span` `d`) or ISO week (`w`, named by its
 * Monday) of their last evaluation (migration 0006): `prs`, `merged`, `blocked` (by any gate), and
 * per gate bit the columns named by `activityColumn` (migrations.ts).
 */
export interface RepositoryActivityTable {
  repository_id: number;
  span: 'd' | 'w';
  start: DateColumn;
  prs: number;
  merged: number;
  blocked: number;
  [gateFigure: `g${number}_${string}`]: number;
}

/**
 * Per span of `repository_activity` (migration 0007): the pull requests last evaluated then whose
 * latest failure reasons include `key` (a key of `failure_patterns`).
 */
export interface RepositoryReasonsTable {
  repository_id: number;
  span: 'd' | 'w';
  start: DateColumn;
  /** 64 bits: compared in SQL, never read as a JavaScript number. */
  key: ColumnType<unknown, unknown, never>;
  prs: number;
}

/** Who a repository is: its name and installation as last seen (names change; the id does not). */
export interface RepositoriesTable {
  id: number;
  /** `owner/name` as GitHub spelled it at `named_at`. */
  full_name: string;
  owner: string;
  installation_id: number;
  /** `repository.private` from the latest record that carried it; null while unknown (added by `0004_repository_visibility`). */
  private: ColumnType<boolean | null, boolean | null | undefined, boolean | null>;
  /** Time of the record the name came from (a later one wins). */
  named_at: Timestamp;
  /** Last recorded (to within a day); the row goes with retention when older. */
  seen_at: Timestamp;
}

/** A failure reason's pattern per gate (numbers folded), keyed as `pull_requests.failure_keys` refers to it. */
export interface FailurePatternsTable {
  /** `history_failure_key(gate_id, pattern)`, always written as that SQL expression (64-bit: compare in SQL). */
  key: ColumnType<unknown, unknown, never>;
  gate_id: string;
  pattern: string;
  /** The first reason seen with this pattern, as the check run showed it. */
  example: string;
  /** Last recorded (to within a day); the row goes with retention when older. */
  seen_at: Timestamp;
}

/** The latest compact snapshot of each open pull request (see `snapshot-codec.ts`); deleted when it closes. */
export interface OpenPullRequestsTable extends PullRequestKey {
  head_sha: string;
  captured_at: Timestamp;
  snapshot: JsonColumn<unknown>;
  /** Size of `snapshot` as written, in bytes (JSON text). */
  bytes: number;
  /** Content hashes of the base-branch files the snapshot refers to (in `snapshot_files`). */
  file_hashes: string[];
}

/** Base-branch files (CODEOWNERS, .gitattributes, the repository's config) shared by open snapshots. */
export interface SnapshotFilesTable {
  hash: string;
  text: string;
  stored_at: Timestamp;
}

export interface HistoryTables {
  repositories: RepositoriesTable;
  evaluations: EvaluationsTable;
  gate_results: GateResultsTable;
  overrides: OverridesTable;
  pull_requests: PullRequestsTable;
  pull_request_weeks: PullRequestWeeksTable;
  repository_weeks: RepositoryWeeksTable;
  repository_activity: RepositoryActivityTable;
  repository_reasons: RepositoryReasonsTable;
  open_pull_requests: OpenPullRequestsTable;
  snapshot_files: SnapshotFilesTable;
  failure_patterns: FailurePatternsTable;
}

export type EvaluationRow = Selectable<EvaluationsTable>;
export type GateResultRow = Selectable<GateResultsTable>;
export type NewGateResult = Insertable<GateResultsTable>;
export type PullRequestRow = Selectable<PullRequestsTable>;
export type OverrideRow = Selectable<OverridesTable>;
