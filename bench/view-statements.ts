/**
 * `DATA_DIR=<seeded copy> npm run bench:view-statements`: where the every-organisation insights view
 * spends its time on the embedded database (docs/performance.md, "Insights under budget"). Opens the
 * embedded database in `DATA_DIR` (seeded by `npm run seed:history`; migrated and vacuumed here, as
 * the app and `npm run bench:history` do, so give it a copy), builds the view of every repository
 * over the default 90 days RUNS times, and prints each build's time, then per statement the mean
 * over the builds after the first two. The embedded database answers one statement at a time, so a
 * statement's time is taken from the answer before it to its own answer: work the app does between
 * answers (the percentiles' sorting) lands on the statement after it. Also prints the longest the
 * main thread was busy at once during the builds (event-loop delay, max): what a webhook arriving
 * meanwhile would wait.
 */
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Kysely } from 'kysely';
import { PgliteDialect } from '../src/store/pglite-dialect.js';
import { PgliteWorkerClient } from '../src/store/pglite-worker.js';
import { EMBEDDED_DIR } from '../src/store/database.js';
import { migrate } from '../src/store/migrations.js';
import { vacuum } from '../src/store/retention.js';
import * as insights from '../src/store/insights-queries.js';
import type { HistoryTables } from '../src/store/tables.js';
import { DEFAULT_WHAT_IF } from '../src/web/insights.js';
import { buildView } from '../src/web/views.js';

const RUNS = 8;
const WARM = 2;
const DAY_MS = 86_400_000;

const dataDir = process.env.DATA_DIR;
if (!dataDir) throw new Error('set DATA_DIR to a copy of a database seeded by npm run seed:history');
const client = await PgliteWorkerClient.start(join(dataDir, EMBEDDED_DIR));
let answers: [number, string][] | undefined;
const db = new Kysely<HistoryTables>({
  dialect: new PgliteDialect(client),
  log: (event) => {
    if (answers && event.level === 'query') answers.push([performance.now(), event.query.sql]);
  },
});
try {
  await migrate(db);
  await vacuum(db);
  const all = await db.selectFrom('repositories').select('id').execute();
  const known = await insights.repositories(
    db,
    all.map((r) => Number(r.id)),
  );
  const end = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`) + DAY_MS;
  const period = {
    from: new Date(end - 90 * DAY_MS).toISOString().slice(0, 10),
    to: new Date(end - DAY_MS).toISOString().slice(0, 10),
    start: new Date(end - 90 * DAY_MS),
    end: new Date(end),
  };
  const perStatement = new Map<string, number>();
  const builds: number[] = [];
  const delay = monitorEventLoopDelay({ resolution: 1 });
  for (let run = 0; run < RUNS; run++) {
    answers = [];
    if (run === WARM) delay.enable();
    const started = performance.now();
    await buildView(db, { level: 'all', repositories: known }, period, DEFAULT_WHAT_IF, 'https://github.com');
    builds.push(performance.now() - started);
    let previous = started;
    for (const [at, text] of answers) {
      const name = text.replace(/\s+/g, ' ').trim().slice(0, 100);
      if (run >= WARM) perStatement.set(name, (perStatement.get(name) ?? 0) + (at - previous) / (RUNS - WARM));
      previous = at;
    }
  }
  answers = undefined;
  delay.disable();
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  process.stdout.write(
    `Every organisation (${known.length} repositories), ${period.from} to ${period.to}, ${RUNS} builds: ${builds.map(ms).join(', ')}\n` +
      `Per statement, mean of builds ${WARM + 1}–${RUNS}:\n` +
      [...perStatement]
        .sort((a, b) => b[1] - a[1])
        .map(([name, t]) => `${ms(t).padStart(9)}  ${name}`)
        .join('\n') +
      `\nMain thread busy at once, builds ${WARM + 1}–${RUNS}: at most ${ms(delay.max / 1e6)} (event-loop delay; p99 ${ms(delay.percentile(99) / 1e6)})\n`,
  );
} finally {
  await db.destroy();
}
