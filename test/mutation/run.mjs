// @ts-check
/**
 * The mutation check (`npm run test:mutation [-- field ...]`): removes one field at a time
 * from every GraphQL document the app sends, runs the tests that drive the app end to end
 * against the GitHub stand-in, and expects them to FAIL. A field whose removal leaves them
 * green is one no test needs: the check lists it and exits 1.
 *
 * The removal happens in the stand-in (test/stand-in/mutation.ts), which executes each
 * document less the fields named in the file `QG_MUTATION_FILE`: production code is not
 * touched. Fields are named as docs/testing.md#the-mutation-check describes (`signature`,
 * `signature.state`, `reviews.nodes.commit.oid`, `GitSignature.state`). With no argument, the
 * fields the gates depend on (`FIELDS`) are checked; with arguments, those fields.
 *
 * One Vitest instance runs every mutation in worker threads that stay alive between runs
 * (modules and GitHub's schema are loaded once), with `bail`: a run stops at its first failing
 * test. First an unmutated run must pass, or nothing the check says would mean anything.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createVitest } from 'vitest/node';

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
  'closingIssuesReferences',
  'closingIssuesReferences.nodes.number',
  'closingIssuesReferences.nodes.repository',
  'defaultBranchRef',
  // files
  'files.nodes.path',
  'files.nodes.additions',
  'files.nodes.deletions',
  'changeType',
  'files.pageInfo',
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
  // reviews
  'reviews.nodes.author',
  'reviews.nodes.author.__typename',
  'reviews.nodes.state',
  'reviews.nodes.commit',
  'reviews.nodes.commit.oid',
  'reviews.totalCount',
  'reviews.pageInfo',
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
  // the head commit: this app's runs on it and the pull requests sharing it
  'head.oid',
  'CheckRun.databaseId',
  'CheckRun.name',
  'CheckRun.status',
  'CheckRun.externalId',
  'associatedPullRequests',
  'associatedPullRequests.nodes.state',
  'associatedPullRequests.nodes.headRefOid',
  'associatedPullRequests.nodes.baseRepository',
  'repository.id',
  // team members for code-owner review
  'members.nodes.login',
  'members.pageInfo',
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

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: npm run test:mutation [-- field ...]\n\nWith no field, checks the fields the gates depend on:\n  ' + FIELDS.join('\n  '));
  process.exit(0);
}
const fields = args.length > 0 ? args : FIELDS;

const dir = mkdtempSync(join(tmpdir(), 'qg-mutation-'));
const mutationFile = join(dir, 'fields');
const logFile = join(dir, 'removed.jsonl');
writeFileSync(mutationFile, '');
writeFileSync(logFile, '');
process.env.QG_MUTATION_FILE = mutationFile;
process.env.QG_MUTATION_LOG = logFile;

/** @param {number} ms */
const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;

/**
 * The failed tests of the last run, and files that failed without a test failing (they did not load).
 * @param {import('vitest/node').Vitest} vitest
 */
function outcome(vitest) {
  /** @type {string[]} */
  const failed = [];
  /** @type {string[]} */
  const broken = [];
  for (const file of vitest.state.getFiles()) {
    const before = failed.length;
    /** @param {any} task @param {string[]} names */
    const walk = (task, names) => {
      for (const t of task.tasks ?? []) {
        if (t.type === 'test' && t.result?.state === 'fail') failed.push(`${file.name} › ${[...names, t.name].join(' › ')}`);
        walk(t, [...names, t.name]);
      }
    };
    walk(file, []);
    if (file.result?.state === 'fail' && failed.length === before && (file.result.errors?.length ?? 0) > 0) {
      broken.push(`${file.name}: ${file.result.errors?.[0]?.message ?? 'failed'}`);
    }
  }
  return { failed, broken };
}

const vitest = await createVitest('test', {
  watch: false,
  pool: 'threads',
  isolate: false,
  bail: 1,
  silent: true,
  reporters: [{}],
});

/** @param {string} field */
async function run(field) {
  writeFileSync(mutationFile, field);
  writeFileSync(logFile, '');
  const started = performance.now();
  await vitest.start(TEST_FILES);
  const removed = readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  return { ...outcome(vitest), removed, ms: performance.now() - started };
}

const started = performance.now();
let exit = 0;
try {
  const baseline = await run('');
  if (baseline.failed.length > 0 || baseline.broken.length > 0) {
    console.error(`The tests fail without any mutation; fix them first:\n  ${[...baseline.failed, ...baseline.broken].join('\n  ')}`);
    exit = 2;
  } else {
    console.log(`mutation check: ${fields.length} field(s), ${TEST_FILES.length} test files (unmutated run: ${seconds(baseline.ms)})`);
    const survivors = [];
    const unmatched = [];
    const broken = [];
    for (const field of fields) {
      const r = await run(field);
      const where = [...new Set(r.removed.map((x) => `${x.operation}:${x.at}`))];
      if (where.length === 0) {
        unmatched.push(field);
        console.log(`  UNMATCHED ${field} — no document the app sent selects it (${seconds(r.ms)})`);
      } else if (r.failed.length > 0) {
        console.log(`  killed    ${field} (${seconds(r.ms)}) — removed at ${where.join(', ')}; failed ${r.failed[0]}`);
      } else if (r.broken.length > 0) {
        broken.push(field);
        console.log(`  ERROR     ${field} (${seconds(r.ms)}) — a test file did not run: ${r.broken[0]}`);
      } else {
        survivors.push(field);
        console.log(`  SURVIVED  ${field} (${seconds(r.ms)}) — removed at ${where.join(', ')}; every test still passes`);
      }
    }
    const killed = fields.length - survivors.length - unmatched.length - broken.length;
    console.log(`\n${killed} of ${fields.length} field removals failed the tests, in ${seconds(performance.now() - started)}.`);
    if (survivors.length > 0) console.log(`No test fails without: ${survivors.join(', ')}. Add a test that needs each.`);
    if (unmatched.length > 0) console.log(`No document selects: ${unmatched.join(', ')}. Check the path (docs/testing.md#the-mutation-check).`);
    if (survivors.length + unmatched.length + broken.length > 0) exit = 1;
  }
} finally {
  await vitest.close();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exit);
