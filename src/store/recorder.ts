/**
 * `HistoryRecorder`: records reach the database without ever being in an evaluation's way.
 *
 * `recordEvaluation` and `recordPullRequest` return at once (nothing to await, nothing thrown):
 * the record joins a bounded in-memory buffer, and one background loop writes the buffer in
 * batches. A failed write is retried with exponential backoff (with jitter) for as long as the
 * database is unreachable; records keep queueing meanwhile. When the buffer is full, new records
 * are dropped, counted (`quality_gates_history_dropped_total{reason="overflow"}`) and logged. A
 * record the database refuses for what it contains (a data or constraint error) is isolated from
 * its batch and dropped alone (`reason="rejected"`), so it cannot hold up the others.
 *
 * Only the newest open-PR snapshot of a pull request waits in the buffer: a newer evaluation
 * takes the snapshot off an older one still waiting, which keeps an outage's buffer small.
 */
import type { Logger } from 'pino';
import type { Backend } from './database.js';
import type { HistoryMetrics } from './metrics.js';
import type { EvaluationRecord, PullRequestRecord } from './records.js';
import type { HistoryItem, WriteSummary } from './writer.js';
import { safeError } from './errors.js';
import { SYSTEM_CLOCK } from '../ops/clock.js';

/** Where the recorder writes: opens (and migrates) the database on first use, and again after it is lost. */
export interface HistoryStore {
  readonly backend: Backend;
  /** Resolves when the database is open and migrated; rejects when it cannot be. */
  ready(): Promise<void>;
  /** A cheap round trip (`SELECT 1`): rejects when the database does not answer. */
  ping(): Promise<void>;
  write(items: readonly HistoryItem[]): Promise<WriteSummary>;
  close(): Promise<void>;
}

export interface RecorderOptions {
  readonly store: HistoryStore;
  readonly log: Logger;
  readonly metrics: HistoryMetrics;
  /** Most records waiting (default 20,000). */
  readonly maxRecords?: number;
  /** Most bytes waiting, estimated (default 64 MiB): snapshots of large PRs are large. */
  readonly maxBytes?: number;
  /** Most records per write (default 250). */
  readonly batchSize?: number;
  /** How long a first record waits for others to share its batch (default 25 ms). */
  readonly flushDelayMs?: number;
  /** Retry delays: doubling from `initialMs` up to `maxMs`, ± 20 % jitter (default 250 ms to 30 s). */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** How often an idle recorder checks that the database answers, for `/readyz` (default 15 s; 0: never). */
  readonly probeIntervalMs?: number;
  readonly now?: () => number;
}

/** What `/readyz` shows about the history (merged into its JSON). */
export interface HistoryHealth {
  /**
   * `ok`: writes succeed; `starting`: the database is opening; `degraded`: the database cannot be
   * reached, or the buffer is nearly full (records wait or are dropped, check runs are unaffected);
   * `off`: `HISTORY=off`.
   */
  readonly history: 'off' | 'starting' | 'ok' | 'degraded';
  readonly historyBackend?: Backend;
  /** Records waiting in this replica's buffer. */
  readonly historyBuffered?: number;
}

interface Entry {
  item: HistoryItem;
  bytes: number;
  /** Being written now: left alone by snapshot coalescing. */
  inFlight: boolean;
}

/** SQLSTATE classes for errors in the data, not the database: retrying cannot help. */
const PERMANENT = ['22', '23', '42'];

export function isPermanentError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && PERMANENT.includes(code.slice(0, 2));
}

const estimateBytes = (item: HistoryItem): number =>
  item.kind === 'pull-request'
    ? 600
    : 800 +
      item.record.gates.length * 400 +
      item.record.overrides.length * 600 +
      (item.record.snapshot
        ? item.record.snapshot.json.length + item.record.snapshot.files.reduce((n, f) => n + f.text.length, 0)
        : 0);

const prKey = (r: EvaluationRecord | PullRequestRecord) => `${r.repository.id}#${r.number}`;

