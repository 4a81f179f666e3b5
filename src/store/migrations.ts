/**
 * Versioned, forward-only migrations, run at start by every replica.
 *
 * Kysely's `Migrator` takes a PostgreSQL advisory lock on one connection and applies every pending
 * migration in one transaction (DDL is transactional in PostgreSQL): two replicas starting together
 * apply each migration once; the second waits, then finds nothing to do. A migration is never
 * edited or removed once released; a change is a new migration with the next number. There is no
 * `down`: to go back, restore a backup (docs/deploy.md).
 *
 * The SQL is static text (no value is ever interpolated); it must run on PostgreSQL 15 and on the
 * embedded PGlite alike.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely';

/** Kysely keeps the applied migrations here. */
export const MIGRATION_TABLE = 'history_migrations';
export const MIGRATION_LOCK_TABLE = 'history_migrations_lock';

/** What the period's aggregates read of a pull request, beside its repository and last evaluation. */
const ACTIVE_COLUMNS = [
  'first_evaluated_at',
  'merged_at',
  'gates_evaluated',
  'gates_passed',
  'gates_failing',
  'gates_blocked',
  'gates_warned',
  'gates_overridden',
  'counted_lines',
  'lines_default_excludes_on',
  'files_default_excludes_on',
  'lines_default_excludes_off',
  'files_default_excludes_off',
  'max_lines',
  'max_files',
  'failure_keys',
].join(', ');

/** The columns that name a pull request, first in every table of pull requests (`pullRequestColumns` in writer.ts). */
const PULL_REQUEST_KEY = `repository_id bigint NOT NULL,
    pr_number integer NOT NULL,
    repository text NOT NULL,
    owner text NOT NULL,
    installation_id bigint NOT NULL`;

const statements = (...sqls: string[]): Migration => ({
  async up(db) {
    for (const text of sqls) await sql.raw(text).execute(db);
  },
});

/**
 * The history schema, version 1. Index choices (docs/deploy.md, "Indexes and queries"): every
 * insights query filters by repository ids (what the signed-in user may read) and a time range,
 * so each table it reads has an index by `(repository_id, time)` and one by time alone (for scopes
 * that cover most of an organisation). Weekly counts come from `pull_request_weeks` (one row per
 * pull request and week) and per-PR figures from `pull_requests`, whose covering indexes hold
 * everything the period's aggregates read, gates as bit masks and failure reasons as keys into
 * `failure_patterns`: those views read an index only, never a table. `evaluations` (indexed by
 * pull request) and `gate_results` (by evaluation) are the record behind the figures; no view
 * scans them. BRIN indexes on time serve the retention deletes at almost no space.
 */
