/**
 * Builds a `PullRequestSnapshot` from a local git repository, for the command
 * line: the current branch as the pull request's head, the merge base with a
 * base ref as its base. The gates cannot tell it from a snapshot the app loads
 * from GitHub, except where git knows less than GitHub does:
 *
 * - no reviews, no labels, no linked issues, no team members (`pr.teams` is empty);
 * - signatures are checked by local git (`%G?`), which knows only the keys in the
 *   local GPG keyring or `gpg.ssh.allowedSignersFile`. A commit that carries a
 *   signature git cannot check here gets the state `cannot_verify_locally`, kept
 *   apart from `unsigned` (a commit with no signature at all: `signature: null`);
 *   see `./signatures.ts`.
 *
 * Lists are capped at GitHub's limits (3,000 files, 250 commits) and marked
 * `truncated` like the app's, so the command predicts what the check will say.
 * Only what a list holds is read: on a branch of 3,500 commits, the 250 oldest
 * (the ones GitHub lists), never the signatures of the rest.
 *
 * Needs git 2.30 or later (`MIN_GIT_VERSION`): refs from the command line are
 * passed after `--end-of-options`, which `git rev-parse` learned in 2.30.
 */
import path from 'node:path';
import {
  GITHUB_LIMITS,
  PULL_REQUEST_TEMPLATE_PATHS,
  type BaseFile,
  type Capped,
  type ChangedFile,
  type ChangeType,
  type CommitInfo,
  type Comparison,
  type PullRequestSnapshot,
} from '../../gates/snapshot.js';
import { GitError, type Git } from './git.js';
import { readSignatures } from './git-signatures.js';
import { SYSTEM_CLOCK } from '../ops/clock.js';

/** Where GitHub looks for CODEOWNERS, first found wins. */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

export interface BaseOptions {
  /** `--base`: a branch, tag or commit; default the remote's default branch, else `main`. */
  readonly base?: string | undefined;
}

export interface SnapshotOptions {
  readonly title?: string | undefined;
  readonly body?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * False when no enabled gate looks at signatures (signed-commits is off or requires
   * sign-off only): signed commits are then `not_checked_locally` and gpg never runs.
   */
  readonly verifySignatures?: boolean;
  /** The clock (milliseconds) that stamps the snapshot's `readAt`; `SYSTEM_CLOCK.now` (src/ops/clock.ts) when not given. */
  readonly now?: () => number;
}

/** The repository, HEAD and the base it is compared with: what is known before the commits are read. */
export interface LocalRepository {
  /** The repository's top-level directory. */
  readonly root: string;
  readonly repository: PullRequestSnapshot['repository'];
  readonly headSha: string;
  readonly base: {
    /** The ref evaluated against, as given or chosen (`origin/main`). */
    readonly ref: string;
    /** The branch it names (`main` for `origin/main`); the ref itself for a tag or commit. */
    readonly name: string;
    /** Commit the ref points at: config and CODEOWNERS are read here. */
    readonly sha: string;
    /** Merge base of the ref and HEAD: files are diffed from here. */
    readonly mergeBase: string;
  };
  /** Reads a file at the base commit; `null` when absent. */
  readBaseFile(filePath: string): Promise<BaseFile | null>;
}

export interface LocalPullRequest extends LocalRepository {
  readonly snapshot: PullRequestSnapshot;
  /** True when the head is detached (no branch name from git). */
  readonly detached: boolean;
  /** True when the working tree has changes that are not committed (they are not evaluated). */
  readonly dirty: boolean;
}

/** A user mistake in the arguments or the repository, reported without a stack trace. */
export class LocalRunError extends Error {
  override readonly name = 'LocalRunError';
}

export async function repositoryRoot(git: Git): Promise<string> {
  const out = await git.exec(['rev-parse', '--show-toplevel']);
  if (out.code !== 0) {
    if (/not a git repository/i.test(out.stderr)) {
      throw new GitError(
        'not-a-repository',
        `not a git repository: ${git.cwd} (run this inside a clone, or use git init)`,
        out.stderr,
      );
    }
    if (/must be run in a work tree/i.test(out.stderr)) {
      throw new GitError(
        'not-a-repository',
        `${git.cwd} is inside a bare repository or .git directory; run this in a working tree`,
        out.stderr,
      );
    }
    throw new GitError(
      'failed',
      `cannot find the repository root: ${out.stderr.trim() || `git exited with ${out.code}`}`,
      out.stderr,
    );
  }
  return out.stdout.toString('utf8').replace(/\n$/, '');
}

