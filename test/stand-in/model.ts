/**
 * One in-memory GitHub for tests and the benchmark: accounts (users, bots, organisations),
 * teams, repositories with refs, a commit graph and files at each commit, pull requests,
 * check suites and runs, GitHub App installations and the app's webhook deliveries.
 *
 * The model is plain, mutable data: a test changes a pull request (`pull.title = …`,
 * `pull.reviews.push(…)`) and the next request sees it. GraphQL (`graphql.ts`) and REST
 * (`rest.ts`) read it as GitHub would answer; nothing here knows about HTTP.
 *
 * Logins are kept as REST and webhooks spell them (`dependabot[bot]`); GraphQL names a bot
 * without the suffix (`graphqlLogin`).
 */
import { createHash } from 'node:crypto';

/** Every value of GitHub's `GitSignatureState`. */
export const GIT_SIGNATURE_STATES = [
  'BAD_CERT',
  'BAD_EMAIL',
  'EXPIRED_KEY',
  'GPGVERIFY_ERROR',
  'GPGVERIFY_UNAVAILABLE',
  'INVALID',
  'MALFORMED_SIG',
  'NOT_SIGNING_KEY',
  'NO_USER',
  'OCSP_ERROR',
  'OCSP_PENDING',
  'OCSP_REVOKED',
  'UNKNOWN_KEY',
  'UNKNOWN_SIG_TYPE',
  'UNSIGNED',
  'UNVERIFIED_EMAIL',
  'VALID',
] as const;
export type GitSignatureState = (typeof GIT_SIGNATURE_STATES)[number];

export type AccountType = 'User' | 'Bot' | 'Organization';
export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'RENAMED' | 'COPIED' | 'CHANGED';
export type PullState = 'OPEN' | 'CLOSED' | 'MERGED';
export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
export type CommentAuthorAssociation =
  'COLLABORATOR' | 'CONTRIBUTOR' | 'FIRST_TIMER' | 'FIRST_TIME_CONTRIBUTOR' | 'MANNEQUIN' | 'MEMBER' | 'NONE' | 'OWNER';

export interface Account {
  readonly id: number;
  /** As REST and webhooks spell it: a bot's login ends in `[bot]`. */
  login: string;
  readonly type: AccountType;
  name?: string | null;
  email?: string | null;
}

/** GitHub's default blob text limit for GraphQL: larger blobs come back truncated. */
export const BLOB_TEXT_LIMIT = 512 * 1024;
/** GitHub lists at most this many files of a pull request, and `files.totalCount` says at most this (`changedFiles` stays true). */
export const MAX_PULL_FILES = 3000;
/** GitHub lists at most this many commits of a pull request (`totalCount` stays true). */
export const MAX_PULL_COMMITS = 250;

export interface Signature {
  isValid: boolean;
  state: GitSignatureState | string;
  /** Signed by GitHub's web-flow key (web edits, merges and squashes made on github.com). */
  wasSignedByGitHub?: boolean;
  /** The GitHub user whose key signed (REST login), or null. */
  signer?: string | null;
  /** Default `GpgSignature`. */
  kind?: 'GpgSignature' | 'SshSignature' | 'SmimeSignature' | 'UnknownSignature';
}

/**
 * A commit. Defaults (for brevity in tests): author octocat, a valid GPG signature
 * (`signature: null` is an unsigned commit), dates of the model's clock at creation.
 */
export interface Commit {
  oid: string;
  message: string;
  authorName?: string;
  authorEmail?: string;
  /** The GitHub account linked to the author email (REST login), or null for none. */
  authorLogin?: string | null;
  authoredDate?: string;
  committerName?: string;
  committerEmail?: string;
  committerLogin?: string | null;
  committedDate?: string;
  /**
   * Parent commits: their oids (the graph), or only how many there are (the graph then
   * links the previous commit of the pull request, or its base, as the first parent).
   */
  parents?: number | string[];
  signature?: Signature | null;
}

export interface PullFile {
  path: string;
  additions: number;
  deletions: number;
  changeType?: ChangeType;
}

export interface Review {
  /** REST login of the reviewer. */
  login: string;
  state: ReviewState;
  /** The head commit the review was given on. */
  commitOid?: string;
  submittedAt?: string;
  body?: string;
  id?: number;
}

