/**
 * Missed-webhook recovery: which deliveries one run redelivers (against delivery lists shaped
 * as GitHub's, every attempt of a delivery under one guid), the limits of a run, and the
 * memory that keeps a delivery from being asked for twice; the single flight of runs (start-up,
 * interval, SIGUSR2) and the lock across replicas; and the real app's calls as itself.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/ops/metrics.js';
import {
  localRedeliveryMemory,
  recoverFailedDeliveries,
  RecoveryRunner,
  type DeliveriesApi,
  type HookDelivery,
  type RecoveryLease,
  type RecoveryLock,
  type RecoveryOptions,
  type RecoveryReport,
} from '../../src/ops/redeliver.js';
import { FakeGitHub } from '../support/fake-github.js';
import { resetNock, startHarness } from '../support/harness.js';

afterEach(() => resetNock());

const NOW = Date.parse('2026-11-25T12:00:00Z');
const ago = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString();
let nextId = 1;
/** One attempt; attempts must be made oldest first (GitHub's ids grow with time). */
const attempt = (guid: string, status: number, minutes: number, more: Partial<HookDelivery> = {}): HookDelivery => ({
  id: nextId++,
  guid,
  delivered_at: ago(minutes),
  redelivery: false,
  status_code: status,
  event: 'pull_request',
  action: 'opened',
  ...more,
});
const redelivery = (guid: string, status: number, minutes: number) =>
  attempt(guid, status, minutes, { redelivery: true });

/** GitHub's list over `attempts`: newest first, `perPage` a page. */
function fakeApi(attempts: HookDelivery[], perPage = 100, fail: (id: number) => boolean = () => false) {
  const asked: number[] = [];
  let listed = 0;
  const api: DeliveriesApi = {
    async list(cursor) {
      listed++;
      const newestFirst = [...attempts].sort((a, b) => b.id - a.id);
      const start = cursor ? Number(cursor) : 0;
      return {
        deliveries: newestFirst.slice(start, start + perPage),
        next: start + perPage < newestFirst.length ? String(start + perPage) : undefined,
      };
    },
    async redeliver(id) {
      asked.push(id);
      if (fail(id)) throw new Error('Validation Failed');
    },
  };
  return { api, asked, listed: () => listed };
}

const limits = {
  lookbackMs: 6 * 60 * 60_000,
  maxAttempts: 3,
  maxPages: 10,
  maxRedeliveries: 100,
  recentMs: 30 * 60_000,
};
function options(more: Partial<RecoveryOptions> = {}) {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const metrics = createMetrics({ defaultMetrics: false });
  return { opts: { ...limits, now: () => NOW, log, metrics, ...more }, lines, metrics };
}
const counted = async (metrics: ReturnType<typeof createMetrics>, name: string, result: string) =>
  (await metrics.registry.getSingleMetric(name)!.get()).values.find((v) => v.labels.result === result)?.value;