/**
 * Finds HEAD, the base and their merge base, and the GitHub repository the `origin` remote
 * names. `git` must run in the repository's top-level directory.
 */
export async function openLocalRepository(git: Git, options: BaseOptions = {}): Promise<LocalRepository> {
  const [head, remote, defaultBranch] = await Promise.all([
    git.maybe(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']),
    originOf(git),
    remoteDefaultBranch(git),
  ]);
  const headSha = shaFrom(head ?? '');
  if (!headSha) throw new GitError('no-commits', 'the current branch has no commits yet; commit something first');
  const base = await resolveBase(git, options.base, defaultBranch);
  const mergeBaseOut = await git.exec(['merge-base', base.sha, headSha]);
  const mergeBase = mergeBaseOut.stdout.toString('utf8').trim();
  if (mergeBaseOut.code !== 0 || !mergeBase) {
    throw new LocalRunError(
      `${base.ref} and HEAD have no common history, so there is no merge base to compare with; pass --base with a branch this one was started from`,
    );
  }
  const root = git.cwd;
  return {
    root,
    repository: {
      owner: remote?.owner ?? '',
      name: remote?.name ?? path.basename(root),
      defaultBranch: defaultBranch ?? base.name,
      host: remote?.host ?? 'github.com',
    },
    headSha,
    base: { ref: base.ref, name: base.name, sha: base.sha, mergeBase },
    readBaseFile: (filePath: string) => readBlobAt(git, base.sha, filePath),
  };
}

/** Reads the pull request the current branch would open against `repo.base`. */
export async function loadLocalPullRequest(
  git: Git,
  repo: LocalRepository,
  options: SnapshotOptions = {},
): Promise<LocalPullRequest> {
  const { headSha, base } = repo;
  const [headRef, files, commits, head, dirty, identity, codeowners, gitattributes, templates, comparison] =
    await Promise.all([
      currentBranch(git, options.env),
      changedFiles(git, base.mergeBase, headSha),
      branchCommits(git, base.sha, headSha, options.verifySignatures ?? true),
      headCommit(git, headSha),
      workingTreeDirty(git),
      localIdentity(git),
      firstBaseFile(git, base.sha, CODEOWNERS_PATHS),
      repo.readBaseFile('.gitattributes'),
      baseFiles(git, base.sha, PULL_REQUEST_TEMPLATE_PATHS),
      compareWithBase(git, base.sha, headSha),
    ]);

  // HEAD's, not the newest listed commit's: past 250 commits the list stops short of HEAD.
  const title = options.title ?? head.subject;
  const authorEmail = identity.email || head.authorEmail;
  const authorName = identity.name || head.authorName;
  const login = loginFromEmail(authorEmail) ?? authorName;
  const totals = files.nodes.reduce(
    (t, f) => ({ additions: t.additions + f.additions, deletions: t.deletions + f.deletions }),
    { additions: 0, deletions: 0 },
  );

  const snapshot: PullRequestSnapshot = {
    source: 'local',
    repository: repo.repository,
    number: 0,
    title,
    body: options.body ?? '',
    author: { login, isBot: isBotName(login) || isBotEmail(authorEmail) },
    isDraft: false,
    state: 'open',
    baseRef: base.name,
    baseSha: base.sha,
    headRef: headRef ?? '',
    headSha,
    isCrossRepository: false,
    labels: [],
    totals: { changedFiles: files.totalCount, ...totals },
    files,
    commits,
    reviews: { nodes: [], totalCount: 0, truncated: false },
    closingIssues: [],
    teams: {},
    base: { codeowners, gitattributes, pullRequestTemplates: templates },
    // Not opened yet: branch-age says its age is not known, and counts commits behind with git.
    createdAt: null,
    readAt: new Date((options.now ?? SYSTEM_CLOCK.now)()).toISOString(),
    comparison,
  };
  return { ...repo, snapshot, detached: headRef === null, dirty };
}

// ---- repository and refs -------------------------------------------------------------

/** owner/name/host from the `origin` remote's URL (https, ssh or scp-like), when there is one. */
export function parseRemoteUrl(url: string): { owner: string; name: string; host: string } | undefined {
  const trimmed = url.trim();
  let host: string;
  let pathname: string;
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(trimmed);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    try {
      const u = new URL(trimmed);
      host = u.hostname;
      pathname = decodeURIComponent(u.pathname);
    } catch {
      return undefined;
    }
  } else if (scp) {
    host = scp[1]!;
    pathname = scp[2]!;
  } else {
    return undefined;
  }
  const parts = pathname
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .split('/')
    .filter(Boolean);
  if (parts.length < 2 || host === '') return undefined; // a local path or file:// URL names no GitHub repository
  return { owner: parts[parts.length - 2]!, name: parts[parts.length - 1]!, host: host.toLowerCase() };
}

