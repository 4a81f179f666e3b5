/**
 * A Kysely dialect for the embedded PGlite (in its worker, `pglite-worker.ts`).
 *
 * Kysely's own PostgreSQL adapter, introspector and query compiler, so the SQL is exactly what the
 * `pg` dialect sends to a server; only the driver differs. PGlite is one session: the driver hands
 * out its single connection to one holder at a time (a transaction keeps it until commit), as
 * Kysely's SQLite driver does. Written here rather than taken from npm: the published PGlite
 * dialects pin PGlite below 0.5 or pull in a CLI toolchain, and this is forty lines.
 */
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type { PgliteResult } from './pglite-worker.js';

/** What the driver needs from PGlite (the worker client, or PGlite itself). */
export interface PgliteQueryable {
  query(sql: string, params: readonly unknown[]): Promise<PgliteResult>;
  close(): Promise<void>;
}

export class PgliteDialect implements Dialect {
  constructor(private readonly pglite: PgliteQueryable) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PgliteDriver(this.pglite);
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's own signature
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}

class PgliteConnection implements DatabaseConnection {
  constructor(private readonly pglite: PgliteQueryable) {}
  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const res = await this.pglite.query(query.sql, query.parameters);
    return { rows: res.rows as R[], numAffectedRows: BigInt(res.affectedRows) };
  }
  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('the embedded database does not stream results');
  }
}

class PgliteDriver implements Driver {
  readonly #connection: PgliteConnection;
  /** Resolves when the connection is free; each holder chains on it. */
  #free: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(private readonly pglite: PgliteQueryable) {
    this.#connection = new PgliteConnection(pglite);
  }
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#free;
    let release!: () => void;
    this.#free = new Promise((resolve) => (release = resolve));
    await previous;
    this.#release = release;
    return this.#connection;
  }
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const mode = [
      settings.isolationLevel ? `isolation level ${settings.isolationLevel}` : '',
      settings.accessMode ?? '',
    ]
      .filter(Boolean)
      .join(' ');
    await connection.executeQuery(CompiledQuery.raw(mode ? `start transaction ${mode}` : 'begin'));
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
  async destroy(): Promise<void> {
    await this.pglite.close();
  }
}
