/**
 * The history as the app sees it: `startHistory` reads the environment and returns a `History`
 * that records (fire and forget), reports its health for `/readyz`, gives insights and the policy
 * preview the database, deletes what is past retention, and closes on shutdown. With `HISTORY=off`
 * it is inert: nothing is recorded and no database is opened.
 */
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { openDatabase, type Backend, type OpenedDatabase } from './database.js';
import type { HistoryMetrics } from './metrics.js';
import { migrate } from './migrations.js';
import { HistoryRecorder, type HistoryHealth, type HistoryStore, type RecorderOptions } from './recorder.js';
import { evaluationRecord, pullRequestRecordFromWebhook, type EvaluationInput } from './record-builders.js';
import type { EvaluationRecord, PullRequestRecord } from './records.js';
import { deleteExpired, retentionCutoff, vacuum } from './retention.js';
import type { HistorySettings } from './settings.js';
import type { HistoryTables } from './tables.js';
import { writeBatch, type HistoryItem, type WriteSummary } from './writer.js';
import { safeError } from './errors.js';
import { SYSTEM_CLOCK } from '../ops/clock.js';

export interface History {
  /** False with `HISTORY=off`. */
  readonly enabled: boolean;
  /**
   * Records an evaluation whose check run is written: builds its record (`evaluationRecord`) and
   * buffers it. Returns at once and never throws; with `HISTORY=off` it does nothing, not even
   * build the record.
   */
  recordVerdict(input: EvaluationInput): void;
  /**
   * Records what a webhook says of a pull request's life (`pull_request.*`, `pull_request.closed`
   * included, and `pull_request_review.submitted`; other events and actions are ignored). Returns
   * at once and never throws; with `HISTORY=off` it does nothing.
   */
  recordWebhook(name: string, payload: unknown): void;
  /** Buffers an evaluation's record; returns at once, never throws. Call after the check run is written. */
  recordEvaluation(record: EvaluationRecord): void;
  /** Buffers a pull-request life event (`pullRequestRecordFromWebhook`); returns at once, never throws. */
  recordPullRequest(record: PullRequestRecord): void;
  /** For `/readyz`: spread into its JSON; `history: "degraded"` makes the replica degraded, not unready. */
  health(): HistoryHealth;
  /** The open, migrated database, for insights and the policy preview. Rejects with `HISTORY=off` or while it cannot be opened. */
  database(): Promise<Kysely<HistoryTables>>;
  /** Resolves true once everything buffered is written (tests and benches). */
  drained(timeoutMs: number): Promise<boolean>;
  /** Writes what is buffered for up to `timeoutMs`, then closes the database. */
  close(timeoutMs?: number): Promise<void>;
}

export interface StartHistoryOptions {
  readonly settings: HistorySettings;
  readonly log: Logger;
  /** The app's registry and the history metrics registered on it (`createMetrics().history`). */
  readonly metrics: { readonly registry: Registry; readonly history: HistoryMetrics };
  /** Buffer and retry tuning (tests). */
  readonly recorder?: Partial<Omit<RecorderOptions, 'store' | 'log' | 'metrics'>>;
  /** Retention job (and, embedded, VACUUM ANALYZE): first run after `firstRunMs` (default 1 minute), then every `intervalMs` (default 1 hour). */
  readonly retention?: { readonly firstRunMs?: number; readonly intervalMs?: number; readonly batchSize?: number };
  /** Server connections per replica (default 4). */
  readonly poolSize?: number;
}

/** Starts the history in the background: nothing here waits for the database. */
export function startHistory(options: StartHistoryOptions): History {
  const { settings, metrics } = options;
  const log = options.log.child({ component: 'history' });
  if (!settings.enabled) {
    metrics.registry.removeSingleMetric('quality_gates_history_up');
    log.info('history is off (HISTORY=off): nothing is recorded');
    return DISABLED;
  }
  const store = new DatabaseStore(settings, log, options.poolSize);
  const recorder = new HistoryRecorder({ ...options.recorder, store, log, metrics: metrics.history });
  recorder.start();
  const retention = startRetention(store, settings.retentionDays, log, metrics.history, options.retention);
  // Building a record is pure, but a verdict or payload shaped in a way nobody foresaw must
  // cost the history that record, never the evaluation that handed it over.
  const guarded =
    <A extends unknown[]>(kind: 'evaluation' | 'pull-request', build: (...args: A) => void) =>
    (...args: A): void => {
      try {
        build(...args);
      } catch (error) {
        log.error({ err: safeError(error), kind }, 'history record could not be built; dropped');
        metrics.history.dropped.inc({ reason: 'invalid' });
      }
    };
  return {
    enabled: true,
    recordVerdict: guarded('evaluation', (input: EvaluationInput) =>
      recorder.recordEvaluation(evaluationRecord(input)),
    ),
    recordWebhook: guarded('pull-request', (name: string, payload: unknown) => {
      const record = pullRequestRecordFromWebhook(name, payload);
      if (record) recorder.recordPullRequest(record);
    }),
    recordEvaluation: (record) => recorder.recordEvaluation(record),
    recordPullRequest: (record) => recorder.recordPullRequest(record),
    health: () => recorder.health(),
    database: () => store.database(),
    drained: (timeoutMs) => recorder.drained(timeoutMs),
    close: async (timeoutMs = 5_000) => {
      await retention.stop();
      await recorder.close(timeoutMs);
    },
  };
}

