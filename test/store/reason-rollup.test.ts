/**
 * `repository_reasons` (migration 0007_reason_rollups) on both backends: after every kind of write
 * to `pull_requests` (new failing PRs, re-evaluations that fix a PR or move it to another day or
 * week, a batch written twice, retention deletes, a TRUNCATE) it equals the PRs' failure keys
 * counted again here, in JavaScript; on a seeded history the top reasons summed from it equal those
 * counted from the pull requests for every period it answers, and it declines the periods it
 * cannot answer exactly; the migration fills it from the stored pull requests.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  topReasons,
  topReasonsFromRollup,
  topReasonsFromScan,
  type InsightsScope,
} from '../../src/store/insights-queries.js';
import { migrate } from '../../src/store/migrations.js';
import { weekOf } from '../../src/store/records.js';
import { deleteExpired, retentionCutoff } from '../../src/store/retention.js';
import { writeBatch, type HistoryItem } from '../../src/store/writer.js';
import {
  anEvaluationItem,
  BACKENDS,
  DAY_MS,
  daysAgo,
  OPEN_TIMEOUT_MS,
  OTHER_REPO,
  ROLLUP_NOW,
  TestDatabase,
  migratedBefore,
  seedSmallHistory,
  SMALL_HISTORY_END,
  periodsRollupsDecline,
} from './support.js';

/** A row of `repository_reasons`, its 64-bit key as text. */
interface ReasonRow {
  readonly repository_id: number;
  readonly span: string;
  readonly start: string;
  readonly key: string;
  readonly prs: number;
}

