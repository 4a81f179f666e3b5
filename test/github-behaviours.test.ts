/**
 * What a real organisation's GitHub does, end to end on the stand-in (test/stand-in/), which
 * executes every query field by field: bots as GraphQL names them, forks, a missing `.github`
 * repository, renamed and deleted branches, GitHub's own signatures and every
 * GitSignatureState, people who left a team or were renamed after approving. Each keeps the
 * budget of one GraphQL read and one write per evaluation.
 */
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPullRequest } from '../src/load/loader.js';
import { GIT_SIGNATURE_STATES } from './stand-in/model.js';
import type { FakeCommit, FakeGitHub, FakePull } from './support/fake-github.js';
import { BASE, freshApp, type Harness, HEAD, pullRequestPayload, resetNock, startHarness } from './support/harness.js';

let fake: FakeGitHub;
let h: Harness;
beforeEach(async () => ({ fake, h } = await freshApp()));
afterEach(() => resetNock());

const CONFIG = '.github/quality-gates.yml';
const run = (sha = HEAD) => fake.runsOn(sha)[0]!;
const row = (gate: string, sha = HEAD) =>
  run(sha)
    .output.summary.split('\n')
    .find((l) => l.startsWith(`| \`${gate}\``));
/** The requests of the evaluation(s), token requests aside: GraphQL operations by name, REST writes by method. */
const opsSince = (index: number) =>
  fake.requests
    .slice(index)
    .filter((r) => !r.path.includes('access_tokens'))
    .map((r) => r.operation ?? r.method);
const ops = () => opsSince(0);

async function evaluate(input: Partial<FakePull> & { number?: number }, action = 'opened') {
  const pull = fake.addPull({ number: 2, ...input });
  await h.receive('pull_request', pullRequestPayload(fake, pull, action));
  return pull;
}

/** The snapshot the app's loader reads from the stand-in for pull request `number`. */
async function snapshotOf(number: number) {
  const octokit = new Octokit({ auth: fake.installationToken(), request: { retries: 0 } });
  return (
    await loadPullRequest((q, v) => octokit.graphql(q, v), {
      owner: fake.owner,
      repo: fake.repo,
      number,
      appId: fake.appId,
      host: 'github.com',
    })
  ).snapshot;
}

describe('bots, as GraphQL names them (without [bot])', () => {
  it('the snapshot names a bot author and a bot reviewer as users write them: renovate[bot]', async () => {
    fake.world.addBot('copilot-pull-request-reviewer');
    fake.addPull({
      number: 5,
      author: 'renovate',
      authorType: 'Bot',
      reviews: [
        { login: 'copilot-pull-request-reviewer[bot]', state: 'COMMENTED', commitOid: HEAD },
        { login: 'alice', state: 'APPROVED', commitOid: HEAD },
      ],
    });
    const snapshot = await snapshotOf(5);
    expect(snapshot.author).toEqual({ login: 'renovate[bot]', isBot: true });
    expect(snapshot.reviews.nodes.map((r) => r.author)).toEqual(['copilot-pull-request-reviewer[bot]', 'alice']);
  });

  it.each(['renovate[bot]', 'Renovate[Bot]', 'RENOVATE[BOT]'])(
    'skip.authors %s exempts the Renovate bot, whatever the case',
    async (written) => {
      fake.setBlob(BASE, CONFIG, `skip:\n  authors: ["${written}"]\n`);
      await evaluate({ author: 'renovate', authorType: 'Bot' });
      expect(run()).toMatchObject({
        conclusion: 'neutral',
        output: { title: 'Skipped: author renovate[bot] is exempt' },
      });
      expect(ops()).toEqual(['QualityGatesSnapshot', 'POST']);
    },
  );

  it('skip.authors without [bot] names no bot: a user called renovate is not the Renovate bot', async () => {
    fake.setBlob(BASE, CONFIG, 'skip:\n  authors: [renovate]\n');
    await evaluate({ author: 'renovate', authorType: 'Bot' });
    expect(run().output.title).not.toContain('Skipped');
  });

  it('a bot’s review never satisfies a code owner, and a bot that opened the pull request cannot approve it', async () => {
    fake.world.addBot('copilot-pull-request-reviewer');
    fake.setBlob(BASE, '.github/CODEOWNERS', '* @lead\n');
    await evaluate({
      author: 'renovate',
      authorType: 'Bot',
      reviews: [
        { login: 'copilot-pull-request-reviewer[bot]', state: 'APPROVED', commitOid: HEAD },
        { login: 'renovate[bot]', state: 'APPROVED', commitOid: HEAD },
      ],
    });
    expect(row('codeowners-review')).toContain('❌ fail');
    expect(run().output.summary).toContain('lead: no approval yet');
    expect(run().output.summary).not.toContain('renovate');
  });
});

