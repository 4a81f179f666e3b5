/**
 * The per-pull-request cooldown of comment commands: after a comment triggered an evaluation
 * of a PR, further command comments on it are ignored for COMMAND_COOLDOWN_MS (default 30 s),
 * so that commenting cannot spend an installation's rate limit faster than one evaluation a PR
 * per window. Events from GitHub itself (pushes, reviews, labels, re-runs) are not limited.
 *
 * In one process the cooldown is a map bounded to `maxKeys` PRs (the oldest is forgotten
 * first). With REDIS_URL every replica shares it through one Redis key a PR (`SET NX PX`);
 * while Redis cannot be reached, each replica keeps its own.
 */
import type { Redis } from 'ioredis';
import { BoundedCache } from '../ops/bounded-cache.js';
import { SYSTEM_CLOCK } from '../ops/clock.js';

export const DEFAULT_COMMAND_COOLDOWN_MS = 30_000;
/** PRs remembered at once by the in-process cooldown. */
export const DEFAULT_COOLDOWN_KEYS = 10_000;

export interface Cooldown {
  /** True when `key` is not cooling down; it then cools down for the window. Never throws. */
  take(key: string): Promise<boolean>;
}

export class MemoryCooldown implements Cooldown {
  /** key → when its window ends (each entry expires with its window). */
  readonly #until: BoundedCache<string, number>;
  readonly #now: () => number;

  constructor(
    private readonly windowMs: number,
    options: { now?: () => number; maxKeys?: number } = {},
  ) {
    this.#now = options.now ?? SYSTEM_CLOCK.now;
    this.#until = new BoundedCache({ max: options.maxKeys ?? DEFAULT_COOLDOWN_KEYS, ttlMs: windowMs, now: this.#now });
  }

  get size(): number {
    return this.#until.size;
  }

  async take(key: string): Promise<boolean> {
    return this.takeNow(key);
  }

  takeNow(key: string): boolean {
    if (this.windowMs <= 0) return true;
    this.#until.dropExpired();
    if (this.#until.peek(key) !== undefined) return false;
    this.#until.set(key, this.#now() + this.windowMs);
    return true;
  }
}

export class RedisCooldown implements Cooldown {
  readonly #local: MemoryCooldown;
  readonly #prefix: string;

  constructor(
    private readonly redis: Redis,
    private readonly windowMs: number,
    options: { now?: () => number; prefix?: string } = {},
  ) {
    this.#local = new MemoryCooldown(windowMs, options);
    this.#prefix = options.prefix ?? 'quality-gates:cooldown:';
  }

  async take(key: string): Promise<boolean> {
    if (this.windowMs <= 0) return true;
    if (this.redis.status !== 'ready') return this.#local.takeNow(key);
    try {
      return (await this.redis.set(this.#prefix + key, '1', 'PX', this.windowMs, 'NX')) === 'OK';
    } catch {
      return this.#local.takeNow(key);
    }
  }
}
