/**
 * Issue 14, item 1: twin pull requests. A check run belongs to a commit, and several
 * open pull requests can share a head commit. The run on a commit is the most
 * restrictive verdict over every open pull request of the repository whose head it is,
 * each judged by its own base branch's config; evaluations are keyed by head commit, so
 * they never race; and a commit carries exactly one run per name.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeGitHub, FakePull } from './support/fake-github.js';
import {
  BASE,
  examplePayload,
  freshApp,
  type Harness,
  HEAD,
  pullRequestPayload,
  resetNock,
  retarget,
} from './support/harness.js';

const CONFIG = '.github/quality-gates.yml';
/** The base commits of other branches the twins aim at. */
const WEAK = 'e'.repeat(40);
const OTHER = 'd'.repeat(40);

let fake: FakeGitHub;
let h: Harness;
beforeEach(async () => {
  ({ fake, h } = await freshApp());
  // main is strict: this pull request's 40 lines are too many
  fake.setBlob(BASE, CONFIG, 'gates:\n  batch-size:\n    max_lines: 10\n');
  fake.setBlob(WEAK, CONFIG, 'defaults:\n  mode: off\n');
});
afterEach(() => resetNock());

const FILES = [{ path: 'docs/guide.md', additions: 40, deletions: 0 }];
/** PR #1 to main (blocked), and its twins: same head commit, other bases. */
const strict = (over: Partial<FakePull> = {}) => fake.addPull({ number: 1, files: FILES, ...over });
const twin = (number: number, over: Partial<FakePull> = {}) =>
  fake.addPull({ number, files: FILES, baseRefName: 'weak', baseRefOid: WEAK, ...over });

function recheck(number: number): Record<string, any> {
  const comment = retarget(fake, examplePayload('issue_comment', 'created'));
  comment.issue.number = number;
  comment.issue.pull_request = { url: `https://api.github.com/repos/Codertocat/Hello-World/pulls/${number}` };
  comment.comment.user.type = 'User';
  comment.comment.body = '/gates recheck';
  return comment;
}

const runs = (sha = HEAD) => fake.runsOn(sha);
const names = (sha = HEAD) => runs(sha).map((r) => r.name);
const only = (sha = HEAD) => {
  expect(runs(sha)).toHaveLength(1);
  return runs(sha)[0]!;
};

describe('a twin cannot flip the required check', () => {
  it('a draft twin to another base, rechecked, leaves the failing run failing', async () => {
    const pr1 = strict();
    await h.receive('pull_request', pullRequestPayload(fake, pr1));
    expect(only().conclusion).toBe('failure');

    twin(2, { isDraft: true, baseRefName: 'other', baseRefOid: OTHER });
    await h.receive('issue_comment', recheck(2));

    const run = only();
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toBe('Blocked: batch-size');
    expect(run.output.summary).toContain('#2');
    expect(run.output.summary).toContain('**neutral**');
  });

  it('a twin aimed at a branch with a weaker config leaves the failing run failing, in either order', async () => {
    const pr2 = twin(2);
    await h.receive('pull_request', pullRequestPayload(fake, pr2));
    expect(only().conclusion).toBe('success');

    const pr1 = strict();
    await h.receive('pull_request', pullRequestPayload(fake, pr1));
    expect(only().conclusion).toBe('failure');

    await h.receive('pull_request', pullRequestPayload(fake, pr2, 'edited'));
    await h.receive('issue_comment', recheck(2));
    expect(only()).toMatchObject({ conclusion: 'failure', output: { title: 'Blocked: batch-size' } });
  });

  it('twins sent together leave exactly one run, the most restrictive', async () => {
    const pr1 = strict();
    const pr2 = twin(2, { isDraft: true });
    const pr3 = twin(3, { baseRefName: 'other', baseRefOid: OTHER });
    await Promise.all([
      h.deliver('pull_request', pullRequestPayload(fake, pr2)),
      h.deliver('pull_request', pullRequestPayload(fake, pr1)),
      h.deliver('pull_request', pullRequestPayload(fake, pr3)),
      h.deliver('issue_comment', recheck(2)),
    ]);
    await h.app.idle();
    expect(only().conclusion).toBe('failure');
  });

  it('every check name the twins configure gets the combined verdict', async () => {
    fake.setBlob(WEAK, CONFIG, 'checks:\n  name: Policy\ndefaults:\n  mode: off\n');
    const pr2 = twin(2);
    await h.receive('pull_request', pullRequestPayload(fake, pr2));
    expect(runs().map((r) => [r.name, r.conclusion])).toEqual([['Policy', 'success']]);

    await h.receive('pull_request', pullRequestPayload(fake, strict()));
    expect(Object.fromEntries(runs().map((r) => [r.name, r.conclusion]))).toEqual({
      Policy: 'failure',
      'Quality Gates': 'failure',
    });
    await h.receive('issue_comment', recheck(2));
    expect(Object.fromEntries(runs().map((r) => [r.name, r.conclusion]))).toEqual({
      Policy: 'failure',
      'Quality Gates': 'failure',
    });
  });

  it('a per-gate run shows the most restrictive result of its gate, not the deciding twin’s', async () => {
    // main: per-gate runs, CODEOWNERS and no approval (codeowners-review fails)
    fake.setBlob(BASE, CONFIG, 'checks:\n  per_gate: true\n');
    fake.setBlob(BASE, '.github/CODEOWNERS', '* @security-owner\n');
    // release: stricter on size, no CODEOWNERS (codeowners-review is skipped there)
    fake.setBlob(WEAK, CONFIG, 'checks:\n  per_gate: true\ngates:\n  batch-size:\n    max_lines: 1\n');
    // the twin with the lower number, which wins ties, aims at release
    twin(1, { baseRefName: 'release' });
    const pr2 = strict({ number: 2 });
    await h.receive('pull_request', pullRequestPayload(fake, pr2));

    const byName = Object.fromEntries(runs().map((r) => [r.name, r.conclusion]));
    expect(byName['Quality Gates']).toBe('failure');
    expect(byName['Quality Gates / codeowners-review']).toBe('failure');
    expect(byName['Quality Gates / batch-size']).toBe('failure');
    expect(new Set(names()).size).toBe(names().length);
  });
});

