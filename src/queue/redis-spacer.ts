/**
 * Write spacing shared by every replica (REDIS_URL): content-creating requests of
 * one installation start at least `gapMs` apart across the whole deployment, as
 * GitHub's secondary-rate-limit guidance asks of one client.
 *
 * Each write reserves the next free slot of its installation with one atomic Lua
 * script, timed by the Redis server's clock (replicas' clocks may differ), then
 * sleeps until that slot. While Redis is unreachable the replica spaces its own
 * writes (the fallback spacer), as a single process does.
 */
import type { Redis } from 'ioredis';

/** Spaces calls per key. */
export interface WriteSpacer {
  wait(key: string): Promise<void>;
}

/**
 * KEYS[1]: the installation's slot key; ARGV[1]: the gap in ms.
 * Returns how long the caller waits (ms) before its slot.
 */
const RESERVE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local gap = tonumber(ARGV[1])
local nextAt = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, nextAt)
redis.call('SET', KEYS[1], at + gap, 'PX', at + gap - now + 1000)
return at - now
`;

type WithReserve = Redis & { qgReserveWriteSlot(key: string, gapMs: number): Promise<number> };

export class RedisSpacer implements WriteSpacer {
  readonly #redis: WithReserve;

  constructor(
    redis: Redis,
    private readonly gapMs: number,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly fallback: WriteSpacer,
    private readonly prefix = 'quality-gates:write-slot:',
  ) {
    if (!('qgReserveWriteSlot' in redis))
      redis.defineCommand('qgReserveWriteSlot', { numberOfKeys: 1, lua: RESERVE_SLOT });
    this.#redis = redis as WithReserve;
  }

  /** Reserves the next write slot of `key`; resolves with the wait until it, in ms. */
  async reserve(key: string): Promise<number> {
    return Number(await this.#redis.qgReserveWriteSlot(this.prefix + key, this.gapMs));
  }

  async wait(key: string): Promise<void> {
    if (this.#redis.status !== 'ready') return this.fallback.wait(key);
    let delay: number;
    try {
      delay = await this.reserve(key);
    } catch {
      return this.fallback.wait(key);
    }
    if (delay > 0) await this.sleep(delay);
  }
}
