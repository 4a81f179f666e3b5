/**
 * Overrides end to end (docs/overrides.md): `/gates override` comments read from the schema-executing
 * stand-in in the one snapshot query, judged against the base branch's config on every evaluation,
 * expiring on push by what GitHub recorded (never commit dates), shown on the check run, logged and
 * counted; refused ones never apply.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeGitHub, FakePull } from '../support/fake-github.js';
import {
  BASE,
  examplePayload,
  freshApp,
  type Harness,
  HEAD,
  pullRequestPayload,
  resetNock,
  retarget,
  startHarness,
} from '../support/harness.js';
import type { IssueComment } from '../stand-in/model.js';

const CONFIG = `
gates:
  tests-touched: { mode: off }
  signed-commits: { mode: off }
  codeowners-review: { mode: off }
overrides:
  allowed: [lead, '@Codertocat/release']
`;
const REASON = 'Hotfix for INC-1234, reviewed by the on-call lead';

let fake: FakeGitHub;
let h: Harness;
/** The stand-in's clock: whole seconds, as GitHub's times are; moved on by `later` (the app's JWTs must stay valid). */
let now = 0;
beforeEach(async () => {
  ({ fake, h } = await freshApp());
  now = Math.floor(Date.now() / 1000) * 1000;
  fake.world.clock = () => now;
  fake.setBlob(BASE, '.github/quality-gates.yml', CONFIG);
  fake.setTeam('release', ['rel1']);
});
afterEach(() => resetNock());

const later = (seconds = 5) => (now += seconds * 1000);
const run = (sha = HEAD) => fake.runsOn(sha).find((r) => r.name === 'Quality Gates')!;
const row = (gate: string, sha = HEAD) =>
  run(sha)
    .output.summary.split('\n')
    .find((l) => l.startsWith(`| \`${gate}\``));
const ops = () => fake.requests.filter((r) => !r.path.includes('access_tokens')).map((r) => r.operation ?? r.method);
const logsOf = (msg: string) => h.logs.filter((l) => l.msg === msg);

/** A pull request whose batch-size fails (600 lines), evaluated once. */
async function bigPull(number = 2, extra: Partial<FakePull> = {}): Promise<FakePull> {
  const pull = fake.addPull({ number, files: [{ path: 'src/big.ts', additions: 600, deletions: 0 }], ...extra });
  await h.receive('pull_request', pullRequestPayload(fake, pull));
  return pull;
}

function commentPayload(
  pull: FakePull,
  c: IssueComment,
  action: 'created' | 'edited' | 'deleted' = 'created',
  from?: string,
) {
  const payload = retarget(fake, examplePayload('issue_comment', 'created'));
  payload.action = action;
  payload.issue.number = pull.number;
  payload.issue.pull_request = { url: `https://api.github.com/repos/Codertocat/Hello-World/pulls/${pull.number}` };
  payload.comment.id = c.id;
  payload.comment.body = c.body;
  payload.comment.user.login = c.author;
  payload.comment.user.type = c.author?.endsWith('[bot]') ? 'Bot' : 'User';
  payload.comment.author_association = c.authorAssociation ?? 'MEMBER';
  if (from !== undefined) payload.changes = { body: { from } };
  return payload;
}

/** Posts a comment on GitHub (a few seconds later) and delivers its webhook. */
async function comment(
  pull: FakePull,
  author: string,
  body: string,
  extra: Partial<IssueComment> = {},
): Promise<IssueComment> {
  later();
  const c = fake.world.comment(pull, { author, body, ...extra });
  await h.receive('issue_comment', commentPayload(pull, c));
  return c;
}