async function originOf(git: Git): Promise<{ owner: string; name: string; host: string } | undefined> {
  const url = (await git.maybe(['config', '--get', 'remote.origin.url']))?.trim();
  return url ? parseRemoteUrl(url) : undefined;
}

/** The remote's default branch (`origin/HEAD`), as a branch name. */
async function remoteDefaultBranch(git: Git): Promise<string | undefined> {
  return defaultBranchFrom((await git.maybe(['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD'])) ?? '');
}

/** `git symbolic-ref --quiet refs/remotes/origin/HEAD`: `refs/remotes/origin/main` → `main`. */
export function defaultBranchFrom(out: string): string | undefined {
  const ref = out.trim();
  const prefix = 'refs/remotes/origin/';
  return ref.startsWith(prefix) && ref.length > prefix.length ? ref.slice(prefix.length) : undefined;
}

interface ResolvedBase {
  readonly ref: string;
  /** Branch name for the snapshot's `baseRef` (`main` for `origin/main`). */
  readonly name: string;
  readonly sha: string;
}

async function resolveBase(
  git: Git,
  given: string | undefined,
  defaultBranch: string | undefined,
): Promise<ResolvedBase> {
  if (given !== undefined) {
    if (given.trim() === '' || given.startsWith('-'))
      throw new LocalRunError(`--base needs a branch, tag or commit, not "${given}"`);
    const sha = await commitOf(git, given);
    if (!sha)
      throw new GitError(
        'bad-revision',
        `unknown revision "${given}" for --base: no branch, tag or commit has that name (for a remote branch, fetch it first: git fetch origin)`,
      );
    return { ref: given, name: await branchNameOf(git, given), sha };
  }
  const candidates = [...(defaultBranch ? [`origin/${defaultBranch}`] : []), 'main', 'origin/main'];
  for (const ref of candidates) {
    const sha = await commitOf(git, ref);
    if (sha) return { ref, name: await branchNameOf(git, ref), sha };
  }
  throw new LocalRunError(
    'no base branch: the remote has no default branch (origin/HEAD) and there is no main branch; pass --base REF',
  );
}

// `--verify` comes before `--end-of-options`: without it, `git rev-parse` (2.30 to at least
// 2.39) prints the `--end-of-options` it was given as a line of its output.

async function commitOf(git: Git, ref: string): Promise<string | undefined> {
  return shaFrom((await git.maybe(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])) ?? '');
}

/** `git rev-parse --verify`: the object name on its line, or undefined. */
export function shaFrom(out: string): string | undefined {
  return out
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(l));
}

/** `main` for `main`, `origin/main` and `refs/remotes/upstream/main`; the ref itself for a tag or commit. */
async function branchNameOf(git: Git, ref: string): Promise<string> {
  return branchNameFrom(
    (await git.maybe(['rev-parse', '--symbolic-full-name', '--verify', '--quiet', '--end-of-options', ref])) ?? '',
    ref,
  );
}

