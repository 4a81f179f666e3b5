// @ts-check
/**
 * The mutation check (`npm run test:mutation [-- field ...]`): removes one field at a time
 * from every GraphQL document the app sends, runs tests that drive the app end to end
 * against the GitHub stand-in, and expects them to FAIL. A field whose removal leaves them
 * green is one no test needs: the check lists it and exits 1.
 *
 * The removal happens in the stand-in (test/stand-in/mutation.ts), which executes each
 * document less the fields named in the file `QG_MUTATION_FILE`: production code is not
 * touched. Fields are named as docs/testing.md#the-mutation-check describes (`signature`,
 * `signature.state`, `reviews.nodes.commit.oid`, `GitSignature.state`,
 * `QualityGatesExtends:object.text`). With no argument, the fields the gates depend on
 * (`FIELDS`) are checked; with arguments, those fields.
 *
 * Fast enough for every CI run (docs/testing.md#the-mutation-check):
 * - each field first runs only the test `test/mutation/targets.json` maps it to (one found to
 *   kill it, in the fastest file; `--learn` writes the map); a field the map does not name,
 *   or that its files leave green, runs `TEST_FILES`, so the map can only save time, never
 *   hide a survivor (`--full` ignores it);
 * - worker processes (`QG_MUTATION_WORKERS`, default: the cores, at most 4) take fields from
 *   one queue, each with one Vitest instance (its config, transforms and cache made once) and
 *   `bail`: a run stops at its first failing test. Vitest 4 ends its worker thread with each
 *   run, so a run still imports its test file's modules again: that, not the test, is most of
 *   a field's time.
 * First an unmutated run of every file must pass, or nothing the check says would mean anything.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';

/** The test files that drive the app (or its loader) end to end against the stand-in. */
export const TEST_FILES = [
  'test/server/app.test.ts',
  'test/server/app-gates.test.ts',
  'test/server/app-codeowners.test.ts',
  'test/server/app-lifecycle.test.ts',
  'test/github-behaviours.test.ts',
  'test/load/loader.test.ts',
  'test/security-bots.test.ts',
  'test/twins.test.ts',
  'test/server/app-overrides.test.ts',
  'test/server/app-later-gates.test.ts',
];

