/**
 * The in-process adapter of the evaluation queue (no REDIS_URL), through the
 * interface the app uses: retries with backoff, wait/retry/failure metrics,
 * delayed pushes that do not hold `onIdle`, and its health.
 */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/ops/metrics.js';
import { memoryQueue, type JobContext } from '../../src/queue/queue.js';

const setup = (run: (job: string, key: string, context: JobContext) => Promise<void>) => {
  const metrics = createMetrics({ defaultMetrics: false });
  const errors: { attempt: number; retrying: boolean }[] = [];
  const queue = memoryQueue<string>({ backoffMs: 5 })({
    run,
    metrics,
    concurrency: 2,
    maxPending: 10,
    onError: (_e, _k, attempt, retrying) => errors.push({ attempt, retrying }),
  });
  queue.start();
  return { queue, metrics, errors };
};
const until = async (what: () => boolean) => {
  const deadline = Date.now() + 5_000;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('memoryQueue', () => {
  it('retries a crashed job with backoff until it succeeds, and counts the retries', async () => {
    let calls = 0;
    const { queue, metrics, errors } = setup(async () => {
      if (++calls < 3) throw new Error('token endpoint down');
    });
    expect(await queue.push('pr', 'v1')).toBe('queued');
    await until(() => calls === 3);
    await queue.onIdle();
    expect(errors).toEqual([
      { attempt: 0, retrying: true },
      { attempt: 1, retrying: true },
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('quality_gates_queue_retries_total{queue="memory"} 2');
    expect(text).not.toContain('quality_gates_queue_failures_total{queue="memory"}');
    expect(text).toContain('quality_gates_queue_wait_seconds_count{queue="memory"} 3');
  });

  it('gives a job up after every attempt crashed, and counts the failure', async () => {
    let calls = 0;
    const { queue, metrics, errors } = setup(async () => {
      calls++;
      throw new Error('always');
    });
    await queue.push('pr', 'v1');
    await until(() => errors.length === 4);
    expect(calls).toBe(4);
    expect(errors.at(-1)).toEqual({ attempt: 3, retrying: false });
    expect(await metrics.registry.metrics()).toContain('quality_gates_queue_failures_total{queue="memory"} 1');
  });

  it('a delayed push runs later and does not hold onIdle; health says memory', async () => {
    const ran: string[] = [];
    const { queue } = setup(async (job) => void ran.push(job));
    await queue.push('pr', 'later', { delayMs: 50 });
    await queue.onIdle();
    expect(ran).toEqual([]);
    await until(() => ran.length === 1);
    expect(queue.health()).toEqual({ queue: 'memory' });
    expect(await queue.close(100)).toBe(true);
    expect(await queue.push('pr', 'closed')).toBe('dropped');
  });
});
