/**
 * Missed-webhook recovery against delivery lists: which deliveries are
 * redelivered, paging and the lookback bound, and the real app's calls as itself
 * against the stand-in's deliveries API.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { recoverFailedDeliveries, type DeliveriesApi, type HookDelivery } from '../src/redeliver.js';
import { FakeGitHub } from './support/fake-github.js';
import { resetNock, startHarness } from './support/harness.js';

afterEach(() => resetNock());

const NOW = Date.parse('2026-11-25T12:00:00Z');
const ago = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString();
let nextId = 1;
const delivery = (guid: string, status: number, minutes: number, event = 'pull_request'): HookDelivery => ({ id: nextId++, guid, delivered_at: ago(minutes), status_code: status, event, action: 'opened' });

function fakeApi(pages: HookDelivery[][]) {
  const redelivered: number[] = [];
  const api: DeliveriesApi = {
    async list(cursor) {
      const i = cursor ? Number(cursor) : 0;
      return { deliveries: pages[i] ?? [], next: i + 1 < pages.length ? String(i + 1) : undefined };
    },
    async redeliver(id) {
      redelivered.push(id);
    },
  };
  return { api, redelivered };
}

const options = { lookbackMs: 60 * 60_000, maxAttempts: 3, maxPages: 10, now: () => NOW, log: pino({ level: 'silent' }) };

describe('recoverFailedDeliveries', () => {
  it('redelivers the latest attempt of each failed delivery of an evaluated event, and nothing else', async () => {
    const failedOnce = delivery('a', 502, 5);
    const failedTwice = [delivery('b', 0, 30), delivery('b', 503, 20)];
    const recovered = [delivery('c', 500, 40), delivery('c', 200, 35)];
    const ok = delivery('d', 200, 1);
    const ignoredEvent = delivery('e', 500, 2, 'star');
    const tooOld = delivery('f', 500, 90);
    const { api, redelivered } = fakeApi([[ok, failedOnce, ignoredEvent, ...failedTwice], [...recovered, tooOld]]);
    const report = await recoverFailedDeliveries(api, options);
    expect(redelivered.sort()).toEqual([failedOnce.id, failedTwice[1]!.id].sort());
    expect(report).toEqual({ scanned: 7, failed: 2, redelivered: 2 });
  });

  it('stops after maxAttempts for a delivery that keeps failing', async () => {
    const { api, redelivered } = fakeApi([[delivery('x', 500, 3), delivery('x', 500, 2), delivery('x', 500, 1)]]);
    const report = await recoverFailedDeliveries(api, options);
    expect(redelivered).toEqual([]);
    expect(report.failed).toBe(1);
  });

  it('stops paging at the lookback bound and at maxPages', async () => {
    let listed = 0;
    const pages = Array.from({ length: 20 }, (_, p) => [delivery(`p${p}`, 200, p * 10)]);
    const { api } = fakeApi(pages);
    const counting: DeliveriesApi = { ...api, list: (c) => (listed++, api.list(c)) };
    await recoverFailedDeliveries(counting, options);
    expect(listed).toBe(8); // minutes 0..60 are within the hour; page 7 (70 min) ends it
    listed = 0;
    await recoverFailedDeliveries(counting, { ...options, lookbackMs: 10 * 24 * 3600_000, maxPages: 3 });
    expect(listed).toBe(3);
  });
});

describe('the app', () => {
  it('lists deliveries and asks for redelivery as the app itself (JWT), following the cursor', async () => {
    const fake = new FakeGitHub();
    for (let i = 0; i < 100; i++) fake.world.addDelivery(fake.appId, { guid: `ok-${i}`, event: 'pull_request', action: 'synchronize', status_code: 200 });
    const failed = fake.world.addDelivery(fake.appId, { guid: 'g1', event: 'pull_request', action: 'opened', status_code: 502 });
    fake.install();
    const h = await startHarness(fake);
    const report = await h.app.recoverDeliveries();
    expect(report).toEqual({ scanned: 101, failed: 1, redelivered: 1 });
    const calls = fake.requests.filter((r) => r.path.startsWith('/app/hook'));
    expect(calls.map((r) => `${r.method} ${r.path.replace(/cursor=v1_\d+/, 'cursor=…')} ${r.status}`)).toEqual([
      'GET /app/hook/deliveries?per_page=100 200',
      'GET /app/hook/deliveries?per_page=100&cursor=… 200',
      `POST /app/hook/deliveries/${failed.id}/attempts 202`,
    ]);
    expect(calls[0]!.headers!.authorization).toMatch(/^bearer /i); // the stand-in verified this JWT against the app's key
    expect(fake.world.apps.get(fake.appId)!.deliveries.at(-1)).toMatchObject({ guid: 'g1', redelivery: true });
    expect(await h.app.metrics.registry.metrics()).toContain('quality_gates_webhook_redeliveries_total{result="requested"} 1');
  });
});