const initial = statements(
  // A failure reason's key: the first 64 bits of SHA-256 over the gate and the reason's pattern.
  // Computed by the database alone (writes and reads agree by construction); SHA-256 rather than
  // md5, which servers in FIPS mode refuse.
  `CREATE FUNCTION history_failure_key(gate text, pattern text) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT ('x' || left(encode(sha256(convert_to(gate || E'\\n' || pattern, 'UTF8')), 'hex'), 16))::bit(64)::bigint $$`,
  // The keys of a pull request's failure reasons (`{"gate": [pattern, reason], …}`), sorted.
  `CREATE FUNCTION history_failure_keys(reasons jsonb) RETURNS bigint[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT COALESCE(array_agg(history_failure_key(key, value ->> 0) ORDER BY 1), '{}') FROM jsonb_each(reasons) $$`,

  `CREATE TABLE repositories (
    id bigint PRIMARY KEY,
    full_name text NOT NULL,
    owner text NOT NULL,
    installation_id bigint NOT NULL,
    named_at timestamptz NOT NULL,
    seen_at timestamptz NOT NULL
  )`,
  `CREATE INDEX repositories_owner ON repositories (owner)`,

  `CREATE TABLE evaluations (
    id uuid PRIMARY KEY,
    ${PULL_REQUEST_KEY},
    head_sha text NOT NULL,
    author text,
    author_is_bot boolean,
    evaluated_at timestamptz NOT NULL,
    trigger_event text NOT NULL,
    delivery_id text NOT NULL,
    verdict text NOT NULL CHECK (verdict IN ('evaluated', 'skipped', 'config-error', 'error')),
    conclusion text NOT NULL CHECK (conclusion IN ('success', 'failure', 'neutral')),
    title text NOT NULL
  )`,
  `CREATE INDEX evaluations_pull_request ON evaluations (repository_id, pr_number, evaluated_at)`,
  `CREATE INDEX evaluations_time ON evaluations USING brin (evaluated_at)`,

  `CREATE TABLE gate_results (
    evaluation_id uuid NOT NULL,
    gate_id text NOT NULL,
    repository_id bigint NOT NULL,
    pr_number integer NOT NULL,
    evaluated_at timestamptz NOT NULL,
    mode text NOT NULL CHECK (mode IN ('block', 'warn')),
    status text NOT NULL CHECK (status IN ('pass', 'fail', 'warn', 'skipped', 'overridden')),
    reason text NOT NULL,
    counted_lines integer,
    counted_files integer,
    excluded_lines integer,
    excluded_files integer,
    lines_default_excludes_on integer,
    files_default_excludes_on integer,
    lines_default_excludes_off integer,
    files_default_excludes_off integer,
    max_lines integer,
    max_files integer,
    ticket_found boolean,
    ticket_where text,
    source_files integer,
    test_files integer,
    commits integer,
    unsigned_commits integer,
    owned_files integer,
    owners_pending integer,
    files_awaiting_review integer,
    truncated boolean,
    PRIMARY KEY (evaluation_id, gate_id)
  )`,
  `CREATE INDEX gate_results_time ON gate_results USING brin (evaluated_at)`,

  `CREATE TABLE overrides (
    id uuid PRIMARY KEY,
    ${PULL_REQUEST_KEY},
    head_sha text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('applied', 'refused')),
    login text NOT NULL,
    gates text[] NOT NULL,
    reason text NOT NULL,
    comment_url text NOT NULL,
    refusal text,
    commented_at timestamptz,
    recorded_at timestamptz NOT NULL
  )`,
  `CREATE INDEX overrides_repository_time ON overrides (repository_id, recorded_at)`,

  `CREATE TABLE pull_requests (
    ${PULL_REQUEST_KEY},
    author text,
    author_is_bot boolean,
    base_ref text,
    title text,
    details_at timestamptz,
    state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed', 'merged')),
    state_at timestamptz,
    draft boolean,
    opened_at timestamptz,
    ready_at timestamptz,
    first_review_at timestamptz,
    first_approval_at timestamptz,
    closed_at timestamptz,
    merged_at timestamptz,
    first_evaluated_at timestamptz,
    last_evaluated_at timestamptz,
    evaluations integer NOT NULL DEFAULT 0,
    last_head_sha text,
    last_verdict text,
    last_conclusion text,
    gates_evaluated integer NOT NULL DEFAULT 0,
    gates_passed integer NOT NULL DEFAULT 0,
    gates_failing integer NOT NULL DEFAULT 0,
    gates_blocked integer NOT NULL DEFAULT 0,
    gates_warned integer NOT NULL DEFAULT 0,
    gates_overridden integer NOT NULL DEFAULT 0,
    gate_statuses jsonb NOT NULL DEFAULT '{}',
    failure_reasons jsonb NOT NULL DEFAULT '{}',
    failure_keys bigint[] NOT NULL DEFAULT '{}',
    counted_lines integer,
    counted_files integer,
    lines_default_excludes_on integer,
    files_default_excludes_on integer,
    lines_default_excludes_off integer,
    files_default_excludes_off integer,
    max_lines integer,
    max_files integer,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (repository_id, pr_number)
  )`,
  // Covering, for the period's aggregates (gate shares, compliance, top reasons, what-if, summaries).
  `CREATE INDEX pull_requests_repository_active ON pull_requests (repository_id, last_evaluated_at) INCLUDE (${ACTIVE_COLUMNS})`,
  `CREATE INDEX pull_requests_active ON pull_requests (last_evaluated_at) INCLUDE (repository_id, ${ACTIVE_COLUMNS})`,
  // Covering, by repository and by time (a few repositories, or most of an organisation): review
  // times, merged sizes, lead times and the largest and slowest lists are read from an index alone.
  `CREATE INDEX pull_requests_repository_opened ON pull_requests (repository_id, opened_at) INCLUDE (ready_at, first_review_at)`,
  `CREATE INDEX pull_requests_opened ON pull_requests (opened_at) INCLUDE (repository_id, pr_number, ready_at, first_review_at, closed_at, state, draft)`,
  `CREATE INDEX pull_requests_repository_merged ON pull_requests (repository_id, merged_at) INCLUDE (opened_at, counted_lines, counted_files) WHERE merged_at IS NOT NULL`,
  `CREATE INDEX pull_requests_merged ON pull_requests (merged_at) INCLUDE (repository_id, pr_number, opened_at, counted_lines, counted_files) WHERE merged_at IS NOT NULL`,
  `CREATE INDEX pull_requests_updated ON pull_requests USING brin (updated_at)`,

  `CREATE TABLE pull_request_weeks (
    repository_id bigint NOT NULL,
    week date NOT NULL,
    pr_number integer NOT NULL,
    owner text NOT NULL,
    evaluations integer NOT NULL,
    gates_evaluated integer NOT NULL,
    gates_failed integer NOT NULL,
    gates_warned integer NOT NULL,
    gates_overridden integer NOT NULL,
    PRIMARY KEY (repository_id, week, pr_number) INCLUDE (evaluations, gates_evaluated, gates_failed, gates_warned, gates_overridden)
  )`,
  `CREATE INDEX pull_request_weeks_week ON pull_request_weeks USING brin (week)`,

  `CREATE TABLE open_pull_requests (
    ${PULL_REQUEST_KEY},
    head_sha text NOT NULL,
    captured_at timestamptz NOT NULL,
    snapshot jsonb NOT NULL,
    bytes integer NOT NULL,
    file_hashes text[] NOT NULL,
    PRIMARY KEY (repository_id, pr_number)
  )`,
  `CREATE INDEX open_pull_requests_owner ON open_pull_requests (owner)`,

  `CREATE TABLE failure_patterns (
    key bigint PRIMARY KEY,
    gate_id text NOT NULL,
    pattern text NOT NULL,
    example text NOT NULL,
    seen_at timestamptz NOT NULL
  )`,

  `CREATE TABLE snapshot_files (
    hash text PRIMARY KEY,
    text text NOT NULL,
    stored_at timestamptz NOT NULL
  )`,
);

