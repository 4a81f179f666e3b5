/**
 * `npm run bench:preview` (and section 8 of `npm run bench`): the organisation policy preview
 * against its budget (5,000 stored open pull requests previewed in under 5 s; docs/performance.md).
 *
 * Seeds an embedded database (PGlite, on disk in a temporary directory, as the app runs it) with
 * 5,000 open pull requests of one organisation across 200 repositories (most with no file of their
 * own, some extending the organisation's file, some replacing it; a fifth private), then runs the
 * preview end to end as the app does (`policyPreviewRunner`: database read, decoding, configs
 * resolved once per repository, every gate run twice per pull request, rendering), tightening
 * `max_lines` so that many verdicts change. Reports p50 and max over the runs, and where the time
 * goes: reading and decoding the snapshots alone, and judging them alone (from memory).
 *
 * Environment: PREVIEW_BENCH_PRS (default 5,000), PREVIEW_BENCH_RUNS (default 7), BENCH_QUICK=1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { renderPolicyPreview } from '../src/checks/render-policy-preview.js';
import { computePolicyPreview, type PreviewPull } from '../src/pipeline/policy-preview.js';
import { policyPreviewRunner } from '../src/pipeline/policy-preview-runner.js';
import { runGates } from '../src/pipeline/run-gates.js';
import { DEFAULT_CONFIG } from '../gates/config.js';
import { openDatabase } from '../src/store/database.js';
import { migrate } from '../src/store/migrations.js';
import { openPullRequestPages } from '../src/store/open-pull-requests.js';
import { evaluationRecord } from '../src/store/record-builders.js';
import { syntheticSnapshot } from '../src/store/seed.js';
import { writeBatch, type HistoryItem } from '../src/store/writer.js';
import { ms, summarize, table, type Summary } from './stats.js';

const QUICK = process.env.BENCH_QUICK === '1';
const PRS = Number(process.env.PREVIEW_BENCH_PRS ?? 5_000);
const RUNS = Number(process.env.PREVIEW_BENCH_RUNS ?? (QUICK ? 3 : 7));
const REPOSITORIES = 200;
const OWNER = 'acme';
/** The budget (docs/performance.md). */
export const PREVIEW_BUDGET_S = 5;

export interface PolicyPreviewBenchResult {
  readonly pullRequests: number;
  readonly repositories: number;
  readonly endToEndMs: Summary;
  /** CPU time of the process (every thread: the embedded database's worker too) per end-to-end run. */
  readonly endToEndCpuMs: Summary;
  readonly readDecodeMs: Summary;
  readonly judgeMs: Summary;
  readonly seedMs: number;
  readonly summaryChars: number;
  readonly totals: unknown;
  readonly ok: boolean;
}

const CURRENT_ORG = 'gates:\n  batch-size:\n    max_lines: 400\n';
const PROPOSED_ORG = 'gates:\n  batch-size:\n    max_lines: 150\n  tests-touched:\n    mode: warn\n';

