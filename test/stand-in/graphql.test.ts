/**
 * The stand-in's GraphQL: documents executed against GitHub's schema, only the fields asked
 * come back, and GitHub's own rules and behaviours on top (paging, NOT_FOUND, caps, bots,
 * blobs, forks, the commit graph).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { GitHubModel } from './github-model.js';
import { EXAMPLE_BASE as BASE, EXAMPLE_HEAD as HEAD, GIT_SIGNATURE_STATES, type Commit } from './model.js';

let gh: GitHubModel;
let token: string;

beforeEach(() => {
  gh = new GitHubModel({ owner: 'acme', repo: 'api' });
  token = gh.installationToken();
});

/** Sends one document as the installation and returns GitHub's JSON answer. */
function query(document: string, variables: Record<string, unknown> = {}, as = token): { data?: any; errors?: any[] } {
  const answer = gh.standIn.handle({
    method: 'POST',
    path: '/graphql',
    headers: { authorization: `token ${as}` },
    body: { query: document, variables },
  });
  if (answer === 'drop') throw new Error('dropped');
  expect(answer.status).toBe(200);
  return answer.body as { data?: any; errors?: any[] };
}

const pull = (fields: string, number = 1) =>
  query(`query { repository(owner: "acme", name: "api") { pullRequest(number: ${number}) { ${fields} } } }`);
const commits = (n: number, prefix = 'c'): Commit[] =>
  Array.from({ length: n }, (_, i) => ({ oid: `${prefix}${i}`.padEnd(40, '0').slice(0, 40), message: `commit ${i}` }));

describe('only the fields asked come back', () => {
  it('a field missing from the query is missing from the answer', () => {
    gh.addPull({ number: 1, title: 'Add refunds', body: 'Fixes #1' });
    expect(pull('title').data).toEqual({ repository: { pullRequest: { title: 'Add refunds' } } });
    const { data } = pull('commits(first: 1) { nodes { commit { oid message } } }');
    expect(data.repository.pullRequest.commits.nodes[0].commit).toEqual({ oid: HEAD, message: 'Update the README' });
    expect(Object.keys(data.repository.pullRequest.commits.nodes[0].commit)).not.toContain('signature');
  });

  it('aliases, fragments and __typename work as GitHub answers them', () => {
    gh.addPull({ number: 1 });
    const { data } = query(
      `query { r: repository(owner: "acme", name: "api") { __typename ...F } } fragment F on Repository { p: pullRequest(number: 1) { n: number } }`,
    );
    expect(data).toEqual({ r: { __typename: 'Repository', p: { n: 1 } } });
  });

  it('a field the stand-in does not model is an error naming it, and a violation', () => {
    gh.addPull({ number: 1 });
    const { data, errors } = pull('title viewerCanUpdate');
    expect(data.repository.pullRequest).toBeNull(); // viewerCanUpdate is non-null: the error nulls its parent
    expect(errors![0]).toMatchObject({
      type: 'STAND_IN_UNSUPPORTED',
      message: expect.stringContaining('PullRequest.viewerCanUpdate'),
    });
    expect(gh.standIn.takeViolations()).toEqual([
      expect.objectContaining({ kind: 'unsupported', message: expect.stringContaining('PullRequest.viewerCanUpdate') }),
    ]);
  });

  it('an argument the stand-in does not model is an error too', () => {
    gh.addPull({ number: 1 });
    const { errors } = pull('labels(first: 5, orderBy: { field: NAME, direction: ASC }) { nodes { name } }');
    expect(errors![0].message).toContain('argument `orderBy` of `PullRequest.labels`');
    expect(gh.standIn.takeViolations()).toHaveLength(1);
  });

  it('a required variable left out is refused before anything runs, and is a violation', () => {
    const answer = query(
      'query($n: Int!) { repository(owner: "acme", name: "api") { pullRequest(number: $n) { title } } }',
    );
    expect(answer.data).toBeUndefined();
    expect(answer.errors![0].message).toBe('Variable "$n" of required type "Int!" was not provided.');
    expect(gh.standIn.takeViolations()).toEqual([expect.objectContaining({ kind: 'rejected-graphql' })]);
  });

  it('a document GitHub’s schema rejects is answered with errors only, and is a violation', () => {
    const answer = query('query { repository(owner: "acme", name: "api") { noSuchField } }');
    expect(answer.data).toBeUndefined();
    expect(answer.errors![0].message).toContain('noSuchField');
    expect(gh.standIn.takeViolations()).toEqual([expect.objectContaining({ kind: 'rejected-graphql' })]);
  });
});

