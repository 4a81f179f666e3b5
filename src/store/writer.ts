/**
 * Writes a batch of history records in one transaction, idempotently: a batch written twice (a
 * retry after a lost reply, two replicas recording the same delivery) leaves the same rows as
 * written once. Evaluations and overrides carry ids derived from their natural keys (`records.ts`)
 * and are inserted `ON CONFLICT DO NOTHING`; what an evaluation adds to its pull request's row and
 * week (counters) is applied only when the evaluation row was new, in the same transaction.
 * Pull-request facts merge commutatively (earliest first-review, latest state by time, the masks
 * of gates that ever failed or'ed together), so records may arrive in any order. Rows are written in key order, the same in every
 * transaction, so concurrent writers do not deadlock.
 *
 * Large inserts pass their rows as one JSON parameter (`json_to_recordset`), not one parameter per
 * value; all SQL is parameterised.
 */
import { sql, type Insertable, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import {
  evaluationId,
  gateMask,
  jsonText,
  overrideId,
  ownerOf,
  reasonPattern,
  weekOf,
  type EvaluationRecord,
  type PullRequestFacts,
  type PullRequestRecord,
  type RepositoryKey,
} from './records.js';
import type { HistoryTables, OverridesTable, PullRequestsTable } from './tables.js';
import { SYSTEM_CLOCK } from '../ops/clock.js';

export type HistoryItem =
  | { readonly kind: 'evaluation'; readonly record: EvaluationRecord }
  | { readonly kind: 'pull-request'; readonly record: PullRequestRecord };

export interface WriteSummary {
  /** Evaluations inserted (not already present). */
  readonly evaluations: number;
  /** Evaluations that were already present (a retry or a second replica). */
  readonly duplicates: number;
  readonly pullRequests: number;
  readonly snapshots: number;
}

type Db = Kysely<HistoryTables> | Transaction<HistoryTables>;

/**
 * `SELECT * FROM json_to_recordset($1::json) AS r(column type, …)`: many rows as one JSON
 * parameter (faster than one array per column on both backends). Column names and types are code,
 * never input; strings are made acceptable to PostgreSQL text on the way.
 */
export function jsonRows(
  columns: readonly (readonly [string, string])[],
  rows: readonly Record<string, unknown>[],
): RawBuilder<unknown> {
  const json = jsonText(rows);
  return sql`SELECT * FROM json_to_recordset(${json}::json) AS r(${sql.raw(columns.map(([name, type]) => `${name} ${type}`).join(', '))})`;
}

const EVALUATION_COLUMNS = [
  ['id', 'uuid'],
  ['repository_id', 'bigint'],
  ['repository', 'text'],
  ['owner', 'text'],
  ['installation_id', 'bigint'],
  ['pr_number', 'integer'],
  ['head_sha', 'text'],
  ['author', 'text'],
  ['author_is_bot', 'boolean'],
  ['evaluated_at', 'timestamptz'],
  ['trigger_event', 'text'],
  ['delivery_id', 'text'],
  ['verdict', 'text'],
  ['conclusion', 'text'],
  ['title', 'text'],
] as const;

/** Gate figures: column, `GateNumbers` key, SQL type. */
const FIGURES = [
  ['counted_lines', 'countedLines', 'integer'],
  ['counted_files', 'countedFiles', 'integer'],
  ['excluded_lines', 'excludedLines', 'integer'],
  ['excluded_files', 'excludedFiles', 'integer'],
  ['lines_default_excludes_on', 'linesDefaultExcludesOn', 'integer'],
  ['files_default_excludes_on', 'filesDefaultExcludesOn', 'integer'],
  ['lines_default_excludes_off', 'linesDefaultExcludesOff', 'integer'],
  ['files_default_excludes_off', 'filesDefaultExcludesOff', 'integer'],
  ['max_lines', 'maxLines', 'integer'],
  ['max_files', 'maxFiles', 'integer'],
  ['ticket_found', 'ticketFound', 'boolean'],
  ['ticket_where', 'ticketWhere', 'text'],
  ['source_files', 'sourceFiles', 'integer'],
  ['test_files', 'testFiles', 'integer'],
  ['commits', 'commits', 'integer'],
  ['unsigned_commits', 'unsignedCommits', 'integer'],
  ['owned_files', 'ownedFiles', 'integer'],
  ['owners_pending', 'ownersPending', 'integer'],
  ['files_awaiting_review', 'filesAwaitingReview', 'integer'],
  ['truncated', 'truncated', 'boolean'],
  ['description_chars', 'descriptionChars', 'integer'],
  ['sections_missing', 'sectionsMissing', 'integer'],
  ['untouched_template', 'untouchedTemplate', 'boolean'],
  ['title_valid', 'titleValid', 'boolean'],
  ['title_length', 'titleLength', 'integer'],
  ['age_days', 'ageDays', 'integer'],
  ['behind_by', 'behindBy', 'integer'],
] as const;

const GATE_COLUMNS = [
  ['evaluation_id', 'uuid'],
  ['gate_id', 'text'],
  ['repository_id', 'bigint'],
  ['pr_number', 'integer'],
  ['evaluated_at', 'timestamptz'],
  ['mode', 'text'],
  ['status', 'text'],
  ['reason', 'text'],
  ...FIGURES.map(([column, , type]) => [column, type] as const),
] as const;

/** The batch-size figures a pull request's row keeps from its latest evaluation. */
const PR_FIGURES = [
  'counted_lines',
  'counted_files',
  'lines_default_excludes_on',
  'files_default_excludes_on',
  'lines_default_excludes_off',
  'files_default_excludes_off',
  'max_lines',
  'max_files',
] as const;

/** Time columns of `pull_requests`, carried as ISO strings while a batch is merged. */
type TimeColumn =
  | 'state_at'
  | 'details_at'
  | 'opened_at'
  | 'ready_at'
  | 'first_review_at'
  | 'first_approval_at'
  | 'closed_at'
  | 'merged_at'
  | 'first_evaluated_at'
  | 'last_evaluated_at';

/** A pull request's row as one batch contributes to it (merged with the stored row by SQL). */
type MaskColumn =
  'gates_evaluated' | 'gates_passed' | 'gates_failing' | 'gates_blocked' | 'gates_warned' | 'gates_overridden';
type PullRequestDelta = Omit<
  Required<Insertable<PullRequestsTable>>,
  | TimeColumn
  | MaskColumn
  | 'updated_at'
  | 'gate_statuses'
  | 'failure_reasons'
  | 'failure_keys'
  | 'state'
  | 'evaluations'
> & {
  [K in TimeColumn]: string | null;
} & { [K in MaskColumn]: number } & {
  updated_at: string;
  gate_statuses: string;
  failure_reasons: Record<string, [string, string]>;
  state: 'open' | 'closed' | 'merged';
  evaluations: number;
};

/** PostgreSQL's limit is 65,535 parameters per statement; multi-row VALUES stay under it. */
const MAX_PARAMETERS = 60_000;
function chunked<T extends object>(rows: readonly T[]): T[][] {
  const per = Math.max(1, Math.floor(MAX_PARAMETERS / Math.max(1, Object.keys(rows[0] ?? {}).length)));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += per) out.push(rows.slice(i, i + per));
  return out;
}

