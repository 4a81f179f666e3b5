/**
 * GraphQL executed by graphql-js against GitHub's published schema, with resolvers over the
 * model: only the fields a document asks for come back, so a field missing from a query is
 * missing from the answer.
 *
 * On top of the spec, GitHub's own behaviour: its pagination rules and node limit
 * (`schema.ts`), `Could not resolve to a …` NOT_FOUND partial errors (data null at that
 * field, with `type` and `path`), bots named without `[bot]`, the 3,000-file listing cap
 * (`files.totalCount` stops there too; only `changedFiles` stays true), the 250-commit cap
 * (`totalCount` stays true), and `Blob.text` null for binary blobs and cut at
 * 512 KB with `isTruncated`. A field or argument the stand-in does not model is an explicit
 * error naming it (type STAND_IN_UNSUPPORTED), never a silent null.
 */
import { executeSync, type GraphQLError, type GraphQLResolveInfo, Kind } from 'graphql';
import {
  gitBlobOid,
  graphqlLogin,
  MAX_PULL_COMMITS,
  MAX_PULL_FILES,
  Repository,
  type App,
  type CheckRun,
  type CheckSuite,
  type Commit,
  type GitHub,
  type Installation,
  type IssueComment,
  type PullRequest,
  type Review,
  type Signature,
  type Team,
  type TimelineEvent,
} from './model.js';
import { githubRules, githubSchema, isConnection, operationOf, prepare, type GitHubGraphqlError } from './schema.js';

/** An error GitHub reports with a `type`, at the field that raised it. */
export class GitHubFieldError extends Error {
  type = '';
}

/** A GitHubFieldError without a stack trace (they are answers, not bugs; traces cost milliseconds each). */
function fieldError(type: string, message: string): GitHubFieldError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return Object.assign(new GitHubFieldError(message), { type });
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export interface GraphqlContext {
  readonly world: GitHub;
  /** The installation whose token made the request (undefined: a request that sees public data only). */
  readonly installation: Installation | undefined;
  /** Called for a field or argument the stand-in does not model. */
  readonly unsupported: (what: string) => void;
  /** Whether GraphQL shows a check run yet (read-after-write lag is modelled by hiding runs). */
  readonly showsRun: (run: CheckRun) => boolean;
  /** Size above which `Blob.text` is cut (GitHub: 512 KB). */
  readonly blobTextLimit: number;
  readonly rateLimit: () => { limit: number; remaining: number; used: number; resetAt: string };
}

export interface GraphqlAnswer {
  data?: unknown;
  errors?: GitHubGraphqlError[];
  /** The operation name the document ran (or `anonymous`). */
  operation: string;
  /** Errors were about the document itself (syntax, schema, GitHub's rules): nothing ran. */
  rejected: boolean;
}

/** Runs one GraphQL request against the model. */
export function executeGraphql(
  body: { query?: unknown; variables?: unknown; operationName?: unknown },
  ctx: GraphqlContext,
): GraphqlAnswer {
  const query = typeof body?.query === 'string' ? body.query : '';
  const variables = (body?.variables && typeof body.variables === 'object' ? body.variables : {}) as Record<
    string,
    unknown
  >;
  const operationName = typeof body?.operationName === 'string' ? body.operationName : undefined;
  const prepared = prepare(query);
  const operation = prepared.document ? operationOf(prepared.document, operationName) : undefined;
  const name = operation?.name?.value ?? 'anonymous';
  if (!prepared.document || prepared.errors.length > 0)
    return { errors: prepared.errors, operation: name, rejected: true };
  if (!operation)
    return {
      errors: [{ message: 'A query attribute must be specified and must be a string.' }],
      operation: name,
      rejected: true,
    };
  const ruleErrors = githubRules(prepared.document, operation, variables);
  // Variables that do not fit the document are refused like an invalid document (no data at all).
  if (ruleErrors.some((e) => e.extensions?.code === 'variableMismatch'))
    return { errors: ruleErrors, operation: name, rejected: true };
  if (ruleErrors.length > 0) return { data: null, errors: ruleErrors, operation: name, rejected: true };
  const result = executeSync({
    schema: githubSchema(),
    document: prepared.document,
    operationName: operation.name?.value,
    rootValue: {},
    contextValue: ctx,
    variableValues: variables,
    fieldResolver: resolveField as never,
    typeResolver: (value: any) => value?.__typename,
  });
  const answer: GraphqlAnswer = { data: result.data ?? null, operation: name, rejected: false };
  if (result.errors?.length) answer.errors = result.errors.map(formatError);
  return answer;
}

function formatError(e: GraphQLError): GitHubGraphqlError {
  const original = e.originalError;
  const type = original instanceof GitHubFieldError ? original.type : undefined;
  return {
    ...(type ? { type } : {}),
    ...(e.path ? { path: [...e.path] } : {}),
    ...(e.locations ? { locations: [...e.locations] } : {}),
    message: e.message,
  };
}

// ---------- values ----------

type Any = any;
type Resolver = (source: Any, args: Record<string, Any>, ctx: GraphqlContext, info: GraphQLResolveInfo) => unknown;
/** A resolver, or `[arguments it understands, resolver]`. */
type Field = Resolver | [readonly string[], Resolver];

const nodeId = (type: string, key: string | number) =>
  Buffer.from(`${type}:${key}`).toString('base64').replace(/=+$/, '');
const WEB = 'https://github.com';

const actor = (ctx: GraphqlContext, login: string | null | undefined): Any => {
  if (!login) return null;
  const account = ctx.world.ensureAccount(login);
  return { __typename: account.type, account };
};
const repoValue = (repo: Repository) => ({ __typename: 'Repository', repo });
const commitValue = (repo: Repository, commit: Commit) => ({ __typename: 'Commit', repo, commit });
const commitByOid = (repo: Repository, oid: string | undefined | null): Any => {
  if (!oid) return null;
  return commitValue(repo, repo.commit(oid) ?? { oid, message: '' });
};
const pullValue = (repo: Repository, pull: PullRequest) => ({ __typename: 'PullRequest', repo, pull });