export interface IssueComment {
  /** REST login of the author; null for a deleted account (GitHub's ghost). */
  author: string | null;
  body: string;
  createdAt?: string;
  /** Set when the comment was edited. */
  lastEditedAt?: string | null;
  /** The comment was edited before it was first shown (GitHub's `includesCreatedEdit`). */
  includesCreatedEdit?: boolean;
  /** Hidden by a maintainer (GitHub's `isMinimized`). */
  isMinimized?: boolean;
  authorAssociation?: CommentAuthorAssociation;
  /** Assigned when the comment is added. */
  id?: number;
}

/** Events on a pull request's timeline that are not derived from its commits, reviews and comments. */
export type TimelineEvent =
  | {
      type: 'HeadRefForcePushedEvent';
      actor: string | null;
      beforeCommitOid: string;
      afterCommitOid: string;
      createdAt: string;
    }
  | {
      type: 'BaseRefForcePushedEvent';
      actor: string | null;
      beforeCommitOid: string;
      afterCommitOid: string;
      createdAt: string;
    }
  | {
      type: 'ReadyForReviewEvent' | 'ConvertToDraftEvent' | 'HeadRefDeletedEvent' | 'ClosedEvent' | 'ReopenedEvent';
      actor: string | null;
      createdAt: string;
    }
  | {
      type: 'BaseRefChangedEvent';
      actor: string | null;
      previousRefName: string;
      currentRefName: string;
      createdAt: string;
    };

export interface PullRequest {
  number: number;
  title: string;
  body: string;
  isDraft: boolean;
  state: PullState;
  /** REST login of the author; a login ending in `[bot]` (or `authorType: 'Bot'`) is a bot. */
  author: string;
  authorType?: 'User' | 'Bot';
  /** The author's account id, when the account is created with the pull request (a bot's `databaseId`). */
  authorDatabaseId?: number;
  createdAt?: string;
  baseRefName: string;
  /** The base branch's commit as GitHub records it on the pull request. */
  baseRefOid: string;
  headRefName: string;
  headRefOid: string;
  /** `owner/name` of the repository the head branch lives in, when it is a fork. */
  headRepository?: string;
  /** The head branch lives in a fork (set from `headRepository` when that is given). */
  isCrossRepository?: boolean;
  labels: string[];
  files: PullFile[];
  /** GitHub's own count of changed files (defaults to files.length). */
  changedFiles?: number;
  commits: Commit[];
  reviews: Review[];
  closingIssues: { number: number; repository: string }[];
  comments?: IssueComment[];
  timeline?: TimelineEvent[];
  id?: number;
}

/** A check run as REST shows it (the fields the stand-in keeps). */
export interface CheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  output: { title: string; summary: string; text?: string | null };
  app_id: number;
  check_suite_id?: number;
  details_url?: string | null;
  started_at?: string | null;
  completed_at?: string | null;
}

export interface CheckSuite {
  id: number;
  appId: number;
  headSha: string;
  createdAt: string;
}

export interface Team {
  slug: string;
  name: string;
  /** REST logins of the immediate members. */
  members: string[];
  /** Slug of the parent team. */
  parent?: string;
  id: number;
}

export interface App {
  id: number;
  slug: string;
  name: string;
  /** The app's public key (PEM): JWTs are verified against it when set. */
  publicKey?: string;
  /** The app's webhook deliveries, oldest first. */
  deliveries: HookDelivery[];
  /** What each delivery (by guid) carried: GitHub shows it in `GET /app/hook/deliveries/{id}` and sends it again on redelivery. */
  payloads: Map<string, Record<string, unknown>>;
}

export interface Installation {
  id: number;
  appId: number;
  /** Login of the account the app is installed on. */
  account: string;
  repositorySelection: 'all' | 'selected';
  /** `owner/name` (lower case) of the repositories a `selected` installation sees. */
  repositories: Set<string>;
  permissions: Record<string, string>;
}

/** GitHub's "webhook delivery" object (`GET /app/hook/deliveries`). */
export interface HookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
}

/** File content at a commit: text, bytes (binary when it holds a NUL byte), or null for deleted. */
export type FileContent = string | Uint8Array | null;

export const gitBlobOid = (content: string | Uint8Array): string => {
  const bytes = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
};

/** A 40-hex commit id from any parts, for commits a test does not name. */
export const fakeOid = (...parts: (string | number)[]): string =>
  createHash('sha1').update(parts.join(':')).digest('hex');

