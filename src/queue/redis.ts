/**
 * The Redis adapter of the evaluation queue (REDIS_URL): a BullMQ queue shared by
 * every replica. Any replica's webhook handler adds the job; any replica's worker
 * evaluates it.
 *
 * Per job key (for evaluations: repository and head commit), BullMQ's deduplication with `keepLastIfActive`
 * gives the semantics of the in-process queue across replicas, atomically in Redis:
 *
 * - a job added while another of its key is **waiting** (or delayed) is merged into
 *   it: the waiting one evaluates the current state from GitHub anyway;
 * - a job added while one of its key is **running** is kept (the latest only) and
 *   queued when the running one finishes: an event that arrives during an
 *   evaluation always leads to one more evaluation, never to none;
 * - so at most one job per key runs at a time, on any replica.
 *
 * A running job holds a lock that its worker renews; a replica that dies stops
 * renewing it, and after `lockDurationMs` another replica's stalled-job check puts
 * the job back and evaluates it (nothing lost). If this replica cannot renew a lock
 * (Redis unreachable from here), the job's `signal` is aborted before the lock can
 * expire, so the evaluation writes nothing that the replica taking over will write.
 *
 * A job whose run throws (a crash or an infrastructure error; evaluations
 * themselves end in a check run) is retried with exponential backoff.
 *
 * While Redis is unreachable, pushes fall back to an in-process queue on the
 * receiving replica: webhooks are still answered and evaluated (see docs/deploy.md).
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import {
  KeyedQueue,
  RETRY_DEFAULTS,
  type Admission,
  type EvaluationQueue,
  type PushOptions,
  type QueueFactory,
  type QueueHealth,
  type QueueSetup,
} from './queue.js';
import type { RedisLink } from './redis-link.js';
import { SYSTEM_CLOCK } from '../ops/clock.js';

export interface RedisQueueOptions {
  readonly link: RedisLink;
  readonly log?: Logger | undefined;
  /** BullMQ queue name. */
  readonly name?: string;
  /** Prefix of every BullMQ key. */
  readonly prefix?: string;
  /** How long a running job's lock lasts without renewal: a dead replica's jobs move on after this. */
  readonly lockDurationMs?: number;
  /** How often each worker looks for jobs whose lock expired. */
  readonly stalledIntervalMs?: number;
  /** Times a job may be taken over from a dead replica before it is failed (a job that kills workers). */
  readonly maxStalledCount?: number;
  /** Runs per job at most when it crashes. */
  readonly attempts?: number;
  /** First retry delay; doubles for each further attempt. */
  readonly backoffMs?: number;
  /** How often the shared queue's depth is sampled. */
  readonly depthPollMs?: number;
  /** Longest wait for Redis to take a job before falling back to in-process evaluation. */
  readonly pushTimeoutMs?: number;
}

export const REDIS_QUEUE_DEFAULTS = {
  name: 'evaluations',
  prefix: 'quality-gates',
  // A dead replica's jobs move on within lock + check interval (15 s). Evaluations are I/O-bound:
  // the lock is renewed every 5 s however long they wait on GitHub.
  lockDurationMs: 10_000,
  stalledIntervalMs: 5_000,
  maxStalledCount: 2,
  depthPollMs: 5_000,
  pushTimeoutMs: 2_000,
} as const;

/** The job as stored in Redis: plain JSON. */
interface StoredJob<J> {
  readonly key: string;
  readonly job: J;
}

interface Owned {
  readonly controller: AbortController;
  renewedAt: number;
}

/** The Redis adapter's factory, for `createQualityGatesApp({ queue })`. */
export function redisQueue<J>(options: RedisQueueOptions): QueueFactory<J> {
  return (setup) => new RedisQueue<J>(setup, options);
}

export class RedisQueue<J> implements EvaluationQueue<J> {
  readonly #setup: QueueSetup<J>;
  readonly #link: RedisLink;
  readonly #log: Logger | undefined;
  readonly #queue: Queue<StoredJob<J>>;
  readonly #worker: Worker<StoredJob<J>>;
  /** In-process fallback while Redis is unreachable. */
  readonly #local: KeyedQueue<J>;
  readonly #owned = new Map<string, Owned>();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #lockDurationMs: number;
  readonly #pushTimeoutMs: number;
  #sharedDepth = 0;
  #sampledAt = 0;
  #started = false;
  #closed = false;
  #lastError = 0;