describe('GitHub’s signatures', () => {
  it('a commit GitHub signed itself (web-flow: web edits, merges in the UI) is verified', async () => {
    fake.setBlob(BASE, CONFIG, 'gates:\n  signed-commits:\n    require: signature\n');
    await evaluate({
      commits: [
        {
          oid: HEAD,
          message: 'Update README.md',
          signature: { isValid: true, state: 'VALID', wasSignedByGitHub: true },
        },
      ],
    });
    expect(row('signed-commits')).toContain('✅ pass');
  });

  it('every GitSignatureState but VALID fails, named with what it means', async () => {
    fake.setBlob(BASE, CONFIG, 'gates:\n  signed-commits:\n    require: signature\n');
    const commits: FakeCommit[] = GIT_SIGNATURE_STATES.map((state, i) => ({
      oid: (i + 1).toString(16).padStart(40, '0'),
      message: `Commit signed ${state}`,
      signature: state === 'UNSIGNED' ? null : { isValid: state === 'VALID', state },
    }));
    const head = commits.at(-1)!.oid;
    const pull = fake.addPull({ number: 2, commits, headRefOid: head });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    const summary = run(head).output.summary;
    expect(row('signed-commits', head)).toContain('❌ fail');
    for (const state of GIT_SIGNATURE_STATES) {
      if (state === 'VALID') expect(summary).not.toContain('`valid`');
      else expect(summary, state).toContain(`\`${state.toLowerCase()}\``);
    }
  });
});

describe('forks', () => {
  /** A pull request from `outsider`'s fork, whose head commit carries a config and CODEOWNERS of its own. */
  function forkPull() {
    const fork = fake.world.fork(fake.repository, 'outsider');
    fork.push('patch', [{ oid: HEAD, message: 'Fix the README', parents: [BASE] }]);
    fake.setBlob(HEAD, CONFIG, 'gates:\n  linked-ticket:\n    mode: off\n  codeowners-review:\n    mode: off\n');
    fake.setBlob(HEAD, '.github/CODEOWNERS', '* @outsider\n');
    return fake.addPull({
      number: 9,
      author: 'outsider',
      title: 'Fix the README',
      headRepository: 'outsider/Hello-World',
      headRefName: 'patch',
      commits: [fork.commit(HEAD)!],
    });
  }

  it('a fork’s pull request is judged by the base repository’s config and CODEOWNERS, never the fork’s', async () => {
    fake.setBlob(BASE, '.github/CODEOWNERS', '* @lead\n');
    const pull = forkPull();
    pull.reviews.push({ login: 'outsider', state: 'APPROVED', commitOid: HEAD });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(row('linked-ticket')).toContain('❌ fail');
    expect(row('codeowners-review')).toContain('❌ fail');
    expect(run().output.summary).toContain('lead: no approval yet');
    expect(ops()).toEqual(['QualityGatesSnapshot', 'POST']);
  });

  it('the snapshot says the head lives in a fork (isCrossRepository)', async () => {
    forkPull();
    fake.addPull({ number: 10, headRefOid: 'c'.repeat(40) });
    expect((await snapshotOf(9)).isCrossRepository).toBe(true);
    expect((await snapshotOf(10)).isCrossRepository).toBe(false);
  });
});

