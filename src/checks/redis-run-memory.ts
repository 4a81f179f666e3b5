/**
 * The memory of written check runs, shared by replicas through Redis (REDIS_URL).
 *
 * GitHub may answer a read with a check run as it was before the app's own last
 * write (read-after-write lag). One process remembers what it wrote (RunMemory);
 * with replicas, the next evaluation of a PR may run on another one right after,
 * so what any replica wrote is kept in Redis for an hour. Redis is read first —
 * this replica's own memory may be older than another replica's write — and this
 * replica's memory serves when Redis has nothing (a run written while it was
 * unreachable) or cannot be read. Never throws: a lost entry
 * only re-opens the lag window it covers.
 */
import type { Redis } from 'ioredis';
import { RunMemory, type RememberedRun, type RunStore } from './writer.js';

export class RedisRunMemory implements RunStore {
  readonly #local = new RunMemory();

  constructor(
    private readonly redis: Redis,
    private readonly ttlMs = 60 * 60_000,
    private readonly prefix = 'quality-gates:run:',
  ) {}

  async get(key: string): Promise<RememberedRun | undefined> {
    if (this.redis.status === 'ready') {
      try {
        const stored = await this.redis.get(this.prefix + key);
        const parsed = (stored === null ? {} : JSON.parse(stored)) as Partial<RememberedRun>;
        if (typeof parsed.id === 'number' && typeof parsed.externalId === 'string')
          return { id: parsed.id, externalId: parsed.externalId };
      } catch {
        // fall through to this replica's memory
      }
    }
    return this.#local.get(key);
  }

  async set(key: string, id: number, externalId: string): Promise<void> {
    this.#local.set(key, id, externalId);
    if (this.redis.status !== 'ready') return;
    try {
      await this.redis.set(this.prefix + key, JSON.stringify({ id, externalId }), 'PX', this.ttlMs);
    } catch {
      // this replica still remembers it
    }
  }
}
