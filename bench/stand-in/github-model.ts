/**
 * An in-memory GitHub for tests and the benchmark: answers the app's GraphQL
 * documents from a model of a repository and its pull requests, and records
 * check-run writes. Transport-agnostic: `handle(method, path, body)` answers one
 * request; `test/support/fake-github.ts` puts it behind nock, and
 * `bench/stand-in/server.ts` behind a loopback HTTP server.
 *
 * Paths are API-relative: `/graphql`, `/repos/o/r/check-runs`, `/app/installations/1/access_tokens`.
 */

export interface FakeFile {
  path: string;
  additions: number;
  deletions: number;
  changeType?: 'ADDED' | 'MODIFIED' | 'DELETED' | 'RENAMED' | 'COPIED' | 'CHANGED';
}

export interface FakeCommit {
  oid: string;
  message: string;
  authorName?: string;
  authorEmail?: string;
  authorLogin?: string | null;
  parents?: number;
  signature?: { isValid: boolean; state: string; wasSignedByGitHub?: boolean } | null;
}

export interface FakeReview {
  login: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  commitOid?: string;
  submittedAt?: string;
}

export interface FakePull {
  number: number;
  title: string;
  body: string;
  isDraft: boolean;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  author: string;
  authorType?: 'User' | 'Bot';
  /** A `Bot` author's account id (GraphQL `Bot.databaseId`), which its noreply address carries. */
  authorDatabaseId?: number;
  baseRefName: string;
  baseRefOid: string;
  headRefName: string;
  headRefOid: string;
  labels: string[];
  files: FakeFile[];
  /** GitHub's own count of changed files (defaults to files.length). */
  changedFiles?: number;
  commits: FakeCommit[];
  reviews: FakeReview[];
  closingIssues: { number: number; repository: string }[];
  /** The head branch lives in a fork. */
  isCrossRepository?: boolean;
}

/** A pull request of another repository, as `associatedPullRequests` lists it. */
export interface ForeignPull {
  number: number;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  headRefOid: string;
  baseRefOid: string;
  /** `owner/name` of its base repository. */
  repository: string;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  output: { title: string; summary: string };
  app_id: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** GraphQL operation name, for POST /graphql. */
  operation?: string;
  body: unknown;
}

export interface FakeGitHubOptions {
  owner?: string;
  repo?: string;
  appId?: number;
  installationId?: number;
  /** Keep request bodies in `requests` (default true); the benchmark turns it off to keep its own memory flat. */
  recordBodies?: boolean;
}

/** Called whenever a check run is created or updated, with the run as it now is. */
export type WriteListener = (run: FakeCheckRun, method: 'POST' | 'PATCH') => void;

/**
 * An injected fault: an HTTP status to answer instead; a full answer (status, body,
 * headers; headers without a body decorate the normal answer); or `drop` for a
 * connection closed without an answer.
 */
export type Injected = number | 'drop' | { status?: number; body?: unknown; headers?: Record<string, string> };

