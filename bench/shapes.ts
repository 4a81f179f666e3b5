/**
 * Pull-request shapes for the API-cost rows of the benchmark (and its smoke test), and the
 * budget each must meet (docs/behaviour.md#budgets): one GraphQL read and one check-run write for a PR with up
 * to 100 files, commits and reviews; growth only by pages of 100 (the loader pages every
 * connection that has more in the same follow-up query); no write when the result is unchanged.
 */
import type { FakeCommit, FakeFile, FakePull, FakeReview, GitHubModel } from '../test/stand-in/github-model.js';
import { sha } from './fleet.js';

export interface Shape {
  readonly id: string;
  readonly label: string;
  readonly files: number;
  readonly commits: number;
  readonly reviews: number;
  /** A CODEOWNERS on the base branch naming these teams (each with `members`). */
  readonly teams?: readonly string[];
}

export const COST_SHAPES: readonly Shape[] = [
  { id: 'files-10', label: '10 files', files: 10, commits: 1, reviews: 0 },
  { id: 'files-100', label: '100 files', files: 100, commits: 1, reviews: 0 },
  { id: 'files-101', label: '101 files', files: 101, commits: 1, reviews: 0 },
  { id: 'files-1000', label: '1,000 files', files: 1000, commits: 1, reviews: 0 },
  { id: 'files-3000', label: '3,000 files', files: 3000, commits: 1, reviews: 0 },
  { id: 'commits-10', label: '10 commits', files: 10, commits: 10, reviews: 0 },
  { id: 'commits-100', label: '100 commits', files: 10, commits: 100, reviews: 0 },
  { id: 'commits-250', label: '250 commits', files: 10, commits: 250, reviews: 0 },
  { id: 'reviews-0', label: '0 reviews', files: 10, commits: 1, reviews: 0 },
  { id: 'reviews-100', label: '100 reviews', files: 10, commits: 1, reviews: 100 },
  { id: 'all-100', label: '100 files + 100 commits + 100 reviews', files: 100, commits: 100, reviews: 100 },
];

/** CODEOWNERS naming two teams of the PR's organisation. */
export const TEAM_SHAPE: Shape = {
  id: 'codeowners-teams',
  label: 'CODEOWNERS with 2 teams',
  files: 10,
  commits: 1,
  reviews: 2,
  teams: ['backend', 'frontend'],
};

/** GitHub's caps: 3,000 files, 250 commits; the loader reads at most 10 pages of reviews. */
const CAPS = { files: 3000, commits: 250, reviews: 1000 } as const;
const pages = (n: number, cap: number) => Math.max(1, Math.ceil(Math.min(n, cap) / 100));

export interface Budget {
  readonly graphql: number;
  readonly writes: number;
}

/**
 * The budget of one evaluation of `shape`: 1 read, plus one page query for every further page of
 * the longest connection (connections page together), plus the team reads when the team cache
 * is cold (one query per organisation per 50 teams); 1 write, or none when the result is unchanged.
 */
export function budgetFor(shape: Shape, opts: { unchanged?: boolean; teamCache?: 'cold' | 'warm' } = {}): Budget {
  const extraPages =
    Math.max(pages(shape.files, CAPS.files), pages(shape.commits, CAPS.commits), pages(shape.reviews, CAPS.reviews)) -
    1;
  const teamReads = shape.teams?.length && opts.teamCache !== 'warm' ? Math.ceil(shape.teams.length / 50) : 0;
  return { graphql: 1 + extraPages + teamReads, writes: opts.unchanged ? 0 : 1 };
}

const DIRS = ['src/api', 'src/core', 'src/web', 'lib/util', 'docs', 'services/billing'];

/** A PR of `shape` as the stand-in models it: a ticket in the title, signed commits, approvals. */
export function pullFor(model: GitHubModel, shape: Shape, number: number, salt = ''): FakePull {
  const head = sha(model.owner, number, 'head', salt);
  const base = sha(model.owner, 'base');
  const files: FakeFile[] = Array.from({ length: shape.files }, (_, i) => ({
    path: i % 10 === 9 ? `test/${DIRS[i % DIRS.length]}/mod${i}.test.ts` : `${DIRS[i % DIRS.length]}/mod${i}.ts`,
    additions: 3,
    deletions: 1,
  }));
  const commits: FakeCommit[] = Array.from({ length: shape.commits }, (_, i) => ({
    oid: i === shape.commits - 1 ? head : sha(model.owner, number, 'commit', i, salt),
    message: `OPS-${number} step ${i + 1}\n\nSigned-off-by: Codertocat <21031067+Codertocat@users.noreply.github.com>`,
  }));
  const reviewers = shape.teams ? ['alice', 'bob'] : Array.from({ length: 7 }, (_, i) => `reviewer${i}`);
  const reviews: FakeReview[] = Array.from({ length: shape.reviews }, (_, i) => ({
    login: reviewers[i % reviewers.length]!,
    state: i % 3 === 2 ? 'COMMENTED' : 'APPROVED',
    commitOid: head,
  }));
  if (shape.teams) {
    model.setBlob(
      base,
      '.github/CODEOWNERS',
      [
        '# owners',
        '*.md @docs-writer',
        ...shape.teams.map((t, i) => `/${DIRS[i % DIRS.length]}/ @${model.owner}/${t}`),
        `/test/ @${model.owner}/${shape.teams[0]}`,
      ].join('\n'),
    );
    for (const [i, t] of shape.teams.entries()) model.setTeam(t, i === 0 ? ['alice', 'carol'] : ['bob', 'dave']);
  }
  return model.addPull({
    number,
    title: `OPS-${number} ${shape.label}`,
    headRefName: `feature/ops-${number}`,
    headRefOid: head,
    baseRefOid: base,
    files,
    commits,
    reviews,
  });
}
