/**
 * `npm run seed:history -- [--evaluations N] [--seed S] [--days D]`: fills the history database
 * configured by the environment (`DATABASE_URL`, or the embedded one in `DATA_DIR`) with a
 * generated history (src/store/seed.ts), for the insights pages and the bench. Default: one
 * million evaluations over a year. Prints what it wrote and how long it took.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { openDatabase } from '../src/store/database.js';
import { migrate } from '../src/store/migrations.js';
import { seedHistory } from '../src/store/seed.js';
import { historySettingsFromEnv } from '../src/store/settings.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      evaluations: { type: 'string', default: '1000000' },
      seed: { type: 'string', default: '1' },
      days: { type: 'string', default: '365' },
    },
  });
  const settings = historySettingsFromEnv(process.env);
  const log = pino({ level: 'warn' });
  const opened = await openDatabase(settings, log);
  try {
    await migrate(opened.db);
    const total = Number(values.evaluations);
    let shown = 0;
    const result = await seedHistory(opened.db, {
      evaluations: total,
      seed: Number(values.seed),
      days: Number(values.days),
      onProgress: (done) => {
        if (done - shown >= total / 20 || done >= total) {
          shown = done;
          process.stdout.write(`  ${done.toLocaleString('en-US')} evaluations\n`);
        }
      },
    });
    const where =
      opened.backend === 'server'
        ? 'the PostgreSQL server (DATABASE_URL)'
        : `the embedded database in ${settings.dataDir}`;
    console.log(
      `Seeded ${where}: ${result.evaluations.toLocaleString('en-US')} evaluations, ${result.pullRequests.toLocaleString('en-US')} pull requests (${result.openPullRequests.toLocaleString('en-US')} open), ${result.overrides.toLocaleString('en-US')} overrides, ${result.repositories.length} repositories, in ${(result.durationMs / 1000).toFixed(1)} s.`,
    );
  } finally {
    await opened.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