/**
 * The key figures of the gates added after the first five (`GateNumbers`): pr-description's
 * characters of own text, sections missing and untouched template; conventional-title's verdict
 * and title length; branch-age's days open and commits behind. Nullable: older rows and other
 * gates have none.
 */
const laterGateFigures = statements(
  `ALTER TABLE gate_results
    ADD COLUMN description_chars integer,
    ADD COLUMN sections_missing integer,
    ADD COLUMN untouched_template boolean,
    ADD COLUMN title_valid boolean,
    ADD COLUMN title_length integer,
    ADD COLUMN age_days integer,
    ADD COLUMN behind_by integer`,
);

/**
 * Version 4: each repository's visibility as the latest webhook that carried it said
 * (`repository.private`), null while unknown; and an index of open pull requests. The organisation policy preview names only
 * repositories known to be public (docs/policy-preview.md, "Privacy").
 */
const repositoryVisibility = statements(
  `ALTER TABLE repositories ADD COLUMN private boolean`,
  // The preview counts open pull requests the history holds no snapshot of.
  `CREATE INDEX pull_requests_open ON pull_requests (owner) WHERE state = 'open'`,
);

/** The grouping key of `repository_weeks`: a repository's week and a combination of gate masks. */
const WEEK_GROUP = 'repository_id, week, gates_evaluated, gates_failed, gates_warned, gates_overridden';

