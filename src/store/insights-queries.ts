/**
 * The queries behind the insights views (docs/deploy.md, "Indexes"), one function per table of a
 * view. Every query is scoped to the repositories the signed-in user may read
 * (`scope.repositoryIds`, decided by the caller from what GitHub says) and to a time range.
 * Weeks are ISO weeks in UTC, named by their Monday (`YYYY-MM-DD`). Durations are in hours.
 *
 * "PRs in the period": pull requests evaluated at least once in it. Per-PR figures (size, gate
 * statuses) are those of the PR's latest evaluation; "blocked by a gate" means the gate failed in
 * mode `block` in at least one evaluation. Queries over the period's PRs read the covering indexes
 * of `pull_requests` only: gates as bit masks (`GATE_BITS`), reasons as keys of `failure_patterns`,
 * names from `repositories`; the per-gate counts and the top reasons of a period up to today are sums
 * over the rollups `repository_activity` and `repository_reasons` instead (`activeCountsFromRollup`,
 * `topReasonsFromRollup`), and the top lists start from indexes in their order (`largestMerged`,
 * `slowestKeysFromIndexes`).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { GATE_IDS } from '../../gates/registry.js';
import { ACTIVITY_FIGURES, ACTIVITY_GATE_BITS, activityColumn, type ActivityGateFigure } from './migrations.js';
import {
  packedDoubles,
  packedInts,
  percentileCont,
  unpackDoubles,
  unpackInts,
  weeksThenPeriod,
} from './percentiles.js';
import { GATE_BITS, gateMask } from './records.js';
import type { HistoryTables } from './tables.js';

export interface InsightsScope {
  /** Repositories the user can read, among those chosen. An empty list matches nothing. */
  readonly repositoryIds: readonly number[];
  /** Inclusive start. */
  readonly from: Date;
  /** Exclusive end. */
  readonly to: Date;
}

type Db = Kysely<HistoryTables>;

const day = (d: Date) => d.toISOString().slice(0, 10);
/** Monday of the week holding `d`, as `YYYY-MM-DD`. */
const mondayOf = (d: Date) =>
  day(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7))));
const ids = (scope: InsightsScope) => sql`${[...scope.repositoryIds]}::bigint[]`;
const from = (scope: InsightsScope) => sql`${scope.from.toISOString()}::timestamptz`;
const to = (scope: InsightsScope) => sql`${scope.to.toISOString()}::timestamptz`;
/**
 * The ISO week holding `column` (UTC), as a number: weeks since the Monday before 1970-01-01 (a
 * Thursday). Grouped on per row: arithmetic on the epoch, the same weeks as `date_trunc('week', …
 * AT TIME ZONE 'UTC')` (checked over every PR of a seeded million evaluations and sixty years of
 * hours) at a little less cost.
 */