export const isBotLogin = (login: string) => /\[bot\]$/i.test(login);

/** The login GraphQL gives an account: a bot without `[bot]`. */
export function graphqlLogin(account: Pick<Account, 'login' | 'type'>): string {
  return account.type === 'Bot' ? account.login.replace(/\[bot\]$/i, '') : account.login;
}

export class Repository {
  readonly fullName: string;
  defaultBranch: string;
  isPrivate: boolean;
  /** `owner/name` of the repository this one was forked from. */
  parent: string | undefined;
  /** Branch name → commit oid. */
  readonly refs = new Map<string, string>();
  /**
   * How `Ref.compare` answers when GitHub cannot compare (a comparison too large): `null`, or an
   * error on the field's path (the rest of the answer stands). Undefined: it compares.
   */
  compareUnavailable: 'null' | 'error' | undefined;
  /** Commits by oid: every commit a pull request lists is here too. */
  readonly commits = new Map<string, Commit>();
  /** First-parent links for commits that name only how many parents they have. */
  readonly graphParents = new Map<string, string[]>();
  /** Files set on a commit, by commit oid then path; a commit inherits its first parent's other files. */
  readonly blobs = new Map<string, Map<string, FileContent>>();
  readonly pulls = new Map<number, PullRequest>();
  readonly checkSuites: CheckSuite[] = [];
  /** Check runs in creation order. */
  readonly checkRuns: CheckRun[] = [];
  /** Told about every check-run write. */
  onWrite: ((run: CheckRun, method: 'POST' | 'PATCH') => void) | undefined;

  constructor(
    readonly world: GitHub,
    readonly id: number,
    readonly owner: string,
    readonly name: string,
    options: { isPrivate?: boolean; defaultBranch?: string; parent?: string } = {},
  ) {
    this.fullName = `${owner}/${name}`;
    this.isPrivate = options.isPrivate ?? false;
    this.defaultBranch = options.defaultBranch ?? 'main';
    this.parent = options.parent;
  }

  /** Puts a file on a commit (`null` deletes it there). */
  setFile(oid: string, path: string, content: FileContent): void {
    let files = this.blobs.get(oid);
    if (!files) this.blobs.set(oid, (files = new Map()));
    files.set(path, content);
  }

  /** The file at `path` as of commit `oid`, following first parents; undefined when absent. */
  fileAt(oid: string, path: string): string | Uint8Array | undefined {
    const seen = new Set<string>();
    for (let at: string | undefined = oid; at !== undefined && !seen.has(at); at = this.parentOids(at)[0]) {
      seen.add(at);
      const files = this.blobs.get(at);
      if (files?.has(path)) return files.get(path) ?? undefined;
    }
    return undefined;
  }

  /** Every path under `dir` (`''` for the root) at commit `oid`. */
  pathsAt(oid: string, dir: string): string[] {
    const prefix = dir === '' ? '' : `${dir.replace(/\/$/, '')}/`;
    const out = new Map<string, boolean>();
    const seen = new Set<string>();
    for (let at: string | undefined = oid; at !== undefined && !seen.has(at); at = this.parentOids(at)[0]) {
      seen.add(at);
      for (const [path, content] of this.blobs.get(at) ?? [])
        if (path.startsWith(prefix) && !out.has(path)) out.set(path, content !== null);
    }
    return [...out].filter(([, present]) => present).map(([path]) => path);
  }

  /** Whether a commit with this oid exists (registered, listed by a pull request, or holding files). */
  hasCommit(oid: string): boolean {
    return this.commit(oid) !== undefined || this.blobs.has(oid);
  }

  commit(oid: string): Commit | undefined {
    const found = this.commits.get(oid);
    if (found) return found;
    for (const pull of this.pulls.values()) {
      this.syncPull(pull);
      const adopted = this.commits.get(oid);
      if (adopted) return adopted;
    }
    return undefined;
  }

  parentOids(oid: string): string[] {
    const parents = this.commits.get(oid)?.parents;
    return Array.isArray(parents) ? parents : (this.graphParents.get(oid) ?? []);
  }

  /** Registers a commit (and its first parent when it names only a count). */
  addCommit(commit: Commit, firstParent?: string): Commit {
    this.commits.set(commit.oid, commit);
    if (!Array.isArray(commit.parents) && firstParent !== undefined && !this.graphParents.has(commit.oid))
      this.graphParents.set(commit.oid, [firstParent]);
    return commit;
  }

