import { describe, expect, it } from 'vitest';
import { CLIENT_DEFAULTS, requestKind, retryDelay } from '../../src/load/client.js';

const opts = { retries: 3, backoffBaseMs: 500, maxRetryAfterMs: CLIENT_DEFAULTS.maxRetryAfterMs };
const half = () => 0.5;

describe('retryDelay', () => {
  it.each([
    ['502', { status: 502 }, 0, 300],
    ['503 second retry', { status: 503 }, 1, 550],
    ['network error', { name: 'TypeError', message: 'fetch failed' }, 0, 300],
    ['timeout', { name: 'TimeoutError' }, 2, 1050],
    [
      'secondary rate limit with retry-after',
      {
        status: 403,
        message: 'You have exceeded a secondary rate limit',
        response: { headers: { 'retry-after': '7' } },
      },
      0,
      7000,
    ],
    ['429 with retry-after', { status: 429, response: { headers: { 'retry-after': '2' } } }, 0, 2000],
  ])('retries %s', (_name, error, attempt, expected) => {
    expect(retryDelay(error, attempt, opts, half)).toBe(expected);
  });

  it.each([
    ['404', { status: 404 }, 0],
    ['422', { status: 422 }, 0],
    ['403 without rate limit', { status: 403, message: 'Resource not accessible by integration' }, 0],
    ['retry-after beyond the bound', { status: 429, response: { headers: { 'retry-after': '3600' } } }, 0],
    ['after the last retry', { status: 502 }, 3],
  ])('does not retry %s', (_name, error, attempt) => {
    expect(retryDelay(error, attempt, opts, half)).toBeUndefined();
  });

  it('waits for a primary rate-limit reset when it is close', () => {
    const reset = Math.floor(Date.now() / 1000) + 5;
    const delay = retryDelay(
      { status: 403, response: { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) } } },
      0,
      opts,
      half,
    );
    expect(delay).toBeGreaterThan(1000);
    expect(delay).toBeLessThanOrEqual(7000);
  });

  it('classifies requests', () => {
    expect(requestKind('https://api.github.com/graphql')).toBe('graphql');
    expect(requestKind('http://ghe.local/api/graphql')).toBe('graphql');
    expect(requestKind('/repos/a/b/check-runs')).toBe('rest');
  });
});
