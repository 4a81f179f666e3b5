/**
 * Prometheus metrics (served at `GET /metrics`). One registry per app instance so
 * tests can run several apps side by side. Names follow Prometheus conventions.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
    queueDepth: new Gauge({ name: 'quality_gates_queue_depth', help: 'Evaluations waiting in the queue.', registers }),
    queueEvents: new Counter({ name: 'quality_gates_queue_events_total', help: 'Queue admissions by result (queued, coalesced, dropped).', labelNames: ['result'], registers }),
    configErrors: new Counter({ name: 'quality_gates_config_errors_total', help: 'Evaluations that found an invalid configuration.', registers }),
    redeliveries: new Counter({ name: 'quality_gates_webhook_redeliveries_total', help: 'Failed webhook deliveries the app asked GitHub to redeliver, by result (requested, error).', labelNames: ['result'], registers }),
    checkRunWrites: new Counter({ name: 'quality_gates_check_run_writes_total', help: 'Check-run writes by result (created, updated, unchanged).', labelNames: ['result'], registers }),
  };
}
