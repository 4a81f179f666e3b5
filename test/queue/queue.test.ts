import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '../../src/queue/queue.js';

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
    const q = new KeyedQueue<number>({
      concurrency: 1,
      maxPending: 10,
      run: async () => Promise.reject(new Error('boom')),
      onError: (e) => errors.push(e),
    });
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

describe('KeyedQueue fairness and settling', () => {
  const started = () => {
    const order: string[] = [];
    const gates = new Map<string, ReturnType<typeof deferred>>();
    const run = async (job: string) => {
      order.push(job);
      const gate = deferred();
      gates.set(job, gate);
      await gate.promise;
    };
    return { order, gates, run };
  };
  const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

  it('starts the least busy installation first: one installation cannot hold every slot', async () => {
    const { order, gates, run } = started();
    const q = new KeyedQueue<string>({ concurrency: 3, maxPending: 100, groupOf: (job) => job[0]!, settleMs: 1, run });
    // Grouped, as when one bot opens five pull requests before anybody else: a1…a5, then b1, c1.
    for (const job of ['a1', 'a2', 'a3', 'a4', 'a5', 'b1', 'c1']) q.push(job, job);
    expect(order).toEqual([]);
    await tick(20);
    expect(order).toEqual(['a1', 'b1', 'c1']);
    gates.get('b1')!.resolve();
    await tick();
    // b and c are idle or busy with one each, a with one: the oldest of the least busy goes next.
    expect(order).toEqual(['a1', 'b1', 'c1', 'a2']);
    for (const job of ['a1', 'c1', 'a2']) gates.get(job)!.resolve();
    await tick();
    gates.get('a3')?.resolve();
    await tick();
    for (const job of ['a4', 'a5']) gates.get(job)?.resolve();
    await q.onIdle();
    expect(order).toEqual(['a1', 'b1', 'c1', 'a2', 'a3', 'a4', 'a5']);
  });

  it('without a group, starts the oldest waiting job first', async () => {
    const { order, gates, run } = started();
    const q = new KeyedQueue<string>({ concurrency: 2, maxPending: 100, settleMs: 1, run });
    for (const job of ['a1', 'a2', 'a3', 'b1']) q.push(job, job);
    await tick(20);
    expect(order).toEqual(['a1', 'a2']);
    for (const g of gates.values()) g.resolve();
    await tick();
    for (const g of gates.values()) g.resolve();
    await q.onIdle();
    expect(order).toEqual(['a1', 'a2', 'a3', 'b1']);
  });

  it('starts nothing while pushes keep coming, then everything at once; a burst coalesces before it runs', async () => {
    const ran: string[] = [];
    const q = new KeyedQueue<string>({
      concurrency: 8,
      maxPending: 100,
      settleMs: 15,
      maxSettleMs: 1_000,
      run: async (job) => void ran.push(job),
    });
    for (let i = 0; i < 5; i++) {
      q.push('pr', `v${i}`);
      q.push(`other-${i}`, `o${i}`);
      await tick(3);
    }
    expect(ran).toEqual([]);
    expect(q.depth).toBe(6);
    await q.onIdle();
    // The PR's five events became one evaluation of its latest state.
    expect(ran.filter((j) => j.startsWith('v'))).toEqual(['v4']);
    expect(ran).toHaveLength(6);
  });

  it('never waits longer than maxSettleMs for a stream of pushes to pause', async () => {
    let ran = 0;
    const q = new KeyedQueue<number>({
      concurrency: 4,
      maxPending: 1_000,
      settleMs: 50,
      maxSettleMs: 20,
      run: async () => void ran++,
    });
    // A push every millisecond or so for 250 ms: never a 50 ms pause, so only maxSettleMs starts jobs.
    const began = performance.now();
    for (let i = 0; performance.now() - began < 250; i++) {
      q.push(`k${i}`, i);
      await tick(1);
    }
    expect(ran).toBeGreaterThan(0);
    await q.onIdle();
  });

  it('close() starts settling jobs at once and drains them', async () => {
    const ran: string[] = [];
    const q = new KeyedQueue<string>({
      concurrency: 1,
      maxPending: 10,
      settleMs: 10_000,
      maxSettleMs: 10_000,
      run: async (job) => void ran.push(job),
    });
    q.push('a', 'a');
    expect(await q.close(1_000)).toBe(true);
    expect(ran).toEqual(['a']);
  });
});