/** GitHub's page of a list: cursors are positions, `first`/`last` at most 100 (checked before execution). */
function connection(
  items: readonly Any[],
  args: Record<string, Any>,
  options: { totalCount?: number; cap?: number } = {},
) {
  const listed = options.cap !== undefined ? items.slice(0, options.cap) : items;
  const position = (cursor: unknown, arg: string) => {
    const m =
      typeof cursor === 'string' ? /^cursor:v2:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8')) : null;
    if (!m) throw fieldError('INVALID_CURSOR_ARGUMENTS', `\`${arg}\` does not appear to be a valid cursor.`);
    return Number(m[1]);
  };
  let start = 0;
  let end = listed.length;
  if (args.after != null) start = Math.min(listed.length, position(args.after, 'after') + 1);
  if (args.before != null) end = Math.max(start, Math.min(end, position(args.before, 'before')));
  const boundEnd = end;
  if (typeof args.first === 'number') end = Math.min(end, start + args.first);
  if (typeof args.last === 'number') start = Math.max(start, end - args.last);
  const page = listed.slice(start, end);
  return {
    __connection: true,
    totalCount: options.totalCount ?? items.length,
    nodes: page,
    start,
    pageInfo: {
      hasNextPage: end < boundEnd,
      hasPreviousPage: start > 0,
      startCursor: page.length ? cursor(start) : null,
      endCursor: page.length ? cursor(end - 1) : null,
    },
  };
}

const cursor = (i: number) => Buffer.from(`cursor:v2:${i}`).toString('base64');

const notFound = (what: string): never => {
  throw fieldError('NOT_FOUND', what);
};

// ---------- resolvers ----------

const CONNECTION_ARGS = ['first', 'last', 'after', 'before'];

const common = (type: string, key: (v: Any) => string | number): Record<string, Field> => ({
  id: (v) => nodeId(type, key(v)),
});

const actorFields = (type: 'User' | 'Bot' | 'Organization'): Record<string, Field> => ({
  ...common(type, (v) => v.account.id),
  login: (v) => graphqlLogin(v.account),
  databaseId: (v) => v.account.id,
  url: (v) => (type === 'Bot' ? `${WEB}/apps/${graphqlLogin(v.account)}` : `${WEB}/${v.account.login}`),
  resourcePath: (v) => (type === 'Bot' ? `/apps/${graphqlLogin(v.account)}` : `/${v.account.login}`),
  avatarUrl: [['size'], (v) => `https://avatars.githubusercontent.com/u/${v.account.id}?v=4`],
});

const signatureFields = (type: string): Record<string, Field> => ({
  isValid: (v) => v.sig.isValid,
  state: (v) => v.sig.state,
  wasSignedByGitHub: (v) => v.sig.wasSignedByGitHub === true,
  signer: (v, _a, ctx) => {
    let login = v.sig.signer;
    if (login === undefined) login = v.sig.wasSignedByGitHub ? null : v.commit.authorLogin;
    const a = login ? ctx.world.ensureAccount(login) : undefined;
    return a?.type === 'User' ? { __typename: 'User', account: a } : null;
  },
  email: (v) => (v.sig.wasSignedByGitHub ? 'noreply@github.com' : (v.commit.authorEmail ?? DEFAULT_EMAIL)),
  payload: () => '',
  signature: () => '',
  ...(type === 'GpgSignature'
    ? { keyId: (v: Any) => (v.sig.wasSignedByGitHub ? 'B5690EEEBB952194' : '3AA5C34371567BD2') }
    : {}),
  ...(type === 'SshSignature' ? { keyFingerprint: () => 'SHA256:standin' } : {}),
});

const DEFAULT_NAME = 'Monalisa Octocat';
const DEFAULT_EMAIL = '583231+octocat@users.noreply.github.com';
const DEFAULT_LOGIN = 'octocat';

const gitActor = (
  name: string | undefined,
  email: string | undefined,
  login: string | null | undefined,
  date: string | undefined,
) => ({
  __typename: 'GitActor',
  name: name ?? DEFAULT_NAME,
  email: email ?? DEFAULT_EMAIL,
  login: login === undefined ? DEFAULT_LOGIN : login,
  date,
});

const upperSnake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** Every item of a pull request's timeline, oldest first. */
function timeline(repo: Repository, pull: PullRequest): Any[] {
  const items: { at: string; value: Any }[] = [];
  for (const c of pull.commits)
    items.push({
      at: c.committedDate ?? c.authoredDate ?? pull.createdAt ?? '',
      value: { __typename: 'PullRequestCommit', repo, pull, commit: c },
    });
  for (const r of pull.reviews)
    items.push({ at: r.submittedAt ?? '', value: { __typename: 'PullRequestReview', repo, pull, review: r } });
  for (const c of pull.comments ?? [])
    items.push({ at: c.createdAt ?? '', value: { __typename: 'IssueComment', repo, pull, comment: c } });
  for (const e of pull.timeline ?? [])
    items.push({ at: e.createdAt, value: { __typename: e.type, repo, pull, event: e } });
  const byTime = (a: { at: string }, b: { at: string }) => {
    if (a.at < b.at) return -1;
    return a.at > b.at ? 1 : 0;
  };
  return items.sort(byTime).map((i) => i.value);
}

/**
 * GitHub's `Commit.associatedPullRequests`: the pull requests of the repository network (the
 * repository, its forks, its upstream) that contain the commit; for a commit already on the
 * default branch, only merged ones ("the pull request that brought it in"). Oldest first.
 */