  constructor(setup: QueueSetup<J>, options: RedisQueueOptions) {
    const cfg = { ...REDIS_QUEUE_DEFAULTS, ...definedOnly(options) };
    const attempts = options.attempts ?? RETRY_DEFAULTS.attempts;
    const backoffMs = options.backoffMs ?? RETRY_DEFAULTS.backoffMs;
    this.#setup = setup;
    this.#link = options.link;
    this.#log = options.log;
    this.#lockDurationMs = cfg.lockDurationMs;
    this.#pushTimeoutMs = cfg.pushTimeoutMs;
    const metrics = setup.metrics;

    this.#queue = new Queue<StoredJob<J>>(cfg.name, {
      connection: this.#link.client,
      prefix: cfg.prefix,
      defaultJobOptions: {
        attempts,
        backoff: { type: 'exponential', delay: backoffMs },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600, count: 1_000 },
      },
    });
    this.#queue.on('error', (error) => this.#onError(error));
    // Connect and check Redis now rather than on the first webhook (resolves once Redis answers).
    this.#queue.waitUntilReady().catch((error: unknown) => this.#onError(error));

    this.#worker = new Worker<StoredJob<J>>(cfg.name, (job) => this.#process(job), {
      connection: this.#link.workerConnection(),
      prefix: cfg.prefix,
      concurrency: setup.concurrency,
      lockDuration: cfg.lockDurationMs,
      stalledInterval: cfg.stalledIntervalMs,
      maxStalledCount: cfg.maxStalledCount,
      autorun: false,
    });
    this.#worker.on('error', (error) => this.#onError(error));
    this.#worker.on('stalled', (jobId) => {
      metrics?.queueStalled.inc();
      this.#log?.warn({ jobId }, 'evaluation job of a stopped replica put back in the queue');
    });
    this.#worker.on('locksRenewed', ({ jobIds }) => {
      const now = SYSTEM_CLOCK.now();
      for (const id of jobIds) {
        const owned = this.#owned.get(id);
        if (owned) owned.renewedAt = now;
      }
    });
    this.#worker.on('lockRenewalFailed', (jobIds) => {
      for (const id of jobIds) this.#abandon(id, 'lock renewal failed');
    });

    this.#local = new KeyedQueue<J>({
      concurrency: setup.concurrency,
      maxPending: setup.maxPending,
      attempts,
      retryDelayMs: (attempt) => backoffMs * 2 ** (attempt - 1),
      groupOf: setup.groupOf,
      run: (job, key, context) => this.#runTracked(job, key, context),
      onDepth: () => metrics?.queueDepth.set(this.depth),
      onStart: (_key, waitedMs) => metrics?.queueWait.observe({ queue: 'local' }, waitedMs / 1000),
      onError: (error, key, attempt, retrying) => {
        (retrying ? metrics?.queueRetries : metrics?.queueFailures)?.inc({ queue: 'local' });
        setup.onError?.(error, key, attempt, retrying);
      },
    });

    // A job whose lock could not be renewed for most of its duration may be taken over: stop it writing.
    const watchdog = setInterval(
      () => {
        const limit = SYSTEM_CLOCK.now() - this.#lockDurationMs * 0.8;
        for (const [id, owned] of this.#owned) if (owned.renewedAt < limit) this.#abandon(id, 'lock not renewed');
      },
      Math.max(50, Math.round(this.#lockDurationMs / 8)),
    );
    const depth = setInterval(() => void this.#sampleDepth(), cfg.depthPollMs);
    for (const timer of [watchdog, depth]) {
      timer.unref();
      this.#timers.push(timer);
    }
  }

  async push(key: string, job: J, options: PushOptions = {}): Promise<Admission> {
    if (this.#closed) return 'dropped';
    if (this.#link.up) {
      const id = randomUUID();
      const delay = Math.max(0, Math.round(options.delayMs ?? 0));
      try {
        const added = await withTimeout(
          this.#queue.add(
            'evaluate',
            { key, job },
            { jobId: id, ...(delay > 0 ? { delay } : {}), deduplication: { id: key, keepLastIfActive: true } },
          ),
          this.#pushTimeoutMs,
        );
        if (SYSTEM_CLOCK.now() - this.#sampledAt > 1_000) void this.#sampleDepth();
        return added.id === id ? 'queued' : 'coalesced';
      } catch (error) {
        this.#log?.warn({ err: error, key }, 'could not queue the evaluation in Redis; evaluating in-process');
      }
    }
    if (options.delayMs !== undefined && options.delayMs > 0) this.#local.pushLater(key, job, options.delayMs);
    else if (this.#local.push(key, job) === 'dropped') return 'dropped';
    return 'fallback';
  }

  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#worker.run().catch((error: unknown) => this.#onError(error));
  }

  get depth(): number {
    return this.#sharedDepth + this.#local.depth;
  }

  get active(): number {
    return this.#owned.size + this.#local.active;
  }

  /** The shared queue lives in Redis: no replica takes itself out of the load balancer for its length. */
  get saturated(): boolean {
    return this.#local.saturated;
  }

  health(): QueueHealth {
    return { queue: 'redis', redis: this.#link.up ? 'up' : 'down' };
  }

  async onIdle(): Promise<void> {
    for (;;) {
      await this.#local.onIdle();
      if (this.#owned.size === 0 && (await this.#sharedPending()) === 0 && this.#local.depth + this.#local.active === 0)
        return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async close(timeoutMs: number): Promise<boolean> {
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    const deadline = SYSTEM_CLOCK.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    // The worker takes no new job and waits for its running ones; waiting jobs stay for other replicas.
    const workerDrained = (async () => {
      await this.#worker.pause().catch(() => undefined); // fails while Redis is unreachable: wait on our own count
      while (this.#owned.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    })();
    const graceful = Promise.all([workerDrained, this.#local.close(Math.max(0, deadline - SYSTEM_CLOCK.now()))]).then(
      ([, local]) => local,
    );
    const drained = await Promise.race([graceful.catch(() => false), timeout]);
    clearTimeout(timer);
    // Not drained: the running jobs are given up without releasing them (as a crash would).
    // Their locks are no longer renewed, expire, and another replica evaluates them.
    await withTimeout(this.#worker.close(!drained), 2_000).catch(() => undefined);
    await withTimeout(this.#queue.close(), 2_000).catch(() => undefined);
    return drained;
  }

  async #process(bullJob: Job<StoredJob<J>>): Promise<void> {
    const { key, job } = bullJob.data;
    const id = bullJob.id ?? key;
    const metrics = this.#setup.metrics;
    if (bullJob.attemptsMade === 0 && bullJob.stalledCounter === 0) {
      metrics?.queueWait.observe(
        { queue: 'redis' },
        Math.max(0, SYSTEM_CLOCK.now() - bullJob.timestamp - (bullJob.delay || 0)) / 1000,
      );
    }
    const owned: Owned = { controller: new AbortController(), renewedAt: SYSTEM_CLOCK.now() };
    // The same job again while an earlier attempt still runs here: that attempt lost its lock.
    this.#abandon(id, 'taken over');
    this.#owned.set(id, owned);
    metrics?.queueActive.inc();
    try {
      await this.#setup.run(job, key, { signal: owned.controller.signal, attempt: bullJob.attemptsMade });
      // Stopped from writing: not done. If the lock is still ours after all, BullMQ retries the job;
      // if another replica took it over, this attempt's outcome is ignored and that replica evaluates it.
      if (owned.controller.signal.aborted)
        throw new Error('evaluation stopped: its lock could not be renewed', { cause: owned.controller.signal.reason });
    } catch (error) {
      const retrying = bullJob.attemptsMade + 1 < (bullJob.opts.attempts ?? 1) && !this.#closed;
      (retrying ? metrics?.queueRetries : metrics?.queueFailures)?.inc({ queue: 'redis' });
      this.#setup.onError?.(error, key, bullJob.attemptsMade, retrying);
      throw error;
    } finally {
      if (this.#owned.get(id) === owned) this.#owned.delete(id);
      metrics?.queueActive.dec();
    }
  }

  async #runTracked(job: J, key: string, context: Parameters<QueueSetup<J>['run']>[2]): Promise<void> {
    this.#setup.metrics?.queueActive.inc();
    try {
      await this.#setup.run(job, key, context);
    } finally {
      this.#setup.metrics?.queueActive.dec();
    }
  }

  #abandon(id: string, reason: string): void {
    const owned = this.#owned.get(id);
    if (!owned || owned.controller.signal.aborted) return;
    owned.controller.abort(new Error(`evaluation lock lost: ${reason}`));
    this.#log?.warn(
      { jobId: id, reason },
      'evaluation lock lost; this replica writes nothing more for the job, another one takes it over',
    );
  }

  /** Jobs waiting or running in the shared queue, or 0 when Redis cannot say. */
  async #sharedPending(): Promise<number> {
    if (!this.#link.up) return 0;
    try {
      const counts = await withTimeout(this.#queue.getJobCounts('wait', 'prioritized', 'active'), this.#pushTimeoutMs);
      return Object.values(counts).reduce((a, b) => a + b, 0);
    } catch {
      return 0;
    }
  }

  async #sampleDepth(): Promise<void> {
    if (!this.#link.up || this.#closed) return;
    this.#sampledAt = SYSTEM_CLOCK.now();
    try {
      const counts = await withTimeout(this.#queue.getJobCounts('wait', 'prioritized'), this.#pushTimeoutMs);
      this.#sharedDepth = Object.values(counts).reduce((a, b) => a + b, 0);
      this.#setup.metrics?.queueDepth.set(this.depth);
    } catch {
      // Redis went away between the check and the command: the link logs the transition.
    }
  }

  /** BullMQ reports connection errors on every reconnection attempt: log at most one a minute. */
  #onError(error: unknown): void {
    const now = SYSTEM_CLOCK.now();
    if (now - this.#lastError < 60_000) return;
    this.#lastError = now;
    this.#log?.warn({ err: error }, 'evaluation queue error (Redis)');
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => typeof v === 'number' || typeof v === 'string'),
  ) as Partial<T>;
}
