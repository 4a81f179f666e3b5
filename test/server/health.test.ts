import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { healthHandler, type QueueJob } from '../../src/server/app.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { KeyedQueue } from '../../src/queue/queue.js';
import type { HistoryHealth } from '../../src/store/index.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(queue: KeyedQueue<QueueJob>, history?: { health(): HistoryHealth }) {
  const metrics = createMetrics({ defaultMetrics: true });
  metrics.evaluations.inc({ conclusion: 'success' });
  server = createServer(async (req, res) => {
    if (!(await healthHandler(req, res, { metrics, queue, history }))) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
}

describe('health endpoints', () => {
  it('answers /healthz, /readyz and /metrics', async () => {
    const get = await serve(new KeyedQueue<QueueJob>({ concurrency: 1, maxPending: 10, run: async () => {} }));
    expect((await get('/healthz')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toContain('quality_gates_evaluations_total{conclusion="success"} 1');
    expect(metrics).toContain('process_cpu_user_seconds_total');
    expect((await get('/nope')).status).toBe(404);
  });

  it('reports not ready when the queue is saturated', async () => {
    const queue = new KeyedQueue<QueueJob>({ concurrency: 1, maxPending: 1, run: () => new Promise(() => {}) });
    queue.push('a', {} as QueueJob);
    queue.push('b', {} as QueueJob);
    const get = await serve(queue);
    const ready = await get('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'saturated' });
  });

  it('merges the history into /readyz: degraded is still 200, and saturation still wins', async () => {
    let health: HistoryHealth = { history: 'ok', historyBackend: 'server', historyBuffered: 0 };
    const get = await serve(new KeyedQueue<QueueJob>({ concurrency: 1, maxPending: 10, run: async () => {} }), {
      health: () => health,
    });
    const ok = await get('/readyz');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      status: 'ready',
      queueDepth: 0,
      active: 0,
      history: 'ok',
      historyBackend: 'server',
      historyBuffered: 0,
    });
    health = { history: 'degraded', historyBackend: 'server', historyBuffered: 120 };
    const degraded = await get('/readyz');
    expect(degraded.status).toBe(200);
    expect(await degraded.json()).toMatchObject({ status: 'degraded', history: 'degraded', historyBuffered: 120 });
    health = { history: 'off' };
    expect(await (await get('/readyz')).json()).toMatchObject({ status: 'ready', history: 'off' });
  });
});
