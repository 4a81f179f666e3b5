/**
 * App tier: real example payloads through `probot.receive()`, a strict fake
 * GitHub behind nock, assertions on the posted check-run bodies and on exactly
 * which GitHub requests were made.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeFile, FakeGitHub } from '../support/fake-github.js';
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

let fake: FakeGitHub;
let h: Harness;

beforeEach(async () => ({ fake, h } = await freshApp()));

afterEach(() => resetNock());

function files(n: number, linesEach: number): FakeFile[] {
  return Array.from({ length: n }, (_, i) => ({ path: `docs/page-${i}.md`, additions: linesEach, deletions: 0 }));
}

const gateRequests = () => fake.requests.filter((r) => !r.path.includes('access_tokens'));

describe('pull_request.opened', () => {
  it('posts one completed run with the table for a small PR, at one GraphQL read and one write', async () => {
    const pull = fake.addPull({ number: 2, files: [{ path: 'README.md', additions: 1, deletions: 1 }] });
    await h.receive('pull_request', pullRequestPayload(fake, pull));

    expect(gateRequests().map((r) => `${r.method} ${r.operation ?? r.path}`)).toEqual([
      'POST QualityGatesSnapshot',
      'POST /repos/Codertocat/Hello-World/check-runs',
    ]);
    const runs = fake.runsOn(HEAD);
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run).toMatchObject({ name: 'Quality Gates', status: 'completed', conclusion: 'success' });
    expect(run.output.summary.split('\n')[0]).toBe('| Gate | Result | Details |');
    expect(run.output.summary).toContain('| `batch-size` | ✅ pass | 2 lines in 1 file (limit 400 lines, 50 files) |');
    expect(run.output.title).toBe('4 gates passed, 1 skipped');
  });

  it('fails batch-size for a 612-line PR with both numbers and both limits', async () => {
    const big = [...files(13, 40), { path: 'docs/big.md', additions: 92, deletions: 0 }];
    const pull = fake.addPull({ number: 3, files: big });
    await h.receive('pull_request', pullRequestPayload(fake, pull));

    const run = fake.runsOn(HEAD)[0]!;
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toBe('Blocked: batch-size');
    expect(run.output.summary).toContain(
      '| `batch-size` | ❌ fail | 612 lines in 14 files (limit 400 lines, 50 files) |',
    );
    expect(run.output.summary).toContain('This pull request changes 612 lines; the limit is 400 lines.');
    expect(run.output.summary).toContain('How to fix');
    expect(fake.graphqlCount).toBe(1);
    expect(fake.writeCount).toBe(1);
  });

  it('creates exactly one run for a duplicate delivery and writes nothing the second time', async () => {
    const pull = fake.addPull({ number: 4 });
    const payload = pullRequestPayload(fake, pull);
    await h.receive('pull_request', payload, 'same-delivery');
    await h.receive('pull_request', payload, 'same-delivery');
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'edited'));

    expect(fake.runsOn(HEAD)).toHaveLength(1);
    expect(fake.writeCount).toBe(1);
    expect(fake.graphqlCount).toBe(3);
  });

  it('updates the run in place when the result changes on the same head', async () => {
    const pull = fake.addPull({ number: 5, files: files(1, 10) });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    fake.setBlob(BASE, '.github/quality-gates.yml', 'gates:\n  batch-size:\n    max_lines: 5\n');
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'edited'));

    const runs = fake.runsOn(HEAD);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.conclusion).toBe('failure');
    expect(fake.count((r) => r.method === 'PATCH')).toBe(1);
  });

  it('evaluates the current head, never putting an old result on a newer commit', async () => {
    const pull = fake.addPull({ number: 6 });
    const stale = pullRequestPayload(fake, pull, 'synchronize');
    const newHead = 'a'.repeat(40);
    pull.headRefOid = newHead;
    pull.commits = [...pull.commits, { oid: newHead, message: 'Second commit' }];
    await h.receive('pull_request', stale);

    expect(fake.runsOn(HEAD)).toHaveLength(0);
    expect(fake.runsOn(newHead)).toHaveLength(1);
  });

  it('evaluates a burst of events for one PR once per distinct state', async () => {
    const pull = fake.addPull({ number: 7 });
    const payloads = ['opened', 'labeled', 'unlabeled', 'edited', 'synchronize'].map((a) =>
      pullRequestPayload(fake, pull, a),
    );
    await Promise.all(payloads.map((p) => h.deliver('pull_request', p)));
    await h.app.idle();

    expect(fake.runsOn(HEAD)).toHaveLength(1);
    expect(fake.writeCount).toBe(1);
    expect(fake.graphqlCount).toBeLessThanOrEqual(2);
  });
});

describe('configuration', () => {
  it('reads the config at the base commit, never the head', async () => {
    const pull = fake.addPull({ number: 10, files: files(1, 50) });
    fake.setBlob(BASE, '.github/quality-gates.yml', 'gates:\n  batch-size:\n    max_lines: 20\n');
    fake.setBlob(HEAD, '.github/quality-gates.yml', 'gates:\n  batch-size:\n    max_lines: 5000\n');
    await h.receive('pull_request', pullRequestPayload(fake, pull));

    const snapshotQuery = fake.requests.find((r) => r.operation === 'QualityGatesSnapshot')!.body as {
      variables: Record<string, string>;
    };
    expect(snapshotQuery.variables.configExpr).toBe(`${BASE}:.github/quality-gates.yml`);
    expect(fake.runsOn(HEAD)[0]!.conclusion).toBe('failure');
  });

  it('posts "Configuration error" with file, line and key path for an unknown key', async () => {
    const pull = fake.addPull({ number: 11 });
    fake.setBlob(
      BASE,
      '.github/quality-gates.yml',
      'defaults:\n  mode: block\ngates:\n  batch-size:\n    max_line: 20\n',
    );
    await h.receive('pull_request', pullRequestPayload(fake, pull));

    const run = fake.runsOn(HEAD)[0]!;
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toBe('Configuration error');
    expect(run.output.summary).toContain(
      '- `Codertocat/Hello-World:.github/quality-gates.yml@f95f852:5:5` `gates.batch-size.max_line`: unknown key "max_line"',
    );
    expect(run.output.summary).toContain('allowed here: mode, max_lines, max_files, exclude, default_excludes');
    expect(h.logs.some((l) => l.msg === 'invalid configuration')).toBe(true);
  });

  it('posts "Configuration error" for a file that is not YAML, and wrong types', async () => {
    const pull = fake.addPull({ number: 12 });
    fake.setBlob(BASE, '.github/quality-gates.yml', 'gates: [\n  batch-size: {\n');
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    let run = fake.runsOn(HEAD)[0]!;
    expect(run.output.title).toBe('Configuration error');
    expect(run.output.summary).toContain('not valid YAML');

    fake.setBlob(BASE, '.github/quality-gates.yml', 'on_error: maybe\ngates:\n  batch-size:\n    max_lines: lots\n');
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'edited'));
    run = fake.runsOn(HEAD)[0]!;
    expect(run.output.summary).toContain(':1:11` `on_error`: must be one of: "failure", "neutral"');
    expect(run.output.summary).toContain(':4:16` `gates.batch-size.max_lines`: must be a whole number; found "lots"');
    expect(fake.runsOn(HEAD)).toHaveLength(1);
  });

  it("falls back to the organisation's .github repository, and _extends merges", async () => {
    const pull = fake.addPull({ number: 13, files: files(1, 30) });
    fake.setOrgFile('.github/quality-gates.yml', 'gates:\n  batch-size:\n    max_lines: 10\n    max_files: 1\n');
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(fake.runsOn(HEAD)[0]!.output.summary).toContain('(limit 10 lines, 1 file)');

    fake.setBlob(BASE, '.github/quality-gates.yml', '_extends: .github\ngates:\n  batch-size:\n    max_lines: 100\n');
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'edited'));
    const run = fake.runsOn(HEAD)[0]!;
    expect(run.output.summary).toContain('(limit 100 lines, 1 file)');
    expect(run.conclusion).toBe('success');
    expect(fake.graphqlCount).toBe(2);
  });

  it('names the check run after checks.name', async () => {
    const pull = fake.addPull({ number: 14 });
    fake.setBlob(BASE, '.github/quality-gates.yml', 'checks:\n  name: Gates\n');
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(fake.runsOn(HEAD).map((r) => r.name)).toEqual(['Gates']);
  });
});

describe('skips', () => {
  it('gives a draft PR a neutral skipped run, and evaluates it when ready', async () => {
    const pull = fake.addPull({ number: 20, isDraft: true });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    let run = fake.runsOn(HEAD)[0]!;
    expect(run.conclusion).toBe('neutral');
    expect(run.output.title).toBe('Skipped: draft pull request');
    expect(run.output.summary).not.toContain('| Gate |');

    pull.isDraft = false;
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'ready_for_review'));
    run = fake.runsOn(HEAD)[0]!;
    expect(run.conclusion).toBe('success');
    expect(fake.runsOn(HEAD)).toHaveLength(1);
  });

  // GraphQL names the bot `dependabot`; the config, like REST and the UI, `dependabot[bot]`.
  it('skips exempt bot authors, named as users write them, with a neutral run naming why', async () => {
    fake.setBlob(BASE, '.github/quality-gates.yml', 'skip:\n  authors: ["dependabot[bot]"]\n');
    const bot = fake.addPull({ number: 21, author: 'dependabot[bot]' });
    await h.receive('pull_request', pullRequestPayload(fake, bot));
    expect(fake.runsOn(HEAD)[0]!.output.title).toBe('Skipped: author dependabot[bot] is exempt');
  });

  it('skips exempt authors and skip labels with a neutral run naming why', async () => {
    fake.setBlob(BASE, '.github/quality-gates.yml', 'skip:\n  authors: ["lead"]\n  labels: [hotfix]\n');
    const exempt = fake.addPull({ number: 21, author: 'lead' });
    await h.receive('pull_request', pullRequestPayload(fake, exempt));
    expect(fake.runsOn(HEAD)[0]!.output.title).toBe('Skipped: author lead is exempt');

    const labelled = fake.addPull({ number: 22, headRefOid: 'c'.repeat(40), labels: ['hotfix'] });
    await h.receive('pull_request', pullRequestPayload(fake, labelled, 'labeled'));
    const run = fake.runsOn('c'.repeat(40))[0]!;
    expect(run.conclusion).toBe('neutral');
    expect(run.output.title).toBe('Skipped: label hotfix');
  });
});

describe('GitHub errors', () => {
  it('concludes "Evaluation error" (on_error failure) after retries when GraphQL answers 502', async () => {
    const pull = fake.addPull({ number: 30 });
    fake.fail = (r) => (r.path === '/graphql' ? 502 : undefined);
    await h.receive('pull_request', pullRequestPayload(fake, pull));

    expect(fake.graphqlCount).toBe(4); // first try + 3 retries
    const run = fake.runsOn(HEAD)[0]!;
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(run.output.title).toBe('Evaluation error');
    expect(run.output.summary).toContain('HTTP 502');
    expect(run.output.summary).toContain('/gates recheck');
    expect(h.logs.some((l) => l.msg === 'failed to load pull request snapshot' && l.level === 50)).toBe(true);
  });

  it('recovers when a transient 502 is followed by success', async () => {
    const pull = fake.addPull({ number: 31 });
    let failures = 1;
    fake.fail = (r) => (r.path === '/graphql' && failures-- > 0 ? 502 : undefined);
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(fake.runsOn(HEAD)[0]!.conclusion).toBe('success');
  });
});

describe('other events', () => {
  it('re-evaluates on check_run.rerequested and check_suite.rerequested', async () => {
    const pull = fake.addPull({ number: 2 });
    const run = retarget(fake, examplePayload('check_run', 'rerequested'));
    run.check_run.app.id = fake.appId;
    run.check_run.pull_requests = [
      { number: 2, head: { sha: HEAD, ref: 'changes' }, base: { sha: BASE, ref: 'main' } },
    ];
    await h.receive('check_run', run);
    expect(fake.runsOn(HEAD)).toHaveLength(1);

    fake.setBlob(BASE, '.github/quality-gates.yml', 'gates:\n  batch-size:\n    max_lines: 1\n');
    const suite = retarget(fake, examplePayload('check_suite', 'rerequested'));
    suite.check_suite.app.id = fake.appId;
    suite.check_suite.pull_requests = [
      { number: pull.number, head: { sha: HEAD, ref: 'changes' }, base: { sha: BASE, ref: 'main' } },
    ];
    await h.receive('check_suite', suite);
    expect(fake.runsOn(HEAD)).toHaveLength(1);
    expect(fake.runsOn(HEAD)[0]!.conclusion).toBe('failure');
  });

  it('ignores check suites the app itself caused', async () => {
    const suite = examplePayload('check_suite', 'completed');
    suite.installation = { id: 1 };
    await h.receive('check_suite', suite);
    const requested = examplePayload('check_suite', 'requested');
    requested.installation = { id: 1 };
    await h.receive('check_suite', requested);
    expect(gateRequests()).toHaveLength(0);
  });

  it('re-evaluates on a "/gates recheck" comment, and only on that comment', async () => {
    fake.addPull({ number: 2 });
    const comment = retarget(fake, examplePayload('issue_comment', 'created'));
    comment.issue.number = 2;
    comment.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/2' };
    comment.comment.user.type = 'User';
    comment.comment.body = 'looks good';
    await h.receive('issue_comment', comment);
    expect(gateRequests()).toHaveLength(0);

    comment.comment.body = '/gates recheck';
    await h.receive('issue_comment', comment);
    expect(gateRequests().map((r) => r.operation ?? r.method)).toEqual([
      'QualityGatesPullBase',
      'QualityGatesSnapshot',
      'POST',
    ]);
    expect(fake.runsOn(HEAD)).toHaveLength(1);
  });

  it('passes a merge group under the configured check name', async () => {
    const group = retarget(fake, examplePayload('merge_group', 'checks_requested'));
    fake.addCommit(group.merge_group.head_sha, group.merge_group.base_sha); // the merge queue's commit
    fake.setBlob(group.merge_group.base_sha, '.github/quality-gates.yml', 'checks:\n  name: Gates\n');
    await h.receive('merge_group', group);

    const runs = fake.runsOn(group.merge_group.head_sha);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: 'Gates', conclusion: 'success', status: 'completed' });
    expect(gateRequests().map((r) => r.operation ?? r.method)).toEqual(['QualityGatesMergeGroup', 'POST']);
  });

  it('a merge group takes the check name from the organisation’s .github repository when the repository has no config', async () => {
    const group = retarget(fake, examplePayload('merge_group', 'checks_requested'));
    fake.addCommit(group.merge_group.head_sha, group.merge_group.base_sha);
    fake.setOrgFile('.github/quality-gates.yml', 'checks:\n  name: Org Gates\n');
    await h.receive('merge_group', group);

    expect(fake.runsOn(group.merge_group.head_sha).map((r) => [r.name, r.conclusion])).toEqual([
      ['Org Gates', 'success'],
    ]);
    expect(gateRequests().map((r) => r.operation ?? r.method)).toEqual(['QualityGatesMergeGroup', 'POST']);
  });

  it('logs one info line per evaluation with delivery, repo, PR and head SHA', async () => {
    const pull = fake.addPull({ number: 2 });
    await h.receive('pull_request', pullRequestPayload(fake, pull), 'delivery-xyz');
    const lines = h.logs.filter((l) => l.msg === 'evaluation finished');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      delivery: 'delivery-xyz',
      repo: 'Codertocat/Hello-World',
      pr: 2,
      sha: HEAD,
      conclusion: 'success',
      verdicts: {
        'batch-size': 'pass',
        'linked-ticket': 'pass',
        'tests-touched': 'pass',
        'signed-commits': 'pass',
        'codeowners-review': 'skipped',
      },
    });
    expect(h.logText()).not.toContain('ghs_testinstallationtoken');
  });
});
