/**
 * `npm run bench:history`: the history against its budgets, on the embedded database and on a
 * PostgreSQL server this bench starts (figures in docs/deploy.md, "Sizing"):
 *
 *   1. sustained recording at 50 evaluations a second through the real recorder: written per
 *      second, batch write time, buffer high-water mark, and the main thread's event-loop delay
 *      (what an evaluation running beside it would feel); then a burst of 5,000 to find the ceiling;
 *   2. size on disk per evaluation and per open pull request, after seeding;
 *   3. the insights queries over the seeded history (default one million evaluations): p50, p95;
 *   4. the organisation preview's read: every stored open PR of the largest organisation, whole,
 *      and the gates re-run on each.
 *
 * Exported as `runHistoryBench` for bench/run.ts; prints Markdown tables and writes
 * bench/results/history.json. Environment: HISTORY_BENCH_EVALUATIONS (default 1,000,000),
 * HISTORY_BENCH_BACKENDS (`embedded,server`), BENCH_QUICK=1 (small samples, a harness check);
 * to measure again without seeding again (seeding a million takes many minutes):
 * HISTORY_BENCH_DATA_DIR (an embedded database to use and keep, seeded first when empty, e.g. by
 * `DATA_DIR=… npm run seed:history`), HISTORY_BENCH_DATABASE_URL (a server's database, the same),
 * HISTORY_BENCH_SECTIONS (`recording,size,queries,preview`, default all: e.g. `queries`) and
 * HISTORY_BENCH_QUERIES (names' beginnings, e.g. `view:`: only those queries); HISTORY_BENCH_SAMPLES=1
 * prints each query's run times per scope, in run order.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import { pino } from 'pino';
import { DEFAULT_CONFIG } from '../gates/config.js';
import { runGates } from '../src/pipeline/run-gates.js';
import { createMetrics } from '../src/ops/metrics.js';
import { openDatabase, type OpenedDatabase } from '../src/store/database.js';
import { startHistory } from '../src/store/history.js';
import * as insights from '../src/store/insights-queries.js';
import { migrate } from '../src/store/migrations.js';
import { vacuum } from '../src/store/retention.js';
import { loadOpenPullRequests } from '../src/store/open-pull-requests.js';
import { evaluationRecord } from '../src/store/record-builders.js';
import type { EvaluationRecord } from '../src/store/records.js';
import { seedHistory, syntheticSnapshot, type SeedResult } from '../src/store/seed.js';
import { DEFAULT_WHAT_IF } from '../src/web/insights.js';
import { buildView, resolvePlace, type Place } from '../src/web/views.js';
import type { HistoryTables } from '../src/store/tables.js';
import type { PullRequestSnapshot } from '../gates/snapshot.js';
import { findPostgresBin, PostgresServer } from '../test/support/postgres-server.js';
import { ROOT } from './processes.js';
import { mb, ms, num, summarize, table, type Summary } from './stats.js';

const QUICK = process.env.BENCH_QUICK === '1';
const PLAN = {
  evaluations: Number(process.env.HISTORY_BENCH_EVALUATIONS ?? (QUICK ? 20_000 : 1_000_000)),
  sustainedSeconds: QUICK ? 5 : 60,
  ratePerSecond: 50,
  burst: QUICK ? 1000 : 5000,
  queryRuns: QUICK ? 5 : 30,
};
const SECTIONS = new Set(
  (process.env.HISTORY_BENCH_SECTIONS ?? 'recording,size,queries,preview').split(',').map((x) => x.trim()),
);
const log = pino({ level: 'warn' });

/** A section left out (HISTORY_BENCH_SECTIONS) leaves its field out. */
export interface HistoryBenchResult {
  readonly backend: 'embedded' | 'server';
  readonly sustained?: {
    readonly recorded: number;
    readonly written: number;
    readonly seconds: number;
    readonly maxBuffered: number;
    readonly batchMs: Summary;
    readonly eventLoopDelayMs: Summary;
    readonly baselineEventLoopDelayMs: Summary;
    readonly lagMs: number;
    readonly rssBytes: number;
  };
  readonly burst?: { readonly records: number; readonly seconds: number; readonly perSecond: number };
  readonly seed: SeedResult;
  readonly size?: {
    readonly tables: Record<string, number>;
    readonly bytesPerEvaluation: number;
    readonly bytesPerOpenPullRequest: number;
    readonly openPullRequests: number;
    readonly onDisk?: number;
  };
  /** Per query: over the default-period scopes, and over a year of the largest organisation. */
  readonly queries?: Record<string, { readonly default: Summary; readonly year: Summary }>;
  readonly preview?: {
    readonly owner: string;
    readonly openPullRequests: number;
    readonly loadMs: number;
    readonly gatesMs: number;
  };
}