  /**
   * Brings the graph and refs in line with a pull request a test may have changed in place:
   * its commits are registered (each the child of the one before, the first of the base),
   * and an open same-repository PR's head branch points at its head commit.
   */
  syncPull(pull: PullRequest): void {
    let previous = pull.baseRefOid;
    for (const c of pull.commits) {
      if (this.commits.get(c.oid) !== c) this.addCommit(c, previous);
      previous = c.oid;
    }
    if (
      pull.state === 'OPEN' &&
      !pull.headRepository &&
      !pull.isCrossRepository &&
      !this.deletedBranches.has(pull.headRefName)
    ) {
      this.refs.set(pull.headRefName, pull.headRefOid);
    }
  }

  /** Branches deleted on purpose: an open pull request does not bring them back. */
  readonly deletedBranches = new Set<string>();

  deleteBranch(name: string): void {
    this.refs.delete(name);
    this.deletedBranches.add(name);
  }

  /** Resolves `HEAD`, a branch (`main`, `refs/heads/main`) or a commit oid to a commit oid. */
  resolveRevision(revision: string): string | undefined {
    if (revision === 'HEAD') return this.refs.get(this.defaultBranch);
    const branch = revision.replace(/^refs\/heads\//, '');
    const ref = this.refs.get(branch);
    if (ref !== undefined) return ref;
    if (/^[0-9a-f]{40}$/i.test(revision) && this.hasCommit(revision.toLowerCase())) return revision.toLowerCase();
    return undefined;
  }

  /** Commits reachable from `oid` (itself included). */
  ancestors(oid: string): Set<string> {
    const out = new Set<string>();
    const stack = [oid];
    while (stack.length > 0) {
      const at = stack.pop()!;
      if (out.has(at)) continue;
      out.add(at);
      stack.push(...this.parentOids(at));
    }
    return out;
  }

  /** How far `head` is ahead of and behind `base`, as GitHub's compare counts (commits, not merges). */
  compare(
    base: string,
    head: string,
  ): { aheadBy: number; behindBy: number; status: 'AHEAD' | 'BEHIND' | 'DIVERGED' | 'IDENTICAL'; ahead: string[] } {
    const fromBase = this.ancestors(base);
    const fromHead = this.ancestors(head);
    const ahead = [...fromHead].filter((c) => !fromBase.has(c));
    const behindBy = [...fromBase].filter((c) => !fromHead.has(c)).length;
    const status = compareStatus(ahead.length, behindBy);
    return { aheadBy: ahead.length, behindBy, status, ahead };
  }

  /**
   * Pushes commits onto a branch, as `git push` does: each commit's first parent is the
   * previous tip; the branch moves; open pull requests with that head gain the commits and
   * the new head, and those with that base get the new base commit. The app's check suites
   * are created on the new tip, as GitHub creates them for every app on a push.
   */
  push(branch: string, commits: Commit[], options: { force?: boolean; actor?: string } = {}): string {
    const before = this.refs.get(branch);
    let previous = options.force ? undefined : before;
    for (const c of commits) {
      if (!Array.isArray(c.parents) && previous !== undefined) this.graphParents.set(c.oid, [previous]);
      this.commits.set(c.oid, c);
      previous = c.oid;
    }
    const tip = commits.at(-1)?.oid ?? before;
    if (tip === undefined) throw new Error(`nothing to push to ${this.fullName}:${branch}`);
    this.refs.set(branch, tip);
    this.deletedBranches.delete(branch);
    const at = this.world.now();
    for (const pull of this.pulls.values()) {
      if (pull.state !== 'OPEN') continue;
      if (pull.headRefName === branch && !pull.headRepository && !pull.isCrossRepository) {
        if (options.force && before !== undefined) {
          pull.timeline ??= [];
          pull.timeline.push({
            type: 'HeadRefForcePushedEvent',
            actor: options.actor ?? pull.author,
            beforeCommitOid: before,
            afterCommitOid: tip,
            createdAt: at,
          });
          pull.commits = [...commits];
        } else {
          pull.commits = [...pull.commits, ...commits];
        }
        pull.headRefOid = tip;
      }
      if (pull.baseRefName === branch) pull.baseRefOid = tip;
    }
    for (const app of this.world.appsInstalledOn(this)) this.ensureSuite(app.id, tip, at);
    return tip;
  }

  /** The check suite of `appId` on commit `sha`, created (at `createdAt`) when missing. */
  ensureSuite(appId: number, sha: string, createdAt = this.world.now()): CheckSuite {
    const found = this.checkSuites.find((s) => s.appId === appId && s.headSha === sha);
    if (found) return found;
    const suite = { id: this.world.nextId(), appId, headSha: sha, createdAt };
    this.checkSuites.push(suite);
    return suite;
  }

  runsOn(sha: string): CheckRun[] {
    return this.checkRuns.filter((r) => r.head_sha === sha);
  }
}

export interface AddPullInput extends Partial<PullRequest> {
  number: number;
}

/** The example payloads' base and head commits, which pull requests default to. */
export const EXAMPLE_BASE = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
export const EXAMPLE_HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';

export class GitHub {
  readonly accounts = new Map<string, Account>();
  readonly teams = new Map<string, Map<string, Team>>();
  readonly repositories = new Map<string, Repository>();
  readonly apps = new Map<number, App>();
  readonly installations = new Map<number, Installation>();
  /** The clock every created-at comes from (epoch ms). */
  clock: () => number;
  #nextId = 1000;

