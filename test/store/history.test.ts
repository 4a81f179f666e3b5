/**
 * `startHistory` as the app starts it: `HISTORY=off` opens nothing; the embedded database lives in
 * an owner-only `DATA_DIR`, keeps its data across restarts, and is never opened by two processes.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, ensurePrivateDirectory, lockDataDir } from '../../src/store/database.js';
import { startHistory } from '../../src/store/history.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { historySettingsFromEnv } from '../../src/store/settings.js';
import { anEvaluation, capturingLog, historyMetrics, OPEN_TIMEOUT_MS, silent, until } from './support.js';

const root = mkdtempSync(join(tmpdir(), 'quality-gates-history-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('startHistory', () => {
  it('with HISTORY=off records nothing and opens no database', async () => {
    const dataDir = join(root, 'off');
    const { metrics } = historyMetrics();
    const history = startHistory({
      settings: historySettingsFromEnv({ HISTORY: 'off', DATA_DIR: dataDir }),
      log: silent,
      metrics,
    });
    history.recordEvaluation(anEvaluation());
    expect(await history.drained(100)).toBe(true);
    expect(history.health()).toEqual({ history: 'off' });
    await expect(history.database()).rejects.toThrow(/HISTORY=off/);
    await history.close();
    expect(existsSync(dataDir)).toBe(false);
    expect(await metrics.registry.metrics()).not.toContain('quality_gates_history_up');
  });

  it(
    'keeps the embedded database in an owner-only DATA_DIR, across a restart',
    async () => {
      const dataDir = join(root, 'nested', 'data');
      const { log, lines } = capturingLog();
      const first = startHistory({
        settings: historySettingsFromEnv({ DATA_DIR: dataDir }),
        log,
        metrics: historyMetrics().metrics,
        recorder: { probeIntervalMs: 0 },
      });
      first.recordEvaluation(anEvaluation({ pr: { number: 1 } }));
      first.recordEvaluation(anEvaluation({ pr: { number: 2 } }));
      expect(await first.drained(OPEN_TIMEOUT_MS)).toBe(true);
      expect(first.health()).toMatchObject({ history: 'ok', historyBackend: 'embedded' });
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(lines().find((l) => l.msg === 'history database open')).toMatchObject({
        backend: 'embedded',
        migrationsApplied: Object.keys(MIGRATIONS),
      });
      await first.close();
      expect(existsSync(join(dataDir, 'history.lock'))).toBe(false);

      const second = startHistory({
        settings: historySettingsFromEnv({ DATA_DIR: dataDir }),
        log: silent,
        metrics: historyMetrics().metrics,
        recorder: { probeIntervalMs: 0 },
      });
      const db = await second.database();
      const rows = await db.selectFrom('evaluations').select('pr_number').orderBy('pr_number').execute();
      expect(rows.map((r) => r.pr_number)).toEqual([1, 2]);
      await second.close();
    },
    2 * OPEN_TIMEOUT_MS,
  );

  it('reports a DATA_DIR held by another live process as degraded, with the fix', async () => {
    const dataDir = join(root, 'held');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dataDir, 'history.lock'), String(process.ppid));
    const { log, lines } = capturingLog();
    const history = startHistory({
      settings: historySettingsFromEnv({ DATA_DIR: dataDir }),
      log,
      metrics: historyMetrics().metrics,
      recorder: { backoff: { initialMs: 10, maxMs: 20 }, probeIntervalMs: 0 },
    });
    history.recordEvaluation(anEvaluation());
    await until(() => history.health().history === 'degraded');
    const warning = lines().find((l) => l.msg === 'history write failed; retrying');
    expect(String((warning?.err as { message?: string })?.message)).toMatch(
      /DATA_DIR .* is in use by process \d+: .* set DATABASE_URL to share a PostgreSQL server/,
    );
    await history.close(0);
  });
});

describe('DATA_DIR', () => {
  it('is taken by one process at a time; a lock left by a process that is gone is taken over', () => {
    const dir = mkdtempSync(join(root, 'lock-'));
    writeFileSync(join(dir, 'history.lock'), String(process.ppid));
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    writeFileSync(join(dir, 'history.lock'), '2147483646');
    const release = lockDataDir(dir);
    expect(() => lockDataDir(dir)).not.toThrow(); // the same process may reopen it
    release();
    expect(existsSync(join(dir, 'history.lock'))).toBe(false);
  });

  it('is narrowed to owner-only when it exists open to others', () => {
    const dir = join(root, 'open');
    mkdirSync(dir, { mode: 0o755 });
    ensurePrivateDirectory(dir, silent);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});
