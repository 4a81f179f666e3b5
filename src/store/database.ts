/**
 * Opens the history database: a PostgreSQL server (`DATABASE_URL`, through `pg`) or the embedded
 * PGlite in `DATA_DIR`. Both come back as the same `Kysely<HistoryTables>`: the same SQL, the same
 * migrations, the same results (counts and averages as numbers, times as `Date`).
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  chmodSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import { PgliteDialect } from './pglite-dialect.js';
import { PgliteWorkerClient } from './pglite-worker.js';
import type { HistoryTables } from './tables.js';
import { safeError } from './errors.js';

export type Backend = 'embedded' | 'server';

export interface OpenedDatabase {
  readonly db: Kysely<HistoryTables>;
  readonly backend: Backend;
  /** False once the connection can no longer work (the embedded worker died); open again then. */
  readonly alive: () => boolean;
  close(): Promise<void>;
}

export interface DatabaseTarget {
  /** A PostgreSQL server; undefined for the embedded database. */
  readonly databaseUrl?: string | undefined;
  /** Where the embedded database lives; undefined with `databaseUrl`, or `:memory:` (tests). */
  readonly dataDir?: string | undefined;
  /** Server connections per process (default 4: writes are batched; insights queries are few). */
  readonly poolSize?: number;
}

/** The embedded database's directory inside `DATA_DIR`. */
export const EMBEDDED_DIR = 'history';
/** Marks `DATA_DIR` as in use by one process: the embedded database serves one replica. */
const LOCK_FILE = 'history.lock';

/**
 * Memory per sort or hash of a server connection (PostgreSQL's default is 4 MB). The insights
 * queries sort and group tens of thousands of the period's PRs (the median per repository, the
 * weeks of the opened and merged PRs); at 4 MB those spill to disk (docs/deploy.md, "Indexes and
 * queries"). At most a pool's
 * connections times a few sorts each: 4 × 32 MB × 3 at the worst moment.
 */
export const SERVER_WORK_MEM = '32MB';

/** OIDs of `int8` and `numeric`: read as numbers (PostgreSQL counts are `bigint`). */
const INT8 = 20;
const NUMERIC = 1700;

export async function openDatabase(target: DatabaseTarget, log: Logger): Promise<OpenedDatabase> {
  if (target.databaseUrl) return openServer(target.databaseUrl, target.poolSize ?? 4, log);
  return openEmbedded(target.dataDir ?? './data', log);
}

function openServer(url: string, max: number, log: Logger): OpenedDatabase {
  const toNumber = (value: string) => Number(value);
  const pool = new pg.Pool({
    connectionString: url,
    max,
    application_name: 'quality-gates',
    // Set when each connection starts (no statement per query). It overrides `ALTER ROLE … SET work_mem`;
    // `?options=-c%20work_mem%3D…` in DATABASE_URL overrides it.
    options: `-c work_mem=${SERVER_WORK_MEM}`,
    // A dead server must fail a write quickly (it is retried), never hang it.
    connectionTimeoutMillis: 5_000,
    query_timeout: 60_000,
    idleTimeoutMillis: 30_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 || oid === NUMERIC
          ? toNumber
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A connection the server closes emits 'error'; unhandled, it would end the process. The pool
  // reports idle ones; a connection checked out between two statements (in a transaction) reports
  // on the client itself: its next statement fails, the write is retried, the pool drops it.
  pool.on('error', (error) => log.warn({ err: safeError(error) }, 'history database connection lost'));
  pool.on('connect', (client) =>
    client.on('error', (error) =>
      log.debug({ err: safeError(error) }, 'history database connection closed while in use'),
    ),
  );
  const db = new Kysely<HistoryTables>({ dialect: new PostgresDialect({ pool }) });
  return { db, backend: 'server', alive: () => true, close: () => db.destroy() };
}

async function openEmbedded(dataDir: string, log: Logger): Promise<OpenedDatabase> {
  if (dataDir === ':memory:') {
    const client = await PgliteWorkerClient.start(undefined);
    return {
      db: new Kysely<HistoryTables>({ dialect: new PgliteDialect(client) }),
      backend: 'embedded',
      alive: () => client.alive,
      close: () => client.close(),
    };
  }
  const dir = resolve(dataDir);
  ensurePrivateDirectory(dir, log);
  const release = lockDataDir(dir);
  try {
    const client = await PgliteWorkerClient.start(join(dir, EMBEDDED_DIR));
    const db = new Kysely<HistoryTables>({ dialect: new PgliteDialect(client) });
    let closed: Promise<void> | undefined;
    const close = () => (closed ??= db.destroy().finally(release));
    return { db, backend: 'embedded', alive: () => client.alive, close };
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * Creates `dir` readable by this user only (0700). An existing directory open to others is
 * narrowed; when that is not allowed (another owner), the operator is told.
 */
export function ensurePrivateDirectory(dir: string, log: Logger): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  try {
    chmodSync(dir, 0o700);
  } catch (error) {
    log.warn(
      { err: safeError(error), dataDir: dir, mode: mode.toString(8) },
      'DATA_DIR is readable by other users and its permissions cannot be changed; make it owner-only (chmod 700)',
    );
  }
}

/** Thrown when another live process holds `DATA_DIR`. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `DATA_DIR ${dataDir} is in use by process ${pid}: the embedded database serves one process. Give each process its own DATA_DIR, or set DATABASE_URL to share a PostgreSQL server.`,
    );
    this.name = 'DataDirInUseError';
  }
}

/**
 * Takes `DATA_DIR` for this process (a lock file with its pid): two processes writing one PGlite
 * directory would corrupt it. A lock left by a process that no longer runs is taken over.
 * Returns the release function.
 */
export function lockDataDir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8') === String(process.pid)) rmSync(path);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
      const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && running(pid))
        throw new DataDirInUseError(dir, pid);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not take the lock file ${path}`);
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** Whether `DATA_DIR` already holds an embedded database. */
export function embeddedExists(dataDir: string): boolean {
  return existsSync(join(resolve(dataDir), EMBEDDED_DIR, 'PG_VERSION'));
}
