/**
 * The stand-in's REST routes and what surrounds them: authentication as GitHub checks it,
 * check runs with GitHub's validation, contents, webhook deliveries with cursor paging,
 * rate limits, injected faults, and the strict record of unexpected requests.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { GitHubModel } from './github-model.js';
import { EXAMPLE_BASE as BASE, EXAMPLE_HEAD as HEAD } from './model.js';
import type { StandInResponse } from './stand-in.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

function jwt(appId: number, key = privateKey, times: { iat?: number; exp?: number } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const data = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iat: times.iat ?? now - 30, exp: times.exp ?? now + 540, iss: appId })}`;
  return `${data}.${sign('sha256', Buffer.from(data), key).toString('base64url')}`;
}

let gh: GitHubModel;
let token: string;
beforeEach(() => {
  gh = new GitHubModel({ owner: 'acme', repo: 'api', appId: 7, installationId: 70, appPublicKey: pem });
  token = gh.installationToken();
  gh.addPull({ number: 1 });
});

function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `token ${token}` },
): StandInResponse {
  const answer = gh.standIn.handle({ method, path, headers, body });
  if (answer === 'drop') throw new Error('dropped');
  return answer;
}
const asApp = (key = privateKey) => ({ authorization: `Bearer ${jwt(7, key)}` });

describe('authentication', () => {
  it('issues installation tokens to the app’s verified JWT', () => {
    const answer = call('POST', '/app/installations/70/access_tokens', {}, asApp());
    expect(answer.status).toBe(201);
    const { token: issued } = answer.body as { token: string };
    expect(issued).toMatch(/^ghs_\w{36}$/);
    expect(
      call('POST', '/graphql', { query: '{ rateLimit { remaining } }' }, { authorization: `token ${issued}` }).status,
    ).toBe(200);
  });

  it.each([
    [
      'a JWT signed with another key',
      () => asApp(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
      401,
      'A JSON web token could not be decoded',
    ],
    [
      'an expired JWT',
      () => ({ authorization: `Bearer ${jwt(7, privateKey, { iat: 1, exp: 600 })}` }),
      401,
      "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
    ],
    [
      'a JWT valid for more than ten minutes',
      () => ({ authorization: `Bearer ${jwt(7, privateKey, { exp: Math.floor(Date.now() / 1000) + 3600 })}` }),
      401,
      "'Expiration time' claim ('exp') is too far in the future",
    ],
    [
      'an installation token',
      () => ({ authorization: `token ${token}` }),
      401,
      'A JSON web token could not be decoded',
    ],
    ['nothing', () => ({}), 401, 'A JSON web token could not be decoded'],
  ])('refuses %s on app routes', (_name, headers, status, message) => {
    const answer = call('POST', '/app/installations/70/access_tokens', {}, headers());
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ message });
  });

  it('answers 404 for an installation of another app, and 401 for an unknown token', () => {
    gh.world.install(8, 80, 'acme');
    expect(call('POST', '/app/installations/80/access_tokens', {}, asApp()).status).toBe(404);
    expect(
      call('POST', '/graphql', { query: '{ rateLimit { remaining } }' }, { authorization: 'token ghs_unknown' }),
    ).toMatchObject({ status: 401, body: { message: 'Bad credentials' } });
    expect(call('POST', '/graphql', { query: '{ rateLimit { remaining } }' }, {})).toMatchObject({
      status: 401,
      body: { message: 'This endpoint requires you to be authenticated.' },
    });
  });
});

describe('check runs', () => {
  const create = (body: unknown) => call('POST', '/repos/acme/api/check-runs', body);

  it('creates a run in the app’s suite on the commit; a conclusion completes it', () => {
    const answer = create({
      name: 'Quality Gates',
      head_sha: HEAD,
      conclusion: 'success',
      external_id: 'k',
      output: { title: 'ok', summary: 'all good' },
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      name: 'Quality Gates',
      head_sha: HEAD,
      status: 'completed',
      conclusion: 'success',
      external_id: 'k',
      app: { id: 7 },
      pull_requests: [{ number: 1 }],
    });
    const [run] = gh.runsOn(HEAD);
    expect(run!.check_suite_id).toBe(gh.repository.checkSuites.find((s) => s.appId === 7 && s.headSha === HEAD)!.id);
    expect(run!.completed_at).toBeTruthy();
  });

  it.each([
    [{ head_sha: HEAD }, '"name" wasn\'t supplied.'],
    [{ name: 'Q' }, '"head_sha" wasn\'t supplied.'],
    [{ name: 'Q', head_sha: HEAD, status: 'done' }, 'For \'properties/status\', "done" is not one of'],
    [{ name: 'Q', head_sha: HEAD, conclusion: 'passed' }, 'For \'properties/conclusion\', "passed" is not one of'],
    [{ name: 'Q', head_sha: HEAD, status: 'completed' }, '"conclusion" wasn\'t supplied.'],
    [{ name: 'Q', head_sha: HEAD, output: { title: 'T' } }, '"summary" wasn\'t supplied.'],
    [
      { name: 'Q', head_sha: HEAD, output: { title: 'T', summary: 'x'.repeat(65536) } },
      'Only 65535 characters are allowed in output.summary',
    ],
  ])('refuses %j with 422', (body, message) => {
    const answer = create(body);
    expect(answer.status).toBe(422);
    expect((answer.body as { message: string }).message).toContain(message);
    expect(gh.checkRuns).toHaveLength(0);
  });

  it('refuses a commit the repository does not have', () => {
    expect(create({ name: 'Q', head_sha: 'd'.repeat(40) })).toMatchObject({
      status: 422,
      body: { message: `No commit found for SHA: ${'d'.repeat(40)}` },
    });
  });

  it('updates in place; 404 for an unknown run, 403 for another app’s run', () => {
    const id = (create({ name: 'Q', head_sha: HEAD, status: 'in_progress' }).body as { id: number }).id;
    expect(
      call('PATCH', `/repos/acme/api/check-runs/${id}`, {
        conclusion: 'failure',
        output: { title: 'Blocked', summary: 's' },
      }),
    ).toMatchObject({ status: 200, body: { status: 'completed', conclusion: 'failure' } });
    expect(call('PATCH', '/repos/acme/api/check-runs/999999', { conclusion: 'success' }).status).toBe(404);
    gh.world.install(8, 80, 'acme');
    const other = gh.standIn.issueToken(80).token;
    expect(
      call('PATCH', `/repos/acme/api/check-runs/${id}`, { conclusion: 'success' }, { authorization: `token ${other}` })
        .status,
    ).toBe(403);
  });

  it('404 for a repository the installation cannot see', () => {
    gh.world.addRepository('other/private', { isPrivate: true, defaultBranchOid: BASE });
    expect(call('POST', '/repos/other/private/check-runs', { name: 'Q', head_sha: BASE }).status).toBe(404);
  });

  it('tells onWrite listeners about every write', () => {
    const seen: string[] = [];
    gh.onWrite = (run, method) => seen.push(`${method} ${run.status}`);
    const id = (create({ name: 'Q', head_sha: HEAD, status: 'queued' }).body as { id: number }).id;
    call('PATCH', `/repos/acme/api/check-runs/${id}`, { conclusion: 'success' });
    expect(seen).toEqual(['POST queued', 'PATCH completed']);
  });
});

describe('contents', () => {
  it('raw media type gives the text; JSON gives base64; 404 when missing', () => {
    gh.setBlob(BASE, '.github/CODEOWNERS', '* @acme/core\n');
    const raw = call('GET', `/repos/acme/api/contents/.github%2FCODEOWNERS?ref=${BASE}`, undefined, {
      authorization: `token ${token}`,
      accept: 'application/vnd.github.v3.raw',
    });
    expect(raw).toMatchObject({
      status: 200,
      body: '* @acme/core\n',
      headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' },
    });
    const json = call('GET', `/repos/acme/api/contents/.github/CODEOWNERS?ref=main`);
    expect(Buffer.from((json.body as { content: string }).content, 'base64').toString()).toBe('* @acme/core\n');
    expect(call('GET', `/repos/acme/api/contents/nope?ref=${BASE}`).status).toBe(404);
    expect(call('GET', '/repos/acme/api/contents/.github/CODEOWNERS?ref=no-such-branch')).toMatchObject({
      status: 404,
      body: { message: 'No commit found for the ref no-such-branch' },
    });
  });
});

describe('webhook deliveries', () => {
  it('lists newest first with cursor paging in the Link header, and redelivers', () => {
    for (let i = 0; i < 5; i++)
      gh.world.addDelivery(7, { event: 'pull_request', action: 'opened', status_code: i === 3 ? 502 : 200 });
    const first = call('GET', '/app/hook/deliveries?per_page=2', undefined, asApp());
    expect((first.body as { id: number }[]).map((d) => d.id)).toEqual(
      gh.world.apps
        .get(7)!
        .deliveries.slice(3)
        .map((d) => d.id)
        .reverse(),
    );
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.link!)![1]!;
    expect(next).toMatch(/^https:\/\/api\.github\.com\/app\/hook\/deliveries\?per_page=2&cursor=v1_\d+$/);
    const second = call('GET', next.replace('https://api.github.com', ''), undefined, asApp());
    const third = call(
      'GET',
      /<([^>]+)>/.exec(second.headers.link!)![1]!.replace('https://api.github.com', ''),
      undefined,
      asApp(),
    );
    expect((third.body as unknown[]).length).toBe(1);
    expect(third.headers.link).toBeUndefined();

    const failed = gh.world.apps.get(7)!.deliveries[3]!;
    expect(call('POST', `/app/hook/deliveries/${failed.id}/attempts`, undefined, asApp()).status).toBe(202);
    expect(gh.world.apps.get(7)!.deliveries.at(-1)).toMatchObject({
      guid: failed.guid,
      redelivery: true,
      status_code: 200,
    });
    expect(call('POST', '/app/hook/deliveries/1/attempts', undefined, asApp()).status).toBe(404);
  });
});

describe('rate limits', () => {
  it('counts down x-ratelimit-remaining per installation and resource; answers 403 when used up', () => {
    const first = call('POST', '/graphql', { query: '{ rateLimit { remaining used } }' });
    expect(first.headers).toMatchObject({
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'graphql',
    });
    expect(first.body).toEqual({ data: { rateLimit: { remaining: 4999, used: 1 } } });
    expect(call('GET', `/repos/acme/api/contents/README?ref=${BASE}`).headers['x-ratelimit-remaining']).toBe('4999');
    gh.standIn.setRateLimit(70, 'core', 0);
    const limited = call('GET', `/repos/acme/api/contents/README?ref=${BASE}`);
    expect(limited).toMatchObject({
      status: 403,
      body: { message: 'API rate limit exceeded for installation ID 70.' },
      headers: { 'x-ratelimit-remaining': '0' },
    });
  });

  it('a secondary rate limit answers 403 with retry-after, then lets requests through', () => {
    gh.standIn.secondaryRateLimit({ retryAfter: 7, match: (r) => r.path === '/graphql' });
    const limited = call('POST', '/graphql', { query: '{ rateLimit { remaining } }' });
    expect(limited).toMatchObject({
      status: 403,
      headers: { 'retry-after': '7' },
      body: { message: expect.stringContaining('secondary rate limit') },
    });
    expect(call('POST', '/graphql', { query: '{ rateLimit { remaining } }' }).status).toBe(200);
  });

  it('too many writes in a minute meet the secondary limit when switched on', () => {
    gh.standIn.options.writesPerMinute = 2;
    const statuses = [1, 2, 3].map(
      () => call('POST', '/repos/acme/api/check-runs', { name: 'Q', head_sha: HEAD }).status,
    );
    expect(statuses).toEqual([201, 201, 403]);
  });
});

describe('faults and strictness', () => {
  it('fail injects a status, a whole answer, extra headers, or a dropped connection', () => {
    gh.fail = (r) => (r.method === 'GET' ? 503 : undefined);
    expect(call('GET', `/repos/acme/api/contents/README?ref=${BASE}`).status).toBe(503);
    gh.fail = () => ({ headers: { 'x-extra': '1' } });
    expect(call('POST', '/graphql', { query: '{ rateLimit { limit } }' })).toMatchObject({
      status: 200,
      headers: { 'x-extra': '1' },
    });
    gh.fail = () => 'drop';
    expect(gh.standIn.handle({ method: 'POST', path: '/graphql', headers: {}, body: {} })).toBe('drop');
    expect(gh.standIn.violations).toEqual([]);
  });

  it('a route the stand-in does not know is answered 404 and recorded as a violation', () => {
    expect(call('DELETE', '/repos/acme/api').status).toBe(404);
    expect(() => gh.standIn.assertClean()).toThrow(
      /unexpected-request: no GitHub route the stand-in knows answers DELETE \/repos\/acme\/api/,
    );
    gh.standIn.takeViolations();
    gh.standIn.assertClean();
  });

  it('an unmet expectation is reported', () => {
    gh.standIn.expect('one check-run write', (r) => r.path.endsWith('/check-runs'), 1);
    expect(gh.standIn.problems()).toEqual([
      { kind: 'unmet-expectation', message: 'expected 1 request(s) for "one check-run write", got 0' },
    ]);
    call('POST', '/repos/acme/api/check-runs', { name: 'Q', head_sha: HEAD });
    expect(gh.standIn.problems()).toEqual([]);
  });

  it('records every request with its operation, installation and status', () => {
    call('POST', '/graphql', { query: 'query Named { rateLimit { limit } }' });
    expect(gh.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/graphql',
      operation: 'Named',
      installation: 70,
      status: 200,
    });
    expect(gh.graphqlCount).toBe(1);
  });
});