function associatedPulls(world: GitHub, repo: Repository, oid: string): Any[] {
  const root = (r: Repository): Repository => {
    const seen = new Set<Repository>();
    while (r.parent && !seen.has(r)) {
      seen.add(r);
      const up = world.repositories.get(r.parent.toLowerCase());
      if (!up) break;
      r = up;
    }
    return r;
  };
  const network = root(repo);
  const tip = repo.refs.get(repo.defaultBranch);
  const onDefaultBranch = tip !== undefined && repo.ancestors(tip).has(oid);
  const out: Any[] = [];
  for (const base of world.repositories.values()) {
    if (root(base) !== network) continue;
    for (const pull of base.pulls.values()) {
      if (onDefaultBranch && pull.state !== 'MERGED') continue;
      if (pull.headRefOid === oid || pull.commits.some((c) => c.oid === oid)) out.push(pullValue(base, pull));
    }
  }
  return out.sort((a, b) => (a.pull.createdAt ?? '').localeCompare(b.pull.createdAt ?? '') || a.pull.id - b.pull.id);
}

function suiteStatus(runs: CheckRun[]): { status: string; conclusion: string | null } {
  if (runs.length === 0) return { status: 'QUEUED', conclusion: null };
  if (runs.some((r) => r.status === 'in_progress')) return { status: 'IN_PROGRESS', conclusion: null };
  if (runs.some((r) => r.status !== 'completed')) return { status: 'QUEUED', conclusion: null };
  const order = [
    'action_required',
    'failure',
    'timed_out',
    'cancelled',
    'stale',
    'startup_failure',
    'neutral',
    'skipped',
    'success',
  ];
  const worst = runs.map((r) => r.conclusion ?? 'success').sort((a, b) => order.indexOf(a) - order.indexOf(b))[0]!;
  return { status: 'COMPLETED', conclusion: worst.toUpperCase() };
}

const repoOf = (ctx: GraphqlContext, fullName: string): Repository => {
  const found = ctx.world.repositories.get(fullName.toLowerCase());
  if (found) return found;
  const [owner, name] = fullName.split('/');
  return new Repository(ctx.world, 0, owner ?? '', name ?? '');
};