const weekNumber = (column: string) => sql`floor((date_part('epoch', ${sql.ref(column)}) + 259200) / 604800)`;
/** `SELECT` the week's name (`YYYY-MM-DD`, its Monday), once per group. */
const weekName = (column: string) =>
  sql<string>`to_char(to_timestamp(${weekNumber(column)} * 604800 - 259200) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
/** PRs evaluated at least once in the period. */
const activeIn = (scope: InsightsScope) =>
  sql`p.repository_id = ANY (${ids(scope)}) AND p.last_evaluated_at >= ${from(scope)} AND p.first_evaluated_at < ${to(scope)}`;
/** An interval in hours, as a double (EXTRACT gives numeric, several times slower to sort for percentiles). */
const hours = (interval: ReturnType<typeof sql>) => sql`date_part('epoch', ${interval}) / 3600`;
const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);
/** `column` has the gate's bit set (a gate without a bit matches nothing). */
const has = (column: RawBuilder<unknown>, gate: string) => sql`(${column} & ${gateMask([gate])}::integer) <> 0`;

/**
 * Statements that several tables of a view read alike: each runs once per view when the view's
 * queries are given the same object (`buildView` does), rather than once per table. One object per
 * database and scope; a query given none runs its own.
 */
export interface SharedScans {
  active?: Promise<ActiveCounts>;
  opened?: Promise<OpenedWeek[]>;
  merged?: Promise<MergedWeek[]>;
  weeks?: Promise<WeekMaskGroup[]>;
  /** The what-if candidate the view shows, if any: the pass per repository then counts it too. */
  whatIf?: WhatIfCandidate;
  byRepository?: Promise<RepositoryFigures[]>;
}

export interface WeeklyActivity {
  readonly week: string;
  /** PRs evaluated at least once that week, and the evaluations. */
  readonly evaluatedPrs: number;
  readonly evaluations: number;
  readonly openedPrs: number;
  readonly mergedPrs: number;
  /** Median and 90th percentile of counted lines over the PRs merged that week (latest evaluation). */
  readonly p50Lines: number | null;
  readonly p90Lines: number | null;
}

/** PRs evaluated, opened and merged per week, with the size of the merged ones. */
export async function weeklyActivity(
  db: Db,
  scope: InsightsScope,
  shared: SharedScans = {},
): Promise<WeeklyActivity[]> {
  const [groups, opened, merged] = await Promise.all([
    weekScan(db, scope, shared),
    openedScan(db, scope, shared),
    mergedScan(db, scope, shared),
  ]);
  const weeks = new Map<
    string,
    {
      evaluatedPrs: number;
      evaluations: number;
      openedPrs: number;
      mergedPrs: number;
      p50Lines: number | null;
      p90Lines: number | null;
    }
  >();
  const at = (week: string) => {
    let w = weeks.get(week);
    if (!w)
      weeks.set(
        week,
        (w = { evaluatedPrs: 0, evaluations: 0, openedPrs: 0, mergedPrs: 0, p50Lines: null, p90Lines: null }),
      );
    return w;
  };
  for (const g of groups) {
    const w = at(g.week);
    w.evaluatedPrs += g.n;
    w.evaluations += g.evaluations;
  }
  for (const r of opened) if (r.week !== null) at(r.week).openedPrs = r.opened;
  for (const r of merged)
    if (r.week !== null) Object.assign(at(r.week), { mergedPrs: r.merged, p50Lines: r.p50Lines, p90Lines: r.p90Lines });
  return [...weeks.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([week, w]) => ({ week, ...w }));
}

/** The period's merged PRs per week they merged in, and (`week` null) in total. */
export interface MergedWeek {
  readonly week: string | null;
  readonly merged: number;
  readonly p50Lines: number | null;
  readonly p90Lines: number | null;
  readonly p50Files: number | null;
  readonly p90Files: number | null;
  /** Merged PRs with an opening time, and hours from opened to merged. */
  readonly led: number;
  readonly p50Lead: number | null;
  readonly p90Lead: number | null;
}

/**
 * One pass over the period's merged PRs for the weekly table, the sizes and the lead time: per
 * week, the count and each figure's values packed (`percentiles.ts`); the percentiles per week and
 * over the period (`week` null) computed here. A lead time is null without an opening time, and
 * the packed values leave nulls out, as `percentile_cont` does.
 */
export function mergedScan(db: Db, scope: InsightsScope, shared: SharedScans): Promise<MergedWeek[]> {
  return (shared.merged ??= sql<{
    week: string;
    merged: number;
    led: number;
    lines: Uint8Array | null;
    files: Uint8Array | null;
    lead: Uint8Array | null;
  }>`
    SELECT ${weekName('merged_at')} AS week, count(*) AS merged, count(opened_at) AS led,
      ${packedInts(sql.ref('counted_lines'))} AS lines, ${packedInts(sql.ref('counted_files'))} AS files,
      ${packedDoubles(hours(sql`merged_at - opened_at`))} AS lead
    FROM pull_requests
    WHERE repository_id = ANY (${ids(scope)}) AND merged_at >= ${from(scope)} AND merged_at < ${to(scope)}
    GROUP BY ${weekNumber('merged_at')}`
    .execute(db)
    .then(({ rows }) =>
      weeksThenPeriod(
        rows.map((r) => ({
          week: r.week,
          merged: r.merged,
          led: r.led,
          lines: unpackInts(r.lines),
          files: unpackInts(r.files),
          lead: unpackDoubles(r.lead),
        })),
        ['merged', 'led'],
        ['lines', 'files', 'lead'],
      ).map((w) => ({
        week: w.week,
        merged: w.merged,
        p50Lines: percentileCont(w.lines, 0.5),
        p90Lines: percentileCont(w.lines, 0.9),
        p50Files: percentileCont(w.files, 0.5),
        p90Files: percentileCont(w.files, 0.9),
        led: w.led,
        p50Lead: percentileCont(w.lead, 0.5),
        p90Lead: percentileCont(w.lead, 0.9),
      })),
    ));
}

/** The period's opened PRs per week they opened in, and (`week` null) in total. */
export interface OpenedWeek {
  readonly week: string | null;
  readonly opened: number;
  /** Those with a first review, and hours from ready for review (or opened) to it. */
  readonly reviewed: number;
  readonly p50: number | null;
  readonly p90: number | null;
}

/**
 * One pass over the period's opened PRs for the weekly table and the times to first review, per
 * week and over the period (`week` null), as `mergedScan`. The wait is null without a first review,
 * and the packed values leave nulls out.
 */
export function openedScan(db: Db, scope: InsightsScope, shared: SharedScans): Promise<OpenedWeek[]> {
  const wait = hours(sql`first_review_at - COALESCE(ready_at, opened_at)`);
  return (shared.opened ??= sql<{ week: string; opened: number; reviewed: number; waits: Uint8Array | null }>`
    SELECT ${weekName('opened_at')} AS week, count(*) AS opened, count(first_review_at) AS reviewed,
      ${packedDoubles(wait)} AS waits
    FROM pull_requests
    WHERE repository_id = ANY (${ids(scope)}) AND opened_at >= ${from(scope)} AND opened_at < ${to(scope)}
    GROUP BY ${weekNumber('opened_at')}`
    .execute(db)
    .then(({ rows }) =>
      weeksThenPeriod(
        rows.map((r) => ({ week: r.week, opened: r.opened, reviewed: r.reviewed, waits: unpackDoubles(r.waits) })),
        ['opened', 'reviewed'],
        ['waits'],
      ).map((w) => ({
        week: w.week,
        opened: w.opened,
        reviewed: w.reviewed,
        p50: percentileCont(w.waits, 0.5),
        p90: percentileCont(w.waits, 0.9),
      })),
    ));
}

/** The period's row of `mergedScan` or `openedScan` (`week` null). */
const totalOf = <T extends { week: string | null }>(rows: readonly T[]): T | undefined =>
  rows.find((r) => r.week === null);

export interface MergedSize {
  readonly merged: number;
  readonly p50Lines: number | null;
  readonly p90Lines: number | null;
  readonly p50Files: number | null;
  readonly p90Files: number | null;
}

/** Counted lines and files per merged PR over the period (latest evaluation before merge). */
export async function mergedSize(db: Db, scope: InsightsScope, shared: SharedScans = {}): Promise<MergedSize> {
  const r = totalOf(await mergedScan(db, scope, shared));
  return {
    merged: r?.merged ?? 0,
    p50Lines: r?.p50Lines ?? null,
    p90Lines: r?.p90Lines ?? null,
    p50Files: r?.p50Files ?? null,
    p90Files: r?.p90Files ?? null,
  };
}

/** Rows counted per combination of gate masks: what the gates did, in a few dozen groups rather than a row per PR. */
interface MaskGroup {
  readonly evaluated: number;
  readonly blocked: number;
  readonly warned: number;
  readonly overridden: number;
  readonly n: number;
}

/**
 * Per gate: the rows it evaluated, and of those, the ones it blocked, warned about, or that were
 * overridden, folded from the mask groups (one `GROUP BY` of four integers in SQL, the bits here).
 */
function countGates(
  groups: readonly MaskGroup[],
  gates: readonly string[],
): { gate: string; prs: number; blocked: number; warned: number; overridden: number }[] {
  return gates.map((gate) => {
    const bit = gateMask([gate]);
    const counts = { gate, prs: 0, blocked: 0, warned: 0, overridden: 0 };
    for (const g of groups) {
      if ((g.evaluated & bit) === 0) continue;
      counts.prs += g.n;
      if (g.blocked & bit) counts.blocked += g.n;
      if (g.warned & bit) counts.warned += g.n;
      if (g.overridden & bit) counts.overridden += g.n;
    }
    return counts;
  });
}

export interface GateShare {
  readonly gate: string;
  /** PRs in the period the gate evaluated. */
  readonly prs: number;
  /** …that it blocked (failed in mode block) at least once, warned about, or that were overridden. */
  readonly blocked: number;
  readonly warned: number;
  readonly overridden: number;
}

/** What the period's PRs count per gate: evaluated, blocked, warned, overridden (as `GateShare`), passed, and passed or failed. */
export type GateCounts = Readonly<Record<ActivityGateFigure, number>>;

/** The period's PRs: how many, and per gate bit what they count (`activeCounts`). */
export interface ActiveCounts {
  readonly prs: number;
  /** Keyed by gate bit (`GATE_BITS`). */
  readonly gates: ReadonlyMap<number, GateCounts>;
}

const NO_GATE: GateCounts = { evaluated: 0, blocked: 0, warned: 0, overridden: 0, passed: 0, checked: 0 };
const gateCounts = (counts: ActiveCounts, gate: string): GateCounts => counts.gates.get(gateMask([gate])) ?? NO_GATE;
/** Every gate has a column in `repository_activity` (a gate added later does not, until a migration adds it). */
const ROLLED_UP = Object.values(GATE_BITS).every((bit) => ACTIVITY_GATE_BITS.includes(bit));
const DAY_MS = 86_400_000;

/**
 * The period's PRs counted from their masks, one pass over them: the PRs grouped by their six
 * masks (a few hundred groups at most), folded per gate bit here.
 */
export async function activeCountsFromScan(db: Db, scope: InsightsScope): Promise<ActiveCounts> {
  const { rows } = await sql<MaskGroup & { passed: number; failing: number }>`
    SELECT p.gates_evaluated AS evaluated, p.gates_passed AS passed, p.gates_failing AS failing,
      p.gates_blocked AS blocked, p.gates_warned AS warned, p.gates_overridden AS overridden, count(*) AS n
    FROM pull_requests p WHERE ${activeIn(scope)}
    GROUP BY 1, 2, 3, 4, 5, 6`.execute(db);
  const gates = new Map<number, GateCounts>();
  for (const bit of Object.values(GATE_BITS)) {
    const c = { ...NO_GATE };
    for (const g of rows) {
      if (g.evaluated & bit) c.evaluated += g.n;
      if (g.blocked & bit) c.blocked += g.n;
      if (g.warned & bit) c.warned += g.n;
      if (g.overridden & bit) c.overridden += g.n;
      if (g.passed & bit) c.passed += g.n;
      if ((g.passed | g.failing) & bit) c.checked += g.n;
    }
    gates.set(bit, c);
  }
  return { prs: rows.reduce((n, g) => n + g.n, 0), gates };
}

/**
 * The first Monday of a period that the rollups (`repository_activity`, `repository_reasons`) can
 * answer, or undefined: a period of whole days (the rollups' spans are days and ISO weeks), with
 * every gate having its columns. Exact only when, in addition, no PR of the scope was evaluated on
 * or after its end (`laterThan`, checked in the same statement).
 */
function rollupStart(scope: InsightsScope): string | undefined {
  const fromMs = scope.from.getTime();
  if (!ROLLED_UP || fromMs % DAY_MS !== 0 || scope.to.getTime() % DAY_MS !== 0) return undefined;
  return day(new Date(fromMs + ((8 - scope.from.getUTCDay()) % 7) * DAY_MS));
}

/** Whether a PR of the scope was last evaluated on or after the period's end (a rollup then counts it where the period does not). */
const laterThan = (scope: InsightsScope) => sql<boolean>`EXISTS (
    SELECT 1 FROM repository_activity
    WHERE repository_id = ANY (${ids(scope)}) AND span = 'd' AND start >= ${day(scope.to)}::date
  )`;

/**
 * The rows of a rollup over the period: whole ISO weeks from its first Monday, days before it
 * (`firstMonday` from `rollupStart`).
 */
const rollupSpans = (
  table: 'repository_activity' | 'repository_reasons',
  scope: InsightsScope,
  firstMonday: string,
) => sql`
      SELECT * FROM ${sql.table(table)}
      WHERE repository_id = ANY (${ids(scope)}) AND span = 'w' AND start >= ${firstMonday}::date
      UNION ALL
      SELECT * FROM ${sql.table(table)}
      WHERE repository_id = ANY (${ids(scope)}) AND span = 'd' AND start >= ${day(scope.from)}::date AND start < ${firstMonday}::date`;

/**
 * The same counts summed from `repository_activity` (migration 0006): whole ISO weeks from the
 * first Monday of the period, days before it. Exact only when the PRs evaluated in the period are
 * those last evaluated in it: the period is whole days and no PR of the scope was evaluated on or
 * after its end (the default period, up to today). Undefined otherwise; the caller scans then.
 */
export async function activeCountsFromRollup(db: Db, scope: InsightsScope): Promise<ActiveCounts | undefined> {
  const firstMonday = rollupStart(scope);
  if (firstMonday === undefined) return undefined;
  const columns = ['prs', ...ACTIVITY_GATE_BITS.flatMap((bit) => ACTIVITY_FIGURES.map((f) => activityColumn(bit, f)))];
  const { rows } = await sql<Record<string, number> & { later: boolean }>`
    WITH spans AS (${rollupSpans('repository_activity', scope, firstMonday)})
    SELECT ${laterThan(scope)} AS later,
      ${sql.join(columns.map((c) => sql`COALESCE(sum(${sql.ref(c)}), 0) AS ${sql.ref(c)}`))}
    FROM spans`.execute(db);
  const r = rows[0]!;
  if (r.later) return undefined;
  const gates = new Map<number, GateCounts>();
  for (const bit of ACTIVITY_GATE_BITS)
    gates.set(bit, Object.fromEntries(ACTIVITY_FIGURES.map((f) => [f, r[activityColumn(bit, f)]!])) as GateCounts);
  return { prs: r.prs!, gates };
}

/** The period's PRs counted per gate, from the rollup when it is exact for the scope, else from the PRs. */
function activeCounts(db: Db, scope: InsightsScope, shared: SharedScans): Promise<ActiveCounts> {
  return (shared.active ??= activeCountsFromRollup(db, scope).then(
    (counts) => counts ?? activeCountsFromScan(db, scope),
  ));
}

/** Per gate: how many PRs of the period it evaluated, blocked, warned about; most blocking first. */
export async function gateShares(
  db: Db,
  scope: InsightsScope,
  gates: readonly string[] = GATE_IDS,
  shared: SharedScans = {},
): Promise<GateShare[]> {
  if (gates.length === 0) return [];
  const counts = await activeCounts(db, scope, shared);
  return gates
    .map((gate) => {
      const c = gateCounts(counts, gate);
      return { gate, prs: c.evaluated, blocked: c.blocked, warned: c.warned, overridden: c.overridden };
    })
    .filter((g) => g.prs > 0)
    .sort((a, b) => b.blocked - a.blocked || a.gate.localeCompare(b.gate));
}

export interface GateWeek {
  readonly week: string;
  readonly gate: string;
  /** PRs evaluated that week by the gate, and those it blocked, warned about, or that were overridden. */
  readonly prs: number;
  readonly blocked: number;
  readonly warned: number;
  readonly overridden: number;
}

/** `repository_weeks` summed per week and combination of gate masks over the scope's repositories. */
interface WeekMaskGroup extends MaskGroup {
  readonly week: string;
  readonly evaluations: number;
}

/**
 * One pass over `repository_weeks` for the weekly table (PRs evaluated and evaluations per week)
 * and the gates per week: the rows per week and combination of masks, summed.
 */
function weekScan(db: Db, scope: InsightsScope, shared: SharedScans): Promise<WeekMaskGroup[]> {
  return (shared.weeks ??= sql<WeekMaskGroup>`
    SELECT to_char(w.week, 'YYYY-MM-DD') AS week, w.gates_evaluated AS evaluated, w.gates_failed AS blocked,
      w.gates_warned AS warned, w.gates_overridden AS overridden, sum(w.prs) AS n, sum(w.evaluations) AS evaluations
    FROM repository_weeks w
    WHERE w.repository_id = ANY (${ids(scope)}) AND w.week >= ${mondayOf(scope.from)}::date AND w.week < ${to(scope)}
    GROUP BY w.week, 2, 3, 4, 5`
    .execute(db)
    .then((r) => r.rows));
}

/** Per week and gate (or the gates named): PRs evaluated and blocked. */
export async function gateWeekly(
  db: Db,
  scope: InsightsScope,
  gates: readonly string[] = GATE_IDS,
  shared: SharedScans = {},
): Promise<GateWeek[]> {
  if (gates.length === 0) return [];
  const byWeek = new Map<string, MaskGroup[]>();
  for (const r of await weekScan(db, scope, shared)) {
    const groups = byWeek.get(r.week);
    if (groups) groups.push(r);
    else byWeek.set(r.week, [r]);
  }
  return [...byWeek.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .flatMap(([week, groups]) => countGates(groups, gates).flatMap((g) => (g.prs > 0 ? [{ week, ...g }] : [])));
}

export interface TopReason {
  readonly gate: string;
  /** The reason with its numbers replaced by `N`: "N lines in N files (limit N lines, N files)". */
  readonly pattern: string;
  /** One reason as the check run showed it. */
  readonly example: string;
  /** PRs of the period whose latest failure of the gate (fail, warn or overridden) had this reason. */
  readonly prs: number;
}

/** Which reasons `topReasons` ranks, and how many per gate. */
export interface TopReasonOptions {
  readonly gate?: string;
  readonly perGate?: number;
}

/** The most frequent reasons per gate among `counts` (rows of a failure key and its PRs), named from `failure_patterns`. */
const rankReasons = (counts: RawBuilder<unknown>, options: TopReasonOptions) => sql`
    SELECT gate, pattern, example, prs FROM (
      SELECT f.gate_id AS gate, f.pattern, f.example, k.prs,
        row_number() OVER (PARTITION BY f.gate_id ORDER BY k.prs DESC, f.pattern) AS rank
      FROM (${counts}) k
      JOIN failure_patterns f ON f.key = k.key
      ${options.gate === undefined ? sql`` : sql`WHERE f.gate_id = ${options.gate}`}
    ) ranked
    WHERE rank <= ${options.perGate ?? 5}`;

/**
 * The top reasons counted from every PR of the period: its keys unnested in a select list (on the
 * embedded database half the time of a lateral join over the same rows).
 */
export async function topReasonsFromScan(
  db: Db,
  scope: InsightsScope,
  options: TopReasonOptions = {},
): Promise<TopReason[]> {
  const counts = sql`
    SELECT r.key, count(*) AS prs
    FROM (SELECT unnest(p.failure_keys) AS key FROM pull_requests p WHERE ${activeIn(scope)} AND cardinality(p.failure_keys) > 0) r
    GROUP BY r.key`;
  const { rows } = await sql<TopReason>`${rankReasons(counts, options)} ORDER BY gate, prs DESC, pattern`.execute(db);
  return rows;
}

/**
 * The same reasons summed from `repository_reasons` (migration 0007) over the spans that
 * `activeCountsFromRollup` reads; undefined when the rollups cannot answer the period exactly.
 */
export async function topReasonsFromRollup(
  db: Db,
  scope: InsightsScope,
  options: TopReasonOptions = {},
): Promise<TopReason[] | undefined> {
  const firstMonday = rollupStart(scope);
  if (firstMonday === undefined) return undefined;
  const counts = sql`SELECT key, sum(prs) AS prs FROM (${rollupSpans('repository_reasons', scope, firstMonday)}) s GROUP BY key`;
  // One row with `later` set, or the ranked reasons (none: one row of nulls).
  const { rows } = await sql<{ later: boolean } & { [K in keyof TopReason]: TopReason[K] | null }>`
    SELECT l.later, r.gate, r.pattern, r.example, r.prs
    FROM (SELECT ${laterThan(scope)} AS later) l
    LEFT JOIN (${rankReasons(counts, options)}) r ON NOT l.later
    ORDER BY r.gate, r.prs DESC, r.pattern`.execute(db);
  if (rows[0]?.later !== false) return undefined;
  return rows.flatMap((r) =>
    r.gate === null ? [] : [{ gate: r.gate, pattern: r.pattern!, example: r.example!, prs: r.prs! }],
  );
}

/**
 * The most frequent failure reasons per gate, counted by PRs of the period (each PR's latest failure
 * per gate): from the rollup when it is exact for the scope, else from the PRs.
 */
export async function topReasons(db: Db, scope: InsightsScope, options: TopReasonOptions = {}): Promise<TopReason[]> {
  return (await topReasonsFromRollup(db, scope, options)) ?? topReasonsFromScan(db, scope, options);
}

export interface Compliance {
  readonly prs: number;
  /** Per gate: PRs whose latest evaluation ran it, and those it passed. */
  readonly linkedTicket: { readonly evaluated: number; readonly passed: number };
  readonly testsTouched: { readonly evaluated: number; readonly passed: number };
  readonly signedCommits: { readonly evaluated: number; readonly passed: number };
}

/** Share of the period's PRs with a linked ticket, with tests touched, with signed commits (latest evaluation). */
export async function compliance(db: Db, scope: InsightsScope, shared: SharedScans = {}): Promise<Compliance> {
  const counts = await activeCounts(db, scope, shared);
  const share = (gate: string) => {
    const c = gateCounts(counts, gate);
    return { evaluated: c.checked, passed: c.passed };
  };
  return {
    prs: counts.prs,
    linkedTicket: share('linked-ticket'),
    testsTouched: share('tests-touched'),
    signedCommits: share('signed-commits'),
  };
}

export interface OverrideEntry {
  readonly repositoryId: number;
  readonly repository: string;
  readonly number: number;
  readonly headSha: string;
  readonly outcome: 'applied' | 'refused';
  readonly login: string;
  readonly gates: string[];
  readonly reason: string;
  readonly commentUrl: string;
  readonly refusal: string | null;
  readonly recordedAt: Date;
}

/** Overrides applied and refused in the period, newest first (the audit). */
export async function overrideLog(
  db: Db,
  scope: InsightsScope,
  options: { readonly limit?: number; readonly offset?: number; readonly outcome?: 'applied' | 'refused' } = {},
): Promise<OverrideEntry[]> {
  let query = db
    .selectFrom('overrides')
    .select([
      'repository_id as repositoryId',
      'repository',
      'pr_number as number',
      'head_sha as headSha',
      'outcome',
      'login',
      'gates',
      'reason',
      'comment_url as commentUrl',
      'refusal',
      'recorded_at as recordedAt',
    ])
    .where(sql<boolean>`repository_id = ANY (${ids(scope)})`)
    .where('recorded_at', '>=', scope.from)
    .where('recorded_at', '<', scope.to);
  if (options.outcome) query = query.where('outcome', '=', options.outcome);
  return query
    .orderBy('recorded_at', 'desc')
    .orderBy('id')
    .limit(options.limit ?? 100)
    .offset(options.offset ?? 0)
    .execute();
}

export interface OverrideCount {
  readonly gate: string;
  readonly outcome: 'applied' | 'refused';
  readonly login: string;
  readonly overrides: number;
  readonly prs: number;
}

/** Overrides per gate, outcome and user: who overrides what, how often. */
export async function overrideCounts(db: Db, scope: InsightsScope): Promise<OverrideCount[]> {
  const { rows } = await sql<OverrideCount>`
    SELECT g.gate, o.outcome, o.login, count(*) AS overrides, count(DISTINCT (o.repository_id, o.pr_number)) AS prs
    FROM overrides o CROSS JOIN LATERAL unnest(o.gates) AS g(gate)
    WHERE o.repository_id = ANY (${ids(scope)}) AND o.recorded_at >= ${from(scope)} AND o.recorded_at < ${to(scope)}
    GROUP BY g.gate, o.outcome, o.login
    ORDER BY overrides DESC, g.gate, o.login`.execute(db);
  return rows;
}

export interface ReviewTimes {
  /** PRs opened in the period that got a first review, and hours from ready for review to it. */
  readonly reviewed: number;
  readonly p50FirstReviewHours: number | null;
  readonly p90FirstReviewHours: number | null;
  /** PRs merged in the period, and hours from opened to merged. */
  readonly merged: number;
  readonly p50LeadTimeHours: number | null;
  readonly p90LeadTimeHours: number | null;
}

/** Time to first review (from ready for review, or opened) and opened-to-merged lead time. */
export async function reviewTimes(db: Db, scope: InsightsScope, shared: SharedScans = {}): Promise<ReviewTimes> {
  const [opened, merged] = await Promise.all([openedScan(db, scope, shared), mergedScan(db, scope, shared)]);
  const r = totalOf(opened);
  const m = totalOf(merged);
  return {
    reviewed: r?.reviewed ?? 0,
    p50FirstReviewHours: round1(r?.p50 ?? null),
    p90FirstReviewHours: round1(r?.p90 ?? null),
    merged: m?.led ?? 0,
    p50LeadTimeHours: round1(m?.p50Lead ?? null),
    p90LeadTimeHours: round1(m?.p90Lead ?? null),
  };
}

export interface ReviewWeek {
  readonly week: string;
  readonly reviewed: number;
  readonly p50FirstReviewHours: number | null;
  readonly p90FirstReviewHours: number | null;
}

/** Time to first review per week the PRs were opened (weeks with a reviewed PR). */
export async function reviewTimesByWeek(db: Db, scope: InsightsScope, shared: SharedScans = {}): Promise<ReviewWeek[]> {
  return (await openedScan(db, scope, shared))
    .flatMap((r) =>
      r.week !== null && r.reviewed > 0
        ? [
            {
              week: r.week,
              reviewed: r.reviewed,
              p50FirstReviewHours: round1(r.p50),
              p90FirstReviewHours: round1(r.p90),
            },
          ]
        : [],
    )
    .sort((a, b) => a.week.localeCompare(b.week));
}

export interface PullRequestListing {
  readonly repositoryId: number;
  readonly repository: string;
  readonly number: number;
  readonly title: string | null;
  readonly author: string | null;
  readonly state: 'open' | 'closed' | 'merged';
  readonly openedAt: Date | null;
  readonly mergedAt: Date | null;
  /** For the slowest list: hours waited for a first review (till `to` when none yet). */
  readonly waitHours: number | null;
  readonly countedLines: number | null;
  readonly countedFiles: number | null;
}

/**
 * The listed PRs' details, for keys found first from an index alone (a top-N over tens of
 * thousands of PRs would otherwise read every candidate's row).
 */
async function listing(
  db: Db,
  keys: RawBuilder<unknown>,
  extra: RawBuilder<unknown>,
  order: RawBuilder<unknown>,
): Promise<PullRequestListing[]> {
  const { rows } = await sql<PullRequestListing>`
    WITH top AS (${keys})
    SELECT p.repository_id AS "repositoryId", p.repository, p.pr_number AS number, p.title, p.author, p.state,
      p.opened_at AS "openedAt", p.merged_at AS "mergedAt", p.counted_lines AS "countedLines", p.counted_files AS "countedFiles", ${extra}
    FROM top JOIN pull_requests p USING (repository_id, pr_number)
    ORDER BY ${order}`.execute(db);
  return rows;
}

/** Hours from ready for review (or opened) to the first review, the closing or `to`, whichever came first. */
const reviewWait = (scope: InsightsScope) =>
  hours(
    sql`LEAST(COALESCE(first_review_at, ${to(scope)}), COALESCE(closed_at, ${to(scope)}), ${to(scope)}) - COALESCE(ready_at, opened_at)`,
  );
/**
 * A reviewed PR's wait before the period's end clamps it (the expression `pull_requests_review_wait`
 * indexes, migration 0008): never less than `reviewWait`, and the same when the review or the
 * closing came before `to` (always, for a period up to today).
 */
const REVIEW_WAIT_BOUND = sql`(LEAST(first_review_at, COALESCE(closed_at, first_review_at)) - COALESCE(ready_at, opened_at))`;
/** PRs the slowest list considers: opened in the period, not drafts, reviewed or still open. */
const awaitedIn = (scope: InsightsScope) =>
  sql`repository_id = ANY (${ids(scope)}) AND opened_at >= ${from(scope)} AND opened_at < ${to(scope)} AND draft IS NOT TRUE`;

/** A PR of the slowest list, and how long it waited. */
interface WaitKey {
  readonly repository_id: number;
  readonly pr_number: number;
  readonly wait_hours: number;
}

/** The slowest list's order: longest wait first, then by repository and number. */
const byWait = (a: WaitKey, b: WaitKey) =>
  b.wait_hours - a.wait_hours || a.repository_id - b.repository_id || a.pr_number - b.pr_number;

/**
 * The slowest PRs' keys from a pass over every PR opened in the period (the general way, and the
 * check of `slowestKeysFromIndexes`).
 */
export async function slowestKeysFromScan(db: Db, scope: InsightsScope, limit: number): Promise<WaitKey[]> {
  const { rows } = await sql<WaitKey>`
    SELECT repository_id, pr_number, ${reviewWait(scope)} AS wait_hours
    FROM pull_requests
    WHERE ${awaitedIn(scope)} AND (first_review_at IS NOT NULL OR state = 'open')
    ORDER BY wait_hours DESC NULLS LAST, repository_id, pr_number
    LIMIT ${limit}`.execute(db);
  return rows.map((r) => ({ ...r, repository_id: Number(r.repository_id) }));
}

/**
 * The same keys from two indexes (migration 0008), without reading every PR opened in the period:
 * the reviewed PRs in the order of their unclamped wait (`REVIEW_WAIT_BOUND`), the first few, and
 * every PR still awaiting its first review. Exact when the list's last wait exceeds the bound of
 * the last reviewed PR read (no PR left unread can wait longer): always for a period up to today,
 * whose waits are never clamped. Undefined otherwise; the caller scans then.
 */
export async function slowestKeysFromIndexes(
  db: Db,
  scope: InsightsScope,
  limit: number,
): Promise<WaitKey[] | undefined> {
  const read = limit * 3;
  const { rows } = await sql<WaitKey & { bound: number | null }>`
    (SELECT repository_id, pr_number, ${reviewWait(scope)} AS wait_hours, ${hours(REVIEW_WAIT_BOUND)} AS bound
      FROM pull_requests
      WHERE ${awaitedIn(scope)} AND first_review_at IS NOT NULL
      ORDER BY ${REVIEW_WAIT_BOUND} DESC
      LIMIT ${read})
    UNION ALL
    (SELECT repository_id, pr_number, ${reviewWait(scope)}, NULL
      FROM pull_requests
      WHERE ${awaitedIn(scope)} AND state = 'open' AND first_review_at IS NULL)`.execute(db);
  const reviewed = rows.filter((r) => r.bound !== null);
  const keys = rows
    .map((r) => ({ repository_id: Number(r.repository_id), pr_number: r.pr_number, wait_hours: r.wait_hours }))
    .sort(byWait)
    .slice(0, limit);
  if (reviewed.length === read) {
    const unread = Math.min(...reviewed.map((r) => r.bound!));
    if (keys.length < limit || keys[keys.length - 1]!.wait_hours <= unread) return undefined;
  }
  return keys;
}

/**
 * Scopes of fewer repositories read their PRs through the repository-leading index instead: their
 * entries in the wait-ordered index are far apart (ten repositories over 30 days: ~1.5 ms by the
 * scan, ~25 ms from that index, over the seeded million; docs/deploy.md, "Indexes and queries").
 */
const SLOWEST_FROM_INDEXES_MIN_REPOSITORIES = 20;

/** PRs opened in the period that waited longest for a first review (still waiting ones count up to `to`); drafts excluded. */
export async function slowestToReview(db: Db, scope: InsightsScope, limit = 10): Promise<PullRequestListing[]> {
  const keys =
    (scope.repositoryIds.length >= SLOWEST_FROM_INDEXES_MIN_REPOSITORIES
      ? await slowestKeysFromIndexes(db, scope, limit)
      : undefined) ?? (await slowestKeysFromScan(db, scope, limit));
  if (keys.length === 0) return [];
  const top = sql`
    SELECT * FROM unnest(${keys.map((k) => k.repository_id)}::bigint[], ${keys.map((k) => k.pr_number)}::integer[],
      ${keys.map((k) => k.wait_hours)}::double precision[]) AS top(repository_id, pr_number, wait_hours)`;
  return listing(
    db,
    top,
    sql`round(top.wait_hours::numeric, 1) AS "waitHours"`,
    sql`top.wait_hours DESC NULLS LAST, p.repository, p.pr_number`,
  );
}

/** The largest PRs merged in the period, by counted lines. */
export async function largestMerged(db: Db, scope: InsightsScope, limit = 10): Promise<PullRequestListing[]> {
  const keys = sql`
    SELECT repository_id, pr_number, counted_lines
    FROM pull_requests
    WHERE repository_id = ANY (${ids(scope)}) AND merged_at >= ${from(scope)} AND merged_at < ${to(scope)} AND counted_lines IS NOT NULL
    ORDER BY counted_lines DESC, repository_id, pr_number
    LIMIT ${limit}`;
  return listing(db, keys, sql`NULL::numeric AS "waitHours"`, sql`p.counted_lines DESC, p.repository, p.pr_number`);
}

export interface WhatIfCandidate {
  readonly maxLines: number;
  readonly maxFiles: number;
  /** Count with the default exclude list (lock files, snapshots, …) on, or off. */
  readonly defaultExcludes: boolean;
}

export interface WhatIfRow {
  readonly repositoryId: number;
  readonly repository: string;
  /** PRs of the period with batch-size figures. */
  readonly prs: number;
  /** …that batch-size failed under the setting in force (latest evaluation; failed, warned or overridden). */
  readonly failingNow: number;
  /** …that the candidate would fail. */
  readonly wouldFail: number;
  /** The setting in force (most frequent over the period's PRs). */
  readonly currentMaxLines: number | null;
  readonly currentMaxFiles: number | null;
}

/** A repository's summary and, with a what-if candidate, its what-if counts. */
interface RepositoryFigures extends RepositorySummary {
  /** PRs with batch-size figures, and the what-if counts over them (with a candidate). */
  readonly sized?: number;
  readonly failingNow?: number;
  readonly wouldFail?: number;
  readonly currentMaxLines?: number | null;
  readonly currentMaxFiles?: number | null;
}

const sameCandidate = (a: WhatIfCandidate | undefined, b: WhatIfCandidate) =>
  a !== undefined && a.maxLines === b.maxLines && a.maxFiles === b.maxFiles && a.defaultExcludes === b.defaultExcludes;

/**
 * One pass over the period's PRs per repository for the organisation table and, with a candidate,
 * the what-if (the what-if's figures over the PRs with batch-size figures): the two tables read
 * the same PRs grouped the same way. In name order (`repository`, then id). A what-if alone
 * leaves out the median (a sort per repository).
 */
function repositoryScan(
  db: Db,
  scope: InsightsScope,
  candidate: WhatIfCandidate | undefined,
  { median = true }: { readonly median?: boolean } = {},
): Promise<RepositoryFigures[]> {
  const sized = sql`p.counted_lines IS NOT NULL`;
  let whatIfColumns = sql``;
  if (candidate) {
    const lines = candidate.defaultExcludes ? sql`p.lines_default_excludes_on` : sql`p.lines_default_excludes_off`;
    const files = candidate.defaultExcludes ? sql`p.files_default_excludes_on` : sql`p.files_default_excludes_off`;
    whatIfColumns = sql`, count(*) FILTER (WHERE ${sized}) AS sized,
        count(*) FILTER (WHERE ${sized} AND ${has(sql.ref('p.gates_failing'), 'batch-size')}) AS "failingNow",
        count(*) FILTER (WHERE ${sized} AND (${lines} > ${candidate.maxLines} OR ${files} > ${candidate.maxFiles})) AS "wouldFail",
        mode() WITHIN GROUP (ORDER BY p.max_lines) FILTER (WHERE ${sized}) AS "currentMaxLines",
        mode() WITHIN GROUP (ORDER BY p.max_files) FILTER (WHERE ${sized}) AS "currentMaxFiles"`;
  }
  return sql<RepositoryFigures>`
    SELECT s.*, r.full_name AS repository FROM (
      SELECT p.repository_id AS "repositoryId", count(*) AS prs,
        count(*) FILTER (WHERE p.merged_at IS NOT NULL) AS merged,
        count(*) FILTER (WHERE p.gates_blocked <> 0) AS blocked,
        ${median ? sql`percentile_cont(0.5) WITHIN GROUP (ORDER BY p.counted_lines)` : sql`NULL::double precision`} AS "p50Lines"${whatIfColumns}
      FROM pull_requests p
      WHERE ${activeIn(scope)}
      GROUP BY p.repository_id
    ) s JOIN repositories r ON r.id = s."repositoryId"
    ORDER BY repository, s."repositoryId"`
    .execute(db)
    .then((r) => r.rows);
}

/** The view's pass per repository (`shared.byRepository`), counting the view's what-if candidate if it has one. */
const sharedRepositoryScan = (db: Db, scope: InsightsScope, shared: SharedScans) =>
  (shared.byRepository ??= repositoryScan(db, scope, shared.whatIf));

/**
 * What share of the period's PRs a candidate `max_lines` / `max_files` would have failed, per
 * repository. Shares the view's pass per repository when `shared.whatIf` is this candidate.
 */
export async function whatIf(
  db: Db,
  scope: InsightsScope,
  candidate: WhatIfCandidate,
  shared: SharedScans = {},
): Promise<WhatIfRow[]> {
  const rows = sameCandidate(shared.whatIf, candidate)
    ? await sharedRepositoryScan(db, scope, shared)
    : await repositoryScan(db, scope, candidate, { median: false });
  return rows.flatMap((r) =>
    r.sized
      ? [
          {
            repositoryId: r.repositoryId,
            prs: r.sized,
            failingNow: r.failingNow!,
            wouldFail: r.wouldFail!,
            currentMaxLines: r.currentMaxLines ?? null,
            currentMaxFiles: r.currentMaxFiles ?? null,
            repository: r.repository,
          },
        ]
      : [],
  );
}

export interface RepositorySummary {
  readonly repositoryId: number;
  readonly repository: string;
  readonly prs: number;
  readonly merged: number;
  /** PRs blocked by any gate at least once. */
  readonly blocked: number;
  readonly p50Lines: number | null;
}

/** The organisation view's table: one row per repository of the scope with PRs in the period, most PRs first. */
export async function repositorySummaries(
  db: Db,
  scope: InsightsScope,
  shared: SharedScans = {},
): Promise<RepositorySummary[]> {
  const rows = await sharedRepositoryScan(db, scope, shared);
  // A stable sort of the name order: most PRs first, then by name and id as before.
  return rows
    .map((r) => ({
      repositoryId: r.repositoryId,
      prs: r.prs,
      merged: r.merged,
      blocked: r.blocked,
      p50Lines: r.p50Lines,
      repository: r.repository,
    }))
    .sort((a, b) => b.prs - a.prs);
}

export interface RepositoryName {
  readonly repositoryId: number;
  readonly repository: string;
  readonly owner: string;
  readonly installationId: number;
  /** When something of it was last recorded (to within a day). */
  readonly lastSeenAt: Date;
}

/**
 * The repositories of the history among `repositoryIds` (those the user can read), with their
 * latest names: the organisation and repository pickers.
 */
export async function repositories(db: Db, repositoryIds: readonly number[]): Promise<RepositoryName[]> {
  return db
    .selectFrom('repositories')
    .select([
      'id as repositoryId',
      'full_name as repository',
      'owner',
      'installation_id as installationId',
      'seen_at as lastSeenAt',
    ])
    .where(sql<boolean>`id = ANY (${[...repositoryIds]}::bigint[])`)
    .orderBy('full_name')
    .orderBy('id')
    .execute();
}
