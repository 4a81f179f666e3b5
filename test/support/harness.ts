/**
 * App-test harness: a real Probot instance with the real app, our Octokit class
 * (retries without real sleeping, no write spacing), a capturing JSON logger, and
 * payloads taken from `@octokit/webhooks-examples`.
 */
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import nock from 'nock';
import { pino } from 'pino';
import { Probot } from 'probot';
import { createQualityGatesApp, type AppOptions, type QualityGatesApp } from '../../src/server/app.js';
import { createOctokitClass, type ClientOptions } from '../../src/load/client.js';
import { loggerOptions } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { FakeGitHub, testPrivateKey, type FakePull } from './fake-github.js';

export { testPrivateKey };

const require = createRequire(import.meta.url);

interface ExampleGroup {
  name: string;
  examples: Record<string, unknown>[];
}
const EXAMPLES = require('@octokit/webhooks-examples/api.github.com/index.json') as ExampleGroup[];

/** A deep copy of a real example payload for `event` (and `action`), preferring one with an installation. */
export function examplePayload(event: string, action?: string): Record<string, any> {
  const group = EXAMPLES.find((g) => g.name === event);
  if (!group) throw new Error(`no example for ${event}`);
  const matching = group.examples.filter((e) => action === undefined || e.action === action);
  // Some actions (pull_request.edited) have no example: take another of the same event and set the action.
  const chosen = matching.find((e) => e.installation) ?? matching[0] ?? group.examples.find((e) => e.installation);
  if (!chosen) throw new Error(`no example for ${event}.${action}`);
  const copy = structuredClone(chosen) as Record<string, any>;
  if (action !== undefined) copy.action = action;
  return copy;
}

export interface Harness {
  readonly probot: Probot;
  readonly app: QualityGatesApp;
  readonly logs: Record<string, unknown>[];
  readonly logText: () => string;
  /** Delivers one event and waits until the queue is idle. */
  receive(name: string, payload: Record<string, unknown>, id?: string): Promise<void>;
  /** Delivers without waiting for evaluations. */
  deliver(name: string, payload: Record<string, unknown>, id?: string): Promise<void>;
}

let deliveries = 0;

export async function startHarness(
  fake: FakeGitHub,
  options: { concurrency?: number; client?: ClientOptions; app?: Partial<AppOptions> } = {},
): Promise<Harness> {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const log = pino(loggerOptions('debug'), stream);
  const metrics = createMetrics({ defaultMetrics: false });
  const app = createQualityGatesApp({
    appId: fake.appId,
    metrics,
    retry: { backoffBaseMs: 1, sleep: async () => {} },
    deferJitterMs: 0,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...options.app,
  });
  const probot = new Probot({
    appId: fake.appId,
    privateKey: testPrivateKey(),
    secret: 'test-secret',
    log,
    Octokit: createOctokitClass({
      metrics,
      retries: 3,
      backoffBaseMs: 1,
      writeSpacingMs: 0,
      sleep: async () => {},
      ...options.client,
    }),
  });
  await probot.load(app.appFn, { cwd: process.cwd(), addHandler: () => {} });
  const deliver = async (name: string, payload: Record<string, unknown>, id?: string) => {
    await probot.receive({ id: id ?? `delivery-${++deliveries}`, name, payload } as never);
  };
  return {
    probot,
    app,
    get logs() {
      return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    logText: () => lines.join('\n'),
    deliver,
    async receive(name, payload, id) {
      await deliver(name, payload, id);
      await app.idle();
    },
  };
}

/** Points an example payload at the fake repository and installation. */
export function retarget(fake: FakeGitHub, payload: Record<string, any>): Record<string, any> {
  payload.installation = { id: fake.installationId, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' };
  payload.repository.owner.login = fake.owner;
  payload.repository.name = fake.repo;
  payload.repository.full_name = `${fake.owner}/${fake.repo}`;
  return payload;
}

/** A `pull_request` payload from the examples, pointed at a fake pull request. */
export function pullRequestPayload(fake: FakeGitHub, pull: FakePull, action = 'opened'): Record<string, any> {
  const payload = examplePayload('pull_request', action);
  retarget(fake, payload);
  payload.number = pull.number;
  payload.pull_request.number = pull.number;
  payload.pull_request.head.sha = pull.headRefOid;
  payload.pull_request.base.sha = pull.baseRefOid;
  payload.pull_request.draft = pull.isDraft;
  return payload;
}

/** The base and head commits of the example payloads, which the fake pull requests default to. */
export const BASE = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
export const HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';

/** A fresh fake GitHub behind nock and a fresh app for one test: `beforeEach(async () => ({ fake, h } = await freshApp()))`. */
export async function freshApp(
  options: Parameters<typeof startHarness>[1] = {},
): Promise<{ fake: FakeGitHub; h: Harness }> {
  const fake = new FakeGitHub();
  fake.install();
  return { fake, h: await startHarness(fake, options) };
}

export function resetNock(): void {
  nock.cleanAll();
  nock.enableNetConnect();
}
