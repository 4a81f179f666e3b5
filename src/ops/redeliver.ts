/**
 * Recovery of missed webhooks. A delivery GitHub could not hand to the app (the
 * app was down, a deploy was in progress, a 5xx) leaves a PR with no check run,
 * "Waiting for status to be reported". This job lists the app's recent webhook
 * deliveries through GitHub's API (`GET /app/hook/deliveries`, authenticated as
 * the app itself — no permission beyond the app's own), finds deliveries of the
 * events the app evaluates that never succeeded, and asks GitHub to redeliver
 * them (`POST /app/hook/deliveries/{id}/attempts`).
 *
 * It never asks twice for one delivery: GitHub lists every attempt of a delivery
 * under one `guid`, and a guid with a successful attempt, or with a redelivery in
 * the last `recentMs`, or that this app (any replica) asked for in the last
 * `recentMs`, is left alone. A run reads at most `maxPages` pages and makes at
 * most `maxRedeliveries` redelivery requests; GitHub's answer to a redelivery
 * request is 202 and the attempt comes later, so the memory of what was asked
 * covers the time before the list shows it.
 *
 * `RecoveryRunner` runs the job once at a time per process (start-up, interval,
 * SIGUSR2) and, with a lock (REDIS_URL: src/queue/redis-lock.ts), once at a time across
 * replicas. See docs/runbook.md, "Redeliver webhooks".
 */
import type { Logger } from 'pino';
import { MemoryCooldown, type Cooldown } from '../server/cooldown.js';
import type { Metrics, RecoveryRunResult, RedeliveryResult } from './metrics.js';
import { SYSTEM_CLOCK } from './clock.js';

/** The fields of a delivery that the job reads (GitHub's "webhook delivery" object): one attempt. */
export interface HookDelivery {
  /** This attempt. */
  readonly id: number;
  /** The delivery: every attempt of it, redeliveries included, has the same guid (`X-GitHub-Delivery`). */
  readonly guid: string;
  readonly delivered_at: string;
  /** True for an attempt made by a redelivery request. */
  readonly redelivery?: boolean;
  /** What the app answered; 0 when GitHub could not connect or timed out. */
  readonly status_code: number;
  readonly event: string;
  readonly action?: string | null;
}

/** The calls the job makes, as the app (JWT), not as an installation. */
export interface DeliveriesApi {
  /** One page of deliveries, newest first; `cursor` for the next page, if any. */
  list(cursor?: string): Promise<{ deliveries: HookDelivery[]; next?: string | undefined }>;
  redeliver(id: number): Promise<void>;
}

export interface RecoveryLimits {
  /** How far back to look. A delivery whose first attempt is older is not this job's. */
  readonly lookbackMs: number;
  /** A delivery already attempted this many times is left alone (it would fail again). */
  readonly maxAttempts: number;
  /** Pages of 100 attempts read at most per run (REDELIVERY_MAX_PAGES). */
  readonly maxPages: number;
  /** Redelivery requests made at most per run (REDELIVERY_MAX_PER_RUN); the rest wait for the next run. */
  readonly maxRedeliveries: number;
  /** A delivery redelivered, or asked for, within this window is not asked for again. */
  readonly recentMs: number;
}

/**
 * What was asked recently, shared by every replica with REDIS_URL. `take(guid)` is true, and
 * starts the guid's window, when it was not taken within the window.
 */
export interface RedeliveryMemory {
  /** Deliveries asked for, for `recentMs`. */
  readonly asked: Cooldown;
  /** Deliveries already reported as given up, for `lookbackMs` (one warn line and count each). */
  readonly gaveUp: Cooldown;
}

export interface RecoveryOptions extends RecoveryLimits {
  /** Default: a memory of this call only. */
  readonly memory?: RedeliveryMemory | undefined;
  /** When aborted, no further request is made (shutdown; the replica lost the recovery lock). */
  readonly signal?: AbortSignal | undefined;
  readonly now?: () => number;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
}

