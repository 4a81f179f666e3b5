/**
 * `HistoryRecorder` against a store that can be made slow, down or picky: recording never waits
 * and never throws, failed writes are retried with backoff and catch up, what cannot be kept is
 * counted and logged, and a record the database refuses is dropped alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryRecorder, isPermanentError, type HistoryStore } from '../../src/store/recorder.js';
import type { HistoryItem, WriteSummary } from '../../src/store/writer.js';
import { anEvaluation, aLifeEvent, capturingLog, historyMetrics, until } from './support.js';

class FakeStore implements HistoryStore {
  readonly backend = 'server' as const;
  readonly written: HistoryItem[] = [];
  state: 'up' | 'down' | 'hang' = 'up';
  attempts = 0;
  closed = false;
  /** Items the database refuses (a data error). */
  refuse: (item: HistoryItem) => boolean = () => false;
  #release: (() => void)[] = [];

  async ready(): Promise<void> {
    if (this.state === 'down')
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  }
  async ping(): Promise<void> {
    await this.ready();
  }
  async write(items: readonly HistoryItem[]): Promise<WriteSummary> {
    this.attempts++;
    if (this.state === 'hang') await new Promise<void>((resolve) => this.#release.push(resolve));
    if (this.state === 'down')
      throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    if (items.some(this.refuse))
      throw Object.assign(new Error('invalid byte sequence for encoding "UTF8"'), { code: '22021' });
    this.written.push(...items);
    return {
      evaluations: items.filter((i) => i.kind === 'evaluation').length,
      duplicates: 0,
      pullRequests: 0,
      snapshots: 0,
    };
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  release(): void {
    for (const r of this.#release.splice(0)) r();
  }
}

const recorders: HistoryRecorder[] = [];
afterEach(async () => {
  for (const r of recorders.splice(0)) await r.close(0);
});

function setup(options: { maxRecords?: number; batchSize?: number } = {}) {
  const store = new FakeStore();
  const { log, lines } = capturingLog();
  const { metrics, value } = historyMetrics();
  const recorder = new HistoryRecorder({
    store,
    log,
    metrics: metrics.history,
    backoff: { initialMs: 10, maxMs: 80 },
    flushDelayMs: 1,
    probeIntervalMs: 0,
    ...options,
  });
  recorders.push(recorder);
  const messages = () => lines().map((l) => l.msg);
  return { store, recorder, value, lines, messages };
}

describe('HistoryRecorder', () => {
  it('returns at once, whatever the database does', async () => {
    const { store, recorder } = setup();
    store.state = 'hang';
    const record = anEvaluation();
    const started = performance.now();
    for (let i = 0; i < 1000; i++) recorder.recordEvaluation({ ...record, deliveryId: `d${i}` });
    const perCall = (performance.now() - started) / 1000;
    // A guard against blocking, not a speed test: a call that waited on the database would take the whole hang.
    expect(perCall).toBeLessThan(5);
    await until(() => store.attempts > 0);
    expect(recorder.buffered).toBe(1000);
    store.state = 'up';
    store.release();
    expect(await recorder.drained(5000)).toBe(true);
    expect(store.written).toHaveLength(1000);
  });

  it('retries with backoff while the database is down, reports it, and catches up in order when it is back', async () => {
    const { store, recorder, value, messages } = setup({ batchSize: 7 });
    recorder.start();
    store.state = 'down';
    for (let i = 0; i < 40; i++) recorder.recordEvaluation(anEvaluation({ pr: { number: i + 1 } }));
    await until(() => recorder.health().history === 'degraded');
    expect(await value('quality_gates_history_up')).toBe(0);
    const attemptsBefore = store.attempts;
    await new Promise((r) => setTimeout(r, 400));
    // Backoff: at most one attempt per 80 ms, not a hot loop.
    expect(store.attempts - attemptsBefore).toBeLessThan(400 / 64 + 2);
    expect(recorder.buffered).toBe(40);

    store.state = 'up';
    expect(await recorder.drained(5000)).toBe(true);
    expect(store.written.map((i) => i.record.number)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(recorder.health()).toEqual({ history: 'ok', historyBackend: 'server', historyBuffered: 0 });
    expect(await value('quality_gates_history_up')).toBe(1);
    expect(await value('quality_gates_history_written_total', { kind: 'evaluation' })).toBe(40);
    expect(await value('quality_gates_history_dropped_total', { reason: 'overflow' })).toBe(0);
    expect(messages().filter((m) => m === 'history write failed; retrying').length).toBeGreaterThanOrEqual(1);
    expect(messages().filter((m) => m === 'history write failed; retrying').length).toBeLessThan(5);
    expect(messages()).toContain('history database reachable again; catching up');
  });

  it('drops what does not fit in the buffer, counts it and logs it', async () => {
    const { store, recorder, value, lines } = setup({ maxRecords: 10 });
    store.state = 'down';
    for (let i = 0; i < 25; i++) recorder.recordEvaluation(anEvaluation({ pr: { number: i + 1 } }));
    expect(recorder.buffered).toBe(10);
    expect(await value('quality_gates_history_dropped_total', { reason: 'overflow' })).toBe(15);
    expect(recorder.health().history).toBe('degraded');
    const dropped = lines().find((l) => l.msg === 'history records dropped');
    expect(dropped).toMatchObject({ level: 40, reason: 'overflow', buffered: 10 });
    store.state = 'up';
    expect(await recorder.drained(5000)).toBe(true);
    expect(store.written.map((i) => i.record.number)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it('isolates a record the database refuses, drops it alone, and writes the rest', async () => {
    const { store, recorder, value, lines } = setup({ batchSize: 50 });
    store.refuse = (item) => item.record.number === 13;
    for (let i = 0; i < 30; i++) recorder.recordEvaluation(anEvaluation({ pr: { number: i + 1 } }));
    expect(await recorder.drained(5000)).toBe(true);
    expect(store.written.map((i) => i.record.number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1).filter((n) => n !== 13),
    );
    expect(await value('quality_gates_history_dropped_total', { reason: 'rejected' })).toBe(1);
    expect(lines().find((l) => l.msg === 'history record rejected by the database; dropped')).toMatchObject({
      level: 50,
      code: '22021',
      kind: 'evaluation',
      pr: 13,
    });
  });

  it('keeps only the newest open-PR snapshot of a pull request in the buffer', async () => {
    const { store, recorder } = setup();
    store.state = 'down';
    for (let i = 0; i < 5; i++) recorder.recordEvaluation(anEvaluation({ pr: { number: 4, title: `Version ${i}` } }));
    recorder.recordPullRequest(aLifeEvent(4, '2026-03-02T10:00:00Z', { firstReviewAt: '2026-03-02T10:00:00Z' }));
    store.state = 'up';
    expect(await recorder.drained(5000)).toBe(true);
    const withSnapshot = store.written.flatMap((i) =>
      i.kind === 'evaluation' && i.record.snapshot ? [JSON.parse(i.record.snapshot.json).pr.title] : [],
    );
    expect(withSnapshot).toEqual(['Version 4']);
    expect(store.written).toHaveLength(6);
  });

  it('on close writes what it can, counts the rest as dropped at shutdown, and closes the database', async () => {
    const { store, recorder, value } = setup();
    store.state = 'down';
    for (let i = 0; i < 3; i++) recorder.recordEvaluation(anEvaluation({ pr: { number: i + 1 } }));
    await recorder.close(50);
    expect(await value('quality_gates_history_dropped_total', { reason: 'shutdown' })).toBe(3);
    recorder.recordEvaluation(anEvaluation());
    expect(await value('quality_gates_history_dropped_total', { reason: 'shutdown' })).toBe(4);
    expect(store.closed).toBe(true);
  });

  it('never throws into the caller, even for a record it cannot read', () => {
    const { recorder } = setup();
    expect(() => recorder.recordEvaluation(null as never)).not.toThrow();
    expect(() => recorder.recordPullRequest({} as never)).not.toThrow();
  });

  it('says "starting" until the database answers, then "ok"; an idle probe notices it going away', async () => {
    const store = new FakeStore();
    const { metrics } = historyMetrics();
    const recorder = new HistoryRecorder({
      store,
      log: capturingLog().log,
      metrics: metrics.history,
      backoff: { initialMs: 10, maxMs: 40 },
      probeIntervalMs: 20,
    });
    recorders.push(recorder);
    store.state = 'down';
    expect(recorder.health().history).toBe('starting');
    recorder.start();
    await until(() => recorder.health().history === 'degraded');
    store.state = 'up';
    await until(() => recorder.health().history === 'ok');
    store.state = 'down';
    await until(() => recorder.health().history === 'degraded');
  });
});

describe('isPermanentError', () => {
  it.each([
    ['22021', true],
    ['23505', true],
    ['42P01', true],
    ['57P01', false],
    ['08006', false],
    ['40P01', false],
    ['53300', false],
    ['ECONNREFUSED', false],
    [undefined, false],
  ])('%s → %s', (code, permanent) => {
    expect(isPermanentError(Object.assign(new Error('x'), { code }))).toBe(permanent);
  });
});
