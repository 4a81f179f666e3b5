/**
 * The slowest-to-review list (migration 0008's indexes) on both backends: read from the indexes it
 * equals the pass over every PR opened in the period on a seeded history, for a period up to today
 * (answered from the indexes) and for past periods (answered, or declined and scanned); and when
 * the period's end clamps the longest waits, so that a PR the indexes would not read waited
 * longer, it declines and the list is the scan's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  slowestKeysFromIndexes,
  slowestKeysFromScan,
  slowestToReview,
  type InsightsScope,
} from '../../src/store/insights-queries.js';
import { writeBatch } from '../../src/store/writer.js';
import {
  aLifeEvent,
  BACKENDS,
  DAY_MS,
  OPEN_TIMEOUT_MS,
  REPO,
  seedSmallHistory,
  SMALL_HISTORY_END,
  TestDatabase,
} from './support.js';

describe.each(BACKENDS)('slowest to review (%s)', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await TestDatabase.open(kind);
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => t?.close());

  describe('on a seeded history', () => {
    let all: number[];
    const end = SMALL_HISTORY_END;
    beforeAll(async () => {
      await t.reset();
      all = await seedSmallHistory(t.db, 13);
    }, OPEN_TIMEOUT_MS);

    const scopes: [string, (ids: number[]) => InsightsScope, number][] = [
      [
        'every repository, 90 days',
        (ids) => ({ repositoryIds: ids, from: new Date(end - 90 * DAY_MS), to: new Date(end) }),
        10,
      ],
      [
        'one repository, 30 days',
        (ids) => ({ repositoryIds: ids.slice(0, 1), from: new Date(end - 30 * DAY_MS), to: new Date(end) }),
        10,
      ],
      [
        'every repository, the top 50',
        (ids) => ({ repositoryIds: ids, from: new Date(end - 20 * DAY_MS), to: new Date(end) }),
        50,
      ],
    ];
    it.each(scopes)('answers %s from the indexes as the scan does', async (_name, scope, limit) => {
      const fromScan = await slowestKeysFromScan(t.db, scope(all), limit);
      expect(fromScan).toHaveLength(limit);
      expect(await slowestKeysFromIndexes(t.db, scope(all), limit)).toEqual(fromScan);
    });

    it('answers past periods, whose waits the end clamps, as the scan does, or declines', async () => {
      let answered = 0;
      for (const [fromDays, toDays, limit] of [
        [60, 30, 10],
        [40, 20, 3],
        [25, 24, 1],
      ] as const) {
        const scope = {
          repositoryIds: all,
          from: new Date(end - fromDays * DAY_MS),
          to: new Date(end - toDays * DAY_MS),
        };
        const fromScan = await slowestKeysFromScan(t.db, scope, limit);
        const fromIndexes = await slowestKeysFromIndexes(t.db, scope, limit);
        if (fromIndexes !== undefined) {
          answered++;
          expect(fromIndexes).toEqual(fromScan);
        }
        const listed = await slowestToReview(t.db, scope, limit);
        expect(listed.map((p) => [p.repositoryId, p.number])).toEqual(
          [...fromScan].sort((a, b) => b.wait_hours - a.wait_hours || 0).map((k) => [k.repository_id, k.pr_number]),
        );
      }
      // Not every past period declines: the comparison above ran.
      expect(answered).toBeGreaterThan(0);
    });
  });

  it('declines when the end clamps the waits it read, and the list is then the scan’s', async () => {
    await t.reset();
    const day = (n: number, hour = 0) => new Date(Date.UTC(2026, 1, 1 + n, hour)).toISOString();
    const pr = (number: number, opened: string, reviewed?: string) =>
      aLifeEvent(number, opened, {
        state: 'open',
        stateAt: opened,
        openedAt: opened,
        readyAt: opened,
        ...(reviewed ? { firstReviewAt: reviewed } : {}),
      });
    // The period is days 0–10. PRs 1–3 were reviewed long after it: their waits stop at its end
    // (9, 8 and 7 days) though they waited about a month. PR 5 was reviewed inside it after 9.4
    // days: the longest wait, but the shortest unclamped one, so the indexes do not read it.
    await writeBatch(
      t.db,
      [
        pr(1, day(1), day(30)),
        pr(2, day(2), day(31)),
        pr(3, day(3), day(32)),
        pr(5, day(0, 12), day(9, 22)),
        pr(6, day(4)),
      ].map((record) => ({ kind: 'pull-request' as const, record })),
    );
    const scope: InsightsScope = {
      repositoryIds: [REPO.id],
      from: new Date(day(0)),
      to: new Date(day(10)),
    };
    expect(await slowestKeysFromIndexes(t.db, scope, 1)).toBeUndefined();
    const listed = await slowestToReview(t.db, scope, 1);
    expect(listed.map((p) => [p.number, p.waitHours])).toEqual([[5, 226]]);
    // Over the top 5 every PR is read: answered from the indexes, clamped waits and all.
    const five = await slowestKeysFromIndexes(t.db, scope, 5);
    expect(five?.map((k) => k.pr_number)).toEqual([5, 1, 2, 3, 6]);
    expect(five).toEqual(await slowestKeysFromScan(t.db, scope, 5));
  });
});