/**
 * `git rev-parse --symbolic-full-name`: the branch its `refs/…` line names, or `ref` itself
 * when there is none (a commit, `HEAD~3`). Lines that are not a ref (an echoed
 * `--end-of-options`) are passed over.
 */
export function branchNameFrom(out: string, ref: string): string {
  const full = out
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('refs/'));
  if (full === undefined) return ref;
  if (full.startsWith('refs/heads/')) return full.slice('refs/heads/'.length);
  if (full.startsWith('refs/remotes/')) return full.slice('refs/remotes/'.length).replace(/^[^/]+\//, '');
  if (full.startsWith('refs/tags/')) return full.slice('refs/tags/'.length);
  return ref;
}

/** The branch checked out; in a detached head, `GITHUB_HEAD_REF` (GitHub Actions) when set, else null. */
async function currentBranch(git: Git, env: NodeJS.ProcessEnv | undefined): Promise<string | null> {
  const branch = (await git.maybe(['symbolic-ref', '--quiet', '--short', 'HEAD']))?.trim();
  if (branch) return branch;
  const fromActions = env?.GITHUB_HEAD_REF?.trim();
  return fromActions ? fromActions : null;
}

/** HEAD's subject and author: the default title, and the author when git has no identity configured. */
async function headCommit(
  git: Git,
  sha: string,
): Promise<{ subject: string; authorName: string; authorEmail: string }> {
  return headCommitFrom((await git.maybe(['log', '-1', '-z', '--format=%an%x00%ae%x00%B', sha, '--'])) ?? '');
}

/** `git log -1 -z --format=%an%x00%ae%x00%B`. */
export function headCommitFrom(out: string): { subject: string; authorName: string; authorEmail: string } {
  const [authorName = '', authorEmail = '', message = ''] = out.split('\0');
  return { subject: message.split('\n')[0] ?? '', authorName, authorEmail };
}

async function workingTreeDirty(git: Git): Promise<boolean> {
  const out = await git.maybe(['status', '--porcelain', '-z']);
  return out !== null && out.length > 0;
}

async function localIdentity(git: Git): Promise<{ name: string; email: string }> {
  const [name, email] = await Promise.all([
    git.maybe(['config', '--get', 'user.name']),
    git.maybe(['config', '--get', 'user.email']),
  ]);
  return { name: name?.trim() ?? '', email: email?.trim() ?? '' };
}

/** GitHub login from a noreply address (`123+dave@users.noreply.github.com` → `dave`). */
export function loginFromEmail(email: string): string | undefined {
  const match = /^(?:\d+\+)?([^@+]+)@users\.noreply\.[^@]+$/i.exec(email.trim());
  return match ? match[1] : undefined;
}

const isBotName = (name: string) => /\[bot\]$/i.test(name);
const isBotEmail = (email: string) => /\[bot\]@users\.noreply\./i.test(email);

// ---- files -----------------------------------------------------------------------------

const DIFF_FLAGS = [
  '-M',
  '-z',
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '--no-relative',
  '--ignore-submodules=none',
];

const CHANGE_TYPES: Record<string, ChangeType> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
  T: 'changed',
};

/** Files changed between the merge base and HEAD, rename-aware, as GitHub lists a pull request's files. */
async function changedFiles(git: Git, mergeBase: string, head: string): Promise<Capped<ChangedFile>> {
  const [numstat, nameStatus] = await Promise.all([
    git.text(['diff', '--numstat', ...DIFF_FLAGS, mergeBase, head, '--']),
    git.text(['diff', '--name-status', ...DIFF_FLAGS, mergeBase, head, '--']),
  ]);
  const types = parseNameStatus(nameStatus);
  const files = parseNumstat(numstat).map((f): ChangedFile => ({ ...f, changeType: types.get(f.path) ?? 'modified' }));
  return cap(files, GITHUB_LIMITS.maxFiles);
}