const prKey = (repositoryId: number, number: number) => `${repositoryId}#${number}`;
/** -1, 0 or 1 as `a` sorts before, with or after `b` (code-unit order, like `<`). */
function compareText(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}
const byKey = <T>(map: Map<string, T>) => [...map.entries()].sort(([a], [b]) => compareText(a, b)).map(([, v]) => v);
/** The earlier of two timestamps; a missing one loses. */
function earlier(a: string | null, b: string | null | undefined): string | null {
  if (!b) return a;
  return !a || Date.parse(b) < Date.parse(a) ? b : a;
}
/** The later of two timestamps; a missing one loses. */
function later(a: string | null, b: string | null | undefined): string | null {
  if (!b) return a;
  return !a || Date.parse(b) > Date.parse(a) ? b : a;
}

/** The columns that name a pull request, in every table that has them. */
function pullRequestColumns(repository: RepositoryKey, number: number) {
  return {
    repository_id: repository.id,
    repository: repository.fullName,
    owner: ownerOf(repository.fullName),
    installation_id: repository.installationId,
    pr_number: number,
  };
}

function emptyDelta(repository: RepositoryKey, number: number, at: string): PullRequestDelta {
  return {
    ...pullRequestColumns(repository, number),
    author: null,
    author_is_bot: null,
    base_ref: null,
    title: null,
    details_at: null,
    state: 'open',
    state_at: null,
    draft: null,
    opened_at: null,
    ready_at: null,
    first_review_at: null,
    first_approval_at: null,
    closed_at: null,
    merged_at: null,
    first_evaluated_at: null,
    last_evaluated_at: null,
    evaluations: 0,
    last_head_sha: null,
    last_verdict: null,
    last_conclusion: null,
    gates_evaluated: 0,
    gates_passed: 0,
    gates_failing: 0,
    gates_blocked: 0,
    gates_warned: 0,
    gates_overridden: 0,
    gate_statuses: '{}',
    failure_reasons: {},
    counted_lines: null,
    counted_files: null,
    lines_default_excludes_on: null,
    files_default_excludes_on: null,
    lines_default_excludes_off: null,
    files_default_excludes_off: null,
    max_lines: null,
    max_files: null,
    updated_at: at,
  };
}