const DISABLED: History = {
  enabled: false,
  recordVerdict: () => {},
  recordWebhook: () => {},
  recordEvaluation: () => {},
  recordPullRequest: () => {},
  health: () => ({ history: 'off' }),
  database: () => Promise.reject(new Error('history is off (HISTORY=off)')),
  drained: async () => true,
  close: async () => {},
};

/** Opens the database on first use and again after the embedded worker is lost; migrates once per opening. */
export class DatabaseStore implements HistoryStore {
  readonly backend: Backend;
  #opened: OpenedDatabase | undefined;
  #opening: Promise<OpenedDatabase> | undefined;
  #closed = false;

  constructor(
    private readonly settings: Pick<HistorySettings, 'databaseUrl' | 'dataDir'>,
    private readonly log: Logger,
    private readonly poolSize?: number,
  ) {
    this.backend = settings.databaseUrl ? 'server' : 'embedded';
  }

  async ready(): Promise<void> {
    await this.#open();
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute((await this.#open()).db);
  }

  async write(items: readonly HistoryItem[]): Promise<WriteSummary> {
    return writeBatch((await this.#open()).db, items);
  }

  async database(): Promise<Kysely<HistoryTables>> {
    return (await this.#open()).db;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const opened = this.#opened ?? (await this.#opening?.catch(() => undefined));
    this.#opened = undefined;
    await opened?.close();
  }

  async #open(): Promise<OpenedDatabase> {
    if (this.#closed) throw new Error('the history database is closed');
    const current = this.#opened;
    if (current?.alive()) return current;
    if (current) {
      this.#opened = undefined;
      await current.close().catch(() => {});
    }
    this.#opening ??= (async () => {
      const started = SYSTEM_CLOCK.now();
      const opened = await openDatabase(
        { databaseUrl: this.settings.databaseUrl, dataDir: this.settings.dataDir, poolSize: this.poolSize },
        this.log,
      );
      try {
        const result = await migrate(opened.db);
        const applied = (result.results ?? []).map((r) => r.migrationName);
        this.log.info(
          { backend: opened.backend, migrationsApplied: applied, durationMs: SYSTEM_CLOCK.now() - started },
          'history database open',
        );
      } catch (error) {
        await opened.close().catch(() => {});
        throw error;
      }
      if (this.#closed) {
        await opened.close();
        throw new Error('the history database is closed');
      }
      this.#opened = opened;
      return opened;
    })().finally(() => (this.#opening = undefined));
    return this.#opening;
  }
}

function startRetention(
  store: DatabaseStore,
  days: number,
  log: Logger,
  metrics: HistoryMetrics,
  options: StartHistoryOptions['retention'] = {},
): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<void> | undefined;
  const run = () => {
    if (running || stopped) return;
    running = (async () => {
      try {
        const started = SYSTEM_CLOCK.now();
        const deleted = await deleteExpired(await store.database(), retentionCutoff(days), {
          batchSize: options.batchSize,
          stopped: () => stopped,
          onDeleted: (table, rows) => metrics.retentionDeleted.inc({ table }, rows),
        });
        const total = Object.values(deleted).reduce((a, b) => a + b, 0);
        if (total > 0)
          log.info(
            { deleted, retentionDays: days, durationMs: SYSTEM_CLOCK.now() - started },
            'history retention deleted old rows',
          );
        if (store.backend === 'embedded' && !stopped) {
          const vacuumStarted = SYSTEM_CLOCK.now();
          await vacuum(await store.database());
          log.debug({ durationMs: SYSTEM_CLOCK.now() - vacuumStarted }, 'history database vacuumed');
        }
      } catch (error) {
        log.warn({ err: safeError(error) }, 'history retention failed; it runs again at the next interval');
      } finally {
        running = undefined;
      }
    })();
  };
  const first = setTimeout(run, options.firstRunMs ?? 60_000);
  const every = setInterval(run, options.intervalMs ?? 60 * 60 * 1000);
  first.unref();
  every.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}
