/**
 * The history wired into the app (src/server/app.ts, src/pipeline/evaluate.ts), against the GitHub stand-in and
 * the embedded database: what one evaluation records, `pull_request.closed` (recorded, no check
 * run, the open snapshot deleted), twins, a failed write (nothing recorded), and that recording
 * adds no GitHub request.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { History } from '../../src/store/index.js';
import { FakeGitHub, type FakePull } from '../support/fake-github.js';
import {
  BASE,
  examplePayload,
  pullRequestPayload,
  resetNock,
  retarget,
  startHarness,
  type Harness,
} from '../support/harness.js';
import { emptyHistory, OPEN_TIMEOUT_MS, startTestHistory } from './support.js';

const CONFIG = 'gates:\n  batch-size:\n    max_lines: 50\n';

describe('the app records its verdicts in the history', () => {
  let history: History;
  let db: Awaited<ReturnType<History['database']>>;

  beforeAll(async () => {
    history = startTestHistory();
    db = await history.database();
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => {
    await history?.close(1_000);
  });
  afterEach(async () => {
    resetNock();
    await emptyHistory(db);
  });

  const start = async (options: { history?: boolean } = {}): Promise<{ fake: FakeGitHub; h: Harness }> => {
    const fake = new FakeGitHub();
    fake.install();
    fake.setBlob(BASE, '.github/quality-gates.yml', CONFIG);
    const h = await startHarness(fake, { app: options.history === false ? {} : { history } });
    return { fake, h };
  };
  const settled = async () => expect(await history.drained(30_000)).toBe(true);
  const closedPayload = (fake: FakeGitHub, pull: FakePull, merged: boolean) => {
    const payload = pullRequestPayload(fake, pull, 'closed');
    // After the evaluations' snapshots were captured (a snapshot newer than the close is a reopened PR's).
    const at = new Date(Date.now() + 1_000).toISOString();
    Object.assign(payload.pull_request, {
      state: 'closed',
      merged,
      closed_at: at,
      merged_at: merged ? at : null,
      updated_at: at,
    });
    return payload;
  };

  it('records the evaluation behind each check run: repository id, event and action, gates, the open snapshot with its config text', async () => {
    const { fake, h } = await start();
    const pull = fake.addPull({ number: 7, files: [{ path: 'src/a.ts', additions: 80, deletions: 0 }] });
    const payload = pullRequestPayload(fake, pull);
    await h.receive('pull_request', payload, 'delivery-record-1');
    await settled();

    expect(fake.runsOn(pull.headRefOid)).toHaveLength(1);
    const evaluations = await db.selectFrom('evaluations').selectAll().execute();
    expect(evaluations).toHaveLength(1);
    expect(evaluations[0]).toMatchObject({
      repository_id: payload.repository.id,
      repository: `${fake.owner}/${fake.repo}`,
      installation_id: fake.installationId,
      pr_number: 7,
      head_sha: pull.headRefOid,
      trigger_event: 'pull_request.opened',
      delivery_id: 'delivery-record-1',
      verdict: 'evaluated',
      conclusion: fake.runsOn(pull.headRefOid)[0]!.conclusion,
    });
    const batch = await db
      .selectFrom('gate_results')
      .select(['gate_id', 'status', 'counted_lines', 'max_lines'])
      .where('gate_id', '=', 'batch-size')
      .executeTakeFirstOrThrow();
    expect(batch).toMatchObject({ status: 'fail', counted_lines: 80, max_lines: 50 });
    const open = await db.selectFrom('open_pull_requests').select(['pr_number', 'head_sha', 'file_hashes']).execute();
    expect(open).toEqual([{ pr_number: 7, head_sha: pull.headRefOid, file_hashes: expect.any(Array) }]);
    // The config text the loader read is kept with the snapshot (for the organisation preview).
    const files = await db.selectFrom('snapshot_files').select('text').execute();
    expect(files.map((f) => f.text)).toContain(CONFIG);
    const life = await db.selectFrom('pull_requests').selectAll().executeTakeFirstOrThrow();
    expect(life).toMatchObject({ pr_number: 7, state: 'open', evaluations: 1 });
    expect(life.opened_at).not.toBeNull();
  });

  it('records a merged or closed pull request from pull_request.closed, deletes its open snapshot, and writes no check run', async () => {
    const { fake, h } = await start();
    const merged = fake.addPull({ number: 8 });
    const closed = fake.addPull({
      number: 9,
      headRefOid: 'c'.repeat(40),
      commits: [{ oid: 'c'.repeat(40), message: 'Change' }],
    });
    await h.receive('pull_request', pullRequestPayload(fake, merged));
    await h.receive('pull_request', pullRequestPayload(fake, closed));
    await settled();
    expect(await db.selectFrom('open_pull_requests').select('pr_number').orderBy('pr_number').execute()).toEqual([
      { pr_number: 8 },
      { pr_number: 9 },
    ]);
    const requests = fake.requests.length;
    const writes = fake.checkRuns.length;

    await h.receive('pull_request', closedPayload(fake, merged, true));
    await h.receive('pull_request', closedPayload(fake, closed, false));
    await settled();

    expect(fake.requests).toHaveLength(requests); // not a single GitHub request, not even a token
    expect(fake.checkRuns).toHaveLength(writes);
    expect(await db.selectFrom('open_pull_requests').select('pr_number').execute()).toEqual([]);
    const states = await db
      .selectFrom('pull_requests')
      .select(['pr_number', 'state', 'merged_at', 'closed_at'])
      .orderBy('pr_number')
      .execute();
    expect(states).toEqual([
      { pr_number: 8, state: 'merged', merged_at: expect.anything(), closed_at: expect.anything() },
      { pr_number: 9, state: 'closed', merged_at: null, closed_at: expect.anything() },
    ]);
    expect(h.logs.filter((l) => l.msg === 'evaluation finished')).toHaveLength(2);
    expect(await h.app.metrics.registry.metrics()).toContain(
      'quality_gates_webhook_events_total{event="pull_request",action="closed"} 2',
    );
  });

  it('ignores a pull_request.closed payload that does not fit, with one warn line and a count', async () => {
    const { fake, h } = await start();
    const pull = fake.addPull({ number: 10 });
    const payload = closedPayload(fake, pull, true);
    delete payload.pull_request.head;
    await h.receive('pull_request', payload, 'delivery-bad-closed');
    await settled();
    expect(await db.selectFrom('pull_requests').select('pr_number').execute()).toEqual([]);
    expect(h.logs.filter((l) => l.msg === 'webhook payload ignored')).toEqual([
      expect.objectContaining({ delivery: 'delivery-bad-closed', event: 'pull_request', action: 'closed' }),
    ]);
    expect(await h.app.metrics.registry.metrics()).toContain(
      'quality_gates_webhook_rejections_total{reason="invalid_payload"} 1',
    );
  });

  it('records a review from pull_request_review.submitted', async () => {
    const { fake, h } = await start();
    const pull = fake.addPull({ number: 11 });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    const review = retarget(fake, examplePayload('pull_request_review', 'submitted'));
    Object.assign(review.pull_request, {
      number: 11,
      head: { ...review.pull_request.head, sha: pull.headRefOid },
      base: { ...review.pull_request.base, sha: pull.baseRefOid },
    });
    Object.assign(review.review, {
      state: 'approved',
      submitted_at: '2026-03-03T09:00:00Z',
      user: { login: 'reviewer', type: 'User' },
    });
    await h.receive('pull_request_review', review);
    await settled();
    const life = await db
      .selectFrom('pull_requests')
      .select(['first_review_at', 'first_approval_at'])
      .executeTakeFirstOrThrow();
    expect(new Date(life.first_approval_at!).toISOString()).toBe('2026-03-03T09:00:00.000Z');
    expect(new Date(life.first_review_at!).toISOString()).toBe('2026-03-03T09:00:00.000Z');
  });

  it('records each pull request on the head commit (twins), each with its own verdict', async () => {
    const { fake, h } = await start();
    const shared = 'd'.repeat(40);
    const commits = [{ oid: shared, message: 'Change' }];
    const a = fake.addPull({
      number: 12,
      headRefOid: shared,
      commits,
      files: [{ path: 'src/a.ts', additions: 10, deletions: 0 }],
    });
    fake.addPull({
      number: 13,
      headRefOid: shared,
      commits,
      files: [{ path: 'src/a.ts', additions: 10, deletions: 0 }],
      baseRefName: 'release',
    });
    await h.receive('pull_request', pullRequestPayload(fake, a));
    await settled();
    const rows = await db.selectFrom('evaluations').select(['pr_number', 'head_sha']).orderBy('pr_number').execute();
    expect(rows).toEqual([
      { pr_number: 12, head_sha: shared },
      { pr_number: 13, head_sha: shared },
    ]);
  });

  it("records the webhook's author when GitHub cannot be read and the verdict has no snapshot", async () => {
    const { fake, h } = await start();
    const pull = fake.addPull({ number: 15 });
    const payload = pullRequestPayload(fake, pull);
    Object.assign(payload.pull_request.user, { login: 'renovate[bot]', type: 'Bot' });
    fake.fail = (r) => (r.path.includes('/graphql') ? 502 : undefined);
    await h.receive('pull_request', payload);
    await settled();
    expect(fake.runsOn(pull.headRefOid).map((r) => r.output?.title)).toEqual(['Evaluation error']);
    const evaluations = await db.selectFrom('evaluations').select(['verdict', 'author', 'author_is_bot']).execute();
    expect(evaluations).toEqual([{ verdict: 'error', author: 'renovate[bot]', author_is_bot: true }]);
  });

  it('records nothing when the check run could not be written', async () => {
    const { fake, h } = await start();
    const pull = fake.addPull({ number: 14 });
    fake.fail = (r) => (r.method === 'POST' && r.path.includes('/check-runs') ? 403 : undefined);
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    await settled();
    expect(h.logs.some((l) => l.msg === 'failed to write check run')).toBe(true);
    expect(await db.selectFrom('evaluations').select('id').execute()).toEqual([]);
  });

  it('adds no GitHub request: the same webhooks make the same requests with the history on and off', async () => {
    const requestsFor = async (on: boolean) => {
      const { fake, h } = await start({ history: on });
      const pull = fake.addPull({ number: 15, files: [{ path: 'src/a.ts', additions: 5, deletions: 0 }] });
      await h.receive('pull_request', pullRequestPayload(fake, pull), 'count-1');
      await h.receive('pull_request', pullRequestPayload(fake, pull, 'edited'), 'count-2');
      await h.receive('pull_request', closedPayload(fake, pull, true), 'count-3');
      await settled();
      const made = fake.requests.map((r) => `${r.method} ${r.operation ?? r.path}`);
      resetNock();
      return made;
    };
    const off = await requestsFor(false);
    const on = await requestsFor(true);
    expect(on).toEqual(off);
    expect(on.length).toBeGreaterThan(0);
    expect(await db.selectFrom('evaluations').select('id').execute()).toHaveLength(2);
    expect(await db.selectFrom('pull_requests').select('state').execute()).toEqual([{ state: 'merged' }]);
  });
});