describe('GitHub’s pagination rules', () => {
  beforeEach(() => void gh.addPull({ number: 1 }));

  it('a connection that lists nodes or edges needs first or last', () => {
    const answer = pull('files { nodes { path } }');
    expect(answer.data).toBeNull();
    expect(answer.errors).toEqual([
      {
        type: 'MISSING_PAGINATION_BOUNDARIES',
        path: ['repository', 'pullRequest', 'files'],
        message: 'You must provide a `first` or `last` value to properly paginate the `files` connection.',
      },
    ]);
    expect(gh.standIn.takeViolations()).toHaveLength(1);
    expect(pull('reviews { edges { cursor } }').errors![0].type).toBe('MISSING_PAGINATION_BOUNDARIES');
    gh.standIn.takeViolations();
  });

  it('one that only counts does not', () => {
    expect(pull('files { totalCount pageInfo { hasNextPage } } commit: commits { totalCount }').data).toEqual({
      repository: {
        pullRequest: { files: { totalCount: 1, pageInfo: { hasNextPage: false } }, commit: { totalCount: 1 } },
      },
    });
  });

  it('at most 100, literal or variable; both first and last is refused', () => {
    expect(pull('files(first: 101) { nodes { path } }').errors![0]).toMatchObject({
      type: 'EXCESSIVE_PAGINATION',
      message: 'Requesting 101 records on the `files` connection exceeds the `first` limit of 100 records.',
    });
    const byVariable = query(
      'query($n: Int) { repository(owner: "acme", name: "api") { pullRequest(number: 1) { labels(last: $n) { nodes { name } } } } }',
      { n: 500 },
    );
    expect(byVariable.errors![0].type).toBe('EXCESSIVE_PAGINATION');
    expect(pull('files(first: 1, last: 1) { nodes { path } }').errors![0].message).toContain(
      'Passing both `first` and `last`',
    );
    expect(pull('files(first: 100) { nodes { path } }').errors).toBeUndefined();
    gh.standIn.takeViolations();
  });

  it('a connection left out by @include(if: false) is not checked', () => {
    const doc =
      'query($on: Boolean!) { repository(owner: "acme", name: "api") { pullRequest(number: 1) { number files @include(if: $on) { nodes { path } } } } }';
    expect(query(doc, { on: false }).data).toEqual({ repository: { pullRequest: { number: 1 } } });
    expect(query(doc, { on: true }).errors![0].type).toBe('MISSING_PAGINATION_BOUNDARIES');
    gh.standIn.takeViolations();
  });

  it('more than 500,000 nodes in one document is refused', () => {
    const answer = query(
      'query { repository(owner: "acme", name: "api") { pullRequests(first: 100) { nodes { commits(first: 100) { nodes { commit { checkSuites(first: 100) { nodes { id } } } } } } } } }',
    );
    expect(answer.errors![0]).toMatchObject({
      type: 'MAX_NODE_LIMIT_EXCEEDED',
      message: expect.stringContaining('1,010,100'),
    });
    gh.standIn.takeViolations();
  });
});

