/**
 * Prometheus metrics (served at `GET /metrics`). One registry per app instance so
 * tests can run several apps side by side. Names follow Prometheus conventions.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerHistoryMetrics, type HistoryMetrics } from '../store/metrics.js';

export interface Metrics {
  readonly registry: Registry;
  /**
   * `conclusion`: the check's conclusion, or the outcome when there is none. `verdict`: what the
   * run says, so that "Configuration error" and "Evaluation error" runs (conclusion `failure` too)
   * are told from judged pull requests: `evaluated`, `skipped`, `config-error`, `error`,
   * `merge-group` (a merge group passed), `none` (no run: not open, no head, deferred).
   */
  readonly evaluations: Counter<'conclusion' | 'verdict'>;
  readonly gateResults: Counter<'gate' | 'status'>;
  readonly evaluationDuration: Histogram<'outcome'>;
  readonly webhookEvents: Counter<'event' | 'action'>;
  readonly githubRequests: Counter<'kind' | 'status'>;
  readonly rateLimitRemaining: Gauge<'resource'>;
  readonly queueDepth: Gauge;
  readonly queueEvents: Counter<'result'>;
  readonly configErrors: Counter;
  readonly checkRunWrites: Counter<'result'>;
  /** Redelivery requests of the missed-webhook recovery by result (`REDELIVERY_RESULTS`). */
  readonly redeliveries: Counter<'result'>;
  /** Runs of the missed-webhook recovery by result (`RECOVERY_RUN_RESULTS`). */
  readonly recoveryRuns: Counter<'result'>;
  /** Time from enqueue to the start of an evaluation; `queue`: `memory`, `redis`, or `local` (fallback while Redis is down). */
  readonly queueWait: Histogram<'queue'>;
  /** Evaluations running on this replica. */
  readonly queueActive: Gauge;
  /** Job attempts that crashed and were scheduled again. */
  readonly queueRetries: Counter<'queue'>;
  /** Jobs that crashed on every attempt and were given up. */
  readonly queueFailures: Counter<'queue'>;
  /** Jobs of a dead or stuck replica taken over by this one (Redis only). */
  readonly queueStalled: Counter;
  /** 1 while the Redis connection is ready, 0 while not; absent without REDIS_URL. */
  readonly redisUp: Gauge;
  /** Webhook requests answered without being acted on, by reason (`WEBHOOK_REJECTION_REASONS`). */
  readonly webhookRejections: Counter<'reason'>;
  /** PR comment commands (`/gates recheck`) by command and result (`COMMAND_RESULTS`). */
  readonly commentCommands: Counter<'command' | 'result'>;
  /** Override comments judged, per gate and outcome (applied, refused), once per evaluation that judged them. */
  readonly overrides: Counter<'gate' | 'outcome'>;
  /** The history's metrics (`src/store/metrics.ts`). */
  readonly history: HistoryMetrics;
  /** Organisation policy previews (docs/policy-preview.md) by scope and outcome (ok, partial, invalid, unavailable). */
  readonly policyPreviewDuration: Histogram<'scope' | 'outcome'>;
  /** Open pull requests judged again by policy previews, by what the proposed file would do to them. */
  readonly policyPreviewPulls: Counter<'scope' | 'change'>;
}

/**
 * Why a webhook was not acted on:
 * - `too_large`: the body is over 25 MB (GitHub's own cap), announced or counted (413);
 * - `missing_headers`: no `X-GitHub-Event`, `X-GitHub-Delivery` or `X-Hub-Signature-256` (400);
 * - `bad_content_type`: not `application/json` (415);
 * - `bad_signature`: the HMAC does not match WEBHOOK_SECRET (401);
 * - `bad_json`: signed, but not a JSON object (400);
 * - `unknown_event`: an event name the app does not know, answered unread (202);
 * - `invalid_payload`: signed JSON without the fields its handler reads (200, ignored).
 */
