/**
 * The handlers behind the signature check, attacked by whoever can comment or whose payload
 * GitHub signs: who may trigger an evaluation with a comment and how often, a comment built
 * to make the command search slow, payloads of the wrong shape for every route, and made-up
 * event and action names reaching the metric labels.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryCooldown } from '../../src/server/cooldown.js';
import type { FakeGitHub } from '../support/fake-github.js';
import { BASE, examplePayload, freshApp, HEAD, pullRequestPayload, resetNock, retarget } from '../support/harness.js';

afterEach(() => resetNock());

const gateRequests = (fake: FakeGitHub) => fake.requests.filter((r) => !r.path.includes('access_tokens'));

/** A clock the test moves. */
function clock(start = Date.parse('2026-01-05T10:00:00Z')) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

async function setup(cooldownMs = 30_000) {
  const time = clock();
  const { fake, h } = await freshApp({ app: { cooldown: new MemoryCooldown(cooldownMs, { now: time.now }) } });
  fake.addPull({ number: 2 });
  return { fake, h, time };
}

function commentPayload(
  fake: FakeGitHub,
  body: string,
  options: { association?: string; action?: string; userType?: string } = {},
) {
  const payload = retarget(fake, examplePayload('issue_comment', options.action ?? 'created'));
  payload.issue.number = 2;
  payload.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/2' };
  payload.comment.user.type = options.userType ?? 'User';
  payload.comment.author_association = options.association ?? 'MEMBER';
  payload.comment.body = body;
  return payload;
}

const evaluations = (fake: FakeGitHub) =>
  gateRequests(fake).filter((r) => r.operation === 'QualityGatesSnapshot').length;

describe('comment commands', () => {
  it.each(['OWNER', 'MEMBER', 'COLLABORATOR'])(
    'evaluate when the commenter has write access (%s)',
    async (association) => {
      const { fake, h } = await setup();
      await h.receive('issue_comment', commentPayload(fake, '/gates recheck', { association }));
      expect(evaluations(fake)).toBe(1);
      expect(fake.runsOn(HEAD)).toHaveLength(1);
    },
  );

  it.each(['CONTRIBUTOR', 'FIRST_TIME_CONTRIBUTOR', 'FIRST_TIMER', 'MANNEQUIN', 'NONE', undefined])(
    'are ignored from anyone else (%s)',
    async (association) => {
      const { fake, h } = await setup();
      const payload = commentPayload(fake, '/gates recheck');
      if (association === undefined) delete payload.comment.author_association;
      else payload.comment.author_association = association;
      await h.receive('issue_comment', payload);
      expect(gateRequests(fake)).toHaveLength(0);
      const counted = await h.app.metrics.registry.getSingleMetric('quality_gates_comment_commands_total')!.get();
      expect(counted.values).toEqual([
        expect.objectContaining({ labels: { command: 'recheck', result: 'not_allowed' }, value: 1 }),
      ]);
    },
  );

  it('are ignored in an edited comment: only new comments count', async () => {
    const { fake, h } = await setup();
    await h.receive('issue_comment', commentPayload(fake, '/gates recheck', { action: 'edited' }));
    expect(gateRequests(fake)).toHaveLength(0);
  });

  it('are ignored from bots and on issues that are not pull requests', async () => {
    const { fake, h } = await setup();
    await h.receive('issue_comment', commentPayload(fake, '/gates recheck', { userType: 'Bot' }));
    const onIssue = commentPayload(fake, '/gates recheck');
    delete onIssue.issue.pull_request;
    await h.receive('issue_comment', onIssue);
    expect(gateRequests(fake)).toHaveLength(0);
  });

  it('evaluate a pull request at most once per cooldown, counting only accepted commands', async () => {
    const { fake, h, time } = await setup(30_000);
    await h.receive('issue_comment', commentPayload(fake, '/gates recheck'));
    // an outsider's command does not start or extend the cooldown
    await h.receive('issue_comment', commentPayload(fake, '/gates recheck', { association: 'NONE' }));
    time.advance(29_000);
    for (let i = 0; i < 5; i++) await h.receive('issue_comment', commentPayload(fake, '/gates recheck'));
    expect(evaluations(fake)).toBe(1);
    expect(h.logs.filter((l) => l.msg === 'comment command ignored: the pull request is cooling down')).toHaveLength(5);

    time.advance(1_000);
    await h.receive('issue_comment', commentPayload(fake, '/gates recheck'));
    expect(evaluations(fake)).toBe(2);
    const counted = await h.app.metrics.registry.getSingleMetric('quality_gates_comment_commands_total')!.get();
    const by = Object.fromEntries(counted.values.map((v) => [v.labels.result, v.value]));
    expect(by).toEqual({ accepted: 2, cooldown: 5, not_allowed: 1 });
  });

  it('do not limit events from GitHub itself', async () => {
    const { fake, h } = await setup();
    await h.receive('issue_comment', commentPayload(fake, '/gates recheck'));
    const pull = fake.pulls.get(2)!;
    pull.title = 'changed';
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'edited'));
    expect(evaluations(fake)).toBe(2);
  });

  it('are found quickly in a 64 KB comment built to make a regex backtrack', async () => {
    const { fake, h } = await setup();
    // 2.8 s with the old multiline regex, before the webhook could be answered.
    for (const body of ['\n'.repeat(65_536), '\n \n'.repeat(21_000), ` \t`.repeat(30_000) + '\n/gates recheck']) {
      const started = performance.now();
      await h.deliver('issue_comment', commentPayload(fake, body, { association: 'NONE' }));
      expect(performance.now() - started).toBeLessThan(1_000);
    }
  });
});