describe('the organisation’s .github repository', () => {
  it('an organisation without one: GitHub answers NOT_FOUND for it, and the repository’s own config decides', async () => {
    fake.setBlob(BASE, CONFIG, 'gates:\n  batch-size:\n    max_lines: 1\n');
    await evaluate({});
    expect(fake.world.repository(fake.owner, '.github')).toBeUndefined();
    expect(run()).toMatchObject({ conclusion: 'failure', output: { title: 'Blocked: batch-size' } });
    expect(ops()).toEqual(['QualityGatesSnapshot', 'POST']);
  });

  it('an organisation without one and no config anywhere: the defaults apply', async () => {
    await evaluate({});
    expect(run()).toMatchObject({ conclusion: 'success' });
    expect(ops()).toEqual(['QualityGatesSnapshot', 'POST']);
  });
});

describe('base branches', () => {
  it('a pull request into another branch than the default is told GitHub links no closing issues there', async () => {
    fake.addCommit('d'.repeat(40));
    await evaluate({ title: 'Fix it', baseRefName: 'release/1.x', baseRefOid: 'd'.repeat(40) });
    const summary = run().output.summary;
    expect(summary).toContain('This pull request targets `release/1.x`, not the default branch `main`');
  });

  it('a stacked pull request retargeted to main when its base branch is merged and deleted is judged by main’s config', async () => {
    const MAIN = fake.repository.refs.get('main')!;
    const STACK = 'a1'.repeat(20);
    fake.addCommit(STACK, MAIN);
    fake.setBlob(STACK, CONFIG, 'gates:\n  batch-size:\n    max_lines: 1\n');
    const pull = await evaluate({ baseRefName: 'feature-a', baseRefOid: STACK });
    expect(run().output.title).toBe('Blocked: batch-size');

    // GitHub retargets the open pull requests of a merged, deleted branch to that branch's base.
    fake.repository.deleteBranch('feature-a');
    Object.assign(pull, { baseRefName: 'main', baseRefOid: MAIN });
    const before = fake.requests.length;
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'edited'));
    expect(run()).toMatchObject({ conclusion: 'success' });
    expect(fake.runsOn(HEAD)).toHaveLength(1);
    expect(opsSince(before)).toEqual(['QualityGatesSnapshot', 'PATCH']);
  });

  it('a pull request whose base branch was renamed is judged by its base commit, under the new name', async () => {
    const pull = fake.addPull({ number: 2, title: 'Fix it', baseRefName: 'release' });
    const payload = pullRequestPayload(fake, pull);
    payload.pull_request.base.ref = 'release'; // the event still names the old branch
    fake.repository.refs.set('release-1', fake.repository.refs.get('release')!);
    fake.repository.deleteBranch('release');
    pull.baseRefName = 'release-1';
    fake.setBlob(BASE, CONFIG, 'gates:\n  batch-size:\n    max_lines: 1\n');
    await h.receive('pull_request', payload);
    expect(run().output.title).toBe('Blocked: batch-size, linked-ticket');
    expect(run().output.summary).toContain('targets `release-1`');
    expect(ops()).toEqual(['QualityGatesSnapshot', 'POST']);
  });

  // The event names the base commit it was sent for; GitHub's pull request has moved on (the
  // base branch got commits, or the delivery was replayed): the rule files at GitHub's base decide.
  const NEW_BASE = 'b2'.repeat(20);
  it.each([
    ['.github/quality-gates.yml', 'gates:\n  batch-size:\n    max_lines: 1\n', '| `batch-size` | ❌ fail'],
    ['.gitattributes', 'big/** linguist-generated\n', '| `batch-size` | ✅ pass'],
    ['.github/CODEOWNERS', '* @lead\n', 'lead: no approval yet'],
    ['CODEOWNERS', '* @lead\n', 'lead: no approval yet'],
    ['docs/CODEOWNERS', '* @lead\n', 'lead: no approval yet'],
  ])(
    'a base that moved since the event: %s at GitHub’s base commit decides, read once more',
    async (path, text, expected) => {
      fake.setBlob(BASE, CONFIG, 'gates:\n  batch-size:\n    max_lines: 10\n');
      fake.addCommit(NEW_BASE, BASE);
      fake.setBlob(NEW_BASE, path, text);
      const pull = fake.addPull({
        number: 2,
        title: 'OPS-1 Fix it',
        files: [{ path: 'big/bundle.js', additions: 40, deletions: 0 }],
      });
      const payload = pullRequestPayload(fake, pull); // base.sha: BASE
      pull.baseRefOid = NEW_BASE;
      await h.receive('pull_request', payload);
      expect(run().output.summary).toContain(expected);
      expect(ops()).toEqual(['QualityGatesSnapshot', 'QualityGatesBaseFiles', 'POST']);
    },
  );

  it('a pull request GitHub closed because its base branch was deleted gets no run, and no error', async () => {
    const pull = fake.addPull({ number: 2, baseRefName: 'release' });
    fake.repository.deleteBranch('release');
    pull.state = 'CLOSED';
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'closed'));
    expect(fake.runsOn(HEAD)).toEqual([]);
    expect(h.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });
});