const FIELDS: Record<string, Record<string, Field>> = {
  Query: {
    repository: [
      ['owner', 'name', 'followRenames'],
      (_s, { owner, name }, ctx) => {
        const repo = ctx.world.repository(owner, name);
        if (!repo || !ctx.world.canSee(ctx.installation, repo))
          return notFound(`Could not resolve to a Repository with the name '${owner}/${name}'.`);
        return repoValue(repo);
      },
    ],
    organization: [
      ['login'],
      (_s, { login }, ctx) => {
        const account = ctx.world.account(login);
        if (account?.type !== 'Organization')
          return notFound(`Could not resolve to an Organization with the login of '${login}'.`);
        return { __typename: 'Organization', account };
      },
    ],
    user: [
      ['login'],
      (_s, { login }, ctx) => {
        const account = ctx.world.account(login);
        if (account?.type !== 'User' || /\[bot\]$/i.test(login))
          return notFound(`Could not resolve to a User with the login of '${login}'.`);
        return { __typename: 'User', account };
      },
    ],
    repositoryOwner: [
      ['login'],
      (_s, { login }, ctx) => {
        const account = ctx.world.account(login);
        return account && account.type !== 'Bot' ? { __typename: account.type, account } : null;
      },
    ],
    rateLimit: [['dryRun'], (_s, _a, ctx) => ({ __typename: 'RateLimit', cost: 1, nodeCount: 0, ...ctx.rateLimit() })],
  },
  RateLimit: Object.fromEntries(
    ['cost', 'limit', 'nodeCount', 'remaining', 'resetAt', 'used'].map((k) => [k, (v: Any) => v[k]]),
  ),
  Repository: {
    ...common('Repository', (v) => v.repo.id),
    databaseId: (v) => v.repo.id,
    name: (v) => v.repo.name,
    nameWithOwner: (v) => v.repo.fullName,
    owner: (v, _a, ctx) => actor(ctx, v.repo.owner),
    isPrivate: (v) => v.repo.isPrivate,
    visibility: (v) => (v.repo.isPrivate ? 'PRIVATE' : 'PUBLIC'),
    isFork: (v) => v.repo.parent !== undefined,
    isArchived: () => false,
    parent: (v, _a, ctx) => (v.repo.parent ? repoValue(repoOf(ctx, v.repo.parent)) : null),
    url: (v) => `${WEB}/${v.repo.fullName}`,
    defaultBranchRef: (v) => {
      const oid = v.repo.refs.get(v.repo.defaultBranch);
      return oid ? { __typename: 'Ref', repo: v.repo, name: v.repo.defaultBranch, oid } : null;
    },
    ref: [
      ['qualifiedName'],
      (v, { qualifiedName }) => {
        const name = String(qualifiedName).replace(/^refs\/heads\//, '');
        const oid = v.repo.refs.get(name);
        return oid ? { __typename: 'Ref', repo: v.repo, name, oid } : null;
      },
    ],
    object: [
      ['expression', 'oid'],
      (v, { expression, oid }) => {
        const repo: Repository = v.repo;
        if (oid) return repo.hasCommit(oid) ? commitByOid(repo, oid) : null;
        const text = String(expression ?? '');
        const colon = text.indexOf(':');
        const commit = repo.resolveRevision(colon < 0 ? text : text.slice(0, colon));
        if (!commit) return null;
        if (colon < 0) return commitByOid(repo, commit);
        const path = text.slice(colon + 1).replace(/\/+$/, '');
        const content = path === '' ? undefined : repo.fileAt(commit, path);
        if (content !== undefined) return { __typename: 'Blob', repo, content };
        if (path === '' || repo.pathsAt(commit, path).length > 0)
          return { __typename: 'Tree', repo, commit, dir: path };
        return null;
      },
    ],
    pullRequest: [
      ['number'],
      (v, { number }) => {
        const pull = v.repo.pulls.get(number);
        if (!pull) return notFound(`Could not resolve to a PullRequest with the number of ${number}.`);
        v.repo.syncPull(pull);
        return pullValue(v.repo, pull);
      },
    ],
    pullRequests: [
      [...CONNECTION_ARGS, 'states', 'headRefName', 'baseRefName', 'labels'],
      (v, args) => {
        const pulls = [...(v.repo as Repository).pulls.values()].filter(
          (p) =>
            (!args.states || args.states.includes(p.state)) &&
            (!args.headRefName || p.headRefName === args.headRefName) &&
            (!args.baseRefName || p.baseRefName === args.baseRefName) &&
            (!args.labels || p.labels.some((l) => args.labels.includes(l))),
        );
        return connection(
          pulls.sort((a, b) => a.number - b.number).map((p) => pullValue(v.repo, p)),
          args,
        );
      },
    ],
  },
  Ref: {
    ...common('Ref', (v) => `${v.repo.id}:${v.name}`),
    name: (v) => v.name,
    prefix: () => 'refs/heads/',
    repository: (v) => repoValue(v.repo),
    target: (v) => commitByOid(v.repo, v.oid),
    compare: [
      ['headRef'],
      (v, { headRef }) => {
        const repo: Repository = v.repo;
        if (repo.compareUnavailable === 'error')
          throw fieldError('UNPROCESSABLE', 'The comparison could not be computed.');
        if (repo.compareUnavailable === 'null') return null;
        const head = repo.resolveRevision(String(headRef));
        if (!head) return null;
        return { __typename: 'Comparison', repo, base: v.oid, head, ...repo.compare(v.oid, head) };
      },
    ],
    associatedPullRequests: [
      [...CONNECTION_ARGS, 'states'],
      (v, args) =>
        connection(
          [...(v.repo as Repository).pulls.values()]
            .filter(
              (p) => p.headRefName === v.name && !p.headRepository && (!args.states || args.states.includes(p.state)),
            )
            .map((p) => pullValue(v.repo, p)),
          args,
        ),
    ],
  },
  Comparison: {
    ...common('Comparison', (v) => `${v.base}...${v.head}`),
    aheadBy: (v) => v.aheadBy,
    behindBy: (v) => v.behindBy,
    status: (v) => v.status,
    baseTarget: (v) => commitByOid(v.repo, v.base),
    headTarget: (v) => commitByOid(v.repo, v.head),
    commits: [
      CONNECTION_ARGS,
      (v, args) =>
        connection(
          [...(v.ahead as string[])].reverse().map((oid) => commitByOid(v.repo, oid)),
          args,
        ),
    ],
  },
  Blob: {
    ...common('Blob', (v) => gitBlobOid(v.content)),
    oid: (v) => gitBlobOid(v.content),
    abbreviatedOid: (v) => gitBlobOid(v.content).slice(0, 7),
    byteSize: (v) => (typeof v.content === 'string' ? Buffer.byteLength(v.content) : v.content.length),
    isBinary: (v) => isBinary(v.content),
    isTruncated: (v, _a, ctx) => !isBinary(v.content) && byteLength(v.content) > ctx.blobTextLimit,
    text: (v, _a, ctx) => {
      if (isBinary(v.content)) return null;
      const bytes = Buffer.from(v.content);
      return bytes.length > ctx.blobTextLimit
        ? bytes.subarray(0, ctx.blobTextLimit).toString('utf8')
        : bytes.toString('utf8');
    },
    repository: (v) => repoValue(v.repo),
  },
  Tree: {
    ...common('Tree', (v) => `${v.commit}:${v.dir}`),
    oid: (v) => gitBlobOid(`tree ${v.commit}:${v.dir}`),
    abbreviatedOid: (v) => gitBlobOid(`tree ${v.commit}:${v.dir}`).slice(0, 7),
    repository: (v) => repoValue(v.repo),
    entries: (v) => {
      const repo: Repository = v.repo;
      const prefix = v.dir === '' ? '' : `${v.dir}/`;
      const names = new Map<string, 'blob' | 'tree'>();
      for (const path of repo.pathsAt(v.commit, v.dir)) {
        const rest = path.slice(prefix.length);
        const slash = rest.indexOf('/');
        names.set(slash < 0 ? rest : rest.slice(0, slash), slash < 0 ? 'blob' : 'tree');
      }
      return [...names]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, type]) => ({
          __typename: 'TreeEntry',
          repo,
          commit: v.commit,
          path: `${prefix}${name}`,
          name,
          type,
        }));
    },
  },
  TreeEntry: {
    name: (v) => v.name,
    path: (v) => v.path,
    type: (v) => v.type,
    mode: (v) => (v.type === 'tree' ? 16384 : 33188),
    extension: (v) => /\.[^./]+$/.exec(v.name)?.[0] ?? null,
    oid: (v) =>
      v.type === 'tree' ? gitBlobOid(`tree ${v.commit}:${v.path}`) : gitBlobOid(v.repo.fileAt(v.commit, v.path) ?? ''),
    object: (v) =>
      v.type === 'tree'
        ? { __typename: 'Tree', repo: v.repo, commit: v.commit, dir: v.path }
        : { __typename: 'Blob', repo: v.repo, content: v.repo.fileAt(v.commit, v.path) ?? '' },
    repository: (v) => repoValue(v.repo),
  },
  Commit: {
    ...common('Commit', (v) => v.commit.oid),
    oid: (v) => v.commit.oid,
    abbreviatedOid: (v) => v.commit.oid.slice(0, 7),
    message: (v) => v.commit.message,
    messageHeadline: (v) => v.commit.message.split('\n')[0],
    messageBody: (v) => v.commit.message.split('\n').slice(1).join('\n').replace(/^\n+/, ''),
    url: (v) => `${WEB}/${v.repo.fullName}/commit/${v.commit.oid}`,
    repository: (v) => repoValue(v.repo),
    authoredDate: (v) => v.commit.authoredDate ?? v.commit.committedDate ?? '2026-01-01T00:00:00Z',
    committedDate: (v) => v.commit.committedDate ?? v.commit.authoredDate ?? '2026-01-01T00:00:00Z',
    author: (v) =>
      gitActor(
        v.commit.authorName,
        v.commit.authorEmail,
        v.commit.authorLogin,
        v.commit.authoredDate ?? '2026-01-01T00:00:00Z',
      ),
    committer: (v) =>
      gitActor(
        v.commit.committerName ?? v.commit.authorName,
        v.commit.committerEmail ?? v.commit.authorEmail,
        v.commit.committerLogin !== undefined ? v.commit.committerLogin : v.commit.authorLogin,
        v.commit.committedDate ?? v.commit.authoredDate ?? '2026-01-01T00:00:00Z',
      ),
    parents: [
      CONNECTION_ARGS,
      (v, args) => {
        const repo: Repository = v.repo;
        const known = repo.parentOids(v.commit.oid);
        const count = typeof v.commit.parents === 'number' ? v.commit.parents : known.length;
        const oids = Array.from({ length: count }, (_, i) => known[i] ?? gitBlobOid(`parent ${v.commit.oid} ${i}`));
        return connection(
          oids.map((oid) => commitByOid(repo, oid)),
          args,
        );
      },
    ],
    signature: (v) => {
      const sig: Signature | null | undefined =
        v.commit.signature === undefined
          ? { isValid: true, state: 'VALID', wasSignedByGitHub: false }
          : v.commit.signature;
      return sig ? { __typename: sig.kind ?? 'GpgSignature', sig, commit: v.commit } : null;
    },
    checkSuites: [
      [...CONNECTION_ARGS, 'filterBy'],
      (v, args, ctx) => {
        const filter = args.filterBy ?? {};
        const repo: Repository = v.repo;
        const suites = repo.checkSuites.filter(
          (s) =>
            s.headSha === v.commit.oid &&
            (filter.appId == null || s.appId === filter.appId) &&
            (filter.checkName == null ||
              repo.checkRuns.some((r) => r.check_suite_id === s.id && r.name === filter.checkName && ctx.showsRun(r))),
        );
        return connection(
          suites.map((suite) => ({ __typename: 'CheckSuite', repo, suite })),
          args,
        );
      },
    ],
    associatedPullRequests: [
      [...CONNECTION_ARGS, 'orderBy'],
      (v, args, ctx) => {
        const pulls = associatedPulls(ctx.world, v.repo, v.commit.oid);
        if (args.orderBy?.direction === 'DESC') pulls.reverse();
        return connection(pulls, args);
      },
    ],
    file: [
      ['path'],
      (v, { path }) => {
        const content = (v.repo as Repository).fileAt(v.commit.oid, path);
        if (content === undefined) return null;
        const name = String(path).split('/').pop()!;
        return { __typename: 'TreeEntry', repo: v.repo, commit: v.commit.oid, path, name, type: 'blob' };
      },
    ],
    tree: (v) => ({ __typename: 'Tree', repo: v.repo, commit: v.commit.oid, dir: '' }),
  },
  GitActor: {
    name: (v) => v.name,
    email: (v) => v.email,
    date: (v) => v.date,
    avatarUrl: [['size'], () => 'https://avatars.githubusercontent.com/u/0?v=4'],
    user: (v, _a, ctx) => {
      if (!v.login) return null;
      const account = ctx.world.ensureAccount(v.login);
      // A bot is not a User: GitHub links no user to a bot's commits.
      return account.type === 'User' ? { __typename: 'User', account } : null;
    },
  },
  GpgSignature: signatureFields('GpgSignature'),
  SshSignature: signatureFields('SshSignature'),
  SmimeSignature: signatureFields('SmimeSignature'),
  UnknownSignature: signatureFields('UnknownSignature'),
  PullRequest: {
    ...common('PullRequest', (v) => v.pull.id ?? v.pull.number),
    databaseId: (v) => v.pull.id ?? v.pull.number,
    fullDatabaseId: (v) => String(v.pull.id ?? v.pull.number),
    number: (v) => v.pull.number,
    title: (v) => v.pull.title,
    body: (v) => v.pull.body,
    bodyText: (v) => v.pull.body,
    url: (v) => `${WEB}/${v.repo.fullName}/pull/${v.pull.number}`,
    permalink: (v) => `${WEB}/${v.repo.fullName}/pull/${v.pull.number}`,
    resourcePath: (v) => `/${v.repo.fullName}/pull/${v.pull.number}`,
    isDraft: (v) => v.pull.isDraft,
    state: (v) => v.pull.state,
    closed: (v) => v.pull.state !== 'OPEN',
    merged: (v) => v.pull.state === 'MERGED',
    locked: () => false,
    createdAt: (v) => v.pull.createdAt ?? '2026-01-01T00:00:00Z',
    updatedAt: (v) => v.pull.createdAt ?? '2026-01-01T00:00:00Z',
    lastEditedAt: () => null,
    includesCreatedEdit: () => false,
    author: (v, _a, ctx) =>
      actor(ctx, v.pull.authorType === 'Bot' ? ctx.world.ensureAccount(v.pull.author, 'Bot').login : v.pull.author),
    authorAssociation: (v, _a, ctx) => association(ctx, v.repo, v.pull.author),
    repository: (v) => repoValue(v.repo),
    baseRepository: (v) => repoValue(v.repo),
    baseRefName: (v) => v.pull.baseRefName,
    baseRefOid: (v) => v.pull.baseRefOid,
    baseRef: (v) => {
      const oid = (v.repo as Repository).refs.get(v.pull.baseRefName);
      return oid ? { __typename: 'Ref', repo: v.repo, name: v.pull.baseRefName, oid } : null;
    },
    headRefName: (v) => v.pull.headRefName,
    headRefOid: (v) => v.pull.headRefOid,
    headRepository: (v, _a, ctx) => {
      const head = headRepository(ctx, v.repo, v.pull);
      return head ? repoValue(head) : null;
    },
    headRepositoryOwner: (v, _a, ctx) => {
      const head = headRepository(ctx, v.repo, v.pull);
      return head ? actor(ctx, head.owner) : null;
    },
    headRef: (v, _a, ctx) => {
      const head = headRepository(ctx, v.repo, v.pull);
      const oid = head?.refs.get(v.pull.headRefName);
      return head && oid ? { __typename: 'Ref', repo: head, name: v.pull.headRefName, oid } : null;
    },
    isCrossRepository: (v) =>
      v.pull.isCrossRepository === true ||
      (v.pull.headRepository !== undefined && v.pull.headRepository.toLowerCase() !== v.repo.fullName.toLowerCase()),
    maintainerCanModify: () => false,
    changedFiles: (v) => v.pull.changedFiles ?? v.pull.files.length,
    additions: (v) => v.pull.files.reduce((s: number, f: { additions: number }) => s + f.additions, 0),
    deletions: (v) => v.pull.files.reduce((s: number, f: { deletions: number }) => s + f.deletions, 0),
    files: [
      CONNECTION_ARGS,
      (v, args) =>
        connection(
          v.pull.files.map((file: unknown) => ({ __typename: 'PullRequestChangedFile', file })),
          args,
          { totalCount: Math.min(v.pull.changedFiles ?? v.pull.files.length, MAX_PULL_FILES), cap: MAX_PULL_FILES },
        ),
    ],
    commits: [
      CONNECTION_ARGS,
      (v, args) =>
        connection(
          v.pull.commits.map((commit: Commit) => ({
            __typename: 'PullRequestCommit',
            repo: v.repo,
            pull: v.pull,
            commit,
          })),
          args,
          { cap: MAX_PULL_COMMITS },
        ),
    ],
    reviews: [
      [...CONNECTION_ARGS, 'states', 'author'],
      (v, args) =>
        connection(
          (v.pull.reviews as Review[])
            .filter(
              (r) =>
                (!args.states || args.states.includes(r.state)) &&
                (!args.author || r.login.toLowerCase() === String(args.author).toLowerCase()),
            )
            .map((review) => ({ __typename: 'PullRequestReview', repo: v.repo, pull: v.pull, review })),
          args,
        ),
    ],
    latestReviews: [
      CONNECTION_ARGS,
      (v, args) => {
        const latest = new Map<string, Review>();
        for (const r of v.pull.reviews as Review[]) if (r.state !== 'PENDING') latest.set(r.login.toLowerCase(), r);
        return connection(
          [...latest.values()].map((review) => ({
            __typename: 'PullRequestReview',
            repo: v.repo,
            pull: v.pull,
            review,
          })),
          args,
        );
      },
    ],
    latestOpinionatedReviews: [
      CONNECTION_ARGS,
      (v, args) => {
        const latest = new Map<string, Review>();
        for (const r of v.pull.reviews as Review[])
          if (r.state === 'APPROVED' || r.state === 'CHANGES_REQUESTED') latest.set(r.login.toLowerCase(), r);
        return connection(
          [...latest.values()].map((review) => ({
            __typename: 'PullRequestReview',
            repo: v.repo,
            pull: v.pull,
            review,
          })),
          args,
        );
      },
    ],
    labels: [
      [...CONNECTION_ARGS],
      (v, args) =>
        connection(
          (v.pull.labels as string[]).map((name) => ({ __typename: 'Label', name })),
          args,
        ),
    ],
    closingIssuesReferences: [
      [...CONNECTION_ARGS],
      (v, args, ctx) =>
        connection(
          (v.pull.closingIssues as { number: number; repository: string }[]).map((i) => ({
            __typename: 'Issue',
            number: i.number,
            repo: repoOf(ctx, i.repository),
          })),
          args,
        ),
    ],
    comments: [
      CONNECTION_ARGS,
      (v, args) =>
        connection(
          ((v.pull.comments ?? []) as IssueComment[]).map((comment) => ({
            __typename: 'IssueComment',
            repo: v.repo,
            pull: v.pull,
            comment,
          })),
          args,
        ),
    ],
    totalCommentsCount: (v) => (v.pull.comments ?? []).length,
    timelineItems: [
      [...CONNECTION_ARGS, 'itemTypes', 'since'],
      (v, args) => {
        const all = timeline(v.repo, v.pull);
        const items = all.filter(
          (i) =>
            (!args.itemTypes || args.itemTypes.includes(upperSnake(i.__typename))) &&
            (!args.since ||
              (i.event?.createdAt ?? i.comment?.createdAt ?? i.review?.submittedAt ?? '9999') >= args.since),
        );
        return {
          ...connection(items, args),
          filteredCount: items.length,
          pageCount: items.length,
          updatedAt: v.pull.createdAt ?? '2026-01-01T00:00:00Z',
        };
      },
    ],
  },
  PullRequestChangedFile: {
    path: (v) => v.file.path,
    additions: (v) => v.file.additions,
    deletions: (v) => v.file.deletions,
    changeType: (v) => v.file.changeType ?? 'MODIFIED',
  },
  PullRequestCommit: {
    ...common('PullRequestCommit', (v) => `${v.pull.id}:${v.commit.oid}`),
    commit: (v) => commitValue(v.repo, v.commit),
    pullRequest: (v) => pullValue(v.repo, v.pull),
    url: (v) => `${WEB}/${v.repo.fullName}/pull/${v.pull.number}/commits/${v.commit.oid}`,
    resourcePath: (v) => `/${v.repo.fullName}/pull/${v.pull.number}/commits/${v.commit.oid}`,
  },
  PullRequestReview: {
    ...common('PullRequestReview', (v) => v.review.id ?? `${v.pull.id}:${v.pull.reviews.indexOf(v.review)}`),
    databaseId: (v) => v.review.id ?? null,
    author: (v, _a, ctx) => actor(ctx, v.review.login),
    authorAssociation: (v, _a, ctx) => association(ctx, v.repo, v.review.login),
    state: (v) => v.review.state,
    body: (v) => v.review.body ?? '',
    submittedAt: (v) => (v.review.state === 'PENDING' ? null : (v.review.submittedAt ?? '2026-01-01T00:00:00Z')),
    createdAt: (v) => v.review.submittedAt ?? '2026-01-01T00:00:00Z',
    commit: (v) => commitByOid(v.repo, v.review.commitOid),
    pullRequest: (v) => pullValue(v.repo, v.pull),
    url: (v) => `${WEB}/${v.repo.fullName}/pull/${v.pull.number}#pullrequestreview-${v.review.id ?? 0}`,
  },
  IssueComment: {
    ...common('IssueComment', (v) => v.comment.id ?? 0),
    databaseId: (v) => v.comment.id ?? null,
    fullDatabaseId: (v) => (v.comment.id == null ? null : String(v.comment.id)),
    author: (v, _a, ctx) => actor(ctx, v.comment.author),
    authorAssociation: (v, _a, ctx) => v.comment.authorAssociation ?? association(ctx, v.repo, v.comment.author),
    body: (v) => v.comment.body,
    bodyText: (v) => v.comment.body,
    createdAt: (v) => v.comment.createdAt ?? '2026-01-01T00:00:00Z',
    updatedAt: (v) => v.comment.lastEditedAt ?? v.comment.createdAt ?? '2026-01-01T00:00:00Z',
    lastEditedAt: (v) => v.comment.lastEditedAt ?? null,
    includesCreatedEdit: (v) => v.comment.includesCreatedEdit === true,
    isMinimized: (v) => v.comment.isMinimized === true,
    url: (v) => `${WEB}/${v.repo.fullName}/pull/${v.pull.number}#issuecomment-${v.comment.id ?? 0}`,
    pullRequest: (v) => pullValue(v.repo, v.pull),
    repository: (v) => repoValue(v.repo),
  },
  Label: {
    ...common('Label', (v) => v.name),
    name: (v) => v.name,
    color: () => 'ededed',
  },
  Issue: {
    ...common('Issue', (v) => `${v.repo.fullName}#${v.number}`),
    number: (v) => v.number,
    repository: (v) => repoValue(v.repo),
    url: (v) => `${WEB}/${v.repo.fullName}/issues/${v.number}`,
  },
  CheckSuite: {
    ...common('CheckSuite', (v) => v.suite.id),
    databaseId: (v) => v.suite.id,
    createdAt: (v) => v.suite.createdAt,
    updatedAt: (v) => v.suite.createdAt,
    app: (v, _a, ctx) => {
      const app = ctx.world.apps.get(v.suite.appId);
      return app ? { __typename: 'App', app } : null;
    },
    commit: (v) => commitByOid(v.repo, v.suite.headSha),
    repository: (v) => repoValue(v.repo),
    status: (v, _a, ctx) => suiteStatus(runsOf(v.repo, v.suite, ctx)).status,
    conclusion: (v, _a, ctx) => suiteStatus(runsOf(v.repo, v.suite, ctx)).conclusion,
    checkRuns: [
      [...CONNECTION_ARGS, 'filterBy'],
      (v, args, ctx) => {
        const f = args.filterBy ?? {};
        const runs = runsOf(v.repo, v.suite, ctx).filter(
          (r) =>
            (f.checkName == null || r.name === f.checkName) &&
            (f.appId == null || r.app_id === f.appId) &&
            (f.status == null || r.status.toUpperCase() === f.status) &&
            (f.statuses == null || f.statuses.includes(r.status.toUpperCase())) &&
            (f.conclusions == null || (r.conclusion !== null && f.conclusions.includes(r.conclusion.toUpperCase()))),
        );
        if (f.checkType != null && f.checkType !== 'ALL') {
          // LATEST: the most recent run of each name.
          const latest = new Map<string, CheckRun>();
          for (const r of runs) latest.set(r.name, r);
          return connection(
            [...latest.values()].map((run) => ({ __typename: 'CheckRun', repo: v.repo, run })),
            args,
          );
        }
        return connection(
          runs.map((run) => ({ __typename: 'CheckRun', repo: v.repo, run })),
          args,
        );
      },
    ],
  },
  CheckRun: {
    ...common('CheckRun', (v) => v.run.id),
    databaseId: (v) => v.run.id,
    name: (v) => v.run.name,
    status: (v) => v.run.status.toUpperCase(),
    conclusion: (v) => (v.run.conclusion ? v.run.conclusion.toUpperCase() : null),
    externalId: (v) => v.run.external_id,
    title: (v) => v.run.output?.title ?? null,
    summary: (v) => v.run.output?.summary ?? null,
    text: (v) => v.run.output?.text ?? null,
    detailsUrl: (v) => v.run.details_url ?? null,
    startedAt: (v) => v.run.started_at ?? null,
    completedAt: (v) => v.run.completed_at ?? null,
    permalink: (v) => `${WEB}/${v.repo.fullName}/runs/${v.run.id}`,
    url: (v) => `${WEB}/${v.repo.fullName}/runs/${v.run.id}`,
    repository: (v) => repoValue(v.repo),
    checkSuite: (v) => ({
      __typename: 'CheckSuite',
      repo: v.repo,
      suite: (v.repo as Repository).checkSuites.find((s) => s.id === v.run.check_suite_id),
    }),
  },
  App: {
    ...common('App', (v) => (v.app as App).id),
    databaseId: (v) => v.app.id,
    name: (v) => v.app.name,
    slug: (v) => v.app.slug,
    url: (v) => `${WEB}/apps/${v.app.slug}`,
  },
  User: { ...actorFields('User'), name: (v) => v.account.name ?? null, email: (v) => v.account.email ?? '' },
  Bot: actorFields('Bot'),
  Organization: {
    ...actorFields('Organization'),
    name: (v) => v.account.name ?? v.account.login,
    team: [
      ['slug'],
      (v, { slug }, ctx) => {
        const team = ctx.world.team(v.account.login, slug);
        // An installation sees the teams of the organisation it is installed on (members: read).
        const visible = ctx.installation?.account.toLowerCase() === v.account.login.toLowerCase();
        if (!team || !visible) return notFound(`Could not resolve to a Team with the slug of '${slug}'.`);
        return { __typename: 'Team', org: v.account.login, team };
      },
    ],
  },
  Team: {
    ...common('Team', (v) => v.team.id),
    databaseId: (v) => v.team.id,
    slug: (v) => v.team.slug,
    name: (v) => v.team.name,
    combinedSlug: (v) => `${v.org}/${v.team.slug}`.toLowerCase(),
    privacy: () => 'VISIBLE',
    url: (v) => `${WEB}/orgs/${v.org}/teams/${v.team.slug}`,
    organization: (v, _a, ctx) => actor(ctx, v.org),
    parentTeam: (v, _a, ctx) => {
      const parent: Team | undefined = v.team.parent ? ctx.world.team(v.org, v.team.parent) : undefined;
      return parent ? { __typename: 'Team', org: v.org, team: parent } : null;
    },
    members: [
      [...CONNECTION_ARGS, 'membership'],
      (v, args, ctx) =>
        connection(
          ctx.world
            .teamMembers(v.org, v.team, args.membership ?? 'ALL')
            .map((login) => ({ __typename: 'User', account: ctx.world.ensureAccount(login) })),
          args,
        ),
    ],
  },
  HeadRefForcePushedEvent: forcePushFields('HeadRefForcePushedEvent'),
  BaseRefForcePushedEvent: forcePushFields('BaseRefForcePushedEvent'),
  ReadyForReviewEvent: eventFields('ReadyForReviewEvent'),
  ConvertToDraftEvent: eventFields('ConvertToDraftEvent'),
  ClosedEvent: eventFields('ClosedEvent'),
  ReopenedEvent: eventFields('ReopenedEvent'),
  HeadRefDeletedEvent: { ...eventFields('HeadRefDeletedEvent'), headRefName: (v) => v.pull.headRefName },
  BaseRefChangedEvent: {
    ...eventFields('BaseRefChangedEvent'),
    previousRefName: (v) => v.event.previousRefName,
    currentRefName: (v) => v.event.currentRefName,
  },
};