/** A signed payload of the wrong shape for each route: ignored with one warn line, never a throw. */
describe('payloads that do not fit the handler', () => {
  const cases: [string, string, (fake: FakeGitHub) => Record<string, any>][] = [
    [
      'pull_request',
      'repository: null',
      (fake) => ({ ...pullRequestPayload(fake, fake.addPull({ number: 3 })), repository: null }),
    ],
    [
      'pull_request',
      'a string installation id',
      (fake) => ({ ...pullRequestPayload(fake, fake.addPull({ number: 3 })), installation: { id: '7' } }),
    ],
    [
      'pull_request',
      'no installation',
      (fake) => ({ ...pullRequestPayload(fake, fake.addPull({ number: 3 })), installation: undefined }),
    ],
    [
      'pull_request_review',
      'a pull request without a number',
      (fake) => {
        const p = retarget(fake, examplePayload('pull_request_review', 'submitted'));
        delete p.pull_request.number;
        return p;
      },
    ],
    [
      'check_run',
      'pull_requests that is not a list',
      (fake) => {
        const p = retarget(fake, examplePayload('check_run', 'rerequested'));
        p.check_run.app = { id: fake.appId };
        p.check_run.pull_requests = 'all of them';
        return p;
      },
    ],
    [
      'check_suite',
      'a pull request with a short SHA',
      (fake) => {
        const p = retarget(fake, examplePayload('check_suite', 'rerequested'));
        p.check_suite.app = { id: fake.appId };
        p.check_suite.pull_requests = [{ number: 2, head: { sha: 'abc' }, base: { sha: BASE } }];
        return p;
      },
    ],
    [
      'issue_comment',
      'a comment body that is an object',
      (fake) => {
        const p = commentPayload(fake, '/gates recheck');
        p.comment.body = { text: '/gates recheck' };
        return p;
      },
    ],
    ['issue_comment', 'issue: null', (fake) => ({ ...commentPayload(fake, '/gates recheck'), issue: null })],
    [
      'merge_group',
      'no merge_group',
      (fake) => {
        const p = retarget(fake, examplePayload('merge_group', 'checks_requested'));
        delete p.merge_group;
        return p;
      },
    ],
  ];

  it.each(cases)('%s with %s', async (event, _name, build) => {
    const { fake, h } = await setup();
    await expect(h.receive(event, build(fake), 'd-bad')).resolves.toBeUndefined();
    expect(gateRequests(fake)).toHaveLength(0);
    const warned = h.logs.filter((l) => l.msg === 'webhook payload ignored');
    expect(warned).toEqual([
      expect.objectContaining({ level: 40, delivery: 'd-bad', event, reason: expect.any(String) }),
    ]);
    expect(h.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
    expect(h.logText()).not.toContain('"payload":{');
  });
});

describe('metric labels', () => {
  it('take only known event and action names: 2,000 made-up names add one series', async () => {
    const { h, fake } = await setup();
    const before = (await h.app.metrics.registry.metrics()).length;
    for (let i = 0; i < 2_000; i++) await h.deliver(`forged_event_${i}`, { action: `forged_action_${i}` });
    for (let i = 0; i < 50; i++)
      await h.deliver('pull_request', {
        ...pullRequestPayload(fake, fake.pulls.get(2)!),
        action: `forged_action_${i}`,
      });
    const text = await h.app.metrics.registry.metrics();
    expect(text).not.toContain('forged_');
    expect(text).toContain('quality_gates_webhook_events_total{event="other",action="other"} 2000');
    expect(text).toContain('quality_gates_webhook_events_total{event="pull_request",action="other"} 50');
    expect(text.length - before).toBeLessThan(1_000);
  });
});
