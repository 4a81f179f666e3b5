/**
 * The per-PR cooldown of comment commands: one command a window a PR, bounded memory, and
 * with Redis one window shared by every replica (each replica's own while Redis is down).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCooldown, RedisCooldown } from '../../src/server/cooldown.js';
import { REDIS_SERVER, RedisServer } from '../redis/support.js';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('MemoryCooldown', () => {
  it('lets a key go once a window, and each key has its own', async () => {
    const time = clock();
    const cooldown = new MemoryCooldown(30_000, { now: time.now });
    expect(await cooldown.take('a#1')).toBe(true);
    expect(await cooldown.take('a#1')).toBe(false);
    expect(await cooldown.take('a#2')).toBe(true);
    time.advance(29_999);
    expect(await cooldown.take('a#1')).toBe(false);
    time.advance(1);
    expect(await cooldown.take('a#1')).toBe(true);
  });

  it('is off with a window of 0', async () => {
    const cooldown = new MemoryCooldown(0);
    expect(await cooldown.take('a#1')).toBe(true);
    expect(await cooldown.take('a#1')).toBe(true);
    expect(cooldown.size).toBe(0);
  });

  it('remembers at most maxKeys pull requests, forgetting the oldest first, and drops expired ones', async () => {
    const time = clock();
    const cooldown = new MemoryCooldown(30_000, { now: time.now, maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) await cooldown.take(`pr#${i}`);
    expect(cooldown.size).toBe(100);
    expect(await cooldown.take('pr#9999')).toBe(false);
    expect(await cooldown.take('pr#0')).toBe(true);
    time.advance(30_000);
    await cooldown.take('later#1');
    expect(cooldown.size).toBe(1);
  });
});

describe.skipIf(!REDIS_SERVER)('RedisCooldown', () => {
  let redis: RedisServer;
  const clients: Redis[] = [];
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await redis?.kill();
  });
  const client = async () => {
    const c = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    c.on('error', () => {});
    clients.push(c);
    await new Promise((r) => c.once('ready', r));
    return c;
  };

  it('shares one window between replicas', async () => {
    const a = new RedisCooldown(await client(), 1_000, { prefix: 'test:shared:' });
    const b = new RedisCooldown(await client(), 1_000, { prefix: 'test:shared:' });
    expect(await a.take('o/r#1')).toBe(true);
    expect(await b.take('o/r#1')).toBe(false);
    expect(await b.take('o/r#2')).toBe(true);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await b.take('o/r#1')).toBe(true);
  });

  it('keeps a window per replica while Redis is unreachable, and never throws', async () => {
    const c = await client();
    c.disconnect();
    const cooldown = new RedisCooldown(c, 30_000);
    expect(await cooldown.take('o/r#3')).toBe(true);
    expect(await cooldown.take('o/r#3')).toBe(false);
  });
});
