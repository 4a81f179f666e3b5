/**
 * Test builders: `aSnapshot({...})` makes a complete, valid snapshot with
 * overrides; `aFile`, `aCommit`, `aReview` make list items.
 */
import type { ChangedFile, CommitInfo, PullRequestSnapshot, Review } from '../../gates/snapshot.js';

type Overrides = {
  [K in keyof PullRequestSnapshot]?: PullRequestSnapshot[K];
};

export function aFile(
  path: string,
  additions = 10,
  deletions = 0,
  changeType: ChangedFile['changeType'] = 'modified',
): ChangedFile {
  return { path, additions, deletions, changeType };
}

let commitCounter = 0;
export function aCommit(overrides: Partial<CommitInfo> = {}): CommitInfo {
  commitCounter++;
  const sha = overrides.sha ?? commitCounter.toString(16).padStart(40, 'a');
  const subject = overrides.subject ?? `Change number ${commitCounter}`;
  return {
    sha,
    subject,
    message: overrides.message ?? subject,
    authorName: 'Dana Developer',
    authorEmail: 'dana@example.com',
    authorLogin: 'dana',
    authorIsBot: false,
    parentCount: 1,
    signature: { isValid: true, state: 'valid', wasSignedByGitHub: false },
    ...overrides,
  };
}

export function aReview(author: string, state: Review['state'], overrides: Partial<Review> = {}): Review {
  return { author, state, submittedAt: '2026-01-01T00:00:00Z', commitSha: 'f'.repeat(40), ...overrides };
}

export function capped<T>(nodes: readonly T[], truncated = false, totalCount = nodes.length) {
  return { nodes, totalCount, truncated };
}

export function aSnapshot(overrides: Overrides = {}): PullRequestSnapshot {
  const files = overrides.files ?? capped([aFile('src/app.ts', 20, 5)]);
  return {
    repository: { owner: 'acme', name: 'api', defaultBranch: 'main', host: 'github.com' },
    number: 42,
    title: 'Add refunds endpoint',
    body: '',
    author: { login: 'dana', isBot: false },
    isDraft: false,
    state: 'open',
    baseRef: 'main',
    baseSha: 'b'.repeat(40),
    headRef: 'feature/refunds',
    headSha: 'f'.repeat(40),
    isCrossRepository: false,
    labels: [],
    totals: {
      changedFiles: files.totalCount,
      additions: files.nodes.reduce((s, f) => s + f.additions, 0),
      deletions: files.nodes.reduce((s, f) => s + f.deletions, 0),
    },
    files,
    commits: capped([aCommit()]),
    reviews: capped([]),
    closingIssues: [],
    teams: {},
    base: { codeowners: null, gitattributes: null },
    ...overrides,
  };
}
