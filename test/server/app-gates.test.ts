/**
 * The gates of issue 3 through the whole app: each gate's row and details in the
 * posted check run, and still one GraphQL read and one write per evaluation.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeGitHub, FakePull } from '../support/fake-github.js';
import { BASE, freshApp, type Harness, HEAD, pullRequestPayload, resetNock } from '../support/harness.js';

let fake: FakeGitHub;
let h: Harness;
beforeEach(async () => ({ fake, h } = await freshApp()));
afterEach(() => resetNock());

const row = (summary: string, id: string) => summary.split('\n').find((l) => l.startsWith(`| \`${id}\``));
const onlyGateRequests = () =>
  fake.requests.filter((r) => !r.path.includes('access_tokens')).map((r) => r.operation ?? `${r.method} check-runs`);

describe('linked-ticket in the check run', () => {
  it.each([
    ['a Jira key in the title', { title: 'PAY-42 Add refunds' }, 'pass'],
    ['a closing keyword in the body', { title: 'Add refunds', body: 'Fixes #12' }, 'pass'],
    ['a key in the branch name', { title: 'Add refunds', headRefName: 'feature/PAY-42-refunds' }, 'pass'],
    [
      'a GitHub-linked closing issue',
      { title: 'Add refunds', closingIssues: [{ number: 7, repository: 'Codertocat/Hello-World' }] },
      'pass',
    ],
    ['a standard name only', { title: 'Switch hashing to SHA-256', headRefName: '2024-05-01-cleanup' }, 'fail'],
    ['nothing', { title: 'Add refunds' }, 'fail'],
  ] as [string, Partial<FakePull>, 'pass' | 'fail'][])('%s → %s', async (_name, pr, status) => {
    const pull = fake.addPull({ number: 2, ...pr });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    const run = fake.runsOn(HEAD)[0]!;
    expect(row(run.output.summary, 'linked-ticket')).toContain(`| ${status === 'pass' ? '✅ pass' : '❌ fail'} |`);
    if (status === 'fail') {
      expect(run.output.summary).toContain('### ❌ `linked-ticket`');
      expect(run.output.summary).toContain('How to fix');
    }
    expect(onlyGateRequests()).toEqual(['QualityGatesSnapshot', 'POST check-runs']);
  });
});

describe('tests-touched in the check run', () => {
  it('fails source without tests, listing the files, and passes with a test change', async () => {
    const pull = fake.addPull({ number: 3, files: [{ path: 'src/refunds.ts', additions: 20, deletions: 1 }] });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    let run = fake.runsOn(HEAD)[0]!;
    expect(row(run.output.summary, 'tests-touched')).toContain('❌ fail');
    expect(run.output.summary).toContain('src/refunds.ts');

    pull.files.push({ path: 'src/refunds.test.ts', additions: 30, deletions: 0, changeType: 'ADDED' });
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'synchronize'));
    run = fake.runsOn(HEAD)[0]!;
    expect(row(run.output.summary, 'tests-touched')).toContain('✅ pass');
    expect(fake.runsOn(HEAD)).toHaveLength(1);
  });

  it('does not count deleted tests as touching tests', async () => {
    const pull = fake.addPull({
      number: 4,
      files: [
        { path: 'src/a.py', additions: 3, deletions: 0 },
        { path: 'tests/test_a.py', additions: 0, deletions: 40, changeType: 'DELETED' },
      ],
    });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(row(fake.runsOn(HEAD)[0]!.output.summary, 'tests-touched')).toContain('❌ fail');
  });
});

describe('signed-commits in the check run', () => {
  it('lists unsigned commits with GitHub’s reason and how to sign them', async () => {
    const pull = fake.addPull({
      number: 5,
      commits: [
        { oid: '1'.repeat(40), message: 'First change', signature: null },
        { oid: '2'.repeat(40), message: 'Second change', signature: { isValid: false, state: 'UNKNOWN_KEY' } },
        { oid: HEAD, message: 'Third change' },
      ],
    });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    const run = fake.runsOn(HEAD)[0]!;
    expect(row(run.output.summary, 'signed-commits')).toContain('❌ fail');
    expect(run.output.summary).toContain('1111111');
    expect(run.output.summary).toContain('`unknown_key`');
    expect(run.output.summary).toContain('git rebase --exec');
    expect(run.output.summary).toContain('--force-with-lease');
  });

  it('checks sign-off trailers when required, with noreply emails matching', async () => {
    fake.setBlob(BASE, '.github/quality-gates.yml', 'gates:\n  signed-commits:\n    require: signoff\n');
    const pull = fake.addPull({
      number: 6,
      commits: [
        {
          oid: HEAD,
          message: 'Change\n\nSigned-off-by: Codertocat <Codertocat@users.noreply.github.com>',
          authorEmail: '21031067+Codertocat@users.noreply.github.com',
          signature: null,
        },
      ],
    });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(row(fake.runsOn(HEAD)[0]!.output.summary, 'signed-commits')).toContain('✅ pass');
  });
});

it('a warn-mode failure is visible and does not block', async () => {
  fake.setBlob(BASE, '.github/quality-gates.yml', 'gates:\n  linked-ticket:\n    mode: warn\n');
  const pull = fake.addPull({ number: 8, title: 'No ticket here' });
  await h.receive('pull_request', pullRequestPayload(fake, pull));
  const run = fake.runsOn(HEAD)[0]!;
  expect(run.conclusion).toBe('success');
  expect(run.output.title).toBe('Passed with warnings: linked-ticket');
  expect(row(run.output.summary, 'linked-ticket')).toContain('⚠️ warn');
});
