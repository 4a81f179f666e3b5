/**
 * The insights queries on a seeded history, on both backends: each figure equals the same figure
 * computed in JavaScript from the stored rows, only the repositories in scope count, and the seeded
 * history is what recording would have stored.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_WORK_MEM } from '../../src/store/database.js';
import {
  compliance,
  gateShares,
  gateWeekly,
  largestMerged,
  mergedSize,
  overrideCounts,
  overrideLog,
  repositories,
  repositorySummaries,
  reviewTimes,
  reviewTimesByWeek,
  slowestToReview,
  topReasons,
  weeklyActivity,
  whatIf,
  type InsightsScope,
  type SharedScans,
} from '../../src/store/insights-queries.js';
import { loadOpenPullRequests, openPullRequestCounts } from '../../src/store/open-pull-requests.js';
import { weekOf } from '../../src/store/records.js';
import { seedHistory, type SeedResult } from '../../src/store/seed.js';
import type { GateResultRow, OverrideRow, PullRequestRow } from '../../src/store/tables.js';
import { BACKENDS, OPEN_TIMEOUT_MS, TestDatabase } from './support.js';

const NOW = Date.parse('2026-03-01T00:00:00Z');

/** PostgreSQL's percentile_cont: linear interpolation between the closest ranks; NULLs ignored. */
function percentile(values: readonly (number | null)[], p: number): number | null {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}
const hours = (a: Date, b: Date) => (a.getTime() - b.getTime()) / 3_600_000;
const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);
const inRange = (d: Date | null, scope: InsightsScope) => d !== null && d >= scope.from && d < scope.to;