/**
 * Folds life facts (known at `at`) into a delta with the same rules as the SQL merge. The details
 * (author, base branch, title, draft) come as a group, from the latest record that has a title.
 */
function applyFacts(d: PullRequestDelta, f: PullRequestFacts, at: string): void {
  if (f.title !== undefined && (!d.details_at || Date.parse(at) >= Date.parse(d.details_at))) {
    d.details_at = at;
    d.title = f.title;
    if (f.author) {
      d.author = f.author.login;
      d.author_is_bot = f.author.isBot;
    }
    if (f.baseRef !== undefined) d.base_ref = f.baseRef;
    if (f.draft !== undefined) d.draft = f.draft;
  } else if (f.author && d.author === null) {
    d.author = f.author.login;
    d.author_is_bot = f.author.isBot;
  }
  d.opened_at = earlier(d.opened_at, f.openedAt);
  d.ready_at = earlier(d.ready_at, f.readyAt);
  d.first_review_at = earlier(d.first_review_at, f.firstReviewAt);
  d.first_approval_at = earlier(d.first_approval_at, f.firstApprovalAt);
  if (f.state && f.stateAt && (!d.state_at || Date.parse(f.stateAt) >= Date.parse(d.state_at))) {
    d.state = f.state;
    d.state_at = f.stateAt;
    d.closed_at = f.closedAt ?? null;
    d.merged_at = f.mergedAt ?? null;
  }
}

/** Statuses that make a gate's reason a failure reason (top reasons, `gates_failing`). */
const FAILING: readonly string[] = ['fail', 'warn', 'overridden'];

/** Folds a (new) evaluation into a delta. */
function applyEvaluation(d: PullRequestDelta, e: EvaluationRecord): void {
  applyFacts(d, { ...(e.author ? { author: e.author } : {}), ...e.pullRequest }, e.evaluatedAt);
  d.evaluations++;
  d.first_evaluated_at = earlier(d.first_evaluated_at, e.evaluatedAt);
  const mask = (...statuses: string[]) => gateMask(e.gates.filter((g) => statuses.includes(g.status)).map((g) => g.id));
  d.gates_blocked |= mask('fail');
  d.gates_warned |= mask('warn');
  d.gates_overridden |= mask('overridden');
  const failures = Object.fromEntries(
    e.gates
      .filter((g) => FAILING.includes(g.status))
      .map((g) => [g.id, [reasonPattern(g.reason), g.reason] as [string, string]]),
  );
  const newest = !d.last_evaluated_at || Date.parse(e.evaluatedAt) >= Date.parse(d.last_evaluated_at);
  d.failure_reasons = newest ? { ...d.failure_reasons, ...failures } : { ...failures, ...d.failure_reasons };
  if (!newest) return;
  d.last_evaluated_at = e.evaluatedAt;
  d.last_head_sha = e.headSha;
  d.last_verdict = e.verdict;
  d.last_conclusion = e.conclusion;
  if (e.gates.length > 0) {
    d.gate_statuses = JSON.stringify(Object.fromEntries(e.gates.map((g) => [g.id, g.status])));
    d.gates_evaluated = gateMask(e.gates.map((g) => g.id));
    d.gates_passed = mask('pass');
    d.gates_failing = mask(...FAILING);
  }
  const size = e.gates.find((g) => g.id === 'batch-size')?.numbers;
  if (size?.countedLines !== undefined) {
    d.counted_lines = size.countedLines;
    d.counted_files = size.countedFiles ?? null;
    d.lines_default_excludes_on = size.linesDefaultExcludesOn ?? null;
    d.files_default_excludes_on = size.filesDefaultExcludesOn ?? null;
    d.lines_default_excludes_off = size.linesDefaultExcludesOff ?? null;
    d.files_default_excludes_off = size.filesDefaultExcludesOff ?? null;
    d.max_lines = size.maxLines ?? null;
    d.max_files = size.maxFiles ?? null;
  }
}

