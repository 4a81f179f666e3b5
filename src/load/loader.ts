/**
 * The loader: the only code that reads a pull request from GitHub. One GraphQL
 * query for a PR with up to 100 files, commits, reviews and labels; further
 * pages of 100 only for connections that have more; wire types converted to the
 * snapshot in one place (`toSnapshot`).
 */
import type { ConfigSource } from './config/resolve.js';
import { CONFIG_PATH } from '../../gates/config.js';
import { SYSTEM_CLOCK } from '../ops/clock.js';
import {
  GITHUB_LIMITS,
  PULL_REQUEST_TEMPLATE_PATHS,
  type BaseFile,
  type ChangedFile,
  type ChangeType,
  type CommitInfo,
  type Comparison,
  type PullRequestSnapshot,
  type Review,
  type ReviewState,
} from '../../gates/snapshot.js';
import { BASE_FILES_QUERY, PAGE_QUERY, PULL_BASE_QUERY, SNAPSHOT_QUERY } from './queries.js';
import type { ExistingCheckRun } from '../checks/writer.js';
import { COMMAND_LIMITS, COMMAND_PREFIX } from '../server/commands.js';

/** Sends one GraphQL document. Rejections carry partial `data` and `errors` like Octokit's `GraphqlResponseError`. */
export type GraphqlClient = (query: string, variables: Record<string, unknown>) => Promise<unknown>;

/** GitHub looks for CODEOWNERS in these places, first found wins. */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;
export const GITATTRIBUTES_PATH = '.gitattributes';

/** Pages fetched per connection at most: GitHub stops listing at 3,000 files and 250 commits. */
const MAX_PAGES = {
  files: GITHUB_LIMITS.maxFiles / GITHUB_LIMITS.pageSize,
  commits: Math.ceil(GITHUB_LIMITS.maxCommits / GITHUB_LIMITS.pageSize),
  reviews: 10,
  labels: 3,
  comments: 3,
} as const;

/**
 * The newest comments read for override commands: anyone can comment, so a pull request with
 * more costs no more than this (docs/overrides.md). Older comments are not read.
 */
export const MAX_COMMENTS_READ = MAX_PAGES.comments * GITHUB_LIMITS.pageSize;

/** The start of a comment kept for its command (the rest is never read: src/server/commands.ts). */
export const COMMENT_TEXT_KEPT = COMMAND_LIMITS.scanChars;

export interface LoadRequest {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  /** Base commit from the webhook; looked up first when the event does not carry it. */
  readonly baseSha?: string | undefined;
  /** Head commit from the webhook (for the config preview); looked up with the base when missing. */
  readonly headSha?: string | undefined;
  /** This app's id: finds the app's existing check runs on the head commit. */
  readonly appId: number;
  /** `github.com`, or the GitHub Enterprise host. */
  readonly host: string;
  /** The clock (milliseconds) that stamps the snapshot's `readAt`, the "now" of branch-age; `SYSTEM_CLOCK.now` (src/ops/clock.ts) when not given. */
  readonly now?: (() => number) | undefined;
}

/** Another open pull request of the repository whose head is the same commit (a twin). */
export interface TwinRef {
  readonly number: number;
  /** Its base commit, when GitHub listed it (the twin then loads in one read). */
  readonly baseSha?: string | undefined;
}

export interface LoadedPullRequest {
  readonly snapshot: PullRequestSnapshot;
  readonly repoConfig: ConfigSource | null;
  /** The config file at the head commit: for the preview only, never for the verdict. */
  readonly proposedConfig: ConfigSource | null;
  readonly orgConfig: ConfigSource | null;
  /** This app's check runs on the head commit the load was asked for (any name). */
  readonly existingRuns: readonly ExistingCheckRun[];
  /**
   * Other open pull requests of this repository whose head is the same commit, as GitHub
   * associates them with it (see `ASSOCIATED_PULLS_PAGE`); each must still be loaded to be judged.
   */
  readonly twins: readonly TwinRef[];
  /** What overrides are judged on (src/pipeline/overrides.ts). */
  readonly conversation: Conversation;
  /** GraphQL requests made. */
  readonly requests: number;
}