describe('paging with cursors', () => {
  it('pages forwards with after, backwards with last and before', () => {
    gh.addPull({
      number: 1,
      files: Array.from({ length: 250 }, (_, i) => ({ path: `f${i}`, additions: 1, deletions: 0 })),
    });
    const page = (args: string) =>
      pull(
        `files(${args}) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { path } }`,
      ).data.repository.pullRequest.files;
    const first = page('first: 100');
    expect(first.nodes).toHaveLength(100);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = page(`first: 100, after: "${first.pageInfo.endCursor}"`);
    expect(second.nodes[0].path).toBe('f100');
    const third = page(`first: 100, after: "${second.pageInfo.endCursor}"`);
    expect(third.nodes.map((n: { path: string }) => n.path)).toEqual(
      Array.from({ length: 50 }, (_, i) => `f${200 + i}`),
    );
    expect(third.pageInfo.hasNextPage).toBe(false);
    expect(page('last: 2').nodes).toEqual([{ path: 'f248' }, { path: 'f249' }]);
    expect(page(`last: 2, before: "${second.pageInfo.startCursor}"`).nodes).toEqual([{ path: 'f98' }, { path: 'f99' }]);
    expect(first.totalCount).toBe(250);
  });

  it('a cursor GitHub did not give is refused', () => {
    gh.addPull({ number: 1 });
    expect(pull('files(first: 1, after: "bogus") { nodes { path } }').errors![0]).toMatchObject({
      type: 'INVALID_CURSOR_ARGUMENTS',
      message: '`after` does not appear to be a valid cursor.',
    });
  });
});

describe('NOT_FOUND partial errors', () => {
  it('a missing repository: data null at that field, the rest answered', () => {
    gh.addPull({ number: 1 });
    const answer = query(
      'query { repository(owner: "acme", name: "api") { name } org: repository(owner: "acme", name: ".github") { name } }',
    );
    expect(answer.data).toEqual({ repository: { name: 'api' }, org: null });
    expect(answer.errors).toEqual([
      {
        type: 'NOT_FOUND',
        path: ['org'],
        locations: [{ line: 1, column: 57 }],
        message: "Could not resolve to a Repository with the name 'acme/.github'.",
      },
    ]);
  });

  it('a private repository of another installation is not found either; a public one is read', () => {
    gh.world.addRepository('other/secret', { isPrivate: true, defaultBranchOid: BASE });
    gh.world.addRepository('other/open', { defaultBranchOid: BASE });
    const answer = query(
      'query { a: repository(owner: "other", name: "secret") { name } b: repository(owner: "other", name: "open") { name } }',
    );
    expect(answer.data).toEqual({ a: null, b: { name: 'open' } });
    expect(answer.errors![0].message).toBe("Could not resolve to a Repository with the name 'other/secret'.");
  });

  it('a missing pull request, team, user or organisation', () => {
    gh.setTeam('core', ['alice']);
    expect(pull('number', 99).errors).toEqual([
      expect.objectContaining({
        type: 'NOT_FOUND',
        path: ['repository', 'pullRequest'],
        message: 'Could not resolve to a PullRequest with the number of 99.',
      }),
    ]);
    const teams = query(
      'query { organization(login: "acme") { core: team(slug: "core") { slug } gone: team(slug: "gone") { slug } } }',
    );
    expect(teams.data).toEqual({ organization: { core: { slug: 'core' }, gone: null } });
    expect(teams.errors).toEqual([expect.objectContaining({ type: 'NOT_FOUND', path: ['organization', 'gone'] })]);
    expect(query('query { user(login: "nobody") { login } }').errors![0]).toMatchObject({
      type: 'NOT_FOUND',
      path: ['user'],
      message: "Could not resolve to a User with the login of 'nobody'.",
    });
    expect(query('query { organization(login: "nobody") { login } }').errors![0]).toMatchObject({
      type: 'NOT_FOUND',
      message: "Could not resolve to an Organization with the login of 'nobody'.",
    });
  });

  it('teams of an organisation the app is not installed on are not visible', () => {
    gh.world.setTeam('other', 'core', ['alice']);
    expect(query('query { organization(login: "other") { team(slug: "core") { slug } } }').errors![0].type).toBe(
      'NOT_FOUND',
    );
  });
});