export interface RecoveryReport {
  /** Attempts read within the lookback. */
  readonly scanned: number;
  /** Pages read. */
  readonly pages: number;
  /** Deliveries of evaluated events with no successful attempt. */
  readonly failed: number;
  /** Redelivery requests GitHub accepted. */
  readonly redelivered: number;
  /** Redelivery requests that failed. */
  readonly errors: number;
  /** Failed deliveries left alone: redelivered or asked for within `recentMs`. */
  readonly recent: number;
  /** Failed deliveries left alone: attempted `maxAttempts` times. */
  readonly gaveUp: number;
  /** Failed deliveries over `maxRedeliveries`, left for the next run. */
  readonly deferred: number;
  /** The run stopped early because its signal was aborted. */
  readonly aborted: boolean;
}

export const RECOVERY_DEFAULTS = {
  intervalMs: 10 * 60_000,
  /** The first run after start-up: deliveries that failed while no replica was up are found then. */
  startupDelayMs: 15_000,
  lookbackMs: 6 * 60 * 60_000,
  maxAttempts: 3,
  maxPages: 10,
  maxRedeliveries: 100,
  recentMs: 30 * 60_000,
} as const;

/** The events that lead to an evaluation; others are not worth redelivering. */
export const RECOVERABLE_EVENTS = new Set([
  'pull_request',
  'pull_request_review',
  'check_run',
  'check_suite',
  'issue_comment',
  'merge_group',
]);

const ok = (status: number) => status >= 200 && status < 300;

/** A memory of what one process asked, for the windows of `limits`. */
export function localRedeliveryMemory(
  limits: Pick<RecoveryLimits, 'recentMs' | 'lookbackMs'>,
  now?: () => number,
): RedeliveryMemory {
  const clock = now ? { now } : {};
  return { asked: new MemoryCooldown(limits.recentMs, clock), gaveUp: new MemoryCooldown(limits.lookbackMs, clock) };
}

export async function recoverFailedDeliveries(api: DeliveriesApi, options: RecoveryOptions): Promise<RecoveryReport> {
  const started = SYSTEM_CLOCK.now();
  const now = (options.now ?? SYSTEM_CLOCK.now)();
  const { log, signal } = options;
  const memory = options.memory ?? localRedeliveryMemory(options, options.now);
  const count = (result: RedeliveryResult, n = 1) => options.metrics?.redeliveries.inc({ result }, n);

  const { byGuid, scanned, pages } = await listAttempts(api, options, now - options.lookbackMs);
  let failed = 0;
  let recent = 0;
  let gaveUp = 0;
  const candidates: HookDelivery[][] = [];
  for (const [guid, attempts] of byGuid) {
    const first = attempts[0]!;
    // A guid whose first attempt is older than the lookback is not this job's: its
    // redeliveries alone would otherwise keep it in the window for ever.
    if (!RECOVERABLE_EVENTS.has(first.event) || first.redelivery === true || attempts.some((a) => ok(a.status_code)))
      continue;
    failed++;
    if (attempts.length >= options.maxAttempts) {
      gaveUp++;
      if (await memory.gaveUp.take(guid)) {
        count('gave_up');
        log.warn(
          { guid, event: first.event, attempts: attempts.length },
          'webhook delivery keeps failing; not redelivered again',
        );
      }
      continue;
    }
    if (attempts.some((a) => a.redelivery === true && Date.parse(a.delivered_at) >= now - options.recentMs)) {
      recent++;
      continue;
    }
    candidates.push(attempts);
  }

  let redelivered = 0;
  let errors = 0;
  let deferred = 0;
  // Oldest first: the next run's lookback drops the oldest first.
  for (const [index, attempts] of candidates.entries()) {
    if (signal?.aborted) break;
    if (redelivered + errors >= options.maxRedeliveries) {
      deferred = candidates.length - index;
      count('deferred', deferred);
      log.warn(
        { limit: options.maxRedeliveries, deferred },
        'redelivery limit of the run reached; the rest wait for the next run',
      );
      break;
    }
    const latest = attempts.at(-1)!;
    if (!(await memory.asked.take(latest.guid))) {
      recent++;
      continue;
    }
    const fields = {
      guid: latest.guid,
      event: latest.event,
      action: latest.action,
      deliveryId: latest.id,
      statusCode: latest.status_code,
    };
    try {
      await api.redeliver(latest.id);
      redelivered++;
      count('requested');
      log.info(fields, 'asked GitHub to redeliver a failed webhook');
    } catch (error) {
      errors++;
      count('error');
      log.warn({ ...fields, err: error }, 'redelivery request failed');
    }
  }
  const report = {
    scanned,
    pages,
    failed,
    redelivered,
    errors,
    recent,
    gaveUp,
    deferred,
    aborted: signal?.aborted === true,
  };
  log.info({ ...report, durationMs: SYSTEM_CLOCK.now() - started }, 'webhook delivery recovery finished');
  return report;
}

