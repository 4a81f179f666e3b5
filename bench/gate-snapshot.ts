/**
 * A heavy snapshot for the pure-gate timing: 3,000 changed files over a realistic tree, a
 * 500-line CODEOWNERS mixing every pattern form (anchored directories, extensions, `**`,
 * single-level `*`, names anywhere) with user and team owners, 250 signed-off commits and
 * 100 reviews, with the teams' members filled in as the loader would.
 */
import type { ChangedFile, CommitInfo, PullRequestSnapshot, Review } from '../gates/snapshot.js';

const SERVICES = 40;
const MODULES = 8;

export function codeownersText(lines = 500): string {
  const out: string[] = ['# Generated for the benchmark', '*                         @acme/platform'];
  const forms = [
    (i: number) => `/services/svc-${i % SERVICES}/                 @acme/team-${i % 25}`,
    (i: number) => `/services/svc-${i % SERVICES}/src/mod-${i % MODULES}/ @dev-${i % 60} @acme/team-${(i + 3) % 25}`,
    (i: number) => `/services/svc-${i % SERVICES}/**/*.sql        @acme/dba`,
    (i: number) => `*.proto-${i}                 @acme/api-guild`,
    (i: number) => `**/fixtures-${i % 30}/          @qa-${i % 12}`,
    (i: number) => `/docs/section-${i % 20}/*          @writer-${i % 9}`,
    (i: number) => `/services/svc-${i % SERVICES}/src/mod-${i % MODULES}/*.ts @dev-${(i + 7) % 60}`,
    (i: number) => `generated-${i % 15}/                 `,
    (i: number) => `/libs/lib-${i % 30}/**/test/     @acme/team-${(i + 11) % 25}`,
    (i: number) => `/services/svc-${i % SERVICES}/README.md  docs-${i % 5}@example.com`,
  ];
  for (let i = 0; out.length < lines; i++) out.push(forms[i % forms.length]!(i));
  return out.join('\n') + '\n';
}

function files(count = 3000): ChangedFile[] {
  const out: ChangedFile[] = [];
  for (let i = 0; out.length < count; i++) {
    const svc = i % SERVICES;
    const mod = (i >> 3) % MODULES;
    const kind = i % 10;
    const paths = [
      `services/svc-${svc}/src/mod-${mod}/handler${i}.test.ts`,
      `services/svc-${svc}/db/migration${i}.sql`,
      `libs/lib-${i % 30}/src/test/case${i}.ts`,
      `docs/section-${i % 20}/page${i}.md`,
      `services/svc-${svc}/fixtures-${i % 30}/data${i}.json`,
    ];
    const path = paths[kind] ?? `services/svc-${svc}/src/mod-${mod}/file${i}.ts`;
    let changeType: ChangedFile['changeType'] = 'modified';
    if (i % 17 === 0) changeType = 'added';
    else if (i % 29 === 0) changeType = 'deleted';
    out.push({ path, changeType, additions: (i % 40) + 1, deletions: i % 7 });
  }
  return out;
}

function commits(count = 250): CommitInfo[] {
  return Array.from({ length: count }, (_, i) => ({
    sha: (i + 1).toString(16).padStart(40, 'c'),
    subject: `OPS-${100 + i} change ${i}`,
    message: `OPS-${100 + i} change ${i}\n\nSigned-off-by: Dana Developer <dana@example.com>`,
    authorName: 'Dana Developer',
    authorEmail: 'dana@example.com',
    authorLogin: 'dana',
    authorIsBot: false,
    parentCount: 1,
    signature: { isValid: true, state: 'valid', wasSignedByGitHub: false },
  }));
}

const HEAD = 'f'.repeat(40);

function reviewState(i: number): Review['state'] {
  if (i % 5 === 4) return 'commented';
  return i % 13 === 12 ? 'changes_requested' : 'approved';
}

function reviews(count = 100): Review[] {
  return Array.from({ length: count }, (_, i) => ({
    author: i % 4 === 0 ? `member-${i % 50}` : `dev-${i % 60}`,
    state: reviewState(i),
    submittedAt: `2026-01-01T00:${String(i % 60).padStart(2, '0')}:00Z`,
    commitSha: HEAD,
  }));
}

function teams(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let t = 0; t < 25; t++)
    out[`acme/team-${t}`] = Array.from({ length: 12 }, (_, i) => `member-${(t * 7 + i) % 50}`);
  for (const t of ['platform', 'dba', 'api-guild']) out[`acme/${t}`] = ['member-1', 'member-2', 'member-3'];
  return out;
}

/** The 3,000-file snapshot. `oid` names the CODEOWNERS blob: a new one forces a fresh compile. */
export function heavySnapshot(oid = 'codeowners-bench'): PullRequestSnapshot {
  const list = files();
  const text = codeownersText();
  // Through JSON, as the loader builds a snapshot from GitHub's parsed answer: plain strings,
  // not the concatenations that template literals leave for the first reader to flatten.
  return JSON.parse(JSON.stringify(snapshotOf(list, text, oid))) as PullRequestSnapshot;
}

function snapshotOf(list: ChangedFile[], text: string, oid: string): PullRequestSnapshot {
  return {
    repository: { owner: 'acme', name: 'monorepo', defaultBranch: 'main', host: 'github.com' },
    number: 4242,
    title: 'OPS-4242 Move every service to the new client',
    body: 'Part of OPS-4000. Fixes #12.',
    author: { login: 'dana', isBot: false },
    isDraft: false,
    state: 'open',
    baseRef: 'main',
    baseSha: 'b'.repeat(40),
    headRef: 'feature/ops-4242-client',
    headSha: HEAD,
    isCrossRepository: false,
    labels: ['refactor'],
    totals: {
      changedFiles: list.length,
      additions: list.reduce((s, f) => s + f.additions, 0),
      deletions: list.reduce((s, f) => s + f.deletions, 0),
    },
    files: { nodes: list, totalCount: list.length, truncated: false },
    commits: { nodes: commits(), totalCount: 250, truncated: false },
    reviews: { nodes: reviews(), totalCount: 100, truncated: false },
    closingIssues: [{ number: 12, repository: 'acme/monorepo' }],
    teams: teams(),
    base: {
      codeowners: { path: '.github/CODEOWNERS', oid, byteSize: Buffer.byteLength(text), text, truncated: false },
      gitattributes: {
        path: '.gitattributes',
        oid: 'attrs',
        byteSize: 60,
        text: 'services/*/generated/** linguist-generated\n*.lock -diff\n',
        truncated: false,
      },
    },
  };
}