export class HistoryRecorder {
  readonly #store: HistoryStore;
  readonly #log: Logger;
  readonly #metrics: HistoryMetrics;
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  readonly #batchSize: number;
  readonly #flushDelayMs: number;
  readonly #backoff: { readonly initialMs: number; readonly maxMs: number };
  readonly #now: () => number;
  readonly #probeIntervalMs: number;

  #buffer: Entry[] = [];
  #bytes = 0;
  /** The buffered entry holding each pull request's newest snapshot. */
  readonly #snapshots = new Map<string, Entry>();
  #timer: NodeJS.Timeout | undefined;
  #probe: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #failures = 0;
  #connected: boolean | undefined;
  #lastError: string | undefined;
  #closing = false;
  #deadline = Infinity;
  /** Overflow drops not yet logged (logged at most every 10 s). */
  #unloggedDrops = 0;
  #lastDropLog = 0;

  constructor(options: RecorderOptions) {
    this.#store = options.store;
    this.#log = options.log;
    this.#metrics = options.metrics;
    this.#maxRecords = options.maxRecords ?? 20_000;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#batchSize = options.batchSize ?? 250;
    this.#flushDelayMs = options.flushDelayMs ?? 25;
    this.#backoff = options.backoff ?? { initialMs: 250, maxMs: 30_000 };
    this.#now = options.now ?? SYSTEM_CLOCK.now;
    this.#probeIntervalMs = options.probeIntervalMs ?? 15_000;
  }

  /** Opens the database in the background (health says `starting` until it answers) and starts the probe. */
  start(): void {
    this.#kick();
    if (this.#probeIntervalMs > 0) {
      this.#probe = setInterval(() => void this.#checkIdle(), this.#probeIntervalMs);
      this.#probe.unref();
    }
  }

  /** Records an evaluation; returns at once. */
  recordEvaluation(record: EvaluationRecord): void {
    this.#add({ kind: 'evaluation', record });
  }

  /** Records a pull-request life event; returns at once. */
  recordPullRequest(record: PullRequestRecord): void {
    this.#add({ kind: 'pull-request', record });
  }

