/**
 * Missed-webhook recovery in the running process (`startApp`, the real HTTP server), against
 * GitHub's delivery log as GitHub keeps it (the stand-in's, test/stand-in/github-model.ts): redeliveries are
 * really sent to the app, and redelivery requests are spaced as the app spaces its writes.
 * The case this guards: six failed deliveries, a run that outlasts the interval, and the next
 * run beginning while it still goes — each delivery must be asked for once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../src/server/main.js';
import { FakeGitHub } from './support/fake-github.js';
import { pullRequestPayload, resetNock } from './support/harness.js';
import { failedPulls, startRecoveringApp, TEST_WRITE_SPACING_MS, until, webhookUrl } from './support/recovery.js';

let running: RunningApp | undefined;
afterEach(async () => {
  await running?.shutdown('test');
  running = undefined;
  resetNock();
});

/** `failed` pull requests whose delivery failed, and the app started with `env`. */
async function start(failed: number, env: Record<string, string>, startupDelayMs = 0) {
  const fake = new FakeGitHub();
  const deliveries = fake.deliveries;
  const pulls = failedPulls(fake, deliveries, failed);
  fake.install();
  const app = await startRecoveringApp(fake, env, { recovery: { startupDelayMs } });
  running = app.running;
  deliveries.target = webhookUrl(app.port);
  return { fake, deliveries, pulls, ...app };
}

describe('missed-webhook recovery in the running process', () => {
  it('asks once for each of six failed deliveries when a run outlasts the interval, and every PR is evaluated', async () => {
    // Six requests spaced 250 ms take ~1.5 s; the interval is shorter.
    const { fake, deliveries, pulls, logs, metric } = await start(6, {
      REDELIVERY_INTERVAL_MS: String(TEST_WRITE_SPACING_MS + 50),
    });
    await until(() => deliveries.asked.length >= 2);
    expect(await running!.recover()).toEqual({ result: 'skipped_running' }); // SIGUSR2 during the run
    await until(() => pulls.every((p) => fake.runsOn(p.headRefOid).length > 0));
    // A few more intervals, with the run over: nothing is asked again.
    await new Promise((r) => setTimeout(r, 900));
    await deliveries.settled();
    expect([...deliveries.askedPerGuid().values()]).toEqual([1, 1, 1, 1, 1, 1]);
    expect(deliveries.attempts.filter((a) => a.redelivery).map((a) => a.status_code)).toEqual([
      200, 200, 200, 200, 200, 200,
    ]);
    expect(await metric('quality_gates_webhook_recovery_runs_total', 'skipped_running')).toBeGreaterThanOrEqual(2);
    expect(await metric('quality_gates_webhook_redeliveries_total', 'requested')).toBe(6);
    expect(
      logs()
        .filter((l) => l.msg === 'webhook delivery recovery skipped: a run is in progress on this replica')
        .map((l) => l.trigger),
    ).toContain('signal');
  }, 30_000);

  it('runs once shortly after start-up, long before the first interval', async () => {
    const { fake, deliveries, pulls, logs } = await start(1, {}, 50);
    await until(() => fake.runsOn(pulls[0]!.headRefOid).length > 0);
    expect(deliveries.asked).toHaveLength(1);
    expect(logs().find((l) => l.msg === 'webhook delivery recovery started')).toMatchObject({ trigger: 'startup' });
  }, 30_000);

  it('makes at most REDELIVERY_MAX_PER_RUN redelivery requests a run', async () => {
    const { deliveries, logs, metric } = await start(5, { REDELIVERY_INTERVAL_MS: '0', REDELIVERY_MAX_PER_RUN: '2' });
    const outcome = await running!.recover();
    expect(outcome).toMatchObject({ result: 'completed', report: { failed: 5, redelivered: 2, deferred: 3 } });
    expect(deliveries.asked).toHaveLength(2);
    expect(await metric('quality_gates_webhook_redeliveries_total', 'deferred')).toBe(3);
    expect(
      logs().find((l) => l.msg === 'redelivery limit of the run reached; the rest wait for the next run'),
    ).toMatchObject({ limit: 2, deferred: 3 });
  }, 30_000);

  it('reads at most REDELIVERY_MAX_PAGES pages a run, and says the list was cut', async () => {
    const { fake, deliveries, logs } = await start(1, { REDELIVERY_INTERVAL_MS: '0', REDELIVERY_MAX_PAGES: '2' });
    const ok = pullRequestPayload(fake, fake.addPull({ number: 99 }));
    for (let i = 0; i < 250; i++) deliveries.deliver('pull_request', ok, 200, 1);
    const outcome = await running!.recover();
    expect(deliveries.listed).toBe(2); // of three pages: the failed delivery is on the third
    expect(outcome).toMatchObject({ result: 'completed', report: { pages: 2, failed: 0 } });
    expect(
      logs().find((l) => l.msg === 'webhook delivery list cut at the page limit; older failed deliveries are not seen'),
    ).toMatchObject({ pages: 2, maxPages: 2 });
  }, 30_000);

  it('with REDELIVERY_INTERVAL_MS=0 runs only when asked (SIGUSR2)', async () => {
    const { deliveries } = await start(1, { REDELIVERY_INTERVAL_MS: '0' });
    await new Promise((r) => setTimeout(r, 200));
    expect(deliveries.listed).toBe(0);
    expect((await running!.recover()).result).toBe('completed');
    expect(deliveries.asked).toHaveLength(1);
  }, 30_000);

  it('stops asking at shutdown, mid-run', async () => {
    const { deliveries, metric } = await start(6, { REDELIVERY_INTERVAL_MS: '0' });
    const run = running!.recover();
    await until(() => deliveries.asked.length >= 1);
    await running!.shutdown('SIGTERM');
    expect((await run).result).toBe('aborted');
    expect(deliveries.asked.length).toBeLessThan(6);
    expect(await metric('quality_gates_webhook_recovery_runs_total', 'aborted')).toBe(1);
    running = undefined;
  }, 30_000);
});