/** Writes `items` in one transaction. Throws on any database error; nothing is written then. */
export async function writeBatch(db: Kysely<HistoryTables>, items: readonly HistoryItem[]): Promise<WriteSummary> {
  if (items.length === 0) return { evaluations: 0, duplicates: 0, pullRequests: 0, snapshots: 0 };
  return db.transaction().execute((trx) => writeInTransaction(trx, items));
}

async function writeInTransaction(trx: Db, items: readonly HistoryItem[]): Promise<WriteSummary> {
  const evaluations = new Map<string, EvaluationRecord>();
  const lives: PullRequestRecord[] = [];
  for (const item of items) {
    if (item.kind === 'evaluation') evaluations.set(evaluationId(item.record), item.record);
    else lives.push(item.record);
  }

  await upsertRepositories(trx, items);
  const fresh = await insertEvaluations(trx, evaluations);
  const newEvaluations = [...fresh].map((id) => [id, evaluations.get(id)!] as const);
  await insertGateResults(trx, newEvaluations);
  await upsertWeeks(
    trx,
    newEvaluations.map(([, e]) => e),
  );

  const deltas = new Map<string, PullRequestDelta>();
  const deltaFor = (repository: EvaluationRecord['repository'], number: number, at: string) => {
    const key = prKey(repository.id, number);
    let d = deltas.get(key);
    if (!d) deltas.set(key, (d = emptyDelta(repository, number, at)));
    d.updated_at = later(d.updated_at, at)!;
    return d;
  };
  for (const life of lives) applyFacts(deltaFor(life.repository, life.number, life.at), life.facts, life.at);
  for (const [, e] of newEvaluations.sort(([, a], [, b]) => Date.parse(a.evaluatedAt) - Date.parse(b.evaluatedAt))) {
    applyEvaluation(deltaFor(e.repository, e.number, e.evaluatedAt), e);
  }
  await upsertFailurePatterns(
    trx,
    newEvaluations.map(([, e]) => e),
  );
  await upsertPullRequests(trx, byKey(deltas));
  await insertOverrides(trx, [...evaluations.values()]);
  const snapshots = await upsertSnapshots(
    trx,
    newEvaluations.map(([, e]) => e),
  );
  await deleteClosedSnapshots(trx, [...deltas.values()]);
  return { evaluations: fresh.size, duplicates: evaluations.size - fresh.size, pullRequests: deltas.size, snapshots };
}

/** A row touched again only once a day: most batches change nothing in these tables. */
const TOUCH_AFTER = sql`interval '1 day'`;