/** Every field of the app's documents some gate, the verdict or the check-run write depends on. */
export const FIELDS = [
  // the pull request
  'pullRequest.number',
  'title',
  'body',
  'isDraft',
  'pullRequest.state',
  'isCrossRepository',
  'pullRequest.author',
  'pullRequest.author.__typename',
  'pullRequest.author.login',
  'Bot.databaseId',
  'baseRefName',
  'baseRefOid',
  'headRefName',
  'headRefOid',
  'changedFiles',
  'pullRequest.additions',
  'pullRequest.deletions',
  'labels',
  'labels.nodes.name',
  'labels.pageInfo',
  'QualityGatesPage:labels.nodes',
  'closingIssuesReferences',
  'closingIssuesReferences.nodes.number',
  'closingIssuesReferences.nodes.repository',
  'defaultBranchRef',
  // the base and head of a pull request, for events without them (a comment), and of a recorded twin
  'QualityGatesPullBase:baseRefOid',
  'QualityGatesPullBase:headRefOid',
  // files
  'files.nodes.path',
  'files.nodes.additions',
  'files.nodes.deletions',
  'changeType',
  'files.pageInfo',
  'QualityGatesPage:files.nodes',
  // commits
  'commits.nodes.commit.oid',
  'Commit.message',
  'Commit.parents',
  'commit.author.email',
  'commit.author.user',
  'signature',
  'signature.isValid',
  'signature.state',
  'commits.totalCount',
  'commits.pageInfo',
  'QualityGatesPage:commits.nodes',
  // reviews
  'reviews.nodes.author',
  'reviews.nodes.author.__typename',
  'reviews.nodes.state',
  'reviews.nodes.commit',
  'reviews.nodes.commit.oid',
  'reviews.totalCount',
  'reviews.pageInfo',
  'reviews.nodes.submittedAt',
  'QualityGatesPage:reviews.nodes',
  // files at the base commit, the organisation's config, the proposed config, `_extends`
  'repository.config.text',
  'org.config.text',
  'proposedConfig',
  'gitattributes.text',
  'codeownersGithub.text',
  'codeownersRoot.text',
  'codeownersDocs.text',
  'Blob.oid',
  'Blob.isTruncated',
  'Blob.byteSize',
  // the same files read again when GitHub's base commit is newer than the event's
  'QualityGatesBaseFiles:config.text',
  'QualityGatesBaseFiles:gitattributes.text',
  'QualityGatesBaseFiles:codeownersGithub.text',
  'QualityGatesBaseFiles:codeownersRoot.text',
  'QualityGatesBaseFiles:codeownersDocs.text',
  // a file `_extends` names (QualityGatesExtends), and a merge group's check name
  'repository.object.text',
  'QualityGatesMergeGroup:repository.config.text',
  'QualityGatesMergeGroup:org.config.text',
  // the head commit: this app's runs on it and the pull requests sharing it
  'head.oid',
  'checkSuites',
  'CheckRun.databaseId',
  'CheckRun.name',
  'CheckRun.status',
  'CheckRun.externalId',
  'associatedPullRequests',
  'associatedPullRequests.nodes.number',
  'associatedPullRequests.nodes.state',
  'associatedPullRequests.nodes.headRefOid',
  'associatedPullRequests.nodes.baseRefOid',
  'associatedPullRequests.nodes.baseRepository',
  'repository.id',
  // override comments, and when the head commit arrived (docs/overrides.md)
  'comments.nodes.author',
  'IssueComment.body',
  'IssueComment.createdAt',
  'IssueComment.lastEditedAt',
  'IssueComment.includesCreatedEdit',
  'IssueComment.isMinimized',
  'IssueComment.url',
  'comments.pageInfo',
  'CheckSuite.createdAt',
  'HeadRefForcePushedEvent.createdAt',
  // team members for code-owner review and overrides.allowed
  'members.nodes.login',
  'members.pageInfo',
  'QualityGatesTeamMembersPage:members.nodes.login',
  // pr-description, branch-age: the base branch's templates, when the pull request was opened, how far behind its head is
  'template0.text',
  'template1.text',
  'template2.text',
  'template3.text',
  'template4.text',
  'template5.text',
  'pullRequest.createdAt',
  'pullRequest.baseRef',
  'baseRef.compare',
  'compare.behindBy',
  'compare.aheadBy',
];

/**
 * Where the per-field map lives: `{ "field": { "files": ["test file"], "test": "name of a test that kills it" } }`
 * (`test` optional); fields absent from it run `TEST_FILES`.
 */
export const TARGETS_FILE = fileURLToPath(new URL('./targets.json', import.meta.url));

/** @typedef {{ files: string[], test?: string }} Target */