describe('more than GitHub lists', () => {
  it('over 3,000 files GitHub’s totals count what it does not list: changedFiles, additions and deletions', async () => {
    fake.setBlob(
      BASE,
      CONFIG,
      'gates:\n  batch-size:\n    max_lines: 6000\n    max_files: 5000\n  tests-touched:\n    mode: off\n',
    );
    // 3,050 files: GitHub lists the first 3,000; the 50 others (the big one among them) only count.
    const files = Array.from({ length: 3049 }, (_, i) => ({ path: `f/${i}.md`, additions: 1, deletions: 0 }));
    files.push({ path: 'z/unlisted.md', additions: 2500, deletions: 2500 });
    await evaluate({ files });
    const summary = run().output.summary;
    expect(row('batch-size')).toContain('❌ fail');
    expect(summary).toContain('8,049');
    expect(summary).toContain('3,050 changed files');
    expect(summary).not.toContain('z/unlisted.md');
    expect(fake.count((r) => r.operation === 'QualityGatesPage')).toBe(29); // 3,000 files listed: 30 pages of 100
  });

  it('over 100 labels are read page by page: a skip label on the second page counts', async () => {
    fake.setBlob(BASE, CONFIG, 'gates:\n  batch-size:\n    max_lines: 1\nskip:\n  labels: [hotfix]\n');
    const labels = [...Array.from({ length: 120 }, (_, i) => `area/${i}`), 'hotfix'];
    await evaluate({ labels });
    expect(run()).toMatchObject({ conclusion: 'neutral', output: { title: 'Skipped: label hotfix' } });
    expect(ops()).toEqual(['QualityGatesSnapshot', 'QualityGatesPage', 'POST']);
  });

  it('over 1,000 reviews: code-owner review does not pass on the part GitHub listed, and says how many there were', async () => {
    fake.setBlob(BASE, '.github/CODEOWNERS', '* @lead\n');
    const reviews = Array.from({ length: 1001 }, (_, i) => ({
      login: i === 0 ? 'lead' : `user${i}`,
      state: 'COMMENTED' as const,
      commitOid: HEAD,
    }));
    reviews[0]!.state = 'APPROVED' as never;
    await evaluate({ reviews });
    expect(row('codeowners-review')).toContain('❌ fail');
    expect(run().output.summary).toContain('of 1,001');
  });

  it('a team of more than 100 members is read page by page', async () => {
    fake.setBlob(BASE, '.github/CODEOWNERS', '* @Codertocat/big\n');
    fake.setTeam(
      'big',
      Array.from({ length: 150 }, (_, i) => `member${i}`),
    );
    await evaluate({ reviews: [{ login: 'member149', state: 'APPROVED', commitOid: HEAD }] });
    expect(row('codeowners-review')).toContain('✅ pass');
    expect(ops()).toEqual(['QualityGatesSnapshot', 'QualityGatesTeamMembers', 'QualityGatesTeamMembersPage', 'POST']);
  });
});

