/**
 * Write spacing shared through Redis: replicas reserve the write slots of one
 * installation from one sequence, so their writes together stay `gap` apart;
 * other installations are not held; with Redis unreachable each replica spaces
 * its own writes.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOctokitClass } from '../../src/load/client.js';
import { RedisSpacer, type WriteSpacer } from '../../src/queue/redis-spacer.js';
import { RedisLink } from '../../src/queue/redis-link.js';
import { REDIS_SERVER, RedisServer } from './support.js';

describe.skipIf(!REDIS_SERVER)('write spacing shared through Redis', () => {
  let redis: RedisServer;
  const links: RedisLink[] = [];
  const link = async () => {
    const l = new RedisLink(redis.url, { maxReconnectDelayMs: 100 });
    links.push(l);
    await l.ready(5_000);
    return l;
  };
  const noFallback: WriteSpacer = { wait: async () => expect.unreachable('fallback used while Redis is up') };

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await Promise.all(links.map((l) => l.close()));
    await redis?.kill();
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('two replicas reserve one sequence of slots per installation, by the Redis clock', async () => {
    const [one, two] = [await link(), await link()];
    const spacers = [
      new RedisSpacer(one.client, 100, async () => {}, noFallback),
      new RedisSpacer(two.client, 100, async () => {}, noFallback),
    ];
    const started = Date.now();
    const waits = await Promise.all(Array.from({ length: 10 }, (_, i) => spacers[i % 2]!.reserve('installation-1')));
    const spread = Date.now() - started;
    const sorted = [...waits].sort((a, b) => a - b);
    sorted.forEach((wait, i) => {
      expect(wait).toBeLessThanOrEqual(i * 100);
      expect(wait).toBeGreaterThanOrEqual(i * 100 - spread - 1);
    });
    // Another installation is not held behind the first one's writes.
    expect(await spacers[1]!.reserve('installation-2')).toBe(0);
  });

  it('through the Octokit class: writes of one installation from two replicas are spaced, together', async () => {
    const [one, two] = [await link(), await link()];
    const times: number[] = [];
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    nock('https://api.github.com')
      .persist()
      .post('/repos/o/r/check-runs')
      .reply(201, () => {
        times.push(Date.now());
        return { id: 1 };
      });
    const replicas = [
      createOctokitClass({ redis: one.client, writeSpacingMs: 150 }),
      createOctokitClass({ redis: two.client, writeSpacingMs: 150 }),
    ];
    const octokits = replicas.map((Octokit) => new Octokit({ auth: { token: 'test', installationId: 99 } } as never));
    await Promise.all(
      octokits.flatMap((octokit) =>
        [1, 2, 3].map(() =>
          octokit.request('POST /repos/{owner}/{repo}/check-runs', { owner: 'o', repo: 'r', name: 'x', head_sha: 'a' }),
        ),
      ),
    );
    times.sort((a, b) => a - b);
    expect(times).toHaveLength(6);
    // Slots are 150 ms apart; arrival at the server jitters by a few ms either way.
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(100);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(5 * 150 - 30);
  });

  it('falls back to the replica’s own spacing while Redis is unreachable', async () => {
    const down = new RedisLink('redis://127.0.0.1:1', { maxReconnectDelayMs: 100 });
    links.push(down);
    const used: string[] = [];
    const spacer = new RedisSpacer(down.client, 100, async () => {}, { wait: async (key) => void used.push(key) });
    await spacer.wait('installation-1');
    expect(used).toEqual(['installation-1']);
  });
});
