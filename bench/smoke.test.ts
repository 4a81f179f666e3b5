/**
 * Smoke version of `npm run bench`: a few evaluations through the real app (in-process
 * Probot with our Octokit class) against the benchmark's loopback GitHub stand-in, over
 * real HTTP, with signed webhooks. Asserts GitHub request counts only (docs/behaviour.md#budgets), never
 * timings. Installation-token requests are counted apart: they are cached for an hour.
 */
import { generateKeyPairSync } from 'node:crypto';
import { pino } from 'pino';
import { Probot } from 'probot';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Fleet, countRequests } from './fleet.js';
import { hostileInputs, worstConfigText } from './hostile.js';
import { COST_SHAPES, TEAM_SHAPE, budgetFor, pullFor, type Shape } from './shapes.js';
import type { GitHubModel } from '../test/stand-in/github-model.js';
import { startStandInServer, type StandInServer } from '../test/stand-in/server.js';
import { prPayload, signedDelivery } from './webhooks.js';
import { GATES } from '../gates/registry.js';
import { createQualityGatesApp, type QualityGatesApp } from '../src/server/app.js';
import { createOctokitClass } from '../src/load/client.js';
import { createMetrics } from '../src/ops/metrics.js';
import { MAX_CONFIG_BYTES, parseConfigText } from '../src/load/config/parse.js';

const APP_ID = 4242;
const SECRET = 'bench-smoke-secret';

let fleet: Fleet;
let standIn: StandInServer;
let probot: Probot;
let app: QualityGatesApp;
let deliveries = 0;

beforeAll(async () => {
  fleet = new Fleet(APP_ID, { recordBodies: false });
  standIn = await startStandInServer(fleet.standIn);
  app = createQualityGatesApp({ appId: APP_ID, host: standIn.host, metrics: createMetrics({ defaultMetrics: false }) });
  probot = new Probot({
    appId: APP_ID,
    privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString(),
    secret: SECRET,
    baseUrl: `${standIn.url}/api/v3`,
    log: pino({ level: 'silent' }),
    // No write spacing and no retries: counts only, and fast.
    Octokit: createOctokitClass({ writeSpacingMs: 0, retries: 0 }),
  });
  await probot.load(app.appFn, { cwd: process.cwd(), addHandler: () => {} });
});

// Strict: a request the stand-in does not know, or a document GitHub would reject, fails the test.
afterEach(() => fleet.standIn.assertClean());

afterAll(async () => {
  await app?.queue.close(1000);
  await standIn?.close();
});

/** Delivers a signed `pull_request` webhook for PR `number` and returns the requests its evaluation made. */
async function evaluate(model: GitHubModel, number: number, action = 'opened') {
  const before = model.requests.length;
  const id = `smoke-${++deliveries}`;
  const delivery = signedDelivery(SECRET, 'pull_request', prPayload(model, number, action), id);
  await probot.webhooks.verifyAndReceive({
    id,
    name: 'pull_request',
    payload: delivery.body,
    signature: delivery.headers['x-hub-signature-256']!,
  });
  await app.idle();
  const { graphql, writes, other } = countRequests(model.requests.slice(before));
  return { graphql, writes, other };
}

async function firstEvaluation(shape: Shape) {
  const model = fleet.add('smoke');
  const pull = pullFor(model, shape, 1);
  const cost = await evaluate(model, 1);
  expect(model.runsOn(pull.headRefOid).map((r) => r.status)).toEqual(['completed']);
  return { model, cost };
}

const shape = (id: string, files: number, commits: number, reviews: number): Shape => ({
  id,
  label: id,
  files,
  commits,
  reviews,
});

describe('bench smoke: GitHub requests per evaluation (docs/behaviour.md#budgets)', () => {
  it('a 10-file PR costs one GraphQL read and one check-run write', async () => {
    const { cost } = await firstEvaluation(COST_SHAPES[0]!);
    expect(cost).toEqual({ graphql: 1, writes: 1, other: 0 });
  });

  it('100 files, 100 commits and 100 reviews still cost one read and one write', async () => {
    const { cost } = await firstEvaluation(shape('all-100', 100, 100, 100));
    expect(cost).toEqual({ graphql: 1, writes: 1, other: 0 });
  });

  it('a 250-file PR pages by 100: three reads and one write', async () => {
    const { cost } = await firstEvaluation(shape('files-250', 250, 1, 0));
    expect(cost).toEqual({ graphql: 3, writes: 1, other: 0 });
  });

  it('250 commits and 250 files page together: three reads and one write', async () => {
    const s = shape('both-250', 250, 250, 0);
    const { cost } = await firstEvaluation(s);
    expect(cost).toEqual({ graphql: 3, writes: 1, other: 0 });
    expect(budgetFor(s)).toEqual({ graphql: 3, writes: 1 });
  });

  it('a re-evaluation with an unchanged result reads once and writes nothing', async () => {
    const { model } = await firstEvaluation(COST_SHAPES[0]!);
    expect(await evaluate(model, 1, 'edited')).toEqual({ graphql: 1, writes: 0, other: 0 });
    expect(model.checkRuns).toHaveLength(1);
  });

  it.skipIf(!GATES.some((g) => g.id === 'codeowners-review'))(
    'CODEOWNERS teams: one team read when the cache is cold, none when warm',
    async () => {
      const { model, cost } = await firstEvaluation(TEAM_SHAPE);
      expect(cost).toEqual({ graphql: 2, writes: 1, other: 0 });
      pullFor(model, TEAM_SHAPE, 2);
      expect(await evaluate(model, 2)).toEqual({ graphql: 1, writes: 1, other: 0 });
    },
  );
});

describe('the hostile-input section (bench/hostile.ts)', () => {
  it('measures what it names: the worst config is accepted and every gate runs; the worst texts are refused', () => {
    const worst = worstConfigText();
    expect(Buffer.byteLength(worst)).toBeLessThanOrEqual(MAX_CONFIG_BYTES);
    expect(Buffer.byteLength(worst)).toBeGreaterThan(MAX_CONFIG_BYTES * 0.9);
    expect(parseConfigText(worst, 'worst.yml').kind).toBe('ok');
    const rows = hostileInputs(1);
    expect(rows.find((r) => r.case.includes('run every gate'))?.outcome).toMatch(
      /^batch-size \w+, linked-ticket \w+, tests-touched \w+, signed-commits \w+, codeowners-review \w+$/,
    );
    expect(rows.find((r) => r.case.startsWith('worst config'))?.outcome).toBe('ok');
    for (const row of rows.filter((r) => r.case.startsWith('parseConfigText')))
      expect(row.outcome, row.case).not.toBe('ok');
    expect(rows.every((r) => r.summary.n >= 1)).toBe(true);
  });
});
