import { validate } from '@octokit/graphql-schema';
import { Kind, parse, visit } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  buildTeamMembersQuery,
  createTeamCache,
  MEMBERS_PAGE_SIZE,
  TEAM_MEMBERS_PAGE_QUERY,
  TEAM_MEMBERS_QUERY,
  TEAMS_PER_QUERY,
  TeamsError,
  type GraphqlClient,
} from '../../src/load/teams.js';

/** A GraphQL error as Octokit's `GraphqlResponseError` carries it. */
class FakeGraphqlError extends Error {
  constructor(
    readonly data: unknown,
    readonly errors: { type?: string; path?: (string | number)[]; message: string }[],
  ) {
    super(errors.map((e) => e.message).join('; '));
  }
}

type TeamState = string[] | 'null' | 'forbidden' | 'not-found';

/**
 * A fake GitHub answering the two team documents from a table of organisations and teams,
 * paging members 100 at a time like GitHub. Records every request.
 */
function fakeGithub(orgs: Record<string, Record<string, TeamState> | 'not-found'>) {
  const calls: { query: string; variables: Record<string, unknown> }[] = [];
  const page = (members: string[], after: unknown) => {
    const start = typeof after === 'string' ? Number(after.replace('cursor-', '')) : 0;
    const nodes = members.slice(start, start + MEMBERS_PAGE_SIZE).map((login) => ({ login }));
    const end = start + nodes.length;
    return {
      totalCount: members.length,
      pageInfo: { hasNextPage: end < members.length, endCursor: `cursor-${end}` },
      nodes,
    };
  };
  const graphql: GraphqlClient = async (query, variables) => {
    calls.push({ query, variables });
    const org = orgs[String(variables.org)];
    if (org === undefined || org === 'not-found') {
      throw new FakeGraphqlError({ organization: null }, [
        { type: 'NOT_FOUND', path: ['organization'], message: 'Could not resolve to an Organization' },
      ]);
    }
    if (query.includes('QualityGatesTeamMembersPage')) {
      const team = org[String(variables.slug)];
      return { organization: { team: Array.isArray(team) ? { members: page(team, variables.after) } : null } };
    }
    const organization: Record<string, unknown> = {};
    const errors: { type: string; path: string[]; message: string }[] = [];
    for (const [name, slug] of Object.entries(variables)) {
      const match = /^s(\d+)$/.exec(name);
      if (!match) continue;
      const alias = `t${match[1]}`;
      const team = org[String(slug)];
      if (Array.isArray(team)) organization[alias] = { members: page(team, null) };
      else {
        organization[alias] = null;
        if (team === 'forbidden')
          errors.push({
            type: 'FORBIDDEN',
            path: ['organization', alias],
            message: 'Resource not accessible by integration',
          });
        if (team === 'not-found')
          errors.push({ type: 'NOT_FOUND', path: ['organization', alias], message: 'Not found' });
      }
    }
    if (errors.length > 0) throw new FakeGraphqlError({ organization }, errors);
    return { organization };
  };
  return { graphql, calls };
}

const members = (n: number, prefix = 'User') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

const firstArguments = (document: string) => {
  const sizes: number[] = [];
  visit(parse(document), {
    Argument(node) {
      if ((node.name.value === 'first' || node.name.value === 'last') && node.value.kind === Kind.INT)
        sizes.push(Number(node.value.value));
    },
  });
  return sizes;
};

describe('team documents', () => {
  const documents = [
    ...[1, 2, 3, 7, TEAMS_PER_QUERY].map((n) => [`buildTeamMembersQuery(${n})`, buildTeamMembersQuery(n)] as const),
    ['TEAM_MEMBERS_QUERY', TEAM_MEMBERS_QUERY] as const,
    ['TEAM_MEMBERS_PAGE_QUERY', TEAM_MEMBERS_PAGE_QUERY] as const,
  ];

  it.each(documents)('%s validates against GitHub’s schema', (_name, document) => {
    expect(validate(document)).toEqual([]);
  });

  it.each(documents)('%s asks for at most 100 nodes per connection', (_name, document) => {
    const sizes = firstArguments(document);
    expect(sizes.length).toBeGreaterThan(0);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(100);
  });

  it('aliases one team per slug variable', () => {
    const document = buildTeamMembersQuery(3);
    for (const i of [0, 1, 2]) {
      expect(document).toContain(`$s${i}: String!`);
      expect(document).toContain(`t${i}: team(slug: $s${i})`);
    }
    expect(document).not.toContain('$s3');
  });

  it('rejects counts it cannot build', () => {
    expect(() => buildTeamMembersQuery(0)).toThrow(RangeError);
    expect(() => buildTeamMembersQuery(TEAMS_PER_QUERY + 1)).toThrow(RangeError);
    expect(() => buildTeamMembersQuery(1.5)).toThrow(RangeError);
  });

  it('the schema check can fail', () => {
    expect(validate('query { organization(login: "a") { team(slug: "b") { noSuchField } } }').length).toBeGreaterThan(
      0,
    );
  });
});

