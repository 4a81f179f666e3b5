/**
 * Loader tier: recorded-shape GitHub responses (the fake GitHub behind nock),
 * asserting which requests are made and how many — one query up to 100 nodes per
 * connection, pages of 100 beyond, truncation at GitHub's caps.
 */
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPullRequest } from '../../src/load/loader.js';
import { FakeGitHub, type FakeCommit, type FakeFile, type FakeReview } from '../support/fake-github.js';
import { resetNock } from '../support/harness.js';

let fake: FakeGitHub;
let octokit: Octokit;
const graphql = (query: string, variables: Record<string, unknown>) => octokit.graphql(query, variables);
const BASE = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
const HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';

beforeEach(() => {
  fake = new FakeGitHub();
  fake.install();
  octokit = new Octokit({ auth: fake.installationToken(), request: { retries: 0 } });
});
afterEach(() => resetNock());

const files = (n: number): FakeFile[] =>
  Array.from({ length: n }, (_, i) => ({ path: `f/${i}.ts`, additions: 1, deletions: 0 }));
const commits = (n: number): FakeCommit[] =>
  Array.from({ length: n }, (_, i) => ({ oid: i.toString(16).padStart(40, '0'), message: `commit ${i}` }));
const reviews = (n: number): FakeReview[] =>
  Array.from({ length: n }, (_, i) => ({ login: `user${i}`, state: 'COMMENTED' }));
const load = (number: number, baseSha: string | null = BASE) =>
  loadPullRequest(graphql, {
    owner: fake.owner,
    repo: fake.repo,
    number,
    baseSha: baseSha ?? undefined,
    headSha: baseSha ? HEAD : undefined,
    appId: fake.appId,
    host: 'github.com',
  });

