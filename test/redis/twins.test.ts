/**
 * Twin pull requests (issue 14, item 1) across replicas sharing Redis: events of two
 * pull requests with one head commit, and a comment on one of them, delivered to both
 * replicas at once. Evaluations are keyed by head commit, so the commit is never
 * evaluated on two replicas at once, and it ends with one run, the most restrictive.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../support/fake-github.js';
import { BASE, examplePayload, HEAD, pullRequestPayload, resetNock, retarget } from '../support/harness.js';
import { ConcurrencyProbe, REDIS_SERVER, RedisServer, startReplica, type Replica } from './support.js';

describe.skipIf(!REDIS_SERVER)('twins across replicas sharing Redis', () => {
  let redis: RedisServer;
  let fake: FakeGitHub;
  let probe: ConcurrencyProbe;
  let replicas: Replica[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis?.kill();
  });
  beforeEach(() => {
    fake = new FakeGitHub();
    fake.install({ delayMs: 15 });
    probe = new ConcurrencyProbe();
  });
  afterEach(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    replicas = [];
    resetNock();
  });

  it('one run on the shared commit, the most restrictive, and one evaluation of it at a time', async () => {
    replicas = await Promise.all(['a', 'b'].map((name) => startReplica(name, fake, redis.url, { probe })));
    const WEAK = 'e'.repeat(40);
    fake.setBlob(BASE, '.github/quality-gates.yml', 'gates:\n  batch-size:\n    max_lines: 10\n');
    fake.setBlob(WEAK, '.github/quality-gates.yml', 'defaults:\n  mode: off\n');
    const files = [{ path: 'docs/guide.md', additions: 40, deletions: 0 }];
    const strict = fake.addPull({ number: 1, files });
    const weak = fake.addPull({ number: 2, files, baseRefName: 'weak', baseRefOid: WEAK, isDraft: true });
    const comment = retarget(fake, examplePayload('issue_comment', 'created'));
    comment.issue.number = 2;
    comment.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/2' };
    comment.comment.user.type = 'User';
    comment.comment.body = '/gates recheck';

    let delivery = 0;
    const events: [string, Record<string, unknown>][] = [
      ['pull_request', pullRequestPayload(fake, weak)],
      ['pull_request', pullRequestPayload(fake, strict)],
      ['issue_comment', comment],
      ['pull_request', pullRequestPayload(fake, weak, 'edited')],
    ];
    await Promise.all(events.map(([event, payload]) => (++delivery, Promise.all(replicas.map((r) => r.deliver(event, payload, `t-${delivery}`))))));
    await Promise.all(replicas.map((r) => r.app.idle()));

    const runs = fake.runsOn(HEAD);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: 'Blocked: batch-size' } });
    expect(probe.maxPerKey).toBe(1);
    // the comment was keyed by its pull request only to read the head; every evaluation ran under the commit
    expect([...probe.keys].sort()).toEqual([`codertocat/hello-world#2`, `codertocat/hello-world@${HEAD}`]);
  });
});
