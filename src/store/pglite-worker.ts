/**
 * The embedded PostgreSQL (PGlite, PostgreSQL compiled to WebAssembly) in a worker thread.
 *
 * PGlite executes SQL synchronously on the thread that owns it; on the main thread a 200 ms
 * insights query or a large write would stall webhook acknowledgements and evaluations. In a
 * worker it costs the main thread one message each way. The worker's code is `pgliteWorkerMain`,
 * started from its source text (`eval`), so the same file serves the built app and the tests,
 * which run the TypeScript sources; it may use only its parameters and globals.
 */
import { createRequire } from 'node:module';
import { Worker, type MessagePort } from 'node:worker_threads';

/**
 * PostgreSQL settings of the embedded database: the write-ahead log is kept small (PostgreSQL's
 * default lets it grow to 1 GB before a checkpoint), which bounds `DATA_DIR` beyond the data itself;
 * and the insights queries sort and group tens of thousands of the period's PRs in memory (the
 * organisation table's median per repository, the weeks of the opened and merged PRs); at the
 * default 4 MB those spill to disk (docs/deploy.md, "Indexes and queries"). One connection: at most
 * a few such sorts at once.
 */
export const EMBEDDED_SETTINGS = ['max_wal_size = 64MB', 'min_wal_size = 32MB', 'work_mem = 16MB'];

/**
 * The worker thread's scheduling niceness on Linux. Each query wakes the worker; at the same
 * priority, when every core is busy, the woken worker takes the core from the thread that woke it
 * (the one acknowledging webhooks) for a whole time slice, so a burst's acknowledgements waited
 * behind the history's writes. At a lower priority the worker runs when the webhooks' thread
 * waits, and at full speed when nothing else is runnable (docs/performance.md, "History overhead").
 */
export const EMBEDDED_NICENESS = 10;

/** What a query returns across the thread boundary. */
export interface PgliteResult {
  readonly rows: unknown[];
  readonly affectedRows: number;
}

/** A database error as PostgreSQL reports it (`code` is the SQLSTATE). */
export class PgliteError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly detail: string | undefined,
  ) {
    super(message);
    this.name = 'PgliteError';
  }
}

interface WorkerReply {
  readonly kind: 'ready' | 'fatal' | 'result' | 'closed';
  readonly id?: number;
  readonly rows?: unknown[];
  readonly affectedRows?: number;
  readonly error?: { message: string; code?: string; detail?: string };
  readonly message?: string;
  /** With `ready`: the worker thread's niceness, when it could be set. */
  readonly niceness?: number;
}

/**
 * Runs inside the worker. `load` is the worker's `require`; `pglitePath` the resolved PGlite
 * entry. Replies to `{ kind: 'query', id, sql, params }` with `{ kind: 'result', id, … }`.
 */
export function pgliteWorkerMain(
  threads: { readonly parentPort: MessagePort | null; readonly workerData: unknown },
  load: (path: string) => unknown,
  pglitePath: string,
): void {
  const port = threads.parentPort!;
  const { dataDir, settings, niceness } = threads.workerData as {
    dataDir: string | undefined;
    settings: string[];
    niceness: number;
  };
  const { PGlite } = load(pglitePath) as { PGlite: new (options: object) => PGliteLike };
  // Linux: this thread's own id is the last part of /proc/thread-self, and setpriority on it
  // changes this thread alone. Elsewhere the link is missing and the thread keeps its priority.
  let applied: number | undefined;
  try {
    const os = load('node:os') as {
      setPriority(pid: number, priority: number): void;
      getPriority(pid: number): number;
    };
    const fs = load('node:fs') as { readlinkSync(path: string): string };
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) {
      os.setPriority(tid, Math.max(os.getPriority(tid), niceness));
      applied = os.getPriority(tid);
    }
  } catch {
    applied = undefined;
  }
  // int8 (counts) and numeric (averages) as numbers, as the server backend is configured; bytea
  // (hex text) decoded natively, as node-postgres does: PGlite's own parser converts byte by byte,
  // ~40 ms for the 1.5 MB of packed values the largest insights view reads (src/store/percentiles.ts).
  const toNumber = (value: string) => Number(value);
  const fromHex = (value: string) => Buffer.from(value.slice(2), 'hex');
  const db = new PGlite({
    dataDir,
    parsers: { 17: fromHex, 20: toNumber, 1700: toNumber },
    ...(dataDir ? { postgresqlconf: settings } : {}),
  });
  db.waitReady.then(
    () => port.postMessage({ kind: 'ready', niceness: applied }),
    (error: unknown) =>
      port.postMessage({ kind: 'fatal', message: error instanceof Error ? error.message : String(error) }),
  );
  port.on('message', (message: { kind: string; id: number; sql: string; params: unknown[] }) => {
    if (message.kind === 'close') {
      db.close().then(
        () => port.postMessage({ kind: 'closed' }),
        () => port.postMessage({ kind: 'closed' }),
      );
      return;
    }
    db.query(message.sql, message.params).then(
      (res) =>
        port.postMessage({ kind: 'result', id: message.id, rows: res.rows, affectedRows: res.affectedRows ?? 0 }),
      (error: { message?: string; code?: string; detail?: string }) =>
        port.postMessage({
          kind: 'result',
          id: message.id,
          error: { message: String(error?.message ?? error), code: error?.code, detail: error?.detail },
        }),
    );
  });
}