function eventFields(type: TimelineEvent['type']): Record<string, Field> {
  return {
    ...common(type, (v) => `${v.pull.id}:${(v.pull.timeline as TimelineEvent[]).indexOf(v.event)}`),
    actor: (v, _a, ctx) => actor(ctx, v.event.actor),
    createdAt: (v) => v.event.createdAt,
    pullRequest: (v) => pullValue(v.repo, v.pull),
  };
}

function forcePushFields(type: 'HeadRefForcePushedEvent' | 'BaseRefForcePushedEvent'): Record<string, Field> {
  return {
    ...eventFields(type),
    beforeCommit: (v) => commitByOid(v.repo, v.event.beforeCommitOid),
    afterCommit: (v) => commitByOid(v.repo, v.event.afterCommitOid),
    ref: (v) => {
      const name = type === 'HeadRefForcePushedEvent' ? v.pull.headRefName : v.pull.baseRefName;
      const oid = (v.repo as Repository).refs.get(name);
      return oid ? { __typename: 'Ref', repo: v.repo, name, oid } : null;
    },
  };
}

function runsOf(repo: Repository, suite: CheckSuite | undefined, ctx: GraphqlContext): CheckRun[] {
  if (!suite) return [];
  return repo.checkRuns.filter((r) => r.check_suite_id === suite.id && ctx.showsRun(r));
}