/** Adds `deltas` (rows of the grouping key, `prs`, `evaluations`) to `repository_weeks`, in key order. */
const rollWeeks = (deltas: string) => `INSERT INTO repository_weeks AS r (${WEEK_GROUP}, prs, evaluations)
      SELECT ${WEEK_GROUP}, sum(prs), sum(evaluations) FROM (${deltas}) d
      GROUP BY ${WEEK_GROUP}
      HAVING sum(prs) <> 0 OR sum(evaluations) <> 0
      ORDER BY ${WEEK_GROUP}
      ON CONFLICT (${WEEK_GROUP}) DO UPDATE SET prs = r.prs + excluded.prs, evaluations = r.evaluations + excluded.evaluations`;
/** Deletes the groups that a change emptied (among those it took rows from). */
const dropEmptyWeeks = `DELETE FROM repository_weeks r USING (SELECT DISTINCT ${WEEK_GROUP} FROM old_weeks) o
      WHERE (${WEEK_GROUP.split(', ')
        .map((c) => `r.${c}`)
        .join(', ')}) = (${WEEK_GROUP.split(', ')
        .map((c) => `o.${c}`)
        .join(', ')}) AND r.prs = 0`;

/**
 * Version 5: `repository_weeks`, what `pull_request_weeks` holds summed per repository, week and
 * combination of gate masks (a few rows per repository and week instead of one per pull request):
 * the PRs evaluated per week, the evaluations, and per gate per week are sums over it
 * (docs/deploy.md, "Indexes and queries"). Triggers on `pull_request_weeks` keep it in step in the
 * same statement's transaction, whatever writes there (the writer's upserts, retention's deletes, a
 * TRUNCATE): one statement per write statement, over the rows it changed (transition tables). An
 * update moves a PR's week from its old mask group to its new one; a group emptied is deleted.
 * Rows are upserted in key order, the same in every transaction, so concurrent writers do not
 * deadlock. The table is filled from `pull_request_weeks` as it stands.
 */
const insightsRollups = statements(
  `CREATE TABLE repository_weeks (
    repository_id bigint NOT NULL,
    week date NOT NULL,
    gates_evaluated integer NOT NULL,
    gates_failed integer NOT NULL,
    gates_warned integer NOT NULL,
    gates_overridden integer NOT NULL,
    prs integer NOT NULL,
    evaluations bigint NOT NULL,
    PRIMARY KEY (${WEEK_GROUP}) INCLUDE (prs, evaluations)
  )`,
  // A transition table exists only for the events its trigger names: each branch reads its own.
  `CREATE FUNCTION history_roll_weeks() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'TRUNCATE' THEN
      TRUNCATE repository_weeks;
    ELSIF TG_OP = 'INSERT' THEN
      ${rollWeeks(`SELECT ${WEEK_GROUP}, 1 AS prs, evaluations FROM new_weeks`)};
    ELSIF TG_OP = 'UPDATE' THEN
      ${rollWeeks(`SELECT ${WEEK_GROUP}, 1 AS prs, evaluations FROM new_weeks UNION ALL SELECT ${WEEK_GROUP}, -1, -evaluations FROM old_weeks`)};
      ${dropEmptyWeeks};
    ELSE
      ${rollWeeks(`SELECT ${WEEK_GROUP}, -1 AS prs, -evaluations AS evaluations FROM old_weeks`)};
      ${dropEmptyWeeks};
    END IF;
    RETURN NULL;
  END $$`,
  ...['INSERT', 'UPDATE', 'DELETE'].map(
    (event) =>
      `CREATE TRIGGER pull_request_weeks_roll_${event.toLowerCase()} AFTER ${event} ON pull_request_weeks
      REFERENCING ${event === 'INSERT' ? '' : 'OLD TABLE AS old_weeks'} ${event === 'DELETE' ? '' : 'NEW TABLE AS new_weeks'}
      FOR EACH STATEMENT EXECUTE FUNCTION history_roll_weeks()`,
  ),
  `CREATE TRIGGER pull_request_weeks_roll_truncate AFTER TRUNCATE ON pull_request_weeks FOR EACH STATEMENT EXECUTE FUNCTION history_roll_weeks()`,
  `INSERT INTO repository_weeks (${WEEK_GROUP}, prs, evaluations)
    SELECT ${WEEK_GROUP}, count(*), sum(evaluations) FROM pull_request_weeks GROUP BY ${WEEK_GROUP}`,
);

