/**
 * The history of the benchmark's app runs (bench/run.ts, bench/history-overhead.ts): `off` (the
 * default: HISTORY=off), `embedded` (a fresh DATA_DIR per app start, deleted after the run) or
 * `server` (one PostgreSQL server started for the benchmark on a free port, a fresh database per
 * app start). Never the repository's own `./data`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresServer } from '../test/support/postgres-server.js';
import type { AppProcess } from './processes.js';

export const APP_HISTORY_MODES = ['off', 'embedded', 'server'] as const;
export type AppHistoryMode = (typeof APP_HISTORY_MODES)[number];

export function appHistoryMode(value: string | undefined, name: string): AppHistoryMode {
  const mode = (value ?? 'off').trim() || 'off';
  if (!(APP_HISTORY_MODES as readonly string[]).includes(mode))
    throw new Error(`${name} must be one of ${APP_HISTORY_MODES.join(', ')} (got "${value}")`);
  return mode as AppHistoryMode;
}

/** What the history of one app run did, read from its `/metrics` once its buffer was empty. */
export interface AppHistoryCounts {
  readonly mode: AppHistoryMode;
  readonly evaluationsWritten: number;
  readonly lifeEventsWritten: number;
  readonly dropped: number;
  /** Records still buffered when the run ended (0 unless the history could not keep up). */
  readonly buffered: number;
}

export class AppHistory {
  #server: PostgresServer | undefined;
  #databases = 0;
  readonly #dirs: string[] = [];

  private constructor(readonly mode: AppHistoryMode) {}

  static async start(mode: AppHistoryMode): Promise<AppHistory> {
    const history = new AppHistory(mode);
    if (mode === 'server') history.#server = await PostgresServer.start();
    return history;
  }

  /** The environment of one app start. */
  async env(): Promise<Record<string, string>> {
    if (this.mode === 'off') return { HISTORY: 'off' };
    if (this.mode === 'embedded') {
      const dir = mkdtempSync(join(tmpdir(), 'quality-gates-bench-data-'));
      this.#dirs.push(dir);
      return { HISTORY: 'on', DATA_DIR: join(dir, 'data') };
    }
    return { HISTORY: 'on', DATABASE_URL: await this.#server!.createDatabase(`bench_app_${++this.#databases}`) };
  }

  /** Waits until the app's history database is open (its first start migrates; an embedded one runs initdb). */
  async ready(app: AppProcess, timeoutMs = 300_000): Promise<void> {
    if (this.mode === 'off') return;
    const deadline = Date.now() + timeoutMs;
    while ((JSON.parse(await app.get('/readyz')) as { history?: string }).history !== 'ok') {
      if (Date.now() > deadline)
        throw new Error(`${app.name}: the history database did not open within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Waits (up to `timeoutMs`) for the app's history buffer to empty, then reads its counters. */
  async counts(app: AppProcess, timeoutMs = 60_000): Promise<AppHistoryCounts | undefined> {
    if (this.mode === 'off') return undefined;
    const deadline = Date.now() + timeoutMs;
    let buffered = NaN;
    for (;;) {
      buffered = (JSON.parse(await app.get('/readyz')) as { historyBuffered?: number }).historyBuffered ?? NaN;
      if (buffered === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const text = await app.get('/metrics');
    const sum = (pattern: RegExp) => [...text.matchAll(pattern)].reduce((total, m) => total + Number(m[1]), 0);
    return {
      mode: this.mode,
      evaluationsWritten: sum(/^quality_gates_history_written_total\{kind="evaluation"\} (\S+)$/gm),
      lifeEventsWritten: sum(/^quality_gates_history_written_total\{kind="pull_request"\} (\S+)$/gm),
      dropped: sum(/^quality_gates_history_dropped_total\{[^}]*\} (\S+)$/gm),
      buffered,
    };
  }

  async close(): Promise<void> {
    await this.#server?.destroy();
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}