describe('overrides in the app', () => {
  it('applies an allowed user’s override: one read, one write, a log line, a count', async () => {
    const pull = await bigPull();
    expect(run().conclusion).toBe('failure');
    fake.requests.length = 0;
    await comment(pull, 'lead', `/gates override batch-size ${REASON}`);

    expect(ops()).toEqual(['QualityGatesPullBase', 'QualityGatesSnapshot', 'PATCH']);
    const r = run();
    expect(r.conclusion).toBe('success');
    expect(r.output.title).toBe('Passed with override: batch-size (by @lead)');
    expect(row('batch-size')).toBe(`| \`batch-size\` | ☑️ overridden | by \`@lead\`: ${REASON} |`);
    // the gate's own numbers and failure stay in the details
    expect(r.output.summary).toContain(
      "The gate's own result, kept for review: 600 lines in 1 file (limit 400 lines, 50 files)",
    );
    expect(r.output.summary).toContain('This pull request changes 600 lines; the limit is 400 lines.');
    const [line] = logsOf('override applied');
    expect(line).toMatchObject({
      user: 'lead',
      gate: 'batch-size',
      reason: REASON,
      pull: 2,
      sha: HEAD,
      repo: 'Codertocat/Hello-World',
      self: false,
    });
    expect(line!.commentUrl).toMatch(/#issuecomment-\d+$/);
    const metrics = await h.app.metrics.registry.getSingleMetricAsString('quality_gates_overrides_total');
    expect(metrics).toContain('quality_gates_overrides_total{gate="batch-size",outcome="applied"} 1');
  });

  it('applies an override from a member of an allowed team, reading the team once (cached)', async () => {
    const pull = await bigPull();
    await comment(pull, 'rel1', `/gates override all ${REASON}`);
    expect(run().conclusion).toBe('success');
    expect(ops().filter((o) => o === 'QualityGatesTeamMembers')).toHaveLength(1);
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'edited'));
    expect(ops().filter((o) => o === 'QualityGatesTeamMembers')).toHaveLength(1);
    expect(run().conclusion).toBe('success');
  });

  it('stops applying a team member’s override once they left the team (when the cache expires)', async () => {
    h = await startHarness(fake, { app: { teamCacheTtlMs: 0 } });
    const pull = await bigPull();
    await comment(pull, 'rel1', `/gates override batch-size ${REASON}`);
    expect(run().conclusion).toBe('success');
    fake.setTeam('release', ['someone-else']);
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'edited'));
    expect(run().conclusion).toBe('failure');
    expect(run().output.summary).toContain('is not listed in `overrides.allowed`');
  });

  it.each([
    [
      'someone not allowed',
      'mallory',
      `/gates override batch-size ${REASON}`,
      { authorAssociation: 'NONE' as const },
      'is not listed in',
    ],
    ['a short reason', 'lead', '/gates override batch-size hotfix', {}, 'shorter than 10 characters'],
    ['no reason', 'lead', '/gates override batch-size', {}, 'no reason was given'],
    [
      'an unknown gate (named above the gates)',
      'lead',
      `/gates override batch-sise ${REASON}`,
      {},
      'naming `batch-sise` was not applied: `batch-sise` is not a gate id',
    ],
    [
      'an edited comment',
      'lead',
      `/gates override batch-size ${REASON}`,
      { lastEditedAt: new Date().toISOString() },
      'edited after it was posted',
    ],
    [
      'a comment edited before it was shown',
      'lead',
      `/gates override batch-size ${REASON}`,
      { includesCreatedEdit: true },
      'edited after it was posted',
    ],
    [
      'a hidden comment',
      'lead',
      `/gates override batch-size ${REASON}`,
      { isMinimized: true },
      'the comment is hidden',
    ],
  ])('refuses %s, says why and blocks', async (_name, author, body, extra, why) => {
    const pull = await bigPull();
    await comment(pull, author, body, extra);
    const r = run();
    expect(r.conclusion).toBe('failure');
    expect(row('batch-size')).toContain('❌ fail');
    expect(r.output.summary.replace(/\u200b/g, '')).toContain(why);
    expect(logsOf('override refused').length).toBeGreaterThan(0);
    expect(logsOf('override applied')).toHaveLength(0);
  });

  it('refuses a gate that overrides.gates does not list', async () => {
    fake.setBlob(BASE, '.github/quality-gates.yml', `${CONFIG}  gates: [linked-ticket]\n`);
    const pull = await bigPull();
    await comment(pull, 'lead', `/gates override batch-size ${REASON}`);
    expect(run().conclusion).toBe('failure');
    expect(run().output.summary).toContain('is not listed in `overrides.gates`');
  });

  it('stops applying once the comment is edited or deleted', async () => {
    const pull = await bigPull();
    const c = await comment(pull, 'lead', `/gates override batch-size ${REASON}`);
    expect(run().conclusion).toBe('success');

    later();
    const before = c.body;
    c.body = `/gates override all ${REASON}`;
    c.lastEditedAt = new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
    await h.receive('issue_comment', commentPayload(pull, c, 'edited', before));
    expect(run().conclusion).toBe('failure');
    expect(run().output.summary).toContain('edited after it was posted');

    pull.comments = pull.comments!.filter((x) => x !== c);
    await h.receive('issue_comment', commentPayload(pull, c, 'deleted'));
    expect(run().conclusion).toBe('failure');
    expect(run().output.summary).not.toContain('Overrides not applied');
  });

  it('expires on push: the new head needs a new override, whatever the commit dates say', async () => {
    const pull = await bigPull();
    await comment(pull, 'lead', `/gates override batch-size ${REASON}`);
    expect(run().conclusion).toBe('success');

    later();
    // A commit dated a year back (and one dated ahead) cannot slip under the override.
    const NEXT = 'b'.repeat(40);
    fake.repository.push(pull.headRefName, [
      { oid: NEXT, message: 'more', committedDate: '2025-01-01T00:00:00Z', authoredDate: '2025-01-01T00:00:00Z' },
    ]);
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'synchronize'));
    expect(run(NEXT).conclusion).toBe('failure');
    expect(run(NEXT).output.summary).toContain('it was given before the head commit `bbbbbbb` arrived');
    expect(logsOf('override refused').at(-1)).toMatchObject({ refusal: 'older-head', sha: NEXT });
    // the old head's run keeps its verdict
    expect(run(HEAD).conclusion).toBe('success');

    await comment(pull, 'lead', `/gates override batch-size ${REASON} (again)`);
    expect(run(NEXT).conclusion).toBe('success');
  });

  it('expires on a force push, even back to the commit the override was given on', async () => {
    const pull = await bigPull();
    await comment(pull, 'lead', `/gates override batch-size ${REASON}`);
    expect(run().conclusion).toBe('success');
    later();
    const NEXT = 'c'.repeat(40);
    fake.repository.push(pull.headRefName, [{ oid: NEXT, message: 'other' }]);
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'synchronize'));
    expect(run(NEXT).conclusion).toBe('failure');
    // back to the old head: its check suite is older than the override, the force push is not
    later();
    fake.repository.push(pull.headRefName, [fake.repository.commit(HEAD)!], { force: true });
    expect(pull.headRefOid).toBe(HEAD);
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'synchronize'));
    expect(run(HEAD).conclusion).toBe('failure');
    expect(run(HEAD).output.summary).toContain('it was given before the head commit `ec26c3e` arrived');
  });

  it('with expire_on_push false, holds across pushes', async () => {
    fake.setBlob(BASE, '.github/quality-gates.yml', `${CONFIG}  expire_on_push: false\n`);
    const pull = await bigPull();
    await comment(pull, 'lead', `/gates override batch-size ${REASON}`);
    later();
    const NEXT = 'd'.repeat(40);
    fake.repository.push(pull.headRefName, [{ oid: NEXT, message: 'more' }]);
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'synchronize'));
    expect(run(NEXT).conclusion).toBe('success');
  });

  it('a config change in the pull request itself grants nobody an override', async () => {
    fake.setBlob(HEAD, '.github/quality-gates.yml', `${CONFIG.replace('[lead,', '[dana, lead,')}`);
    const pull = await bigPull(2, {
      author: 'dana',
      files: [
        { path: 'src/big.ts', additions: 600, deletions: 0 },
        { path: '.github/quality-gates.yml', additions: 1, deletions: 1 },
      ],
    });
    await comment(pull, 'dana', `/gates override batch-size ${REASON}`);
    expect(run().conclusion).toBe('failure');
    expect(run().output.summary).toContain('is not listed in `overrides.allowed`');
  });

  it('lets the PR’s author override their own PR only when listed', async () => {
    const pull = await bigPull(2, { author: 'lead' });
    await comment(pull, 'lead', `/gates override batch-size ${REASON}`);
    expect(run().conclusion).toBe('success');
    expect(logsOf('override applied')[0]).toMatchObject({ self: true });
  });

  it('takes an override from a bot listed by login, and from no other bot', async () => {
    fake.setBlob(BASE, '.github/quality-gates.yml', CONFIG.replace('[lead,', "[lead, 'deploy[bot]',"));
    const pull = await bigPull();
    await comment(pull, 'other[bot]', `/gates override batch-size ${REASON}`, { authorAssociation: 'NONE' });
    expect(run().conclusion).toBe('failure');
    await comment(pull, 'deploy[bot]', `/gates override batch-size ${REASON}`, { authorAssociation: 'NONE' });
    expect(run().conclusion).toBe('success');
    expect(run().output.title).toBe('Passed with override: batch-size (by @deploy[bot])');
  });

  it('reads an override beyond the newest 100 comments with one more page', async () => {
    const pull = await bigPull();
    later();
    fake.world.comment(pull, { author: 'lead', body: `/gates override batch-size ${REASON}` });
    for (let i = 0; i < 150; i++) fake.world.comment(pull, { author: 'someone', body: `comment ${i}` });
    fake.requests.length = 0;
    const last = fake.world.comment(pull, { author: 'someone', body: '/gates recheck' });
    const payload = commentPayload(pull, last);
    payload.comment.author_association = 'MEMBER';
    await h.receive('issue_comment', payload);
    expect(ops()).toEqual(['QualityGatesPullBase', 'QualityGatesSnapshot', 'QualityGatesPage', 'PATCH']);
    expect(run().conclusion).toBe('success');
  });

  it('shows a hostile reason clipped and inert: no mention, link, HTML or table break', async () => {
    const pull = await bigPull();
    const hostile = `@everyone <img src=x onerror=alert(1)> [click](https://evil.example) | ![x](https://evil.example/p.png) **bold** ${'A'.repeat(64 * 1024)}`;
    await comment(pull, 'lead', `/gates override batch-size ${hostile}`);
    const r = run();
    expect(r.conclusion).toBe('success');
    const cell = row('batch-size')!;
    expect(cell.split(' | ')).toHaveLength(3);
    expect(cell.length).toBeLessThan(400);
    for (const text of [r.output.summary, r.output.title]) {
      expect(text).not.toMatch(/@everyone/);
      expect(text).not.toContain('<img');
      expect(text).not.toContain('](https://evil');
      expect(text).not.toContain('https://evil');
    }
    expect(r.output.summary.length).toBeLessThanOrEqual(65_535);
    expect((logsOf('override applied')[0]!.reason as string).length).toBeLessThanOrEqual(1000);
  });

  it('an override on one pull request never applies to another on the same commit', async () => {
    const a = await bigPull(2);
    fake.addPull({ number: 3, headRefName: 'twin', files: [{ path: 'src/big.ts', additions: 600, deletions: 0 }] });
    await comment(a, 'lead', `/gates override batch-size ${REASON}`);
    const r = run();
    // #3 still fails batch-size: the commit's run shows the most restrictive verdict
    expect(r.conclusion).toBe('failure');
    expect(r.output.summary).toContain('#2');
    expect(r.output.summary).toMatch(
      /#2 \(into `main`\): \*\*success\*\*, Passed with override: batch-size \(by @\u200blead\)/,
    );
    expect(logsOf('override applied').map((l) => l.pull)).toEqual([2]);
  });

  it('per-gate runs show the override too', async () => {
    fake.setBlob(BASE, '.github/quality-gates.yml', `${CONFIG}checks:\n  per_gate: true\n`);
    const pull = await bigPull();
    await comment(pull, 'lead', `/gates override batch-size ${REASON}`);
    const gateRun = fake.runsOn(HEAD).find((r) => r.name === 'Quality Gates / batch-size')!;
    expect(gateRun.conclusion).toBe('success');
    expect(gateRun.output.title).toMatch(/^Passed with override \(by @lead\): 600 lines/);
    expect(gateRun.output.summary).toContain('☑️ overridden');
  });

  it('re-evaluates on an edit that removes a command, and ignores comments without one', async () => {
    const pull = await bigPull();
    fake.requests.length = 0;
    await comment(pull, 'someone', 'lgtm');
    expect(ops()).toEqual([]);
  });
});

