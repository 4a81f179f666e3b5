/**
 * Prometheus metrics (served at `GET /metrics`). One registry per app instance so
 * tests can run several apps side by side. Names follow Prometheus conventions.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerHistoryMetrics, type HistoryMetrics } from './store/metrics.js';

export interface Metrics {
  readonly registry: Registry;
  readonly evaluations: Counter<'conclusion'>;
  readonly gateResults: Counter<'gate' | 'status'>;
  readonly evaluationDuration: Histogram<'outcome'>;
  readonly webhookEvents: Counter<'event' | 'action'>;
  readonly githubRequests: Counter<'kind' | 'status'>;
  readonly rateLimitRemaining: Gauge<'resource'>;
  readonly queueDepth: Gauge;
  readonly queueEvents: Counter<'result'>;
  readonly configErrors: Counter;
  readonly checkRunWrites: Counter<'result'>;
  readonly redeliveries: Counter<'result'>;
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
  /** The history's metrics (`src/store/metrics.ts`). */
  readonly history: HistoryMetrics;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    evaluations: new Counter({ name: 'quality_gates_evaluations_total', help: 'Completed evaluations by check conclusion (success, failure, neutral) or outcome.', labelNames: ['conclusion'], registers }),
    gateResults: new Counter({ name: 'quality_gates_gate_results_total', help: 'Gate results by gate and status (pass, fail, warn, skipped).', labelNames: ['gate', 'status'], registers }),
    evaluationDuration: new Histogram({
      name: 'quality_gates_evaluation_duration_seconds',
      help: 'Time from dequeue to check run written, by outcome.',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
    webhookEvents: new Counter({ name: 'quality_gates_webhook_events_total', help: 'Webhook events received, by event and action.', labelNames: ['event', 'action'], registers }),
    githubRequests: new Counter({ name: 'quality_gates_github_requests_total', help: 'GitHub API requests by kind (graphql, rest) and HTTP status.', labelNames: ['kind', 'status'], registers }),
    rateLimitRemaining: new Gauge({ name: 'quality_gates_github_rate_limit_remaining', help: 'Last x-ratelimit-remaining seen from GitHub, by resource.', labelNames: ['resource'], registers }),
    queueDepth: new Gauge({ name: 'quality_gates_queue_depth', help: 'Evaluations waiting in the queue (with Redis: the shared queue, the same value on every replica).', registers }),
    queueEvents: new Counter({ name: 'quality_gates_queue_events_total', help: 'Queue admissions by result (queued, coalesced, dropped, deferred, fallback: evaluated in-process because Redis was unreachable).', labelNames: ['result'], registers }),
    configErrors: new Counter({ name: 'quality_gates_config_errors_total', help: 'Evaluations that found an invalid configuration.', registers }),
    redeliveries: new Counter({ name: 'quality_gates_webhook_redeliveries_total', help: 'Failed webhook deliveries the app asked GitHub to redeliver, by result (requested, error).', labelNames: ['result'], registers }),
    checkRunWrites: new Counter({ name: 'quality_gates_check_run_writes_total', help: 'Check-run writes by result (created, updated, unchanged).', labelNames: ['result'], registers }),
    queueWait: new Histogram({
      name: 'quality_gates_queue_wait_seconds',
      help: 'Time from enqueue to the start of an evaluation, by queue (memory, redis, local: in-process fallback while Redis is down).',
      labelNames: ['queue'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    }),
    queueActive: new Gauge({ name: 'quality_gates_queue_active', help: 'Evaluations running on this replica.', registers }),
    queueRetries: new Counter({ name: 'quality_gates_queue_retries_total', help: 'Evaluation jobs that crashed (an infrastructure error, not a gate result) and were scheduled again with backoff, by queue.', labelNames: ['queue'], registers }),
    queueFailures: new Counter({ name: 'quality_gates_queue_failures_total', help: 'Evaluation jobs that crashed on every attempt and were given up, by queue.', labelNames: ['queue'], registers }),
    queueStalled: new Counter({ name: 'quality_gates_queue_stalled_total', help: 'Jobs whose replica died or stopped renewing its lock, put back for another replica (Redis only).', registers }),
    redisUp: new Gauge({ name: 'quality_gates_redis_up', help: '1 while the Redis connection (REDIS_URL) is ready, 0 while it is not. Absent without REDIS_URL.', registers }),
    history: registerHistoryMetrics(registry),
  };
}