describe('GitHub’s caps', () => {
  // GitHub counts only the files it lists: over 3,000, `files.totalCount` says 3,000 and only
  // `changedFiles` is true (https://github.com/DefinitelyTyped/dt-mergebot/pull/420).
  it('lists at most 3,000 files; files.totalCount stops at 3,000, changedFiles stays true', () => {
    gh.addPull({
      number: 1,
      files: Array.from({ length: 3050 }, (_, i) => ({ path: `f${i}`, additions: 1, deletions: 0 })),
    });
    const files = (after?: string) =>
      pull(
        `changedFiles files(first: 100${after ? `, after: "${after}"` : ''}) { totalCount pageInfo { hasNextPage endCursor } nodes { path } }`,
      ).data.repository.pullRequest;
    let page = files();
    expect(page.changedFiles).toBe(3050);
    expect(page.files.totalCount).toBe(3000);
    let listed = page.files.nodes.length;
    while (page.files.pageInfo.hasNextPage) {
      page = files(page.files.pageInfo.endCursor);
      listed += page.files.nodes.length;
    }
    expect(listed).toBe(3000);
    expect(page.files.nodes.at(-1).path).toBe('f2999');
  });

  it('lists at most 250 commits; totalCount stays true', () => {
    gh.addPull({ number: 1, commits: commits(300) });
    const c = pull('commits(last: 100) { totalCount pageInfo { hasNextPage } nodes { commit { message } } }').data
      .repository.pullRequest.commits;
    expect(c.totalCount).toBe(300);
    expect(c.nodes.at(-1).commit.message).toBe('commit 249');
  });
});

describe('accounts as GitHub names them', () => {
  it('a bot is `Bot` named without [bot] in GraphQL; a user is `User`', () => {
    gh.addPull({
      number: 1,
      author: 'renovate[bot]',
      reviews: [
        { login: 'copilot-pull-request-reviewer[bot]', state: 'COMMENTED' },
        { login: 'alice', state: 'APPROVED' },
      ],
    });
    gh.addPull({ number: 2, author: 'dependabot', authorType: 'Bot' });
    const p = pull(
      'author { __typename login ... on Bot { url } } reviews(first: 5) { nodes { author { __typename login } } }',
    ).data.repository.pullRequest;
    expect(p.author).toEqual({ __typename: 'Bot', login: 'renovate', url: 'https://github.com/apps/renovate' });
    expect(p.reviews.nodes.map((n: any) => n.author)).toEqual([
      { __typename: 'Bot', login: 'copilot-pull-request-reviewer' },
      { __typename: 'User', login: 'alice' },
    ]);
    expect(pull('author { __typename login }', 2).data.repository.pullRequest.author).toEqual({
      __typename: 'Bot',
      login: 'dependabot',
    });
    expect(gh.pulls.get(2)!.author).toBe('dependabot[bot]'); // REST and webhooks keep the suffix
  });

  it('a bot’s commits link no user (a Bot is not a User)', () => {
    gh.addPull({
      number: 1,
      commits: [
        {
          oid: HEAD,
          message: 'Bump',
          authorName: 'dependabot[bot]',
          authorEmail: '49699333+dependabot[bot]@users.noreply.github.com',
          authorLogin: 'dependabot[bot]',
        },
      ],
    });
    const c = pull('commits(first: 1) { nodes { commit { author { name email user { login } } } } }').data.repository
      .pullRequest.commits.nodes[0].commit;
    expect(c.author).toEqual({
      name: 'dependabot[bot]',
      email: '49699333+dependabot[bot]@users.noreply.github.com',
      user: null,
    });
  });

  it('a user renamed since approving shows the new login everywhere', () => {
    gh.setTeam('core', ['alice']);
    gh.addPull({ number: 1, reviews: [{ login: 'alice', state: 'APPROVED', commitOid: HEAD }] });
    gh.world.rename('alice', 'alice-new');
    expect(
      pull('reviews(first: 1) { nodes { author { login } } }').data.repository.pullRequest.reviews.nodes[0].author
        .login,
    ).toBe('alice-new');
    expect(
      query('query { organization(login: "acme") { team(slug: "core") { members(first: 5) { nodes { login } } } } }')
        .data.organization.team.members.nodes,
    ).toEqual([{ login: 'alice-new' }]);
  });

  it('a member who left the team is no longer listed; ALL counts child teams, IMMEDIATE does not', () => {
    gh.world.setTeam('acme', 'core', ['alice', 'bob']);
    gh.world.setTeam('acme', 'core-db', ['carol'], { parent: 'core' });
    const members = (membership: string) =>
      query(
        `query { organization(login: "acme") { team(slug: "core") { members(first: 10, membership: ${membership}) { totalCount nodes { login } } } } }`,
      ).data.organization.team.members;
    expect(members('ALL').nodes.map((n: any) => n.login)).toEqual(['alice', 'bob', 'carol']);
    expect(members('IMMEDIATE').totalCount).toBe(2);
    gh.world.team('acme', 'core')!.members = ['alice'];
    expect(members('ALL').nodes.map((n: any) => n.login)).toEqual(['alice', 'carol']);
  });
});

