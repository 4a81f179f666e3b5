import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { healthHandler, type QueueJob } from '../../src/server/app.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { KeyedQueue } from '../../src/queue/queue.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(queue: KeyedQueue<QueueJob>) {
  const metrics = createMetrics({ defaultMetrics: true });
  metrics.evaluations.inc({ conclusion: 'success' });
  server = createServer(async (req, res) => {
    if (!(await healthHandler(req, res, { metrics, queue }))) res.writeHead(404).end();
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
});
