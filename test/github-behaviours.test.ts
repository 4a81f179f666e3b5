/**
 * What a real organisation's GitHub does, end to end on the stand-in (test/stand-in/), which
 * executes every query field by field: bots as GraphQL names them, forks, a missing `.github`
 * repository, renamed and deleted branches, GitHub's own signatures and every
 * GitSignatureState, people who left a team or were renamed after approving. Each keeps the
 * budget of one GraphQL read and one write per evaluation.
 */
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPullRequest } from '../src/github/loader.js';
import { GIT_SIGNATURE_STATES } from './stand-in/model.js';
import type { FakeCommit, FakeGitHub, FakePull } from './support/fake-github.js';
import { BASE, freshApp, type Harness, HEAD, pullRequestPayload, resetNock } from './support/harness.js';

let fake: FakeGitHub;
let h: Harness;
beforeEach(async () => ({ fake, h } = await freshApp()));
afterEach(() => resetNock());

const CONFIG = '.github/quality-gates.yml';
const run = (sha = HEAD) => fake.runsOn(sha)[0]!;
const row = (gate: string, sha = HEAD) => run(sha).output.summary.split('\n').find((l) => l.startsWith(`| \`${gate}\``));
/** The requests of the evaluation(s), token requests aside: GraphQL operations by name, REST writes by method. */
const ops = () => fake.requests.filter((r) => !r.path.includes('access_tokens')).map((r) => r.operation ?? r.method);

async function evaluate(input: Partial<FakePull> & { number?: number }, action = 'opened') {
  const pull = fake.addPull({ number: 2, ...input });
  await h.receive('pull_request', pullRequestPayload(fake, pull, action));
  return pull;
}

/** The snapshot the app's loader reads from the stand-in for pull request `number`. */
async function snapshotOf(number: number) {
  const octokit = new Octokit({ auth: fake.installationToken(), request: { retries: 0 } });
  return (await loadPullRequest((q, v) => octokit.graphql(q, v), { owner: fake.owner, repo: fake.repo, number, appId: fake.appId, host: 'github.com' })).snapshot;
}

describe('bots, as GraphQL names them (without [bot])', () => {
  it('the snapshot names a bot author and a bot reviewer as users write them: renovate[bot]', async () => {
    fake.world.addBot('copilot-pull-request-reviewer');
    fake.addPull({ number: 5, author: 'renovate', authorType: 'Bot', reviews: [{ login: 'copilot-pull-request-reviewer[bot]', state: 'COMMENTED', commitOid: HEAD }, { login: 'alice', state: 'APPROVED', commitOid: HEAD }] });
    const snapshot = await snapshotOf(5);
    expect(snapshot.author).toEqual({ login: 'renovate[bot]', isBot: true });
    expect(snapshot.reviews.nodes.map((r) => r.author)).toEqual(['copilot-pull-request-reviewer[bot]', 'alice']);
  });

  it.each(['renovate[bot]', 'Renovate[Bot]', 'RENOVATE[BOT]'])('skip.authors %s exempts the Renovate bot, whatever the case', async (written) => {
    fake.setBlob(BASE, CONFIG, `skip:\n  authors: ["${written}"]\n`);
    await evaluate({ author: 'renovate', authorType: 'Bot' });
    expect(run()).toMatchObject({ conclusion: 'neutral', output: { title: 'Skipped: author renovate[bot] is exempt' } });
    expect(ops()).toEqual(['QualityGatesSnapshot', 'POST']);
  });

  it('skip.authors without [bot] names no bot: a user called renovate is not the Renovate bot', async () => {
    fake.setBlob(BASE, CONFIG, 'skip:\n  authors: [renovate]\n');
    await evaluate({ author: 'renovate', authorType: 'Bot' });
    expect(run().output.title).not.toContain('Skipped');
  });

  it('a bot’s review never satisfies a code owner, and a bot that opened the pull request cannot approve it', async () => {
    fake.world.addBot('copilot-pull-request-reviewer');
    fake.setBlob(BASE, '.github/CODEOWNERS', '* @lead\n');
    await evaluate({ author: 'renovate', authorType: 'Bot', reviews: [{ login: 'copilot-pull-request-reviewer[bot]', state: 'APPROVED', commitOid: HEAD }, { login: 'renovate[bot]', state: 'APPROVED', commitOid: HEAD }] });
    expect(row('codeowners-review')).toContain('❌ fail');
    expect(run().output.summary).toContain('lead: no approval yet');
    expect(run().output.summary).not.toContain('renovate');
  });
});

describe('GitHub’s signatures', () => {
  it('a commit GitHub signed itself (web-flow: web edits, merges in the UI) is verified', async () => {
    fake.setBlob(BASE, CONFIG, 'gates:\n  signed-commits:\n    require: signature\n');
    await evaluate({ commits: [{ oid: HEAD, message: 'Update README.md', signature: { isValid: true, state: 'VALID', wasSignedByGitHub: true } }] });
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
