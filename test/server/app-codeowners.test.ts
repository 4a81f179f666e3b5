/**
 * codeowners-review end to end: CODEOWNERS at the base commit, team members in one
 * cached query, reviews, stale approvals, change requests and the author's own
 * approval — through real payloads and the fake GitHub.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeGitHub, FakeReview } from '../support/fake-github.js';
import {
  BASE,
  examplePayload,
  freshApp,
  type Harness,
  HEAD,
  pullRequestPayload,
  resetNock,
  retarget,
} from '../support/harness.js';

const OLD = '0'.repeat(40);

let fake: FakeGitHub;
let h: Harness;
beforeEach(async () => {
  ({ fake, h } = await freshApp());
  fake.setBlob(
    BASE,
    '.github/CODEOWNERS',
    '* @Codertocat/core\n/docs/ @docs-writer\n/src/payments/ @Codertocat/payments @lead\n',
  );
  fake.setTeam('core', ['alice', 'bob']);
  fake.setTeam('payments', ['carol']);
});
afterEach(() => resetNock());

const row = (sha = HEAD) =>
  fake
    .runsOn(sha)[0]!
    .output.summary.split('\n')
    .find((l) => l.startsWith('| `codeowners-review`'));
const ops = () => fake.requests.filter((r) => !r.path.includes('access_tokens')).map((r) => r.operation ?? r.method);

async function evaluate(
  reviews: FakeReview[],
  paths = ['config/app.yml'],
  extra: Partial<Parameters<FakeGitHub['addPull']>[0]> = {},
) {
  const pull = fake.addPull({
    number: 2,
    reviews,
    files: paths.map((path) => ({ path, additions: 1, deletions: 0 })),
    ...extra,
  });
  await h.receive('pull_request', pullRequestPayload(fake, pull));
  return fake.runsOn(HEAD)[0]!;
}

describe('codeowners-review in the app', () => {
  it('waits for a team member, naming the team; one snapshot query plus one team query', async () => {
    const run = await evaluate([]);
    expect(row()).toContain('❌ fail');
    expect(run.output.summary).toContain('Codertocat/core');
    expect(ops()).toEqual(['QualityGatesSnapshot', 'QualityGatesTeamMembers', 'POST']);
  });

  it('passes on an approval from any team member', async () => {
    await evaluate([{ login: 'bob', state: 'APPROVED', commitOid: HEAD }]);
    expect(row()).toContain('✅ pass');
  });

  it('caches team members: a second evaluation costs one query', async () => {
    const pull = fake.addPull({ number: 2, files: [{ path: 'config/app.yml', additions: 1, deletions: 0 }] });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    pull.reviews.push({ login: 'alice', state: 'APPROVED', commitOid: HEAD });
    const review = retarget(fake, examplePayload('pull_request_review', 'submitted'));
    review.pull_request.number = 2;
    review.pull_request.head.sha = HEAD;
    review.pull_request.base.sha = BASE;
    await h.receive('pull_request_review', review);
    expect(ops()).toEqual(['QualityGatesSnapshot', 'QualityGatesTeamMembers', 'POST', 'QualityGatesSnapshot', 'PATCH']);
    expect(row()).toContain('✅ pass');
    // a review event that changes nothing writes nothing
    await h.receive('pull_request_review', { ...review, action: 'edited' });
    expect(ops().slice(-1)).toEqual(['QualityGatesSnapshot']);
  });

  it('never counts the author’s own approval', async () => {
    fake.setTeam('core', ['octocat']); // the stand-in's pull requests are by octocat
    const run = await evaluate([{ login: 'Octocat', state: 'APPROVED', commitOid: HEAD }]);
    expect(row()).toContain('❌ fail');
    expect(run.output.summary).toMatch(/author/i);
  });

  it('blocks on an owner’s outstanding change request', async () => {
    await evaluate([
      { login: 'alice', state: 'APPROVED', commitOid: HEAD },
      { login: 'bob', state: 'CHANGES_REQUESTED', commitOid: HEAD },
    ]);
    expect(row()).toContain('❌ fail');
  });

  it('ignores stale approvals with dismiss_stale, counts them without', async () => {
    await evaluate([{ login: 'alice', state: 'APPROVED', commitOid: OLD }]);
    expect(row()).toContain('✅ pass');
    fake.setBlob(BASE, '.github/quality-gates.yml', 'gates:\n  codeowners-review:\n    dismiss_stale: true\n');
    await h.receive('pull_request', pullRequestPayload(fake, fake.pulls.get(2)!, 'edited'));
    expect(row()).toContain('❌ fail');
  });

  it('with all-owners, needs every owner of a file', async () => {
    fake.setBlob(BASE, '.github/quality-gates.yml', 'gates:\n  codeowners-review:\n    require: all-owners\n');
    await evaluate([{ login: 'carol', state: 'APPROVED', commitOid: HEAD }], ['src/payments/README.md']);
    expect(row()).toContain('❌ fail');
    expect(fake.runsOn(HEAD)[0]!.output.summary).toMatch(/@\u200b?lead/);
  });

  it('reports a team the app cannot see by name', async () => {
    fake.setBlob(BASE, '.github/CODEOWNERS', '* @Codertocat/secret-team\n');
    const run = await evaluate([{ login: 'alice', state: 'APPROVED', commitOid: HEAD }]);
    expect(row()).toContain('❌ fail');
    expect(run.output.summary).toContain('Codertocat/secret-team');
  });

  it('is skipped without CODEOWNERS on the base branch, even if the PR adds one', async () => {
    fake.blobs.get(BASE)!.delete('.github/CODEOWNERS');
    fake.setBlob(HEAD, '.github/CODEOWNERS', '* @nobody\n');
    await evaluate([], ['.github/CODEOWNERS']);
    expect(row()).toContain('skipped');
    expect(ops()).not.toContain('QualityGatesTeamMembers');
  });

  it('reads a CODEOWNERS file GraphQL truncates whole, through one REST read', async () => {
    fake.truncateBlobsOver = 64;
    fake.setBlob(BASE, '.github/CODEOWNERS', `# ${'padding '.repeat(20)}\n* @solo-owner\n`);
    const run = await evaluate([{ login: 'solo-owner', state: 'APPROVED', commitOid: HEAD }]);
    expect(row()).toContain('✅ pass');
    expect(ops()).toEqual(['QualityGatesSnapshot', 'GET', 'POST']);
    expect(run.conclusion).toBe('success');
  });
});
