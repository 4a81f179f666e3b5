/**
 * How the app talks to GitHub: the Octokit class given to Probot, with our own
 * request scheduling in place of Probot's default throttling.
 *
 * Why not Probot's default: `@octokit/plugin-throttling` spaces every POST one
 * second apart — GraphQL reads included — under one key shared by every
 * installation, so 40 PRs across 8 installations take ~80 s. GitHub's
 * secondary-rate-limit guidance asks for spacing of content-creating requests
 * per client, not for queries. So here:
 *
 * - content-creating writes (REST POST/PATCH/PUT/DELETE) are spaced per installation
 *   (with REDIS_URL, across every replica: see redis-spacer.ts);
 * - reads (REST GET and GraphQL) are never held behind writes;
 * - all requests share a bounded concurrency;
 * - 5xx, timeouts and dropped connections are retried with exponential backoff
 *   and full jitter; secondary rate limits (403/429) honour `retry-after`; every
 *   request has a timeout; the total time spent is bounded.
 *
 * The primary rate-limit state (`x-ratelimit-*`) is not shared across replicas: it
 * belongs to the installation, and every replica's next response reports it.
 */
import type { Redis } from 'ioredis';
import { ProbotOctokit } from 'probot';
import { BoundedCache } from '../ops/bounded-cache.js';
import type { Metrics } from '../ops/metrics.js';
import { RedisSpacer, type WriteSpacer } from '../queue/redis-spacer.js';
import { SYSTEM_CLOCK } from '../ops/clock.js';

export interface ClientOptions {
  readonly metrics?: Metrics | undefined;
  /** Per-attempt timeout. */
  readonly requestTimeoutMs?: number;
  /** Minimum gap between two writes of one installation. */
  readonly writeSpacingMs?: number;
  /** Requests in flight at once, across installations. */
  readonly maxConcurrency?: number;
  /** Retries after the first attempt. */
  readonly retries?: number;
  /** Base of the exponential backoff. */
  readonly backoffBaseMs?: number;
  /** Longest `retry-after` honoured; beyond it the request fails (and the evaluation concludes `on_error`). */
  readonly maxRetryAfterMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Injected clock (epoch ms); default the system's (src/ops/clock.ts). */
  readonly now?: () => number;
  /**
   * With REDIS_URL: the connection through which write spacing is shared by every
   * replica. Without it, each process spaces its own writes.
   */
  readonly redis?: Redis | undefined;
}

/** Installations whose next write slot one process remembers. */
const SPACED_KEYS = 10_000;
/** Installation and resource pairs whose last rate-limit headers one process remembers. */
const RATE_LIMIT_KEYS = 20_000;

export const CLIENT_DEFAULTS = {
  requestTimeoutMs: 10_000,
  writeSpacingMs: 1_000,
  maxConcurrency: 32,
  retries: 5,
  backoffBaseMs: 500,
  /** Longest single backoff. */
  maxBackoffMs: 8_000,
  maxRetryAfterMs: 60_000,
} as const;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());