  constructor(options: { clock?: () => number } = {}) {
    this.clock = options.clock ?? Date.now;
  }

  nextId(): number {
    return this.#nextId++;
  }

  now(): string {
    return new Date(this.clock()).toISOString();
  }

  /** The account with this login (any case; a bot with or without `[bot]`). */
  account(login: string): Account | undefined {
    const key = login.toLowerCase();
    return this.accounts.get(key) ?? this.accounts.get(`${key}[bot]`);
  }

  /** The account for a login, created as a user (or a bot, for a login ending in `[bot]`) when new. */
  ensureAccount(login: string, type?: AccountType, id?: number): Account {
    const wanted = type === 'Bot' && !isBotLogin(login) ? `${login}[bot]` : login;
    const found = this.account(wanted);
    if (found) return found;
    const account: Account = {
      id: id ?? this.nextId(),
      login: wanted,
      type: type ?? (isBotLogin(wanted) ? 'Bot' : 'User'),
    };
    this.accounts.set(wanted.toLowerCase(), account);
    return account;
  }

  addUser(login: string, details: { name?: string; email?: string } = {}): Account {
    return Object.assign(this.ensureAccount(login, 'User'), details);
  }

  /**
   * A GitHub App's bot user: `addBot('renovate')` is `renovate[bot]` in REST, `renovate` in
   * GraphQL; `id` is its account id (GraphQL `databaseId`, the number in its noreply address).
   */
  addBot(name: string, id?: number): Account {
    return this.ensureAccount(name, 'Bot', id);
  }

  addOrganization(login: string): Account {
    const account = this.ensureAccount(login, 'Organization');
    if (!this.teams.has(login.toLowerCase())) this.teams.set(login.toLowerCase(), new Map());
    return account;
  }

  /** Puts a team (slug, any case) with these members in an organisation (created when new). */
  setTeam(org: string, slug: string, members: string[], options: { parent?: string; name?: string } = {}): Team {
    this.addOrganization(org);
    const teams = this.teams.get(org.toLowerCase())!;
    const key = slug.toLowerCase();
    const team: Team = {
      id: teams.get(key)?.id ?? this.nextId(),
      slug: key,
      name: options.name ?? slug,
      members: [...members],
      ...(options.parent ? { parent: options.parent.toLowerCase() } : {}),
    };
    for (const m of members) this.ensureAccount(m);
    teams.set(key, team);
    return team;
  }

  team(org: string, slug: string): Team | undefined {
    return this.teams.get(org.toLowerCase())?.get(slug.toLowerCase());
  }

  /** Members of a team: `ALL` includes the members of its child teams, as GitHub counts them. */
  teamMembers(org: string, team: Team, membership: 'ALL' | 'IMMEDIATE' | 'CHILD_TEAM' = 'ALL'): string[] {
    const teams = [...(this.teams.get(org.toLowerCase())?.values() ?? [])];
    const children = (slug: string): Team[] =>
      teams.filter((t) => t.parent === slug).flatMap((t) => [t, ...children(t.slug)]);
    const own = membership === 'CHILD_TEAM' ? [] : team.members;
    const below = membership === 'IMMEDIATE' ? [] : children(team.slug).flatMap((t) => t.members);
    return [...new Set([...own, ...below].map((l) => this.account(l)?.login ?? l))];
  }