/** `git diff --numstat -z`: `add\tdel\tpath\0`, or for a rename `add\tdel\t\0old\0new\0`; binary files count 0. */
export function parseNumstat(out: string): { path: string; additions: number; deletions: number }[] {
  const tokens = out.split('\0');
  const files: { path: string; additions: number; deletions: number }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '') continue;
    const [add = '', del = '', ...rest] = token.split('\t');
    let filePath = rest.join('\t');
    if (filePath === '') {
      i += 2; // a rename or copy: old path, then new path
      filePath = tokens[i] ?? '';
    }
    const count = (n: string) => (/^\d+$/.test(n) ? Number(n) : 0);
    files.push({ path: filePath, additions: count(add), deletions: count(del) });
  }
  return files;
}

/** `git diff --name-status -z`: `M\0path\0`, or `R086\0old\0new\0`. Keyed by the path after the change. */
export function parseNameStatus(out: string): Map<string, ChangeType> {
  const tokens = out.split('\0');
  const types = new Map<string, ChangeType>();
  for (let i = 0; i < tokens.length; i++) {
    const status = tokens[i]!;
    if (status === '') continue;
    const letter = status[0]!;
    if (letter === 'R' || letter === 'C') i++; // skip the old path
    const filePath = tokens[++i] ?? '';
    types.set(filePath, CHANGE_TYPES[letter] ?? 'modified');
  }
  return types;
}

function cap<T>(nodes: readonly T[], limit: number): Capped<T> {
  return nodes.length > limit
    ? { nodes: nodes.slice(0, limit), totalCount: nodes.length, truncated: true }
    : { nodes, totalCount: nodes.length, truncated: false };
}

// ---- commits -----------------------------------------------------------------------------

const LOG_FIELDS = ['%H', '%P', '%an', '%ae', '%ce', '%B'] as const;

/**
 * The branch's commits (in HEAD, not in the base ref), oldest first, as GitHub lists them: the
 * 250 oldest when there are more, with the total count. Signatures are read for those only.
 */
async function branchCommits(
  git: Git,
  baseSha: string,
  head: string,
  verifySignatures: boolean,
): Promise<Capped<CommitInfo>> {
  const range = `${baseSha}..${head}`;
  const totalCount = countFrom(await git.text(['rev-list', '--count', range, '--']));
  // --skip drops the newest before --reverse turns the rest oldest first.
  const skip = Math.max(0, totalCount - GITHUB_LIMITS.maxCommits);
  const out = await git.exec([
    'log',
    '-z',
    '--reverse',
    `--skip=${skip}`,
    '--no-color',
    `--format=${LOG_FIELDS.join('%x00')}`,
    range,
    '--',
  ]);
  if (out.code !== 0)
    throw new GitError('failed', `git log failed: ${out.stderr.trim().split('\n')[0] ?? ''}`, out.stderr);
  const rows = parseLog(out.stdout.toString('utf8'));
  const signatures = await readSignatures(git, rows, { verify: verifySignatures });
  const nodes = rows.map((r): CommitInfo => ({
    sha: r.sha,
    subject: r.message.split('\n')[0] ?? '',
    message: r.message.replace(/\n+$/, ''),
    authorName: r.authorName,
    authorEmail: r.authorEmail,
    authorLogin: loginFromEmail(r.authorEmail) ?? null,
    authorIsBot: isBotName(r.authorName) || isBotEmail(r.authorEmail),
    parentCount: r.parents,
    signature: signatures.get(r.sha) ?? null,
  }));
  return { nodes, totalCount: Math.max(totalCount, nodes.length), truncated: nodes.length < totalCount };
}

/** `git rev-list --count`: a number on one line (0 when it is not one). */
export function countFrom(out: string): number {
  const text = out.trim();
  return /^\d+$/.test(text) ? Number(text) : 0;
}

interface LogRow {
  readonly sha: string;
  readonly parents: number;
  readonly authorName: string;
  readonly authorEmail: string;
  readonly committerEmail: string;
  readonly message: string;
}

/** `git log -z --format=<LOG_FIELDS joined by NUL>`: fields and records are NUL-terminated. */
export function parseLog(out: string): LogRow[] {
  const tokens = out.split('\0');
  const n = LOG_FIELDS.length;
  const rows: LogRow[] = [];
  for (let i = 0; i + n <= tokens.length; i += n) {
    const [sha = '', parents = '', authorName = '', authorEmail = '', committerEmail = '', message = ''] = tokens.slice(
      i,
      i + n,
    );
    if (sha === '') break;
    rows.push({
      sha: sha.trim(),
      parents: parents.trim() === '' ? 0 : parents.trim().split(/\s+/).length,
      authorName,
      authorEmail,
      committerEmail,
      message,
    });
  }
  return rows;
}