/** Each repository's name and installation, the latest record's (names change on rename and transfer). */
async function upsertRepositories(trx: Db, items: readonly HistoryItem[]): Promise<void> {
  const latest = new Map<
    number,
    {
      id: number;
      full_name: string;
      owner: string;
      installation_id: number;
      private: boolean | null;
      named_at: string;
      seen_at: string;
    }
  >();
  for (const { kind, record } of items) {
    const at = kind === 'evaluation' ? record.evaluatedAt : record.at;
    const seen = latest.get(record.repository.id);
    const visibility = record.repository.private ?? null;
    if (seen && Date.parse(seen.named_at) >= Date.parse(at)) {
      // An older record still tells the visibility when the newer one did not carry it.
      if (seen.private === null) seen.private = visibility;
      continue;
    }
    const {
      repository_id: id,
      repository: full_name,
      owner,
      installation_id,
    } = pullRequestColumns(record.repository, record.number);
    latest.set(id, {
      id,
      full_name,
      owner,
      installation_id,
      private: visibility ?? seen?.private ?? null,
      named_at: at,
      seen_at: at,
    });
  }
  const rows = [...latest.values()].sort((a, b) => a.id - b.id);
  if (rows.length === 0) return;
  const newer = sql`excluded.named_at > repositories.named_at`;
  // A known visibility replaces an unknown one, and a newer record's replaces an older one's.
  const visibility = sql`excluded.private IS NOT NULL AND (${newer} OR repositories.private IS NULL)`;
  await trx
    .insertInto('repositories')
    .values(rows)
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet({
          full_name: sql<never>`CASE WHEN ${newer} THEN excluded.full_name ELSE repositories.full_name END`,
          owner: sql<never>`CASE WHEN ${newer} THEN excluded.owner ELSE repositories.owner END`,
          installation_id: sql<never>`CASE WHEN ${newer} THEN excluded.installation_id ELSE repositories.installation_id END`,
          private: sql<never>`CASE WHEN ${visibility} THEN excluded.private ELSE repositories.private END`,
          named_at: sql<never>`GREATEST(repositories.named_at, excluded.named_at)`,
          seen_at: sql<never>`GREATEST(repositories.seen_at, excluded.seen_at)`,
        })
        .where(
          sql<boolean>`(${newer} AND (excluded.full_name, excluded.installation_id) IS DISTINCT FROM (repositories.full_name, repositories.installation_id)) OR (${visibility} AND excluded.private IS DISTINCT FROM repositories.private) OR excluded.seen_at > repositories.seen_at + ${TOUCH_AFTER}`,
        ),
    )
    .execute();
}

/** The failure reasons' patterns per gate, keyed as `history_failure_keys` keys them (top reasons read these). */
async function upsertFailurePatterns(trx: Db, evaluations: readonly EvaluationRecord[]): Promise<void> {
  const patterns = new Map<string, { gate_id: string; pattern: string; example: string; seen_at: string }>();
  for (const e of evaluations) {
    for (const g of e.gates) {
      if (!FAILING.includes(g.status)) continue;
      const pattern = reasonPattern(g.reason);
      const key = `${g.id}\n${pattern}`;
      const seen = patterns.get(key);
      if (!seen) patterns.set(key, { gate_id: g.id, pattern, example: g.reason, seen_at: e.evaluatedAt });
      else seen.seen_at = later(seen.seen_at, e.evaluatedAt)!;
    }
  }
  if (patterns.size === 0) return;
  const columns = [
    ['gate_id', 'text'],
    ['pattern', 'text'],
    ['example', 'text'],
    ['seen_at', 'timestamptz'],
  ] as const;
  await trx
    .insertInto('failure_patterns')
    .columns(['key', 'gate_id', 'pattern', 'example', 'seen_at'])
    .expression(
      sql`SELECT history_failure_key(r.gate_id, r.pattern) AS key, r.gate_id, r.pattern, r.example, r.seen_at FROM (${jsonRows(columns, [...patterns.values()])}) r ORDER BY 1`,
    )
    // The first example stays; `seen_at` keeps the row from retention while reasons still use it.
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({ seen_at: sql<never>`excluded.seen_at` })
        .where(sql<boolean>`excluded.seen_at > failure_patterns.seen_at + ${TOUCH_AFTER}`),
    )
    .execute();
}

async function insertEvaluations(trx: Db, evaluations: ReadonlyMap<string, EvaluationRecord>): Promise<Set<string>> {
  if (evaluations.size === 0) return new Set();
  const rows = [...evaluations.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, e]) => ({
      id,
      ...pullRequestColumns(e.repository, e.number),
      head_sha: e.headSha,
      author: e.author?.login ?? null,
      author_is_bot: e.author?.isBot ?? null,
      evaluated_at: e.evaluatedAt,
      trigger_event: e.event,
      delivery_id: e.deliveryId,
      verdict: e.verdict,
      conclusion: e.conclusion,
      title: e.title,
    }));
  const inserted = await trx
    .insertInto('evaluations')
    .columns(EVALUATION_COLUMNS.map(([c]) => c))
    .expression(jsonRows(EVALUATION_COLUMNS, rows))
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .execute();
  return new Set(inserted.map((r) => r.id));
}

