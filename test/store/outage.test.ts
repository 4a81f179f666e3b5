/**
 * The history against a real PostgreSQL server that goes away: stopped mid-burst, nothing that
 * records waits; records are retried and catch up when the server is back, without duplicates;
 * with a buffer too small for the outage, what was dropped is counted and everything else is
 * there. And two replicas recording into one server: no duplicate rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresServer } from '../support/postgres-server.js';
import { startHistory, type History } from '../../src/store/history.js';
import { historySettingsFromEnv } from '../../src/store/settings.js';
import {
  anEvaluation,
  capturingLog,
  historyMetrics,
  OPEN_TIMEOUT_MS,
  POSTGRES_BIN,
  TestDatabase,
  until,
} from './support.js';

const PASSWORD = 'pw-never-logged';
const FAST = { backoff: { initialMs: 50, maxMs: 250 }, flushDelayMs: 5, probeIntervalMs: 100 };

describe.skipIf(!POSTGRES_BIN)('history with a PostgreSQL server that goes away', () => {
  let t: TestDatabase;
  let server: PostgresServer;
  const histories: History[] = [];
  beforeAll(async () => {
    t = await TestDatabase.open('server');
    server = t.server!;
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => {
    for (const h of histories) await h.close(0);
    await t?.close();
  });

  const start = (maxRecords?: number) => {
    const { log, lines } = capturingLog();
    const { metrics, value } = historyMetrics();
    // With a password in the URL (the server trusts loopback and ignores it): it must never reach a log.
    const url = t.url!.replace('postgres@', `postgres:${PASSWORD}@`);
    const history = startHistory({
      settings: historySettingsFromEnv({ DATABASE_URL: url }),
      log,
      metrics,
      recorder: { ...FAST, ...(maxRecords ? { maxRecords } : {}) },
    });
    histories.push(history);
    return { history, lines, value };
  };

  it('never blocks while the server is stopped mid-burst, and catches up without duplicates when it is back', async () => {
    await t.reset();
    const { history, lines, value } = start();
    await until(() => history.health().history === 'ok');
    let slowest = 0;
    const burst = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const record = anEvaluation({ pr: { number: 1 + (i % 40) }, delivery: `burst-${i}` });
        const started = performance.now();
        history.recordEvaluation(record);
        slowest = Math.max(slowest, performance.now() - started);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await burst(0, 60);
    await server.stop('immediate');
    await burst(60, 150);
    await until(() => history.health().history === 'degraded');
    expect(await value('quality_gates_history_up')).toBe(0);
    await server.restart();
    await burst(150, 200);
    expect(await history.drained(60_000)).toBe(true);

    // A guard against blocking (a call that waited on the database would take seconds), not a speed test.
    expect(slowest).toBeLessThan(250);
    expect(await t.count('evaluations')).toBe(200);
    expect(await t.count('gate_results')).toBe(1000);
    const prs = await t.db
      .selectFrom('pull_requests')
      .select((eb) => eb.fn.sum<number>('evaluations').as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(prs.n)).toBe(200);
    expect(await value('quality_gates_history_dropped_total', { reason: 'overflow' })).toBe(0);
    expect(await value('quality_gates_history_written_total', { kind: 'evaluation' })).toBe(200);
    await until(() => history.health().history === 'ok');
    const messages = lines().map((l) => l.msg);
    expect(JSON.stringify(lines())).not.toContain(PASSWORD);
    expect(messages).toContain('history write failed; retrying');
    expect(messages).toContain('history database reachable again; catching up');
  }, 120_000);

  it('counts what a too-small buffer dropped during the outage; everything else is written', async () => {
    await t.reset();
    const { history, lines, value } = start(25);
    await until(() => history.health().history === 'ok');
    await server.stop('fast');
    for (let i = 0; i < 100; i++)
      history.recordEvaluation(anEvaluation({ pr: { number: 1 + i }, delivery: `small-${i}` }));
    const dropped = await value('quality_gates_history_dropped_total', { reason: 'overflow' });
    expect(dropped).toBe(75);
    expect(lines().find((l) => l.msg === 'history records dropped')).toMatchObject({ reason: 'overflow' });
    await server.restart();
    expect(await history.drained(60_000)).toBe(true);
    expect(await t.count('evaluations')).toBe(100 - dropped);
  }, 120_000);

  it('two replicas recording the same evaluations into one server store each once', async () => {
    await t.reset();
    const a = start();
    const b = start();
    const shared = Array.from({ length: 120 }, (_, i) =>
      anEvaluation({ pr: { number: 1 + (i % 30) }, delivery: `shared-${i}` }),
    );
    for (const [i, record] of shared.entries()) {
      a.history.recordEvaluation(record);
      b.history.recordEvaluation(record);
      if (i % 3 === 0) a.history.recordEvaluation(anEvaluation({ pr: { number: 100 + i }, delivery: `only-a-${i}` }));
    }
    expect(await a.history.drained(60_000)).toBe(true);
    expect(await b.history.drained(60_000)).toBe(true);
    expect(await t.count('evaluations')).toBe(160);
    expect(await t.count('gate_results')).toBe(800);
    const prs = await t.db
      .selectFrom('pull_requests')
      .select((eb) => eb.fn.sum<number>('evaluations').as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(prs.n)).toBe(160);
  }, 120_000);
});
