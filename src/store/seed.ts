/**
 * Generates a realistic history (for the bench, the insights tests and demos): organisations of
 * unequal size, repositories with their own limits, authors and bots, pull requests whose sizes
 * follow a long tail, reviews that take hours to days, gates that fail and get fixed, overrides,
 * and the snapshots of the PRs still open. Deterministic for a seed.
 *
 * It writes through the same `writeBatch` as the app (whole pull requests per batch, so each
 * PR's row is written once), so seeded rows are exactly what recording would have stored.
 */
import type { Kysely } from 'kysely';
import type { GateNumbers } from '../../gates/gate.js';
import type { ChangedFile, CommitInfo, PullRequestSnapshot, Review } from '../../gates/snapshot.js';
import type { EvaluationRecord, GateRecord, OverrideRecord, PullRequestRecord } from './records.js';
import { encodeSnapshot } from './snapshot-codec.js';
import type { HistoryTables } from './tables.js';
import { writeBatch, type HistoryItem } from './writer.js';
import { SYSTEM_CLOCK } from '../ops/clock.js';

export interface SeedOrganisation {
  readonly name: string;
  readonly repositories: number;
  /** Share of all pull requests. */
  readonly weight: number;
}

export const DEFAULT_ORGANISATIONS: readonly SeedOrganisation[] = [
  { name: 'acme', repositories: 150, weight: 0.55 },
  { name: 'globex', repositories: 60, weight: 0.25 },
  { name: 'initech', repositories: 30, weight: 0.15 },
  { name: 'umbrella', repositories: 10, weight: 0.05 },
];

export interface SeedOptions {
  readonly evaluations: number;
  readonly seed?: number;
  /** End of the history (epoch ms; default now). */
  readonly now?: number;
  /** Length of the history in days (default 365). */
  readonly days?: number;
  readonly organisations?: readonly SeedOrganisation[];
  /** Store the open PRs' snapshots (default true). */
  readonly snapshots?: boolean;
  /** Evaluations per write (default 2,000; whole PRs per batch). */
  readonly batchEvaluations?: number;
  readonly onProgress?: (evaluations: number) => void;
}

export interface SeedRepository {
  readonly id: number;
  readonly fullName: string;
  readonly installationId: number;
  readonly maxLines: number;
  readonly maxFiles: number;
  readonly defaultExcludes: boolean;
}

export interface SeedResult {
  readonly evaluations: number;
  readonly pullRequests: number;
  readonly openPullRequests: number;
  readonly overrides: number;
  readonly repositories: readonly SeedRepository[];
  readonly durationMs: number;
}

interface Repo extends SeedRepository {
  readonly testsMode: 'block' | 'warn';
  readonly codeowners: boolean;
  readonly ticketRate: number;
  nextNumber: number;
}