async function insertGateResults(
  trx: Db,
  evaluations: readonly (readonly [string, EvaluationRecord])[],
): Promise<void> {
  const rows = evaluations
    .flatMap(([id, e]) =>
      e.gates.map((g) => ({
        evaluation_id: id,
        gate_id: g.id,
        repository_id: e.repository.id,
        pr_number: e.number,
        evaluated_at: e.evaluatedAt,
        mode: g.mode,
        status: g.status,
        reason: g.reason,
        ...Object.fromEntries(FIGURES.map(([column, key]) => [column, g.numbers[key] ?? null])),
      })),
    )
    .sort((a, b) => compareText(a.evaluation_id, b.evaluation_id) || (a.gate_id < b.gate_id ? -1 : 1));
  if (rows.length === 0) return;
  await trx
    .insertInto('gate_results')
    .columns(GATE_COLUMNS.map(([c]) => c))
    .expression(jsonRows(GATE_COLUMNS, rows))
    .onConflict((oc) => oc.columns(['evaluation_id', 'gate_id']).doNothing())
    .execute();
}

/** A SQL expression of a `doUpdateSet`, whatever the column's type. */
type ColumnValue = RawBuilder<never>;

/** The stored and the new gate mask, or'ed: a gate once set stays set, whatever the order of writes. */
const orMask = (table: string, column: string): ColumnValue =>
  sql<never>`${sql.ref(`${table}.${column}`)} | ${sql.ref(`excluded.${column}`)}`;

async function upsertWeeks(trx: Db, evaluations: readonly EvaluationRecord[]): Promise<void> {
  const weeks = new Map<
    string,
    {
      repository_id: number;
      week: string;
      pr_number: number;
      owner: string;
      evaluations: number;
      gates_evaluated: number;
      gates_failed: number;
      gates_warned: number;
      gates_overridden: number;
    }
  >();
  for (const e of evaluations) {
    const week = weekOf(e.evaluatedAt);
    const key = `${prKey(e.repository.id, e.number)}@${week}`;
    let w = weeks.get(key);
    if (!w) {
      w = {
        repository_id: e.repository.id,
        week,
        pr_number: e.number,
        owner: ownerOf(e.repository.fullName),
        evaluations: 0,
        gates_evaluated: 0,
        gates_failed: 0,
        gates_warned: 0,
        gates_overridden: 0,
      };
      weeks.set(key, w);
    }
    w.evaluations++;
    const mask = (status?: string) =>
      gateMask(e.gates.filter((g) => status === undefined || g.status === status).map((g) => g.id));
    w.gates_evaluated |= mask();
    w.gates_failed |= mask('fail');
    w.gates_warned |= mask('warn');
    w.gates_overridden |= mask('overridden');
  }
  for (const chunk of chunked(byKey(weeks))) {
    await trx
      .insertInto('pull_request_weeks')
      .values(chunk)
      .onConflict((oc) =>
        oc.columns(['repository_id', 'week', 'pr_number']).doUpdateSet({
          evaluations: sql`pull_request_weeks.evaluations + excluded.evaluations`,
          gates_evaluated: orMask('pull_request_weeks', 'gates_evaluated'),
          gates_failed: orMask('pull_request_weeks', 'gates_failed'),
          gates_warned: orMask('pull_request_weeks', 'gates_warned'),
          gates_overridden: orMask('pull_request_weeks', 'gates_overridden'),
        }),
      )
      .execute();
  }
}