describe.each(BACKENDS)('reason rollup (%s)', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await TestDatabase.open(kind);
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => t?.close());

  const stored = async () =>
    (
      await sql<ReasonRow>`
        SELECT repository_id, span, to_char(start, 'YYYY-MM-DD') AS start, key::text AS key, prs
        FROM repository_reasons ORDER BY repository_id, span, start, key::text`.execute(t.db)
    ).rows.map((r) => ({ ...r, repository_id: Number(r.repository_id) }));

  /** What `repository_reasons` must hold, counted here from each PR's keys, day and week. */
  const expected = async (): Promise<ReasonRow[]> => {
    const { rows } = await sql<{
      repository_id: number;
      first: Date | null;
      last: Date | null;
      keys: string[];
    }>`SELECT repository_id, first_evaluated_at AS first, last_evaluated_at AS last, failure_keys::text[] AS keys FROM pull_requests`.execute(
      t.db,
    );
    const counts = new Map<string, ReasonRow>();
    for (const p of rows) {
      if (p.first === null || p.last === null) continue;
      const spans: [string, string][] = [
        ['d', p.last.toISOString().slice(0, 10)],
        ['w', weekOf(p.last)],
      ];
      for (const [span, start] of spans)
        for (const key of p.keys) {
          const id = `${String(p.repository_id).padStart(12, '0')}|${span}|${start}|${key}`;
          const row = counts.get(id);
          counts.set(id, { repository_id: Number(p.repository_id), span, start, key, prs: (row?.prs ?? 0) + 1 });
        }
    }
    return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r);
  };
  const expectInStep = async () => {
    const want = await expected();
    expect(await stored()).toEqual(want);
    return want;
  };

  describe('kept in step by the triggers', () => {
    beforeEach(async () => t.reset());
    const write = async (...items: HistoryItem[]) => writeBatch(t.db, items);
    const evaluation = anEvaluationItem;

    it('follows failing PRs, fixes, moves to another day or week, and a batch written twice', async () => {
      const dayOf = (at: string) => at.slice(0, 10);
      await write(evaluation(1, daysAgo(3)));
      const passing = await expectInStep();
      await t.reset();
      await write(evaluation(1, daysAgo(3), { failing: true }));
      const first = await expectInStep();
      // Batch size adds a reason: each of its reasons on its day and in its week, once.
      expect(first.length).toBe(passing.length + 2);
      expect(first.every((r) => r.prs === 1 && (r.span === 'w' || r.start === dayOf(daysAgo(3))))).toBe(true);
      // Passing the next day: a PR's latest failure per gate stays its reason, counted on the new
      // day; the old day's counts, emptied, are deleted.
      await write(evaluation(1, daysAgo(2, 11)));
      const fixed = await expectInStep();
      expect(fixed).toHaveLength(first.length);
      expect(fixed.some((r) => r.start === dayOf(daysAgo(3)))).toBe(false);
      // Failing again a week later, PR 2 failing then passing in one batch, PR 3 failing in another
      // repository; then the same batch again (a retry): nothing counted twice.
      const batch = [
        evaluation(1, daysAgo(-5, 9), { failing: true }),
        evaluation(2, daysAgo(10), { failing: true }),
        evaluation(2, daysAgo(9)),
        evaluation(3, daysAgo(9), { repository: OTHER_REPO, failing: true }),
      ];
      await write(...batch);
      const once = await expectInStep();
      await write(...batch);
      expect(await expectInStep()).toEqual(once);
      expect(Math.max(...once.map((r) => r.prs))).toBe(1);
    });

    it('follows retention deletes, batch by batch, and a TRUNCATE', async () => {
      for (let i = 0; i < 6; i++)
        await write(
          evaluation(100 + i, daysAgo(500 + 7 * i), { failing: true }),
          evaluation(200 + i, daysAgo(i), { failing: i % 2 === 0 }),
        );
      const before = await expectInStep();
      await deleteExpired(t.db, retentionCutoff(400, ROLLUP_NOW), { batchSize: 2 });
      const left = await expectInStep();
      expect(left.length).toBeGreaterThan(0);
      expect(left.length).toBeLessThan(before.length);
      expect(left.every((r) => Date.parse(r.start) > ROLLUP_NOW - 30 * DAY_MS)).toBe(true);
      await t.reset();
      expect(await stored()).toEqual([]);
    });
  });

  describe('on a seeded history', () => {
    let all: number[];
    beforeAll(async () => {
      await t.reset();
      all = await seedSmallHistory(t.db, 12);
    }, OPEN_TIMEOUT_MS);

    it('holds the failure keys counted again', async () => {
      expect((await expectInStep()).length).toBeGreaterThan(100);
    });

    const end = SMALL_HISTORY_END;
    const periods: [string, (ids: number[]) => InsightsScope, { gate?: string; perGate?: number }][] = [
      [
        'every repository, 90 days',
        (ids) => ({ repositoryIds: ids, from: new Date(end - 90 * DAY_MS), to: new Date(end) }),
        {},
      ],
      [
        'from a Sunday, all reasons of every gate',
        (ids) => ({ repositoryIds: ids, from: new Date('2026-02-15T00:00:00Z'), to: new Date(end) }),
        { perGate: 100 },
      ],
      [
        'one repository, one gate',
        (ids) => ({ repositoryIds: ids.slice(0, 1), from: new Date(end - 30 * DAY_MS), to: new Date(end) }),
        { gate: 'batch-size', perGate: 3 },
      ],
      [
        'a few days, later end',
        (ids) => ({
          repositoryIds: ids.slice(2),
          from: new Date('2026-02-25T00:00:00Z'),
          to: new Date(end + 9 * DAY_MS),
        }),
        {},
      ],
    ];
    it.each(periods)('answers %s as a pass over the pull requests does', async (_name, period, options) => {
      const scope = period(all);
      const fromRollup = await topReasonsFromRollup(t.db, scope, options);
      expect(fromRollup).toBeDefined();
      const fromScan = await topReasonsFromScan(t.db, scope, options);
      expect(fromScan.length).toBeGreaterThan(0);
      expect(fromRollup).toEqual(fromScan);
      expect(await topReasons(t.db, scope, options)).toEqual(fromScan);
    });

    it('answers a scope without failures with no reasons', async () => {
      const scope: InsightsScope = { repositoryIds: [987654], from: new Date(end - 90 * DAY_MS), to: new Date(end) };
      expect(await topReasonsFromRollup(t.db, scope)).toEqual([]);
    });

    it('declines periods it cannot answer exactly; the top reasons then count the pull requests', async () => {
      // Ends before the last evaluations, or not whole days.
      const { earlier, partial } = periodsRollupsDecline(all);
      expect(await topReasonsFromRollup(t.db, earlier)).toBeUndefined();
      expect(await topReasonsFromRollup(t.db, partial)).toBeUndefined();
      for (const scope of [earlier, partial]) {
        const scan = await topReasonsFromScan(t.db, scope);
        expect(scan.length).toBeGreaterThan(0);
        expect(await topReasons(t.db, scope)).toEqual(scan);
      }
    });

    it('is filled from the stored pull requests when the migration runs', async () => {
      // As a database migrated before 0007 would be: the pull requests there, no rollup yet.
      await migratedBefore(t.db, '0007_reason_rollups');
      await migrate(t.db);
      expect((await expectInStep()).length).toBeGreaterThan(100);
    });
  });
});