interface PGliteLike {
  readonly waitReady: Promise<void>;
  query(sql: string, params: unknown[]): Promise<{ rows: unknown[]; affectedRows?: number }>;
  close(): Promise<void>;
}

/** The main thread's handle on the worker. */
export class PgliteWorkerClient {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (r: PgliteResult) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #niceness: number | undefined;
  #dead: Error | undefined;
  #closed: Promise<void> | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /**
   * Starts the worker and waits until PGlite is open (a new data directory takes several seconds:
   * PGlite runs `initdb`). `dataDir` undefined: in memory, for tests.
   */
  static async start(dataDir: string | undefined): Promise<PgliteWorkerClient> {
    const pglitePath = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    const source = `(${pgliteWorkerMain.toString()})(require('node:worker_threads'), require, ${JSON.stringify(pglitePath)});`;
    const worker = new Worker(source, {
      eval: true,
      workerData: { dataDir, settings: EMBEDDED_SETTINGS, niceness: EMBEDDED_NICENESS },
    });
    const client = new PgliteWorkerClient(worker);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (reply: WorkerReply) => {
        if (reply.kind === 'ready') {
          client.#niceness = reply.niceness;
          resolve();
        } else if (reply.kind === 'fatal')
          reject(new Error(`the embedded database could not open: ${reply.message ?? 'unknown error'}`));
        else return;
        worker.off('message', onMessage);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`the embedded database stopped while opening (exit code ${code})`)),
      );
    });
    client.#listen();
    // Idle, the worker does not keep the process alive (the app closes it on shutdown); a query
    // in flight does, or the process could exit while awaiting its answer.
    worker.unref();
    return client;
  }

  /** The worker thread's niceness (`EMBEDDED_NICENESS` on Linux); undefined where it cannot be set. */
  get niceness(): number | undefined {
    return this.#niceness;
  }

  /** False once the worker has died or been closed: every query then fails at once. */
  get alive(): boolean {
    return this.#dead === undefined;
  }

  query(sql: string, params: readonly unknown[]): Promise<PgliteResult> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ kind: 'query', id, sql, params });
    });
  }

  /** Closes PGlite (it writes its data directory cleanly) and ends the worker. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      if (!this.#dead) {
        const closed = new Promise<void>((resolve) => {
          const onMessage = (reply: WorkerReply) => reply.kind === 'closed' && resolve();
          this.#worker.on('message', onMessage);
          this.#worker.once('exit', () => resolve());
        });
        // Waiting for the reply keeps the process alive, as a query in flight does.
        this.#worker.ref();
        this.#worker.postMessage({ kind: 'close' });
        await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000).unref())]);
      }
      this.#fail(new Error('the embedded database is closed'));
      await this.#worker.terminate();
    })();
    return this.#closed;
  }

  #listen(): void {
    this.#worker.on('message', (reply: WorkerReply) => {
      if (reply.kind !== 'result' || reply.id === undefined) return;
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (reply.error) pending.reject(new PgliteError(reply.error.message, reply.error.code, reply.error.detail));
      else pending.resolve({ rows: reply.rows ?? [], affectedRows: reply.affectedRows ?? 0 });
    });
    this.#worker.on('error', (error) => this.#fail(new Error('the embedded database stopped', { cause: error })));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the embedded database stopped (exit code ${code})`)));
  }

  #fail(error: Error): void {
    this.#dead ??= error;
    for (const pending of this.#pending.values()) pending.reject(this.#dead);
    this.#pending.clear();
  }
}
