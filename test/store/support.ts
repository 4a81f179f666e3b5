/**
 * The history tests run against both backends: the embedded PGlite (in memory) and a real
 * PostgreSQL server that the test file starts itself (test/support/postgres-server.ts) on a free port.
 * Without PostgreSQL installed the server tests are skipped, except under CI, where they fail:
 * `.ci/run` installs it.
 */
import { Writable } from 'node:stream';
import { sql, type Kysely } from 'kysely';
import { pino, type Logger } from 'pino';
import { findPostgresBin, PostgresServer } from '../support/postgres-server.js';
import { runGates } from '../../src/pipeline/run-gates.js';
import { DEFAULT_CONFIG, type QualityGatesConfig } from '../../gates/config.js';
import { createMetrics } from '../../src/ops/metrics.js';
import type { PullRequestSnapshot } from '../../gates/snapshot.js';
import { openDatabase, type OpenedDatabase } from '../../src/store/database.js';
import { migrate, MIGRATIONS } from '../../src/store/migrations.js';
import { evaluationRecord } from '../../src/store/record-builders.js';
import type {
  EvaluationRecord,
  OverrideRecord,
  PullRequestFacts,
  PullRequestRecord,
  RepositoryKey,
} from '../../src/store/records.js';
import { aFile, aSnapshot, capped } from '../support/builders.js';
import { startHistory, type History } from '../../src/store/index.js';
import type { HistoryItem } from '../../src/store/writer.js';
import { seedHistory } from '../../src/store/seed.js';
import type { HistoryTables } from '../../src/store/tables.js';

export const POSTGRES_BIN = findPostgresBin();
if (!POSTGRES_BIN) {
  if (process.env.CI)
    throw new Error(
      'PostgreSQL is not installed; .ci/run installs it (apt-get install postgresql). The history server tests cannot be skipped in CI.',
    );
  console.warn(
    'PostgreSQL not found: skipping the history tests against a server (install it with `apt-get install postgresql`)',
  );
}

export type BackendKind = 'embedded' | 'server';
/** The backends to run a `describe.each` over. */
export const BACKENDS: readonly BackendKind[] = POSTGRES_BIN ? ['embedded', 'server'] : ['embedded'];

/** Opening PGlite runs initdb in WebAssembly: seconds, more on a busy machine. */
export const OPEN_TIMEOUT_MS = 180_000;

export const silent: Logger = pino({ level: 'silent' });

