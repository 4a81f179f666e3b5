/**
 * Recovery of missed webhooks. A delivery GitHub could not hand to the app (the
 * app was down, a deploy was in progress, a 5xx) leaves a PR with no check run,
 * "Waiting for status to be reported". This job lists the app's recent webhook
 * deliveries through GitHub's API (`GET /app/hook/deliveries`, authenticated as
 * the app itself — no permission beyond the app's own), finds deliveries of the
 * events the app evaluates that never succeeded, and asks GitHub to redeliver
 * them (`POST /app/hook/deliveries/{id}/attempts`). Runs on an interval and on
 * demand (SIGUSR2), with a bounded lookback and a cap on attempts per delivery.
 */
import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';

/** The fields of a delivery that the job reads (GitHub's "webhook delivery" object). */
export interface HookDelivery {
  readonly id: number;
  readonly guid: string;
  readonly delivered_at: string;
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

export interface RecoveryOptions {
  /** How far back to look. */
  readonly lookbackMs: number;
  /** A delivery already attempted this many times is left alone (it would fail again). */
  readonly maxAttempts: number;
  /** Pages read at most per run. */
  readonly maxPages: number;
  readonly now?: () => number;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
}

export interface RecoveryReport {
  readonly scanned: number;
  readonly failed: number;
  readonly redelivered: number;
}

export const RECOVERY_DEFAULTS = { intervalMs: 10 * 60_000, lookbackMs: 6 * 60 * 60_000, maxAttempts: 3, maxPages: 10 } as const;

/** The events that lead to an evaluation; others are not worth redelivering. */
export const RECOVERABLE_EVENTS = new Set(['pull_request', 'pull_request_review', 'check_run', 'check_suite', 'issue_comment', 'merge_group']);

const ok = (status: number) => status >= 200 && status < 300;

export async function recoverFailedDeliveries(api: DeliveriesApi, options: RecoveryOptions): Promise<RecoveryReport> {
  const now = (options.now ?? Date.now)();
  const since = now - options.lookbackMs;
  const byGuid = new Map<string, HookDelivery[]>();
  let scanned = 0;
  let cursor: string | undefined;
  for (let page = 0; page < options.maxPages; page++) {
    const { deliveries, next } = await api.list(cursor);
    let reachedEnd = false;
    for (const d of deliveries) {
      if (Date.parse(d.delivered_at) < since) {
        reachedEnd = true;
        continue;
      }
      scanned++;
      const list = byGuid.get(d.guid) ?? [];
      list.push(d);
      byGuid.set(d.guid, list);
    }
    if (reachedEnd || !next) break;
    cursor = next;
  }

  let failed = 0;
  let redelivered = 0;
  for (const [guid, attempts] of byGuid) {
    const latest = attempts.reduce((a, b) => (b.id > a.id ? b : a));
    if (!RECOVERABLE_EVENTS.has(latest.event) || attempts.some((a) => ok(a.status_code))) continue;
    failed++;
    if (attempts.length >= options.maxAttempts) {
      options.log.warn({ guid, event: latest.event, attempts: attempts.length }, 'webhook delivery keeps failing; not redelivered again');
      continue;
    }
    try {
      await api.redeliver(latest.id);
      redelivered++;
      options.metrics?.redeliveries.inc({ result: 'requested' });
      options.log.info({ guid, event: latest.event, action: latest.action, deliveryId: latest.id, statusCode: latest.status_code }, 'asked GitHub to redeliver a failed webhook');
    } catch (error) {
      options.metrics?.redeliveries.inc({ result: 'error' });
      options.log.warn({ err: error, guid, deliveryId: latest.id }, 'redelivery request failed');
    }
  }
  options.log.info({ scanned, failed, redelivered }, 'webhook delivery recovery finished');
  return { scanned, failed, redelivered };
}

/** The API over an app-authenticated Octokit. */
export function deliveriesApi(octokit: { request: (route: string, params?: Record<string, unknown>) => Promise<{ data: unknown; headers: Record<string, string | undefined> }> }): DeliveriesApi {
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