describe('files at the base commit', () => {
  it('_extends names a file of another repository of the organisation: read once, at its default branch, and it decides', async () => {
    fake.setRepoFile('Codertocat/policies', 'quality-gates.yml', 'gates:\n  batch-size:\n    max_lines: 1\n');
    fake.setBlob(BASE, CONFIG, '_extends: policies:quality-gates.yml\n');
    await evaluate({ title: 'OPS-1 Fix it' });
    expect(run().output.title).toBe('Blocked: batch-size');
    expect(ops()).toEqual(['QualityGatesSnapshot', 'QualityGatesExtends', 'POST']);
  });

  it('CODEOWNERS in docs/ counts when it is the only one', async () => {
    fake.setBlob(BASE, 'docs/CODEOWNERS', '* @lead\n/src/ @payments\n');
    await evaluate({
      files: [
        { path: 'src/a.ts', additions: 1, deletions: 0 },
        { path: 'README.md', additions: 1, deletions: 0 },
      ],
      reviews: [{ login: 'lead', state: 'APPROVED', commitOid: HEAD }],
    });
    expect(row('codeowners-review')).toContain('❌ fail');
    expect(run().output.summary).toContain('`docs/CODEOWNERS`');
    expect(run().output.summary).toContain('payments: no approval yet');
  });

  it('a CODEOWNERS over GitHub’s 3 MB limit is ignored, as GitHub ignores it, and not read again through REST', async () => {
    fake.truncateBlobsOver = 1024;
    fake.setBlob(BASE, '.github/CODEOWNERS', `${'# padding line\n'.repeat(220_000)}* @lead\n`);
    await evaluate({ reviews: [{ login: 'lead', state: 'APPROVED', commitOid: HEAD }] });
    expect(row('codeowners-review')).toContain('skipped');
    expect(row('codeowners-review')).toContain("over GitHub's 3 MB limit");
    expect(ops()).toEqual(['QualityGatesSnapshot', 'POST']);
  });
});

describe('this app’s check run, as GitHub lists it on the head commit', () => {
  it('a restarted app finds its run: the same verdict writes nothing, a new one updates that run', async () => {
    const pull = await evaluate({});
    const first = run();
    const restarted = await startHarness(fake);
    const before = fake.requests.length;
    await restarted.receive('pull_request', pullRequestPayload(fake, pull, 'edited'));
    expect(opsSince(before)).toEqual(['QualityGatesSnapshot']);

    fake.setBlob(BASE, CONFIG, 'gates:\n  batch-size:\n    max_lines: 1\n');
    await startHarness(fake).then((again) => again.receive('pull_request', pullRequestPayload(fake, pull, 'edited')));
    expect(fake.runsOn(HEAD)).toEqual([expect.objectContaining({ id: first.id, conclusion: 'failure' })]);
    expect(fake.requests.at(-1)).toMatchObject({
      method: 'PATCH',
      path: expect.stringContaining(`/check-runs/${first.id}`),
    });
  });
});

describe('people', () => {
  it('an approval by someone who has since left the owning team no longer counts', async () => {
    fake.setBlob(BASE, '.github/CODEOWNERS', '* @Codertocat/core\n');
    fake.setTeam('core', ['alice']);
    await evaluate({ reviews: [{ login: 'bob', state: 'APPROVED', commitOid: HEAD }] });
    expect(row('codeowners-review')).toContain('❌ fail');
    expect(run().output.summary).toContain('Codertocat/core');
  });

  it('a reviewer renamed since approving: GitHub shows the new login, and the team counts them', async () => {
    fake.setBlob(BASE, '.github/CODEOWNERS', '* @Codertocat/core\n');
    fake.setTeam('core', ['bob']);
    const pull = fake.addPull({ number: 2, reviews: [{ login: 'bob', state: 'APPROVED', commitOid: HEAD }] });
    fake.world.rename('bob', 'robert');
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(row('codeowners-review')).toContain('✅ pass');
    expect(run().output.summary).toContain('robert');
  });

  it('CODEOWNERS still naming the old login waits for an account GitHub no longer has, and says whom it waits for', async () => {
    fake.setBlob(BASE, '.github/CODEOWNERS', '* @bob\n');
    const pull = fake.addPull({ number: 2, reviews: [{ login: 'bob', state: 'APPROVED', commitOid: HEAD }] });
    fake.world.rename('bob', 'robert');
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(row('codeowners-review')).toContain('❌ fail');
    expect(run().output.summary).toContain('bob: no approval yet');
  });
});