describe('recoverFailedDeliveries', () => {
  it('redelivers the latest attempt of each failed delivery of an evaluated event, and nothing else', async () => {
    const tooOld = attempt('f', 500, 7 * 60);
    const failedTwice = [attempt('b', 0, 45)];
    const recovered = [attempt('c', 500, 40)];
    failedTwice.push(redelivery('b', 503, 38));
    recovered.push(redelivery('c', 200, 35));
    const failedOnce = attempt('a', 502, 5);
    const ignoredEvent = attempt('e', 500, 2, { event: 'star' });
    const ok = attempt('d', 200, 1);
    const { api, asked } = fakeApi([tooOld, ...recovered, ...failedTwice, failedOnce, ignoredEvent, ok]);
    const { opts, metrics } = options();
    const report = await recoverFailedDeliveries(api, opts);
    expect(asked).toEqual([failedTwice[1]!.id, failedOnce.id]);
    expect(report).toEqual({
      scanned: 7,
      pages: 1,
      failed: 2,
      redelivered: 2,
      errors: 0,
      recent: 0,
      gaveUp: 0,
      deferred: 0,
      aborted: false,
    });
    expect(await counted(metrics, 'quality_gates_webhook_redeliveries_total', 'requested')).toBe(2);
  });

  it('never redelivers a delivery that succeeded on any attempt, whatever came after', async () => {
    const { api, asked } = fakeApi([
      attempt('x', 502, 50),
      redelivery('x', 200, 45),
      redelivery('x', 500, 40),
      attempt('y', 200, 20),
      redelivery('y', 0, 10),
    ]);
    const report = await recoverFailedDeliveries(api, options().opts);
    expect(asked).toEqual([]);
    expect(report.failed).toBe(0);
  });

  it('leaves a delivery GitHub redelivered within recentMs alone, and asks again after it', async () => {
    const fresh = [attempt('fresh', 502, 60), redelivery('fresh', 502, 29)];
    const stale = [attempt('stale', 502, 60), redelivery('stale', 502, 31)];
    const { api, asked } = fakeApi([...fresh, ...stale].sort((a, b) => a.id - b.id));
    const report = await recoverFailedDeliveries(api, options().opts);
    expect(asked).toEqual([stale[1]!.id]);
    expect(report).toMatchObject({ failed: 2, recent: 1, redelivered: 1 });
  });

  it('asks once for a delivery whose redelivery GitHub has not listed yet, until recentMs has passed', async () => {
    // GitHub answers a redelivery request 202 and makes the attempt later: the list can still
    // show the failed attempt alone on the next run (a SIGUSR2 right after a run, another replica).
    const failed = attempt('g', 502, 10);
    const { api, asked } = fakeApi([failed]);
    let now = NOW;
    const memory = localRedeliveryMemory(limits, () => now);
    const { opts } = options({ memory, now: () => now });
    await recoverFailedDeliveries(api, opts);
    const second = await recoverFailedDeliveries(api, opts);
    expect(asked).toEqual([failed.id]);
    expect(second).toMatchObject({ failed: 1, recent: 1, redelivered: 0 });
    now += limits.recentMs + 1;
    await recoverFailedDeliveries(api, opts);
    expect(asked).toEqual([failed.id, failed.id]);
  });

  it('gives up after maxAttempts, counting and logging it once per delivery', async () => {
    const { api, asked } = fakeApi([attempt('x', 500, 100), redelivery('x', 500, 90), redelivery('x', 500, 60)]);
    const memory = localRedeliveryMemory(limits, () => NOW);
    const { opts, lines, metrics } = options({ memory });
    const report = await recoverFailedDeliveries(api, opts);
    await recoverFailedDeliveries(api, opts);
    expect(asked).toEqual([]);
    expect(report).toMatchObject({ failed: 1, gaveUp: 1 });
    expect(lines.filter((l) => l.msg === 'webhook delivery keeps failing; not redelivered again')).toHaveLength(1);
    expect(await counted(metrics, 'quality_gates_webhook_redeliveries_total', 'gave_up')).toBe(1);
  });

  it('ignores a delivery whose first attempt is older than the lookback, even with redeliveries inside it', async () => {
    const { api, asked } = fakeApi([attempt('old', 500, 7 * 60), redelivery('old', 500, 5 * 60)]);
    expect((await recoverFailedDeliveries(api, options().opts)).failed).toBe(0);
    expect(asked).toEqual([]);
  });

  it('makes at most maxRedeliveries requests a run, oldest first, failed requests included; the rest wait', async () => {
    const failed = Array.from({ length: 25 }, (_, i) => attempt(`d${i}`, 502, 100 - i));
    const { api, asked } = fakeApi(failed, 10, (id) => id === failed[1]!.id);
    const memory = localRedeliveryMemory(limits, () => NOW);
    const { opts, lines, metrics } = options({ memory, maxRedeliveries: 10 });
    const first = await recoverFailedDeliveries(api, opts);
    expect(asked).toEqual(failed.slice(0, 10).map((d) => d.id));
    expect(first).toMatchObject({ failed: 25, redelivered: 9, errors: 1, deferred: 15 });
    expect(
      lines.find((l) => l.msg === 'redelivery limit of the run reached; the rest wait for the next run'),
    ).toMatchObject({ limit: 10, deferred: 15 });
    expect(await counted(metrics, 'quality_gates_webhook_redeliveries_total', 'deferred')).toBe(15);
    expect(await counted(metrics, 'quality_gates_webhook_redeliveries_total', 'error')).toBe(1);
    const second = await recoverFailedDeliveries(api, opts);
    expect(asked.slice(10)).toEqual(failed.slice(10, 20).map((d) => d.id));
    expect(second).toMatchObject({ redelivered: 10, recent: 10, deferred: 5 });
  });

  it('stops listing at the lookback bound and at maxPages, and says when the page limit cut the list', async () => {
    const spread = Array.from({ length: 20 }, (_, p) => attempt(`p${p}`, 200, (19 - p) * 10));
    const { api, listed } = fakeApi(spread, 1);
    const hour = options({ lookbackMs: 60 * 60_000 });
    await recoverFailedDeliveries(api, hour.opts);
    expect(listed()).toBe(8); // minutes 0..60 are within the hour; page 8 (70 min) ends it
    expect(
      hour.lines.some(
        (l) => l.msg === 'webhook delivery list cut at the page limit; older failed deliveries are not seen',
      ),
    ).toBe(false);
    const capped = options({ lookbackMs: 10 * 24 * 3600_000, maxPages: 3 });
    const report = await recoverFailedDeliveries(api, capped.opts);
    expect(listed()).toBe(8 + 3);
    expect(report.pages).toBe(3);
    expect(
      capped.lines.find(
        (l) => l.msg === 'webhook delivery list cut at the page limit; older failed deliveries are not seen',
      ),
    ).toMatchObject({ pages: 3, maxPages: 3 });
  });

  it('makes no further request once its signal is aborted', async () => {
    const failed = Array.from({ length: 5 }, (_, i) => attempt(`s${i}`, 502, 50 - i));
    const { api, asked } = fakeApi(failed);
    const controller = new AbortController();
    const stopping: DeliveriesApi = {
      ...api,
      redeliver: async (id) => (await api.redeliver(id), asked.length === 2 && controller.abort()) as never,
    };
    const report = await recoverFailedDeliveries(stopping, options({ signal: controller.signal }).opts);
    expect(asked).toHaveLength(2);
    expect(report).toMatchObject({ redelivered: 2, aborted: true });
  });
});