function headRepository(ctx: GraphqlContext, repo: Repository, pull: PullRequest): Repository | undefined {
  if (pull.headRepository) return ctx.world.repositories.get(pull.headRepository.toLowerCase());
  return pull.isCrossRepository ? undefined : repo;
}

/** GitHub's author association: owner, organisation member, or contributor. */
function association(ctx: GraphqlContext, repo: Repository, login: string | null): string {
  if (!login) return 'NONE';
  const lower = login.toLowerCase();
  if (repo.owner.toLowerCase() === lower) return 'OWNER';
  const teams = ctx.world.teams.get(repo.owner.toLowerCase());
  if (teams && [...teams.values()].some((t) => t.members.some((m) => m.toLowerCase() === lower))) return 'MEMBER';
  return 'CONTRIBUTOR';
}

const isBinary = (content: string | Uint8Array) =>
  typeof content === 'string' ? content.includes('\0') : content.subarray(0, 8000).includes(0);
const byteLength = (content: string | Uint8Array) =>
  typeof content === 'string' ? Buffer.byteLength(content) : content.length;

const GENERIC: Record<string, Resolver> = {
  totalCount: (v) => v.totalCount,
  nodes: (v) => v.nodes,
  edges: (v) => v.nodes.map((node: unknown, i: number) => ({ cursor: cursor(v.start + i), node })),
  pageInfo: (v) => v.pageInfo,
  filteredCount: (v) => v.filteredCount,
  pageCount: (v) => v.pageCount,
  updatedAt: (v) => v.updatedAt,
};