export const WEBHOOK_REJECTION_REASONS = [
  'too_large',
  'missing_headers',
  'bad_content_type',
  'bad_signature',
  'bad_json',
  'unknown_event',
  'invalid_payload',
] as const;
export type WebhookRejectionReason = (typeof WEBHOOK_REJECTION_REASONS)[number];

/** What became of a comment command: evaluated, from someone without write access, or within the PR's cooldown. */
export const COMMAND_RESULTS = ['accepted', 'not_allowed', 'cooldown'] as const;
export type CommandResult = (typeof COMMAND_RESULTS)[number];

/**
 * What became of a failed delivery the recovery job found (src/ops/redeliver.ts):
 * - `requested`: GitHub accepted the redelivery request;
 * - `error`: the request failed (it counts against the run's limit, and is not repeated for 30 min);
 * - `deferred`: the run reached REDELIVERY_MAX_PER_RUN; a later run asks for it;
 * - `gave_up`: the delivery has failed on every attempt allowed; counted once per delivery.
 */
export const REDELIVERY_RESULTS = ['requested', 'error', 'deferred', 'gave_up'] as const;
export type RedeliveryResult = (typeof REDELIVERY_RESULTS)[number];

/**
 * How a run of the recovery job ended:
 * - `completed`, `failed` (it could not list deliveries, or Redis failed it), `aborted` (shutdown, or the
 *   replica lost the recovery lock: it stopped asking);
 * - `skipped_running`: a run was already in progress on this replica (its interval or SIGUSR2 came early);
 * - `skipped_other_replica`: another replica holds the recovery lock (REDIS_URL) and is running it;
 * - `skipped_redis_down`: with REDIS_URL, Redis could not be asked for the lock, so no replica runs it.
 */
