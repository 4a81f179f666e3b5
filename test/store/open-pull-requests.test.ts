/**
 * What the policy preview reads from the history (src/store/open-pull-requests.ts), on both
 * backends: stored open pull requests by key in pages, repositories with their visibility (a
 * known visibility is kept when a later record does not carry it, and replaced by a newer one),
 * and open pull requests the history knows without a snapshot.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { knownRepositories, openPullRequestPages, unseenOpenPullRequests } from '../../src/store/open-pull-requests.js';
import { writeBatch } from '../../src/store/writer.js';
import { aLifeEvent, anEvaluation, BACKENDS, OPEN_TIMEOUT_MS, REPO, TestDatabase } from './support.js';

describe.each(BACKENDS)('open pull requests for the preview (%s)', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await TestDatabase.open(kind);
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => t?.close());
  beforeEach(async () => t.reset());

  const OTHER = { id: 4343, fullName: 'Acme/web', installationId: 7 };

  it('reads every stored open pull request in pages, in repository and number order', async () => {
    const items = [3, 1, 2].flatMap((n) => [
      { kind: 'evaluation' as const, record: anEvaluation({ pr: { number: n } }) },
      { kind: 'evaluation' as const, record: anEvaluation({ pr: { number: n }, repository: OTHER }) },
    ]);
    await writeBatch(t.db, items);
    const pages: string[][] = [];
    for await (const page of openPullRequestPages(t.db, { owner: 'acme' }, { pageSize: 4 }))
      pages.push(page.map((p) => `${p.repositoryId}#${p.number}`));
    expect(pages).toEqual([
      ['4242#1', '4242#2', '4242#3', '4343#1'],
      ['4343#2', '4343#3'],
    ]);
    const only: number[] = [];
    for await (const page of openPullRequestPages(t.db, { repositoryIds: [OTHER.id] }))
      only.push(...page.map((p) => p.number));
    expect(only).toEqual([1, 2, 3]);
  });

  it('keeps each repository’s visibility: unknown until told, kept when a record does not say, replaced by a newer one', async () => {
    await writeBatch(t.db, [
      { kind: 'evaluation', record: anEvaluation({ pr: { number: 1 }, at: '2026-03-01T10:00:00Z' }) },
    ]);
    expect((await knownRepositories(t.db, 'ACME')).get(REPO.id)).toEqual({
      id: REPO.id,
      fullName: 'Acme/api',
      private: null,
    });
    await writeBatch(t.db, [
      {
        kind: 'evaluation',
        record: anEvaluation({ pr: { number: 1 }, at: '2026-03-02T10:00:00Z', repository: { ...REPO, private: true } }),
      },
    ]);
    await writeBatch(t.db, [
      { kind: 'evaluation', record: anEvaluation({ pr: { number: 2 }, at: '2026-03-03T10:00:00Z' }) },
    ]);
    expect((await knownRepositories(t.db, 'acme')).get(REPO.id)?.private).toBe(true);
    await writeBatch(t.db, [
      {
        kind: 'evaluation',
        record: anEvaluation({
          pr: { number: 2 },
          at: '2026-03-04T10:00:00Z',
          repository: { ...REPO, private: false },
        }),
      },
    ]);
    expect((await knownRepositories(t.db, 'acme')).get(REPO.id)?.private).toBe(false);
  });

  it('lists open pull requests known from webhooks that have no snapshot, and counts them', async () => {
    await writeBatch(t.db, [
      {
        kind: 'pull-request',
        record: aLifeEvent(5, '2026-03-01T10:00:00Z', { state: 'open', stateAt: '2026-03-01T10:00:00Z' }),
      },
      {
        kind: 'pull-request',
        record: aLifeEvent(6, '2026-03-01T10:00:00Z', { state: 'open', stateAt: '2026-03-01T10:00:00Z' }),
      },
      {
        kind: 'pull-request',
        record: aLifeEvent(7, '2026-03-01T10:00:00Z', { state: 'merged', stateAt: '2026-03-01T10:00:00Z' }),
      },
      { kind: 'evaluation', record: anEvaluation({ pr: { number: 6 } }) },
    ]);
    expect(await unseenOpenPullRequests(t.db, { owner: 'acme' })).toEqual({
      total: 1,
      listed: [{ repositoryId: REPO.id, repository: 'Acme/api', number: 5 }],
    });
    expect(await unseenOpenPullRequests(t.db, { owner: 'acme' }, 0)).toEqual({ total: 1, listed: [] });
  });
});
