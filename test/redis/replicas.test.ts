/**
 * Several replicas sharing one real Redis (BullMQ queue): every webhook is
 * delivered to both replicas, as a fan-out or a retrying load balancer would.
 * Every PR must end with exactly one completed, correct run per head commit; no
 * PR is ever evaluated on two replicas at once; a replica killed mid-burst loses
 * nothing; an event that arrives while its PR is being evaluated leads to one
 * more evaluation with the latest state.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeGitHub, type FakePull } from '../support/fake-github.js';
import { BASE, examplePayload, HEAD, pullRequestPayload, resetNock, retarget } from '../support/harness.js';
import { ConcurrencyProbe, REDIS_SERVER, RedisServer, startReplica, type Replica } from './support.js';

describe.skipIf(!REDIS_SERVER)('replicas sharing Redis', () => {
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
  beforeEach(async () => {
    fake = new FakeGitHub();
    fake.install({ delayMs: 15 });
    probe = new ConcurrencyProbe();
    // A fresh keyspace per test: the previous test's replicas are stopped.
    const { Redis } = await import('ioredis');
    const admin = new Redis(redis.url);
    await admin.flushall();
    admin.disconnect();
  });
  afterEach(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    replicas = [];
    resetNock();
  });

  const start = async (...names: string[]) => {
    const started = await Promise.all(names.map((name) => startReplica(name, fake, redis.url, { probe })));
    replicas.push(...started);
    return started;
  };
  const headOf = (i: number) => (0xa000 + i).toString(16).padStart(40, '0');
  const pulls = (n: number): FakePull[] =>
    Array.from({ length: n }, (_, i) =>
      fake.addPull({
        number: 100 + i,
        headRefOid: headOf(i),
        commits: [{ oid: headOf(i), message: 'Change' }],
        title: i % 2 ? 'No ticket here' : 'OPS-1 Update the README',
      }),
    );
  /** Delivers one event to every replica (same delivery id), concurrently. */
  const fanOut = (targets: Replica[], event: string, payload: Record<string, unknown>, id: string) =>
    Promise.all(targets.map((r) => r.deliver(event, payload, id)));
  const idle = (targets: Replica[]) => Promise.all(targets.map((r) => r.app.idle()));
  const expectOneCorrectRun = (pull: FakePull) => {
    const runs = fake.runsOn(pull.headRefOid);
    expect(runs, `PR #${pull.number}`).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      status: 'completed',
      conclusion: pull.title.startsWith('OPS-1') ? 'success' : 'failure',
    });
  };
  const snapshotReads = () => fake.count((r) => r.operation === 'QualityGatesSnapshot');

  it('a burst delivered to both replicas: one completed run per head, never one PR on two replicas at once', async () => {
    const [a, b] = await start('a', 'b');
    const prs = pulls(16);
    let delivery = 0;
    await Promise.all(
      prs.flatMap((pull) =>
        ['opened', 'labeled', 'edited', 'synchronize'].map((action) =>
          fanOut([a!, b!], 'pull_request', pullRequestPayload(fake, pull, action), `d-${++delivery}`),
        ),
      ),
    );
    await idle([a!, b!]);

    for (const pull of prs) expectOneCorrectRun(pull);
    expect(probe.maxPerKey).toBe(1);
    // 8 deliveries per PR (4 events × 2 replicas) coalesce into at most 2 evaluations each
    // (one running, one latest kept for after it), each within budget: 1 read, ≤ 1 write.
    expect(snapshotReads()).toBeLessThanOrEqual(prs.length * 2);
    expect(fake.count((r) => r.path.endsWith('/check-runs'))).toBe(prs.length);
    // Both replicas worked on the shared queue.
    expect(probe.started.get('a') ?? 0).toBeGreaterThan(0);
    expect(probe.started.get('b') ?? 0).toBeGreaterThan(0);
    const admissions = await a!.app.metrics.registry.getSingleMetricAsString('quality_gates_queue_events_total');
    expect(admissions).toContain('result="coalesced"');
    expect(admissions).not.toContain('result="fallback"');
  });

  it('an event that arrives while its PR is evaluated on another replica leads to one more evaluation, with the latest state', async () => {
    const [a, b] = await start('a', 'b');
    const [pull] = pulls(1);
    let reads = 0;
    fake.fail = (r) => {
      if (r.operation !== 'QualityGatesSnapshot') return undefined;
      // While the first evaluation is reading, the PR changes and its event reaches the other replica.
      if (++reads === 1) pull!.title = 'No ticket any more';
      return undefined;
    };
    await a!.deliver('pull_request', pullRequestPayload(fake, pull!, 'opened'), 'd-1');
    await waitFor(() => reads === 1);
    await b!.deliver('pull_request', pullRequestPayload(fake, pull!, 'edited'), 'd-2');
    await idle([a!, b!]);

    const runs = fake.runsOn(pull!.headRefOid);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.conclusion).toBe('failure'); // the latest state, not the first one
    expect(snapshotReads()).toBe(2);
    expect(probe.maxPerKey).toBe(1);
  });

  it('GitHub not yet showing a run another replica just wrote never leads to a second run', async () => {
    const [a, b] = await start('a', 'b');
    const [pull] = pulls(1);
    fake.standIn.showsRun = () => false; // read-after-write lag: reads never show the app's runs
    await b!.stop(); // the first evaluation runs on a
    const [c] = await start('c');
    await a!.deliver('pull_request', pullRequestPayload(fake, pull!, 'opened'), 'lag-1');
    await idle([a!]);
    expect(probe.started.get('a')).toBe(1);
    await a!.stop(); // the next ones on c, which never saw the run being written
    await c!.deliver('pull_request', pullRequestPayload(fake, pull!, 'edited'), 'lag-2');
    await idle([c!]);
    pull!.title = 'No ticket any more';
    await c!.deliver('pull_request', pullRequestPayload(fake, pull!, 'edited'), 'lag-3');
    await idle([c!]);
    expect(probe.started.get('c')).toBe(2);

    const runs = fake.runsOn(pull!.headRefOid);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.conclusion).toBe('failure');
    expect(fake.requests.filter((r) => r.path.endsWith('/check-runs')).map((r) => r.method)).toEqual(['POST']);
    expect(fake.count((r) => r.method === 'PATCH')).toBe(1);
  });

  it('a replica that loses its lock writes nothing more, and the job is evaluated again', async () => {
    const [a] = await start('a');
    nock.cleanAll();
    fake.install({ delayMs: 600 }); // the lock goes while the evaluation is still reading
    const [pull] = pulls(1);
    await a!.deliver('pull_request', pullRequestPayload(fake, pull!, 'opened'), 'lock-1');
    await waitFor(() => a!.app.queue.active > 0);
    const { Redis } = await import('ioredis');
    const admin = new Redis(redis.url);
    const locks = await admin.keys('quality-gates:evaluations:*:lock');
    expect(locks).toHaveLength(1);
    await admin.del(locks[0]!); // as if it had expired: any replica may now take the job over
    admin.disconnect();
    await a!.app.idle();

    expect(
      a!
        .logs()
        .some(
          (l) =>
            l.msg === 'evaluation lock lost; this replica writes nothing more for the job, another one takes it over',
        ),
    ).toBe(true);
    // The fenced evaluation read and wrote nothing; the job was taken over and evaluated again.
    expect(fake.count((r) => r.operation === 'QualityGatesSnapshot')).toBe(2);
    expect(fake.requests.filter((r) => r.path.endsWith('/check-runs')).map((r) => r.method)).toEqual(['POST']);
    expectOneCorrectRun(pull!);
  });

  it('twin pull requests (one head commit) and a comment, to both replicas: one run, the most restrictive; the commit never on two replicas at once', async () => {
    const [a, b] = await start('a', 'b');
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
    const events: [string, Record<string, unknown>][] = [
      ['pull_request', pullRequestPayload(fake, weak)],
      ['pull_request', pullRequestPayload(fake, strict)],
      ['issue_comment', comment],
      ['pull_request', pullRequestPayload(fake, weak, 'edited')],
    ];
    await Promise.all(events.map(([event, payload], i) => fanOut([a!, b!], event, payload, `t-${i}`)));
    await idle([a!, b!]);

    const runs = fake.runsOn(HEAD);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      output: { title: 'Blocked: batch-size' },
    });
    expect(probe.maxPerKey).toBe(1);
    // the comment was keyed by its pull request only to read the head; every evaluation ran under the commit
    expect([...probe.keys].sort()).toEqual([`codertocat/hello-world#2`, `codertocat/hello-world@${HEAD}`]);
  });

  it('a replica killed mid-burst: the other completes every PR', async () => {
    const [a, b] = await start('a', 'b');
    nock.cleanAll();
    fake.install({ delayMs: 150 }); // slow GitHub: the kill finds evaluations in flight
    const prs = pulls(16);
    const [early, late] = [prs.slice(0, 8), prs.slice(8)];
    await Promise.all(
      early.map((pull, i) => fanOut([a!, b!], 'pull_request', pullRequestPayload(fake, pull, 'opened'), `k-${i}`)),
    );
    await waitFor(() => a!.app.queue.active > 0);
    const inFlight = a!.app.queue.active;
    await a!.kill();
    // The rest of the burst reaches only the survivor (deliveries to the dead one fail).
    await Promise.all(
      late.map((pull, i) => b!.deliver('pull_request', pullRequestPayload(fake, pull, 'opened'), `k-late-${i}`)),
    );

    await b!.app.idle();
    for (const pull of prs) expectOneCorrectRun(pull);
    expect(probe.maxPerKey).toBe(1);
    expect(inFlight).toBeGreaterThan(0);
    expect(await b!.app.metrics.registry.getSingleMetricAsString('quality_gates_queue_stalled_total')).toMatch(
      /quality_gates_queue_stalled_total [1-9]/,
    );
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
