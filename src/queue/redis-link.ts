/**
 * The app's connection to Redis (REDIS_URL), shared by the BullMQ queue and the
 * write spacing of every replica. It tracks whether Redis is reachable — the
 * queue falls back to in-process evaluation while it is not — and reconnects on
 * its own, for ever, with a capped backoff.
 *
 * Commands on `client` fail fast while Redis is unreachable (no offline queue, a
 * command timeout), so a webhook never waits on a dead Redis.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from '../ops/metrics.js';

export interface RedisLinkOptions {
  readonly log?: Logger | undefined;
  readonly metrics?: Metrics | undefined;
  /** A command that takes longer fails (and the caller falls back). Default 2 s. */
  readonly commandTimeoutMs?: number;
  /** Longest pause between two reconnection attempts. Default 2 s. */
  readonly maxReconnectDelayMs?: number;
}

/** `redis://user:secret@host` → `redis://user:***@host`, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://(unparseable REDIS_URL)';
  }
}

export class RedisLink {
  /** For commands that must not wait: the queue's producer side and the write spacing. */
  readonly client: Redis;
  readonly #url: string;
  readonly #log: Logger | undefined;
  readonly #metrics: Metrics | undefined;
  readonly #reconnect: (times: number) => number;
  readonly #extra = new Set<Redis>();
  #wasUp = false;
  #closed = false;

  constructor(url: string, options: RedisLinkOptions = {}) {
    this.#url = url;
    this.#log = options.log;
    this.#metrics = options.metrics;
    const cap = options.maxReconnectDelayMs ?? 2_000;
    this.#reconnect = (times) => Math.min(100 * times, cap);
    this.client = new Redis(url, {
      connectionName: 'quality-gates',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      connectTimeout: 5_000,
      retryStrategy: this.#reconnect,
    });
    this.#metrics?.redisUp.set(0);
    this.client.on('ready', () => this.#onReady());
    this.client.on('close', () => this.#onClose());
    // ioredis emits an error per failed attempt; transitions are logged, attempts are not.
    this.client.on('error', (error: Error) => {
      if (this.#wasUp || this.#closed) return;
      this.#log?.debug({ err: error }, 'redis connection attempt failed');
    });
  }

  /** Whether Redis answers now. */
  get up(): boolean {
    return this.client.status === 'ready';
  }

  /**
   * A connection template for BullMQ workers, which duplicate it for their own
   * (blocking) connections: commands wait for reconnection instead of failing.
   * It never connects itself.
   */
  workerConnection(): Redis {
    const template = new Redis(this.#url, {
      connectionName: 'quality-gates-worker',
      maxRetriesPerRequest: null,
      connectTimeout: 5_000,
      retryStrategy: this.#reconnect,
      lazyConnect: true,
    });
    template.on('error', () => {});
    this.#extra.add(template);
    return template;
  }

  /** Resolves once Redis answered, or false after `timeoutMs`. */
  async ready(timeoutMs: number): Promise<boolean> {
    if (this.up) return true;
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(value);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      timer.unref();
      this.client.on('ready', onReady);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const client of [this.client, ...this.#extra]) {
      if (client.status === 'ready') {
        await Promise.race([client.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 1_000).unref())]);
      }
      client.disconnect();
    }
    this.#metrics?.redisUp.set(0);
  }

  #onReady(): void {
    this.#metrics?.redisUp.set(1);
    if (this.#wasUp) return;
    this.#wasUp = true;
    this.#log?.info({ redis: redactUrl(this.#url) }, 'redis connected: evaluations go through the shared queue');
  }

  #onClose(): void {
    this.#metrics?.redisUp.set(0);
    if (!this.#wasUp || this.#closed) return;
    this.#wasUp = false;
    this.#log?.warn(
      { redis: redactUrl(this.#url) },
      'redis connection lost: webhooks are evaluated in-process on this replica until it is back',
    );
  }
}