/** One evaluation of a realistic PR (40 files, 3 commits), as the app records it. */
function sampleRecord(i: number, pr: PullRequestSnapshot, outcomes: ReturnType<typeof runGates>): EvaluationRecord {
  return evaluationRecord({
    repository: { id: 9_000_000 + (i % 200), fullName: `bench/repo-${i % 200}`, installationId: 1 },
    number: 1 + (i % 5000),
    headSha: i.toString(16).padStart(40, '0'),
    event: 'pull_request.synchronize',
    deliveryId: `bench-${i}`,
    at: Date.now(),
    verdict: { kind: 'evaluated', outcomes, notes: [] },
    pr: { ...pr, number: 1 + (i % 5000) },
  });
}

/** A realistic pull request: 40 files, 600 lines, 3 signed commits. */
function samplePullRequest(): PullRequestSnapshot {
  return syntheticSnapshot({
    repository: 'bench/repo',
    number: 1,
    headSha: 'f'.repeat(40),
    author: { login: 'dana', isBot: false },
    files: 40,
    lines: 600,
    commits: 3,
  });
}

/** Section 1: the recorder at 50 evaluations/s for a while, then a burst. */
async function recording(
  env: Record<string, string>,
): Promise<Required<Pick<HistoryBenchResult, 'sustained' | 'burst'>>> {
  const metrics = createMetrics({ defaultMetrics: false });
  const history = startHistory({
    settings: { enabled: true, databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR ?? './data', retentionDays: 400 },
    log,
    metrics,
    recorder: { probeIntervalMs: 0 },
  });
  await history.database(); // opened and migrated: what is measured is recording, not start-up
  const pr = samplePullRequest();
  const outcomes = runGates(pr, DEFAULT_CONFIG);
  const batchTimes: number[] = [];
  const observe = metrics.history.writeDuration.observe.bind(metrics.history.writeDuration);
  metrics.history.writeDuration.observe = ((labels: never, value: number) => {
    batchTimes.push(value * 1000);
    observe(labels, value);
  }) as typeof metrics.history.writeDuration.observe;
  // The same pacing without recording: what the event loop shows anyway (the baseline).
  const baseline = monitorEventLoopDelay({ resolution: 5 });
  baseline.enable();
  const baselineStart = Date.now();
  for (let k = 0; Date.now() - baselineStart < Math.min(10_000, PLAN.sustainedSeconds * 1000); k++) {
    const due = baselineStart + (k * 1000) / PLAN.ratePerSecond;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    sampleRecord(k, pr, outcomes);
  }
  baseline.disable();
  const delay = monitorEventLoopDelay({ resolution: 5 });
  let i = 0;
  let maxBuffered = 0;
  const started = Date.now();
  delay.enable();
  // Build each record beforehand, as an evaluation would have: what is timed is recording it.
  while (Date.now() - started < PLAN.sustainedSeconds * 1000) {
    const due = started + (i * 1000) / PLAN.ratePerSecond;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    history.recordEvaluation(sampleRecord(i++, pr, outcomes));
    maxBuffered = Math.max(maxBuffered, history.health().historyBuffered ?? 0);
  }
  const recordedAt = Date.now();
  await history.drained(120_000);
  // The process's resident memory with the history open (the embedded database's worker included).
  const rssBytes = process.memoryUsage().rss;
  const lagMs = Date.now() - recordedAt;
  delay.disable();
  const seconds = (recordedAt - started) / 1000;
  const db = await history.database();
  const written = Number(
    (await sql<{ n: number }>`SELECT count(*) AS n FROM evaluations WHERE delivery_id LIKE 'bench-%'`.execute(db))
      .rows[0]!.n,
  );
  const loop = (h: typeof delay): Summary => ({
    n: h.count,
    p50: h.percentile(50) / 1e6,
    p95: h.percentile(95) / 1e6,
    p99: h.percentile(99) / 1e6,
    max: h.max / 1e6,
  });
  const eventLoopDelayMs = loop(delay);
  const baselineEventLoopDelayMs = loop(baseline);

  const burstRecords = Array.from({ length: PLAN.burst }, (_, k) => sampleRecord(1_000_000 + k, pr, outcomes));
  const burstStart = Date.now();
  for (const r of burstRecords) history.recordEvaluation(r);
  await history.drained(300_000);
  const burstSeconds = (Date.now() - burstStart) / 1000;
  await sql`DELETE FROM evaluations WHERE delivery_id LIKE 'bench-%'`.execute(db);
  await sql`DELETE FROM gate_results WHERE repository_id >= 9000000`.execute(db);
  await sql`DELETE FROM pull_requests WHERE repository_id >= 9000000`.execute(db);
  await sql`DELETE FROM pull_request_weeks WHERE repository_id >= 9000000`.execute(db);
  await sql`DELETE FROM open_pull_requests WHERE repository_id >= 9000000`.execute(db);
  await history.close();
  return {
    sustained: {
      recorded: i,
      written,
      seconds,
      maxBuffered,
      batchMs: summarize(batchTimes),
      eventLoopDelayMs,
      baselineEventLoopDelayMs,
      lagMs,
      rssBytes,
    },
    burst: { records: PLAN.burst, seconds: burstSeconds, perSecond: PLAN.burst / burstSeconds },
  };
}

