/**
 * The evaluation queue: one interface, two adapters chosen at start-up.
 *
 * - `memoryQueue()` (the default, without REDIS_URL): an in-process keyed queue.
 * - `redisQueue()` (src/queue/redis.ts, with REDIS_URL): a BullMQ queue shared by
 *   every replica.
 *
 * The webhook handler pushes a job and returns at once; workers evaluate after
 * the response. Jobs are keyed (the app keys evaluations by repository and head
 * commit, src/server/app.ts): a burst of events for one key
 * keeps only the latest job, and a key is never evaluated twice at the same time:
 * a job pushed while its key runs waits and runs once afterwards, with the latest
 * state. Concurrency across keys is bounded. A job whose run throws (a crash or an
 * infrastructure error: evaluations themselves never throw, they end in a check
 * run) is retried with backoff.
 */
import type { Metrics } from '../ops/metrics.js';
import { SYSTEM_CLOCK } from '../ops/clock.js';

/**
 * What became of a pushed job: `queued` (new), `coalesced` (merged into a waiting or
 * running job of the same key), `dropped` (queue full or closing), `fallback` (Redis
 * unreachable: evaluated in-process on this replica instead).
 */
export type Admission = 'queued' | 'coalesced' | 'dropped' | 'fallback';

/** Handed to `run` with every job. */
export interface JobContext {
  /**
   * Aborted when this replica may no longer own the job (Redis: its lock could not be
   * renewed, so another replica may take it over). Nothing must be written after that.
   */
  readonly signal: AbortSignal;
  /** 0 for the first attempt. */
  readonly attempt: number;
}

export interface PushOptions {
  /** Start no sooner than this (a rate-limit deferral). Delayed jobs do not count for `onIdle`. */
  readonly delayMs?: number;
}

/** What `/readyz` reports about the queue. */
export interface QueueHealth {
  readonly queue: 'memory' | 'redis';
  /** With Redis: whether its connection is ready now. */
  readonly redis?: 'up' | 'down';
}

/** The evaluation queue as the rest of the app sees it, whichever adapter is behind it. */
export interface EvaluationQueue<J> {
  /** Admits a job under `key`. Resolves once the job is safely queued (with Redis: stored in Redis). */
  push(key: string, job: J, options?: PushOptions): Promise<Admission>;
  /** Starts taking jobs; called once the app can evaluate. */
  start(): void;
  /** Jobs waiting (with Redis: in the shared queue, sampled). */
  readonly depth: number;
  /** Jobs running on this replica. */
  readonly active: number;
  /** True when new keys would be dropped (`/readyz` answers 503). */
  readonly saturated: boolean;
  health(): QueueHealth;
  /** Resolves when nothing is waiting or running (delayed jobs aside). */
  onIdle(): Promise<void>;
  /**
   * Stops taking jobs; resolves when this replica's running jobs finish (true) or
   * `timeoutMs` passes (false). With Redis, waiting jobs stay for other replicas.
   */
  close(timeoutMs: number): Promise<boolean>;
}

/** What an adapter is built with. */
export interface QueueSetup<J> {
  readonly run: (job: J, key: string, context: JobContext) => Promise<void>;
  /** Called when `run` rejects (every attempt), with the attempt number and whether it will be retried. */
  readonly onError?: (error: unknown, key: string, attempt: number, retrying: boolean) => void;
  readonly metrics?: Metrics | undefined;
  /** Jobs running at once on this replica. */
  readonly concurrency: number;
  /** Keys waiting at most in the in-process queue; beyond this new keys are dropped. */
  readonly maxPending: number;
  /** The fairness group of a job (its installation): the in-process queue starts the least busy group's job first. */
  readonly groupOf?: ((job: J) => string) | undefined;
  /** In-process queue: new jobs start once pushes have paused this long (see `KeyedQueueOptions.settleMs`). */
  readonly settleMs?: number | undefined;
}

export type QueueFactory<J> = (setup: QueueSetup<J>) => EvaluationQueue<J>;

/** Retry policy shared by both adapters: a crashed job runs at most `attempts` times, with exponential backoff. */
export const RETRY_DEFAULTS = { attempts: 4, backoffMs: 2_000 } as const;

