import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '../src/queue.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('KeyedQueue', () => {
  it('coalesces a burst for one key into the latest job, never running a key twice at once', async () => {
    const runs: string[] = [];
    let active = 0;
    let maxActive = 0;
    const gate = deferred();
    const q = new KeyedQueue<string>({
      concurrency: 4,
      maxPending: 100,
      run: async (job) => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs.push(job);
        if (job === 'v1') await gate.promise;
        active--;
      },
    });
    expect(q.push('pr', 'v1')).toBe('queued');
    expect(q.push('pr', 'v2')).toBe('coalesced');
    expect(q.push('pr', 'v3')).toBe('coalesced');
    expect(q.push('pr', 'v4')).toBe('coalesced');
    gate.resolve();
    await q.onIdle();
    expect(runs).toEqual(['v1', 'v4']);
    expect(maxActive).toBe(1);
  });

  it('bounds concurrency across keys', async () => {
    let active = 0;
    let maxActive = 0;
    const q = new KeyedQueue<number>({
      concurrency: 3,
      maxPending: 100,
      run: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
      },
    });
    for (let i = 0; i < 20; i++) q.push(`k${i}`, i);
    await q.onIdle();
    expect(maxActive).toBe(3);
  });

  it('drops new keys when saturated, and reports it', async () => {
    const gate = deferred();
    const q = new KeyedQueue<number>({ concurrency: 1, maxPending: 2, run: () => gate.promise });
    expect(q.push('a', 1)).toBe('queued');
    expect(q.push('b', 1)).toBe('queued');
    expect(q.push('c', 1)).toBe('queued');
    expect(q.saturated).toBe(true);
    expect(q.push('d', 1)).toBe('dropped');
    expect(q.push('b', 2)).toBe('coalesced');
    gate.resolve();
    await q.onIdle();
  });

  it('survives a job that throws, and reports it', async () => {
    const errors: unknown[] = [];
    const q = new KeyedQueue<number>({ concurrency: 1, maxPending: 10, run: async () => Promise.reject(new Error('boom')), onError: (e) => errors.push(e) });
    q.push('a', 1);
    q.push('b', 1);
    await q.onIdle();
    expect(errors).toHaveLength(2);
  });

  it('close() stops taking jobs and waits for running ones, bounded', async () => {
    const gate = deferred();
    const q = new KeyedQueue<number>({ concurrency: 1, maxPending: 10, run: () => gate.promise });
    q.push('a', 1);
    const closing = q.close(1000);
    expect(q.push('b', 1)).toBe('dropped');
    gate.resolve();
    expect(await closing).toBe(true);
    const stuck = new KeyedQueue<number>({ concurrency: 1, maxPending: 10, run: () => new Promise(() => {}) });
    stuck.push('a', 1);
    expect(await stuck.close(20)).toBe(false);
  });
});
