/**
 * `repository_activity` (migration 0006_activity_rollups) on both backends: after every kind of
 * write to `pull_requests` (new PRs, re-evaluations that move a PR to another day, week or gate
 * outcome, life events that merge one without an evaluation, a batch written twice, retention
 * deletes, a TRUNCATE) it equals the pull requests counted again here, in JavaScript; on a seeded
 * history the gate shares and compliance summed from it equal those counted from the pull requests
 * for every period it answers, and it declines the periods it cannot answer exactly; the migration
 * fills it from the stored pull requests.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  activeCountsFromRollup,
  activeCountsFromScan,
  compliance,
  gateShares,
  type InsightsScope,
} from '../../src/store/insights-queries.js';
import { ACTIVITY_COUNTS, ACTIVITY_FIGURES, ACTIVITY_GATE_BITS, migrate } from '../../src/store/migrations.js';
import { GATE_BITS, weekOf } from '../../src/store/records.js';
import { deleteExpired, retentionCutoff } from '../../src/store/retention.js';
import type { PullRequestRow } from '../../src/store/tables.js';
import { writeBatch, type HistoryItem } from '../../src/store/writer.js';
import {
  aLifeEvent,
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

type Row = Record<string, number | string>;

/** What `repository_activity` must hold, counted from the pull requests themselves. */
function expectedActivity(prs: readonly PullRequestRow[]): Row[] {
  const rows = new Map<string, Row>();
  const add = (p: PullRequestRow, span: 'd' | 'w', start: string) => {
    const key = `${p.repository_id}|${span}|${start}`;
    let row = rows.get(key);
    if (!row) {
      row = { repository_id: Number(p.repository_id), span, start };
      for (const c of ACTIVITY_COUNTS) row[c.column] = 0;
      rows.set(key, row);
    }
    const bump = (column: string, yes: boolean) => {
      if (yes) row[column] = (row[column] as number) + 1;
    };
    bump('prs', true);
    bump('merged', p.merged_at !== null);
    bump('blocked', p.gates_blocked !== 0);
    for (const bit of ACTIVITY_GATE_BITS) {
      bump(`g${bit}_evaluated`, (p.gates_evaluated & bit) !== 0);
      bump(`g${bit}_blocked`, (p.gates_blocked & bit) !== 0);
      bump(`g${bit}_warned`, (p.gates_warned & bit) !== 0);
      bump(`g${bit}_overridden`, (p.gates_overridden & bit) !== 0);
      bump(`g${bit}_passed`, (p.gates_passed & bit) !== 0);
      bump(`g${bit}_checked`, ((p.gates_passed | p.gates_failing) & bit) !== 0);
    }
  };
  for (const p of prs) {
    if (p.last_evaluated_at === null || p.first_evaluated_at === null) continue;
    add(p, 'd', p.last_evaluated_at.toISOString().slice(0, 10));
    add(p, 'w', weekOf(p.last_evaluated_at));
  }
  const order = (r: Row) => `${String(r.repository_id).padStart(12, '0')}|${r.span}|${r.start}`;
  return [...rows.values()].sort((a, b) => order(a).localeCompare(order(b)));
}