describe('createTeamCache().resolveTeams', () => {
  it('reads every team of one organisation in one request, with member logins in lower case', async () => {
    const github = fakeGithub({ acme: { payments: ['Bob', 'Carol'], web: ['Dana'], docs: [] } });
    const cache = createTeamCache();
    const res = await cache.resolveTeams(github.graphql, ['acme/payments', '@ACME/Web', 'acme/docs', 'acme/payments']);
    expect(res).toEqual({
      teams: { 'acme/payments': ['bob', 'carol'], 'acme/web': ['dana'], 'acme/docs': [] },
      requests: 1,
    });
    expect(github.calls).toHaveLength(1);
    expect(github.calls[0]!.variables).toEqual({ org: 'acme', s0: 'payments', s1: 'web', s2: 'docs' });
    expect(validate(github.calls[0]!.query)).toEqual([]);
  });

  it('makes one request per organisation', async () => {
    const github = fakeGithub({ acme: { a: ['x'], b: ['y'] }, globex: { c: ['z'] } });
    const res = await createTeamCache().resolveTeams(github.graphql, ['acme/a', 'globex/c', 'acme/b']);
    expect(res.requests).toBe(2);
    expect(github.calls.map((c) => c.variables.org)).toEqual(['acme', 'globex']);
    expect(res.teams).toEqual({ 'acme/a': ['x'], 'acme/b': ['y'], 'globex/c': ['z'] });
  });

  it('splits an organisation’s teams over queries of at most 50', async () => {
    const slugs = Array.from({ length: TEAMS_PER_QUERY + 5 }, (_, i) => `t${i}`);
    const github = fakeGithub({ acme: Object.fromEntries(slugs.map((s) => [s, [s]])) });
    const res = await createTeamCache().resolveTeams(
      github.graphql,
      slugs.map((s) => `acme/${s}`),
    );
    expect(res.requests).toBe(2);
    expect(Object.keys(res.teams)).toHaveLength(slugs.length);
    expect(res.teams['acme/t54']).toEqual(['t54']);
  });

  it('serves cached teams within the TTL and fetches only the missing ones', async () => {
    let now = 1_000;
    const github = fakeGithub({ acme: { a: ['x'], b: ['y'] } });
    const cache = createTeamCache({ ttlMs: 60_000, now: () => now });
    expect((await cache.resolveTeams(github.graphql, ['acme/a'])).requests).toBe(1);
    now += 59_999;
    const second = await cache.resolveTeams(github.graphql, ['acme/a']);
    expect(second).toEqual({ teams: { 'acme/a': ['x'] }, requests: 0 });
    const third = await cache.resolveTeams(github.graphql, ['acme/a', 'acme/b']);
    expect(third).toEqual({ teams: { 'acme/a': ['x'], 'acme/b': ['y'] }, requests: 1 });
    expect(github.calls[1]!.variables).toEqual({ org: 'acme', s0: 'b' });
  });

  it('fetches again once an entry expires (5 minutes by default)', async () => {
    let now = 0;
    const github = fakeGithub({ acme: { a: ['x'] } });
    const cache = createTeamCache({ now: () => now });
    await cache.resolveTeams(github.graphql, ['acme/a']);
    now = 5 * 60_000 - 1;
    expect((await cache.resolveTeams(github.graphql, ['acme/a'])).requests).toBe(0);
    now = 5 * 60_000;
    expect((await cache.resolveTeams(github.graphql, ['acme/a'])).requests).toBe(1);
    expect(github.calls).toHaveLength(2);
  });

  it('pages members over 100 with follow-up queries for that team only', async () => {
    const github = fakeGithub({ acme: { big: members(250), small: ['s'] } });
    const res = await createTeamCache().resolveTeams(github.graphql, ['acme/big', 'acme/small']);
    expect(res.requests).toBe(3);
    expect(res.teams['acme/big']).toHaveLength(250);
    expect(res.teams['acme/big']![249]).toBe('user249');
    expect(res.teams['acme/small']).toEqual(['s']);
    const pages = github.calls.slice(1);
    expect(pages.map((c) => c.variables)).toEqual([
      { org: 'acme', slug: 'big', after: 'cursor-100' },
      { org: 'acme', slug: 'big', after: 'cursor-200' },
    ]);
    for (const c of pages) expect(c.query).toBe(TEAM_MEMBERS_PAGE_QUERY);
  });

  it('resolves a team GraphQL returns null for to null, and caches that', async () => {
    const github = fakeGithub({ acme: { a: ['x'], gone: 'null' } });
    const cache = createTeamCache();
    const res = await cache.resolveTeams(github.graphql, ['acme/a', 'acme/gone']);
    expect(res.teams).toEqual({ 'acme/a': ['x'], 'acme/gone': null });
    expect((await cache.resolveTeams(github.graphql, ['acme/gone'])).requests).toBe(0);
  });

  it.each(['forbidden', 'not-found'] as const)(
    'resolves a team with a %s partial error to null and keeps the others',
    async (state) => {
      const github = fakeGithub({ acme: { a: ['x'], hidden: state, b: ['y'] } });
      const res = await createTeamCache().resolveTeams(github.graphql, ['acme/a', 'acme/hidden', 'acme/b']);
      expect(res).toEqual({ teams: { 'acme/a': ['x'], 'acme/hidden': null, 'acme/b': ['y'] }, requests: 1 });
    },
  );

  it('resolves every team of an organisation it cannot find to null', async () => {
    const github = fakeGithub({ acme: { a: ['x'] }, other: 'not-found' });
    const res = await createTeamCache().resolveTeams(github.graphql, ['other/a', 'other/b', 'acme/a']);
    expect(res.teams).toEqual({ 'other/a': null, 'other/b': null, 'acme/a': ['x'] });
    expect(res.requests).toBe(2);
  });

  it('throws other errors, wrapped with their cause, and caches nothing', async () => {
    const cause = new FakeGraphqlError(null, [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded' }]);
    let fail = true;
    const github = fakeGithub({ acme: { a: ['x'] } });
    const graphql: GraphqlClient = async (q, v) => {
      if (fail) throw cause;
      return github.graphql(q, v);
    };
    const cache = createTeamCache();
    const error = await cache.resolveTeams(graphql, ['acme/a']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeamsError);
    expect((error as Error).message).toBe('failed to read team members from GitHub');
    expect((error as Error).cause).toBe(cause);
    expect(cache.size).toBe(0);
    fail = false;
    expect(await cache.resolveTeams(graphql, ['acme/a'])).toEqual({ teams: { 'acme/a': ['x'] }, requests: 1 });
  });

  it('throws a network failure, too', async () => {
    const graphql: GraphqlClient = async () => {
      throw new Error('socket hang up');
    };
    await expect(createTeamCache().resolveTeams(graphql, ['acme/a'])).rejects.toBeInstanceOf(TeamsError);
  });

  it('keeps installations apart with a scope', async () => {
    const github = fakeGithub({ acme: { a: ['x'] } });
    const cache = createTeamCache();
    await cache.resolveTeams(github.graphql, ['acme/a'], { scope: 1 });
    expect((await cache.resolveTeams(github.graphql, ['acme/a'], { scope: 1 })).requests).toBe(0);
    expect((await cache.resolveTeams(github.graphql, ['acme/a'], { scope: 2 })).requests).toBe(1);
  });

  it('answers null for a malformed team name without asking GitHub', async () => {
    const github = fakeGithub({});
    const res = await createTeamCache().resolveTeams(github.graphql, ['not-a-team', 'a/b/c']);
    expect(res).toEqual({ teams: { 'not-a-team': null, 'a/b/c': null }, requests: 0 });
  });

  it('makes no request when no team is asked for', async () => {
    const github = fakeGithub({});
    expect(await createTeamCache().resolveTeams(github.graphql, [])).toEqual({ teams: {}, requests: 0 });
    expect(github.calls).toHaveLength(0);
  });

  it('stays bounded, dropping the least recently used team', async () => {
    const github = fakeGithub({ acme: { a: ['1'], b: ['2'], c: ['3'], d: ['4'] } });
    const cache = createTeamCache({ maxEntries: 3 });
    await cache.resolveTeams(github.graphql, ['acme/a', 'acme/b', 'acme/c']);
    await cache.resolveTeams(github.graphql, ['acme/a']); // a is now the most recent
    await cache.resolveTeams(github.graphql, ['acme/d']); // drops b
    expect(cache.size).toBe(3);
    expect((await cache.resolveTeams(github.graphql, ['acme/a', 'acme/c', 'acme/d'])).requests).toBe(0);
    expect((await cache.resolveTeams(github.graphql, ['acme/b'])).requests).toBe(1);
  });
});
