/**
 * Retention on both backends: rows older than the cutoff go, in batches; newer rows stay; base
 * files no open snapshot refers to go once they are a day old; names and failure patterns go when
 * nothing recorded them within the period.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteExpired, retentionCutoff } from '../../src/store/retention.js';
import { writeBatch, type HistoryItem } from '../../src/store/writer.js';
import { aFile, capped } from '../support/builders.js';
import { aLifeEvent, anEvaluation, BACKENDS, OPEN_TIMEOUT_MS, TestDatabase } from './support.js';

const NOW = Date.parse('2026-03-02T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW - d * 86_400_000).toISOString();
const codeowners = (text: string) => ({
  codeowners: { path: 'CODEOWNERS', oid: text, byteSize: text.length, text, truncated: false },
  gitattributes: null,
});

describe.each(BACKENDS)('retention (%s)', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await TestDatabase.open(kind);
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => t?.close());

  it('deletes what is older than the retention period, in batches, and keeps the rest', async () => {
    const override = (at: string) => [
      {
        outcome: 'applied' as const,
        login: 'lead',
        gates: ['batch-size'],
        reason: 'Hotfix for the outage',
        commentUrl: `https://github.com/acme/api/pull/1#c-${at}`,
        refusal: null,
        headSha: 'f'.repeat(40),
        commentedAt: at,
      },
    ];
    const items: HistoryItem[] = [];
    for (let i = 0; i < 7; i++) {
      // Old, closed pull requests with their evaluations and overrides.
      // Too large: batch-size fails only in these, so its failure pattern goes with them.
      items.push({
        kind: 'evaluation',
        record: anEvaluation({
          pr: { number: 100 + i, state: 'closed', files: capped([aFile('src/app.ts', 900, 0)]) },
          at: daysAgo(500 + i),
          overrides: override(daysAgo(500 + i)),
        }),
      });
      items.push({
        kind: 'pull-request',
        record: aLifeEvent(100 + i, daysAgo(499), {
          state: 'merged',
          stateAt: daysAgo(499),
          mergedAt: daysAgo(499),
          closedAt: daysAgo(499),
        }),
      });
    }
    // An open pull request not evaluated for 450 days: its snapshot goes too.
    items.push({
      kind: 'evaluation',
      record: anEvaluation({ pr: { number: 300, base: codeowners('* @old\n') }, at: daysAgo(450) }),
    });
    // A repository nothing was recorded of for 420 days: its name goes.
    items.push({
      kind: 'evaluation',
      record: anEvaluation({
        pr: { number: 400, state: 'closed' },
        at: daysAgo(420),
        repository: { id: 99, fullName: 'acme/retired', installationId: 7 },
      }),
    });
    // Recent ones stay.
    for (let i = 0; i < 4; i++)
      items.push({
        kind: 'evaluation',
        record: anEvaluation({
          pr: { number: 200 + i, base: codeowners('* @new\n') },
          at: daysAgo(10 + i),
          overrides: override(daysAgo(10 + i)),
        }),
      });
    for (const item of items) await writeBatch(t.db, [item]);
    // Base files are kept for a day after their last use; these were stored "long ago".
    await sql`UPDATE snapshot_files SET stored_at = ${daysAgo(2)}::timestamptz`.execute(t.db);

    const batches: [string, number][] = [];
    const deleted = await deleteExpired(t.db, retentionCutoff(400, NOW), {
      batchSize: 3,
      onDeleted: (table, rows) => batches.push([table, rows]),
    });
    expect(deleted).toEqual({
      gate_results: 45,
      evaluations: 9,
      overrides: 7,
      pull_request_weeks: 9,
      pull_requests: 9,
      open_pull_requests: 1,
      repositories: 1,
      failure_patterns: 1,
      snapshot_files: 1,
    });
    expect(batches.filter(([table]) => table === 'evaluations').map(([, n]) => n)).toEqual([3, 3, 3]);

    expect(await t.count('evaluations')).toBe(4);
    expect(await t.count('gate_results')).toBe(20);
    expect(await t.count('overrides')).toBe(4);
    expect(await t.count('pull_requests')).toBe(4);
    expect(await t.count('open_pull_requests')).toBe(4);
    const files = await t.db.selectFrom('snapshot_files').select('text').execute();
    expect(files.map((f) => f.text)).toEqual(['* @new\n']);
    expect((await t.db.selectFrom('repositories').select('full_name').execute()).map((r) => r.full_name)).toEqual([
      'Acme/api',
    ]);
    expect(
      (await t.db.selectFrom('failure_patterns').select('gate_id').orderBy('gate_id').execute()).map((r) => r.gate_id),
    ).toEqual(['codeowners-review', 'linked-ticket', 'tests-touched']);

    // Nothing left to delete the second time.
    const again = await deleteExpired(t.db, retentionCutoff(400, NOW));
    expect(Object.values(again).every((n) => n === 0)).toBe(true);
  });

  it('keeps a base file stored in the last day even when nothing refers to it yet', async () => {
    await t.reset();
    await sql`INSERT INTO snapshot_files (hash, text, stored_at) VALUES ('h1', 'x', now())`.execute(t.db);
    const deleted = await deleteExpired(t.db, retentionCutoff(400));
    expect(deleted.snapshot_files).toBe(0);
  });
});
