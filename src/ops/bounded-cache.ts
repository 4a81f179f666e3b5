/**
 * The app's one bounded cache: every in-process memory that could otherwise grow with what
 * GitHub or a user sends (team members, runs written, cooldowns, write slots, rate limits, the
 * last known `on_error`, compiled CODEOWNERS files) is one of these, so each has a fixed bound.
 *
 * `lru-cache` keeps the entries and drops the least recently used past `max`. Expiry (`ttlMs`)
 * is kept here, read from the injected clock: lru-cache's own TTL reads a clock it caches for a
 * millisecond and takes a start time of 0 for "no TTL", which an injected test clock may give.
 * An entry set at `t` with a TTL of `ttl` is expired from `t + ttl` on.
 */
import { LRUCache } from 'lru-cache';

export interface BoundedCacheOptions {
  /** The most entries held; past it the least recently used is dropped. */
  readonly max: number;
  /** Each entry expires this long after it was set (default: never). */
  readonly ttlMs?: number;
  /** Injected clock (epoch ms), read only when entries expire. */
  readonly now?: () => number;
}

interface Entry<V> {
  readonly value: V;
  readonly expires: number;
}

export class BoundedCache<K extends NonNullable<unknown>, V> {
  readonly #entries: LRUCache<K, Entry<V>>;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: BoundedCacheOptions) {
    this.#entries = new LRUCache<K, Entry<V>>({ max: options.max });
    this.#ttlMs = options.ttlMs ?? Infinity;
    // Only reached with a TTL, where the caller passes its clock (src/ops/clock.ts).
    this.#now = options.now ?? (() => 0);
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.#entries.size;
  }

  /** The live value of `key`, which becomes the most recently used; an expired entry is dropped. */
  get(key: K): V | undefined {
    return this.#live(key, this.#entries.get(key));
  }

  /** As `get`, leaving the order of use as it is. */
  peek(key: K): V | undefined {
    return this.#live(key, this.#entries.peek(key));
  }

  /** Sets `key` as the most recently used, expiring `ttlMs` from now. */
  set(key: K, value: V, ttlMs = this.#ttlMs): void {
    const expires = Number.isFinite(ttlMs) ? this.#now() + ttlMs : Infinity;
    this.#entries.set(key, { value, expires });
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /**
   * Drops expired entries from the least recently used end, stopping at the first live one: exact
   * when every entry has the same TTL and is read with `peek` (the cooldown), cheap otherwise.
   */
  dropExpired(): void {
    const now = this.#now();
    const expired: K[] = [];
    for (const key of this.#entries.rkeys()) {
      if ((this.#entries.peek(key)?.expires ?? 0) > now) break;
      expired.push(key);
    }
    for (const key of expired) this.#entries.delete(key);
  }

  #live(key: K, entry: Entry<V> | undefined): V | undefined {
    if (entry === undefined) return undefined;
    if (Number.isFinite(entry.expires) && entry.expires <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }
}