describe('blobs as GitHub gives them', () => {
  const blob = (expression: string) =>
    query(
      `query($e: String!) { repository(owner: "acme", name: "api") { object(expression: $e) { __typename ... on Blob { oid byteSize isBinary isTruncated text } } } }`,
      { e: expression },
    ).data.repository.object;

  it('text null for a binary blob; cut at 512 KB with isTruncated, byteSize true', () => {
    gh.setBlob(BASE, 'logo.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]));
    gh.setBlob(BASE, 'big.txt', 'x'.repeat(600 * 1024));
    expect(blob(`${BASE}:logo.png`)).toMatchObject({ isBinary: true, text: null, byteSize: 7, isTruncated: false });
    const big = blob(`${BASE}:big.txt`);
    expect(big).toMatchObject({ isBinary: false, isTruncated: true, byteSize: 600 * 1024 });
    expect(big.text).toHaveLength(512 * 1024);
    expect(blob(`${BASE}:missing.txt`)).toBeNull();
    expect(blob(`${'0'.repeat(40)}:big.txt`)).toBeNull();
  });

  it('a blob oid is git’s; HEAD and branch names resolve; a commit shows its parent’s files', () => {
    gh.setBlob(BASE, 'a.txt', 'hello\n');
    gh.addPull({ number: 1 });
    expect(blob(`${BASE}:a.txt`).oid).toBe('ce013625030ba8dba906f756967f9e9ca394464a'); // git hash-object
    expect(blob('HEAD:a.txt').text).toBe('hello\n');
    expect(blob('main:a.txt').text).toBe('hello\n');
    expect(blob(`${HEAD}:a.txt`).text).toBe('hello\n');
    gh.setBlob(HEAD, 'a.txt', null);
    expect(blob(`${HEAD}:a.txt`)).toBeNull();
  });

  it('a directory is a Tree with entries', () => {
    gh.setBlob(BASE, '.github/PULL_REQUEST_TEMPLATE/bug.md', 'bug');
    gh.setBlob(BASE, '.github/PULL_REQUEST_TEMPLATE/feature.md', 'feature');
    const tree = query(
      `query { repository(owner: "acme", name: "api") { object(expression: "${BASE}:.github/PULL_REQUEST_TEMPLATE") { __typename ... on Tree { entries { name type object { ... on Blob { text } } } } } } }`,
    ).data.repository.object;
    expect(tree).toEqual({
      __typename: 'Tree',
      entries: [
        { name: 'bug.md', type: 'blob', object: { text: 'bug' } },
        { name: 'feature.md', type: 'blob', object: { text: 'feature' } },
      ],
    });
  });
});

describe('pull requests', () => {
  it('the fields the planned gates read: createdAt, comments, timeline, check suites', () => {
    gh.world.clock = () => Date.parse('2026-03-01T10:00:00Z');
    const p = gh.addPull({ number: 1 });
    gh.world.comment(p, {
      author: 'lead',
      body: '/gates override batch-size hotfix for the outage',
      createdAt: '2026-03-01T11:00:00Z',
      lastEditedAt: '2026-03-01T11:05:00Z',
    });
    const answer =
      pull(`createdAt comments(first: 10) { nodes { databaseId url author { login } authorAssociation body createdAt lastEditedAt includesCreatedEdit } }
      headCommit: commits(last: 1) { nodes { commit { checkSuites(first: 5, filterBy: { appId: 1 }) { nodes { createdAt app { databaseId slug } } } } } }`)
        .data.repository.pullRequest;
    expect(answer.createdAt).toBe('2026-03-01T10:00:00.000Z');
    const comment = answer.comments.nodes[0];
    expect(comment).toMatchObject({
      author: { login: 'lead' },
      authorAssociation: 'CONTRIBUTOR',
      body: '/gates override batch-size hotfix for the outage',
      lastEditedAt: '2026-03-01T11:05:00Z',
      includesCreatedEdit: false,
    });
    expect(comment.url).toBe(`https://github.com/acme/api/pull/1#issuecomment-${comment.databaseId}`);
    expect(answer.headCommit.nodes[0].commit.checkSuites.nodes).toEqual([
      { createdAt: '2026-03-01T10:00:00.000Z', app: { databaseId: 1, slug: 'quality-gates' } },
    ]);
  });

  it('a force push is on the timeline and replaces the commits; the new head gets a check suite', () => {
    gh.world.clock = () => Date.parse('2026-03-02T09:00:00Z');
    gh.addPull({ number: 1 });
    gh.repository.push('changes', [{ oid: 'f'.repeat(40), message: 'Rewritten', parents: [BASE] }], {
      force: true,
      actor: 'octocat',
    });
    const p = pull(`headRefOid commits(first: 5) { nodes { commit { oid } } }
      timelineItems(first: 5, itemTypes: [HEAD_REF_FORCE_PUSHED_EVENT]) { nodes { __typename ... on HeadRefForcePushedEvent { actor { login } beforeCommit { oid } afterCommit { oid } createdAt } } }`)
      .data.repository.pullRequest;
    expect(p.headRefOid).toBe('f'.repeat(40));
    expect(p.commits.nodes).toEqual([{ commit: { oid: 'f'.repeat(40) } }]);
    expect(p.timelineItems.nodes).toEqual([
      {
        __typename: 'HeadRefForcePushedEvent',
        actor: { login: 'octocat' },
        beforeCommit: { oid: HEAD },
        afterCommit: { oid: 'f'.repeat(40) },
        createdAt: '2026-03-02T09:00:00.000Z',
      },
    ]);
    expect(gh.repository.checkSuites.filter((s) => s.headSha === 'f'.repeat(40))).toHaveLength(1);
  });

  it('how many commits the head is behind its base (Ref.compare)', () => {
    gh.addPull({ number: 1, commits: commits(2, 'a') });
    gh.repository.push('main', commits(3, 'b'));
    const p = pull('baseRefOid baseRef { compare(headRef: "changes") { aheadBy behindBy status } }').data.repository
      .pullRequest;
    expect(p.baseRef.compare).toEqual({ aheadBy: 2, behindBy: 3, status: 'DIVERGED' });
    expect(p.baseRefOid).toBe(commits(3, 'b')[2]!.oid); // an open PR's base follows its branch
  });

  it('a deleted base branch leaves baseRef null; baseRefName and baseRefOid stay', () => {
    gh.addPull({ number: 1, baseRefName: 'release' });
    gh.repository.deleteBranch('release');
    expect(pull('baseRefName baseRefOid baseRef { name }').data.repository.pullRequest).toEqual({
      baseRefName: 'release',
      baseRefOid: BASE,
      baseRef: null,
    });
  });

  it('a fork PR is cross-repository, its head in the fork', () => {
    const fork = gh.world.fork(gh.repository, 'outsider');
    fork.push('patch', [{ oid: 'e'.repeat(40), message: 'Fix', parents: [BASE] }]);
    gh.addPull({
      number: 1,
      headRepository: 'outsider/api',
      headRefName: 'patch',
      headRefOid: 'e'.repeat(40),
      commits: [fork.commit('e'.repeat(40))!],
    });
    const p = pull(
      'isCrossRepository headRepository { nameWithOwner isFork } headRepositoryOwner { login } headRef { name target { oid } }',
    ).data.repository.pullRequest;
    expect(p).toEqual({
      isCrossRepository: true,
      headRepository: { nameWithOwner: 'outsider/api', isFork: true },
      headRepositoryOwner: { login: 'outsider' },
      headRef: { name: 'patch', target: { oid: 'e'.repeat(40) } },
    });
  });

  it('several open PRs can share a head commit (associatedPullRequests)', () => {
    gh.addPull({ number: 1, baseRefName: 'main' });
    gh.addPull({ number: 2, baseRefName: 'release' });
    const c = query(
      `query { repository(owner: "acme", name: "api") { object(oid: "${HEAD}") { ... on Commit { associatedPullRequests(first: 5) { nodes { number baseRefName } } } } } }`,
    );
    expect(c.data.repository.object.associatedPullRequests.nodes).toEqual([
      { number: 1, baseRefName: 'main' },
      { number: 2, baseRefName: 'release' },
    ]);
  });

  it('a commit already on the default branch lists only the merged PR that brought it in; forks are in the network', () => {
    gh.addPull({ number: 1, state: 'MERGED' });
    gh.addPull({ number: 2 });
    const fork = gh.world.fork(gh.repository, 'outsider');
    gh.world.addPull(fork, { number: 7, headRepository: 'acme/api', commits: [gh.repository.commit(HEAD)!] });
    const associated = () =>
      query(
        `query { repository(owner: "acme", name: "api") { object(oid: "${HEAD}") { ... on Commit { associatedPullRequests(first: 5) { nodes { number state baseRepository { nameWithOwner } } } } } } }`,
      ).data.repository.object.associatedPullRequests.nodes;
    expect(associated()).toEqual([
      { number: 1, state: 'MERGED', baseRepository: { nameWithOwner: 'acme/api' } },
      { number: 2, state: 'OPEN', baseRepository: { nameWithOwner: 'acme/api' } },
      { number: 7, state: 'OPEN', baseRepository: { nameWithOwner: 'outsider/api' } },
    ]);
    gh.defaultBranchCommits.add(HEAD); // merged into main; the open PRs keep their base
    expect(associated()).toEqual([{ number: 1, state: 'MERGED', baseRepository: { nameWithOwner: 'acme/api' } }]);
    expect(gh.pulls.get(2)!.baseRefOid).toBe(BASE);
  });

  it('a bot author’s databaseId is its account id (the number in its noreply address)', () => {
    gh.world.addBot('renovate', 29139614);
    gh.addPull({ number: 1, author: 'renovate[bot]' });
    expect(pull('author { login ... on Bot { databaseId } }').data.repository.pullRequest.author).toEqual({
      login: 'renovate',
      databaseId: 29139614,
    });
  });

  it.each(GIT_SIGNATURE_STATES)('signature state %s comes back as given', (state) => {
    gh.addPull({
      number: 1,
      commits: [
        { oid: HEAD, message: 'x', signature: { isValid: state === 'VALID', state, wasSignedByGitHub: false } },
      ],
    });
    const sig = pull('commits(first: 1) { nodes { commit { signature { isValid state wasSignedByGitHub } } } }').data
      .repository.pullRequest.commits.nodes[0].commit.signature;
    expect(sig).toEqual({ isValid: state === 'VALID', state, wasSignedByGitHub: false });
  });

  it('web-flow commits are signed by GitHub; unsigned commits have no signature', () => {
    gh.addPull({
      number: 1,
      commits: [
        {
          oid: 'a'.repeat(40),
          message: 'Edit on github.com',
          committerName: 'GitHub',
          committerEmail: 'noreply@github.com',
          committerLogin: 'web-flow',
          signature: { isValid: true, state: 'VALID', wasSignedByGitHub: true },
        },
        { oid: HEAD, message: 'Local', signature: null },
      ],
    });
    const nodes = pull(
      'commits(first: 2) { nodes { commit { committer { name user { login } } signature { __typename wasSignedByGitHub signer { login } } } } }',
    ).data.repository.pullRequest.commits.nodes;
    expect(nodes[0].commit).toEqual({
      committer: { name: 'GitHub', user: { login: 'web-flow' } },
      signature: { __typename: 'GpgSignature', wasSignedByGitHub: true, signer: null },
    });
    expect(nodes[1].commit.signature).toBeNull();
  });
});