/**
 * The gate bits `repository_activity` has columns for: the eight gates of version 6 (`GATE_BITS` in
 * records.ts). A gate added later has no column; the queries read the pull requests for it.
 */
export const ACTIVITY_GATE_BITS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128];
/** Per gate bit: what a pull request adds to each column (the latest evaluation's masks, and "ever" for blocked, warned, overridden). */
const ACTIVITY_GATE_FIGURES = {
  evaluated: 'gates_evaluated',
  blocked: 'gates_blocked',
  warned: 'gates_warned',
  overridden: 'gates_overridden',
  passed: 'gates_passed',
  checked: '(gates_passed | gates_failing)',
} as const;
export type ActivityGateFigure = keyof typeof ACTIVITY_GATE_FIGURES;
export const ACTIVITY_FIGURES = Object.keys(ACTIVITY_GATE_FIGURES) as readonly ActivityGateFigure[];
/** The column of a gate bit's figure, e.g. `g4_blocked`. */
export const activityColumn = (bit: number, figure: ActivityGateFigure) => `g${bit}_${figure}`;
/** Every counted column of `repository_activity`, with what one pull request row `p` adds to it. */
export const ACTIVITY_COUNTS: readonly { readonly column: string; readonly value: string }[] = [
  { column: 'prs', value: '1' },
  { column: 'merged', value: '(p.merged_at IS NOT NULL)::integer' },
  { column: 'blocked', value: '(p.gates_blocked <> 0)::integer' },
  ...ACTIVITY_GATE_BITS.flatMap((bit) =>
    ACTIVITY_FIGURES.map((figure) => ({
      column: activityColumn(bit, figure),
      value: `((${ACTIVITY_GATE_FIGURES[figure].replaceAll('gates_', 'p.gates_')} & ${bit}) <> 0)::integer`,
    })),
  ),
];
/** The grouping key of `repository_activity`: a repository, `d` (a day) or `w` (an ISO week), and its first day. */
const ACTIVITY_KEY = 'repository_id, span, start';

/**
 * What the pull request rows of `rows` (a transition table) add to `repository_activity`, times
 * `sign`: each PR evaluated at least once counts on the day and in the week of its last evaluation.
 */
const activityDeltas = (rows: string, sign: 1 | -1) => `SELECT p.repository_id, s.span, s.start, ${ACTIVITY_COUNTS.map(
  (c) => `${sign === 1 ? '' : '-'}${c.value} AS ${c.column}`,
).join(', ')}
      FROM ${rows} p CROSS JOIN LATERAL (VALUES
        ('d', (p.last_evaluated_at AT TIME ZONE 'UTC')::date),
        ('w', date_trunc('week', p.last_evaluated_at AT TIME ZONE 'UTC')::date)) AS s(span, start)
      WHERE p.last_evaluated_at IS NOT NULL AND p.first_evaluated_at IS NOT NULL`;