  addRepository(
    fullName: string,
    options: { isPrivate?: boolean; defaultBranch?: string; parent?: string; defaultBranchOid?: string } = {},
  ): Repository {
    const [owner, name] = fullName.split('/') as [string, string];
    if (!this.account(owner)) this.addOrganization(owner);
    const repo = new Repository(this, this.nextId(), this.account(owner)!.login, name, options);
    if (options.defaultBranchOid) {
      repo.refs.set(repo.defaultBranch, options.defaultBranchOid);
      repo.addCommit({ oid: options.defaultBranchOid, message: 'Initial commit', parents: [] });
    }
    this.repositories.set(fullName.toLowerCase(), repo);
    return repo;
  }

  repository(owner: string, name: string): Repository | undefined {
    return this.repositories.get(`${owner}/${name}`.toLowerCase());
  }

  /**
   * A fork of `source` owned by `owner`: a public repository whose graph starts empty (add
   * commits by pushing); pull requests from it name it as `headRepository`.
   */
  fork(source: Repository, owner: string): Repository {
    this.ensureAccount(owner);
    return this.addRepository(`${owner}/${source.name}`, {
      parent: source.fullName,
      defaultBranch: source.defaultBranch,
    });
  }

  addApp(id: number, options: { slug?: string; name?: string; publicKey?: string } = {}): App {
    const found = this.apps.get(id);
    if (found) return Object.assign(found, options);
    const app: App = {
      id,
      slug: options.slug ?? `app-${id}`,
      name: options.name ?? `App ${id}`,
      deliveries: [],
      payloads: new Map(),
      ...(options.publicKey ? { publicKey: options.publicKey } : {}),
    };
    this.apps.set(id, app);
    this.ensureAccount(app.slug, 'Bot');
    return app;
  }

  /** Installs an app on an account: on all its repositories, or on the ones named. */
  install(
    appId: number,
    installationId: number,
    account: string,
    repositories: 'all' | string[] = 'all',
  ): Installation {
    this.addApp(appId);
    const installation: Installation = {
      id: installationId,
      appId,
      account,
      repositorySelection: repositories === 'all' ? 'all' : 'selected',
      repositories: new Set(repositories === 'all' ? [] : repositories.map((r) => r.toLowerCase())),
      permissions: { checks: 'write', pull_requests: 'read', contents: 'read', metadata: 'read', members: 'read' },
    };
    this.installations.set(installationId, installation);
    return installation;
  }

  /** Whether an installation can read a repository: its own, or any public one. */
  canSee(installation: Installation | undefined, repo: Repository): boolean {
    if (!installation) return !repo.isPrivate;
    if (this.installs(installation, repo)) return true;
    return !repo.isPrivate;
  }

  /** Whether the installation is installed on the repository (it may write there). */
  installs(installation: Installation, repo: Repository): boolean {
    if (installation.account.toLowerCase() !== repo.owner.toLowerCase()) return false;
    return installation.repositorySelection === 'all' || installation.repositories.has(repo.fullName.toLowerCase());
  }

  appsInstalledOn(repo: Repository): App[] {
    return [...this.installations.values()].filter((i) => this.installs(i, repo)).map((i) => this.apps.get(i.appId)!);
  }

