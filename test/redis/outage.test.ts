/**
 * Redis down and back, through the real entry point (`startApp`, REDIS_URL, the
 * HTTP server): webhooks are still answered at once and evaluated in-process on
 * the receiving replica, `/readyz` stays 200 and says `redis: down`, the metrics
 * show it; when Redis is back (restarted empty) the app reconnects and the shared
 * queue evaluates new events again.
 */
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions } from '../../src/ops/logger.js';
import { startApp, type RunningApp } from '../../src/server/main.js';
import { FakeGitHub, type FakePull } from '../support/fake-github.js';
import { pullRequestPayload, resetNock, testPrivateKey } from '../support/harness.js';
import { freePort, REDIS_SERVER, RedisServer, TEST_QUEUE } from './support.js';

describe.skipIf(!REDIS_SERVER)('Redis down and back', () => {
  let redis: RedisServer;
  let running: RunningApp;
  let base: string;
  const lines: string[] = [];
  const fake = new FakeGitHub();

  beforeAll(async () => {
    redis = await RedisServer.start();
    fake.install();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    running = await startApp({
      env: {
        APP_ID: String(fake.appId),
        PRIVATE_KEY: testPrivateKey(),
        WEBHOOK_SECRET: 'shh',
        PORT: String(port),
        HOST: '127.0.0.1',
        HISTORY: 'off',
        REDIS_URL: redis.url,
        REDELIVERY_INTERVAL_MS: '0',
      },
      log: pino(
        loggerOptions('info'),
        new Writable({
          write: (c, _e, d) => {
            lines.push(String(c));
            d();
          },
        }),
      ),
      client: { sleep: async () => {}, writeSpacingMs: 0 },
      redisQueue: TEST_QUEUE,
    });
  });
  afterAll(async () => {
    await running?.shutdown('test');
    await redis?.kill();
    resetNock();
  });

  const head = (n: number) => n.toString(16).padStart(40, 'b');
  const pull = (n: number): FakePull =>
    fake.addPull({ number: n, headRefOid: head(n), commits: [{ oid: head(n), message: 'Change' }] });
  const post = async (p: FakePull, id: string) => {
    const body = JSON.stringify(pullRequestPayload(fake, p));
    const started = Date.now();
    const res = await fetch(`${base}/api/github/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': id,
        'x-hub-signature-256': `sha256=${createHmac('sha256', 'shh').update(body).digest('hex')}`,
      },
      body,
    });
    return { status: res.status, ms: Date.now() - started };
  };
  const readyz = async () => {
    const res = await fetch(`${base}/readyz`);
    return { code: res.status, ...((await res.json()) as Record<string, unknown>) } as Record<string, unknown>;
  };
  const metric = async (line: string) =>
    (await (await fetch(`${base}/metrics`)).text()).split('\n').find((l) => l.startsWith(line));
  const until = async (what: () => Promise<boolean> | boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await what())) {
      if (Date.now() > deadline) throw new Error('not reached in time');
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  it('evaluates through Redis, in-process while Redis is down, and through Redis again once it is back', async () => {
    // Up: the shared queue.
    expect(await readyz()).toMatchObject({ code: 200, status: 'ready', queue: 'redis', redis: 'up' });
    const first = pull(1);
    expect((await post(first, 'up-1')).status).toBe(200);
    await until(() => fake.runsOn(first.headRefOid).length === 1);
    expect(await metric('quality_gates_queue_events_total{result="queued"}')).toMatch(/ 1$/);
    expect(await metric('quality_gates_redis_up')).toBe('quality_gates_redis_up 1');

    // Down: still answered at once, evaluated in-process, reported.
    await redis.kill();
    await until(async () => (await readyz()).redis === 'down');
    expect(await readyz()).toMatchObject({ code: 200, status: 'degraded', queue: 'redis', redis: 'down' });
    const second = pull(2);
    const answered = await post(second, 'down-1');
    expect(answered.status).toBe(200);
    expect(answered.ms).toBeLessThan(500);
    await until(() => fake.runsOn(second.headRefOid).length === 1);
    expect(fake.runsOn(second.headRefOid)[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(await metric('quality_gates_queue_events_total{result="fallback"}')).toMatch(/ 1$/);
    expect(await metric('quality_gates_redis_up')).toBe('quality_gates_redis_up 0');
    expect(await metric('quality_gates_queue_wait_seconds_count{queue="local"}')).toMatch(/ 1$/);
    expect(lines.join('')).toContain('redis connection lost');

    // Back (empty, on the same port): reconnected, the shared queue takes new events again.
    await redis.restart();
    await until(async () => (await readyz()).redis === 'up');
    const third = pull(3);
    expect((await post(third, 'back-1')).status).toBe(200);
    await until(() => fake.runsOn(third.headRefOid).length === 1);
    expect(await metric('quality_gates_queue_events_total{result="queued"}')).toMatch(/ 2$/);
    expect(await metric('quality_gates_queue_wait_seconds_count{queue="redis"}')).toMatch(/ 2$/);
    expect(await readyz()).toMatchObject({ code: 200, status: 'ready', redis: 'up' });
    for (const p of [first, second, third]) expect(fake.runsOn(p.headRefOid)).toHaveLength(1);
  });
});