describe.each(BACKENDS)('insights queries (%s)', (kind) => {
  let t: TestDatabase;
  let seeded: SeedResult;
  let scope: InsightsScope;
  let prs: PullRequestRow[];
  let gates: GateResultRow[];
  let overrides: OverrideRow[];

  beforeAll(async () => {
    t = await TestDatabase.open(kind);
    seeded = await seedHistory(t.db, {
      evaluations: 4000,
      days: 120,
      now: NOW,
      seed: 7,
      organisations: [
        { name: 'acme', repositories: 12, weight: 0.7 },
        { name: 'globex', repositories: 6, weight: 0.3 },
      ],
    });
    // The user can read every acme repository and one of globex's.
    const readable = seeded.repositories
      .filter((r) => r.fullName.startsWith('acme/') || r.fullName === 'globex/service-002')
      .map((r) => r.id);
    scope = { repositoryIds: readable, from: new Date(NOW - 90 * 86_400_000), to: new Date(NOW) };
    const ids = new Set(readable);
    prs = (await t.db.selectFrom('pull_requests').selectAll().execute()).filter((p) => ids.has(p.repository_id));
    gates = (await t.db.selectFrom('gate_results').selectAll().execute()).filter((g) => ids.has(g.repository_id));
    overrides = (await t.db.selectFrom('overrides').selectAll().execute()).filter((o) => ids.has(o.repository_id));
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => t?.close());

  const active = () => prs.filter((p) => p.last_evaluated_at! >= scope.from && p.first_evaluated_at! < scope.to);
  // What each PR's gates did, from the record itself (gate_results), not the per-PR figures the queries read.
  const resultsOf = (p: PullRequestRow) =>
    gates.filter((g) => g.repository_id === p.repository_id && g.pr_number === p.pr_number);
  /** The statuses of the PR's latest evaluation that ran gates. */
  const latestStatuses = (p: PullRequestRow): Map<string, string> => {
    const results = resultsOf(p);
    const last = Math.max(...results.map((g) => g.evaluated_at.getTime()));
    return new Map(results.filter((g) => g.evaluated_at.getTime() === last).map((g) => [g.gate_id, g.status]));
  };
  const ever = (p: PullRequestRow, gate: string, status: string) =>
    resultsOf(p).some((g) => g.gate_id === gate && g.status === status);
  const FAILING = ['fail', 'warn', 'overridden'];
  const merged = () => prs.filter((p) => inRange(p.merged_at, scope));

  it.runIf(kind === 'server')('sorts in memory on every server connection of the pool (work_mem)', async () => {
    // Four at once: each holds its own connection, so every connection of the pool is asked.
    const answers = await Promise.all(
      [1, 2, 3, 4].map(() =>
        t.db
          .connection()
          .execute((c) =>
            sql<{ work_mem: string }>`SELECT current_setting('work_mem') AS work_mem, pg_sleep(0.05)`.execute(c),
          ),
      ),
    );
    expect(answers.map((a) => a.rows[0]!.work_mem)).toEqual([
      SERVER_WORK_MEM,
      SERVER_WORK_MEM,
      SERVER_WORK_MEM,
      SERVER_WORK_MEM,
    ]);
  });

  it('seeds a realistic history through the write path', async () => {
    expect(seeded.evaluations).toBeGreaterThanOrEqual(4000);
    expect(await t.count('evaluations')).toBe(seeded.evaluations);
    expect(await t.count('pull_requests')).toBe(seeded.pullRequests);
    expect(await t.count('open_pull_requests')).toBe(seeded.openPullRequests);
    expect(seeded.openPullRequests).toBeGreaterThan(10);
    expect(merged().length).toBeGreaterThan(100);
  });

  it('weekly activity: PRs evaluated, opened and merged, and the size of the merged ones', async () => {
    const rows = await weeklyActivity(t.db, scope);
    const weeks = await t.db.selectFrom('pull_request_weeks').selectAll().execute();
    const ids = new Set(scope.repositoryIds);
    const first = weekOf(scope.from);
    for (const row of rows) {
      const evaluated = weeks.filter(
        (w) => ids.has(w.repository_id) && weekOf(w.week) === row.week && row.week >= first,
      );
      const mergedThatWeek = merged().filter((p) => weekOf(p.merged_at!) === row.week);
      expect(row).toEqual({
        week: row.week,
        evaluatedPrs: evaluated.length,
        evaluations: evaluated.reduce((n, w) => n + w.evaluations, 0),
        openedPrs: prs.filter((p) => inRange(p.opened_at, scope) && weekOf(p.opened_at!) === row.week).length,
        mergedPrs: mergedThatWeek.length,
        p50Lines: percentile(
          mergedThatWeek.map((p) => p.counted_lines),
          0.5,
        ),
        p90Lines: percentile(
          mergedThatWeek.map((p) => p.counted_lines),
          0.9,
        ),
      });
    }
    expect(rows.length).toBeGreaterThanOrEqual(13);
    expect(rows.reduce((n, r) => n + r.mergedPrs, 0)).toBe(merged().length);
  });

  it('merged size: median and p90 of lines and files', async () => {
    expect(await mergedSize(t.db, scope)).toEqual({
      merged: merged().length,
      p50Lines: percentile(
        merged().map((p) => p.counted_lines),
        0.5,
      ),
      p90Lines: percentile(
        merged().map((p) => p.counted_lines),
        0.9,
      ),
      p50Files: percentile(
        merged().map((p) => p.counted_files),
        0.5,
      ),
      p90Files: percentile(
        merged().map((p) => p.counted_files),
        0.9,
      ),
    });
  });

  it('gate shares: PRs each gate evaluated, blocked, warned about, overridden', async () => {
    const rows = await gateShares(t.db, scope);
    for (const row of rows) {
      const evaluated = active().filter((p) => latestStatuses(p).has(row.gate));
      expect(row).toEqual({
        gate: row.gate,
        prs: evaluated.length,
        blocked: evaluated.filter((p) => ever(p, row.gate, 'fail')).length,
        warned: evaluated.filter((p) => ever(p, row.gate, 'warn')).length,
        overridden: evaluated.filter((p) => ever(p, row.gate, 'overridden')).length,
      });
    }
    expect(rows.map((r) => r.gate).sort()).toEqual([
      'batch-size',
      'codeowners-review',
      'linked-ticket',
      'signed-commits',
      'tests-touched',
    ]);
    expect(rows[0]!.blocked).toBeGreaterThanOrEqual(rows[1]!.blocked);
  });

  it('gate weeks add up to the weekly evaluated PRs', async () => {
    const rows = await gateWeekly(t.db, scope, ['batch-size']);
    const weekly = await weeklyActivity(t.db, scope);
    for (const row of rows) expect(row.prs).toBeLessThanOrEqual(weekly.find((w) => w.week === row.week)!.evaluatedPrs);
    expect(rows.every((r) => r.gate === 'batch-size' && r.blocked <= r.prs)).toBe(true);
    expect(rows.reduce((n, r) => n + r.blocked, 0)).toBeGreaterThan(0);
  });

  it('top reasons: numbers folded, counted by PRs (each PR’s latest failure per gate)', async () => {
    const rows = await topReasons(t.db, scope, { gate: 'batch-size', perGate: 3 });
    const byPattern = new Map<string, number>();
    for (const p of active()) {
      // The PR's latest failure of the gate, whenever it was.
      const failures = resultsOf(p).filter((g) => g.gate_id === 'batch-size' && FAILING.includes(g.status));
      if (failures.length === 0) continue;
      const latest = failures.reduce((a, b) => (b.evaluated_at > a.evaluated_at ? b : a));
      const pattern = latest.reason.replace(/[0-9][0-9,]*/g, 'N');
      byPattern.set(pattern, (byPattern.get(pattern) ?? 0) + 1);
    }
    const expected = [...byPattern].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 3);
    expect(rows.map((r) => [r.pattern, r.prs])).toEqual(expected);
    expect(rows[0]!.pattern).toBe('N lines in N files (limit N lines, N files)');
    expect(rows[0]!.example).toMatch(/^\d[\d,]* lines? in \d+ files? \(limit/);
    for (const r of rows) expect(r.example.replace(/[0-9][0-9,]*/g, 'N')).toBe(r.pattern);
    // Every failing gate appears, and a PR's failure is one that gate_results holds.
    const all = await topReasons(t.db, scope);
    expect(new Set(all.map((r) => r.gate))).toEqual(
      new Set(
        gates
          .filter((g) => g.status !== 'pass' && g.status !== 'skipped' && inRange(g.evaluated_at, scope))
          .map((g) => g.gate_id),
      ),
    );
  });

  it('compliance: PRs with a linked ticket, with tests touched, with signed commits', async () => {
    const share = (gate: string) => ({
      evaluated: active().filter((p) => ['pass', ...FAILING].includes(latestStatuses(p).get(gate) ?? '')).length,
      passed: active().filter((p) => latestStatuses(p).get(gate) === 'pass').length,
    });
    expect(await compliance(t.db, scope)).toEqual({
      prs: active().length,
      linkedTicket: share('linked-ticket'),
      testsTouched: share('tests-touched'),
      signedCommits: share('signed-commits'),
    });
  });

  it('overrides: the audit log and the counts by gate, outcome and user', async () => {
    const inScope = overrides.filter((o) => inRange(o.recorded_at, scope));
    expect(inScope.length).toBeGreaterThan(0);
    const log = await overrideLog(t.db, scope, { limit: 1000 });
    expect(log.map((o) => o.commentUrl).sort()).toEqual(inScope.map((o) => o.comment_url).sort());
    expect(log[0]!.recordedAt.getTime()).toBeGreaterThanOrEqual(log[log.length - 1]!.recordedAt.getTime());
    const counts = await overrideCounts(t.db, scope);
    expect(counts.reduce((n, c) => n + c.overrides, 0)).toBe(inScope.length);
    expect(
      (await overrideLog(t.db, scope, { outcome: 'refused', limit: 1000 })).every(
        (o) => o.outcome === 'refused' && o.refusal !== null,
      ),
    ).toBe(true);
  });

  it('review times: first review and lead time, p50 and p90, in hours', async () => {
    const reviewed = prs.filter((p) => inRange(p.opened_at, scope) && p.first_review_at !== null);
    const waits = reviewed.map((p) => hours(p.first_review_at!, p.ready_at ?? p.opened_at!));
    const leads = merged().map((p) => hours(p.merged_at!, p.opened_at!));
    const result = await reviewTimes(t.db, scope);
    expect(result).toMatchObject({ reviewed: reviewed.length, merged: merged().length });
    expect(result.p50FirstReviewHours).toBeCloseTo(round1(percentile(waits, 0.5))!, 5);
    expect(result.p90FirstReviewHours).toBeCloseTo(round1(percentile(waits, 0.9))!, 5);
    expect(result.p50LeadTimeHours).toBeCloseTo(round1(percentile(leads, 0.5))!, 5);
    expect(result.p90LeadTimeHours).toBeCloseTo(round1(percentile(leads, 0.9))!, 5);
    // Per week opened: the same, over the week's PRs.
    const weeks = [...new Set(reviewed.map((p) => weekOf(p.opened_at!)))].sort();
    const byWeek = await reviewTimesByWeek(t.db, scope);
    expect(byWeek.map((w) => w.week)).toEqual(weeks);
    for (const w of byWeek) {
      const these = reviewed
        .filter((p) => weekOf(p.opened_at!) === w.week)
        .map((p) => hours(p.first_review_at!, p.ready_at ?? p.opened_at!));
      expect(w.reviewed).toBe(these.length);
      expect(w.p50FirstReviewHours).toBeCloseTo(round1(percentile(these, 0.5))!, 5);
      expect(w.p90FirstReviewHours).toBeCloseTo(round1(percentile(these, 0.9))!, 5);
    }
  });

  it('the slowest to review and the largest merged PRs', async () => {
    const largest = await largestMerged(t.db, scope, 5);
    const expected = [...merged()]
      .sort(
        (a, b) => b.counted_lines! - a.counted_lines! || a.repository_id - b.repository_id || a.pr_number - b.pr_number,
      )
      .slice(0, 5);
    expect(largest.map((p) => [p.repository, p.number, p.countedLines])).toEqual(
      expected.map((p) => [p.repository, p.pr_number, p.counted_lines]),
    );
    const slowest = await slowestToReview(t.db, scope, 5);
    expect(slowest).toHaveLength(5);
    expect(slowest.map((p) => p.waitHours!)).toEqual([...slowest.map((p) => p.waitHours!)].sort((a, b) => b - a));
    expect(slowest.every((p) => scope.repositoryIds.includes(p.repositoryId))).toBe(true);
  });

  it('what-if: the share of PRs a candidate limit would fail, per repository, next to the setting in force', async () => {
    const candidate = { maxLines: 200, maxFiles: 20, defaultExcludes: false };
    const rows = await whatIf(t.db, scope, candidate);
    for (const row of rows) {
      const mine = active().filter((p) => p.repository_id === row.repositoryId && p.counted_lines !== null);
      expect(row).toMatchObject({
        prs: mine.length,
        failingNow: mine.filter((p) => FAILING.includes(latestStatuses(p).get('batch-size') ?? '')).length,
        wouldFail: mine.filter((p) => p.lines_default_excludes_off! > 200 || p.files_default_excludes_off! > 20).length,
        currentMaxLines: seeded.repositories.find((r) => r.id === row.repositoryId)!.maxLines,
      });
    }
    const stricter = await whatIf(t.db, scope, { ...candidate, maxLines: 100 });
    expect(stricter.reduce((n, r) => n + r.wouldFail, 0)).toBeGreaterThan(rows.reduce((n, r) => n + r.wouldFail, 0));
    const withExcludes = await whatIf(t.db, scope, { ...candidate, defaultExcludes: true });
    expect(withExcludes.reduce((n, r) => n + r.wouldFail, 0)).toBeLessThan(rows.reduce((n, r) => n + r.wouldFail, 0));
  });

  it('counts nothing from a repository outside the scope', async () => {
    const outside = seeded.repositories.find((r) => r.fullName === 'globex/service-001')!;
    const summaries = await repositorySummaries(t.db, scope);
    expect(summaries.map((s) => s.repositoryId)).not.toContain(outside.id);
    expect(summaries.reduce((n, s) => n + s.prs, 0)).toBe(active().length);
    const only = { ...scope, repositoryIds: [outside.id] };
    const theirs = await repositorySummaries(t.db, only);
    expect(theirs.map((s) => s.repository)).toEqual(['globex/service-001']);
    expect(await repositorySummaries(t.db, { ...scope, repositoryIds: [] })).toEqual([]);
    expect((await mergedSize(t.db, { ...scope, repositoryIds: [] })).merged).toBe(0);
  });

  it('a view’s tables that share a scan read it once and give the figures each query gives alone', async () => {
    const candidate = { maxLines: 150, maxFiles: 12, defaultExcludes: true };
    const alone = await Promise.all([
      weeklyActivity(t.db, scope),
      gateWeekly(t.db, scope),
      mergedSize(t.db, scope),
      gateShares(t.db, scope),
      compliance(t.db, scope),
      reviewTimes(t.db, scope),
      reviewTimesByWeek(t.db, scope),
      repositorySummaries(t.db, scope),
      whatIf(t.db, scope, candidate),
    ]);
    const shared: SharedScans = { whatIf: { ...candidate } };
    const together = await Promise.all([
      weeklyActivity(t.db, scope, shared),
      gateWeekly(t.db, scope, undefined, shared),
      mergedSize(t.db, scope, shared),
      gateShares(t.db, scope, undefined, shared),
      compliance(t.db, scope, shared),
      reviewTimes(t.db, scope, shared),
      reviewTimesByWeek(t.db, scope, shared),
      repositorySummaries(t.db, scope, shared),
      whatIf(t.db, scope, candidate, shared),
    ]);
    expect(together).toEqual(alone);
    expect(Object.keys(shared).sort()).toEqual(['active', 'byRepository', 'merged', 'opened', 'weeks', 'whatIf']);
    // Another candidate than the view's: its own pass, its own figures.
    const other = { ...candidate, maxLines: 90 };
    expect(await whatIf(t.db, scope, other, shared)).toEqual(await whatIf(t.db, scope, other));
    expect(await whatIf(t.db, scope, other, shared)).not.toEqual(alone[8]);
    // The organisation table: most PRs first.
    const summaries = alone[7];
    expect(summaries.length).toBeGreaterThan(3);
    expect(summaries.map((r) => r.prs)).toEqual(summaries.map((r) => r.prs).sort((a, b) => b - a));
    // An empty scope: the totals of no rows.
    const none = { ...scope, repositoryIds: [] };
    expect(await reviewTimes(t.db, none)).toEqual({
      reviewed: 0,
      p50FirstReviewHours: null,
      p90FirstReviewHours: null,
      merged: 0,
      p50LeadTimeHours: null,
      p90LeadTimeHours: null,
    });
    expect(await compliance(t.db, none)).toEqual({
      prs: 0,
      linkedTicket: { evaluated: 0, passed: 0 },
      testsTouched: { evaluated: 0, passed: 0 },
      signedCommits: { evaluated: 0, passed: 0 },
    });
    expect(await weeklyActivity(t.db, none)).toEqual([]);
    expect(await reviewTimesByWeek(t.db, none)).toEqual([]);
  });

  it('names the repositories of the scope, as last recorded', async () => {
    const named = await repositories(t.db, scope.repositoryIds);
    const expected = seeded.repositories
      .filter((r) => scope.repositoryIds.includes(r.id))
      .sort((a, b) => (a.fullName < b.fullName ? -1 : 1));
    expect(named.map((r) => [r.repositoryId, r.repository, r.owner])).toEqual(
      expected.map((r) => [r.id, r.fullName, r.fullName.split('/')[0]]),
    );
    expect(await repositories(t.db, [])).toEqual([]);
  });

  it('reads back every open PR’s snapshot for the policy preview', async () => {
    const all = await loadOpenPullRequests(t.db, { owner: 'acme' }, { pageSize: 7 });
    const counts = await openPullRequestCounts(t.db, { owner: 'acme' });
    expect(all.length).toBe(counts.reduce((n, c) => n + c.open, 0));
    expect(
      all.every(
        (o) => o.snapshot.state === 'open' && o.repository.startsWith('acme/') && o.snapshot.files.nodes.length > 0,
      ),
    ).toBe(true);
    const keys = all.map((o) => `${o.repositoryId}#${o.number}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