const TABLES = [
  'repositories',
  'evaluations',
  'gate_results',
  'overrides',
  'pull_requests',
  'pull_request_weeks',
  'failure_patterns',
  'open_pull_requests',
  'snapshot_files',
] as const;

async function sizes(db: Kysely<HistoryTables>, seed: SeedResult): Promise<NonNullable<HistoryBenchResult['size']>> {
  await sql`CHECKPOINT`.execute(db).catch(() => {});
  const tables: Record<string, number> = {};
  for (const t of TABLES)
    tables[t] = Number(
      (await sql<{ n: number }>`SELECT pg_total_relation_size(${t}::regclass) AS n`.execute(db)).rows[0]!.n,
    );
  const open = Number((await sql<{ n: number }>`SELECT count(*) AS n FROM open_pull_requests`.execute(db)).rows[0]!.n);
  const perEvaluation =
    TABLES.filter((t) => t !== 'open_pull_requests' && t !== 'snapshot_files').reduce((n, t) => n + tables[t]!, 0) /
    seed.evaluations;
  return {
    tables,
    bytesPerEvaluation: perEvaluation,
    bytesPerOpenPullRequest: open > 0 ? (tables.open_pull_requests! + tables.snapshot_files!) / open : 0,
    openPullRequests: open,
  };
}

/** The scopes of section 3, in the order the runs take them in turn. */
const SCOPE_NAMES = [
  'largest organisation, 90 days',
  'every organisation, 90 days',
  'busiest repository, 90 days',
  'ten repositories, 30 days',
];

