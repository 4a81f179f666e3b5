/**
 * Missed-webhook recovery across replicas, on a real Redis: the lock that lets one replica at
 * a time run it (taken, renewed while the run lasts, released, expiring after a dead holder,
 * given up when lost), and two real processes (`startApp` with REDIS_URL) that start together
 * after an outage and between them ask GitHub once for each failed delivery.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/server/main.js';
import type { RecoveryLease } from '../../src/ops/redeliver.js';
import { RedisLock } from '../../src/queue/redis-lock.js';
import { FakeGitHub } from '../support/fake-github.js';
import { resetNock } from '../support/harness.js';
import { failedPulls, startRecoveringApp, until, webhookUrl, type StartedApp } from '../support/recovery.js';
import type { HookDeliveries } from '../stand-in/github-model.js';
import { REDIS_SERVER, RedisServer, TEST_QUEUE } from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!REDIS_SERVER)('recovery across replicas', () => {
  let redis: RedisServer;
  const clients: Redis[] = [];
  const connect = async () => {
    const client = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    client.on('error', () => {});
    await client.connect();
    clients.push(client);
    return client;
  };
  let running: RunningApp[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterEach(async () => {
    await Promise.all(running.map((r) => r.shutdown('test')));
    running = [];
    resetNock();
    for (const c of clients.splice(0)) c.disconnect();
    const admin = new Redis(redis.url);
    await admin.flushall();
    admin.disconnect();
  });
  afterAll(async () => {
    await redis?.kill();
  });

  describe('RedisLock', () => {
    it('has one holder at a time, and the next after a release', async () => {
      const [a, b] = [
        new RedisLock(await connect(), { key: 'k', ttlMs: 1_000 }),
        new RedisLock(await connect(), { key: 'k', ttlMs: 1_000 }),
      ];
      const lease = (await a.acquire()) as RecoveryLease;
      expect(lease.signal).toBeInstanceOf(AbortSignal);
      expect(await b.acquire()).toBe('held');
      expect(await a.acquire()).toBe('held');
      await lease.release();
      const next = await b.acquire();
      expect(next).not.toBe('held');
      await (next as RecoveryLease).release();
    });

    it('renews the lock while the holder works, for longer than its ttl', async () => {
      const client = await connect();
      const [a, b] = [
        new RedisLock(client, { key: 'k', ttlMs: 300 }),
        new RedisLock(await connect(), { key: 'k', ttlMs: 300 }),
      ];
      const lease = (await a.acquire()) as RecoveryLease;
      for (let i = 0; i < 10; i++) {
        await sleep(100);
        expect(await b.acquire()).toBe('held');
      }
      expect(lease.signal.aborted).toBe(false);
      await lease.release();
      expect(await client.exists('k')).toBe(0);
    });

    it('expires after a holder that died, and the dead holder stops at once', async () => {
      const dying = await connect();
      const lease = (await new RedisLock(dying, { key: 'k', ttlMs: 400 }).acquire()) as RecoveryLease;
      dying.disconnect(); // as a crash or a partition: no renewal reaches Redis
      const other = new RedisLock(await connect(), { key: 'k', ttlMs: 400 });
      expect(await other.acquire()).toBe('held');
      await until(() => lease.signal.aborted, 2_000);
      let taken: RecoveryLease | 'held' | 'unavailable' = 'held';
      const started = Date.now();
      await until(async () => (taken = await other.acquire()) !== 'held', 2_000);
      expect(Date.now() - started).toBeLessThan(1_000);
      await (taken as unknown as RecoveryLease).release();
    });

    it('aborts the lease when its key was taken over, and a release then leaves the new holder alone', async () => {
      const client = await connect();
      const lease = (await new RedisLock(client, { key: 'k', ttlMs: 300 }).acquire()) as RecoveryLease;
      await client.set('k', 'someone-else');
      await until(() => lease.signal.aborted, 2_000);
      await lease.release();
      expect(await client.get('k')).toBe('someone-else');
    });

    it('is unavailable while Redis cannot be reached', async () => {
      const client = await connect();
      client.disconnect();
      expect(await new RedisLock(client, { key: 'k' }).acquire()).toBe('unavailable');
    });
  });

  describe('two processes', () => {
    /** Two replicas of the app on one Redis; redeliveries go to the first. */
    async function replicas(
      env: Record<string, string>,
      deliveries: HookDeliveries,
      fake: FakeGitHub,
    ): Promise<StartedApp[]> {
      fake.install();
      const started: StartedApp[] = [];
      for (let i = 0; i < 2; i++) {
        const app = await startRecoveringApp(
          fake,
          { REDIS_URL: redis.url, ...env },
          { recovery: { startupDelayMs: 100, lockTtlMs: 600 }, redisQueue: TEST_QUEUE },
        );
        started.push(app);
        running.push(app.running);
      }
      deliveries.target = webhookUrl(started[0]!.port);
      return started;
    }
    const sum = async (apps: StartedApp[], name: string, result: string) =>
      (await Promise.all(apps.map((a) => a.metric(name, result)))).reduce((s, v) => s! + (v ?? 0), 0);

    it('start together after an outage: one runs, the other skips, and each failed delivery is asked for once', async () => {
      const fake = new FakeGitHub();
      const deliveries = fake.deliveries;
      const pulls = failedPulls(fake, deliveries, 6);
      // Intervals shorter than a run (six requests 250 ms apart, shared by both replicas).
      const apps = await replicas({ REDELIVERY_INTERVAL_MS: '400' }, deliveries, fake);
      await until(() => pulls.every((p) => fake.runsOn(p.headRefOid).length > 0), 20_000);
      await sleep(1_000);
      await deliveries.settled();
      expect([...deliveries.askedPerGuid().values()]).toEqual([1, 1, 1, 1, 1, 1]);
      expect(await sum(apps, 'quality_gates_webhook_redeliveries_total', 'requested')).toBe(6);
      expect(
        await sum(apps, 'quality_gates_webhook_recovery_runs_total', 'skipped_other_replica'),
      ).toBeGreaterThanOrEqual(1);
      const starts = apps.flatMap((a) => a.logs().filter((l) => l.msg === 'webhook delivery recovery started'));
      expect(starts.length).toBeGreaterThanOrEqual(1);
    }, 40_000);

    it('remember what either asked for: a run right after another asks nothing while GitHub has not made the attempts yet', async () => {
      const fake = new FakeGitHub();
      const deliveries = fake.deliveries;
      failedPulls(fake, deliveries, 3);
      deliveries.redeliveryDelayMs = 60_000; // GitHub has accepted, and not attempted yet
      const [a, b] = await replicas({ REDELIVERY_INTERVAL_MS: '0' }, deliveries, fake);
      expect(await a!.running.recover()).toMatchObject({ result: 'completed', report: { redelivered: 3 } });
      expect(await b!.running.recover()).toMatchObject({
        result: 'completed',
        report: { failed: 3, recent: 3, redelivered: 0 },
      });
      expect(deliveries.asked).toHaveLength(3);
    }, 40_000);

    it('skip, and count it, while Redis is unreachable: no replica can tell who runs it', async () => {
      const fake = new FakeGitHub();
      const deliveries = fake.deliveries;
      failedPulls(fake, deliveries, 1);
      const [a] = await replicas({ REDELIVERY_INTERVAL_MS: '0' }, deliveries, fake);
      await redis.kill();
      await until(() => a!.running.app.queue.health().redis === 'down', 5_000);
      expect(await a!.running.recover()).toEqual({ result: 'skipped_redis_down' });
      expect(deliveries.listed).toBe(0);
      expect(await a!.metric('quality_gates_webhook_recovery_runs_total', 'skipped_redis_down')).toBe(1);
      await redis.restart();
      await until(async () => (await a!.running.recover()).result === 'completed', 10_000);
      expect(deliveries.asked).toHaveLength(1);
    }, 40_000);
  });
});