// ---- files at the base commit --------------------------------------------------------------

export interface TreeEntry {
  readonly path: string;
  readonly oid: string;
  readonly size: number;
}

/** Regular files (not directories, links or submodules) among `paths` at `commit`. */
async function treeEntries(git: Git, commit: string, paths: readonly string[]): Promise<TreeEntry[]> {
  return parseLsTree(await git.text(['ls-tree', '-l', '-z', '--full-tree', commit, '--', ...paths]));
}

/** `git ls-tree -l -z`: `<mode> <type> <oid> <size>\t<path>\0`, regular files only. */
export function parseLsTree(out: string): TreeEntry[] {
  return out
    .split('\0')
    .filter(Boolean)
    .flatMap((line): TreeEntry[] => {
      const tab = line.indexOf('\t');
      const [mode = '', type = '', oid = '', size = ''] = line.slice(0, tab).trim().split(/\s+/);
      if (type !== 'blob' || (mode !== '100644' && mode !== '100755')) return [];
      return [{ path: line.slice(tab + 1), oid, size: Number(size) }];
    });
}

async function readBlob(git: Git, entry: TreeEntry): Promise<BaseFile> {
  // GitHub ignores CODEOWNERS over 3 MB; nothing the command reads needs more.
  if (entry.size > GITHUB_LIMITS.codeownersMaxBytes)
    return { path: entry.path, oid: entry.oid, byteSize: entry.size, text: null, truncated: false };
  const out = await git.exec(['cat-file', 'blob', entry.oid]);
  if (out.code !== 0) throw new GitError('failed', `cannot read ${entry.path}: ${out.stderr.trim()}`, out.stderr);
  const binary = out.stdout.includes(0);
  return {
    path: entry.path,
    oid: entry.oid,
    byteSize: entry.size,
    text: binary ? null : out.stdout.toString('utf8'),
    truncated: false,
  };
}

/** A file at `commit`, or null when absent (or not a regular file). */
export async function readBlobAt(git: Git, commit: string, filePath: string): Promise<BaseFile | null> {
  const [entry] = await treeEntries(git, commit, [filePath]);
  return entry && entry.path === filePath ? readBlob(git, entry) : null;
}

/** Every one of `paths` that exists at `commit`, in the order given (the pull-request templates). */
async function baseFiles(git: Git, commit: string, paths: readonly string[]): Promise<BaseFile[]> {
  const entries = await treeEntries(git, commit, paths);
  const found = paths.flatMap((p) => entries.filter((e) => e.path === p));
  return Promise.all(found.map((entry) => readBlob(git, entry)));
}

/**
 * How HEAD compares with the base ref's commit, as GitHub's compare counts: commits of the base
 * not in HEAD (`behindBy`), of HEAD not in the base (`aheadBy`). `null` when git cannot count.
 */
async function compareWithBase(git: Git, baseSha: string, head: string): Promise<Comparison | null> {
  const out = await git.exec(['rev-list', '--left-right', '--count', `${baseSha}...${head}`, '--']);
  return out.code === 0 ? comparisonFrom(out.stdout.toString('utf8')) : null;
}

/** `git rev-list --left-right --count base...head`: `<behind>\t<ahead>`. */
export function comparisonFrom(out: string): Comparison | null {
  const m = /^(\d+)\s+(\d+)\s*$/.exec(out.trim());
  return m ? { behindBy: Number(m[1]), aheadBy: Number(m[2]) } : null;
}

/** The first of `paths` that exists at `commit`, in the order given. */
async function firstBaseFile(git: Git, commit: string, paths: readonly string[]): Promise<BaseFile | null> {
  const entries = await treeEntries(git, commit, paths);
  for (const p of paths) {
    const entry = entries.find((e) => e.path === p);
    if (entry) return readBlob(git, entry);
  }
  return null;
}