/** Adds `deltas` to `repository_activity`, in key order; deltas that cancel out write nothing. */
const rollActivity = (
  deltas: string,
) => `INSERT INTO repository_activity AS r (${ACTIVITY_KEY}, ${ACTIVITY_COUNTS.map((c) => c.column).join(', ')})
      SELECT ${ACTIVITY_KEY}, ${ACTIVITY_COUNTS.map((c) => `sum(${c.column})`).join(', ')} FROM (${deltas}) d
      GROUP BY ${ACTIVITY_KEY}
      HAVING ${ACTIVITY_COUNTS.map((c) => `sum(${c.column}) <> 0`).join(' OR ')}
      ORDER BY ${ACTIVITY_KEY}
      ON CONFLICT (${ACTIVITY_KEY}) DO UPDATE SET ${ACTIVITY_COUNTS.map((c) => `${c.column} = r.${c.column} + excluded.${c.column}`).join(', ')}`;
/** Deletes the spans that a change emptied (among those it took pull requests from). */
const dropEmptyActivity = `DELETE FROM repository_activity r USING (
        SELECT DISTINCT p.repository_id, s.span, s.start FROM old_prs p CROSS JOIN LATERAL (VALUES
          ('d', (p.last_evaluated_at AT TIME ZONE 'UTC')::date),
          ('w', date_trunc('week', p.last_evaluated_at AT TIME ZONE 'UTC')::date)) AS s(span, start)
        WHERE p.last_evaluated_at IS NOT NULL) o
      WHERE (r.repository_id, r.span, r.start) = (o.repository_id, o.span, o.start) AND r.prs = 0`;

/**
 * Version 6: `repository_activity`, the pull requests counted per repository and day, and per
 * repository and ISO week, of their last evaluation: how many, merged, blocked by any gate, and per
 * gate bit those the latest evaluation ran, passed, passed or failed, and those ever blocked, warned
 * about or overridden. While no pull request of the scope was evaluated after the period's end (the
 * default period, up to today), "the PRs evaluated in the period" are those last evaluated in it, and
 * the gate shares and compliance are sums over a few rows per repository (whole weeks, and the days
 * before the first Monday) instead of a pass over every pull request (docs/deploy.md, "Indexes and
 * queries"). Triggers on `pull_requests` keep it exact, as those of version 5 keep `repository_weeks`:
 * one statement per write statement over the rows it changed (the old rows subtracted, the new ones
 * added), upserts in key order, emptied spans deleted, a TRUNCATE followed. Filled from
 * `pull_requests` as it stands.
 */
const activityRollups = statements(
  `CREATE TABLE repository_activity (
    repository_id bigint NOT NULL,
    span text NOT NULL CHECK (span IN ('d', 'w')),
    start date NOT NULL,
    ${ACTIVITY_COUNTS.map((c) => `${c.column} integer NOT NULL`).join(',\n    ')},
    PRIMARY KEY (${ACTIVITY_KEY})
  )`,
  `CREATE FUNCTION history_roll_activity() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'TRUNCATE' THEN
      TRUNCATE repository_activity;
    ELSIF TG_OP = 'INSERT' THEN
      ${rollActivity(activityDeltas('new_prs', 1))};
    ELSIF TG_OP = 'UPDATE' THEN
      ${rollActivity(`${activityDeltas('new_prs', 1)} UNION ALL ${activityDeltas('old_prs', -1)}`)};
      ${dropEmptyActivity};
    ELSE
      ${rollActivity(activityDeltas('old_prs', -1))};
      ${dropEmptyActivity};
    END IF;
    RETURN NULL;
  END $$`,
  ...['INSERT', 'UPDATE', 'DELETE'].map(
    (event) =>
      `CREATE TRIGGER pull_requests_roll_${event.toLowerCase()} AFTER ${event} ON pull_requests
      REFERENCING ${event === 'INSERT' ? '' : 'OLD TABLE AS old_prs'} ${event === 'DELETE' ? '' : 'NEW TABLE AS new_prs'}
      FOR EACH STATEMENT EXECUTE FUNCTION history_roll_activity()`,
  ),
  `CREATE TRIGGER pull_requests_roll_truncate AFTER TRUNCATE ON pull_requests FOR EACH STATEMENT EXECUTE FUNCTION history_roll_activity()`,
  `INSERT INTO repository_activity (${ACTIVITY_KEY}, ${ACTIVITY_COUNTS.map((c) => c.column).join(', ')})
    SELECT ${ACTIVITY_KEY}, ${ACTIVITY_COUNTS.map((c) => `sum(${c.column})`).join(', ')}
    FROM (${activityDeltas('pull_requests', 1)}) d GROUP BY ${ACTIVITY_KEY}`,
);