/** @returns {Record<string, Target>} */
export function readTargets(file = TARGETS_FILE) {
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * What to run first for `field`: its entry of the map, less files that no longer exist (a
 * renamed file or test only costs time: the field then runs `TEST_FILES`); `TEST_FILES` when there is none.
 * @param {string} field @param {Record<string, Target>} targets @returns {Target}
 */
export function targetFor(field, targets) {
  const files = (targets[field]?.files ?? []).filter((f) => existsSync(f));
  if (files.length === 0) return { files: TEST_FILES };
  const test = targets[field]?.test;
  return test ? { files, test } : { files };
}

/** A test name as a pattern Vitest matches against `describe › … › test` names, joined by spaces. */
const namePattern = (/** @type {string} */ name) => `${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;

/** @param {number} ms */
const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;

/**
 * @typedef {{ operation: string, at: string }} Removal
 * @typedef {{ failed: string[], failedTests: string[], broken: string[], removed: Removal[], ms: number, durations: Record<string, number> }} RunResult
 */

/**
 * A worker process: one Vitest instance; runs `{ field, files }` messages one at a time and
 * answers each with a RunResult.
 */
async function worker() {
  const dir = mkdtempSync(join(tmpdir(), 'qg-mutation-'));
  const mutationFile = join(dir, 'fields');
  const logFile = join(dir, 'removed.jsonl');
  writeFileSync(mutationFile, '');
  writeFileSync(logFile, '');
  process.env.QG_MUTATION_FILE = mutationFile;
  process.env.QG_MUTATION_LOG = logFile;
  const { createVitest } = await import('vitest/node');
  const vitest = await createVitest('test', {
    watch: false,
    pool: 'threads',
    isolate: false,
    bail: 1,
    silent: true,
    reporters: [{}],
    maxWorkers: Number(process.env.QG_MUTATION_THREADS ?? 1),
  });

  /** The failed tests of the last run, files that failed without a failed test (they did not load), and file durations. */
  const outcome = () => {
    /** @type {string[]} */
    const failed = [];
    /** @type {string[]} */
    const failedTests = [];
    /** @type {string[]} */
    const broken = [];
    /** @type {Record<string, number>} */
    const durations = {};
    for (const file of vitest.state.getFiles()) {
      const before = failed.length;
      durations[file.name] = file.result?.duration ?? 0;
      /** @param {any} task @param {string[]} names */
      const walk = (task, names) => {
        for (const t of task.tasks ?? []) {
          if (t.type === 'test' && t.result?.state === 'fail')
            failed.push(`${file.name} › ${[...names, t.name].join(' › ')}`);
          walk(t, [...names, t.name]);
        }
      };
      walk(file, []);
      if (file.result?.state === 'fail' && failed.length === before && (file.result.errors?.length ?? 0) > 0) {
        broken.push(`${file.name}: ${file.result.errors?.[0]?.message ?? 'failed'}`);
      }
    }
    return { failed, failedTests, broken, durations };
  };

  /** @param {string} field @param {string[]} files @param {string | undefined} test @returns {Promise<RunResult>} */
  const run = async (field, files, test) => {
    writeFileSync(mutationFile, field);
    if (test) vitest.setGlobalTestNamePattern(namePattern(test));
    else vitest.resetGlobalTestNamePattern();
    writeFileSync(logFile, '');
    // Only this run's results count: a file left over from an earlier run (another field's,
    // or one that bail kept from starting) would report that run's failures.
    vitest.state.filesMap.clear();
    const started = performance.now();
    await vitest.start(files);
    const removed = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    return { ...outcome(), removed, ms: performance.now() - started };
  };

  process.on('message', async (/** @type {any} */ message) => {
    if (message.type === 'close') {
      await vitest.close();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }
    const result = await run(message.field, message.files, message.test);
    process.send?.({ id: message.id, result });
  });
  process.send?.({ ready: true });
}

/** A worker process, as the main process sees it. */
class Worker {
  /** @type {Map<number, { resolve: (r: RunResult) => void, reject: (e: Error) => void }>} */
  #pending = new Map();
  #ids = 0;
  /** @param {import('node:child_process').ChildProcess} child @param {Promise<void>} ready */
  constructor(child, ready) {
    this.child = child;
    this.ready = ready;
    child.on('message', (/** @type {any} */ m) => {
      if (m.id !== undefined) {
        this.#pending.get(m.id)?.resolve(m.result);
        this.#pending.delete(m.id);
      }
    });
    child.on('exit', (code) => {
      for (const p of this.#pending.values()) p.reject(new Error(`a mutation worker exited (${code})`));
      this.#pending.clear();
    });
  }

  static start() {
    const child = fork(fileURLToPath(import.meta.url), ['--worker'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = new Promise((resolve, reject) => {
      child.once('message', () => resolve(undefined));
      child.once('exit', (code) => reject(new Error(`a mutation worker exited (${code}) before it was ready`)));
    });
    return new Worker(child, /** @type {Promise<void>} */ (ready));
  }

  /** @param {string} field @param {string[]} files @param {string} [test] @returns {Promise<RunResult>} */
  run(field, files, test) {
    const id = this.#ids++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.child.send({ id, field, files, test });
    });
  }

  close() {
    return new Promise((resolve) => {
      this.child.once('exit', resolve);
      this.child.send({ type: 'close' });
    });
  }
}

/**
 * Runs `job` for every item, `workers.length` at a time, each on a free worker.
 * @template T @param {Worker[]} workers @param {T[]} items @param {(w: Worker, item: T) => Promise<void>} job
 */
async function eachOnWorkers(workers, items, job) {
  const queue = [...items];
  await Promise.all(
    workers.map(async (w) => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await job(w, item);
    }),
  );
}

/** @param {RunResult} r */
const whereRemoved = (r) => [...new Set(r.removed.map((x) => `${x.operation}:${x.at}`))];

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(
      'usage: npm run test:mutation [-- [--full] [--learn] field ...]\n\n' +
        '  --full   ignore test/mutation/targets.json: every field runs TEST_FILES\n' +
        '  --learn  find, for each field, the fastest test file that kills it and record it in test/mutation/targets.json\n\n' +
        'With no field, checks the fields the gates depend on:\n  ' +
        FIELDS.join('\n  '),
    );
    return 0;
  }
  const full = args.includes('--full');
  const learn = args.includes('--learn');
  const named = args.filter((a) => !a.startsWith('--'));
  const fields = named.length > 0 ? named : FIELDS;
  const targets = full ? {} : readTargets();
  const count = Math.max(
    1,
    Math.min(
      Number(process.env.QG_MUTATION_WORKERS) || Math.min(4, availableParallelism()),
      fields.length,
      TEST_FILES.length,
    ),
  );

  const started = performance.now();
  const workers = Array.from({ length: count }, () => Worker.start());
  try {
    await Promise.all(workers.map((w) => w.ready));
    // The unmutated run, every file once, spread over the workers (it also loads their modules).
    /** @type {Record<string, number>} */
    const durations = {};
    /** @type {string[]} */
    const baselineFailures = [];
    await Promise.all(
      workers.map(async (w, i) => {
        const r = await w.run(
          '',
          TEST_FILES.filter((_, j) => j % count === i),
        );
        Object.assign(durations, r.durations);
        baselineFailures.push(...r.failed, ...r.broken);
      }),
    );
    if (baselineFailures.length > 0) {
      console.error(`The tests fail without any mutation; fix them first:\n  ${baselineFailures.join('\n  ')}`);
      return 2;
    }
    console.log(
      `mutation check: ${fields.length} field(s), ${count} worker(s), ${TEST_FILES.length} test files (unmutated run: ${seconds(performance.now() - started)})`,
    );
    return learn
      ? await learnTargets(workers, fields, durations, started)
      : await check(workers, fields, targets, started);
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
}

/**
 * @param {Worker[]} workers @param {string[]} fields @param {Record<string, Target>} targets @param {number} started
 * @returns {Promise<number>}
 */
async function check(workers, fields, targets, started) {
  /** @type {Map<string, 'killed' | 'survived' | 'unmatched' | 'error'>} */
  const verdicts = new Map();
  /** @type {string[]} */
  const stale = [];
  await eachOnWorkers(workers, fields, async (w, field) => {
    const first = targetFor(field, targets);
    let r = await w.run(field, first.files, first.test);
    let ms = r.ms;
    let via = first.files === TEST_FILES ? 'all files' : first.files.join(', ');
    if (r.failed.length === 0 && first.files !== TEST_FILES) {
      // Not killed by its mapped files (or not even selected by their documents): the whole set decides.
      r = await w.run(field, TEST_FILES);
      ms += r.ms;
      via = 'all files';
      if (r.failed.length > 0) stale.push(field);
    }
    const where = whereRemoved(r);
    if (where.length === 0) {
      verdicts.set(field, 'unmatched');
      console.log(`  UNMATCHED ${field} — no document the app sent selects it (${seconds(ms)})`);
    } else if (r.failed.length > 0) {
      verdicts.set(field, 'killed');
      console.log(
        `  killed    ${field} (${seconds(ms)}, ${via}) — removed at ${where.join(', ')}; failed ${r.failed[0]}`,
      );
    } else if (r.broken.length > 0) {
      verdicts.set(field, 'error');
      console.log(`  ERROR     ${field} (${seconds(ms)}) — a test file did not run: ${r.broken[0]}`);
    } else {
      verdicts.set(field, 'survived');
      console.log(`  SURVIVED  ${field} (${seconds(ms)}) — removed at ${where.join(', ')}; every test still passes`);
    }
  });
  const of = (/** @type {string} */ v) => fields.filter((f) => verdicts.get(f) === v);
  const [survivors, unmatched, broken] = [of('survived'), of('unmatched'), of('error')];
  console.log(
    `\n${of('killed').length} of ${fields.length} field removals failed the tests, in ${seconds(performance.now() - started)}.`,
  );
  if (stale.length > 0)
    console.log(
      `Killed only by the whole set, not by the files test/mutation/targets.json maps them to (slower): ${stale.join(', ')}. Run: npm run test:mutation -- --learn ${stale.join(' ')}`,
    );
  if (survivors.length > 0) console.log(`No test fails without: ${survivors.join(', ')}. Add a test that needs each.`);
  if (unmatched.length > 0)
    console.log(`No document selects: ${unmatched.join(', ')}. Check the path (docs/testing.md#the-mutation-check).`);
  if (broken.length > 0) console.log(`A test file did not run for: ${broken.join(', ')}.`);
  return survivors.length + unmatched.length + broken.length > 0 ? 1 : 0;
}

/**
 * For each field, the fastest test file that kills it alone (files tried fastest first), written
 * to test/mutation/targets.json; other entries are kept.
 * @param {Worker[]} workers @param {string[]} fields @param {Record<string, number>} durations @param {number} started
 * @returns {Promise<number>}
 */
async function learnTargets(workers, fields, durations, started) {
  const byDuration = [...TEST_FILES].sort((a, b) => (durations[a] ?? Infinity) - (durations[b] ?? Infinity));
  /** @type {Record<string, Target>} */
  const learnt = {};
  /** @type {string[]} */
  const unkilled = [];
  await eachOnWorkers(workers, fields, async (w, field) => {
    for (const file of byDuration) {
      const r = await w.run(field, [file]);
      if (r.failed.length > 0) {
        learnt[field] = { files: [file], test: r.failedTests[0] };
        console.log(`  ${field} → ${file} (${seconds(r.ms)})`);
        return;
      }
    }
    unkilled.push(field);
    console.log(`  ${field} → no single file kills it`);
  });
  const targets = { ...readTargets(), ...learnt };
  for (const field of unkilled) delete targets[field];
  // Kept in the order of FIELDS, then the others alphabetically, so a diff shows what changed.
  const order = (/** @type {string} */ f) => (FIELDS.includes(f) ? FIELDS.indexOf(f) : FIELDS.length);
  const sorted = Object.fromEntries(
    Object.entries(targets).sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b)),
  );
  writeFileSync(TARGETS_FILE, `${JSON.stringify(sorted, null, 2)}\n`);
  console.log(
    `\n${Object.keys(learnt).length} of ${fields.length} field(s) mapped in ${seconds(performance.now() - started)}; ${TARGETS_FILE} written.`,
  );
  if (unkilled.length > 0) console.log(`No single test file kills: ${unkilled.join(', ')} (run the check on them).`);
  return unkilled.length > 0 ? 1 : 0;
}

const entry = process.argv[1] ? pathToFileURL(resolve(process.argv[1])).href : '';
if (entry === import.meta.url) {
  if (process.argv.includes('--worker')) await worker();
  else process.exit(await main());
}