const HOUR = 3_600_000;
const BOTS = ['dependabot', 'renovate', 'github-actions'];

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function seedHistory(db: Kysely<HistoryTables>, options: SeedOptions): Promise<SeedResult> {
  const started = SYSTEM_CLOCK.now();
  const random = rng(options.seed ?? 1);
  const now = options.now ?? SYSTEM_CLOCK.now();
  const days = options.days ?? 365;
  const snapshots = options.snapshots ?? true;
  const batchEvaluations = options.batchEvaluations ?? 2000;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const logNormal = (median: number, sigma: number) => median * Math.exp(sigma * normal());
  const chance = (p: number) => random() < p;

  const organisations = options.organisations ?? DEFAULT_ORGANISATIONS;
  const repos: Repo[][] = organisations.map((org, o) =>
    Array.from({ length: org.repositories }, (_, i) => ({
      id: 100_000 * (o + 1) + i + 1,
      fullName: `${org.name}/service-${String(i + 1).padStart(3, '0')}`,
      installationId: 1000 + o,
      maxLines: pick([400, 400, 400, 400, 400, 300, 800]),
      maxFiles: 50,
      defaultExcludes: !chance(0.1),
      testsMode: chance(0.2) ? 'warn' : 'block',
      codeowners: chance(0.6),
      ticketRate: 0.45 + random() * 0.5,
      nextNumber: 1,
    })),
  );
  // Within an organisation, a few repositories take most pull requests.
  const repoWeights = repos.map((list) => list.map((_, i) => 1 / (i + 1) ** 0.8));
  const pickRepo = (): Repo => {
    let r = random();
    let o = 0;
    while (o < organisations.length - 1 && r >= organisations[o]!.weight) r -= organisations[o++]!.weight;
    const weights = repoWeights[o]!;
    let w = random() * weights.reduce((a, b) => a + b, 0);
    let i = 0;
    while (i < weights.length - 1 && w >= weights[i]!) w -= weights[i++]!;
    return repos[o]![i]!;
  };
  const authors = Array.from({ length: 800 }, (_, i) => `dev-${String(i + 1).padStart(3, '0')}`);
  const leads = authors.slice(0, 20);

  const iso = (ms: number) => new Date(Math.min(ms, now)).toISOString();
  let evaluations = 0;
  let pullRequests = 0;
  let openPullRequests = 0;
  let overrideCount = 0;
  let batch: HistoryItem[] = [];
  let batchCount = 0;
  const flush = async () => {
    if (batch.length > 0) await writeBatch(db, batch);
    batch = [];
    batchCount = 0;
    options.onProgress?.(evaluations);
  };

  // About three evaluations per pull request (see `count` below).
  const expectedPullRequests = Math.max(1, options.evaluations / 3.03);
  while (evaluations < options.evaluations) {
    const repo = pickRepo();
    const number = repo.nextNumber++;
    const bot = chance(0.12);
    const author = bot ? { login: `${pick(BOTS)}[bot]`, isBot: true } : { login: pick(authors), isBot: false };
    // Pull requests open in time order, as they do in life, so rows lie on disk as production's do.
    const openedAt = Math.min(
      now - HOUR,
      now - days * 24 * HOUR + (days * 24 * HOUR * (pullRequests + random())) / expectedPullRequests,
    );
    const draft = !bot && chance(0.1);
    const readyAt = draft ? openedAt + logNormal(2, 1) * HOUR : openedAt;
    const reviewed = chance(0.93);
    const firstReviewAt = reviewed ? readyAt + logNormal(3, 1.4) * HOUR : undefined;
    const approvalAt =
      firstReviewAt !== undefined && chance(0.9) ? firstReviewAt + logNormal(2, 1.2) * HOUR : undefined;
    const stillOpen = openedAt > now - 14 * 24 * HOUR && chance(0.4);
    const merged = !stillOpen && approvalAt !== undefined && chance(0.88);
    let endAt = now;
    if (!stillOpen) endAt = merged ? approvalAt! + logNormal(5, 1.2) * HOUR : readyAt + logNormal(48, 1.2) * HOUR;
    const closedAt = stillOpen || endAt > now ? undefined : endAt;
    const isOpen = closedAt === undefined;

    // Size: a long tail; lock files (bots especially) are what the default excludes leave out.
    const lines = Math.max(1, Math.round(logNormal(90, 1.3)));
    const files = Math.max(1, Math.min(2500, Math.round(lines / logNormal(30, 0.6))));
    const lockLines = chance(bot ? 0.8 : 0.15) ? Math.round(logNormal(400, 1)) : 0;
    const lockFiles = lockLines > 0 ? 1 : 0;
    const counted = repo.defaultExcludes ? { lines, files } : { lines: lines + lockLines, files: files + lockFiles };
    const sourceFiles = Math.round(files * 0.7);
    const testFiles = chance(0.6) ? Math.max(1, Math.round(files * 0.2)) : 0;
    const commits = 1 + Math.floor(logNormal(1.5, 0.8));
    const unsigned = !bot && chance(0.08) ? 1 + Math.floor(random() * commits) : 0;
    let ticketFrom = 0;
    if (!chance(repo.ticketRate)) ticketFrom = chance(0.5) ? 2 : Infinity;
    const ticketWhere = pick(['title', 'title', 'branch', 'body', 'linked-issue'] as const);
    const overBatch = counted.lines > repo.maxLines || counted.files > repo.maxFiles;
    let override: 'applied' | 'refused' | undefined;
    if (overBatch && merged && chance(0.06)) override = 'applied';
    else if (overBatch && chance(0.015)) override = 'refused';

    const count = Math.min(20, 1 + Math.floor(-Math.log(1 - random()) * 2.5));
    const key = { id: repo.id, fullName: repo.fullName, installationId: repo.installationId };
    const items: HistoryItem[] = [];
    const life = (at: number, facts: PullRequestRecord['facts']) =>
      items.push({ kind: 'pull-request', record: { repository: key, number, at: iso(at), facts } });
    life(openedAt, {
      author,
      baseRef: 'main',
      title: `Change ${number} in ${repo.fullName.split('/')[1]}`,
      draft,
      state: 'open',
      stateAt: iso(openedAt),
      openedAt: iso(openedAt),
      ...(draft ? {} : { readyAt: iso(openedAt) }),
    });
    if (draft && readyAt < now) life(readyAt, { readyAt: iso(readyAt), draft: false });
    if (firstReviewAt !== undefined && firstReviewAt < now) life(firstReviewAt, { firstReviewAt: iso(firstReviewAt) });
    if (approvalAt !== undefined && approvalAt < now) life(approvalAt, { firstApprovalAt: iso(approvalAt) });
    if (closedAt !== undefined)
      life(closedAt, {
        state: merged ? 'merged' : 'closed',
        stateAt: iso(closedAt),
        closedAt: iso(closedAt),
        ...(merged ? { mergedAt: iso(closedAt) } : {}),
      });

    const span = Math.max(60_000, Math.min(endAt, now) - openedAt);
    for (let k = 0; k < count; k++) {
      const at = openedAt + 30_000 + (span * k) / count + random() * (span / count) * 0.5;
      const sha = (repo.id * 1_000_003 + number * 101 + k).toString(16).padStart(40, '0');
      const event =
        k === 0
          ? 'pull_request.opened'
          : pick([
              'pull_request.synchronize',
              'pull_request.synchronize',
              'pull_request_review.submitted',
              'pull_request.edited',
              'check_run.rerequested',
            ]);
      const record = ((): EvaluationRecord => {
        const base = {
          repository: key,
          number,
          headSha: sha,
          author,
          evaluatedAt: iso(at),
          event,
          deliveryId: `seed-${repo.id}-${number}-${k}`,
          overrides: [] as OverrideRecord[],
        };
        if (at < readyAt)
          return {
            ...base,
            verdict: 'skipped',
            conclusion: 'neutral',
            title: 'Skipped: draft pull request',
            gates: [],
          };
        if (chance(0.004))
          return { ...base, verdict: 'config-error', conclusion: 'failure', title: 'Configuration error', gates: [] };
        if (chance(0.003))
          return { ...base, verdict: 'error', conclusion: 'failure', title: 'Evaluation error', gates: [] };
        const overridden = override === 'applied' && k >= count - 1;
        let batchStatus: GateRecord['status'] = overBatch ? 'fail' : 'pass';
        if (overridden) batchStatus = 'overridden';
        const codeownersGate = (): GateRecord => {
          if (!repo.codeowners)
            return gate('codeowners-review', 'block', 'skipped', 'The base branch has no CODEOWNERS file', {});
          if (approvalAt !== undefined && at >= approvalAt) {
            return gate(
              'codeowners-review',
              'block',
              'pass',
              `All ${plural(files, 'owned file')} approved by their owners`,
              { ownedFiles: files, ownersPending: 0, filesAwaitingReview: 0 },
            );
          }
          return gate(
            'codeowners-review',
            'block',
            'fail',
            `${plural(files, 'file')} ${files === 1 ? 'waits' : 'wait'} for code-owner review`,
            { ownedFiles: files, ownersPending: 1, filesAwaitingReview: files },
          );
        };
        const gates: GateRecord[] = [
          gate(
            'batch-size',
            'block',
            batchStatus,
            `${plural(counted.lines, 'line')} in ${plural(counted.files, 'file')} (limit ${plural(repo.maxLines, 'line')}, ${plural(repo.maxFiles, 'file')})`,
            {
              countedLines: counted.lines,
              countedFiles: counted.files,
              excludedLines: repo.defaultExcludes ? lockLines : 0,
              excludedFiles: repo.defaultExcludes ? lockFiles : 0,
              linesDefaultExcludesOn: lines,
              filesDefaultExcludesOn: files,
              linesDefaultExcludesOff: lines + lockLines,
              filesDefaultExcludesOff: files + lockFiles,
              maxLines: repo.maxLines,
              maxFiles: repo.maxFiles,
              truncated: false,
            },
          ),
          k >= ticketFrom
            ? gate(
                'linked-ticket',
                'block',
                'pass',
                ticketWhere === 'linked-issue'
                  ? 'Linked to issue #12 on GitHub'
                  : `Found PROJ-${number} in the ${ticketWhere}`,
                { ticketFound: true, ticketWhere },
              )
            : gate(
                'linked-ticket',
                'block',
                'fail',
                'No ticket reference in the title, branch name or description, and no linked issue',
                { ticketFound: false },
              ),
          sourceFiles > 0 && testFiles === 0
            ? gate(
                'tests-touched',
                repo.testsMode,
                repo.testsMode === 'warn' ? 'warn' : 'fail',
                `${plural(sourceFiles, 'source file')} changed, no test files`,
                { sourceFiles, testFiles },
              )
            : gate(
                'tests-touched',
                repo.testsMode,
                'pass',
                testFiles > 0
                  ? `${plural(sourceFiles, 'source file')} and ${plural(testFiles, 'test file')} changed`
                  : 'No source files changed',
                { sourceFiles, testFiles },
              ),
          unsigned > 0
            ? gate(
                'signed-commits',
                'block',
                'fail',
                `${unsigned} of ${plural(commits, 'commit')} ${unsigned === 1 ? 'is' : 'are'} not signed`,
                { commits, unsignedCommits: unsigned },
              )
            : gate(
                'signed-commits',
                'block',
                'pass',
                commits === 1 ? 'The commit is signed' : `All ${plural(commits, 'commit')} are signed`,
                { commits, unsignedCommits: 0 },
              ),
          codeownersGate(),
        ];
        const failed = gates.filter((g) => g.status === 'fail').map((g) => g.id);
        const overrides: OverrideRecord[] =
          override && k === count - 1
            ? [
                {
                  outcome: override,
                  login: override === 'applied' ? pick(leads) : pick(authors),
                  gates: ['batch-size'],
                  reason: 'Hotfix for the incident; splitting it would delay the rollback',
                  commentUrl: `https://github.com/${repo.fullName}/pull/${number}#issuecomment-${repo.id}${number}`,
                  refusal: override === 'refused' ? 'not listed in overrides.allowed' : null,
                  headSha: sha,
                  commentedAt: iso(at - 60_000),
                },
              ]
            : [];
        overrideCount += overrides.length;
        return {
          ...base,
          overrides,
          verdict: 'evaluated',
          conclusion: failed.length > 0 ? 'failure' : 'success',
          title: failed.length > 0 ? `Blocked: ${failed.join(', ')}` : 'All gates passed',
          gates,
        };
      })();
      const last = k === count - 1;
      items.push({
        kind: 'evaluation',
        record:
          last && isOpen && snapshots
            ? {
                ...record,
                snapshot: encodeSnapshot(
                  syntheticSnapshot({
                    repository: repo.fullName,
                    number,
                    headSha: sha,
                    author,
                    files,
                    lines,
                    commits,
                    unsigned,
                    firstReviewAt,
                    approvalAt,
                    codeowners: repo.codeowners,
                  }),
                ),
              }
            : record,
      });
      evaluations++;
      batchCount++;
    }
    pullRequests++;
    if (isOpen) openPullRequests++;
    batch.push(...items);
    if (batchCount >= batchEvaluations) await flush();
  }
  await flush();
  return {
    evaluations,
    pullRequests,
    openPullRequests,
    overrides: overrideCount,
    repositories: repos.flat(),
    durationMs: SYSTEM_CLOCK.now() - started,
  };
}