function resolveField(source: Any, args: Record<string, Any>, ctx: GraphqlContext, info: GraphQLResolveInfo): unknown {
  const type = info.parentType.name;
  const name = info.fieldName;
  let field: Field | undefined = FIELDS[type]?.[name];
  if (!field && source?.__connection && isConnection(info.parentType))
    field = GENERIC[name] && (name === 'edges' || source[name] !== undefined) ? GENERIC[name] : undefined;
  if (!field && type.endsWith('Edge') && (name === 'cursor' || name === 'node')) field = (v: Any) => v[name];
  if (!field && type === 'PageInfo') field = (v: Any) => v[name];
  if (!field) {
    ctx.unsupported(`${type}.${name}`);
    throw fieldError(
      'STAND_IN_UNSUPPORTED',
      `The GitHub stand-in does not model the field \`${type}.${name}\` (add it to test/stand-in/graphql.ts).`,
    );
  }
  const [understood, resolve] = typeof field === 'function' ? [[] as readonly string[], field] : field;
  for (const arg of info.fieldNodes[0]?.arguments ?? []) {
    if (arg.value.kind === Kind.NULL || understood.includes(arg.name.value)) continue;
    ctx.unsupported(`${type}.${name}(${arg.name.value})`);
    throw fieldError(
      'STAND_IN_UNSUPPORTED',
      `The GitHub stand-in does not model the argument \`${arg.name.value}\` of \`${type}.${name}\` (add it to test/stand-in/graphql.ts).`,
    );
  }
  return resolve(source, args, ctx, info);
}