  health(): HistoryHealth {
    const buffered = this.#buffer.length;
    const full = buffered >= this.#maxRecords * 0.9 || this.#bytes >= this.#maxBytes * 0.9;
    let history: HistoryHealth['history'] = this.#connected === undefined ? 'starting' : 'ok';
    if (this.#connected === false || full) history = 'degraded';
    return { history, historyBackend: this.#store.backend, historyBuffered: buffered };
  }

  /** Records waiting. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /**
   * Resolves true once the buffer is empty, false if it is not within `timeoutMs` (tests, benches,
   * shutdown). Never rejects.
   */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = this.#now() + timeoutMs;
    while (this.#buffer.length > 0 || this.#flushing) {
      if (this.#now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return true;
  }

  /**
   * Stops taking records, writes what is buffered for up to `timeoutMs`, counts the rest as
   * dropped (`reason="shutdown"`), and closes the database.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#deadline = this.#now() + timeoutMs;
    clearInterval(this.#probe);
    this.#kick();
    // A write that hangs past the deadline is abandoned: closing the database fails it.
    await Promise.race([this.#flushing, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    if (this.#buffer.length > 0) {
      const left = this.#buffer.length;
      this.#metrics.dropped.inc({ reason: 'shutdown' }, left);
      this.#log.warn({ dropped: left, reason: 'shutdown' }, 'history records dropped');
      this.#buffer = [];
      this.#bytes = 0;
      this.#snapshots.clear();
      this.#metrics.buffered.set(0);
    }
    clearTimeout(this.#timer);
    await this.#store
      .close()
      .catch((error: unknown) => this.#log.warn({ err: safeError(error) }, 'history database did not close cleanly'));
  }

  #add(item: HistoryItem): void {
    try {
      if (this.#closing) {
        this.#drop('shutdown', 1);
        return;
      }
      const bytes = estimateBytes(item);
      if (this.#buffer.length >= this.#maxRecords || this.#bytes + bytes > this.#maxBytes) {
        this.#drop('overflow', 1);
        return;
      }
      const entry: Entry = { item, bytes, inFlight: false };
      if (item.kind === 'evaluation' && item.record.snapshot) this.#supersede(prKey(item.record), entry);
      this.#buffer.push(entry);
      this.#bytes += bytes;
      this.#metrics.buffered.set(this.#buffer.length);
      this.#schedule();
    } catch (error) {
      // Recording never throws into the caller.
      this.#log.error({ err: safeError(error) }, 'history record could not be buffered');
    }
  }

  /** Takes the snapshot off the older waiting evaluation of the same pull request. */
  #supersede(key: string, entry: Entry): void {
    const older = this.#snapshots.get(key);
    this.#snapshots.set(key, entry);
    if (!older || older.inFlight || older.item.kind !== 'evaluation') return;
    const { snapshot: _dropped, ...rest } = older.item.record;
    const lighter: HistoryItem = { kind: 'evaluation', record: rest };
    const bytes = estimateBytes(lighter);
    this.#bytes -= older.bytes - bytes;
    older.item = lighter;
    older.bytes = bytes;
  }

  #drop(reason: 'overflow' | 'shutdown', count: number): void {
    this.#metrics.dropped.inc({ reason }, count);
    this.#unloggedDrops += count;
    const now = this.#now();
    if (now - this.#lastDropLog >= 10_000) {
      this.#log.warn(
        { dropped: this.#unloggedDrops, reason, buffered: this.#buffer.length, lastError: this.#lastError },
        'history records dropped',
      );
      this.#unloggedDrops = 0;
      this.#lastDropLog = now;
    }
  }

  #schedule(): void {
    if (this.#timer || this.#flushing) return;
    const delay = this.#buffer.length >= this.#batchSize ? 0 : this.#flushDelayMs;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#kick();
    }, delay);
    this.#timer.unref();
  }

  /** Starts the write loop now (or cuts its backoff short). */
  #kick(): void {
    if (this.#wake) {
      this.#wake();
      return;
    }
    if (this.#flushing || (this.#buffer.length === 0 && (this.#connected === true || this.#closing))) return;
    this.#flushing = this.#loop().finally(() => {
      this.#flushing = undefined;
      if (this.#buffer.length > 0 && !this.#closing) this.#schedule();
    });
  }

  async #loop(): Promise<void> {
    while (this.#now() < this.#deadline) {
      let ok: boolean;
      if (this.#buffer.length === 0) {
        // Nothing to write: reach the database anyway (start-up, or a failed probe), for `/readyz`.
        if (this.#connected === true || this.#closing) return;
        ok = await this.#reach();
      } else {
        const entries = this.#buffer.slice(0, this.#batchSize);
        for (const e of entries) e.inFlight = true;
        ok = await this.#writeEntries(entries);
        for (const e of entries) e.inFlight = false;
      }
      if (ok) continue;
      const delay =
        Math.min(this.#backoff.maxMs, this.#backoff.initialMs * 2 ** Math.min(this.#failures - 1, 20)) *
        (0.8 + SYSTEM_CLOCK.random() * 0.4);
      await this.#sleep(Math.min(delay, Math.max(0, this.#deadline - this.#now())));
    }
  }

  async #reach(): Promise<boolean> {
    try {
      await this.#store.ready();
      await this.#store.ping();
      this.#markConnected();
      return true;
    } catch (error) {
      this.#failed(error);
      return false;
    }
  }

  /** The idle probe: a database that stopped answering shows as degraded before a write finds out. */
  async #checkIdle(): Promise<void> {
    if (this.#flushing || this.#closing || this.#connected !== true) return;
    try {
      await this.#store.ping();
    } catch (error) {
      this.#failed(error);
      this.#kick();
    }
  }

  /** Writes entries (the head of the buffer) and removes what was written or rejected. False: retry later. */
  async #writeEntries(entries: readonly Entry[]): Promise<boolean> {
    try {
      await this.#store.ready();
    } catch (error) {
      // Opening or migrating failed: the database's fault, never the records'.
      this.#failed(error);
      return false;
    }
    const started = this.#now();
    try {
      const summary = await this.#store.write(entries.map((e) => e.item));
      this.#metrics.writeDuration.observe({ result: 'ok' }, (this.#now() - started) / 1000);
      this.#succeeded(entries, summary);
      return true;
    } catch (error) {
      this.#metrics.writeDuration.observe({ result: 'error' }, (this.#now() - started) / 1000);
      if (isPermanentError(error)) {
        await this.#isolate(entries, error);
        return true;
      }
      this.#failed(error);
      return false;
    }
  }

  /** A batch with a record the database refuses: halves are written apart until the culprit stands alone. */
  async #isolate(entries: readonly Entry[], error: unknown): Promise<void> {
    if (entries.length === 1) {
      const item = entries[0]!.item;
      this.#remove(entries);
      this.#metrics.dropped.inc({ reason: 'rejected' });
      const code = (error as { code?: string }).code;
      this.#log.error(
        {
          err: safeError(error),
          code,
          kind: item.kind,
          repositoryId: item.record.repository.id,
          pr: item.record.number,
        },
        'history record rejected by the database; dropped',
      );
      return;
    }
    const half = Math.ceil(entries.length / 2);
    for (const part of [entries.slice(0, half), entries.slice(half)]) {
      try {
        const summary = await this.#store.write(part.map((e) => e.item));
        this.#succeeded(part, summary);
      } catch (inner) {
        if (!isPermanentError(inner)) throw inner;
        await this.#isolate(part, inner);
      }
    }
  }

  #succeeded(entries: readonly Entry[], summary: WriteSummary): void {
    this.#remove(entries);
    const evaluations = entries.filter((e) => e.item.kind === 'evaluation').length;
    if (evaluations > 0) this.#metrics.written.inc({ kind: 'evaluation' }, evaluations);
    if (entries.length > evaluations) this.#metrics.written.inc({ kind: 'pull_request' }, entries.length - evaluations);
    this.#markConnected();
    if (summary.duplicates > 0)
      this.#log.debug({ duplicates: summary.duplicates }, 'history evaluations already recorded');
  }

  #markConnected(): void {
    if (this.#connected !== true) {
      const fields = { failedAttempts: this.#failures, buffered: this.#buffer.length, backend: this.#store.backend };
      if (this.#connected === false) this.#log.info(fields, 'history database reachable again; catching up');
      else this.#log.info(fields, 'history database ready');
      this.#connected = true;
      this.#metrics.up.set(1);
    }
    this.#failures = 0;
    this.#lastError = undefined;
  }

  #failed(error: unknown): void {
    this.#failures++;
    this.#lastError = error instanceof Error ? error.message : String(error);
    this.#metrics.up.set(0);
    // The first failure, then every 20th: an outage logs a line a few minutes, not one per retry.
    if (this.#connected !== false || this.#failures % 20 === 0) {
      const code = (error as { code?: string }).code;
      this.#log.warn(
        {
          err: safeError(error),
          code,
          attempt: this.#failures,
          buffered: this.#buffer.length,
          backend: this.#store.backend,
        },
        'history write failed; retrying',
      );
    }
    this.#connected = false;
  }

  #remove(entries: readonly Entry[]): void {
    const gone = new Set(entries);
    this.#buffer = this.#buffer.filter((e) => !gone.has(e));
    for (const e of entries) {
      this.#bytes -= e.bytes;
      if (e.item.kind === 'evaluation') {
        const key = prKey(e.item.record);
        if (this.#snapshots.get(key) === e) this.#snapshots.delete(key);
      }
    }
    this.#metrics.buffered.set(this.#buffer.length);
  }

  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = undefined;
  }
}
