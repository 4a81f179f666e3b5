/**
 * A lock in Redis that one holder at a time has, for as long as its work lasts: taken with
 * `SET key token NX PX ttl`, renewed every `ttl / 3` while held, released at the end — each
 * renewal and the release only if the key still holds this holder's token (a Lua script, so
 * the check and the write are one step). A holder that dies stops renewing, and the lock
 * expires `ttl` later for the next one.
 *
 * When a renewal finds the token gone, or cannot reach Redis, the lease's signal is aborted at
 * once: another holder may take the lock within `ttl`, so the work must stop making requests.
 * The missed-webhook recovery holds it for a run (src/ops/redeliver.ts), so that one replica at a
 * time asks GitHub to redeliver.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RecoveryLease, RecoveryLock } from '../ops/redeliver.js';

export interface RedisLockOptions {
  /** The Redis key. */
  readonly key: string;
  /** How long the lock outlives its last renewal. Default 60 s. */
  readonly ttlMs?: number;
  readonly log?: Logger | undefined;
}

export const DEFAULT_LOCK_TTL_MS = 60_000;

/** 1 when KEYS[1] held ARGV[1] and its expiry was set to ARGV[2] ms; 0 when another token (or none) held it. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
/** Deletes KEYS[1] only if it holds ARGV[1]. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export class RedisLock implements RecoveryLock {
  readonly #key: string;
  readonly #ttlMs: number;
  readonly #log: Logger | undefined;

  constructor(
    private readonly redis: Redis,
    options: RedisLockOptions,
  ) {
    this.#key = options.key;
    this.#ttlMs = options.ttlMs ?? DEFAULT_LOCK_TTL_MS;
    this.#log = options.log;
  }

  async acquire(): Promise<RecoveryLease | 'held' | 'unavailable'> {
    if (this.redis.status !== 'ready') return 'unavailable';
    const token = randomUUID();
    try {
      if ((await this.redis.set(this.#key, token, 'PX', this.#ttlMs, 'NX')) !== 'OK') return 'held';
    } catch {
      return 'unavailable';
    }
    return this.#lease(token);
  }

  #lease(token: string): RecoveryLease {
    const controller = new AbortController();
    let released: Promise<void> | undefined;
    const lose = (reason: string, error?: unknown) => {
      if (controller.signal.aborted || released) return;
      clearInterval(timer);
      this.#log?.warn({ key: this.#key, reason, err: error }, 'redis lock lost; stopping the work it guarded');
      controller.abort(new Error(`the lock ${this.#key} was lost (${reason})`));
    };
    const renew = async () => {
      try {
        if ((await this.redis.eval(RENEW, 1, this.#key, token, this.#ttlMs)) !== 1) lose('taken over or expired');
      } catch (error) {
        lose('redis unreachable', error);
      }
    };
    const timer = setInterval(() => void renew(), Math.max(1, Math.floor(this.#ttlMs / 3)));
    timer.unref();
    return {
      signal: controller.signal,
      release: () =>
        (released ??= (async () => {
          clearInterval(timer);
          try {
            await this.redis.eval(RELEASE, 1, this.#key, token);
          } catch {
            // it expires on its own within the ttl
          }
        })()),
    };
  }
}