describe.each(BACKENDS)('activity rollup (%s)', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await TestDatabase.open(kind);
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => t?.close());

  const stored = async () =>
    (
      await sql<Row>`
        SELECT repository_id, span, to_char(start, 'YYYY-MM-DD') AS start, ${sql.join(
          ACTIVITY_COUNTS.map((c) => sql.ref(c.column)),
        )}
        FROM repository_activity ORDER BY repository_id, span, start`.execute(t.db)
    ).rows.map((r) => ({ ...r, repository_id: Number(r.repository_id) }));
  /** The rollup equals the pull requests counted again: no span missing, none extra, none emptied and kept. */
  const expectInStep = async () => {
    const expected = expectedActivity(await t.db.selectFrom('pull_requests').selectAll().execute());
    expect(await stored()).toEqual(expected);
    return expected;
  };

  describe('kept in step by the triggers', () => {
    beforeEach(async () => t.reset());
    const write = async (...items: HistoryItem[]) => writeBatch(t.db, items);
    const evaluation = anEvaluationItem;

    it('follows new PRs, re-evaluations that move a PR to another day, week or outcome, and life events', async () => {
      await write(evaluation(1, daysAgo(3)));
      expect(await expectInStep()).toHaveLength(2); // its day and its week
      // Fails the next day (another transaction): it leaves its day (emptied, so deleted) and moves within its week.
      await write(evaluation(1, daysAgo(2, 11), { failing: true }));
      const after = await expectInStep();
      expect(after).toHaveLength(2);
      expect(after[0]).toMatchObject({ prs: 1, [`g${GATE_BITS['batch-size']}_blocked`]: 1 });
      // Two evaluations of PR 2 in one batch, PR 3 in another repository, PR 1 passing again a week
      // later; then the same batch again (a retry): nothing counted twice.
      const batch = [
        evaluation(2, daysAgo(10)),
        evaluation(2, daysAgo(9), { failing: true }),
        evaluation(3, daysAgo(9), { repository: OTHER_REPO }),
        evaluation(1, daysAgo(-5, 9)),
      ];
      await write(...batch);
      await write(...batch);
      const rows = await expectInStep();
      expect(rows.filter((r) => r.span === 'd').reduce((n, r) => n + (r.prs as number), 0)).toBe(3);
      // A life event merges PR 2 without an evaluation: counted as merged where it is.
      await writeBatch(t.db, [
        {
          kind: 'pull-request',
          record: aLifeEvent(2, daysAgo(1), { state: 'merged', stateAt: daysAgo(1), mergedAt: daysAgo(1) }),
        },
      ]);
      const merged = await expectInStep();
      expect(merged.filter((r) => r.merged === 1)).toHaveLength(2);
      // A life event of a PR never evaluated counts nowhere.
      await writeBatch(t.db, [{ kind: 'pull-request', record: aLifeEvent(9, daysAgo(1), { state: 'open' }) }]);
      await expectInStep();
    });

    it('follows retention deletes, batch by batch, and a TRUNCATE', async () => {
      for (let i = 0; i < 6; i++)
        await write(
          evaluation(100 + i, daysAgo(500 + 7 * i), { failing: i % 2 === 0 }),
          evaluation(200 + i, daysAgo(i)),
        );
      await expectInStep();
      await deleteExpired(t.db, retentionCutoff(400, ROLLUP_NOW), { batchSize: 2 });
      const left = await expectInStep();
      expect(left.filter((r) => r.span === 'd').reduce((n, r) => n + (r.prs as number), 0)).toBe(6);
      await t.reset();
      expect(await stored()).toEqual([]);
    });
  });

  describe('on a seeded history', () => {
    let all: number[];
    beforeAll(async () => {
      await t.reset();
      all = await seedSmallHistory(t.db, 11);
    }, OPEN_TIMEOUT_MS);

    it('holds the pull requests counted again', async () => {
      expect((await expectInStep()).length).toBeGreaterThan(100);
    });

    // Whole days up to the day after the last evaluation (the views' default is 90 days up to
    // today): from a Monday, a Sunday, a Wednesday; one repository; a few days inside one week.
    const end = SMALL_HISTORY_END;
    const periods: [string, (ids: number[]) => InsightsScope][] = [
      [
        'every repository, 90 days',
        (ids) => ({ repositoryIds: ids, from: new Date(end - 90 * DAY_MS), to: new Date(end) }),
      ],
      ['from a Monday', (ids) => ({ repositoryIds: ids, from: new Date('2026-02-02T00:00:00Z'), to: new Date(end) })],
      ['from a Sunday', (ids) => ({ repositoryIds: ids, from: new Date('2026-02-15T00:00:00Z'), to: new Date(end) })],
      [
        'one repository',
        (ids) => ({ repositoryIds: ids.slice(0, 1), from: new Date(end - 30 * DAY_MS), to: new Date(end) }),
      ],
      [
        'a few days, later end',
        (ids) => ({
          repositoryIds: ids.slice(2),
          from: new Date('2026-02-25T00:00:00Z'),
          to: new Date(end + 9 * DAY_MS),
        }),
      ],
    ];
    it.each(periods)('answers %s as a pass over the pull requests does', async (_name, period) => {
      const scope = period(all);
      const fromRollup = await activeCountsFromRollup(t.db, scope);
      expect(fromRollup).toBeDefined();
      const fromScan = await activeCountsFromScan(t.db, scope);
      expect(fromRollup!.prs).toBeGreaterThan(0);
      expect(fromRollup!.prs).toBe(fromScan.prs);
      for (const bit of Object.values(GATE_BITS)) expect(fromRollup!.gates.get(bit)).toEqual(fromScan.gates.get(bit));
      expect(ACTIVITY_FIGURES.length).toBe(6);
    });

    it('declines periods it cannot answer exactly; the queries then count the pull requests', async () => {
      // Ends before the last evaluations, or not whole days.
      const { earlier, partial } = periodsRollupsDecline(all);
      expect(await activeCountsFromRollup(t.db, earlier)).toBeUndefined();
      expect(await activeCountsFromRollup(t.db, partial)).toBeUndefined();
      for (const scope of [earlier, partial]) {
        const scan = await activeCountsFromScan(t.db, scope);
        expect(scan.prs).toBeGreaterThan(0);
        expect((await compliance(t.db, scope)).prs).toBe(scan.prs);
        const shares = await gateShares(t.db, scope, ['batch-size']);
        expect(shares[0]?.prs).toBe(scan.gates.get(GATE_BITS['batch-size'])!.evaluated);
      }
    });

    it('is filled from the stored pull requests when the migration runs', async () => {
      // As a database migrated before 0006 would be: the pull requests there, no rollup yet.
      await migratedBefore(t.db, '0006_activity_rollups');
      await migrate(t.db);
      expect((await expectInStep()).length).toBeGreaterThan(100);
    });
  });
});