export async function runPolicyPreviewBench(
  log: (line: string) => void = console.log,
): Promise<PolicyPreviewBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'qg-preview-bench-'));
  const quiet = pino({ level: 'warn' });
  const opened = await openDatabase({ dataDir: dir }, quiet);
  try {
    await migrate(opened.db);
    const seedStarted = performance.now();
    let items: HistoryItem[] = [];
    for (let i = 0; i < PRS; i++) {
      const r = i % REPOSITORIES;
      const fullName = `${OWNER}/service-${String(r).padStart(3, '0')}`;
      let repoConfig: string | null = null;
      if (r % 10 === 0) repoConfig = 'gates:\n  batch-size:\n    max_lines: 800\n';
      else if (r % 5 === 1) repoConfig = '_extends: .github\ngates:\n  linked-ticket:\n    mode: warn\n';
      const pr = syntheticSnapshot({
        repository: fullName,
        number: Math.floor(i / REPOSITORIES) + 1,
        headSha: `${String(i).padStart(8, '0')}${'a'.repeat(32)}`,
        author: { login: `dev-${i % 97}`, isBot: false },
        files: 2 + (i % 23),
        lines: 40 + ((i * 37) % 600),
        commits: 1 + (i % 4),
        unsigned: i % 11 === 0 ? 1 : 0,
        approvalAt: i % 3 === 0 ? Date.parse('2026-03-01T10:00:00Z') : undefined,
        codeowners: r % 2 === 0,
      });
      const record = evaluationRecord({
        repository: { id: 500_000 + r, fullName, installationId: 9, private: r % 5 === 4 },
        number: pr.number,
        headSha: pr.headSha,
        event: 'pull_request.synchronize',
        deliveryId: `bench-${i}`,
        at: Date.parse('2026-03-02T10:00:00Z'),
        verdict: { kind: 'evaluated', outcomes: runGates(pr, DEFAULT_CONFIG), notes: [] },
        pr,
        repoConfig,
      });
      items.push({ kind: 'evaluation', record });
      if (items.length === 500) {
        await writeBatch(opened.db, items);
        items = [];
      }
    }
    await writeBatch(opened.db, items);
    const seedMs = performance.now() - seedStarted;

    const history = { enabled: true, database: async () => opened.db };
    const run = policyPreviewRunner(history, undefined);
    const plan = { scope: 'organisation' as const, owner: OWNER, current: CURRENT_ORG, proposed: PROPOSED_ORG };
    const request = { owner: OWNER, repo: '.github', number: 1, plan };
    const endToEnd: number[] = [];
    const cpu: number[] = [];
    let summaryChars = 0;
    let totals: unknown;
    // One untimed run warms the code paths (as a replica that has evaluated before).
    for (let k = 0; k <= RUNS; k++) {
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      const preview = await run(request, quiet);
      const text = renderPolicyPreview(preview);
      const elapsed = performance.now() - started;
      const used = process.cpuUsage(cpuStarted);
      if (k > 0) {
        endToEnd.push(elapsed);
        cpu.push((used.user + used.system) / 1000);
      }
      summaryChars = text.length;
      if (preview.kind === 'ok') totals = preview.totals;
      else throw new Error(`the preview was ${preview.kind}`);
    }

    // Where the time goes: the read and decoding alone, then the judging alone (from memory).
    const readDecode: number[] = [];
    const judge: number[] = [];
    for (let k = 0; k < Math.min(RUNS, 3); k++) {
      let started = performance.now();
      const pulls: PreviewPull[] = [];
      for await (const page of openPullRequestPages(opened.db, { owner: OWNER })) pulls.push(...page);
      readDecode.push(performance.now() - started);
      started = performance.now();
      await computePolicyPreview({
        plan,
        ownRepository: `${OWNER}/.github`,
        ownNumber: 1,
        pages: (async function* () {
          yield pulls;
        })(),
        stored: pulls.length,
        visibility: { privateById: new Map(), ownRepository: `${OWNER}/.github` },
        unseen: { total: 0, listed: [] },
      });
      judge.push(performance.now() - started);
    }

    const result: PolicyPreviewBenchResult = {
      pullRequests: PRS,
      repositories: REPOSITORIES,
      endToEndMs: summarize(endToEnd),
      endToEndCpuMs: summarize(cpu),
      readDecodeMs: summarize(readDecode),
      judgeMs: summarize(judge),
      seedMs,
      summaryChars,
      totals,
      ok: summarize(endToEnd).p50 < PREVIEW_BUDGET_S * 1000,
    };
    log(
      `Organisation policy preview over ${PRS.toLocaleString('en-US')} stored open PRs in ${REPOSITORIES} repositories (embedded database on disk; ${RUNS} runs after one warm-up; seeded in ${ms(seedMs)}):\n`,
    );
    log(
      table(
        ['part', 'p50', 'max'],
        [
          [
            'end to end (read, decode, resolve configs, judge twice, render)',
            ms(result.endToEndMs.p50),
            ms(result.endToEndMs.max),
          ],
          ['  CPU time of that, all threads', ms(result.endToEndCpuMs.p50), ms(result.endToEndCpuMs.max)],
          ['  of which: read and decode the snapshots', ms(result.readDecodeMs.p50), ms(result.readDecodeMs.max)],
          ['  of which: judge every PR under both files (from memory)', ms(result.judgeMs.p50), ms(result.judgeMs.max)],
        ],
      ),
    );
    log(
      `\nLoad average during the run: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} on ${cpus().length} cores.`,
    );
    log(
      `Totals: ${JSON.stringify(totals)}; the rendered section is ${summaryChars.toLocaleString('en-US')} characters.`,
    );
    return result;
  } finally {
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The budget line for `npm run bench`'s verdict table. */
export function policyPreviewVerdict(result: PolicyPreviewBenchResult) {
  return {
    budget: `Policy preview: ${result.pullRequests.toLocaleString('en-US')} stored open PRs in < ${PREVIEW_BUDGET_S} s`,
    ok: result.ok,
    detail: `p50 ${ms(result.endToEndMs.p50)}, max ${ms(result.endToEndMs.max)}`,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await runPolicyPreviewBench();
  console.log(
    `\n${policyPreviewVerdict(result).budget}: ${result.ok ? 'met' : 'NOT met'} (${policyPreviewVerdict(result).detail})`,
  );
}
