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
 * - content-creating writes (REST POST/PATCH/PUT/DELETE) are spaced per installation;
 * - reads (REST GET and GraphQL) are never held behind writes;
 * - all requests share a bounded concurrency;
 * - 5xx, timeouts and dropped connections are retried with exponential backoff
 *   and full jitter; secondary rate limits (403/429) honour `retry-after`; every
 *   request has a timeout; the total time spent is bounded.
 */
import { ProbotOctokit } from 'probot';
import type { Metrics } from '../metrics.js';

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
}

export const CLIENT_DEFAULTS = {
  requestTimeoutMs: 10_000,
  writeSpacingMs: 1_000,
  maxConcurrency: 32,
  retries: 3,
  backoffBaseMs: 500,
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

/** Spaces calls per key: each call starts at least `gapMs` after the previous one of its key. */
class Spacer {
  readonly #next = new Map<string, number>();
  constructor(
    private readonly gapMs: number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}
  async wait(key: string): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.#next.get(key) ?? 0);
    this.#next.set(key, at + this.gapMs);
    if (this.#next.size > 10_000) this.#prune(now);
    if (at > now) await this.sleep(at - now);
  }
  #prune(now: number): void {
    for (const [key, at] of this.#next) if (at < now) this.#next.delete(key);
  }
}

interface RequestError {
  status?: number;
  name?: string;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

export type RequestKind = 'graphql' | 'rest';

export function requestKind(url: string): RequestKind {
  return /\/graphql(?:$|\?)/.test(url) ? 'graphql' : 'rest';
}

const isAuthRequest = (method: string, url: string) => method === 'POST' && /\/app\/installations\/[^/]+\/access_tokens$/.test(url);

/**
 * The delay before retrying, or undefined to give up. Exported for tests.
 * `attempt` counts from 0 (the first retry).
 */
export function retryDelay(error: RequestError, attempt: number, opts: Required<Pick<ClientOptions, 'retries' | 'backoffBaseMs' | 'maxRetryAfterMs'>>, random: () => number): number | undefined {
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
      const ms = Number.isFinite(reset) ? Math.max(0, reset - Date.now()) + 1000 : Infinity;
      return ms <= opts.maxRetryAfterMs ? ms : undefined;
    }
    return undefined;
  }
  const transient = status >= 500 || status === 0 || status === 408;
  if (!transient) return undefined;
  // Full jitter: a random point in [0, base * 2^attempt].
  return Math.round(random() * opts.backoffBaseMs * 2 ** attempt) + 50;
}

type OctokitLike = {
  hook: { wrap: (name: 'request', fn: (request: (o: unknown) => Promise<unknown>, options: RequestOptions) => Promise<unknown>) => void };
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
  const random = opts.random ?? Math.random;
  const cfg = { ...CLIENT_DEFAULTS, ...stripUndefined(opts) };
  const gate = new Semaphore(cfg.maxConcurrency);
  const spacer = new Spacer(cfg.writeSpacingMs, sleep);

  return (octokit: OctokitLike, octokitOptions: { auth?: { installationId?: number | string } }) => {
    const installation = String(octokitOptions.auth?.installationId ?? 'app');
    octokit.hook.wrap('request', async (request, options) => {
      const method = String(options.method).toUpperCase();
      const url = String(options.url);
      const kind = requestKind(url);
      const isWrite = kind === 'rest' && method !== 'GET' && method !== 'HEAD' && !isAuthRequest(method, url);
      for (let attempt = 0; ; attempt++) {
        if (isWrite) await spacer.wait(installation);
        await gate.acquire();
        let error: RequestError;
        try {
          const response = (await request({
            ...options,
            request: { ...options.request, signal: AbortSignal.timeout(cfg.requestTimeoutMs) },
          })) as OctokitResponse;
          record(opts.metrics, kind, String(response.status), response.headers);
          return response;
        } catch (caught) {
          error = caught as RequestError;
          record(opts.metrics, kind, error.status ? String(error.status) : 'network', error.response?.headers);
        } finally {
          gate.release();
        }
        const delay = retryDelay(error, attempt, cfg, random);
        if (delay === undefined) throw error;
        await sleep(delay);
      }
    });
    return {};
  };
}

function record(metrics: Metrics | undefined, kind: RequestKind, status: string, headers: Record<string, string | undefined> | undefined): void {
  if (!metrics) return;
  metrics.githubRequests.inc({ kind, status });
  const remaining = headers?.['x-ratelimit-remaining'];
  if (remaining !== undefined && remaining !== '') {
    metrics.rateLimitRemaining.set({ resource: headers?.['x-ratelimit-resource'] ?? (kind === 'graphql' ? 'graphql' : 'core') }, Number(remaining));
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && typeof v === 'number')) as Partial<T>;
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
