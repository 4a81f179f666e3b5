/**
 * Faults with injected failures: GitHub answering 5xx, timing out, dropping the
 * connection, GraphQL partial errors, secondary and primary rate limits. Reads are
 * retried within a bounded time; afterwards the run concludes per `on_error` —
 * never left in progress, never a crash.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createOctokitClass } from '../src/load/client.js';
import { FakeGitHub } from './support/fake-github.js';
import { pullRequestPayload, resetNock, startHarness } from './support/harness.js';

afterEach(() => resetNock());

async function setup(client = {}) {
  const fake = new FakeGitHub();
  fake.install();
  const h = await startHarness(fake, { client });
  const pull = fake.addPull({ number: 2 });
  return { fake, h, pull, run: () => fake.runsOn(pull.headRefOid) };
}

const graphqlErrors = (type: string, message = 'boom') => ({
  status: 200,
  body: { data: null, errors: [{ type, message }] },
});

describe('transient faults are retried', () => {
  it.each([
    ['HTTP 500', 500],
    ['HTTP 502', 502],
    ['HTTP 503', 503],
    ['a dropped connection', 'drop' as const],
    ['RESOURCE_LIMITS_EXCEEDED', graphqlErrors('RESOURCE_LIMITS_EXCEEDED')],
    [
      '"Something went wrong"',
      { status: 200, body: { data: null, errors: [{ message: 'Something went wrong while executing your query.' }] } },
    ],
  ])('%s on the first two reads', async (_name, fault) => {
    const { fake, h, pull, run } = await setup();
    let left = 2;
    fake.fail = (r) => (r.path === '/graphql' && left-- > 0 ? fault : undefined);
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(run()).toHaveLength(1);
    expect(run()[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(fake.count((r) => r.operation === 'QualityGatesSnapshot')).toBe(3);
  });

  it('every request has a timeout, and a timed-out request is retried', async () => {
    const Octokit = createOctokitClass({ requestTimeoutMs: 50, retries: 2, sleep: async () => {} });
    let calls = 0;
    const hanging = (_url: string, init: { signal?: AbortSignal }) =>
      new Promise<Response>((_resolve, reject) => {
        calls++;
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason ?? new Error('aborted')));
      });
    const octokit = new Octokit({ auth: { token: 'test' }, request: { fetch: hanging } } as never);
    const started = Date.now();
    await expect(octokit.request('GET /repos/{owner}/{repo}', { owner: 'a', repo: 'b' })).rejects.toThrow();
    expect(calls).toBe(3);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('honours retry-after on a secondary rate limit', async () => {
    const slept: number[] = [];
    const { fake, h, pull, run } = await setup({ sleep: async (ms: number) => void slept.push(ms) });
    let left = 1;
    fake.fail = (r) =>
      r.path === '/graphql' && left-- > 0
        ? {
            status: 403,
            body: { message: 'You have exceeded a secondary rate limit.' },
            headers: { 'retry-after': '7' },
          }
        : undefined;
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(slept).toContain(7000);
    expect(run()[0]!.conclusion).toBe('success');
  });

  it('gives up after bounded retries with a completed "Evaluation error" run', async () => {
    const { fake, h, pull, run } = await setup();
    fake.fail = (r) => (r.path === '/graphql' ? graphqlErrors('RESOURCE_LIMITS_EXCEEDED') : undefined);
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(run()).toHaveLength(1);
    expect(run()[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(run()[0]!.output.title).toBe('Evaluation error');
    expect(run()[0]!.output.summary).toContain('GraphQL RESOURCE_LIMITS_EXCEEDED');
    expect(fake.count((r) => r.operation === 'QualityGatesSnapshot')).toBeLessThanOrEqual(1 + 5);
  });

  it('a failing check-run write is retried and never leaves a second run', async () => {
    const { fake, h, pull, run } = await setup();
    let left = 2;
    fake.fail = (r) => (r.method === 'POST' && r.path.endsWith('/check-runs') && left-- > 0 ? 502 : undefined);
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(run()).toHaveLength(1);
    expect(fake.count((r) => r.path.endsWith('/check-runs'))).toBe(3);
  });
});

describe('primary rate limit', () => {
  it('defers evaluations while the limit is nearly exhausted, then evaluates after the reset', async () => {
    const { fake, h, pull, run } = await setup();
    const reset = Math.ceil(Date.now() / 1000) + 1;
    fake.fail = (r) =>
      r.path === '/graphql'
        ? {
            headers: {
              'x-ratelimit-remaining': '3',
              'x-ratelimit-reset': String(reset),
              'x-ratelimit-resource': 'graphql',
            },
          }
        : undefined;
    await h.receive('pull_request', pullRequestPayload(fake, pull)); // this one reads, learns the limit
    expect(run()).toHaveLength(1);
    pull.title = 'OPS-2 changed';
    const before = fake.graphqlCount;
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'edited'));
    expect(fake.graphqlCount).toBe(before); // not read: deferred
    expect(h.logs.some((l) => l.msg === 'GitHub rate limit nearly exhausted; evaluation deferred to the reset')).toBe(
      true,
    );
    expect(await h.app.metrics.registry.metrics()).toContain('quality_gates_queue_events_total{result="deferred"} 1');
    fake.fail = undefined;
    await new Promise((r) => setTimeout(r, Math.max(0, reset * 1000 - Date.now()) + 200));
    await h.app.idle();
    expect(fake.graphqlCount).toBe(before + 1);
    expect(run()).toHaveLength(1);
  });
});

describe('random faults', () => {
  it('20% of all requests failing: every PR ends with exactly one completed run', async () => {
    const fake = new FakeGitHub();
    fake.install();
    const h = await startHarness(fake, { client: { retries: 5 } });
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pulls = Array.from({ length: 30 }, (_, i) =>
      fake.addPull({ number: 100 + i, headRefOid: (1000 + i).toString(16).padStart(40, '0') }),
    );
    fake.fail = (r) =>
      !r.path.includes('access_tokens') && random() < 0.2
        ? ([500, 502, 503, 'drop'] as const)[Math.floor(random() * 4)]
        : undefined;
    await Promise.all(pulls.map((p) => h.deliver('pull_request', pullRequestPayload(fake, p))));
    await h.app.idle();
    for (const p of pulls) {
      const runs = fake.runsOn(p.headRefOid);
      expect(runs).toHaveLength(1);
      expect(runs[0]!.status).toBe('completed');
    }
  });
});