export class GitHubModel {
  readonly owner: string;
  readonly repo: string;
  readonly appId: number;
  readonly installationId: number;
  readonly pulls = new Map<number, FakePull>();
  /** Blobs by commit sha, then path. */
  readonly blobs = new Map<string, Map<string, string>>();
  /** The org's `.github` repository default-branch files; `undefined` = no such repository. */
  orgFiles: Map<string, string> | undefined;
  /**
   * Default-branch files of other repositories the installation can read, by `owner/name`
   * (lower case), for `_extends` reads. This repository's own default branch is the blobs of
   * the commit `HEAD` (`setBlob('HEAD', path, text)`).
   */
  readonly repoFiles = new Map<string, Map<string, string>>();
  /**
   * Commits on the default branch. For them, as GitHub documents for `Commit.associatedPullRequests`,
   * only the merged pull request that brought them in is listed, never open ones.
   */
  readonly defaultBranchCommits = new Set<string>();
  /** Pull requests of other repositories (forks, upstreams) GitHub associates with a commit, by commit. */
  readonly foreignAssociated = new Map<string, ForeignPull[]>();
  readonly checkRuns: FakeCheckRun[] = [];
  /** Blobs larger than this many bytes come back from GraphQL truncated, as GitHub does (~512 KB). */
  truncateBlobsOver = 512 * 1024;
  readonly requests: RecordedRequest[] = [];
  /**
   * Team members by team slug (lower case) in this model's organisation (`owner`), answered to
   * `QualityGatesTeamMembers` / `QualityGatesTeamMembersPage` (src/github/teams.ts). A slug that
   * is absent is a team the app cannot see (null, with a NOT_FOUND error, as GitHub answers).
   */
  readonly teams = new Map<string, string[]>();
  /** Told about every check-run write (the benchmark timestamps completions with it). */
  onWrite: WriteListener | undefined;
  /** Injected failures: a function returning an HTTP status to answer instead, or undefined. */
  fail: ((req: RecordedRequest) => Injected | undefined) | undefined;
  /** Headers to send with the answer to the request being handled (set by an injected fault). */
  lastHeaders: Record<string, string> = {};
  private nextRunId = 1000;
  private readonly recordBodies: boolean;

  constructor(options: FakeGitHubOptions = {}) {
    this.owner = options.owner ?? 'Codertocat';
    this.repo = options.repo ?? 'Hello-World';
    this.appId = options.appId ?? 1;
    this.installationId = options.installationId ?? 1;
    this.recordBodies = options.recordBodies ?? true;
  }

  /** Puts a team (slug, any case) with these members in this model's organisation. */
  setTeam(slug: string, members: string[]): void {
    this.teams.set(slug.toLowerCase(), members);
  }

