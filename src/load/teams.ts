/**
 * Team membership for code-owner review: the one place that reads who is in a team.
 *
 * CODEOWNERS names teams as `@org/team`; a team owner is satisfied by an approval from any
 * member (GitHub counts members of child teams too, so `membership: ALL`). The members of
 * every team one organisation needs are read in ONE GraphQL query, one alias per team;
 * a team with more than 100 members is paged with follow-up queries for that team only.
 *
 * Results are cached in memory for `ttlMs` (5 minutes by default), so a PR that is
 * re-evaluated on every review costs no team reads at all. A team the app cannot see
 * (GraphQL returns null, or a NOT_FOUND / FORBIDDEN error for it) resolves to `null`,
 * which the gate reports by name; any other error is thrown, wrapped, for the caller's
 * retry and error handling.
 *
 * Requires the organisation permission `members: read` (docs/behaviour.md#permissions-and-events).
 */
import { BoundedCache } from '../ops/bounded-cache.js';
import { SYSTEM_CLOCK } from '../ops/clock.js';

import type { PullRequestSnapshot } from '../../gates/snapshot.js';

/** Sends one GraphQL document. Rejections carry partial `data` and `errors` like Octokit's `GraphqlResponseError`. */
export type GraphqlClient = (query: string, variables: Record<string, unknown>) => Promise<unknown>;

/** GitHub's cap on `first` for a connection. */
export const MEMBERS_PAGE_SIZE = 100;
/** Teams of one organisation asked about in one query. More than this (rare) take more queries. */
export const TEAMS_PER_QUERY = 50;
/** Pages of 100 members read per team at most (5,000 members); beyond that the list is partial. */
export const MAX_MEMBER_PAGES = 50;

const MEMBERS = (after: string) =>
  `members(first: ${MEMBERS_PAGE_SIZE}${after}, membership: ALL) { totalCount pageInfo { hasNextPage endCursor } nodes { login } }`;

/**
 * The query for the members of `count` teams of one organisation, with variables `$org`
 * and `$s0` … `$s{count-1}` (team slugs); team `i` is returned under the alias `t{i}`.
 */
export function buildTeamMembersQuery(count: number): string {
  if (!Number.isInteger(count) || count < 1 || count > TEAMS_PER_QUERY) {
    throw new RangeError(`team count must be an integer from 1 to ${TEAMS_PER_QUERY}, got ${count}`);
  }
  const indexes = Array.from({ length: count }, (_, i) => i);
  return `
query QualityGatesTeamMembers($org: String!, ${indexes.map((i) => `$s${i}: String!`).join(', ')}) {
  organization(login: $org) {
${indexes.map((i) => `    t${i}: team(slug: $s${i}) { ${MEMBERS('')} }`).join('\n')}
  }
}`;
}

/** The query for one team, the simplest member of the family built by `buildTeamMembersQuery`. */
export const TEAM_MEMBERS_QUERY = buildTeamMembersQuery(1);

/** Further pages of one team's members: variables `$org`, `$slug`, `$after`. */
export const TEAM_MEMBERS_PAGE_QUERY = `
query QualityGatesTeamMembersPage($org: String!, $slug: String!, $after: String!) {
  organization(login: $org) {
    team(slug: $slug) { ${MEMBERS(', after: $after')} }
  }
}`;

/** Thrown when GitHub cannot be read; `cause` is the GitHub error. */
export class TeamsError extends Error {
  override readonly name = 'TeamsError';
}

export interface ResolvedTeams {
  /** Member logins (lower case) by `org/team` (lower case); `null` when the app cannot see the team. */
  readonly teams: Record<string, string[] | null>;
  /** GraphQL requests made (0 when everything came from the cache). */
  readonly requests: number;
}

export interface TeamCacheOptions {
  /** How long a team's members are reused. Default 5 minutes. */
  readonly ttlMs?: number;
  /** The clock, injectable for tests. */
  readonly now?: () => number;
  /** Most teams kept; the least recently used go first. Default 5,000. */
  readonly maxEntries?: number;
}

export interface ResolveOptions {
  /**
   * Separates cache entries of different installations or hosts (e.g. the installation id),
   * so one installation is never answered from what another could see.
   */
  readonly scope?: string | number;
}

export interface TeamCache {
  /**
   * Members of `teams` (`org/team`, any case): cached entries are served, the missing ones
   * fetched with one query per organisation (per 50 teams), plus member pages over 100.
   */
  resolveTeams(graphql: GraphqlClient, teams: readonly string[], options?: ResolveOptions): Promise<ResolvedTeams>;
  /** Entries held now (expired ones included until touched). */
  readonly size: number;
  clear(): void;
}

interface WireMembers {
  totalCount?: number;
  pageInfo?: { hasNextPage?: boolean; endCursor?: string | null };
  nodes?: ({ login?: string } | null)[] | null;
}
interface WireTeam {
  members?: WireMembers | null;
}
interface GraphqlErrorLike {
  type?: string;
  path?: readonly (string | number)[];
  message?: string;
}

/** A well-formed `org/team` key in lower case, or undefined. */
function teamKey(team: string): string | undefined {
  const key = team.trim().replace(/^@/, '').toLowerCase();
  return /^[a-z0-9][a-z0-9_-]*\/[a-z0-9_.-]+$/.test(key) ? key : undefined;
}