async function upsertPullRequests(trx: Db, deltas: readonly PullRequestDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const stored = (c: string) => sql.ref(`pull_requests.${c}`);
  const incoming = (c: string) => sql.ref(`excluded.${c}`);
  // Details: from the latest record that had them; a field it lacked keeps the stored value.
  const detailsWin = sql`(excluded.details_at IS NOT NULL AND (pull_requests.details_at IS NULL OR excluded.details_at >= pull_requests.details_at))`;
  const byDetails = (c: string): ColumnValue =>
    sql`CASE WHEN ${detailsWin} THEN COALESCE(${incoming(c)}, ${stored(c)}) ELSE COALESCE(${stored(c)}, ${incoming(c)}) END`;
  const least = (c: string): ColumnValue => sql`LEAST(${stored(c)}, ${incoming(c)})`;
  // The state (and when it closed or merged) follows the latest state change by time.
  const stateWins = sql`(excluded.state_at IS NOT NULL AND (pull_requests.state_at IS NULL OR excluded.state_at >= pull_requests.state_at))`;
  const byState = (c: string): ColumnValue => sql`CASE WHEN ${stateWins} THEN ${incoming(c)} ELSE ${stored(c)} END`;
  // The latest evaluation's verdict and figures; figures only from an evaluation that had them.
  const newer = sql`(excluded.last_evaluated_at IS NOT NULL AND (pull_requests.last_evaluated_at IS NULL OR excluded.last_evaluated_at >= pull_requests.last_evaluated_at))`;
  const byLatest = (c: string): ColumnValue => sql`CASE WHEN ${newer} THEN ${incoming(c)} ELSE ${stored(c)} END`;
  const byLatestIfSet = (c: string): ColumnValue =>
    sql`CASE WHEN ${newer} AND ${incoming(c)} IS NOT NULL THEN ${incoming(c)} ELSE ${stored(c)} END`;
  const rows = deltas.map((d) => {
    const failureReasons = JSON.stringify(d.failure_reasons);
    return {
      ...d,
      failure_reasons: failureReasons,
      failure_keys: sql<never>`history_failure_keys(${failureReasons}::jsonb)`,
    };
  });
  // The newer evaluation's reason wins per gate; the keys follow the merged reasons.
  const mergedReasons = sql<never>`CASE WHEN ${newer} THEN pull_requests.failure_reasons || excluded.failure_reasons ELSE excluded.failure_reasons || pull_requests.failure_reasons END`;
  // The latest evaluation that ran gates decides the latest statuses and masks.
  const byLatestGates = (c: string): ColumnValue =>
    sql`CASE WHEN ${newer} AND excluded.gates_evaluated <> 0 THEN ${incoming(c)} ELSE ${stored(c)} END`;
  for (const chunk of chunked(rows)) {
    await trx
      .insertInto('pull_requests')
      .values(chunk)
      .onConflict((oc) =>
        oc.columns(['repository_id', 'pr_number']).doUpdateSet({
          repository: sql`excluded.repository`,
          owner: sql`excluded.owner`,
          installation_id: sql`excluded.installation_id`,
          author: byDetails('author'),
          author_is_bot: byDetails('author_is_bot'),
          base_ref: byDetails('base_ref'),
          title: byDetails('title'),
          draft: byDetails('draft'),
          details_at: sql`GREATEST(pull_requests.details_at, excluded.details_at)`,
          state: byState('state'),
          closed_at: byState('closed_at'),
          merged_at: byState('merged_at'),
          state_at: byState('state_at'),
          opened_at: least('opened_at'),
          ready_at: least('ready_at'),
          first_review_at: least('first_review_at'),
          first_approval_at: least('first_approval_at'),
          first_evaluated_at: least('first_evaluated_at'),
          evaluations: sql`pull_requests.evaluations + excluded.evaluations`,
          last_head_sha: byLatest('last_head_sha'),
          last_verdict: byLatest('last_verdict'),
          last_conclusion: byLatest('last_conclusion'),
          gate_statuses: byLatestGates('gate_statuses'),
          gates_evaluated: byLatestGates('gates_evaluated'),
          gates_passed: byLatestGates('gates_passed'),
          gates_failing: byLatestGates('gates_failing'),
          failure_reasons: mergedReasons,
          failure_keys: sql<never>`history_failure_keys(${mergedReasons})`,
          ...Object.fromEntries(PR_FIGURES.map((c) => [c, byLatestIfSet(c)])),
          last_evaluated_at: sql`GREATEST(pull_requests.last_evaluated_at, excluded.last_evaluated_at)`,
          gates_blocked: orMask('pull_requests', 'gates_blocked'),
          gates_warned: orMask('pull_requests', 'gates_warned'),
          gates_overridden: orMask('pull_requests', 'gates_overridden'),
          updated_at: sql`GREATEST(pull_requests.updated_at, excluded.updated_at)`,
        }),
      )
      .execute();
  }
}