  addPull(overrides: Partial<FakePull> & { number: number }): FakePull {
    const pull: FakePull = {
      title: 'OPS-1 Update the README',
      body: '',
      isDraft: false,
      state: 'OPEN',
      author: 'Codertocat',
      baseRefName: 'main',
      baseRefOid: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
      headRefName: 'changes',
      headRefOid: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      labels: [],
      files: [{ path: 'README.md', additions: 1, deletions: 1 }],
      commits: [{ oid: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821', message: 'Update the README' }],
      reviews: [],
      closingIssues: [],
      ...overrides,
    };
    this.pulls.set(pull.number, pull);
    return pull;
  }

  /** Puts a file on a commit (e.g. the base commit). */
  setBlob(sha: string, path: string, text: string): void {
    if (!this.blobs.has(sha)) this.blobs.set(sha, new Map());
    this.blobs.get(sha)!.set(path, text);
  }

  /** Lists a pull request of another repository as associated with `oid`. */
  addForeignAssociatedPull(oid: string, pull: ForeignPull): void {
    this.foreignAssociated.set(oid, [...(this.foreignAssociated.get(oid) ?? []), pull]);
  }

  /** Puts a file on the default branch of another repository (`owner/name`) the installation can read. */
  setRepoFile(fullName: string, path: string, text: string): void {
    const key = fullName.toLowerCase();
    if (!this.repoFiles.has(key)) this.repoFiles.set(key, new Map());
    this.repoFiles.get(key)!.set(path, text);
  }

  setOrgFile(path: string, text: string): void {
    this.orgFiles ??= new Map();
    this.orgFiles.set(path, text);
  }

  runsOn(sha: string): FakeCheckRun[] {
    return this.checkRuns.filter((r) => r.head_sha === sha);
  }

  count(predicate: (r: RecordedRequest) => boolean): number {
    return this.requests.filter(predicate).length;
  }

  get graphqlCount(): number {
    return this.count((r) => r.path === '/graphql');
  }

  get writeCount(): number {
    return this.count((r) => r.path.includes('/check-runs'));
  }

  /** Answers one API request; `path` is relative to the API root. */
  handle(method: string, path: string, body: unknown): [number, unknown] {
    const m = method.toUpperCase();
    if (m === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) {
      const r = this.record(m, path, body);
      if (Array.isArray(r)) return r;
      return [
        201,
        {
          token: 'ghs_testinstallationtoken000000000000000',
          expires_at: '2099-01-01T00:00:00Z',
          permissions: { checks: 'write', pull_requests: 'read', contents: 'read', metadata: 'read' },
          repository_selection: 'all',
        },
      ];
    }
    if (m === 'POST' && path === '/graphql') return this.answerGraphql(body as { query: string; variables: Record<string, unknown> });
    if (m === 'POST' && /^\/repos\/[^/]+\/[^/]+\/check-runs$/.test(path)) return this.createRun(path, body as Record<string, unknown>);
    if (m === 'PATCH' && /^\/repos\/[^/]+\/[^/]+\/check-runs\/\d+$/.test(path)) return this.updateRun(path, body as Record<string, unknown>);
    const contents = /^\/repos\/[^/]+\/[^/]+\/contents\/([^?]+)\?ref=([0-9a-f]+)/.exec(path);
    if (m === 'GET' && contents) {
      const r = this.record(m, path, body);
      if (Array.isArray(r)) return r;
      const text = this.blobs.get(contents[2]!)?.get(decodeURIComponent(contents[1]!));
      return text === undefined ? [404, { message: 'Not Found' }] : [200, text];
    }
    this.record(m, path, body);
    return [404, { message: 'Not Found' }];
  }

  private record(method: string, path: string, body: unknown, operation?: string): RecordedRequest | [number, unknown] {
    const req: RecordedRequest = { method, path, body: this.recordBodies ? body : undefined, ...(operation ? { operation } : {}) };
    this.requests.push(req);
    this.lastHeaders = {};
    const fault = this.fail?.(req);
    if (fault === undefined) return req;
    if (fault === 'drop') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    if (typeof fault === 'number') return [fault, { message: fault === 403 ? 'You have exceeded a secondary rate limit' : 'Server Error' }];
    this.lastHeaders = fault.headers ?? {};
    if (fault.body === undefined) return req; // headers only: answer normally
    return [fault.status ?? 200, fault.body];
  }

  private createRun(uri: string, body: Record<string, unknown>): [number, unknown] {
    const r = this.record('POST', uri, body);
    if (Array.isArray(r)) return r;
    const run: FakeCheckRun = {
      id: this.nextRunId++,
      name: String(body.name),
      head_sha: String(body.head_sha),
      status: String(body.status ?? 'queued'),
      conclusion: (body.conclusion as string) ?? null,
      external_id: (body.external_id as string) ?? null,
      output: body.output as FakeCheckRun['output'],
      app_id: this.appId,
    };
    this.checkRuns.push(run);
    this.onWrite?.(run, 'POST');
    return [201, { id: run.id, name: run.name, head_sha: run.head_sha, status: run.status }];
  }

  private updateRun(uri: string, body: Record<string, unknown>): [number, unknown] {
    const r = this.record('PATCH', uri, body);
    if (Array.isArray(r)) return r;
    const id = Number(uri.split('/').pop());
    const run = this.checkRuns.find((c) => c.id === id);
    if (!run) return [404, { message: 'Not Found' }];
    Object.assign(run, {
      name: body.name ?? run.name,
      status: body.status ?? run.status,
      conclusion: body.conclusion ?? run.conclusion,
      external_id: body.external_id ?? run.external_id,
      output: body.output ?? run.output,
    });
    this.onWrite?.(run, 'PATCH');
    return [200, { id: run.id }];
  }

  private blob(sha: string | undefined, path: string): unknown {
    const text = sha ? this.blobs.get(sha)?.get(path) : undefined;
    if (text === undefined) return null;
    const byteSize = Buffer.byteLength(text);
    const truncated = byteSize > this.truncateBlobsOver;
    return { oid: `blob-${sha}-${path}`, byteSize, isTruncated: truncated, isBinary: false, text: truncated ? text.slice(0, this.truncateBlobsOver) : text };
  }

  private expr(expression: unknown): unknown {
    const [sha, ...rest] = String(expression).split(':');
    return this.blob(sha, rest.join(':'));
  }

  private answerGraphql(body: { query: string; variables: Record<string, unknown> }): [number, unknown] {
    const operation = /query\s+(\w+)/.exec(body.query)?.[1] ?? 'anonymous';
    const r = this.record('POST', '/graphql', body, operation);
    if (Array.isArray(r)) return r;
    const v = body.variables;
    const sameRepo = String(v.owner) === this.owner && String(v.name) === this.repo;
    const pull = sameRepo ? this.pulls.get(Number(v.number)) : undefined;
    switch (operation) {
      case 'QualityGatesPullBase':
        return [200, { data: { repository: { pullRequest: pull ? { baseRefOid: pull.baseRefOid, headRefOid: pull.headRefOid, state: pull.state } : null } } }];
      case 'QualityGatesSnapshot': {
        const org = this.orgFiles ? { config: this.orgBlob(String(v.orgConfigExpr)) } : null;
        const errors = this.orgFiles ? undefined : [{ type: 'NOT_FOUND', path: ['org'], message: `Could not resolve to a Repository with the name '${this.owner}/.github'.` }];
        if (!pull) return [200, { data: { repository: sameRepo ? { pullRequest: null } : null, org }, errors: [{ type: 'NOT_FOUND', path: ['repository', 'pullRequest'], message: 'Could not resolve to a PullRequest' }] }];
        const data = {
          repository: {
            id: this.repositoryId,
            defaultBranchRef: { name: 'main' },
            head: this.commitObject(String(v.headOid)),
            config: this.expr(v.configExpr),
            proposedConfig: this.expr(v.proposedConfigExpr),
            gitattributes: this.expr(v.attributesExpr),
            codeownersGithub: this.expr(v.codeownersGithubExpr),
            codeownersRoot: this.expr(v.codeownersRootExpr),
            codeownersDocs: this.expr(v.codeownersDocsExpr),
            pullRequest: {
              ...this.pullScalars(pull),
              labels: page(pull.labels.map((name) => ({ name })), null),
              files: page(pull.files.map(wireFile), null),
              commits: page(pull.commits.map(wireCommit), null),
              reviews: page(pull.reviews.map(wireReview), null),
              closingIssuesReferences: { nodes: pull.closingIssues.map((i) => ({ number: i.number, repository: { nameWithOwner: i.repository } })) },
            },
          },
          org,
        };
        return [200, errors ? { data, errors } : { data }];
      }
      case 'QualityGatesPage': {
        if (!pull) return [200, { data: { repository: { pullRequest: null } } }];
        const out: Record<string, unknown> = {};
        if (v.withFiles) out.files = page(pull.files.map(wireFile), v.filesAfter as string | null);
        if (v.withCommits) out.commits = page(pull.commits.map(wireCommit), v.commitsAfter as string | null);
        if (v.withReviews) out.reviews = page(pull.reviews.map(wireReview), v.reviewsAfter as string | null);
        if (v.withLabels) out.labels = page(pull.labels.map((name) => ({ name })), v.labelsAfter as string | null);
        return [200, { data: { repository: { pullRequest: out } } }];
      }
      case 'QualityGatesBaseFiles':
        return [
          200,
          {
            data: {
              repository: {
                config: this.expr(v.configExpr),
                gitattributes: this.expr(v.attributesExpr),
                codeownersGithub: this.expr(v.codeownersGithubExpr),
                codeownersRoot: this.expr(v.codeownersRootExpr),
                codeownersDocs: this.expr(v.codeownersDocsExpr),
              },
            },
          },
        ];
      case 'QualityGatesMergeGroup': {
        const org = this.orgFiles ? { config: this.orgBlob(String(v.orgConfigExpr)) } : null;
        return [200, { data: { repository: { config: this.expr(v.configExpr) }, org } }];
      }
      case 'QualityGatesExtends':
        return this.answerExtends(v);
      case 'QualityGatesTeamMembers':
        return this.answerTeams(v);
      case 'QualityGatesTeamMembersPage': {
        const members = String(v.org).toLowerCase() === this.owner.toLowerCase() ? this.teams.get(String(v.slug).toLowerCase()) : undefined;
        if (!members) return [200, { data: { organization: { team: null } }, errors: [{ type: 'NOT_FOUND', path: ['organization', 'team'], message: 'Could not resolve to a Team' }] }];
        return [200, { data: { organization: { team: { members: page(members.map((login) => ({ login })), v.after as string | null) } } } }];
      }
      default:
        return [400, { message: `fake GitHub does not know the operation ${operation}` }];
    }
  }

  /**
   * A file at `HEAD:<path>` of this repository, the org's `.github` repository or another
   * repository of `repoFiles`; any other repository is one the installation cannot see
   * (null, with a NOT_FOUND error, as GitHub answers).
   */
  private answerExtends(v: Record<string, unknown>): [number, unknown] {
    const owner = String(v.owner).toLowerCase();
    const name = String(v.name).toLowerCase();
    const path = String(v.expression).replace(/^HEAD:/, '');
    const own = owner === this.owner.toLowerCase();
    const files = own && name === this.repo.toLowerCase() ? (this.blobs.get('HEAD') ?? new Map<string, string>()) : own && name === '.github' ? this.orgFiles : this.repoFiles.get(`${owner}/${name}`);
    if (!files) {
      return [200, { data: { repository: null }, errors: [{ type: 'NOT_FOUND', path: ['repository'], message: `Could not resolve to a Repository with the name '${String(v.owner)}/${String(v.name)}'.` }] }];
    }
    const text = files.get(path);
    return [200, { data: { repository: { object: text === undefined ? null : { text } } } }];
  }

  /** `organization(login: $org) { t0: team(slug: $s0) { members … } … }`, one alias per `$s<i>` variable. */
  private answerTeams(v: Record<string, unknown>): [number, unknown] {
    if (String(v.org).toLowerCase() !== this.owner.toLowerCase()) {
      return [200, { data: { organization: null }, errors: [{ type: 'NOT_FOUND', path: ['organization'], message: `Could not resolve to an Organization with the login of '${String(v.org)}'.` }] }];
    }
    const organization: Record<string, unknown> = {};
    const errors: { type: string; path: string[]; message: string }[] = [];
    for (const [name, slug] of Object.entries(v)) {
      const m = /^s(\d+)$/.exec(name);
      if (!m) continue;
      const members = this.teams.get(String(slug).toLowerCase());
      organization[`t${m[1]}`] = members ? { members: page(members.map((login) => ({ login })), null) } : null;
      if (!members) errors.push({ type: 'NOT_FOUND', path: ['organization', `t${m[1]}`], message: `Could not resolve to a Team with the slug '${String(slug)}'.` });
    }
    return [200, errors.length ? { data: { organization }, errors } : { data: { organization } }];
  }

  private orgBlob(expression: string): unknown {
    const path = expression.replace(/^HEAD:/, '');
    const text = this.orgFiles?.get(path);
    return text === undefined ? null : { oid: `org-${path}`, byteSize: text.length, isTruncated: false, isBinary: false, text };
  }

  private pullScalars(pull: FakePull) {
    return {
      number: pull.number,
      title: pull.title,
      body: pull.body,
      isDraft: pull.isDraft,
      state: pull.state,
      isCrossRepository: pull.isCrossRepository ?? false,
      author: { __typename: pull.authorType ?? 'User', login: pull.author, ...(pull.authorType === 'Bot' ? { databaseId: pull.authorDatabaseId ?? null } : {}) },
      baseRefName: pull.baseRefName,
      baseRefOid: pull.baseRefOid,
      headRefName: pull.headRefName,
      headRefOid: pull.headRefOid,
      changedFiles: pull.changedFiles ?? pull.files.length,
      additions: pull.files.reduce((s, f) => s + f.additions, 0),
      deletions: pull.files.reduce((s, f) => s + f.deletions, 0),
    };
  }

  /** GraphQL node id of this repository (`Repository.id`). */
  get repositoryId(): string {
    return `R_${Buffer.from(`${this.owner}/${this.repo}`).toString('base64url')}`;
  }

  /**
   * `repository.object(oid:)` for a commit: this app's check suites on it, and the pull requests
   * GitHub associates with it: those that contain it (as head or earlier), most recently updated
   * (here: highest number) first, at most 100, plus `foreignAssociated`; for a commit on the
   * default branch, only merged ones.
   */
  private commitObject(oid: string) {
    const ours = [...this.pulls.values()]
      .filter((p) => p.headRefOid === oid || p.commits.some((c) => c.oid === oid))
      .map((p) => ({ number: p.number, state: p.state, headRefOid: p.headRefOid, baseRefOid: p.baseRefOid, baseRepository: { id: this.repositoryId } }));
    const theirs = (this.foreignAssociated.get(oid) ?? []).map((p) => ({
      number: p.number,
      state: p.state,
      headRefOid: p.headRefOid,
      baseRefOid: p.baseRefOid,
      baseRepository: { id: `R_${Buffer.from(p.repository).toString('base64url')}` },
    }));
    const listed = [...ours, ...theirs].filter((p) => !this.defaultBranchCommits.has(oid) || p.state === 'MERGED').sort((a, b) => b.number - a.number);
    return { oid, checkSuites: this.suitesFor(oid), associatedPullRequests: { nodes: listed.slice(0, 100) } };
  }

  private suitesFor(sha: string) {
    const runs = this.runsOn(sha).filter((r) => r.app_id === this.appId);
    if (runs.length === 0) return { nodes: [] };
    return {
      nodes: [
        {
          checkRuns: {
            nodes: runs.map((r) => ({ databaseId: r.id, name: r.name, status: r.status.toUpperCase(), conclusion: r.conclusion?.toUpperCase() ?? null, externalId: r.external_id })),
          },
        },
      ],
    };
  }
}

/** GitHub-style page of at most 100 nodes with opaque cursors. */
function page<T>(all: T[], after: string | null) {
  const start = after ? Number(Buffer.from(after, 'base64').toString('utf8').replace('cursor:', '')) : 0;
  const nodes = all.slice(start, start + 100);
  const end = start + nodes.length;
  return {
    totalCount: all.length,
    pageInfo: { hasNextPage: end < all.length, endCursor: nodes.length ? Buffer.from(`cursor:${end}`).toString('base64') : null },
    nodes,
  };
}

const wireFile = (f: FakeFile) => ({ path: f.path, additions: f.additions, deletions: f.deletions, changeType: f.changeType ?? 'MODIFIED' });

function wireCommit(c: FakeCommit) {
  return {
    commit: {
      oid: c.oid,
      messageHeadline: c.message.split('\n')[0],
      message: c.message,
      parents: { totalCount: c.parents ?? 1 },
      author: { name: c.authorName ?? 'Codertocat', email: c.authorEmail ?? '21031067+Codertocat@users.noreply.github.com', user: c.authorLogin === null ? null : { login: c.authorLogin ?? 'Codertocat' } },
      signature: c.signature === undefined ? { isValid: true, state: 'VALID', wasSignedByGitHub: false } : c.signature,
    },
  };
}

const wireReview = (r: FakeReview) => ({ author: { login: r.login }, state: r.state, submittedAt: r.submittedAt ?? '2026-01-01T00:00:00Z', commit: r.commitOid ? { oid: r.commitOid } : null });
