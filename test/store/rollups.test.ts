/**
 * `repository_weeks` (migration 0005_insights_rollups) on both backends: after every kind of write
 * (new weeks, re-evaluations of a PR in the same week that move it to another gate-mask group, a
 * batch written twice, retention deletes, a TRUNCATE) it equals `pull_request_weeks` summed again
 * from the rows, and the weekly figures read from it equal those counted from the rows.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gateWeekly, weeklyActivity, type InsightsScope } from '../../src/store/insights-queries.js';
import { migrate } from '../../src/store/migrations.js';
import { gateMask } from '../../src/store/records.js';
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
} from './support.js';

interface Group {
  repository_id: number;
  week: string;
  gates_evaluated: number;
  gates_failed: number;
  gates_warned: number;
  gates_overridden: number;
  prs: number;
  evaluations: number;
}

describe.each(BACKENDS)('insights rollups (%s)', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await TestDatabase.open(kind);
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => t?.close());
  beforeEach(async () => t.reset());

  const stored = async () =>
    (
      await sql<Group>`
        SELECT repository_id, to_char(week, 'YYYY-MM-DD') AS week, gates_evaluated, gates_failed, gates_warned, gates_overridden, prs, evaluations
        FROM repository_weeks ORDER BY 1, 2, 3, 4, 5, 6`.execute(t.db)
    ).rows;
  const recomputed = async () =>
    (
      await sql<Group>`
        SELECT repository_id, to_char(week, 'YYYY-MM-DD') AS week, gates_evaluated, gates_failed, gates_warned, gates_overridden, count(*) AS prs, sum(evaluations) AS evaluations
        FROM pull_request_weeks GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`.execute(t.db)
    ).rows;
  /** The rollup equals the rows summed again: no group missing, none extra, none emptied and kept. */
  const expectInStep = async () => {
    const rows = await recomputed();
    expect(await stored()).toEqual(rows);
    return rows;
  };
  const write = async (...items: HistoryItem[]) => writeBatch(t.db, items);
  const evaluation = anEvaluationItem;

  it('follows new weeks, and re-evaluations of a PR in one week that move it to another gate-mask group', async () => {
    // PR 1: passes, then fails batch-size later the same week (in another transaction): its week
    // leaves the passing group (emptied, so deleted) for the failing one.
    await write(evaluation(1, daysAgo(3)));
    const before = await expectInStep();
    expect(before).toHaveLength(1);
    await write(evaluation(1, daysAgo(2, 11), { failing: true }));
    const after = await expectInStep();
    expect(after).toHaveLength(1);
    expect(after[0]!.gates_failed & gateMask(['batch-size'])).not.toBe(0);
    expect(after[0]).toMatchObject({ prs: 1, evaluations: 2 });
    // Two evaluations of PR 2 and one of PR 3 in one batch, another repository, another week;
    // then the same batch again (a retry): nothing counted twice.
    const batch = [
      evaluation(2, daysAgo(10)),
      evaluation(2, daysAgo(9), { failing: true }),
      evaluation(3, daysAgo(9), { repository: OTHER_REPO }),
      evaluation(1, daysAgo(1, 9)),
    ];
    await write(...batch);
    await write(...batch);
    const rows = await expectInStep();
    expect(rows.reduce((n, r) => n + r.evaluations, 0)).toBe(6);

    // The weekly figures read from the rollup equal those counted from the rows.
    const scope: InsightsScope = {
      repositoryIds: [4242, OTHER_REPO.id],
      from: new Date(ROLLUP_NOW - 30 * DAY_MS),
      to: new Date(ROLLUP_NOW + DAY_MS),
    };
    const raw = (
      await sql<{
        week: string;
        prs: number;
        evaluations: number;
      }>`SELECT to_char(week, 'YYYY-MM-DD') AS week, count(*) AS prs, sum(evaluations) AS evaluations FROM pull_request_weeks GROUP BY 1 ORDER BY 1`.execute(
        t.db,
      )
    ).rows;
    expect(
      (await weeklyActivity(t.db, scope)).map((w) => ({
        week: w.week,
        prs: w.evaluatedPrs,
        evaluations: w.evaluations,
      })),
    ).toEqual(raw);
    const failed = (
      await sql<{
        week: string;
        n: number;
      }>`SELECT to_char(week, 'YYYY-MM-DD') AS week, count(*) AS n FROM pull_request_weeks WHERE (gates_failed & ${gateMask(['batch-size'])}::integer) <> 0 GROUP BY 1 ORDER BY 1`.execute(
        t.db,
      )
    ).rows;
    expect(
      (await gateWeekly(t.db, scope, ['batch-size']))
        .filter((w) => w.blocked > 0)
        .map((w) => ({ week: w.week, n: w.blocked })),
    ).toEqual(failed);
    // Out of scope, nothing.
    expect(await weeklyActivity(t.db, { ...scope, repositoryIds: [OTHER_REPO.id] })).toEqual([
      expect.objectContaining({ evaluatedPrs: 1, evaluations: 1 }),
    ]);
  });

  it('follows retention deletes, batch by batch, and a TRUNCATE', async () => {
    const items: HistoryItem[] = [];
    for (let i = 0; i < 6; i++)
      items.push(
        evaluation(100 + i, daysAgo(500 + 7 * i), { failing: i % 2 === 0 }),
        evaluation(100 + i, daysAgo(500 + 7 * i, 12)),
      );
    for (let i = 0; i < 3; i++) items.push(evaluation(200 + i, daysAgo(5 + i), { failing: i === 0 }));
    for (const item of items) await write(item);
    await expectInStep();
    await deleteExpired(t.db, retentionCutoff(400, ROLLUP_NOW), { batchSize: 2 });
    const left = await expectInStep();
    expect(left.reduce((n, r) => n + r.prs, 0)).toBe(3);
    expect(left.every((r) => Date.parse(r.week) > ROLLUP_NOW - 30 * DAY_MS)).toBe(true);
    await t.reset();
    expect(await stored()).toEqual([]);
  });

  it('is filled from the stored weeks when the migration runs', async () => {
    for (let i = 0; i < 4; i++) await write(evaluation(300 + i, daysAgo(i * 3), { failing: i === 1 }));
    // As a database migrated before 0005 would be: the weeks there, no rollup yet.
    await migratedBefore(t.db, '0005_insights_rollups');
    await migrate(t.db);
    expect((await expectInStep()).reduce((n, r) => n + r.prs, 0)).toBe(4);
  });
});
