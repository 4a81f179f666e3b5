/**
 * `npm run bench:history-overhead`: does recording the history change an evaluation's latency or
 * the burst figures? Runs the benchmark's own sections 3 (end to end, ours: concurrency 1, 8 and
 * 32 and the 40-PR bursts) and 4 (acknowledgement while GitHub takes 500 ms) once per history
 * mode, one after the other on the same machine: by default `off, embedded, server, off`, so
 * the two runs with the history off show the noise the others are read against.
 *
 * BENCH_HISTORY_MODES=off,embedded,… chooses the runs; BENCH_QUICK=1 shrinks them (a check of the
 * harness, not a measurement). Results: `bench/results/history-overhead.json`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { AppHistory, appHistoryMode, type AppHistoryCounts, type AppHistoryMode } from './app-history.js';
import { Fleet } from './fleet.js';
import { ROOT } from './processes.js';
import { acknowledgement, appHistoryCounts, endToEndOurs, PLAN, useAppHistory, withApp, type Env } from './run.js';
import { median, ms, num, table } from './stats.js';
import { startStandInServer } from '../test/stand-in/server.js';

const APP_ID = 4242;
const log = (line: string) => process.stdout.write(`${line}\n`);
const progress = (line: string) => process.stderr.write(`  … ${line}\n`);

interface ModeRun {
  readonly mode: AppHistoryMode;
  readonly e2e: Awaited<ReturnType<typeof endToEndOurs>>;
  readonly ack: Awaited<ReturnType<typeof acknowledgement>>;
  readonly history: AppHistoryCounts[];
  readonly seconds: number;
}

async function runMode(env: Env, mode: AppHistoryMode): Promise<ModeRun> {
  const began = performance.now();
  const history = await AppHistory.start(mode);
  useAppHistory(history);
  const counted = appHistoryCounts.length;
  try {
    const fleet = new Fleet(APP_ID);
    const standIn = await startStandInServer(fleet.standIn, { latencyMs: 0 });
    let e2e;
    try {
      e2e = await withApp(env, 'ours', standIn, (app) => endToEndOurs(fleet, standIn, app));
    } finally {
      await standIn.close();
    }
    progress(`${mode}: section 3 done`);
    const ack = await acknowledgement(env);
    progress(`${mode}: section 4 done`);
    return { mode, e2e, ack, history: appHistoryCounts.slice(counted), seconds: (performance.now() - began) / 1000 };
  } finally {
    useAppHistory(undefined);
    await history.close();
  }
}

function print(runs: readonly ModeRun[]): void {
  const row = (r: ModeRun, scenario: string) =>
    r.e2e.find((e) => e.scenario === scenario || e.scenario.startsWith(scenario))!;
  log('\n### Section 3: webhook → completed check run (medians over runs; ms)\n');
  log(
    table(
      [
        'history',
        'c1 p50',
        'c1 p95',
        'c8 p50',
        'c8 p95',
        'c8 eval/s',
        'c32 p50',
        'c32 p95',
        'c32 eval/s',
        'burst grouped: all done',
        'p95',
        'burst interleaved: all done',
        'p95',
        'burst ack p99',
      ],
      runs.map((r) => {
        const [c1, c8, c32] = [row(r, 'concurrency 1'), row(r, 'concurrency 8'), row(r, 'concurrency 32')];
        const [grouped, interleaved] = [
          row(r, 'burst: 40 PRs at once, 8 installations (grouped)'),
          row(r, 'burst: 40 PRs at once, 8 installations (interleaved)'),
        ];
        const makespan = (e: typeof grouped) => ms(median(e.runs.map((x) => x.makespanMs)));
        return [
          r.mode,
          ms(c1.p50),
          ms(c1.p95),
          ms(c8.p50),
          ms(c8.p95),
          num(c8.perSecond, 1),
          ms(c32.p50),
          ms(c32.p95),
          num(c32.perSecond, 1),
          makespan(grouped),
          ms(grouped.p95),
          makespan(interleaved),
          ms(interleaved.p95),
          ms(Math.max(grouped.ackP99, interleaved.ackP99)),
        ];
      }),
    ),
  );
  log(`\n### Section 4: webhook acknowledgement while every GitHub call takes ${PLAN.slowLatencyMs} ms (ms)\n`);
  log(
    table(
      ['history', ...runs[0]!.ack.runs.map((a) => `${a.scenario}: p99`), 'pooled p50', 'pooled p99', 'max'],
      runs.map((r) => [
        r.mode,
        ...r.ack.runs.map((a) => ms(a.ack.p99)),
        ms(r.ack.pooled.p50),
        ms(r.ack.pooled.p99),
        ms(r.ack.pooled.max),
      ]),
    ),
  );
  log('\n### What the history recorded meanwhile (per app run: section 3, then section 4)\n');
  log(
    table(
      ['history', 'evaluations written', 'life events written', 'dropped', 'left buffered', 'run time'],
      runs.map((r) => [
        r.mode,
        r.history.map((h) => h.evaluationsWritten.toLocaleString('en-US')).join(' + ') || '—',
        r.history.map((h) => h.lifeEventsWritten.toLocaleString('en-US')).join(' + ') || '—',
        r.history.map((h) => String(h.dropped)).join(' + ') || '—',
        r.history.map((h) => String(h.buffered)).join(' + ') || '—',
        `${num(r.seconds, 0)} s`,
      ]),
    ),
  );
}

async function main(): Promise<void> {
  const modes = (process.env.BENCH_HISTORY_MODES ?? 'off,embedded,server,off')
    .split(',')
    .map((m) => appHistoryMode(m, 'BENCH_HISTORY_MODES'));
  const quick = process.env.BENCH_QUICK === '1';
  const cpu = cpus();
  log(
    `# History overhead: sections 3 and 4 with the history ${modes.join(', ')}${quick ? ' (BENCH_QUICK: reduced samples, not a measurement)' : ''}\n`,
  );
  log(
    `Machine: ${cpu.length} cores (${cpu[0]?.model ?? 'unknown'}), Node ${process.version}; load average at start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}. Started ${new Date().toISOString()}.`,
  );
  const env: Env = {
    privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString(),
  };
  const runs: ModeRun[] = [];
  for (const mode of modes) {
    progress(`history ${mode}`);
    runs.push(await runMode(env, mode));
  }
  print(runs);
  log(
    `\nLoad average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}.`,
  );
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, quick ? 'history-overhead-quick.json' : 'history-overhead.json');
  writeFileSync(
    file,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), quick, modes, plan: PLAN, runs }, null, 2)}\n`,
  );
  log(`\nJSON: ${file}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