describe('overrides in the history', () => {
  it('records applied and refused overrides with the verdict', async () => {
    const recorded: { overrides: readonly unknown[]; number: number }[] = [];
    const history = {
      recordVerdict: (v: { overrides: readonly unknown[]; number: number }) => void recorded.push(v),
      recordWebhook: () => {},
      health: () => ({ history: 'ok' as const }),
    };
    h = await startHarness(fake, { app: { history: history as never } });
    const pull = await bigPull();
    await comment(pull, 'lead', `/gates override batch-size,nope ${REASON}`);
    await comment(pull, 'mallory', `/gates override batch-size ${REASON}`, { authorAssociation: 'NONE' });
    const last = recorded.at(-1)!;
    expect(last.number).toBe(2);
    expect(last.overrides).toEqual([
      expect.objectContaining({
        outcome: 'applied',
        login: 'lead',
        gates: ['batch-size'],
        reason: REASON,
        headSha: HEAD,
        refusal: null,
      }),
      expect.objectContaining({ outcome: 'refused', login: 'lead', gates: ['nope'], refusal: 'nope: unknown-gate' }),
      expect.objectContaining({
        outcome: 'refused',
        login: 'mallory',
        gates: ['batch-size'],
        refusal: 'batch-size: not-allowed',
      }),
    ]);
  });
});