export interface KeyedQueueOptions<J> {
  /** Evaluations running at once. */
  readonly concurrency: number;
  /** Keys waiting at most; beyond this new keys are dropped (and counted). */
  readonly maxPending: number;
  readonly run: (job: J, key: string, context: JobContext) => Promise<void>;
  readonly onDepth?: (depth: number) => void;
  /** Called when `run` rejects; `run` should not, but the queue never lets it escape. */
  readonly onError?: (error: unknown, key: string, attempt: number, retrying: boolean) => void;
  /** Called as a job starts, with how long it waited since it was first queued. */
  readonly onStart?: (key: string, waitedMs: number) => void;
  /** Runs per job at most when `run` rejects (default 1: no retry). */
  readonly attempts?: number;
  /** Delay before retry `attempt` (1-based); default exponential from 1 s. */
  readonly retryDelayMs?: (attempt: number) => number;
  /**
   * Fairness: the group of a job (the app uses its installation). When a slot frees, the
   * waiting job of the group with the fewest running jobs starts first (oldest first among
   * equals), so one installation's burst, whose check-run writes are spaced a second apart,
   * cannot hold every slot while other installations wait. Without it: oldest first.
   */
  readonly groupOf?: ((job: J) => string) | undefined;
  /**
   * Acknowledgement first: newly pushed jobs start once no push has arrived for `settleMs`
   * (at most `maxSettleMs` after the first of them). During a burst of webhooks the process
   * answers them all before it spends CPU on evaluations (token signing, requests, gates).
   * 0 (the default) starts jobs in the pushing turn.
   */
  readonly settleMs?: number | undefined;
  /** Longest a pushed job waits for the pushes to settle (default 50 ms). */
  readonly maxSettleMs?: number;
}

/** How many waiting jobs the fair pick looks at, oldest first: bounds the cost of a start when thousands wait. */
export const FAIR_PICK_WINDOW = 512;

interface Pending<J> {
  readonly job: J;
  /** When the key was first queued (kept when later jobs coalesce). */
  readonly since: number;
  readonly attempt: number;
}

/** The in-process keyed queue behind `memoryQueue()` (and Redis's local fallback). */
export class KeyedQueue<J> {
  readonly #pending = new Map<string, Pending<J>>();
  readonly #running = new Set<string>();
  readonly #idle: (() => void)[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Running jobs per fairness group. */
  readonly #groupLoad = new Map<string, number>();
  /** The settle timer, and when the first push it holds arrived. */
  #settle: { timer: NodeJS.Timeout; firstAt: number } | undefined;
  #closed = false;

  constructor(private readonly options: KeyedQueueOptions<J>) {}

  get depth(): number {
    return this.#pending.size;
  }

  get active(): number {
    return this.#running.size;
  }

  /** True when new keys would be dropped. */
  get saturated(): boolean {
    return this.#pending.size >= this.options.maxPending;
  }

  push(key: string, job: J): 'queued' | 'coalesced' | 'dropped' {
    return this.#admit(key, job, 0);
  }