/** A logger whose JSON lines the test can read. */
export function capturingLog(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const log = pino(
    { level: 'debug' },
    new Writable({
      write: (chunk, _e, done) => {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    }),
  );
  return { log, lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** Empties every history table (the rollups follow through their triggers). */
export async function emptyHistory(db: Kysely<HistoryTables>): Promise<void> {
  await sql`TRUNCATE repositories, evaluations, gate_results, overrides, pull_requests, pull_request_weeks, open_pull_requests, snapshot_files, failure_patterns`.execute(
    db,
  );
}

/** An embedded history in memory that writes at once, for tests of the app with the history on. */
export function startTestHistory(): History {
  return startHistory({
    settings: { enabled: true, databaseUrl: undefined, dataDir: ':memory:', retentionDays: 400 },
    log: silent,
    metrics: createMetrics({ defaultMetrics: false }),
    recorder: { flushDelayMs: 1 },
  });
}

/** One database per test file: the embedded one in memory, or a new database on a server this file started. */
export class TestDatabase {
  private constructor(
    readonly kind: BackendKind,
    readonly opened: OpenedDatabase,
    readonly server: PostgresServer | undefined,
    readonly url: string | undefined,
  ) {}

  static async open(kind: BackendKind): Promise<TestDatabase> {
    if (kind === 'embedded') {
      const opened = await openDatabase({ dataDir: ':memory:' }, silent);
      await migrate(opened.db);
      return new TestDatabase(kind, opened, undefined, undefined);
    }
    const server = await PostgresServer.start({ bin: POSTGRES_BIN });
    const url = await server.createDatabase('history_test');
    const opened = await openDatabase({ databaseUrl: url }, silent);
    await migrate(opened.db);
    return new TestDatabase(kind, opened, server, url);
  }

  get db() {
    return this.opened.db;
  }

  /** Empties every history table. */
  async reset(): Promise<void> {
    await emptyHistory(this.db);
  }

  async count(table: string): Promise<number> {
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(this.db);
    return rows[0]!.n;
  }

  async close(): Promise<void> {
    await this.opened.close();
    await this.server?.destroy();
  }
}

export const REPO: RepositoryKey = { id: 4242, fullName: 'Acme/api', installationId: 7 };

let deliveries = 0;

/** An evaluation record as the app would build it: the gates run on `pr` under `config`. */
export function anEvaluation(
  options: {
    pr?: Partial<PullRequestSnapshot>;
    at?: string;
    repository?: RepositoryKey;
    delivery?: string;
    config?: QualityGatesConfig;
    overrides?: OverrideRecord[];
    repoConfig?: string | null;
  } = {},
): EvaluationRecord {
  const pr = aSnapshot(options.pr);
  return evaluationRecord({
    repository: options.repository ?? REPO,
    number: pr.number,
    headSha: pr.headSha,
    event: 'pull_request.synchronize',
    deliveryId: options.delivery ?? `delivery-${++deliveries}`,
    at: Date.parse(options.at ?? '2026-03-02T10:00:00Z'),
    verdict: { kind: 'evaluated', outcomes: runGates(pr, options.config ?? DEFAULT_CONFIG), notes: [] },
    pr,
    overrides: options.overrides,
    repoConfig: options.repoConfig,
  });
}

/** The clock of the rollup tests: a Monday noon, so "days ago" crosses days and ISO weeks. */
export const ROLLUP_NOW = Date.parse('2026-03-02T12:00:00Z');
export const DAY_MS = 86_400_000;
/** `d` days before `ROLLUP_NOW`, at `hour` o'clock. */
export const daysAgo = (d: number, hour = 10) => new Date(ROLLUP_NOW - d * DAY_MS + hour * 3_600_000).toISOString();
/** A second repository of the same installation. */
export const OTHER_REPO: RepositoryKey = { id: 77, fullName: 'acme/web', installationId: 7 };

/** A history item evaluating PR `number` at `at`: passing, or failing batch-size with one 900-line file. */
export function anEvaluationItem(
  number: number,
  at: string,
  options: { failing?: boolean; repository?: RepositoryKey } = {},
): HistoryItem {
  const files = options.failing ? { files: capped([aFile('src/app.ts', 900, 0)]) } : {};
  return {
    kind: 'evaluation',
    record: anEvaluation({
      pr: { number, ...files },
      at,
      ...(options.repository ? { repository: options.repository } : {}),
    }),
  };
}

/** A life event of pull request `number`. */
export function aLifeEvent(
  number: number,
  at: string,
  facts: PullRequestFacts,
  repository: RepositoryKey = REPO,
): PullRequestRecord {
  return { repository, number, at, facts };
}

export function historyMetrics() {
  const metrics = createMetrics({ defaultMetrics: false });
  return {
    metrics,
    value: async (name: string, labels: Record<string, string> = {}) => metricValue(metrics.registry, name, labels),
  };
}

async function metricValue(
  registry: ReturnType<typeof createMetrics>['registry'],
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const match = metric?.values.find(
    (v) =>
      Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l) &&
      !(v as { metricName?: string }).metricName?.endsWith('_bucket'),
  );
  return match?.value ?? 0;
}

export async function until(
  what: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
  message = 'condition not reached in time',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** What each migration since 0005 made: dropped, they bring a database back to before it. */
const MADE_BY: Readonly<Record<string, readonly string[]>> = {
  '0005_insights_rollups': ['DROP TABLE repository_weeks', 'DROP FUNCTION history_roll_weeks() CASCADE'],
  '0006_activity_rollups': ['DROP TABLE repository_activity', 'DROP FUNCTION history_roll_activity() CASCADE'],
  '0007_reason_rollups': [
    'DROP TABLE repository_reasons',
    'DROP FUNCTION history_roll_reasons() CASCADE',
    'DROP INDEX pull_requests_merged_lines',
  ],
  '0008_review_wait_indexes': ['DROP INDEX pull_requests_review_wait', 'DROP INDEX pull_requests_awaiting_review'],
};

/**
 * Makes `db` what a database migrated up to just before `name` would be (its data kept): `name`
 * and every later migration undone, latest first. Throws for a migration `MADE_BY` does not know,
 * so that a new migration is added there.
 */
export async function migratedBefore(db: Kysely<HistoryTables>, name: string): Promise<void> {
  for (const later of Object.keys(MIGRATIONS)
    .filter((m) => m >= name)
    .reverse()) {
    const made = MADE_BY[later];
    if (!made) throw new Error(`test/store/support.ts: MADE_BY does not know what migration ${later} made`);
    for (const statement of made) await sql.raw(statement).execute(db);
    await sql`DELETE FROM history_migrations WHERE name = ${later}`.execute(db);
  }
}

/**
 * The small seeded history the rollup and index tests compare their answers on: 3,000 evaluations
 * over 60 days up to `SMALL_HISTORY_NOW`, in twelve repositories of two organisations. Returns the
 * repositories' ids. Whole-day periods ending at `SMALL_HISTORY_END` end after its last evaluation.
 */
export async function seedSmallHistory(db: Kysely<HistoryTables>, seed: number): Promise<number[]> {
  const seeded = await seedHistory(db, {
    evaluations: 3000,
    days: 60,
    now: SMALL_HISTORY_NOW,
    seed,
    snapshots: false,
    organisations: [
      { name: 'acme', repositories: 8, weight: 0.7 },
      { name: 'globex', repositories: 4, weight: 0.3 },
    ],
  });
  return seeded.repositories.map((r) => r.id);
}
export const SMALL_HISTORY_NOW = Date.parse('2026-03-01T15:00:00Z');
/** The day after the small history's last evaluation. */
export const SMALL_HISTORY_END = Date.parse('2026-03-02T00:00:00Z');

/**
 * Periods of the small history that the rollups cannot answer exactly: one ending before the last
 * evaluations (PRs evaluated in it and again after it count), and one of partial days.
 */
export function periodsRollupsDecline(repositoryIds: readonly number[]): {
  readonly earlier: { repositoryIds: readonly number[]; from: Date; to: Date };
  readonly partial: { repositoryIds: readonly number[]; from: Date; to: Date };
} {
  const end = SMALL_HISTORY_END;
  return {
    earlier: { repositoryIds, from: new Date(end - 40 * DAY_MS), to: new Date(end - 10 * DAY_MS) },
    partial: { repositoryIds, from: new Date(end - 20 * DAY_MS + 3_600_000), to: new Date(end) },
  };
}