export const RECOVERY_RUN_RESULTS = [
  'completed',
  'failed',
  'aborted',
  'skipped_running',
  'skipped_other_replica',
  'skipped_redis_down',
] as const;
export type RecoveryRunResult = (typeof RECOVERY_RUN_RESULTS)[number];

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const webhookRejections = new Counter({
    name: 'quality_gates_webhook_rejections_total',
    help: 'Webhook requests not acted on, by reason (too_large, missing_headers, bad_content_type, bad_signature, bad_json, unknown_event, invalid_payload).',
    labelNames: ['reason'],
    registers,
  });
  const redeliveries = new Counter({
    name: 'quality_gates_webhook_redeliveries_total',
    help: 'Failed webhook deliveries found by the recovery job, by result (requested, error, deferred: over the per-run limit, gave_up: every attempt failed).',
    labelNames: ['result'],
    registers,
  });
  const recoveryRuns = new Counter({
    name: 'quality_gates_webhook_recovery_runs_total',
    help: 'Runs of the missed-webhook recovery job by result (completed, failed, aborted, skipped_running, skipped_other_replica, skipped_redis_down).',
    labelNames: ['result'],
    registers,
  });
  // Every reason and result from zero, so a rate over one that never happened is 0 rather than absent.
  for (const reason of WEBHOOK_REJECTION_REASONS) webhookRejections.inc({ reason }, 0);
  for (const result of REDELIVERY_RESULTS) redeliveries.inc({ result }, 0);
  for (const result of RECOVERY_RUN_RESULTS) recoveryRuns.inc({ result }, 0);
  return {
    registry,
    evaluations: new Counter({
      name: 'quality_gates_evaluations_total',
      help: 'Completed evaluations by check conclusion (success, failure, neutral) or outcome, and verdict (evaluated, skipped, config-error, error, merge-group, none).',
      labelNames: ['conclusion', 'verdict'],
      registers,
    }),
    gateResults: new Counter({
      name: 'quality_gates_gate_results_total',
      help: 'Gate results by gate and status (pass, fail, warn, skipped).',
      labelNames: ['gate', 'status'],
      registers,
    }),
    evaluationDuration: new Histogram({
      name: 'quality_gates_evaluation_duration_seconds',
      help: 'Time from dequeue to check run written, by outcome.',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
    webhookEvents: new Counter({
      name: 'quality_gates_webhook_events_total',
      help: 'Webhook events received, by event and action.',
      labelNames: ['event', 'action'],
      registers,
    }),
    githubRequests: new Counter({
      name: 'quality_gates_github_requests_total',
      help: 'GitHub API requests by kind (graphql, rest) and HTTP status.',
      labelNames: ['kind', 'status'],
      registers,
    }),
    rateLimitRemaining: new Gauge({
      name: 'quality_gates_github_rate_limit_remaining',
      help: 'Last x-ratelimit-remaining seen from GitHub, by resource.',
      labelNames: ['resource'],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'quality_gates_queue_depth',
      help: 'Evaluations waiting in the queue (with Redis: the shared queue, the same value on every replica).',
      registers,
    }),
    queueEvents: new Counter({
      name: 'quality_gates_queue_events_total',
      help: 'Queue admissions by result (queued, coalesced, dropped, deferred, fallback: evaluated in-process because Redis was unreachable).',
      labelNames: ['result'],
      registers,
    }),
    configErrors: new Counter({
      name: 'quality_gates_config_errors_total',
      help: 'Evaluations that found an invalid configuration.',
      registers,
    }),
    redeliveries,
    recoveryRuns,
    checkRunWrites: new Counter({
      name: 'quality_gates_check_run_writes_total',
      help: 'Check-run writes by result (created, updated, unchanged).',
      labelNames: ['result'],
      registers,
    }),
    queueWait: new Histogram({
      name: 'quality_gates_queue_wait_seconds',
      help: 'Time from enqueue to the start of an evaluation, by queue (memory, redis, local: in-process fallback while Redis is down).',
      labelNames: ['queue'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    }),
    queueActive: new Gauge({
      name: 'quality_gates_queue_active',
      help: 'Evaluations running on this replica.',
      registers,
    }),
    queueRetries: new Counter({
      name: 'quality_gates_queue_retries_total',
      help: 'Evaluation jobs that crashed (an infrastructure error, not a gate result) and were scheduled again with backoff, by queue.',
      labelNames: ['queue'],
      registers,
    }),
    queueFailures: new Counter({
      name: 'quality_gates_queue_failures_total',
      help: 'Evaluation jobs that crashed on every attempt and were given up, by queue.',
      labelNames: ['queue'],
      registers,
    }),
    queueStalled: new Counter({
      name: 'quality_gates_queue_stalled_total',
      help: 'Jobs whose replica died or stopped renewing its lock, put back for another replica (Redis only).',
      registers,
    }),
    redisUp: new Gauge({
      name: 'quality_gates_redis_up',
      help: '1 while the Redis connection (REDIS_URL) is ready, 0 while it is not. Absent without REDIS_URL.',
      registers,
    }),
    webhookRejections,
    overrides: new Counter({
      name: 'quality_gates_overrides_total',
      help: 'Override comments judged, by gate (a gate id, or unknown) and outcome (applied, refused); every evaluation counts them again (docs/overrides.md).',
      labelNames: ['gate', 'outcome'],
      registers,
    }),
    commentCommands: new Counter({
      name: 'quality_gates_comment_commands_total',
      help: 'PR comment commands by command (recheck, override) and result (accepted, not_allowed: no write access, cooldown: within the cooldown).',
      labelNames: ['command', 'result'],
      registers,
    }),
    history: registerHistoryMetrics(registry),
    policyPreviewDuration: new Histogram({
      name: 'quality_gates_policy_preview_seconds',
      help: 'Time to judge the stored open pull requests again under a proposed config (docs/policy-preview.md), by scope (organisation, repository) and outcome (ok, partial, invalid, unavailable).',
      labelNames: ['scope', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20],
      registers,
    }),
    policyPreviewPulls: new Counter({
      name: 'quality_gates_policy_preview_prs_total',
      help: 'Open pull requests judged again by policy previews, by scope and change (block: would be newly blocked, unblock, stay).',
      labelNames: ['scope', 'change'],
      registers,
    }),
  };
}