describe('twins as they come and go', () => {
  it.each([
    ['on the remaining pull request', 1],
    ['on the closed twin itself', 2],
  ])(
    'the verdict returns to the remaining pull request when the deciding twin closes: a recheck %s',
    async (_where, rechecked) => {
      fake.setBlob(BASE, CONFIG, 'gates:\n  batch-size:\n    max_lines: 100\n');
      fake.setBlob(OTHER, CONFIG, 'gates:\n  batch-size:\n    max_lines: 1\n');
      const pr1 = strict();
      const pr2 = twin(2, { baseRefName: 'other', baseRefOid: OTHER });
      await h.receive('pull_request', pullRequestPayload(fake, pr1));
      await h.receive('pull_request', pullRequestPayload(fake, pr2));
      expect(only().conclusion).toBe('failure');

      pr2.state = 'CLOSED';
      await h.receive('issue_comment', recheck(rechecked));
      expect(only().conclusion).toBe('success');
      expect(only().output.summary).not.toContain('Other pull requests on this commit');
    },
  );

  it('a closed pull request without twins costs one read and writes nothing', async () => {
    const pr1 = strict({ state: 'CLOSED' });
    await h.receive('pull_request', pullRequestPayload(fake, pr1));
    expect(runs()).toHaveLength(0);
    expect(fake.requests.filter((r) => !r.path.includes('access_tokens')).map((r) => r.operation ?? r.method)).toEqual([
      'QualityGatesSnapshot',
    ]);
  });

  it('a twin pushed to another commit no longer counts', async () => {
    const pr1 = strict();
    const pr2 = twin(2, { isDraft: true });
    await h.receive('pull_request', pullRequestPayload(fake, pr1));
    pr2.headRefOid = 'f'.repeat(40);
    await h.receive('issue_comment', recheck(1));
    expect(only().output.summary).not.toContain('#2');
  });

  it('finds a twin whose head is on the default branch, where GitHub lists no open pull request for the commit', async () => {
    fake.defaultBranchCommits.add(HEAD);
    await h.receive('pull_request', pullRequestPayload(fake, strict()));
    twin(2, { isDraft: true });
    await h.receive('issue_comment', recheck(2));
    expect(only().conclusion).toBe('failure');
  });

  it('ignores pull requests of other repositories on the same commit', async () => {
    fake.addForeignAssociatedPull(HEAD, {
      number: 1,
      state: 'OPEN',
      headRefOid: HEAD,
      baseRefOid: OTHER,
      repository: 'someone/fork',
    });
    const pr2 = twin(2);
    await h.receive('pull_request', pullRequestPayload(fake, pr2));
    expect(only().conclusion).toBe('success');
    expect(fake.count((r) => r.operation === 'QualityGatesSnapshot')).toBe(1);
  });

  it('fails closed when more open pull requests share the commit than it judges', async () => {
    const pr1 = strict({ files: [{ path: 'docs/a.md', additions: 1, deletions: 0 }] });
    for (let n = 2; n <= 13; n++) twin(n, { files: pr1.files });
    await h.receive('pull_request', pullRequestPayload(fake, pr1));
    const run = only();
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toBe('Blocked: too many open pull requests on this commit');
    expect(run.output.summary).toContain('Close the pull requests that are not needed');
  });
});

describe('cost', () => {
  it('a pull request without twins costs one read and one write', async () => {
    await h.receive('pull_request', pullRequestPayload(fake, strict()));
    expect(fake.requests.filter((r) => !r.path.includes('access_tokens')).map((r) => r.operation ?? r.method)).toEqual([
      'QualityGatesSnapshot',
      'POST',
    ]);
  });

  it('a twin costs one more read, its own snapshot', async () => {
    twin(2);
    await h.receive('pull_request', pullRequestPayload(fake, strict()));
    expect(fake.requests.filter((r) => !r.path.includes('access_tokens')).map((r) => r.operation ?? r.method)).toEqual([
      'QualityGatesSnapshot',
      'QualityGatesSnapshot',
      'POST',
    ]);
  });

  it('an event for an older head hands over to the new head’s evaluation: one write, on the new head only', async () => {
    const pr1 = strict();
    const stale = pullRequestPayload(fake, pr1, 'edited');
    const NEW = 'a'.repeat(40);
    pr1.headRefOid = NEW;
    pr1.commits = [...pr1.commits, { oid: NEW, message: 'Second commit' }];
    await Promise.all([
      h.deliver('pull_request', stale),
      h.deliver('pull_request', pullRequestPayload(fake, pr1, 'synchronize')),
    ]);
    await h.app.idle();
    expect(runs()).toHaveLength(0);
    expect(runs(NEW)).toHaveLength(1);
    expect(fake.writeCount).toBe(1);
    expect(h.logs.some((l) => l.msg === 'evaluation finished' && l.outcome === 'moved')).toBe(true);
  });

  it('a comment resolves the head first, then evaluates under it', async () => {
    strict();
    await h.receive('issue_comment', recheck(1));
    expect(fake.requests.filter((r) => !r.path.includes('access_tokens')).map((r) => r.operation ?? r.method)).toEqual([
      'QualityGatesPullBase',
      'QualityGatesSnapshot',
      'POST',
    ]);
  });
});