/** Section 3: each insights query, over varied scopes, timed. */
async function queries(
  db: Kysely<HistoryTables>,
  seed: SeedResult,
  now: number,
  print: (line: string) => void,
): Promise<NonNullable<HistoryBenchResult['queries']>> {
  const byOrg = new Map<string, number[]>();
  for (const r of seed.repositories)
    byOrg.set(r.fullName.split('/')[0]!, [...(byOrg.get(r.fullName.split('/')[0]!) ?? []), r.id]);
  const biggest = [...byOrg.values()].sort((a, b) => b.length - a.length)[0]!;
  const day = 86_400_000;
  // Whole days up to today included, as the views ask (src/web/period.ts).
  const end = Date.parse(`${new Date(now).toISOString().slice(0, 10)}T00:00:00Z`) + day;
  const days = (n: number) => ({ from: new Date(end - n * day), to: new Date(end) });
  // The views' default period (90 days) over the largest organisation, every organisation, its
  // busiest repository, and ten repositories over 30 days; and, apart, a whole year of the largest one.
  const scopes: insights.InsightsScope[] = [
    { repositoryIds: biggest, ...days(90) },
    { repositoryIds: [...byOrg.values()].flat(), ...days(90) },
    { repositoryIds: [biggest[0]!], ...days(90) },
    { repositoryIds: biggest.slice(0, 10), ...days(30) },
  ];
  const year: insights.InsightsScope = { repositoryIds: biggest, ...days(365) };
  const runs: Record<string, (scope: insights.InsightsScope) => Promise<unknown>> = {
    weeklyActivity: (s) => insights.weeklyActivity(db, s),
    mergedSize: (s) => insights.mergedSize(db, s),
    gateShares: (s) => insights.gateShares(db, s),
    gateWeekly: (s) => insights.gateWeekly(db, s),
    topReasons: (s) => insights.topReasons(db, s),
    compliance: (s) => insights.compliance(db, s),
    overrideLog: (s) => insights.overrideLog(db, s),
    overrideCounts: (s) => insights.overrideCounts(db, s),
    reviewTimes: (s) => insights.reviewTimes(db, s),
    reviewTimesByWeek: (s) => insights.reviewTimesByWeek(db, s),
    slowestToReview: (s) => insights.slowestToReview(db, s),
    largestMerged: (s) => insights.largestMerged(db, s),
    whatIf: (s) => insights.whatIf(db, s, { maxLines: 300, maxFiles: 30, defaultExcludes: true }),
    repositorySummaries: (s) => insights.repositorySummaries(db, s),
    repositories: (s) => insights.repositories(db, s.repositoryIds),
  };
  // Every query above for one scope, as a page showing all of them would ask: one after another
  // (the embedded database answers one at a time), and at once (a server's pool answers four).
  const all = Object.values(runs);
  runs['all, in sequence'] = async (s) => {
    for (const run of all) await run(s);
  };
  runs['all, at once'] = (s) => Promise.all(all.map((run) => run(s)));
  // Each insights view's data end to end, as /insights and /api/insights serve it once GitHub's
  // answer about the user is cached: the names of the scope's repositories, then the view's
  // queries (all at once; the embedded database answers them in turn) folded into its tables.
  const view = (place: (s: insights.InsightsScope, first: string) => Place) => async (s: insights.InsightsScope) => {
    const known = await insights.repositories(db, s.repositoryIds);
    const resolved = resolvePlace(place(s, known[0]!.repository), known)!;
    const period = {
      from: s.from.toISOString().slice(0, 10),
      to: new Date(s.to.getTime() - day).toISOString().slice(0, 10),
      start: s.from,
      end: s.to,
    };
    return buildView(db, resolved, period, DEFAULT_WHAT_IF, 'https://github.com');
  };
  runs['view: every organisation'] = view(() => ({}));
  runs['view: organisation'] = view((_s, first) => ({ owner: first.split('/')[0]! }));
  runs['view: repository'] = view((_s, first) => ({ repository: first }));
  runs['view: gate (batch-size, with the what-if)'] = view((_s, first) => ({ repository: first, gate: 'batch-size' }));
  const out: Record<string, { readonly default: Summary; readonly year: Summary }> = {};
  const time = async (run: () => Promise<unknown>) => {
    const started = performance.now();
    await run();
    return performance.now() - started;
  };
  // HISTORY_BENCH_QUERIES: only the queries whose names start with one of these (e.g. `view:`).
  const only = process.env.HISTORY_BENCH_QUERIES?.split(',').map((q) => q.trim());
  for (const [name, run] of Object.entries(runs)) {
    if (only && !only.some((q) => name.startsWith(q))) continue;
    await run(scopes[0]!); // warm
    const samples: number[] = [];
    for (let k = 0; k < PLAN.queryRuns; k++) samples.push(await time(() => run(scopes[k % scopes.length]!)));
    // HISTORY_BENCH_SAMPLES=1: each run's time by scope, in run order (which scope sets the p50 and
    // the p95, and whether a scope's first runs are slower than its later ones).
    if (process.env.HISTORY_BENCH_SAMPLES === '1')
      print(
        `${name}:\n${SCOPE_NAMES.map(
          (scopeName, s) =>
            `  ${scopeName}: ${samples
              .filter((_, k) => k % scopes.length === s)
              .map(ms)
              .join(', ')}`,
        ).join('\n')}\n`,
      );
    const yearly: number[] = [];
    for (let k = 0; k < Math.max(3, PLAN.queryRuns / 4); k++) yearly.push(await time(() => run(year)));
    out[name] = { default: summarize(samples), year: summarize(yearly) };
  }
  return out;
}

