/**
 * The app's one bounded cache (src/ops/bounded-cache.ts): at most `max` entries, the least
 * recently used dropped first; with a TTL, an entry set at t is gone from t + ttl on, read from
 * the injected clock -- a clock that starts at 0 included.
 */
import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../../src/ops/bounded-cache.js';

describe('BoundedCache', () => {
  it('keeps at most max entries, dropping the least recently used; peek does not count as use', () => {
    const cache = new BoundedCache<string, number>({ max: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3); // drops b
    expect([cache.peek('a'), cache.peek('b'), cache.peek('c')]).toEqual([1, undefined, 3]);
    cache.set('d', 4); // peek did not refresh: drops a
    expect([cache.peek('a'), cache.peek('c'), cache.peek('d')]).toEqual([undefined, 3, 4]);
    expect(cache.size).toBe(2);
  });

  it('expires an entry exactly ttl after it was set, on a clock starting at 0', () => {
    let now = 0;
    const cache = new BoundedCache<string, string | null>({ max: 10, ttlMs: 100, now: () => now });
    cache.set('team', null);
    now = 99;
    expect(cache.get('team')).toBeNull();
    now = 100;
    expect(cache.get('team')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops expired entries from the least recently used end', () => {
    let now = 1_000;
    const cache = new BoundedCache<string, number>({ max: 10, ttlMs: 50, now: () => now });
    cache.set('old', 1);
    now += 30;
    cache.set('new', 2);
    now += 25; // old expired, new not
    cache.dropExpired();
    expect(cache.size).toBe(1);
    expect(cache.peek('new')).toBe(2);
  });

  it('keeps entries without a TTL for ever', () => {
    const cache = new BoundedCache<string, number>({ max: 1, now: () => Number.MAX_SAFE_INTEGER });
    cache.set('a', 1);
    cache.dropExpired();
    expect(cache.get('a')).toBe(1);
  });
});