  /**
   * Adds a pull request to a repository. Defaults follow the webhook examples (base
   * `f95f852`, head `ec26c3e` or the last commit given), with author octocat, one file, one
   * signed commit. Its commits
   * join the graph (the first one the child of the base), its branches point at base and
   * head, and the app's check suite exists on the head commit.
   */
  addPull(repo: Repository, input: AddPullInput): PullRequest {
    const pull: PullRequest = {
      title: 'OPS-1 Update the README',
      body: '',
      isDraft: false,
      state: 'OPEN',
      author: 'octocat',
      createdAt: this.now(),
      baseRefName: repo.defaultBranch,
      baseRefOid: EXAMPLE_BASE,
      headRefName: 'changes',
      headRefOid: input.headRefOid ?? input.commits?.at(-1)?.oid ?? EXAMPLE_HEAD,
      labels: [],
      files: [{ path: 'README.md', additions: 1, deletions: 1 }],
      commits: [{ oid: input.headRefOid ?? EXAMPLE_HEAD, message: 'Update the README' }],
      reviews: [],
      closingIssues: [],
      comments: [],
      timeline: [],
      id: this.nextId(),
      ...input,
    };
    const author = this.ensureAccount(pull.author, pull.authorType, pull.authorDatabaseId);
    pull.author = author.login;
    for (const r of pull.reviews) this.ensureAccount(r.login);
    if (!repo.commit(pull.baseRefOid)) repo.addCommit({ oid: pull.baseRefOid, message: 'Base commit', parents: [] });
    if (!repo.refs.has(pull.baseRefName)) repo.refs.set(pull.baseRefName, pull.baseRefOid);
    repo.pulls.set(pull.number, pull);
    repo.syncPull(pull);
    for (const app of this.appsInstalledOn(repo)) repo.ensureSuite(app.id, pull.headRefOid, pull.createdAt);
    return pull;
  }

  /** Adds a comment to a pull request's conversation (an issue comment), with a fresh id. */
  comment(pull: PullRequest, comment: IssueComment): IssueComment {
    const added: IssueComment = { createdAt: this.now(), ...comment, id: comment.id ?? this.nextId() };
    if (added.author) added.author = this.ensureAccount(added.author).login;
    (pull.comments ??= []).push(added);
    return added;
  }

  /** Renames an account: every pull request, review, comment, commit and team names the new login. */
  rename(oldLogin: string, newLogin: string): void {
    const account = this.account(oldLogin);
    if (!account) throw new Error(`no account ${oldLogin}`);
    const from = account.login;
    const to = account.type === 'Bot' && !isBotLogin(newLogin) ? `${newLogin}[bot]` : newLogin;
    this.accounts.delete(from.toLowerCase());
    account.login = to;
    this.accounts.set(to.toLowerCase(), account);
    const same = (l: string | null | undefined) => typeof l === 'string' && l.toLowerCase() === from.toLowerCase();
    for (const repo of this.repositories.values()) {
      for (const pull of repo.pulls.values()) {
        if (same(pull.author)) pull.author = to;
        for (const r of pull.reviews) if (same(r.login)) r.login = to;
        for (const c of pull.comments ?? []) if (same(c.author)) c.author = to;
        for (const c of pull.commits) {
          if (same(c.authorLogin)) c.authorLogin = to;
          if (same(c.committerLogin)) c.committerLogin = to;
        }
      }
      for (const c of repo.commits.values()) {
        if (same(c.authorLogin)) c.authorLogin = to;
        if (same(c.committerLogin)) c.committerLogin = to;
      }
    }
    for (const teams of this.teams.values())
      for (const t of teams.values()) t.members = t.members.map((m) => (same(m) ? to : m));
  }

  /** Records a webhook delivery of an app (newest last), with the payload it carried; returns it. */
  addDelivery(
    appId: number,
    delivery: Partial<HookDelivery> & { event: string; status_code: number },
    payload?: Record<string, unknown>,
  ): HookDelivery {
    const app = this.addApp(appId);
    const added: HookDelivery = {
      id: this.nextId(),
      guid:
        delivery.guid ??
        fakeOid('delivery', this.clock(), app.deliveries.length)
          .slice(0, 32)
          .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
      delivered_at: this.now(),
      redelivery: false,
      duration: 0.1,
      status: deliveryStatus(delivery.status_code),
      action: null,
      installation_id: null,
      repository_id: null,
      ...delivery,
    };
    app.deliveries.push(added);
    if (payload) app.payloads.set(added.guid, payload);
    return added;
  }
}

/** GitHub's `status` of a comparison `aheadBy` and `behindBy` commits apart. */
function compareStatus(aheadBy: number, behindBy: number): 'IDENTICAL' | 'AHEAD' | 'BEHIND' | 'DIVERGED' {
  if (aheadBy === 0) return behindBy === 0 ? 'IDENTICAL' : 'BEHIND';
  return behindBy === 0 ? 'AHEAD' : 'DIVERGED';
}

/** GitHub's `status` text of a webhook delivery answered with `code` (0: no answer). */
function deliveryStatus(code: number): string {
  if (code >= 200 && code < 300) return 'OK';
  return code === 0 ? 'timed out' : 'Invalid HTTP Response: ' + code;
}