describe('loadPullRequest', () => {
  it('costs exactly one GraphQL request for 100 files, 100 commits and 100 reviews', async () => {
    fake.addPull({ number: 1, files: files(100), commits: commits(100), reviews: reviews(100), labels: ['a', 'b'] });
    const loaded = await load(1);
    expect(fake.graphqlCount).toBe(1);
    expect(loaded.requests).toBe(1);
    expect(loaded.snapshot.files).toMatchObject({ totalCount: 100, truncated: false });
    expect(loaded.snapshot.files.nodes).toHaveLength(100);
    expect(loaded.snapshot.commits.nodes).toHaveLength(100);
    expect(loaded.snapshot.reviews.nodes).toHaveLength(100);
    expect(loaded.snapshot.labels).toEqual(['a', 'b']);
  });

  it.each([
    [101, 100, 0, [['files']]],
    [250, 100, 100, [['files'], ['files']]],
    [100, 101, 101, [['commits', 'reviews']]],
    [1000, 250, 0, [['files', 'commits'], ['files', 'commits'], ...Array.from({ length: 7 }, () => ['files'])]],
  ] as const)(
    'pages only connections over 100 (%i files, %i commits, %i reviews: pages of %j)',
    async (f, c, r, paged) => {
      fake.addPull({ number: 2, files: files(f), commits: commits(c), reviews: reviews(r) });
      const loaded = await load(2);
      expect(fake.graphqlCount).toBe(1 + paged.length);
      expect(loaded.snapshot.files.nodes).toHaveLength(f);
      expect(loaded.snapshot.commits.nodes).toHaveLength(c);
      expect(loaded.snapshot.reviews.nodes).toHaveLength(r);
      expect(loaded.snapshot.files.truncated).toBe(false);
      // Each page query asks for exactly the connections that still had a page, each after its own last cursor.
      const pages = fake.requests
        .filter((q) => q.operation === 'QualityGatesPage')
        .map((q) => (q.body as { variables: Record<string, unknown> }).variables);
      const connections = ['files', 'commits', 'reviews', 'labels'] as const;
      expect(
        pages.map((vars) => connections.filter((k) => vars[`with${k[0]!.toUpperCase()}${k.slice(1)}`] === true)),
      ).toEqual(paged);
      for (const vars of pages)
        for (const k of connections)
          expect(vars[`${k}After`] == null).toBe(!vars[`with${k[0]!.toUpperCase()}${k.slice(1)}`]);
    },
  );

  it('stops at GitHub’s 3,000-file cap and marks the list truncated', async () => {
    fake.addPull({ number: 3, files: files(3000), changedFiles: 3500 });
    const loaded = await load(3);
    expect(fake.graphqlCount).toBe(30);
    expect(loaded.snapshot.files).toMatchObject({ truncated: true });
    expect(loaded.snapshot.files.nodes).toHaveLength(3000);
    expect(loaded.snapshot.totals.changedFiles).toBe(3500);
  });

  it('marks commits truncated over 250', async () => {
    fake.addPull({ number: 4, commits: commits(300) });
    const loaded = await load(4);
    expect(fake.graphqlCount).toBe(3);
    expect(loaded.snapshot.commits.truncated).toBe(true);
  });

  it('reads config, CODEOWNERS and .gitattributes at the base commit; CODEOWNERS from the first location found', async () => {
    fake.addPull({ number: 5 });
    fake.setBlob(BASE, '.github/quality-gates.yml', 'defaults: { mode: warn }\n');
    fake.setBlob(BASE, 'CODEOWNERS', '* @root\n');
    fake.setBlob(BASE, 'docs/CODEOWNERS', '* @docs\n');
    fake.setBlob(BASE, '.gitattributes', 'dist/** linguist-generated\n');
    const loaded = await load(5);
    expect(loaded.repoConfig?.text).toBe('defaults: { mode: warn }\n');
    expect(loaded.snapshot.base.codeowners).toMatchObject({ path: 'CODEOWNERS', text: '* @root\n' });
    expect(loaded.snapshot.base.gitattributes?.text).toContain('linguist-generated');
    expect(loaded.orgConfig).toBeNull();
  });

  it('looks up the base commit first when the event does not carry it', async () => {
    fake.addPull({ number: 6 });
    const loaded = await load(6, null);
    expect(fake.requests.map((r) => r.operation)).toEqual(['QualityGatesPullBase', 'QualityGatesSnapshot']);
    expect(loaded.snapshot.baseSha).toBe(BASE);
  });

  it('converts wire types to the snapshot in one place', async () => {
    fake.addPull({
      number: 7,
      files: [{ path: 'a.ts', additions: 0, deletions: 0, changeType: 'RENAMED' }],
      author: 'renovate',
      authorType: 'Bot',
      authorDatabaseId: 29139614,
      commits: [
        {
          oid: 'a'.repeat(40),
          message: 'Subject\n\nSigned-off-by: A <a@x.io>',
          signature: null,
          parents: 2,
          authorName: 'renovate[bot]',
          authorEmail: '29139614+renovate[bot]@users.noreply.github.com',
          authorLogin: null,
        },
        {
          oid: 'c'.repeat(40),
          message: 'Forged',
          authorName: 'renovate[bot]',
          authorEmail: '29139614+renovate[bot]@users.noreply.github.com',
          authorLogin: 'mallory',
        },
      ],
      reviews: [{ login: 'rev', state: 'CHANGES_REQUESTED', commitOid: 'b'.repeat(40) }],
      closingIssues: [{ number: 9, repository: 'Codertocat/Hello-World' }],
    });
    const { snapshot } = await load(7);
    expect(snapshot.files.nodes[0]).toEqual({ path: 'a.ts', changeType: 'renamed', additions: 0, deletions: 0 });
    expect(snapshot.commits.nodes[0]).toMatchObject({
      subject: 'Subject',
      signature: null,
      parentCount: 2,
      authorIsBot: true,
    });
    // the same address on a commit GitHub links to a user account is that user's, not the bot's
    expect(snapshot.commits.nodes[1]).toMatchObject({ authorIsBot: false });
    expect(snapshot.reviews.nodes[0]).toEqual({
      author: 'rev',
      state: 'changes_requested',
      submittedAt: '2026-01-01T00:00:00Z',
      commitSha: 'b'.repeat(40),
    });
    expect(snapshot.closingIssues).toEqual([{ number: 9, repository: 'Codertocat/Hello-World' }]);
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });

  it('lists, in the same read, the open pull requests of this repository whose head is the same commit', async () => {
    const OTHER = 'f'.repeat(40);
    fake.addPull({ number: 1 });
    fake.addPull({ number: 2, baseRefOid: OTHER }); // a twin into another base
    fake.addPull({ number: 3, state: 'CLOSED' });
    // contains the commit, but its head is a later one
    fake.addPull({
      number: 4,
      headRefOid: OTHER,
      commits: [
        { oid: HEAD, message: 'a' },
        { oid: OTHER, message: 'b' },
      ],
    });
    fake.addForeignAssociatedPull(HEAD, {
      number: 5,
      state: 'OPEN',
      headRefOid: HEAD,
      baseRefOid: BASE,
      repository: 'someone/fork',
    });
    const loaded = await load(1);
    expect(loaded.twins).toEqual([{ number: 2, baseSha: OTHER }]);
    expect(fake.graphqlCount).toBe(1);
    const vars = (fake.requests[0]!.body as { variables: Record<string, unknown> }).variables;
    expect(vars.headOid).toBe(HEAD);
  });

  it('reads the twins of the commit it was asked about, even when the pull request has moved on', async () => {
    fake.addPull({ number: 1, headRefOid: 'f'.repeat(40) });
    fake.addPull({ number: 2 });
    const loaded = await load(1);
    // the caller sees the new head and hands it over; what was read belongs to the event's commit
    expect(loaded.snapshot.headSha).toBe('f'.repeat(40));
    expect(loaded.twins).toEqual([{ number: 2, baseSha: BASE }]);
  });

  it('fails with a LoadError naming the cause when GitHub errors', async () => {
    fake.fail = () => 502;
    fake.addPull({ number: 8 });
    await expect(load(8)).rejects.toMatchObject({
      name: 'LoadError',
      kind: 'github',
      message: 'failed to read the pull request from GitHub',
    });
  });

  it('reports a missing pull request as not-found', async () => {
    await expect(load(99)).rejects.toMatchObject({ name: 'LoadError', kind: 'not-found' });
  });
});