/** Attempts within the lookback, by guid, each list oldest first; at most `maxPages` pages. */
async function listAttempts(api: DeliveriesApi, options: RecoveryOptions, since: number) {
  const byGuid = new Map<string, HookDelivery[]>();
  let scanned = 0;
  let pages = 0;
  let cursor: string | undefined;
  for (;;) {
    if (options.signal?.aborted) break;
    if (pages >= options.maxPages) {
      options.log.warn(
        { pages, maxPages: options.maxPages },
        'webhook delivery list cut at the page limit; older failed deliveries are not seen',
      );
      break;
    }
    const { deliveries, next } = await api.list(cursor);
    pages++;
    let reachedEnd = false;
    for (const d of deliveries) {
      if (Date.parse(d.delivered_at) < since) {
        reachedEnd = true;
        continue;
      }
      scanned++;
      const attempts = byGuid.get(d.guid);
      if (attempts) attempts.push(d);
      else byGuid.set(d.guid, [d]);
    }
    if (reachedEnd || !next) break;
    cursor = next;
  }
  for (const attempts of byGuid.values()) attempts.sort((a, b) => a.id - b.id);
  const oldestFirst = [...byGuid].sort(([, a], [, b]) => a[0]!.id - b[0]!.id);
  return { byGuid: new Map(oldestFirst), scanned, pages };
}

/** The API over an app-authenticated Octokit. */
export function deliveriesApi(octokit: {
  request: (
    route: string,
    params?: Record<string, unknown>,
  ) => Promise<{ data: unknown; headers: Record<string, string | undefined> }>;
}): DeliveriesApi {
  return {
    async list(cursor) {
      const res = await octokit.request('GET /app/hook/deliveries', { per_page: 100, ...(cursor ? { cursor } : {}) });
      const next = /<[^>]*[?&]cursor=([^&>]+)[^>]*>;\s*rel="next"/.exec(res.headers.link ?? '')?.[1];
      return { deliveries: res.data as HookDelivery[], next: next ? decodeURIComponent(next) : undefined };
    },
    async redeliver(id) {
      await octokit.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: id });
    },
  };
}

/** Holds the recovery lock for one run (src/queue/redis-lock.ts). */
export interface RecoveryLease {
  /** Aborted when the lease is lost (it could not be renewed): stop making requests. */
  readonly signal: AbortSignal;
  /** Never throws. */
  release(): Promise<void>;
}

/** Who may run the job now, across replicas. */
export interface RecoveryLock {
  /** A lease; `held` while another holder has one; `unavailable` when the lock cannot be asked. Never throws. */
  acquire(): Promise<RecoveryLease | 'held' | 'unavailable'>;
}

export type RecoveryTrigger = 'startup' | 'interval' | 'signal';

