/**
 * The history's Prometheus metrics, registered on the app's registry (`src/ops/metrics.ts`).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type DropReason = 'overflow' | 'rejected' | 'invalid' | 'shutdown';

export interface HistoryMetrics {
  /** Records written, by kind (`evaluation`, `pull_request`); a duplicate counts as written. */
  readonly written: Counter<'kind'>;
  /** Records given up, by reason: `overflow` (buffer full), `rejected` (the database refused the record), `invalid` (it could not be built), `shutdown`. */
  readonly dropped: Counter<'reason'>;
  /** Time to write one batch, by result (`ok`, `error`). */
  readonly writeDuration: Histogram<'result'>;
  /** Records waiting in this replica's buffer. */
  readonly buffered: Gauge;
  /** 1 while the last attempt to reach the database succeeded, 0 while not. */
  readonly up: Gauge;
  /** Rows deleted by the retention job, by table. */
  readonly retentionDeleted: Counter<'table'>;
}

export function registerHistoryMetrics(registry: Registry): HistoryMetrics {
  const registers = [registry];
  return {
    written: new Counter({
      name: 'quality_gates_history_written_total',
      help: 'History records written to the database, by kind (evaluation, pull_request); a duplicate (already written) counts.',
      labelNames: ['kind'],
      registers,
    }),
    dropped: new Counter({
      name: 'quality_gates_history_dropped_total',
      help: 'History records given up, by reason: overflow (the buffer was full while the database was slow or down), rejected (the database refused the record), invalid (the record could not be built from what the app handed over), shutdown (still buffered at exit).',
      labelNames: ['reason'],
      registers,
    }),
    writeDuration: new Histogram({
      name: 'quality_gates_history_write_duration_seconds',
      help: 'Time to write one batch of history records, by result (ok, error).',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    buffered: new Gauge({
      name: 'quality_gates_history_buffered',
      help: 'History records waiting in this replica’s buffer for the database.',
      registers,
    }),
    up: new Gauge({
      name: 'quality_gates_history_up',
      help: '1 while the history database answers, 0 while it does not. Absent with HISTORY=off.',
      registers,
    }),
    retentionDeleted: new Counter({
      name: 'quality_gates_history_retention_deleted_total',
      help: 'History rows deleted by the retention job (HISTORY_RETENTION_DAYS), by table.',
      labelNames: ['table'],
      registers,
    }),
  };
}