async function insertOverrides(trx: Db, evaluations: readonly EvaluationRecord[]): Promise<void> {
  const rows = new Map<string, Insertable<OverridesTable>>();
  for (const e of evaluations) {
    for (const o of e.overrides) {
      const id = overrideId(e.repository.id, e.number, o);
      rows.set(id, {
        id,
        ...pullRequestColumns(e.repository, e.number),
        head_sha: o.headSha,
        outcome: o.outcome,
        login: o.login,
        gates: [...o.gates],
        reason: o.reason,
        comment_url: o.commentUrl,
        refusal: o.refusal,
        commented_at: o.commentedAt,
        recorded_at: e.evaluatedAt,
      });
    }
  }
  for (const chunk of chunked(byKey(rows))) {
    await trx
      .insertInto('overrides')
      .values(chunk)
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
}

/** Stores the newest snapshot per open pull request (never replacing a newer one). Returns how many were written. */
async function upsertSnapshots(trx: Db, evaluations: readonly EvaluationRecord[]): Promise<number> {
  const latest = new Map<string, EvaluationRecord>();
  for (const e of evaluations) {
    if (!e.snapshot) continue;
    const key = prKey(e.repository.id, e.number);
    const seen = latest.get(key);
    if (!seen || Date.parse(e.evaluatedAt) >= Date.parse(seen.evaluatedAt)) latest.set(key, e);
  }
  if (latest.size === 0) return 0;
  const files = new Map<string, string>();
  for (const e of latest.values()) for (const f of e.snapshot!.files) files.set(f.hash, f.text);
  const now = new Date(SYSTEM_CLOCK.now()).toISOString();
  for (const chunk of chunked(
    byKey(new Map([...files].map(([hash, text]) => [hash, { hash, text, stored_at: now }]))),
  )) {
    await trx
      .insertInto('snapshot_files')
      .values(chunk)
      // Touched, so that the clean-up (which spares recent files) cannot remove it under a new reference.
      .onConflict((oc) => oc.column('hash').doUpdateSet({ stored_at: sql`excluded.stored_at` }))
      .execute();
  }
  const rows = byKey(latest).map((e) => ({
    ...pullRequestColumns(e.repository, e.number),
    head_sha: e.snapshot!.headSha,
    captured_at: e.evaluatedAt,
    snapshot: e.snapshot!.json,
    bytes: Buffer.byteLength(e.snapshot!.json),
    file_hashes: e.snapshot!.files.map((f) => f.hash),
  }));
  for (const chunk of chunked(rows)) {
    await trx
      .insertInto('open_pull_requests')
      .values(chunk)
      .onConflict((oc) =>
        oc
          .columns(['repository_id', 'pr_number'])
          .doUpdateSet({
            repository: sql`excluded.repository`,
            owner: sql`excluded.owner`,
            installation_id: sql`excluded.installation_id`,
            head_sha: sql`excluded.head_sha`,
            captured_at: sql`excluded.captured_at`,
            snapshot: sql`excluded.snapshot`,
            bytes: sql`excluded.bytes`,
            file_hashes: sql`excluded.file_hashes`,
          })
          .where(sql<boolean>`open_pull_requests.captured_at <= excluded.captured_at`),
      )
      .execute();
  }
  return rows.length;
}

/**
 * Deletes the snapshot of every pull request of this batch that is closed or merged, unless the
 * snapshot is newer than the close (a reopened PR evaluated since).
 */
async function deleteClosedSnapshots(trx: Db, deltas: readonly PullRequestDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const repos = deltas.map((d) => d.repository_id);
  const numbers = deltas.map((d) => d.pr_number);
  await sql`
    DELETE FROM open_pull_requests o
    USING pull_requests p, unnest(${repos}::bigint[], ${numbers}::integer[]) AS k(repository_id, pr_number)
    WHERE o.repository_id = k.repository_id AND o.pr_number = k.pr_number
      AND p.repository_id = k.repository_id AND p.pr_number = k.pr_number
      AND p.state <> 'open' AND p.state_at >= o.captured_at`.execute(trx);
}
