/**
 * The insights percentiles computed in JavaScript from packed values (src/store/percentiles.ts):
 * `percentileCont` on hand-made lists; and on both backends, over a seeded history, every figure of
 * the merged and opened PRs' passes (per week and in total) equals the database's own
 * `percentile_cont` over the same rows, exactly — integers, and hours computed by the database.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergedScan, openedScan, type InsightsScope } from '../../src/store/insights-queries.js';
import {
  percentileCont,
  sortedUnion,
  unpackDoubles,
  unpackInts,
  weeksThenPeriod,
} from '../../src/store/percentiles.js';
import { BACKENDS, DAY_MS, OPEN_TIMEOUT_MS, seedSmallHistory, SMALL_HISTORY_END, TestDatabase } from './support.js';

describe('percentileCont', () => {
  const of = (...values: number[]) => Float64Array.from(values).sort();
  it('interpolates between the neighbours of the rank fraction × (n − 1)', () => {
    expect(percentileCont(of(), 0.5)).toBeNull();
    expect(percentileCont(of(7), 0.9)).toBe(7);
    expect(percentileCont(of(1, 2), 0.5)).toBe(1.5);
    expect(percentileCont(of(3, 1, 2), 0.5)).toBe(2);
    // Rank 0.9 × 9 = 8.1: the ninth value plus a tenth of the way to the tenth.
    expect(percentileCont(of(1, 2, 3, 4, 5, 6, 7, 8, 10, 20), 0.9)).toBe(10 + (20 - 10) * (0.9 * 9 - 8));
    expect(percentileCont(of(5, 5, 5, 100), 0.5)).toBe(5);
  });
  it('reads big-endian packed integers and doubles, and unions groups sorted', () => {
    const bytes = new Uint8Array([0, 0, 0, 3, 0xff, 0xff, 0xff, 0xfe]);
    expect([...unpackInts(bytes)]).toEqual([3, -2]);
    const doubles = new Uint8Array(16);
    new DataView(doubles.buffer).setFloat64(0, 1.25);
    new DataView(doubles.buffer).setFloat64(8, -0.5);
    expect([...unpackDoubles(doubles)]).toEqual([1.25, -0.5]);
    expect([...unpackInts(null)]).toEqual([]);
    expect([...sortedUnion([of(3, 9), of(1), of()])]).toEqual([1, 3, 9]);
  });
  it('orders the weeks, sorts their values, and adds the period: counts summed, values united', () => {
    const rows = weeksThenPeriod(
      [
        { week: '2026-02-09', n: 2, v: Float64Array.of(9, 4) },
        { week: '2026-02-02', n: 1, v: Float64Array.of(7) },
      ],
      ['n'],
      ['v'],
    );
    expect(rows.map((r) => [r.week, r.n, [...r.v]])).toEqual([
      ['2026-02-02', 1, [7]],
      ['2026-02-09', 2, [4, 9]],
      [null, 3, [4, 7, 9]],
    ]);
  });
});

describe.each(BACKENDS)('the passes over merged and opened PRs (%s)', (kind) => {
  let t: TestDatabase;
  let all: number[];
  beforeAll(async () => {
    t = await TestDatabase.open(kind);
    all = await seedSmallHistory(t.db, 14);
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => t?.close());

  const week = (column: string) => sql.raw(`floor((date_part('epoch', ${column}) + 259200) / 604800)`);
  const weekName = (column: string) =>
    sql.raw(
      `to_char(to_timestamp(floor((date_part('epoch', ${column}) + 259200) / 604800) * 604800 - 259200) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
    );
  /** The database's own percentiles over the same rows, per week and in total. */
  const referenceMerged = async (scope: InsightsScope) =>
    (
      await sql<Record<string, unknown>>`
        SELECT CASE WHEN GROUPING(${week('merged_at')}) = 0 THEN ${weekName('merged_at')} END AS week, count(*) AS merged,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY counted_lines) AS "p50Lines",
          percentile_cont(0.9) WITHIN GROUP (ORDER BY counted_lines) AS "p90Lines",
          percentile_cont(0.5) WITHIN GROUP (ORDER BY counted_files) AS "p50Files",
          percentile_cont(0.9) WITHIN GROUP (ORDER BY counted_files) AS "p90Files",
          count(*) FILTER (WHERE opened_at IS NOT NULL) AS led,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY date_part('epoch', merged_at - opened_at) / 3600) AS "p50Lead",
          percentile_cont(0.9) WITHIN GROUP (ORDER BY date_part('epoch', merged_at - opened_at) / 3600) AS "p90Lead"
        FROM pull_requests
        WHERE repository_id = ANY (${scope.repositoryIds}::bigint[]) AND merged_at >= ${scope.from.toISOString()}::timestamptz
          AND merged_at < ${scope.to.toISOString()}::timestamptz
        GROUP BY ROLLUP (${week('merged_at')})
        ORDER BY 1 NULLS LAST`.execute(t.db)
    ).rows;
  const referenceOpened = async (scope: InsightsScope) =>
    (
      await sql<Record<string, unknown>>`
        SELECT CASE WHEN GROUPING(${week('opened_at')}) = 0 THEN ${weekName('opened_at')} END AS week, count(*) AS opened,
          count(*) FILTER (WHERE first_review_at IS NOT NULL) AS reviewed,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY date_part('epoch', first_review_at - COALESCE(ready_at, opened_at)) / 3600) AS p50,
          percentile_cont(0.9) WITHIN GROUP (ORDER BY date_part('epoch', first_review_at - COALESCE(ready_at, opened_at)) / 3600) AS p90
        FROM pull_requests
        WHERE repository_id = ANY (${scope.repositoryIds}::bigint[]) AND opened_at >= ${scope.from.toISOString()}::timestamptz
          AND opened_at < ${scope.to.toISOString()}::timestamptz
        GROUP BY ROLLUP (${week('opened_at')})
        ORDER BY 1 NULLS LAST`.execute(t.db)
    ).rows;

  const end = SMALL_HISTORY_END;
  const scopes: [string, (ids: number[]) => InsightsScope][] = [
    [
      'every repository, 90 days',
      (ids) => ({ repositoryIds: ids, from: new Date(end - 90 * DAY_MS), to: new Date(end) }),
    ],
    [
      'one repository, 30 days',
      (ids) => ({ repositoryIds: ids.slice(0, 1), from: new Date(end - 30 * DAY_MS), to: new Date(end) }),
    ],
    [
      'a past fortnight, from mid-week',
      (ids) => ({
        repositoryIds: ids.slice(3),
        from: new Date(end - 30 * DAY_MS + 3_600_000),
        to: new Date(end - 16 * DAY_MS),
      }),
    ],
    ['no repository', () => ({ repositoryIds: [], from: new Date(end - 90 * DAY_MS), to: new Date(end) })],
  ];
  it.each(scopes)('gives the database’s own figures for %s', async (name, scope) => {
    const s = scope(all);
    const merged = await mergedScan(t.db, s, {});
    const opened = await openedScan(t.db, s, {});
    expect(merged).toEqual(await referenceMerged(s));
    expect(opened).toEqual(await referenceOpened(s));
    if (name === 'no repository') {
      expect(merged).toEqual([expect.objectContaining({ week: null, merged: 0, p50Lines: null })]);
      return;
    }
    // Weeks and interpolated values are there to compare: not a vacuous match.
    expect(merged.length).toBeGreaterThan(2);
    expect(merged.some((w) => w.p90Lead !== null && !Number.isInteger(w.p90Lead))).toBe(true);
    expect(opened.some((w) => w.p50 !== null && !Number.isInteger(w.p50 * 2))).toBe(true);
  });
});