// ---------------------------------------------------------------------------------------------
// One run at a time

const emptyReport: RecoveryReport = {
  scanned: 0,
  pages: 1,
  failed: 0,
  redelivered: 0,
  errors: 0,
  recent: 0,
  gaveUp: 0,
  deferred: 0,
  aborted: false,
};

/** A job whose runs end when the test says. */
function controlledJob() {
  const runs: { signal: AbortSignal; finish: (report?: RecoveryReport) => void; fail: (e: Error) => void }[] = [];
  const run = (signal: AbortSignal) =>
    new Promise<RecoveryReport>((resolve, reject) => {
      runs.push({ signal, finish: (report = emptyReport) => resolve(report), fail: reject });
      signal.addEventListener('abort', () => resolve({ ...emptyReport, aborted: true }));
    });
  return { runs, run };
}

function runner(run: (signal: AbortSignal) => Promise<RecoveryReport>, lock?: RecoveryLock) {
  const metrics = createMetrics({ defaultMetrics: false });
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return {
    runner: new RecoveryRunner({ run, lock, log, metrics }),
    metrics,
    lines,
    runs: (result: string) => counted(metrics, 'quality_gates_webhook_recovery_runs_total', result),
  };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('RecoveryRunner', () => {
  it('skips, and counts, a run asked for while one is in progress, whoever asks', async () => {
    const job = controlledJob();
    const r = runner(job.run);
    const first = r.runner.run('startup');
    await tick();
    expect(await r.runner.run('interval')).toEqual({ result: 'skipped_running' });
    expect(await r.runner.run('signal')).toEqual({ result: 'skipped_running' });
    expect(job.runs).toHaveLength(1);
    expect(await r.runs('skipped_running')).toBe(2);
    job.runs[0]!.finish();
    expect((await first).result).toBe('completed');
    const next = r.runner.run('signal');
    await tick();
    expect(job.runs).toHaveLength(2);
    job.runs[1]!.finish();
    await next;
    expect(await r.runs('completed')).toBe(2);
  });

  it('counts a failed run, and runs again afterwards', async () => {
    const job = controlledJob();
    const r = runner(job.run);
    const first = r.runner.run('interval');
    await tick();
    job.runs[0]!.fail(new Error('GET /app/hook/deliveries: 500'));
    expect(await first).toEqual({ result: 'failed' });
    expect(r.lines.find((l) => l.msg === 'webhook delivery recovery failed')).toMatchObject({ trigger: 'interval' });
    const second = r.runner.run('interval');
    await tick();
    job.runs[1]!.finish();
    expect((await second).result).toBe('completed');
    expect(await r.runs('failed')).toBe(1);
  });

  it('runs once shortly after start-up, before the first interval', async () => {
    const job = controlledJob();
    const r = runner(async (signal) => {
      void job.run(signal);
      return emptyReport;
    });
    r.runner.schedule({ intervalMs: 60_000, startupDelayMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await r.runner.stop();
    expect(job.runs).toHaveLength(1);
  });

  it('neither runs at start-up nor on an interval when the interval is 0', async () => {
    const job = controlledJob();
    const r = runner(job.run);
    r.runner.schedule({ intervalMs: 0, startupDelayMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(job.runs).toHaveLength(0);
  });

  it('stop() aborts the run in progress, waits for it, and starts no more', async () => {
    const job = controlledJob();
    const r = runner(job.run);
    r.runner.schedule({ intervalMs: 10, startupDelayMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(job.runs).toHaveLength(1);
    await r.runner.stop();
    expect(job.runs[0]!.signal.aborted).toBe(true);
    expect(await r.runs('aborted')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(job.runs).toHaveLength(1);
    expect(await r.runner.run('signal')).toEqual({ result: 'stopped' });
  });

  it('with a lock: runs under a lease, skips while another holder has it or it cannot be asked, and stops when the lease is lost', async () => {
    const job = controlledJob();
    const state: { answer: 'lease' | 'held' | 'unavailable'; released: number; lease?: AbortController } = {
      answer: 'held',
      released: 0,
    };
    const lock: RecoveryLock = {
      acquire: async () => {
        if (state.answer !== 'lease') return state.answer;
        state.lease = new AbortController();
        const lease: RecoveryLease = { signal: state.lease.signal, release: async () => void state.released++ };
        return lease;
      },
    };
    const r = runner(job.run, lock);
    expect(await r.runner.run('startup')).toEqual({ result: 'skipped_other_replica' });
    state.answer = 'unavailable';
    expect(await r.runner.run('interval')).toEqual({ result: 'skipped_redis_down' });
    expect(job.runs).toHaveLength(0);
    state.answer = 'lease';
    const held = r.runner.run('signal');
    await tick();
    job.runs[0]!.finish();
    expect((await held).result).toBe('completed');
    expect(state.released).toBe(1);
    const lost = r.runner.run('interval');
    await tick();
    state.lease!.abort(new Error('the lock was lost'));
    expect((await lost).result).toBe('aborted');
    expect(job.runs[1]!.signal.aborted).toBe(true);
    expect(state.released).toBe(2);
    expect(r.lines.find((l) => l.msg === 'webhook delivery recovery stopped before its end')).toMatchObject({
      reason: 'the lock was lost',
    });
    expect([
      await r.runs('skipped_other_replica'),
      await r.runs('skipped_redis_down'),
      await r.runs('aborted'),
    ]).toEqual([1, 1, 1]);
  });
});

describe('the app', () => {
  it('lists deliveries and asks for redelivery as the app itself (JWT), following the cursor', async () => {
    const fake = new FakeGitHub();
    for (let i = 0; i < 100; i++)
      fake.world.addDelivery(fake.appId, {
        guid: `ok-${i}`,
        event: 'pull_request',
        action: 'synchronize',
        status_code: 200,
      });
    const failed = fake.world.addDelivery(fake.appId, {
      guid: 'g1',
      event: 'pull_request',
      action: 'opened',
      status_code: 502,
    });
    fake.install();
    const h = await startHarness(fake);
    const report = await h.app.recoverDeliveries();
    expect(report).toMatchObject({ scanned: 101, pages: 2, failed: 1, redelivered: 1 });
    const calls = fake.requests.filter((r) => r.path.startsWith('/app/hook'));
    expect(calls.map((r) => `${r.method} ${r.path.replace(/cursor=v1_\d+/, 'cursor=…')} ${r.status}`)).toEqual([
      'GET /app/hook/deliveries?per_page=100 200',
      'GET /app/hook/deliveries?per_page=100&cursor=… 200',
      `POST /app/hook/deliveries/${failed.id}/attempts 202`,
    ]);
    expect(calls[0]!.headers!.authorization).toMatch(/^bearer /i); // the stand-in verified this JWT against the app's key
    expect(fake.world.apps.get(fake.appId)!.deliveries.at(-1)).toMatchObject({ guid: 'g1', redelivery: true });
    expect(await h.app.metrics.registry.metrics()).toContain(
      'quality_gates_webhook_redeliveries_total{result="requested"} 1',
    );
  });
});
