/**
 * The two ways requests reach the stand-in: nock (app tests; strict, checked after each
 * test) and a loopback HTTP server as a GitHub Enterprise host (benchmark, end-to-end).
 */
import { generateKeyPairSync } from 'node:crypto';
import { Octokit } from '@octokit/rest';
import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { afterEach, describe, expect, it } from 'vitest';
import { checkInstalledStandIns, FakeGitHub } from '../support/fake-github.js';
import { GitHubModel, type GitHubModelOptions } from './github-model.js';
import { EXAMPLE_HEAD as HEAD } from './model.js';
import { interceptWithNock } from './nock.js';
import { startStandInServer } from './server.js';

const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString();

/** A stand-in behind nock, checked clean after the test unless the test takes its violations. */
const live: GitHubModel[] = [];
function behindNock(options: GitHubModelOptions = {}): GitHubModel {
  const fake = new GitHubModel({ appPublicKey: privateKey, ...options });
  interceptWithNock(fake.standIn);
  live.push(fake);
  return fake;
}

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
  for (const fake of live.splice(0)) fake.standIn.assertClean();
});

describe('behind nock', () => {
  it('answers Octokit as GitHub would, GraphQL and REST', async () => {
    const fake = behindNock();
    fake.addPull({ number: 2, title: 'Hello' });
    const octokit = new Octokit({ auth: fake.installationToken(), request: { retries: 0 } });
    const data = await octokit.graphql<{ repository: { pullRequest: { title: string } } }>(
      'query($n: Int!) { repository(owner: "Codertocat", name: "Hello-World") { pullRequest(number: $n) { title } } }',
      { n: 2 },
    );
    expect(data.repository.pullRequest.title).toBe('Hello');
    const created = await octokit.rest.checks.create({
      owner: 'Codertocat',
      repo: 'Hello-World',
      name: 'Q',
      head_sha: HEAD,
      status: 'in_progress',
    });
    expect(created.status).toBe(201);
    expect(created.headers['x-ratelimit-remaining']).toBe('4999');
  });

  it('GraphQL partial errors reach Octokit with data and typed errors', async () => {
    const fake = behindNock();
    const octokit = new Octokit({ auth: fake.installationToken(), request: { retries: 0 } });
    await expect(
      octokit.graphql(
        'query { repository(owner: "Codertocat", name: "Hello-World") { name } org: repository(owner: "Codertocat", name: ".github") { name } }',
      ),
    ).rejects.toMatchObject({
      data: { repository: { name: 'Hello-World' }, org: null },
      errors: [expect.objectContaining({ type: 'NOT_FOUND', path: ['org'] })],
    });
  });

  it('an unexpected request fails the test that made it, even when the app swallows the 404', async () => {
    const fake = behindNock();
    const octokit = new Octokit({ auth: fake.installationToken(), request: { retries: 0 } });
    await octokit
      .request('GET /repos/{owner}/{repo}/pulls', { owner: 'Codertocat', repo: 'Hello-World' })
      .catch(() => undefined); // swallowed
    expect(() => fake.standIn.assertClean()).toThrow(
      /unexpected-request: no GitHub route the stand-in knows answers GET \/repos\/Codertocat\/Hello-World\/pulls/,
    );
    fake.standIn.takeViolations();
  });

  it('an injected dropped connection is a network error', async () => {
    const fake = behindNock();
    fake.fail = () => 'drop';
    const octokit = new Octokit({ auth: fake.installationToken(), request: { retries: 0 } });
    await expect(octokit.graphql('{ rateLimit { limit } }')).rejects.toThrow(/socket hang up/);
  });
});

describe('the app tests’ FakeGitHub', () => {
  it('is checked after every test: an unexpected request or an unmodelled field fails it', async () => {
    const fake = new FakeGitHub();
    fake.install();
    const octokit = new Octokit({ auth: fake.installationToken(), request: { retries: 0 } });
    await octokit
      .request('PUT /repos/{owner}/{repo}/topics', { owner: 'Codertocat', repo: 'Hello-World', names: [] })
      .catch(() => undefined);
    await octokit
      .graphql('{ repository(owner: "Codertocat", name: "Hello-World") { stargazerCount } }')
      .catch(() => undefined);
    // What the afterEach hook of test/support/fake-github.ts runs:
    expect(() => checkInstalledStandIns()).toThrow(
      /2 problem\(s\):\n- unexpected-request: .*PUT \/repos\/Codertocat\/Hello-World\/topics.*\n- unsupported: the stand-in does not model Repository.stargazerCount/,
    );
    expect(() => checkInstalledStandIns()).not.toThrow(); // each stand-in is checked once
  });

  it('a GraphQL operation the app never sends (a mutation, a query GitHub refuses) fails the test too', async () => {
    const fake = new FakeGitHub();
    fake.install();
    const octokit = new Octokit({ auth: fake.installationToken(), request: { retries: 0 } });
    await octokit
      .graphql('mutation { addComment(input: { subjectId: "x", body: "hi" }) { clientMutationId } }')
      .catch(() => undefined);
    await octokit
      .graphql(
        'query Unbounded { repository(owner: "Codertocat", name: "Hello-World") { pullRequests { nodes { number } } } }',
      )
      .catch(() => undefined);
    expect(() => checkInstalledStandIns()).toThrow(/2 problem\(s\)/);
  });
});

describe('over loopback HTTP', () => {
  it('serves GHE paths, Link headers with its own origin, latency and dropped connections', async () => {
    const fake = new GitHubModel({ owner: 'acme', repo: 'api', appPublicKey: privateKey });
    fake.addPull({ number: 1 });
    const server = await startStandInServer(fake.standIn, { latencyMs: 20 });
    try {
      const octokit = new Octokit({
        auth: fake.installationToken(),
        baseUrl: `${server.url}/api/v3`,
        request: { retries: 0 },
      });
      const started = Date.now();
      const data = await octokit.graphql<{ repository: { pullRequest: { number: number } } }>(
        '{ repository(owner: "acme", name: "api") { pullRequest(number: 1) { number } } }',
      );
      expect(data.repository.pullRequest.number).toBe(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(15);
      const raw = await octokit.rest.repos
        .getContent({ owner: 'acme', repo: 'api', path: 'README.md', ref: 'main', mediaType: { format: 'raw' } })
        .catch((e: { status: number }) => e);
      expect((raw as { status: number }).status).toBe(404);
      for (let i = 0; i < 3; i++) fake.world.addDelivery(fake.appId, { event: 'pull_request', status_code: 200 });
      const asApp = new ProbotOctokit({ auth: { appId: fake.appId, privateKey }, baseUrl: `${server.url}/api/v3` });
      const page = await asApp.request('GET /app/hook/deliveries', { per_page: 2 });
      expect(page.headers.link).toMatch(
        new RegExp(`^<${server.url}/api/v3/app/hook/deliveries\\?per_page=2&cursor=v1_\\d+>; rel="next"$`),
      );
      fake.fail = () => 'drop';
      await expect(fetch(`${server.url}/api/graphql`, { method: 'POST', body: '{}' })).rejects.toThrow();
      fake.fail = undefined;
      expect(fake.standIn.problems()).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
