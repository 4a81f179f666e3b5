/**
 * Migrations: two replicas starting together against one server apply each migration once; a
 * failing migration applies nothing; and the embedded database and a server end up with the same
 * schema from the same SQL.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresServer } from '../support/postgres-server.js';
import { openDatabase, type OpenedDatabase } from '../../src/store/database.js';
import { startHistory } from '../../src/store/history.js';
import { MIGRATIONS, migrate } from '../../src/store/migrations.js';
import { historySettingsFromEnv } from '../../src/store/settings.js';
import { historyMetrics, OPEN_TIMEOUT_MS, POSTGRES_BIN, silent, TestDatabase, until } from './support.js';

/** A migration with a visible side effect: a row per time it runs. */
const counting: Migration = {
  async up(db) {
    await sql`CREATE TABLE IF NOT EXISTS migration_runs (at timestamptz NOT NULL DEFAULT now())`.execute(db);
    // Hold the lock a while, so that the other replica really waits on it.
    await sql`SELECT pg_sleep(0.3)`.execute(db);
    await sql`INSERT INTO migration_runs DEFAULT VALUES`.execute(db);
  },
};

async function schemaOf(db: Kysely<any>) {
  const columns = await sql<{ t: string; c: string; type: string; nullable: string; def: string | null }>`
    SELECT table_name AS t, column_name AS c, data_type AS type, is_nullable AS nullable, column_default AS def
    FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE 'history_migrations%'
    ORDER BY table_name, ordinal_position`.execute(db);
  const indexes = await sql<{
    indexdef: string;
  }>`SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE 'history_migrations%' ORDER BY indexname`.execute(
    db,
  );
  return { columns: columns.rows, indexes: indexes.rows.map((r) => r.indexdef) };
}

describe.skipIf(!POSTGRES_BIN)('migrations on a server', () => {
  let server: PostgresServer;
  const opened: OpenedDatabase[] = [];
  beforeAll(async () => {
    server = await PostgresServer.start({ bin: POSTGRES_BIN });
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => {
    for (const o of opened) await o.close();
    await server?.destroy();
  });
  const open = async (url: string) => {
    const o = await openDatabase({ databaseUrl: url }, silent);
    opened.push(o);
    return o.db;
  };

  it('two replicas migrating at once apply each migration once', async () => {
    const url = await server.createDatabase('two_at_once');
    const [a, b] = [await open(url), await open(url)];
    const withCounting = { ...MIGRATIONS, '9998_counting': counting };
    const results = await Promise.all([migrate(a, withCounting), migrate(b, withCounting)]);
    const applied = results.map((r) => (r.results ?? []).map((m) => m.migrationName));
    // One replica applied both, the other found nothing to do.
    expect(applied.sort((x, y) => x.length - y.length)).toEqual([[], [...Object.keys(MIGRATIONS), '9998_counting']]);
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM migration_runs`.execute(a);
    expect(rows[0]!.n).toBe(1);
  });

  it('two apps starting together against one server both become ready, with one set of tables', async () => {
    const url = await server.createDatabase('two_apps');
    const start = () =>
      startHistory({
        settings: historySettingsFromEnv({ DATABASE_URL: url }),
        log: silent,
        metrics: historyMetrics().metrics,
        recorder: { backoff: { initialMs: 20, maxMs: 100 } },
      });
    const [a, b] = [start(), start()];
    await until(() => a.health().history === 'ok' && b.health().history === 'ok');
    const { rows } = await sql<{ name: string }>`SELECT name FROM history_migrations`.execute(await a.database());
    expect(rows.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS));
    await Promise.all([a.close(), b.close()]);
  });

  it('a failing migration applies nothing of itself and names itself', async () => {
    const url = await server.createDatabase('failing');
    const db = await open(url);
    await migrate(db);
    const broken: Migration = {
      async up(trx) {
        await sql`CREATE TABLE half_done (id int)`.execute(trx);
        await sql`SELECT no_such_column FROM evaluations`.execute(trx);
      },
    };
    await expect(migrate(db, { ...MIGRATIONS, '9999_broken': broken })).rejects.toThrow(
      'history migration 9999_broken failed',
    );
    const { rows } = await sql<{
      n: number;
    }>`SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'half_done'`.execute(db);
    expect(rows[0]!.n).toBe(0);
    // The next start applies what is pending (here: nothing new) and works.
    await expect(migrate(db)).resolves.toBeDefined();
  });
});

describe.skipIf(!POSTGRES_BIN)('the same SQL on both backends', () => {
  let embedded: TestDatabase;
  let server: TestDatabase;
  beforeAll(async () => {
    [embedded, server] = await Promise.all([TestDatabase.open('embedded'), TestDatabase.open('server')]);
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => {
    await embedded?.close();
    await server?.close();
  });

  it('gives the embedded database and a server the same tables, columns and indexes', async () => {
    const [a, b] = await Promise.all([schemaOf(embedded.db), schemaOf(server.db)]);
    expect(a.columns.length).toBeGreaterThan(100);
    expect(a).toEqual(b);
  });

  it('migrating again changes nothing', async () => {
    const result = await migrate(embedded.db);
    expect(result.results).toEqual([]);
  });
});