async function preview(db: Kysely<HistoryTables>): Promise<NonNullable<HistoryBenchResult['preview']>> {
  const { rows } = await sql<{
    owner: string;
    n: number;
  }>`SELECT owner, count(*) AS n FROM open_pull_requests GROUP BY owner ORDER BY n DESC LIMIT 1`.execute(db);
  const owner = rows[0]?.owner ?? 'none';
  const started = performance.now();
  const open = await loadOpenPullRequests(db, { owner });
  const loadMs = performance.now() - started;
  const gatesStarted = performance.now();
  for (const o of open) runGates(o.snapshot, DEFAULT_CONFIG);
  return { owner, openPullRequests: open.length, loadMs, gatesMs: performance.now() - gatesStarted };
}

function directorySize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? directorySize(path) : statSync(path).size;
  }
  return total;
}

/** What an already seeded database holds, as `seedHistory` would have reported it (HISTORY_BENCH_DATA_DIR, HISTORY_BENCH_DATABASE_URL). */
async function seeded(db: Kysely<HistoryTables>): Promise<SeedResult | undefined> {
  const count = async (text: string) => Number((await sql<{ n: number }>`${sql.raw(text)}`.execute(db)).rows[0]!.n);
  const evaluations = await count('SELECT count(*) AS n FROM evaluations');
  if (evaluations === 0) return undefined;
  const repositories = await db
    .selectFrom('repositories')
    .select(['id', 'full_name', 'installation_id'])
    .orderBy('id')
    .execute();
  return {
    evaluations,
    pullRequests: await count('SELECT count(*) AS n FROM pull_requests'),
    openPullRequests: await count('SELECT count(*) AS n FROM open_pull_requests'),
    overrides: await count('SELECT count(*) AS n FROM overrides'),
    // The limits are not stored apart; the queries read only the ids and names.
    repositories: repositories.map((r) => ({
      id: Number(r.id),
      fullName: r.full_name,
      installationId: Number(r.installation_id),
      maxLines: 0,
      maxFiles: 0,
      defaultExcludes: true,
    })),
    durationMs: 0,
  };
}