/** A counting semaphore. */
class Semaphore {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(size: number) {
    this.#free = size;
  }
  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

/** Spaces calls per key: each call starts at least `gapMs` after the previous one of its key (one process). */
class Spacer implements WriteSpacer {
  /** key → when its next call may start; the least recently used keys (long past slots) are forgotten. */
  readonly #next = new BoundedCache<string, number>({ max: SPACED_KEYS });
  constructor(
    private readonly gapMs: number,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly clock: () => number,
  ) {}
  async wait(key: string): Promise<void> {
    const now = this.clock();
    const at = Math.max(now, this.#next.get(key) ?? 0);
    this.#next.set(key, at + this.gapMs);
    if (at > now) await this.sleep(at - now);
  }
}

interface RequestError {
  status?: number;
  name?: string;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

/**
 * GitHub's primary rate limit is (nearly) used up for an installation until `resetAt`.
 * Evaluations that meet it are deferred to the reset rather than failed.
 */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  constructor(
    readonly installation: string,
    /** Epoch milliseconds when GitHub resets the limit. */
    readonly resetAt: number,
  ) {
    super(`GitHub rate limit exhausted for installation ${installation} until ${new Date(resetAt).toISOString()}`);
  }
}

/** Requests kept in reserve: below this, an installation's new evaluations wait for the reset. */
export const RATE_LIMIT_RESERVE = 20;

export type RequestKind = 'graphql' | 'rest';

export function requestKind(url: string): RequestKind {
  return /\/graphql(?:$|\?)/.test(url) ? 'graphql' : 'rest';
}

const isAuthRequest = (method: string, url: string) =>
  method === 'POST' && /\/app\/installations\/[^/]+\/access_tokens$/.test(url);

/**
 * The delay before retrying, or undefined to give up. Exported for tests.
 * `attempt` counts from 0 (the first retry).
 */
export function retryDelay(
  error: RequestError,
  attempt: number,
  opts: Required<Pick<ClientOptions, 'retries' | 'backoffBaseMs' | 'maxRetryAfterMs'>>,
  random: () => number,
): number | undefined {
  if (attempt >= opts.retries) return undefined;
  const status = error.status ?? 0;
  const headers = error.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  const message = error.message ?? '';
  if (status === 403 || status === 429) {
    const secondary = /secondary rate limit/i.test(message) || Number.isFinite(retryAfter) || status === 429;
    if (secondary) {
      const ms = Number.isFinite(retryAfter) ? retryAfter * 1000 : 60_000;
      return ms <= opts.maxRetryAfterMs ? ms : undefined;
    }
    if (headers['x-ratelimit-remaining'] === '0') {
      const reset = Number(headers['x-ratelimit-reset']) * 1000;
      const ms = Number.isFinite(reset) ? Math.max(0, reset - SYSTEM_CLOCK.now()) + 1000 : Infinity;
      return ms <= opts.maxRetryAfterMs ? ms : undefined;
    }
    return undefined;
  }
  const transient = status >= 500 || status === 0 || status === 408;
  if (!transient) return undefined;
  // Full jitter: a random point in [0, min(cap, base * 2^attempt)].
  return Math.round(random() * Math.min(CLIENT_DEFAULTS.maxBackoffMs, opts.backoffBaseMs * 2 ** attempt)) + 50;
}

type OctokitLike = {
  hook: {
    wrap: (
      name: 'request',
      fn: (request: (o: unknown) => Promise<unknown>, options: RequestOptions) => Promise<unknown>,
    ) => void;
  };
};
interface RequestOptions {
  method: string;
  url: string;
  baseUrl?: string;
  request?: Record<string, unknown>;
  [key: string]: unknown;
}
interface OctokitResponse {
  status: number;
  headers: Record<string, string | undefined>;
}

/** Shared across every Octokit instance the class makes: limits are per process, keyed per installation. */
function schedulingPlugin(opts: ClientOptions) {
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? SYSTEM_CLOCK.random;
  const now = opts.now ?? SYSTEM_CLOCK.now;
  const cfg = { ...CLIENT_DEFAULTS, ...stripUndefined(opts) };
  const gate = new Semaphore(cfg.maxConcurrency);
  const local = new Spacer(cfg.writeSpacingMs, sleep, now);
  const spacer: WriteSpacer =
    opts.redis && cfg.writeSpacingMs > 0 ? new RedisSpacer(opts.redis, cfg.writeSpacingMs, sleep, local) : local;
  /** Last `x-ratelimit-remaining` / reset seen per installation and resource (core, graphql). */
  const limits = new BoundedCache<string, { remaining: number; resetAt: number }>({ max: RATE_LIMIT_KEYS });
  const noteLimit = (
    installation: string,
    kind: RequestKind,
    headers: Record<string, string | undefined> | undefined,
  ) => {
    const remaining = Number(headers?.['x-ratelimit-remaining']);
    const reset = Number(headers?.['x-ratelimit-reset']);
    if (!Number.isFinite(remaining) || !Number.isFinite(reset) || headers?.['x-ratelimit-remaining'] === undefined)
      return;
    limits.set(`${installation}:${headers?.['x-ratelimit-resource'] ?? kind}`, { remaining, resetAt: reset * 1000 });
  };

  return (octokit: OctokitLike, octokitOptions: { auth?: { installationId?: number | string } }) => {
    const installation = String(octokitOptions.auth?.installationId ?? 'app');
    octokit.hook.wrap('request', async (request, options) => {
      const method = String(options.method).toUpperCase();
      const url = String(options.url);
      const kind = requestKind(url);
      const isWrite = kind === 'rest' && method !== 'GET' && method !== 'HEAD' && !isAuthRequest(method, url);
      const limit = limits.get(`${installation}:${kind === 'graphql' ? 'graphql' : 'core'}`);
      // Writes of an evaluation already under way may use the reserve; new reads may not.
      if (
        !isWrite &&
        installation !== 'app' &&
        limit &&
        limit.remaining <= RATE_LIMIT_RESERVE &&
        limit.resetAt > now()
      ) {
        opts.metrics?.githubRequests.inc({ kind, status: 'rate-limited' });
        throw new RateLimitedError(installation, limit.resetAt);
      }
      for (let attempt = 0; ; attempt++) {
        if (isWrite) await spacer.wait(installation);
        await gate.acquire();
        let error: RequestError;
        // A timer cleared as soon as the answer is in: AbortSignal.timeout() would keep its timer,
        // signal and listeners alive for the whole timeout after every request (at 800 requests
        // a second, thousands of them on the heap).
        const timeout = new AbortController();
        const timer = setTimeout(
          () =>
            timeout.abort(new DOMException(`GitHub did not answer within ${cfg.requestTimeoutMs} ms`, 'TimeoutError')),
          cfg.requestTimeoutMs,
        );
        timer.unref();
        try {
          // before-after-hook binds the same options object into every layer of the
          // chain, so the timeout is set on it in place (a new object would be ignored).
          options.request = { ...options.request, signal: timeout.signal };
          const response = (await request(options)) as OctokitResponse;
          record(opts.metrics, kind, String(response.status), response.headers);
          noteLimit(installation, kind, response.headers);
          return response;
        } catch (caught) {
          error = caught as RequestError;
          record(opts.metrics, kind, error.status ? String(error.status) : 'network', error.response?.headers);
          noteLimit(installation, kind, error.response?.headers);
        } finally {
          clearTimeout(timer);
          gate.release();
        }
        const delay = retryDelay(error, attempt, cfg, random);
        if (delay === undefined) {
          const headers = error.response?.headers ?? {};
          const reset = Number(headers['x-ratelimit-reset']) * 1000;
          if (
            (error.status === 403 || error.status === 429) &&
            headers['x-ratelimit-remaining'] === '0' &&
            reset > now()
          ) {
            throw new RateLimitedError(installation, reset);
          }
          throw error;
        }
        await sleep(delay);
      }
    });
    return {};
  };
}

function record(
  metrics: Metrics | undefined,
  kind: RequestKind,
  status: string,
  headers: Record<string, string | undefined> | undefined,
): void {
  if (!metrics) return;
  metrics.githubRequests.inc({ kind, status });
  const remaining = headers?.['x-ratelimit-remaining'];
  if (remaining !== undefined && remaining !== '') {
    metrics.rateLimitRemaining.set(
      { resource: headers?.['x-ratelimit-resource'] ?? (kind === 'graphql' ? 'graphql' : 'core') },
      Number(remaining),
    );
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined && typeof v === 'number'),
  ) as Partial<T>;
}

/** GraphQL error types that are worth another try (GitHub's own transient failures). */
const TRANSIENT_GRAPHQL = new Set([
  'RESOURCE_LIMITS_EXCEEDED',
  'INTERNAL',
  'SERVICE_UNAVAILABLE',
  'TIMEOUT',
  'RATE_LIMITED',
]);

/**
 * Retries a GraphQL call answered 200 with transient `errors` (RESOURCE_LIMITS_EXCEEDED,
 * "Something went wrong", timeouts) with backoff and jitter. Expected partial errors
 * (NOT_FOUND, FORBIDDEN: a missing org `.github` repository, an invisible team) are
 * returned to the caller at once. HTTP-level failures were already retried below.
 */
export function withGraphqlRetry<T extends (query: string, variables: Record<string, unknown>) => Promise<unknown>>(
  graphql: T,
  opts: Pick<ClientOptions, 'retries' | 'backoffBaseMs' | 'sleep' | 'random'> = {},
): T {
  const retries = opts.retries ?? CLIENT_DEFAULTS.retries;
  const base = opts.backoffBaseMs ?? CLIENT_DEFAULTS.backoffBaseMs;
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? SYSTEM_CLOCK.random;
  return (async (query: string, variables: Record<string, unknown>) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await graphql(query, variables);
      } catch (error) {
        const errors = (error as { errors?: { type?: string; message?: string }[] }).errors;
        const transient =
          Array.isArray(errors) &&
          errors.length > 0 &&
          errors.some(
            (e) =>
              (e.type !== undefined && TRANSIENT_GRAPHQL.has(e.type)) ||
              (e.type === undefined && /something went wrong|timeout|timed out/i.test(e.message ?? '')),
          );
        if (!transient || attempt >= retries) throw error;
        await sleep(Math.round(random() * Math.min(CLIENT_DEFAULTS.maxBackoffMs, base * 2 ** attempt)) + 50);
      }
    }
  }) as T;
}

/**
 * The Octokit class for Probot: Probot's plugins (auth, REST methods, paginate,
 * config) with its throttling and retry replaced by the scheduling above.
 */
export function createOctokitClass(opts: ClientOptions = {}): typeof ProbotOctokit {
  const Plugged = ProbotOctokit.plugin(schedulingPlugin(opts) as never);
  // A function, not an object: Probot passes its own `throttle` options per instance,
  // and a shallow object merge would switch its throttling back on.
  return Plugged.defaults((instance: Record<string, unknown>) => ({
    userAgent: 'quality-gates',
    ...instance,
    throttle: { ...(instance.throttle as object | undefined), enabled: false },
    retry: { enabled: false },
  })) as unknown as typeof ProbotOctokit;
}