/** The grouping key of `repository_reasons`: a span of `repository_activity`'s, and a failure reason's key. */
const REASON_KEY = 'repository_id, span, start, key';
/**
 * What the pull request rows of `rows` (a transition table) add to `repository_reasons`, times
 * `sign`: each key of a PR's latest failure reasons counts once on the day and in the week of its
 * last evaluation, as `repository_activity` counts the PR.
 */
const reasonDeltas = (rows: string, sign: 1 | -1) => `SELECT p.repository_id, s.span, s.start, k.key, ${sign} AS prs
      FROM ${rows} p CROSS JOIN LATERAL (VALUES
        ('d', (p.last_evaluated_at AT TIME ZONE 'UTC')::date),
        ('w', date_trunc('week', p.last_evaluated_at AT TIME ZONE 'UTC')::date)) AS s(span, start)
      CROSS JOIN LATERAL unnest(p.failure_keys) AS k(key)
      WHERE p.last_evaluated_at IS NOT NULL AND p.first_evaluated_at IS NOT NULL`;
/** Adds `deltas` to `repository_reasons`, in key order; deltas that cancel out write nothing. */
const rollReasons = (deltas: string) => `INSERT INTO repository_reasons AS r (${REASON_KEY}, prs)
      SELECT ${REASON_KEY}, sum(prs) FROM (${deltas}) d
      GROUP BY ${REASON_KEY} HAVING sum(prs) <> 0
      ORDER BY ${REASON_KEY}
      ON CONFLICT (${REASON_KEY}) DO UPDATE SET prs = r.prs + excluded.prs`;
/** Deletes the counts that a change emptied (among those it took pull requests from). */
const dropEmptyReasons = `DELETE FROM repository_reasons r USING (
        SELECT DISTINCT ${REASON_KEY} FROM (${reasonDeltas('old_prs', -1)}) d) o
      WHERE (r.repository_id, r.span, r.start, r.key) = (o.repository_id, o.span, o.start, o.key) AND r.prs = 0`;

/**
 * Version 7, for the top failure reasons and the largest merged PRs of a period up to today
 * (docs/deploy.md, "Indexes and queries"):
 * - `repository_reasons`: per repository, day and ISO week of their last evaluation (the spans of
 *   `repository_activity`), the pull requests whose latest failure reasons include each key of
 *   `failure_patterns`. The top reasons of such a period are sums over a few rows per repository
 *   and reason instead of every PR's keys unnested. Triggers on `pull_requests` keep it exact, as
 *   those of version 6 keep `repository_activity`: one statement per write statement over the rows
 *   it changed, upserts in key order, emptied counts deleted, a TRUNCATE followed. Filled from
 *   `pull_requests` as it stands.
 * - `pull_requests_merged_lines`: the merged PRs by counted lines, largest first. The largest PRs
 *   of a period over many repositories are the first few entries whose merge time and repository
 *   match, instead of a top-N over every PR merged in the period.
 */