/** A comment of the pull request's conversation that may hold a command (`/gates` in its start). */
export interface PullComment {
  /** Login as users write it (`[bot]` for bots); null for a deleted account. */
  readonly author: string | null;
  /** The start of the body (`COMMENT_TEXT_KEPT` characters). */
  readonly body: string;
  /** ISO time GitHub recorded the comment. */
  readonly createdAt: string;
  /** Edited after posting (GitHub's `lastEditedAt`, or `includesCreatedEdit`). */
  readonly edited: boolean;
  /** Hidden by a maintainer (GitHub's `isMinimized`). */
  readonly hidden: boolean;
  readonly url: string;
}

export interface Conversation {
  /** Comments that may hold a command, oldest first, among the newest `MAX_COMMENTS_READ`. */
  readonly comments: readonly PullComment[];
  /** The pull request has more comments than were read (the oldest were not). */
  readonly truncated: boolean;
  /**
   * When the head commit arrived, as GitHub recorded it: the later of this app's check suite on
   * it (GitHub creates one on every push) and the pull request's last force push. Null when
   * GitHub recorded neither (docs/overrides.md).
   */
  readonly headArrivedAt: string | null;
}

/** Thrown when the PR cannot be read; `cause` is the GitHub error. */
export class LoadError extends Error {
  override readonly name = 'LoadError';
  constructor(
    message: string,
    readonly kind: 'not-found' | 'github',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// ---- wire types: permissive, naming only the fields used ----
interface WireBlob {
  oid?: string;
  byteSize?: number;
  isTruncated?: boolean;
  text?: string | null;
}
interface WirePage<T> {
  totalCount?: number;
  pageInfo?: { hasNextPage?: boolean; endCursor?: string | null };
  nodes?: (T | null)[] | null;
}
interface WireCommit {
  oid: string;
  message?: string;
  parents?: { totalCount?: number };
  author?: { name?: string | null; email?: string | null; user?: { login?: string } | null } | null;
  signature?: { isValid?: boolean; state?: string } | null;
}
interface WireFile {
  path: string;
  additions?: number;
  deletions?: number;
  changeType?: string;
}
interface WireComment {
  author?: WireActor | null;
  body?: string | null;
  createdAt?: string;
  lastEditedAt?: string | null;
  includesCreatedEdit?: boolean;
  isMinimized?: boolean;
  url?: string;
}
interface WireBackPage<T> {
  totalCount?: number;
  pageInfo?: { hasPreviousPage?: boolean; startCursor?: string | null };
  nodes?: (T | null)[] | null;
}
interface WireReview {
  author?: WireActor | null;
  state?: string;
  submittedAt?: string | null;
  commit?: { oid?: string } | null;
}
/** An account as GraphQL names it: a `Bot` without the `[bot]` suffix REST, webhooks and the UI show. */
interface WireActor {
  __typename?: string;
  login?: string;
}
interface WirePull {
  number: number;
  title?: string;
  body?: string | null;
  createdAt?: string | null;
  isDraft?: boolean;
  state?: string;
  isCrossRepository?: boolean;
  author?: { __typename?: string; login?: string; databaseId?: number | null } | null;
  baseRefName?: string;
  baseRefOid?: string;
  baseRef?: { compare?: { aheadBy?: number; behindBy?: number } | null } | null;
  headRefName?: string;
  headRefOid?: string;
  changedFiles?: number;
  additions?: number;
  deletions?: number;
  labels?: WirePage<{ name: string }>;
  files?: WirePage<WireFile>;
  commits?: WirePage<{ commit: WireCommit }>;
  reviews?: WirePage<WireReview>;
  closingIssuesReferences?: {
    nodes?: ({ number: number; repository?: { nameWithOwner?: string } } | null)[] | null;
  } | null;
  comments?: WireBackPage<WireComment>;
  forcePushes?: { nodes?: ({ createdAt?: string } | null)[] | null } | null;
}
interface WireHead {
  oid?: string;
  checkSuites?: {
    nodes?: ({ createdAt?: string; checkRuns?: { nodes?: (WireCheckRun | null)[] | null } | null } | null)[] | null;
  } | null;
  associatedPullRequests?: {
    nodes?:
      | ({
          number?: number;
          state?: string;
          headRefOid?: string;
          baseRefOid?: string;
          baseRepository?: { id?: string } | null;
        } | null)[]
      | null;
  } | null;
}
interface WireCheckRun {
  databaseId?: number | null;
  name?: string;
  status?: string;
  conclusion?: string | null;
  externalId?: string | null;
}
interface WireRepository {
  id?: string;
  defaultBranchRef?: { name?: string } | null;
  head?: WireHead | null;
  config?: WireBlob | null;
  proposedConfig?: WireBlob | null;
  gitattributes?: WireBlob | null;
  codeownersGithub?: WireBlob | null;
  codeownersRoot?: WireBlob | null;
  codeownersDocs?: WireBlob | null;
  /** `template0` … : the pull-request template paths, in `PULL_REQUEST_TEMPLATE_PATHS` order. */
  [template: `template${number}`]: WireBlob | null | undefined;
  pullRequest?: WirePull | null;
}
interface WireSnapshot {
  repository?: WireRepository | null;
  org?: { config?: WireBlob | null } | null;
}

interface GraphqlErrorLike {
  type?: string;
  path?: readonly (string | number)[];
  message?: string;
}

/**
 * Sends a query, accepting partial data only where an error is expected and harmless
 * (the organisation has no `.github` repository). Every read of src/load goes through it.
 */
export async function query<T>(
  graphql: GraphqlClient,
  document: string,
  variables: Record<string, unknown>,
): Promise<T> {
  try {
    return (await graphql(document, variables)) as T;
  } catch (error) {
    const partial = error as { data?: unknown; errors?: GraphqlErrorLike[] };
    const errors = partial.errors ?? [];
    const harmless =
      errors.length > 0 &&
      errors.every(
        (e) => (e.path?.[0] === 'org' && (e.type === 'NOT_FOUND' || e.type === undefined)) || isCompareError(e),
      );
    if (harmless && partial.data) return partial.data as T;
    const notFound = errors.some((e) => e.type === 'NOT_FOUND' && e.path?.[0] === 'repository');
    throw new LoadError(
      notFound ? 'pull request not found' : 'failed to read the pull request from GitHub',
      notFound ? 'not-found' : 'github',
      { cause: error },
    );
  }
}

/**
 * An error on `pullRequest.baseRef.compare` only: GitHub could not compare the head with the base
 * (too far apart, or the head is unknown to it). The rest of the answer stands; branch-age says
 * "not compared".
 */
function isCompareError(e: GraphqlErrorLike): boolean {
  const path = e.path ?? [];
  return (
    path.length >= 4 &&
    path[0] === 'repository' &&
    path[1] === 'pullRequest' &&
    path[2] === 'baseRef' &&
    path[3] === 'compare'
  );
}

/** Reads a file whole through REST (raw media type), for blobs GraphQL truncates. */
export type RawFileReader = (owner: string, repo: string, path: string, ref: string) => Promise<string>;

/** What `rawFileReader` needs of an Octokit: `octokit.rest.repos`. */
export interface ContentsApi {
  getContent(params: {
    owner: string;
    repo: string;
    path: string;
    ref: string;
    mediaType: { format: 'raw' };
  }): Promise<{ data: unknown }>;
}

/** The REST reader of whole files, on an installation's Octokit (`octokit.rest.repos`). */
export function rawFileReader(repos: ContentsApi): RawFileReader {
  return async (owner, repo, path, ref) => {
    const res = await repos.getContent({ owner, repo, path, ref, mediaType: { format: 'raw' } });
    return typeof res.data === 'string' ? res.data : String(res.data);
  };
}

/** `<sha>:<path>` expressions for the files read at the base commit. */
function baseFileExpressions(baseSha: string) {
  return {
    configExpr: `${baseSha}:${CONFIG_PATH}`,
    attributesExpr: `${baseSha}:${GITATTRIBUTES_PATH}`,
    codeownersGithubExpr: `${baseSha}:${CODEOWNERS_PATHS[0]}`,
    codeownersRootExpr: `${baseSha}:${CODEOWNERS_PATHS[1]}`,
    codeownersDocsExpr: `${baseSha}:${CODEOWNERS_PATHS[2]}`,
    ...Object.fromEntries(PULL_REQUEST_TEMPLATE_PATHS.map((path, i) => [`template${i}Expr`, `${baseSha}:${path}`])),
  };
}

/** The variables of `SNAPSHOT_QUERY` for a pull request at `baseSha` / `headSha` (also the bench's baseline app's). */
export function snapshotVariables(req: {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  readonly appId: number;
  readonly baseSha: string;
  readonly headSha: string;
}) {
  return {
    owner: req.owner,
    name: req.repo,
    number: req.number,
    appId: req.appId,
    headOid: req.headSha,
    ...baseFileExpressions(req.baseSha),
    orgConfigExpr: `HEAD:${CONFIG_PATH}`,
    proposedConfigExpr: `${req.headSha}:${CONFIG_PATH}`,
    compareHead: req.headSha,
  };
}

/** The template aliases of an answer (`template0` …). */
const TEMPLATE_KEYS = PULL_REQUEST_TEMPLATE_PATHS.map((_, i) => `template${i}` as const);

/** A PR's current base and head commits and state (one small read). */
export interface PullHead {
  readonly baseSha: string;
  readonly headSha: string;
  readonly state: 'open' | 'closed' | 'merged';
}

/** Reads a PR's base and head commits: for events that carry none, and to check a recorded twin. */
export async function loadPullHead(
  graphql: GraphqlClient,
  req: Pick<LoadRequest, 'owner' | 'repo' | 'number'>,
): Promise<PullHead> {
  const data = await query<{
    repository?: { pullRequest?: { baseRefOid?: string; headRefOid?: string; state?: string } | null } | null;
  }>(graphql, PULL_BASE_QUERY, {
    owner: req.owner,
    name: req.repo,
    number: req.number,
  });
  const pull = data.repository?.pullRequest;
  if (!pull?.baseRefOid || !pull.headRefOid) throw new LoadError('pull request not found', 'not-found');
  return { baseSha: pull.baseRefOid, headSha: pull.headRefOid, state: pullState(pull.state) };
}

/** GitHub's pull request state (`OPEN`, `CLOSED`, `MERGED`) in our words. */
function pullState(state: string | undefined): 'open' | 'closed' | 'merged' {
  if (state === 'MERGED') return 'merged';
  return state === 'CLOSED' ? 'closed' : 'open';
}

/** The path of the CODEOWNERS file the base branch holds (GitHub reads the first of CODEOWNERS_PATHS present). */
function codeownersPath(repo: WireRepository): string {
  if (repo.codeownersGithub) return CODEOWNERS_PATHS[0];
  if (repo.codeownersRoot) return CODEOWNERS_PATHS[1];
  return CODEOWNERS_PATHS[2];
}

export async function loadPullRequest(
  graphql: GraphqlClient,
  req: LoadRequest,
  readRaw?: RawFileReader,
): Promise<LoadedPullRequest> {
  let requests = 0;
  let baseSha = req.baseSha;
  let headSha = req.headSha;
  if (!baseSha || !headSha) {
    requests++;
    const found = await loadPullHead(graphql, req);
    baseSha = found.baseSha;
    headSha = req.headSha ?? found.headSha;
  }

  const variables = snapshotVariables({ ...req, baseSha, headSha });
  requests++;
  const wire = await query<WireSnapshot>(graphql, SNAPSHOT_QUERY, variables);
  const pull = wire.repository?.pullRequest;
  if (!wire.repository || !pull) throw new LoadError('pull request not found', 'not-found');

  // The event's base commit is older than GitHub's: read the rule files again at the current one.
  if (pull.baseRefOid && pull.baseRefOid !== baseSha) {
    baseSha = pull.baseRefOid;
    requests++;
    const fresh = await query<{ repository?: Omit<WireRepository, 'pullRequest' | 'head'> | null }>(
      graphql,
      BASE_FILES_QUERY,
      { owner: req.owner, name: req.repo, ...baseFileExpressions(baseSha) },
    );
    Object.assign(wire.repository, {
      config: fresh.repository?.config ?? null,
      gitattributes: fresh.repository?.gitattributes ?? null,
      codeownersGithub: fresh.repository?.codeownersGithub ?? null,
      codeownersRoot: fresh.repository?.codeownersRoot ?? null,
      codeownersDocs: fresh.repository?.codeownersDocs ?? null,
      ...Object.fromEntries(TEMPLATE_KEYS.map((key) => [key, fresh.repository?.[key] ?? null])),
    });
  }

  requests += await fetchRemainingPages(graphql, req, pull);

  // GraphQL truncates blob text above ~512 KB; a CODEOWNERS file up to GitHub's 3 MB
  // limit is then read whole (one REST request, only for such files).
  const co = wire.repository.codeownersGithub ?? wire.repository.codeownersRoot ?? wire.repository.codeownersDocs;
  if (co?.isTruncated && (co.byteSize ?? 0) <= GITHUB_LIMITS.codeownersMaxBytes && readRaw) {
    const path = codeownersPath(wire.repository);
    try {
      requests++;
      co.text = await readRaw(req.owner, req.repo, path, baseSha);
      co.isTruncated = false;
    } catch (error) {
      throw new LoadError('failed to read the CODEOWNERS file from GitHub', 'github', { cause: error });
    }
  }

  const repoName = `${req.owner}/${req.repo}`;
  const blobSource = (blob: WireBlob | null | undefined, file: string): ConfigSource | null =>
    blob && typeof blob.text === 'string' ? { file, text: blob.text } : null;

  return {
    snapshot: toSnapshot(req, wire.repository, pull, baseSha, new Date((req.now ?? SYSTEM_CLOCK.now)()).toISOString()),
    repoConfig: blobSource(wire.repository.config, `${repoName}:${CONFIG_PATH}@${baseSha.slice(0, 7)}`),
    proposedConfig: blobSource(wire.repository.proposedConfig, `${repoName}:${CONFIG_PATH}@${headSha.slice(0, 7)}`),
    orgConfig: blobSource(wire.org?.config, `${req.owner}/.github:${CONFIG_PATH}`),
    existingRuns: existingRuns(wire.repository.head, headSha),
    twins: twinsOf(wire.repository, pull.number, headSha),
    conversation: conversationOf(wire.repository.head, pull, headSha),
    requests,
  };
}

/** Pages through connections with more than 100 nodes, up to GitHub's caps. Mutates `pull`'s node lists. */
async function fetchRemainingPages(graphql: GraphqlClient, req: LoadRequest, pull: WirePull): Promise<number> {
  type Key = 'files' | 'commits' | 'reviews' | 'labels';
  const keys: Key[] = ['files', 'commits', 'reviews', 'labels'];
  const pages: Record<Key, number> = { files: 1, commits: 1, reviews: 1, labels: 1 };
  let requests = 0;
  let commentPages = 1;
  for (;;) {
    const pending = keys.filter(
      (k) => pull[k]?.pageInfo?.hasNextPage && pull[k]?.pageInfo?.endCursor && pages[k] < MAX_PAGES[k],
    );
    // Comments page backwards: the newest are read first, older ones while the cap allows.
    const comments =
      pull.comments?.pageInfo?.hasPreviousPage &&
      pull.comments.pageInfo.startCursor &&
      commentPages < MAX_PAGES.comments
        ? pull.comments
        : undefined;
    if (pending.length === 0 && !comments) return requests;
    const vars: Record<string, unknown> = {
      owner: req.owner,
      name: req.repo,
      number: req.number,
      withComments: comments !== undefined,
      commentsBefore: comments?.pageInfo?.startCursor ?? null,
    };
    for (const k of keys) {
      vars[`with${k[0]!.toUpperCase()}${k.slice(1)}`] = pending.includes(k);
      vars[`${k}After`] = pending.includes(k) ? pull[k]?.pageInfo?.endCursor : null;
    }
    requests++;
    const page = await query<{
      repository?: {
        pullRequest?: (Partial<Record<Key, WirePage<unknown>>> & { comments?: WireBackPage<WireComment> }) | null;
      } | null;
    }>(graphql, PAGE_QUERY, vars);
    const more = page.repository?.pullRequest;
    if (!more) throw new LoadError('pull request disappeared while paging', 'not-found');
    if (comments) {
      comments.nodes = [...(more.comments?.nodes ?? []), ...(comments.nodes ?? [])];
      comments.pageInfo = more.comments?.pageInfo ?? { hasPreviousPage: false };
      commentPages++;
    }
    for (const k of pending) {
      const next = more[k];
      const current = pull[k] as WirePage<unknown> | undefined;
      if (!next || !current) continue;
      current.nodes = [...(current.nodes ?? []), ...(next.nodes ?? [])];
      current.pageInfo = next.pageInfo ?? { hasNextPage: false };
      pages[k]++;
    }
  }
}

const present = <T>(list: (T | null | undefined)[] | null | undefined): T[] =>
  (list ?? []).filter((x): x is T => x != null);

function capped<W, T>(
  page: WirePage<W> | undefined,
  convert: (w: W) => T,
  cap?: number,
): { nodes: T[]; totalCount: number; truncated: boolean } {
  const nodes = present(page?.nodes).map(convert);
  const totalCount = Math.max(page?.totalCount ?? nodes.length, nodes.length);
  const truncated =
    nodes.length < totalCount || (cap !== undefined && totalCount > cap) || page?.pageInfo?.hasNextPage === true;
  return { nodes, totalCount, truncated };
}

const CHANGE_TYPES: Record<string, ChangeType> = {
  ADDED: 'added',
  MODIFIED: 'modified',
  DELETED: 'deleted',
  RENAMED: 'renamed',
  COPIED: 'copied',
  CHANGED: 'changed',
};

const REVIEW_STATES: Record<string, ReviewState> = {
  APPROVED: 'approved',
  CHANGES_REQUESTED: 'changes_requested',
  COMMENTED: 'commented',
  DISMISSED: 'dismissed',
  PENDING: 'pending',
};

const isBotName = (name: string | null | undefined) => typeof name === 'string' && /\[bot\]$/i.test(name);

/**
 * A login as users write it and REST, webhooks and the UI show it: GraphQL names a `Bot`
 * account `renovate`, everyone else `renovate[bot]`. The only place a GraphQL login becomes a
 * snapshot login, so every gate and every comparison (skip.authors, reviews, CODEOWNERS) sees
 * the `[bot]` form. Case is kept as GitHub spells it; comparisons ignore it, as GitHub does.
 */
export function githubLogin(actor: WireActor | null | undefined): string | null {
  const login = actor?.login;
  if (typeof login !== 'string' || login === '') return null;
  return actor?.__typename === 'Bot' && !isBotName(login) ? `${login}[bot]` : login;
}

/**
 * The git author addresses of the bot account that opened a pull request: its noreply
 * address with and without the account id (`49699333+dependabot[bot]@users.noreply.github.com`,
 * `dependabot[bot]@users.noreply.github.com`), on GitHub Enterprise Server under
 * `users.noreply.<host>` and `noreply.<host>` as well. Empty unless GitHub says the author
 * is a `Bot` account: git author names and emails are free text, and never make a bot alone.
 */
function botAuthorEmails(author: WirePull['author'], host: string): ReadonlySet<string> {
  const login = githubLogin(author);
  if (author?.__typename !== 'Bot' || !login) return new Set();
  const name = login.toLowerCase();
  const locals = typeof author.databaseId === 'number' ? [`${author.databaseId}+${name}`, name] : [name];
  const h = host.toLowerCase();
  const domains =
    h === 'github.com'
      ? ['users.noreply.github.com']
      : ['users.noreply.github.com', `users.noreply.${h}`, `noreply.${h}`];
  return new Set(locals.flatMap((local) => domains.map((domain) => `${local}@${domain}`)));
}

function toFile(w: WireFile): ChangedFile {
  return {
    path: w.path,
    changeType: CHANGE_TYPES[w.changeType ?? ''] ?? 'modified',
    additions: w.additions ?? 0,
    deletions: w.deletions ?? 0,
  };
}

/**
 * `botEmails`: the addresses of the bot account that opened the pull request
 * (`botAuthorEmails`). A commit is a bot's only when GitHub links it to no user account
 * (`GitActor.user` is typed `User`, so it is null for a bot) and its author email is one
 * of those addresses.
 */
function toCommit(w: { commit: WireCommit }, botEmails: ReadonlySet<string>): CommitInfo {
  const c = w.commit;
  const login = c.author?.user?.login ?? null;
  return {
    sha: c.oid,
    subject: (c.message ?? '').split('\n')[0] ?? '',
    message: c.message ?? '',
    authorName: c.author?.name ?? '',
    authorEmail: c.author?.email ?? '',
    authorLogin: login,
    authorIsBot: !c.author?.user && botEmails.has((c.author?.email ?? '').trim().toLowerCase()),
    parentCount: c.parents?.totalCount ?? 1,
    signature: c.signature
      ? { isValid: c.signature.isValid === true, state: (c.signature.state ?? 'unknown').toLowerCase() }
      : null,
  };
}

function toReview(w: WireReview): Review {
  return {
    author: githubLogin(w.author),
    state: REVIEW_STATES[w.state ?? ''] ?? 'commented',
    submittedAt: w.submittedAt ?? null,
    commitSha: w.commit?.oid ?? null,
  };
}

function toBaseFile(blob: WireBlob | null | undefined, path: string): BaseFile | null {
  if (!blob || !blob.oid) return null;
  return {
    path,
    oid: blob.oid,
    byteSize: blob.byteSize ?? 0,
    // A truncated text is never used as if it were whole; a binary blob has none.
    text: blob.isTruncated ? null : (blob.text ?? null),
    truncated: blob.isTruncated === true,
  };
}

/** GitHub's compare of the head with the base branch, or null when there is none (base deleted, not comparable). */
function toComparison(pull: WirePull): Comparison | null {
  const compare = pull.baseRef?.compare;
  if (!compare || typeof compare.behindBy !== 'number' || typeof compare.aheadBy !== 'number') return null;
  return { aheadBy: compare.aheadBy, behindBy: compare.behindBy };
}

function toSnapshot(
  req: LoadRequest,
  repo: WireRepository,
  pull: WirePull,
  baseSha: string,
  readAt: string,
): PullRequestSnapshot {
  const codeowners =
    toBaseFile(repo.codeownersGithub, CODEOWNERS_PATHS[0]) ??
    toBaseFile(repo.codeownersRoot, CODEOWNERS_PATHS[1]) ??
    toBaseFile(repo.codeownersDocs, CODEOWNERS_PATHS[2]);
  const state = pullState(pull.state);
  // GitHub's files.totalCount stops at the 3,000 files it lists; changedFiles is the true count.
  const files = capped({ ...pull.files, totalCount: pull.changedFiles }, toFile, GITHUB_LIMITS.maxFiles);
  const botEmails = botAuthorEmails(pull.author, req.host);
  return {
    repository: { owner: req.owner, name: req.repo, defaultBranch: repo.defaultBranchRef?.name ?? '', host: req.host },
    number: pull.number,
    title: pull.title ?? '',
    body: pull.body ?? '',
    author: {
      login: githubLogin(pull.author) ?? 'ghost',
      isBot: pull.author?.__typename === 'Bot' || isBotName(pull.author?.login),
    },
    isDraft: pull.isDraft === true,
    state,
    baseRef: pull.baseRefName ?? '',
    baseSha,
    headRef: pull.headRefName ?? '',
    headSha: pull.headRefOid ?? '',
    isCrossRepository: pull.isCrossRepository === true,
    labels: present(pull.labels?.nodes).map((l) => l.name),
    totals: {
      changedFiles: files.totalCount,
      additions: pull.additions ?? 0,
      deletions: pull.deletions ?? 0,
    },
    files,
    commits: capped(pull.commits, (c) => toCommit(c, botEmails), GITHUB_LIMITS.maxCommits),
    reviews: capped(pull.reviews, toReview),
    closingIssues: present(pull.closingIssuesReferences?.nodes).map((i) => ({
      number: i.number,
      repository: i.repository?.nameWithOwner ?? '',
    })),
    teams: {},
    base: {
      codeowners,
      gitattributes: toBaseFile(repo.gitattributes, GITATTRIBUTES_PATH),
      pullRequestTemplates: TEMPLATE_KEYS.flatMap(
        (key, i) => toBaseFile(repo[key], PULL_REQUEST_TEMPLATE_PATHS[i]!) ?? [],
      ),
    },
    createdAt: pull.createdAt ?? null,
    readAt,
    comparison: toComparison(pull),
  };
}

/**
 * The comments that may hold a command, and when the head commit arrived. Only a comment whose
 * kept start names `/gates` is kept, so a long conversation holds no memory past its conversion.
 */
function conversationOf(head: WireHead | null | undefined, pull: WirePull, headSha: string): Conversation {
  const page = pull.comments;
  const read = present(page?.nodes);
  const comments = read.flatMap((c): PullComment[] => {
    const body = (c.body ?? '').slice(0, COMMENT_TEXT_KEPT);
    if (!body.toLowerCase().includes(COMMAND_PREFIX) || typeof c.createdAt !== 'string' || typeof c.url !== 'string')
      return [];
    return [
      {
        author: githubLogin(c.author),
        body,
        createdAt: c.createdAt,
        edited: Boolean(c.lastEditedAt) || c.includesCreatedEdit === true,
        hidden: c.isMinimized === true,
        url: c.url,
      },
    ];
  });
  const truncated = page?.pageInfo?.hasPreviousPage === true || (page?.totalCount ?? read.length) > read.length;
  const onHead = head?.oid?.toLowerCase() === headSha.toLowerCase();
  const times = [
    ...(onHead ? present(head?.checkSuites?.nodes).map((s) => s.createdAt) : []),
    ...present(pull.forcePushes?.nodes).map((e) => e.createdAt),
  ].filter((t): t is string => typeof t === 'string' && !Number.isNaN(Date.parse(t)));
  const headArrivedAt = times.length === 0 ? null : times.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
  return { comments, truncated, headArrivedAt };
}

/** Open pull requests of this repository, other than `number`, whose head is `headSha`. */
function twinsOf(repo: WireRepository, number: number, headSha: string): TwinRef[] {
  if (!repo.id || repo.head?.oid?.toLowerCase() !== headSha.toLowerCase()) return [];
  const seen = new Set<number>([number]);
  return present(repo.head.associatedPullRequests?.nodes).flatMap((p) => {
    const ok =
      typeof p.number === 'number' &&
      p.state === 'OPEN' &&
      p.baseRepository?.id === repo.id &&
      p.headRefOid?.toLowerCase() === headSha.toLowerCase();
    if (!ok || seen.has(p.number as number)) return [];
    seen.add(p.number as number);
    return [{ number: p.number as number, baseSha: p.baseRefOid }];
  });
}

function existingRuns(head: WireHead | null | undefined, headSha: string): ExistingCheckRun[] {
  if (!head || head.oid?.toLowerCase() !== headSha.toLowerCase()) return [];
  return present(head.checkSuites?.nodes)
    .flatMap((suite) => present(suite.checkRuns?.nodes))
    .filter((run) => typeof run.databaseId === 'number' && typeof run.name === 'string')
    .map((run) => ({
      id: run.databaseId as number,
      name: run.name as string,
      status: (run.status ?? '').toLowerCase(),
      conclusion: run.conclusion ? run.conclusion.toLowerCase() : null,
      externalId: run.externalId ?? null,
    }));
}