async function benchBackend(
  backend: 'embedded' | 'server',
  print: (line: string) => void,
): Promise<HistoryBenchResult> {
  let server: PostgresServer | undefined;
  let dataDir: string | undefined;
  let env: Record<string, string>;
  // A database given to reuse is kept; one made here is removed at the end.
  const givenUrl = backend === 'server' ? process.env.HISTORY_BENCH_DATABASE_URL : undefined;
  const givenDir = backend === 'embedded' ? process.env.HISTORY_BENCH_DATA_DIR : undefined;
  if (givenUrl) env = { DATABASE_URL: givenUrl };
  else if (givenDir) env = { DATA_DIR: givenDir };
  else if (backend === 'server') {
    server = await PostgresServer.start();
    env = { DATABASE_URL: await server.createDatabase('history_bench') };
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'quality-gates-history-bench-'));
    env = { DATA_DIR: dataDir };
  }
  let opened: OpenedDatabase | undefined;
  try {
    print(`\n## ${backend === 'embedded' ? 'Embedded (PGlite in DATA_DIR)' : 'PostgreSQL server (DATABASE_URL)'}\n`);
    let recorded: Pick<HistoryBenchResult, 'sustained' | 'burst'> = {};
    if (SECTIONS.has('recording')) {
      const r = await recording(env);
      recorded = r;
      print(
        `Recording at ${PLAN.ratePerSecond}/s for ${PLAN.sustainedSeconds} s, then a burst of ${PLAN.burst.toLocaleString('en-US')}:\n`,
      );
      print(
        table(
          [
            'recorded',
            'written',
            'rate',
            'batch p50',
            'batch p95',
            'buffer max',
            'caught up',
            'event-loop p99 (without)',
            'burst drained',
            'ceiling',
            'RSS',
          ],
          [
            [
              num(r.sustained.recorded, 0),
              num(r.sustained.written, 0),
              `${num(r.sustained.written / r.sustained.seconds)}/s`,
              ms(r.sustained.batchMs.p50),
              ms(r.sustained.batchMs.p95),
              num(r.sustained.maxBuffered, 0),
              ms(r.sustained.lagMs),
              `${ms(r.sustained.eventLoopDelayMs.p99)} (${ms(r.sustained.baselineEventLoopDelayMs.p99)})`,
              `${num(r.burst.seconds)} s`,
              `${num(r.burst.perSecond, 0)}/s`,
              mb(r.sustained.rssBytes),
            ],
          ],
        ),
      );
    }

    opened = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR }, log);
    // A database given at an older schema is migrated here (unless recording did it): how long that takes.
    const migrating = performance.now();
    const applied = (await migrate(opened.db)).results?.filter((r) => r.status === 'Success') ?? [];
    if (applied.length > 0)
      print(
        `\nMigrated (${applied.map((r) => r.migrationName).join(', ')}) in ${num((performance.now() - migrating) / 1000)} s.\n`,
      );
    const now = Date.now();
    let seed = await seeded(opened.db);
    // Recording alone needs no seeded history.
    if (!['size', 'queries', 'preview'].some((section) => SECTIONS.has(section)))
      return {
        backend,
        ...recorded,
        seed: seed ?? {
          evaluations: 0,
          pullRequests: 0,
          openPullRequests: 0,
          overrides: 0,
          repositories: [],
          durationMs: 0,
        },
      };
    if (seed)
      print(
        `\nReusing the seeded database: ${seed.evaluations.toLocaleString('en-US')} evaluations, ${seed.pullRequests.toLocaleString('en-US')} pull requests, ${seed.openPullRequests.toLocaleString('en-US')} open.\n`,
      );
    else {
      print(`\nSeeding ${PLAN.evaluations.toLocaleString('en-US')} evaluations…`);
      seed = await seedHistory(opened.db, { evaluations: PLAN.evaluations, now });
      print(
        `seeded in ${num(seed.durationMs / 1000)} s (${num(seed.evaluations / (seed.durationMs / 1000), 0)} evaluations/s): ${seed.pullRequests.toLocaleString('en-US')} pull requests, ${seed.openPullRequests.toLocaleString('en-US')} open.\n`,
      );
    }
    // What autovacuum does on a server, and the hourly maintenance on the embedded database.
    await vacuum(opened.db);
    let size: HistoryBenchResult['size'];
    if (SECTIONS.has('size')) {
      const measured = await sizes(opened.db, seed);
      const onDisk = env.DATA_DIR ? directorySize(env.DATA_DIR) : undefined;
      size = { ...measured, ...(onDisk ? { onDisk } : {}) };
      print(
        table(
          ['table', 'size'],
          [
            ...Object.entries(measured.tables).map(([t, n]) => [t, mb(n)]),
            ['per evaluation', `${num(measured.bytesPerEvaluation, 0)} B`],
            ['per open PR', `${num(measured.bytesPerOpenPullRequest, 0)} B`],
            ...(onDisk ? [['DATA_DIR on disk', mb(onDisk)]] : []),
          ],
        ),
      );
    }
    let timings: HistoryBenchResult['queries'];
    if (SECTIONS.has('queries')) {
      timings = await queries(opened.db, seed, now, print);
      print(
        `\nInsights queries: ${PLAN.queryRuns} runs each over the default period's scopes (the largest organisation, every organisation and the busiest repository over 90 days, ten repositories over 30, whole days as the views ask), and apart over a year of the largest organisation. "all, …" runs every query for one scope, one after another and all at once; "view: …" is each insights view's data end to end (src/web/views.ts):\n`,
      );
      print(
        table(
          ['query', 'p50', 'p95', 'max', 'a year: p50', 'max'],
          Object.entries(timings).map(([q, s]) => [
            q,
            ms(s.default.p50),
            ms(s.default.p95),
            ms(s.default.max),
            ms(s.year.p50),
            ms(s.year.max),
          ]),
        ),
      );
    }
    let previewed: HistoryBenchResult['preview'];
    if (SECTIONS.has('preview')) {
      previewed = await preview(opened.db);
      print(
        `\nPolicy preview read: ${previewed.openPullRequests.toLocaleString('en-US')} open PRs of ${previewed.owner} loaded in ${ms(previewed.loadMs)}, gates re-run on all in ${ms(previewed.gatesMs)}.`,
      );
    }
    return {
      backend,
      ...recorded,
      seed,
      ...(size ? { size } : {}),
      ...(timings ? { queries: timings } : {}),
      ...(previewed ? { preview: previewed } : {}),
    };
  } finally {
    await opened?.close();
    await server?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The history's budgets, per backend measured: writes keep up with 50/s, insights queries p95 < 300 ms. */
export function historyVerdicts(
  results: readonly HistoryBenchResult[],
): { budget: string; ok: boolean; detail: string }[] {
  return results.flatMap((r) => {
    const verdicts: { budget: string; ok: boolean; detail: string }[] = [];
    const { sustained, burst, queries: timings } = r;
    if (sustained && burst)
      verdicts.push({
        budget: `History (${r.backend}): writes keep up with ${PLAN.ratePerSecond} evaluations/s sustained`,
        // Every record written, and the buffer empty within a few seconds of the last one.
        ok: sustained.written === sustained.recorded && sustained.lagMs < 5_000,
        detail: `${num(sustained.written, 0)} of ${num(sustained.recorded, 0)} written over ${num(sustained.seconds, 0)} s, caught up ${ms(sustained.lagMs)} after the last, buffer at most ${num(sustained.maxBuffered, 0)}; ceiling ${num(burst.perSecond, 0)}/s`,
      });
    if (!timings) return verdicts;
    const slowest = Object.entries(timings)
      .filter(([name]) => !name.startsWith('all, ') && !name.startsWith('view: '))
      .sort(([, a], [, b]) => b.default.p95 - a.default.p95)[0];
    const together = timings[r.backend === 'embedded' ? 'all, in sequence' : 'all, at once'];
    const views = Object.entries(timings).filter(([name]) => name.startsWith('view: '));
    const slowestView = views.sort(([, a], [, b]) => b.default.p95 - a.default.p95)[0];
    verdicts.push(
      {
        budget: `History (${r.backend}): insights queries p95 < 300 ms over ${num(r.seed.evaluations, 0)} evaluations`,
        ok: slowest !== undefined && slowest[1].default.p95 < 300,
        detail: slowest
          ? `slowest ${slowest[0]}: p95 ${ms(slowest[1].default.p95)}; all ${Object.keys(timings).filter((q) => !q.startsWith('all, ') && !q.startsWith('view: ')).length} for one scope ${r.backend === 'embedded' ? 'in sequence' : 'at once'}: p95 ${ms(together?.default.p95 ?? NaN)}`
          : 'no query ran',
      },
      {
        budget: `Insights (${r.backend}): each view's data p95 < 300 ms over ${num(r.seed.evaluations, 0)} evaluations`,
        ok: slowestView !== undefined && slowestView[1].default.p95 < 300,
        detail: slowestView ? `slowest ${slowestView[0]}: p95 ${ms(slowestView[1].default.p95)}` : 'no view ran',
      },
    );
    return verdicts;
  });
}

export async function runHistoryBench(print: (line: string) => void = console.log): Promise<HistoryBenchResult[]> {
  const wanted = (process.env.HISTORY_BENCH_BACKENDS ?? 'embedded,server').split(',').map((b) => b.trim());
  const results: HistoryBenchResult[] = [];
  print(`# History bench (${QUICK ? 'quick' : 'full'})`);
  for (const backend of ['embedded', 'server'] as const) {
    if (!wanted.includes(backend)) continue;
    if (backend === 'server' && !findPostgresBin()) {
      print('\nPostgreSQL is not installed: the server half is skipped (apt-get install postgresql).');
      continue;
    }
    results.push(await benchBackend(backend, print));
  }
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'history.json'), `${JSON.stringify({ quick: QUICK, plan: PLAN, results }, null, 2)}\n`);
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runHistoryBench().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