const reasonRollups = statements(
  `CREATE TABLE repository_reasons (
    repository_id bigint NOT NULL,
    span text NOT NULL CHECK (span IN ('d', 'w')),
    start date NOT NULL,
    key bigint NOT NULL,
    prs integer NOT NULL,
    PRIMARY KEY (${REASON_KEY}) INCLUDE (prs)
  )`,
  `CREATE FUNCTION history_roll_reasons() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'TRUNCATE' THEN
      TRUNCATE repository_reasons;
    ELSIF TG_OP = 'INSERT' THEN
      ${rollReasons(reasonDeltas('new_prs', 1))};
    ELSIF TG_OP = 'UPDATE' THEN
      ${rollReasons(`${reasonDeltas('new_prs', 1)} UNION ALL ${reasonDeltas('old_prs', -1)}`)};
      ${dropEmptyReasons};
    ELSE
      ${rollReasons(reasonDeltas('old_prs', -1))};
      ${dropEmptyReasons};
    END IF;
    RETURN NULL;
  END $$`,
  ...['INSERT', 'UPDATE', 'DELETE'].map(
    (event) =>
      `CREATE TRIGGER pull_requests_reasons_${event.toLowerCase()} AFTER ${event} ON pull_requests
      REFERENCING ${event === 'INSERT' ? '' : 'OLD TABLE AS old_prs'} ${event === 'DELETE' ? '' : 'NEW TABLE AS new_prs'}
      FOR EACH STATEMENT EXECUTE FUNCTION history_roll_reasons()`,
  ),
  `CREATE TRIGGER pull_requests_reasons_truncate AFTER TRUNCATE ON pull_requests FOR EACH STATEMENT EXECUTE FUNCTION history_roll_reasons()`,
  `INSERT INTO repository_reasons (${REASON_KEY}, prs)
    SELECT ${REASON_KEY}, sum(prs) FROM (${reasonDeltas('pull_requests', 1)}) d GROUP BY ${REASON_KEY}`,
  `CREATE INDEX pull_requests_merged_lines ON pull_requests (counted_lines DESC) INCLUDE (repository_id, pr_number, merged_at)
    WHERE merged_at IS NOT NULL AND counted_lines IS NOT NULL`,
);

/**
 * Version 8, for the slowest-to-review list (docs/deploy.md, "Indexes and queries"): the reviewed
 * PRs by how long they waited for their first review (or their closing, if earlier), longest
 * first, and the PRs still awaiting one by opening time. The list of a period over many
 * repositories reads the first few entries of each instead of every PR opened in the period.
 */
const reviewWaitIndexes = statements(
  `CREATE INDEX pull_requests_review_wait
    ON pull_requests ((LEAST(first_review_at, COALESCE(closed_at, first_review_at)) - COALESCE(ready_at, opened_at)) DESC)
    INCLUDE (repository_id, pr_number, opened_at, ready_at, first_review_at, closed_at)
    WHERE first_review_at IS NOT NULL AND draft IS NOT TRUE`,
  `CREATE INDEX pull_requests_awaiting_review ON pull_requests (opened_at)
    INCLUDE (repository_id, pr_number, ready_at, closed_at)
    WHERE state = 'open' AND first_review_at IS NULL AND draft IS NOT TRUE`,
);

/** Every migration, by name; names sort in the order they apply. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_history': initial,
  '0003_later_gate_figures': laterGateFigures,
  '0004_repository_visibility': repositoryVisibility,
  '0005_insights_rollups': insightsRollups,
  '0006_activity_rollups': activityRollups,
  '0007_reason_rollups': reasonRollups,
  '0008_review_wait_indexes': reviewWaitIndexes,
};

/**
 * Applies every pending migration under the advisory lock. Throws (with the failed migration's
 * name) when one fails; nothing of it is applied then.
 */
export async function migrate(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema version
  db: Kysely<any>,
  migrations: Readonly<Record<string, Migration>> = MIGRATIONS,
): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...migrations }) },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`history migration ${failed ?? '(none)'} failed`, { cause: result.error });
  }
  return result;
}
