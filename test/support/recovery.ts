/**
 * The process-level recovery tests' setup: pull requests whose `opened` delivery failed, and the
 * real entry point (`startApp`) with redelivery requests really spaced (shorter than in
 * production) so that a run takes time, as it does against GitHub.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { freePort } from '../stand-in/free-port.js';
import { loggerOptions } from '../../src/ops/logger.js';
import { startApp, type RunningApp, type StartOptions } from '../../src/server/main.js';
import type { HookDeliveries } from '../stand-in/github-model.js';
import type { FakeGitHub, FakePull } from './fake-github.js';
import { pullRequestPayload, testPrivateKey } from './harness.js';

export const WEBHOOK_SECRET = 'shh';
/** Gap between two redelivery requests of one process (or of all, with REDIS_URL). */
export const TEST_WRITE_SPACING_MS = 250;

/** `count` pull requests whose `opened` delivery failed (502) 30 minutes ago. */
export function failedPulls(fake: FakeGitHub, deliveries: HookDeliveries, count: number): FakePull[] {
  deliveries.redeliveryDelayMs = 10; // GitHub answers 202 at once and attempts the delivery later
  const first = fake.pulls.size + 1;
  return Array.from({ length: count }, (_, i) => {
    const head = (first + i).toString(16).padStart(40, 'a');
    const pull = fake.addPull({ number: first + i, headRefOid: head, commits: [{ oid: head, message: 'Change' }] });
    deliveries.deliver('pull_request', pullRequestPayload(fake, pull), 502, 30);
    return pull;
  });
}

export interface StartedApp {
  readonly running: RunningApp;
  readonly port: number;
  readonly logs: () => Record<string, unknown>[];
  /** A counter's value for `result`. */
  metric(name: string, result: string): Promise<number | undefined>;
}

export async function startRecoveringApp(
  fake: FakeGitHub,
  env: Record<string, string>,
  more: Pick<StartOptions, 'recovery' | 'redisQueue'> = {},
): Promise<StartedApp> {
  const port = await freePort();
  const lines: string[] = [];
  const running = await startApp({
    env: {
      APP_ID: String(fake.appId),
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET,
      PORT: String(port),
      HOST: '127.0.0.1',
      HISTORY: 'off',
      ...env,
    },
    log: pino(
      loggerOptions('info'),
      new Writable({
        write: (c, _e, d) => {
          lines.push(...String(c).split('\n').filter(Boolean));
          d();
        },
      }),
    ),
    client: { writeSpacingMs: TEST_WRITE_SPACING_MS },
    ...more,
  });
  return {
    running,
    port,
    logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    metric: async (name, result) =>
      (await running.app.metrics.registry.getSingleMetric(name)!.get()).values.find((v) => v.labels.result === result)
        ?.value,
  };
}

export const webhookUrl = (port: number) => ({
  url: `http://127.0.0.1:${port}/api/github/webhooks`,
  secret: WEBHOOK_SECRET,
});

export async function until(what: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error('not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
