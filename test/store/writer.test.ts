/**
 * The write path on both backends: what one evaluation stores, idempotency (a retried batch, two
 * writers with the same records at once), pull-request facts that merge the same in any order,
 * the open-PR snapshot's life, hostile strings, and batches past PostgreSQL's parameter limit.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, QualityGatesConfig } from '../../gates/config.js';
import { runGates } from '../../src/pipeline/run-gates.js';
import { loadOpenPullRequests } from '../../src/store/open-pull-requests.js';
import { GATE_IDS } from '../../gates/registry.js';
import { evaluationId, gateMask, type EvaluationRecord } from '../../src/store/records.js';
import { writeBatch, type HistoryItem } from '../../src/store/writer.js';
import { aCommit, aFile, aReview, capped } from '../support/builders.js';
import { aLifeEvent, anEvaluation, BACKENDS, OPEN_TIMEOUT_MS, REPO, TestDatabase } from './support.js';

const evaluation = (record: EvaluationRecord): HistoryItem => ({ kind: 'evaluation', record });

describe.each(BACKENDS)('writing history (%s)', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await TestDatabase.open(kind);
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => t?.close());
  beforeEach(async () => t.reset());

  it('stores the figures of the gates added later (migration 0003_later_gate_figures)', async () => {
    const config = QualityGatesConfig.parse({
      defaults: { mode: 'off' },
      gates: {
        'pr-description': { mode: 'block', sections: ['What', 'Why'] },
        'conventional-title': { mode: 'warn' },
        'branch-age': { mode: 'block', max_behind: 3 },
      },
    });
    const pr = {
      number: 8,
      title: 'Add refunds',
      body: '## What\nAdds the refunds endpoint.',
      createdAt: '2026-02-01T12:00:00Z',
      readAt: '2026-03-04T12:00:00Z',
      comparison: { aheadBy: 2, behindBy: 5 },
    };
    await writeBatch(t.db, [evaluation(anEvaluation({ pr, config, at: '2026-03-04T12:00:00Z' }))]);
    const gates = await t.db.selectFrom('gate_results').selectAll().orderBy('gate_id').execute();
    expect(gates.map((g) => [g.gate_id, g.status])).toEqual([
      ['branch-age', 'fail'],
      ['conventional-title', 'warn'],
      ['pr-description', 'fail'],
    ]);
    expect(gates[0]).toMatchObject({ age_days: 31, behind_by: 5 });
    expect(gates[1]).toMatchObject({ title_valid: false, title_length: 11 });
    expect(gates[2]).toMatchObject({ description_chars: 26, sections_missing: 1, untouched_template: false });
    const row = await t.db
      .selectFrom('pull_requests')
      .select(['gates_evaluated', 'gates_blocked', 'gates_warned'])
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      gates_evaluated: gateMask(['pr-description', 'conventional-title', 'branch-age']),
      gates_blocked: gateMask(['pr-description', 'branch-age']),
      gates_warned: gateMask(['conventional-title']),
    });
  });

  it('stores the evaluation, one row per gate with its figures, the pull request and its week', async () => {
    const record = anEvaluation({
      pr: {
        number: 7,
        files: capped([
          aFile('src/a.ts', 300, 200),
          aFile('package-lock.json', 900, 100),
          aFile('test/a.test.ts', 10, 0),
        ]),
        title: 'PROJ-12 Add refunds',
      },
      at: '2026-03-04T12:00:00Z',
    });
    const summary = await writeBatch(t.db, [evaluation(record)]);
    expect(summary).toEqual({ evaluations: 1, duplicates: 0, pullRequests: 1, snapshots: 1 });

    const row = await t.db.selectFrom('evaluations').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      id: evaluationId(record),
      repository_id: 4242,
      repository: 'Acme/api',
      owner: 'acme',
      installation_id: 7,
      pr_number: 7,
      author: 'dana',
      author_is_bot: false,
      verdict: 'evaluated',
      conclusion: 'failure',
      title: 'Blocked: batch-size',
    });
    expect(row.evaluated_at).toEqual(new Date('2026-03-04T12:00:00Z'));

    const gates = await t.db.selectFrom('gate_results').selectAll().orderBy('gate_id').execute();
    expect(gates.map((g) => [g.gate_id, g.status])).toEqual([
      ['batch-size', 'fail'],
      ['codeowners-review', 'skipped'],
      ['linked-ticket', 'pass'],
      ['signed-commits', 'pass'],
      ['tests-touched', 'pass'],
    ]);
    expect(gates[0]).toMatchObject({
      counted_lines: 510,
      counted_files: 2,
      excluded_lines: 1000,
      excluded_files: 1,
      lines_default_excludes_on: 510,
      lines_default_excludes_off: 1510,
      files_default_excludes_off: 3,
      max_lines: 400,
      max_files: 50,
      reason: '510 lines in 2 files (limit 400 lines, 50 files); 1,000 lines not counted',
    });
    expect(gates[2]).toMatchObject({ ticket_found: true, ticket_where: 'title' });
    expect(gates[3]).toMatchObject({ commits: 1, unsigned_commits: 0 });
    expect(gates[4]).toMatchObject({ source_files: 1, test_files: 1 });

    const pr = await t.db.selectFrom('pull_requests').selectAll().executeTakeFirstOrThrow();
    expect(pr).toMatchObject({
      pr_number: 7,
      state: 'open',
      evaluations: 1,
      last_conclusion: 'failure',
      counted_lines: 510,
      lines_default_excludes_off: 1510,
      title: 'PROJ-12 Add refunds',
      base_ref: 'main',
    });
    expect(pr.gate_statuses).toEqual({
      'batch-size': 'fail',
      'linked-ticket': 'pass',
      'tests-touched': 'pass',
      'signed-commits': 'pass',
      'codeowners-review': 'skipped',
    });
    expect(pr).toMatchObject({
      // The default config: the gates added later are off.
      gates_evaluated: gateMask(GATE_IDS.filter((id) => DEFAULT_CONFIG.gates[id].mode !== 'off')),
      gates_passed: gateMask(['linked-ticket', 'tests-touched', 'signed-commits']),
      gates_failing: gateMask(['batch-size']),
      gates_blocked: gateMask(['batch-size']),
      gates_warned: 0,
      gates_overridden: 0,
    });
    const patterns = await t.db.selectFrom('failure_patterns').select(['gate_id', 'pattern', 'example']).execute();
    expect(patterns).toEqual([
      {
        gate_id: 'batch-size',
        pattern: 'N lines in N files (limit N lines, N files); N lines not counted',
        example: '510 lines in 2 files (limit 400 lines, 50 files); 1,000 lines not counted',
      },
    ]);
    // The pull request refers to the pattern by the key the database derives.
    const linked = await sql<{
      n: number;
    }>`SELECT count(*) AS n FROM pull_requests p JOIN failure_patterns f ON f.key = ANY (p.failure_keys)`.execute(t.db);
    expect(linked.rows[0]!.n).toBe(1);
    expect(
      await t.db.selectFrom('repositories').select(['id', 'full_name', 'owner', 'installation_id']).execute(),
    ).toEqual([{ id: 4242, full_name: 'Acme/api', owner: 'acme', installation_id: 7 }]);

    const week = await t.db.selectFrom('pull_request_weeks').selectAll().executeTakeFirstOrThrow();
    expect(week).toMatchObject({
      evaluations: 1,
      gates_evaluated: gateMask(GATE_IDS.filter((id) => DEFAULT_CONFIG.gates[id].mode !== 'off')),
      gates_failed: gateMask(['batch-size']),
      gates_warned: 0,
      gates_overridden: 0,
    });
    expect(week.week).toEqual(new Date('2026-03-02T00:00:00Z'));
  });

  it('adds nothing when the same batch is written again (a retry after a lost reply)', async () => {
    const items = [
      evaluation(anEvaluation({ pr: { number: 1 } })),
      evaluation(anEvaluation({ pr: { number: 2 } })),
      {
        kind: 'pull-request' as const,
        record: aLifeEvent(1, '2026-03-01T09:00:00Z', {
          openedAt: '2026-03-01T09:00:00Z',
          state: 'open',
          stateAt: '2026-03-01T09:00:00Z',
        }),
      },
    ];
    await writeBatch(t.db, items);
    const again = await writeBatch(t.db, items);
    expect(again).toMatchObject({ evaluations: 0, duplicates: 2 });
    expect(await t.count('evaluations')).toBe(2);
    expect(await t.count('gate_results')).toBe(10);
    const prs = await t.db
      .selectFrom('pull_requests')
      .select(['pr_number', 'evaluations'])
      .orderBy('pr_number')
      .execute();
    expect(prs).toEqual([
      { pr_number: 1, evaluations: 1 },
      { pr_number: 2, evaluations: 1 },
    ]);
    const weeks = await t.db
      .selectFrom('pull_request_weeks')
      .select(sql<number>`sum(evaluations)`.as('n'))
      .executeTakeFirstOrThrow();
    expect(weeks.n).toBe(2);
  });

  it('leaves one row per record when two writers write the same records at once, in opposite orders', async () => {
    const records = Array.from({ length: 60 }, (_, i) =>
      evaluation(
        anEvaluation({
          pr: { number: 1 + (i % 12) },
          at: `2026-03-0${1 + (i % 5)}T10:00:${String(i % 60).padStart(2, '0')}Z`,
        }),
      ),
    );
    const results = await Promise.all([
      writeBatch(t.db, records),
      writeBatch(t.db, [...records].reverse()),
      writeBatch(t.db, records.slice(20, 40)),
    ]);
    expect(results.reduce((n, r) => n + r.evaluations, 0)).toBe(60);
    expect(await t.count('evaluations')).toBe(60);
    expect(await t.count('gate_results')).toBe(300);
    const total = await t.db
      .selectFrom('pull_requests')
      .select(sql<number>`sum(evaluations)`.as('n'))
      .executeTakeFirstOrThrow();
    expect(total.n).toBe(60);
  });

  it('merges a pull request’s life the same whatever order its records arrive in', async () => {
    const items: HistoryItem[] = [
      {
        kind: 'pull-request',
        record: aLifeEvent(5, '2026-03-01T09:00:00Z', {
          openedAt: '2026-03-01T09:00:00Z',
          state: 'open',
          stateAt: '2026-03-01T09:00:00Z',
          readyAt: '2026-03-01T09:00:00Z',
          title: 'First title',
        }),
      },
      evaluation(
        anEvaluation({
          pr: { number: 5, reviews: capped([aReview('lee', 'commented', { submittedAt: '2026-03-01T15:00:00Z' })]) },
          at: '2026-03-01T15:30:00Z',
        }),
      ),
      {
        kind: 'pull-request',
        record: aLifeEvent(5, '2026-03-01T12:00:00Z', { firstReviewAt: '2026-03-01T12:00:00Z' }),
      },
      {
        kind: 'pull-request',
        record: aLifeEvent(5, '2026-03-02T08:00:00Z', {
          firstReviewAt: '2026-03-02T08:00:00Z',
          firstApprovalAt: '2026-03-02T08:00:00Z',
        }),
      },
      evaluation(
        anEvaluation({ pr: { number: 5, files: capped([aFile('src/a.ts', 900, 0)]) }, at: '2026-03-02T09:00:00Z' }),
      ),
      {
        kind: 'pull-request',
        record: aLifeEvent(5, '2026-03-03T10:00:00Z', {
          state: 'merged',
          stateAt: '2026-03-03T10:00:00Z',
          closedAt: '2026-03-03T10:00:00Z',
          mergedAt: '2026-03-03T10:00:00Z',
        }),
      },
      {
        kind: 'pull-request',
        record: aLifeEvent(5, '2026-03-02T18:00:00Z', {
          state: 'closed',
          stateAt: '2026-03-02T18:00:00Z',
          closedAt: '2026-03-02T18:00:00Z',
        }),
      },
      {
        kind: 'pull-request',
        record: aLifeEvent(5, '2026-03-02T19:00:00Z', { state: 'open', stateAt: '2026-03-02T19:00:00Z' }),
      },
    ];
    const orders = [
      items,
      [...items].reverse(),
      [items[4]!, items[7]!, items[1]!, items[5]!, items[0]!, items[6]!, items[3]!, items[2]!],
    ];
    const rows = [];
    for (const order of orders) {
      await t.reset();
      // One record per batch, as a slow trickle of retries would write them.
      for (const item of order) await writeBatch(t.db, [item]);
      rows.push(await t.db.selectFrom('pull_requests').selectAll().executeTakeFirstOrThrow());
    }
    for (const row of rows) {
      expect({ ...row, updated_at: null }).toEqual({ ...rows[0]!, updated_at: null });
    }
    expect(rows[0]).toMatchObject({
      state: 'merged',
      opened_at: new Date('2026-03-01T09:00:00Z'),
      first_review_at: new Date('2026-03-01T12:00:00Z'),
      first_approval_at: new Date('2026-03-02T08:00:00Z'),
      merged_at: new Date('2026-03-03T10:00:00Z'),
      closed_at: new Date('2026-03-03T10:00:00Z'),
      evaluations: 2,
      gates_blocked: gateMask(['batch-size', 'linked-ticket', 'tests-touched']),
      title: 'Add refunds endpoint',
      // The latest evaluation's figures, whichever arrived last.
      counted_lines: 900,
      last_conclusion: 'failure',
    });
  });

  it('keeps a renamed repository’s latest name and installation, whatever order its records arrive in', async () => {
    const renamed = { ...REPO, fullName: 'Acme/payments-api', installationId: 8 };
    const older = evaluation(anEvaluation({ pr: { number: 1 }, at: '2026-03-01T10:00:00Z' }));
    const newer = evaluation(anEvaluation({ pr: { number: 2 }, at: '2026-03-05T10:00:00Z', repository: renamed }));
    for (const order of [
      [older, newer],
      [newer, older],
    ]) {
      await t.reset();
      for (const item of order) await writeBatch(t.db, [item]);
      const rows = await t.db
        .selectFrom('repositories')
        .select(['id', 'full_name', 'owner', 'installation_id', 'named_at', 'seen_at'])
        .execute();
      expect(rows).toEqual([
        {
          id: REPO.id,
          full_name: 'Acme/payments-api',
          owner: 'acme',
          installation_id: 8,
          named_at: new Date('2026-03-05T10:00:00Z'),
          seen_at: new Date('2026-03-05T10:00:00Z'),
        },
      ]);
    }
  });

  it('keeps the latest snapshot of an open pull request and deletes it when the pull request closes', async () => {
    const older = anEvaluation({ pr: { number: 9, title: 'Older' }, at: '2026-03-01T10:00:00Z' });
    const newer = anEvaluation({
      pr: { number: 9, title: 'Newer', headSha: 'e'.repeat(40) },
      at: '2026-03-01T11:00:00Z',
    });
    await writeBatch(t.db, [evaluation(newer)]);
    await writeBatch(t.db, [evaluation(older)]); // late: must not replace the newer one
    let open = await loadOpenPullRequests(t.db, { owner: 'ACME' });
    expect(open.map((o) => [o.number, o.snapshot.title, o.headSha])).toEqual([[9, 'Newer', 'e'.repeat(40)]]);

    await writeBatch(t.db, [
      {
        kind: 'pull-request',
        record: aLifeEvent(9, '2026-03-01T12:00:00Z', {
          state: 'closed',
          stateAt: '2026-03-01T12:00:00Z',
          closedAt: '2026-03-01T12:00:00Z',
        }),
      },
    ]);
    expect(await t.count('open_pull_requests')).toBe(0);
    // A retried write of an evaluation from before the close brings nothing back.
    await writeBatch(t.db, [
      evaluation(anEvaluation({ pr: { number: 9 }, at: '2026-03-01T11:30:00Z', delivery: 'late' })),
    ]);
    expect(await t.count('open_pull_requests')).toBe(0);

    // Reopened and evaluated again: kept.
    await writeBatch(t.db, [
      {
        kind: 'pull-request',
        record: aLifeEvent(9, '2026-03-02T09:00:00Z', { state: 'open', stateAt: '2026-03-02T09:00:00Z' }),
      },
      evaluation(anEvaluation({ pr: { number: 9, title: 'Reopened' }, at: '2026-03-02T09:05:00Z' })),
    ]);
    open = await loadOpenPullRequests(t.db, { repositoryIds: [REPO.id] });
    expect(open.map((o) => o.snapshot.title)).toEqual(['Reopened']);
  });

  it('reads a snapshot back whole: the gates reach the same results on it', async () => {
    const codeowners = {
      path: '.github/CODEOWNERS',
      oid: 'abc',
      byteSize: 30,
      text: '* @acme/platform\n/docs/ @writer\n',
      truncated: false,
    };
    const pr = {
      number: 11,
      body: `Fixes PROJ-7.\n\n${'x'.repeat(10_000)}`,
      files: capped([aFile('src/a.ts', 120, 30), aFile('docs/b.md', 5, 0), aFile('yarn.lock', 400, 0)]),
      commits: capped([
        aCommit({
          message: 'Change\n\nLong body that is not kept.\n\nSigned-off-by: Dana <dana@example.com>',
          subject: 'Change',
        }),
        aCommit({ signature: null }),
      ]),
      reviews: capped([aReview('writer', 'approved')]),
      labels: ['backend'],
      teams: { 'acme/platform': ['lee'] },
      base: {
        codeowners,
        gitattributes: {
          path: '.gitattributes',
          oid: 'def',
          byteSize: 20,
          text: 'gen/** linguist-generated\n',
          truncated: false,
        },
      },
    };
    await writeBatch(t.db, [
      evaluation(anEvaluation({ pr, repoConfig: 'gates:\n  batch-size:\n    max_lines: 100\n' })),
    ]);
    const [stored] = await loadOpenPullRequests(t.db, { owner: 'acme' });
    expect(stored!.repoConfig).toBe('gates:\n  batch-size:\n    max_lines: 100\n');
    expect(stored!.bodyTruncated).toBe(true);
    expect(stored!.snapshot.commits.nodes[0]!.message).toBe('Change\n\nSigned-off-by: Dana <dana@example.com>');
    const original = anEvaluation({ pr }).gates.map((g) => [g.id, g.status, g.reason]);
    const replayed = runGates(stored!.snapshot, DEFAULT_CONFIG).map((o) => [
      o.id,
      o.status,
      anEvaluation({ pr: stored!.snapshot }).gates.find((g) => g.id === o.id)!.reason,
    ]);
    expect(replayed).toEqual(original);
    // Shared base files are stored once.
    await writeBatch(t.db, [evaluation(anEvaluation({ pr: { ...pr, number: 12 } }))]);
    expect(await t.count('snapshot_files')).toBe(3);
  });

  it('stores hostile text as PostgreSQL allows: no NUL, no lone surrogate, quotes and braces intact', async () => {
    const title = 'Quote \' " back\\slash {brace}, comma; NUL\u0000 lone \uD800 emoji 🚀 <script>';
    const record = anEvaluation({
      pr: { number: 13, title, author: { login: 'mallory"\u0000', isBot: false }, headRef: 'x\u0000y' },
      overrides: [
        {
          outcome: 'refused',
          login: 'eve{1,2}',
          gates: ['batch-size', 'a"b'],
          reason: `reason ${'r'.repeat(5000)}\u0000`,
          commentUrl: 'https://github.com/acme/api/pull/13#issuecomment-1',
          refusal: 'not allowed',
          headSha: 'f'.repeat(40),
          commentedAt: null,
        },
      ],
    });
    await writeBatch(t.db, [evaluation(record)]);
    const pr = await t.db.selectFrom('pull_requests').select(['title', 'author']).executeTakeFirstOrThrow();
    expect(pr.title).toBe('Quote \' " back\\slash {brace}, comma; NUL lone \uFFFD emoji 🚀 <script>');
    expect(pr.author).toBe('mallory"');
    const override = await t.db.selectFrom('overrides').selectAll().executeTakeFirstOrThrow();
    expect(override).toMatchObject({ login: 'eve{1,2}', gates: ['batch-size', 'a"b'], outcome: 'refused' });
    expect(override.reason.length).toBe(1000);
    const [stored] = await loadOpenPullRequests(t.db, { owner: 'acme' });
    expect(stored!.snapshot.headRef).toBe('xy');
    expect(stored!.snapshot.title).toBe(pr.title);
  });

  it('records an override once per comment, head commit and outcome', async () => {
    const override = {
      outcome: 'applied' as const,
      login: 'lead',
      gates: ['batch-size'],
      reason: 'Hotfix for the outage',
      commentUrl: 'https://github.com/acme/api/pull/3#issuecomment-9',
      refusal: null,
      headSha: 'f'.repeat(40),
      commentedAt: '2026-03-01T10:00:00Z',
    };
    await writeBatch(t.db, [evaluation(anEvaluation({ pr: { number: 3 }, overrides: [override] }))]);
    await writeBatch(t.db, [evaluation(anEvaluation({ pr: { number: 3 }, overrides: [override] }))]); // re-evaluated: same comment, same head
    await writeBatch(t.db, [
      evaluation(
        anEvaluation({
          pr: { number: 3 },
          overrides: [
            { ...override, headSha: 'e'.repeat(40), outcome: 'refused', refusal: 'given on an older head commit' },
          ],
        }),
      ),
    ]);
    const rows = await t.db.selectFrom('overrides').select(['outcome', 'head_sha']).orderBy('outcome').execute();
    expect(rows).toEqual([
      { outcome: 'applied', head_sha: 'f'.repeat(40) },
      { outcome: 'refused', head_sha: 'e'.repeat(40) },
    ]);
  });

  it('writes a batch larger than one statement’s parameter limit', async () => {
    const items: HistoryItem[] = Array.from({ length: 2500 }, (_, i) => ({
      kind: 'pull-request',
      record: aLifeEvent(i + 1, '2026-03-01T09:00:00Z', { openedAt: '2026-03-01T09:00:00Z', title: `PR ${i}` }),
    }));
    await writeBatch(t.db, items);
    expect(await t.count('pull_requests')).toBe(2500);
  });

  it('rolls the whole batch back when one record is refused', async () => {
    const good = anEvaluation({ pr: { number: 20 } });
    const bad = { ...anEvaluation({ pr: { number: 21 } }), verdict: 'nonsense' as never };
    await expect(writeBatch(t.db, [evaluation(good), evaluation(bad)])).rejects.toMatchObject({ code: '23514' });
    expect(await t.count('evaluations')).toBe(0);
    expect(await t.count('pull_requests')).toBe(0);
  });
});