  /** Pushes after `delayMs` (unless the queue closed by then). A delayed push does not hold `onIdle`. */
  pushLater(key: string, job: J, delayMs: number, attempt = 0): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      // A retry yields to a newer job of the same key: that one evaluates the latest state.
      if (attempt > 0 && (this.#pending.has(key) || this.#running.has(key))) return;
      this.#admit(key, job, attempt);
    }, delayMs);
    timer.unref();
    this.#timers.add(timer);
  }

  #admit(key: string, job: J, attempt: number): 'queued' | 'coalesced' | 'dropped' {
    if (this.#closed) return 'dropped';
    const waiting = this.#pending.get(key);
    const existed = waiting !== undefined || this.#running.has(key);
    if (!waiting && this.saturated) return 'dropped';
    // Re-inserting moves nothing: Map keeps first-insertion order, so a busy PR keeps its place.
    this.#pending.set(key, { job, since: waiting?.since ?? SYSTEM_CLOCK.now(), attempt });
    this.options.onDepth?.(this.depth);
    this.#schedule();
    return existed ? 'coalesced' : 'queued';
  }

  /** Starts jobs now, or once pushes settle (`settleMs`). */
  #schedule(): void {
    const settleMs = this.options.settleMs ?? 0;
    if (settleMs <= 0 || this.#closed) {
      this.#pump();
      return;
    }
    const now = performance.now();
    const firstAt = this.#settle?.firstAt ?? now;
    if (this.#settle) clearTimeout(this.#settle.timer);
    const delay = Math.max(0, Math.min(settleMs, firstAt + (this.options.maxSettleMs ?? 50) - now));
    this.#settle = { timer: setTimeout(() => this.#flush(), delay), firstAt };
  }

  /** Ends the settle wait and starts what can start. */
  #flush(): void {
    if (this.#settle) clearTimeout(this.#settle.timer);
    this.#settle = undefined;
    this.#pump();
  }

  /** Resolves when nothing is pending or running. */
  onIdle(): Promise<void> {
    if (this.#pending.size === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops taking jobs; resolves when running and pending jobs finish or `timeoutMs` passes. */
  async close(timeoutMs: number): Promise<boolean> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#flush();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    const done = await Promise.race([this.onIdle().then(() => true), timeout]);
    clearTimeout(timer);
    return done;
  }

  #pump(): void {
    while (this.#running.size < this.options.concurrency) {
      const next = this.#pick();
      if (!next) break;
      const [key, pending] = next;
      this.#pending.delete(key);
      this.#running.add(key);
      this.#load(pending.job, +1);
      this.options.onDepth?.(this.depth);
      void this.#start(key, pending);
    }
    if (this.#pending.size === 0 && this.#running.size === 0) {
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /** The next job to start: oldest first, or with `groupOf`, the oldest of the least busy group. */
  #pick(): [string, Pending<J>] | undefined {
    const groupOf = this.options.groupOf;
    let best: [string, Pending<J>] | undefined;
    let bestLoad = Infinity;
    let seen = 0;
    for (const entry of this.#pending) {
      if (this.#running.has(entry[0])) continue;
      if (!groupOf) return entry;
      const load = this.#groupLoad.get(groupOf(entry[1].job)) ?? 0;
      if (load < bestLoad) {
        best = entry;
        bestLoad = load;
        if (load === 0) break;
      }
      if (++seen >= FAIR_PICK_WINDOW) break;
    }
    return best;
  }

  #load(job: J, delta: 1 | -1): void {
    const groupOf = this.options.groupOf;
    if (!groupOf) return;
    const group = groupOf(job);
    const load = (this.#groupLoad.get(group) ?? 0) + delta;
    if (load > 0) this.#groupLoad.set(group, load);
    else this.#groupLoad.delete(group);
  }

  async #start(key: string, pending: Pending<J>): Promise<void> {
    this.options.onStart?.(key, SYSTEM_CLOCK.now() - pending.since);
    try {
      await this.options.run(pending.job, key, { signal: new AbortController().signal, attempt: pending.attempt });
    } catch (error) {
      const next = pending.attempt + 1;
      const retrying = !this.#closed && next < (this.options.attempts ?? 1);
      this.options.onError?.(error, key, pending.attempt, retrying);
      if (retrying)
        this.pushLater(key, pending.job, (this.options.retryDelayMs ?? ((n) => 1000 * 2 ** (n - 1)))(next), next);
    } finally {
      this.#running.delete(key);
      this.#load(pending.job, -1);
      // While pushes are settling, the settle timer starts the next jobs.
      if (!this.#settle) this.#pump();
    }
  }
}

/** The in-process adapter (no REDIS_URL): one process, nothing shared. */
export function memoryQueue<J>(options: { attempts?: number; backoffMs?: number } = {}): QueueFactory<J> {
  return (setup) => {
    const metrics = setup.metrics;
    const backoff = options.backoffMs ?? RETRY_DEFAULTS.backoffMs;
    const keyed = new KeyedQueue<J>({
      concurrency: setup.concurrency,
      maxPending: setup.maxPending,
      attempts: options.attempts ?? RETRY_DEFAULTS.attempts,
      retryDelayMs: (attempt) => backoff * 2 ** (attempt - 1),
      groupOf: setup.groupOf,
      settleMs: setup.settleMs ?? 0,
      run: async (job, key, context) => {
        metrics?.queueActive.inc();
        try {
          await setup.run(job, key, context);
        } finally {
          metrics?.queueActive.dec();
        }
      },
      onDepth: (depth) => metrics?.queueDepth.set(depth),
      onStart: (_key, waitedMs) => metrics?.queueWait.observe({ queue: 'memory' }, waitedMs / 1000),
      onError: (error, key, attempt, retrying) => {
        (retrying ? metrics?.queueRetries : metrics?.queueFailures)?.inc({ queue: 'memory' });
        setup.onError?.(error, key, attempt, retrying);
      },
    });
    return {
      push: async (key, job, pushOptions = {}) => {
        if (pushOptions.delayMs !== undefined && pushOptions.delayMs > 0) {
          keyed.pushLater(key, job, pushOptions.delayMs);
          return 'queued';
        }
        return keyed.push(key, job);
      },
      start: () => {},
      get depth() {
        return keyed.depth;
      },
      get active() {
        return keyed.active;
      },
      get saturated() {
        return keyed.saturated;
      },
      health: () => ({ queue: 'memory' }),
      onIdle: () => keyed.onIdle(),
      close: (timeoutMs) => keyed.close(timeoutMs),
    };
  };
}