export function createTeamCache({
  ttlMs = 5 * 60_000,
  now = SYSTEM_CLOCK.now,
  maxEntries = 5_000,
}: TeamCacheOptions = {}): TeamCache {
  const cache = new BoundedCache<string, string[] | null>({ max: maxEntries, ttlMs, now });
  const cacheKey = (scope: string, team: string) => `${scope}\u0000${team}`;

  async function resolveTeams(
    graphql: GraphqlClient,
    teams: readonly string[],
    options: ResolveOptions = {},
  ): Promise<ResolvedTeams> {
    const scope = String(options.scope ?? '');
    const out: Record<string, string[] | null> = {};
    const missing = new Map<string, string[]>(); // org → slugs
    for (const team of teams) {
      const key = teamKey(team);
      if (!key) {
        out[team.toLowerCase()] = null;
        continue;
      }
      if (Object.hasOwn(out, key)) continue;
      const hit = cache.get(cacheKey(scope, key));
      if (hit !== undefined) {
        out[key] = hit;
        continue;
      }
      const [org, slug] = key.split('/') as [string, string];
      const slugs = missing.get(org) ?? [];
      if (!slugs.includes(slug)) slugs.push(slug);
      missing.set(org, slugs);
    }

    let requests = 0;
    for (const [org, slugs] of missing) {
      for (let i = 0; i < slugs.length; i += TEAMS_PER_QUERY) {
        const chunk = slugs.slice(i, i + TEAMS_PER_QUERY);
        const fetched = await fetchTeams(graphql, org, chunk);
        requests += fetched.requests;
        for (const [slug, members] of fetched.members) {
          const key = `${org}/${slug}`;
          out[key] = members;
          cache.set(cacheKey(scope, key), members);
        }
      }
    }
    return { teams: out, requests };
  }

  return {
    resolveTeams,
    get size() {
      return cache.size;
    },
    clear: () => cache.clear(),
  };
}

/** Errors that mean "this team (or organisation) cannot be seen": the answer is null, not a failure. */
const isInvisible = (e: GraphqlErrorLike) =>
  (e.type === 'NOT_FOUND' || e.type === 'FORBIDDEN') && e.path?.[0] === 'organization';

/**
 * Sends a query, returning partial data when every error only hides a team or the
 * organisation, with the aliases those errors name; any other failure throws.
 */
async function send(
  graphql: GraphqlClient,
  document: string,
  variables: Record<string, unknown>,
): Promise<{ data: unknown; hidden: Set<string> }> {
  try {
    return { data: await graphql(document, variables), hidden: new Set() };
  } catch (error) {
    const partial = error as { data?: unknown; errors?: GraphqlErrorLike[] } | null;
    const errors = partial?.errors ?? [];
    if (errors.length > 0 && errors.every(isInvisible)) {
      const hidden = new Set(errors.map((e) => String(e.path?.[1] ?? '*')));
      return { data: partial?.data ?? null, hidden };
    }
    throw new TeamsError('failed to read team members from GitHub', { cause: error });
  }
}

function logins(page: WireMembers | null | undefined): string[] {
  return (page?.nodes ?? []).flatMap((n) => (n && typeof n.login === 'string' ? [n.login.toLowerCase()] : []));
}

async function fetchTeams(
  graphql: GraphqlClient,
  org: string,
  slugs: readonly string[],
): Promise<{ members: Map<string, string[] | null>; requests: number }> {
  const variables: Record<string, unknown> = { org };
  slugs.forEach((slug, i) => (variables[`s${i}`] = slug));
  let requests = 1;
  const { data, hidden } = await send(graphql, buildTeamMembersQuery(slugs.length), variables);
  const organization = (data as { organization?: Record<string, WireTeam | null> | null } | null)?.organization;

  const members = new Map<string, string[] | null>();
  for (const [i, slug] of slugs.entries()) {
    const alias = `t${i}`;
    const team = organization?.[alias];
    if (!organization || hidden.has('*') || hidden.has(alias) || !team?.members) {
      members.set(slug, null);
      continue;
    }
    const list = logins(team.members);
    let pageInfo = team.members.pageInfo;
    let pages = 1;
    while (pageInfo?.hasNextPage && pageInfo.endCursor && pages < MAX_MEMBER_PAGES) {
      requests++;
      pages++;
      const page = await send(graphql, TEAM_MEMBERS_PAGE_QUERY, { org, slug, after: pageInfo.endCursor });
      const next = (page.data as { organization?: { team?: WireTeam | null } | null } | null)?.organization?.team
        ?.members;
      if (page.hidden.size > 0 || !next) break; // the team went out of sight: keep what was read
      list.push(...logins(next));
      pageInfo = next.pageInfo;
    }
    members.set(slug, [...new Set(list)]);
  }
  return { members, requests };
}

/**
 * The loader's team step: `pr` with `teams` holding the members of `needed` (`org/team`), read
 * through the cache (a warm evaluation costs no request; a cold one a query per organisation).
 * What needs teams (a gate's `teams`, `overrides.allowed`) is the caller's list; `pr` is returned
 * as it is when the list is empty or there is no cache.
 */
export async function withTeamMembers(
  cache: TeamCache | undefined,
  graphql: GraphqlClient,
  pr: PullRequestSnapshot,
  needed: readonly string[],
  options: ResolveOptions = {},
): Promise<PullRequestSnapshot> {
  const teams = [...new Set(needed)].sort();
  if (!cache || teams.length === 0) return pr;
  const resolved = await cache.resolveTeams(graphql, teams, options);
  return { ...pr, teams: { ...pr.teams, ...resolved.teams } };
}