export interface RecoveryOutcome {
  readonly result: RecoveryRunResult | 'stopped';
  readonly report?: RecoveryReport;
}

export interface RecoveryRunnerOptions {
  /** One run of the job, to stop making requests when `signal` is aborted. */
  readonly run: (signal: AbortSignal) => Promise<RecoveryReport>;
  /** Across replicas (REDIS_URL). Without it, this process is the only one that runs the job. */
  readonly lock?: RecoveryLock | undefined;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
}

/**
 * The job's single flight: a run asked for while one is in progress on this process is
 * skipped (and counted), whoever asked (start-up, the interval, SIGUSR2); with a lock, a run
 * while another replica holds it is skipped too. `stop()` ends it for shutdown.
 */
export class RecoveryRunner {
  #current: Promise<RecoveryOutcome> | undefined;
  #controller: AbortController | undefined;
  #stopped = false;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(private readonly options: RecoveryRunnerOptions) {}

  /** Whether a run is in progress on this process. */
  get running(): boolean {
    return this.#current !== undefined;
  }

  /** Runs the job now unless a run is in progress (here, or on another replica holding the lock). */
  run(trigger: RecoveryTrigger): Promise<RecoveryOutcome> {
    if (this.#stopped) return Promise.resolve({ result: 'stopped' });
    if (this.#current) {
      this.#count('skipped_running');
      this.options.log.info({ trigger }, 'webhook delivery recovery skipped: a run is in progress on this replica');
      return Promise.resolve({ result: 'skipped_running' });
    }
    const current = this.#run(trigger).finally(() => {
      this.#current = undefined;
    });
    this.#current = current;
    return current;
  }

  /** A first run `startupDelayMs` after now, then one every `intervalMs` (0: neither). */
  schedule(timing: { intervalMs: number; startupDelayMs: number }): void {
    if (this.#stopped || timing.intervalMs <= 0) return;
    this.#timers.push(setTimeout(() => void this.run('startup'), timing.startupDelayMs).unref());
    this.#timers.push(setInterval(() => void this.run('interval'), timing.intervalMs).unref());
  }

  /** No further run starts; the one in progress stops before its next request. Resolves when it ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#controller?.abort(new Error('shutting down'));
    await this.#current;
  }

  async #run(trigger: RecoveryTrigger): Promise<RecoveryOutcome> {
    const { log, lock } = this.options;
    const controller = new AbortController();
    this.#controller = controller;
    let lease: RecoveryLease | undefined;
    try {
      const acquired = lock ? await lock.acquire() : undefined;
      if (acquired === 'held') {
        this.#count('skipped_other_replica');
        log.info({ trigger }, 'webhook delivery recovery skipped: another replica is running it');
        return { result: 'skipped_other_replica' };
      }
      if (acquired === 'unavailable') {
        this.#count('skipped_redis_down');
        log.warn({ trigger }, 'webhook delivery recovery skipped: redis is unreachable, so no replica may run it');
        return { result: 'skipped_redis_down' };
      }
      lease = acquired;
      log.info({ trigger }, 'webhook delivery recovery started');
      const signal = lease ? AbortSignal.any([controller.signal, lease.signal]) : controller.signal;
      const report = await this.options.run(signal);
      const result = report.aborted ? 'aborted' : 'completed';
      if (report.aborted)
        log.warn(
          { trigger, reason: String((signal.reason as Error | undefined)?.message ?? signal.reason) },
          'webhook delivery recovery stopped before its end',
        );
      this.#count(result);
      return { result, report };
    } catch (error) {
      this.#count('failed');
      log.warn({ err: error, trigger }, 'webhook delivery recovery failed');
      return { result: 'failed' };
    } finally {
      await lease?.release();
      this.#controller = undefined;
    }
  }

  #count(result: RecoveryRunResult): void {
    this.options.metrics?.recoveryRuns.inc({ result });
  }
}