function gate(
  id: string,
  mode: 'block' | 'warn',
  status: GateRecord['status'],
  reason: string,
  numbers: GateNumbers,
): GateRecord {
  return { id, mode, status, reason, numbers };
}

function plural(n: number, one: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : `${one}s`}`;
}

/** What `syntheticSnapshot` builds a pull request from. */
export interface SyntheticPullRequest {
  readonly repository: string;
  readonly number: number;
  readonly headSha: string;
  readonly author: { readonly login: string; readonly isBot: boolean };
  readonly files: number;
  readonly lines: number;
  readonly commits: number;
  /** Commits without a signature (the first ones). */
  readonly unsigned?: number;
  readonly firstReviewAt?: number | undefined;
  readonly approvalAt?: number | undefined;
  /** The base branch's CODEOWNERS, when the repository has one. */
  readonly codeowners?: boolean;
}

/** An open PR as the loader would have seen it: file paths and counts, commits with sign-offs, reviews. */
export function syntheticSnapshot(p: SyntheticPullRequest): PullRequestSnapshot {
  const { number, headSha, author, files, lines, commits, firstReviewAt, approvalAt } = p;
  const unsigned = p.unsigned ?? 0;
  const [owner, name] = p.repository.split('/') as [string, string];
  const per = Math.max(1, Math.round(lines / files));
  const changed: ChangedFile[] = Array.from({ length: files }, (_, i) => ({
    path: i % 4 === 3 ? `test/module-${i % 17}/case-${i}.test.ts` : `src/module-${i % 17}/part-${i}.ts`,
    changeType: i % 9 === 0 ? 'added' : 'modified',
    additions: Math.ceil(per * 0.7),
    deletions: Math.floor(per * 0.3),
  }));
  const commitList: CommitInfo[] = Array.from({ length: commits }, (_, i) => ({
    sha: `${headSha.slice(0, 30)}${String(i).padStart(10, '0')}`,
    subject: `Change part ${i + 1} of PROJ-${number}`,
    message: `Change part ${i + 1} of PROJ-${number}\n\nSigned-off-by: ${author.login} <${author.login}@example.com>`,
    authorName: author.login,
    authorEmail: `${author.login}@example.com`,
    authorLogin: author.login,
    authorIsBot: author.isBot,
    parentCount: 1,
    signature: i < unsigned ? null : { isValid: true, state: 'valid', wasSignedByGitHub: false },
  }));
  const reviews: Review[] = [];
  if (firstReviewAt !== undefined)
    reviews.push({
      author: 'reviewer-1',
      state: 'commented',
      submittedAt: new Date(firstReviewAt).toISOString(),
      commitSha: headSha,
    });
  if (approvalAt !== undefined)
    reviews.push({
      author: 'reviewer-2',
      state: 'approved',
      submittedAt: new Date(approvalAt).toISOString(),
      commitSha: headSha,
    });
  const additions = changed.reduce((n, f) => n + f.additions, 0);
  const deletions = changed.reduce((n, f) => n + f.deletions, 0);
  return {
    repository: { owner, name, defaultBranch: 'main', host: 'github.com' },
    number,
    title: `Change ${number} in ${name}`,
    body: `Implements PROJ-${number}.\n\nThis change updates the ${name} service so that requests are retried with backoff. See the design note for details.`,
    author,
    isDraft: false,
    state: 'open',
    baseRef: 'main',
    baseSha: 'b'.repeat(40),
    headRef: `feature/proj-${number}`,
    headSha,
    isCrossRepository: false,
    labels: number % 5 === 0 ? ['backend'] : [],
    totals: { changedFiles: files, additions, deletions },
    files: { nodes: changed, totalCount: files, truncated: false },
    commits: { nodes: commitList, totalCount: commits, truncated: false },
    reviews: { nodes: reviews, totalCount: reviews.length, truncated: false },
    closingIssues: [],
    teams: {},
    base: {
      codeowners: p.codeowners
        ? {
            path: '.github/CODEOWNERS',
            oid: `co-${owner}-${name}`,
            byteSize: 120,
            text: `* @${owner}/platform\n/src/module-1/ @${owner}/payments\n/docs/ @${owner}/writers\n`,
            truncated: false,
          }
        : null,
      gitattributes: null,
    },
  };
}
