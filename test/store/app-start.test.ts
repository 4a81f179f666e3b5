/**
 * The history through the real entry point (`startApp`, its environment, the HTTP server), against
 * the GitHub stand-in:
 *
 * - no DATABASE_URL: the embedded database in DATA_DIR (created owner-only), history written;
 * - HISTORY=off: no directory, no connection, nothing on `/readyz` but `history: "off"`;
 * - a PostgreSQL server this file starts on a free port: two replicas on one server record no row
 *   twice; the server stopped mid-burst and restarted: every check run written without waiting,
 *   `/readyz` degraded (200) while it is down, the history catches up, and what a too-small
 *   buffer dropped is counted on `/metrics` and logged.
 */
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgresServer } from '../support/postgres-server.js';
import { loggerOptions } from '../../src/ops/logger.js';
import { startApp, type RunningApp, type StartOptions } from '../../src/server/main.js';
import { openDatabase } from '../../src/store/database.js';
import { freePort } from '../stand-in/free-port.js';
import { FakeGitHub, type FakePull } from '../support/fake-github.js';
import { pullRequestPayload, resetNock, testPrivateKey } from '../support/harness.js';
import { OPEN_TIMEOUT_MS, POSTGRES_BIN, silent, until } from './support.js';

const SECRET = 'shh';
/** Short retries, so a test does not wait out the production backoff (up to 30 s). */
const FAST = { backoff: { initialMs: 50, maxMs: 300 }, flushDelayMs: 5, probeIntervalMs: 100 };

interface Replica {
  readonly running: RunningApp;
  readonly base: string;
  readonly lines: () => Record<string, unknown>[];
}

const replicas: Replica[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const r of replicas.splice(0)) await r.running.shutdown('test');
  resetNock();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function replica(
  fake: FakeGitHub,
  env: Record<string, string>,
  history?: StartOptions['history'],
): Promise<Replica> {
  const port = await freePort();
  const lines: string[] = [];
  const running = await startApp({
    env: {
      APP_ID: String(fake.appId),
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET: SECRET,
      PORT: String(port),
      HOST: '127.0.0.1',
      REDELIVERY_INTERVAL_MS: '0',
      SHUTDOWN_GRACE_MS: '5000',
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
    client: { sleep: async () => {}, writeSpacingMs: 0 },
    ...(history ? { history } : {}),
  });
  const r: Replica = {
    running,
    base: `http://127.0.0.1:${port}`,
    lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
  replicas.push(r);
  return r;
}

async function post(r: Replica, payload: unknown, delivery: string): Promise<{ status: number; ms: number }> {
  const body = JSON.stringify(payload);
  const started = performance.now();
  const res = await fetch(`${r.base}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': delivery,
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
    body,
  });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started };
}

async function readyz(r: Replica): Promise<Record<string, unknown>> {
  const res = await fetch(`${r.base}/readyz`);
  return { code: res.status, ...((await res.json()) as Record<string, unknown>) };
}

async function metric(r: Replica, line: string): Promise<number> {
  const found = (await (await fetch(`${r.base}/metrics`)).text()).split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : 0;
}

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'quality-gates-history-app-'));
  dirs.push(dir);
  return dir;
};

const headOf = (n: number) => n.toString(16).padStart(40, 'e');
const newPull = (fake: FakeGitHub, n: number): FakePull =>
  fake.addPull({ number: n, headRefOid: headOf(n), commits: [{ oid: headOf(n), message: 'Change' }] });
const closedPayload = (fake: FakeGitHub, pull: FakePull) => {
  const payload = pullRequestPayload(fake, pull, 'closed');
  const at = new Date(Date.now() + 1_000).toISOString();
  Object.assign(payload.pull_request, { state: 'closed', merged: true, closed_at: at, merged_at: at, updated_at: at });
  return payload;
};

describe('the history as `npm start` opens it', () => {
  it(
    'with no DATABASE_URL, writes the history into DATA_DIR, created owner-only',
    async () => {
      const fake = new FakeGitHub();
      fake.install();
      const dataDir = join(tempDir(), 'nested', 'data');
      const r = await replica(fake, { DATA_DIR: dataDir });
      const pull = newPull(fake, 1);
      expect((await post(r, pullRequestPayload(fake, pull), 'embedded-1')).status).toBe(200);
      await until(() => fake.runsOn(pull.headRefOid).some((run) => run.status === 'completed'), 20_000);
      await until(
        async () => (await metric(r, 'quality_gates_history_written_total{kind="evaluation"}')) === 1,
        OPEN_TIMEOUT_MS,
        'the evaluation was not written to the embedded history',
      );
      expect(await readyz(r)).toMatchObject({
        code: 200,
        status: 'ready',
        history: 'ok',
        historyBackend: 'embedded',
        historyBuffered: 0,
      });
      expect(await metric(r, 'quality_gates_history_up')).toBe(1);
      expect(r.lines().find((l) => l.msg === 'history database open')).toMatchObject({ backend: 'embedded' });
      await r.running.shutdown('test');
      replicas.splice(0);

      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      const opened = await openDatabase({ dataDir }, silent);
      try {
        const rows = await opened.db
          .selectFrom('evaluations')
          .select(['pr_number', 'delivery_id', 'trigger_event'])
          .execute();
        expect(rows).toEqual([{ pr_number: 1, delivery_id: 'embedded-1', trigger_event: 'pull_request.opened' }]);
      } finally {
        await opened.close();
      }
    },
    OPEN_TIMEOUT_MS,
  );

  it('with HISTORY=off, opens nothing: no directory, no connection, no history metric', async () => {
    const fake = new FakeGitHub();
    fake.install();
    const dataDir = join(tempDir(), 'data');
    const sockets: Socket[] = [];
    const listener = createServer((socket) => sockets.push(socket));
    const port = await freePort();
    await new Promise<void>((resolve) => listener.listen(port, '127.0.0.1', resolve));
    try {
      const r = await replica(fake, {
        HISTORY: 'off',
        DATA_DIR: dataDir,
        DATABASE_URL: `postgres://quality:gates@127.0.0.1:${port}/history`,
      });
      const pull = newPull(fake, 2);
      expect((await post(r, pullRequestPayload(fake, pull), 'off-1')).status).toBe(200);
      expect((await post(r, closedPayload(fake, pull), 'off-2')).status).toBe(200);
      await until(() => fake.runsOn(pull.headRefOid).some((run) => run.status === 'completed'), 20_000);
      await r.running.app.idle();
      expect(await readyz(r)).toEqual({
        code: 200,
        status: 'ready',
        queueDepth: 0,
        active: 0,
        queue: 'memory',
        history: 'off',
      });
      const metrics = await (await fetch(`${r.base}/metrics`)).text();
      expect(metrics).not.toContain('quality_gates_history_up');
      expect(metrics).not.toMatch(/^quality_gates_history_(written|dropped)_total\{/m);
      expect(existsSync(dataDir)).toBe(false);
      expect(sockets).toHaveLength(0);
      expect(r.lines().some((l) => l.msg === 'history is off (HISTORY=off): nothing is recorded')).toBe(true);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => listener.close(resolve));
    }
  });
});

describe.skipIf(!POSTGRES_BIN)('the history on a PostgreSQL server, through the app', () => {
  let server: PostgresServer;
  let url: string;
  let database = 0;

  beforeAll(async () => {
    server = await PostgresServer.start({ bin: POSTGRES_BIN });
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => {
    await server?.destroy();
  });

  /** A fresh database for each test, and a connection to count its rows. */
  const freshDatabase = async () => {
    url = await server.createDatabase(`history_app_${++database}`);
    const opened = await openDatabase({ databaseUrl: url }, silent);
    const count = async (table: 'evaluations' | 'pull_requests' | 'gate_results' | 'open_pull_requests') =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(opened.db)).rows[0]!.n;
    return { opened, count };
  };

  it(
    'two replicas on one server: each delivery recorded once, whichever replicas evaluated it',
    async () => {
      const fake = new FakeGitHub();
      fake.install();
      const { opened, count } = await freshDatabase();
      try {
        // Started together: the migrations run once, under the advisory lock.
        const [one, two] = await Promise.all([
          replica(fake, { DATABASE_URL: url }, FAST),
          replica(fake, { DATABASE_URL: url }, FAST),
        ]);
        await until(
          async () => (await readyz(one!)).history === 'ok' && (await readyz(two!)).history === 'ok',
          OPEN_TIMEOUT_MS,
        );
        const a = newPull(fake, 3);
        const b = newPull(fake, 4);
        // The same delivery reaching both replicas (a redelivery landing on the other one), and one each.
        for (const r of [one!, two!])
          expect((await post(r, pullRequestPayload(fake, a), 'replicas-a')).status).toBe(200);
        expect((await post(two!, pullRequestPayload(fake, b), 'replicas-b')).status).toBe(200);
        await until(
          () => [a, b].every((p) => fake.runsOn(p.headRefOid).some((run) => run.status === 'completed')),
          20_000,
        );
        for (const r of [one!, two!]) await r.running.app.idle();
        for (const r of [one!, two!])
          expect((await post(r, closedPayload(fake, a), 'replicas-closed')).status).toBe(200);
        for (const r of [one!, two!]) expect(await r.running.history.drained(30_000)).toBe(true);

        expect(await metric(one!, 'quality_gates_history_written_total{kind="evaluation"}')).toBe(1);
        expect(await metric(two!, 'quality_gates_history_written_total{kind="evaluation"}')).toBe(2);
        expect(await count('evaluations')).toBe(2);
        expect(await count('pull_requests')).toBe(2);
        const prs = await opened.db
          .selectFrom('pull_requests')
          .select(['pr_number', 'evaluations', 'state'])
          .orderBy('pr_number')
          .execute();
        expect(prs).toEqual([
          { pr_number: 3, evaluations: 1, state: 'merged' },
          { pr_number: 4, evaluations: 1, state: 'open' },
        ]);
        expect(await count('open_pull_requests')).toBe(1);
        const migrated = [one!, two!].flatMap((r) =>
          r
            .lines()
            .filter((l) => l.msg === 'history database open')
            .map((l) => (l.migrationsApplied as string[]).length),
        );
        expect(migrated.filter((n) => n > 0)).toHaveLength(1);
      } finally {
        await opened.close();
      }
    },
    OPEN_TIMEOUT_MS,
  );

  it(
    'the server stopped mid-burst: every check run written without waiting, /readyz degraded, the history catches up',
    async () => {
      const fake = new FakeGitHub();
      fake.install();
      const { opened, count } = await freshDatabase();
      try {
        const r = await replica(fake, { DATABASE_URL: url }, FAST);
        await until(async () => (await readyz(r)).history === 'ok', OPEN_TIMEOUT_MS);
        const pulls = Array.from({ length: 30 }, (_, i) => newPull(fake, 100 + i));
        const send = async (from: number, to: number) => {
          for (let i = from; i < to; i++)
            expect((await post(r, pullRequestPayload(fake, pulls[i]!), `outage-${i}`)).status).toBe(200);
        };
        const written = (from: number, to: number) =>
          pulls.slice(from, to).every((p) => fake.runsOn(p.headRefOid).some((run) => run.status === 'completed'));

        await send(0, 10);
        await server.stop('immediate');
        await send(10, 30);
        // Every check run, those of the outage included, written while the server is still down.
        await until(() => written(0, 30), 20_000, 'check runs were not all written while the database was down');
        await until(async () => (await readyz(r)).history === 'degraded', 10_000);
        expect(server.running).toBe(false);
        expect(await readyz(r)).toMatchObject({
          code: 200,
          status: 'degraded',
          history: 'degraded',
          historyBackend: 'server',
        });
        expect(await metric(r, 'quality_gates_history_up')).toBe(0);
        // Not delayed: no evaluation waited on the database (a connection timeout would take seconds).
        const durations = r
          .lines()
          .filter((l) => l.msg === 'evaluation finished')
          .map((l) => l.durationMs as number);
        expect(durations).toHaveLength(30);
        expect(Math.max(...durations)).toBeLessThan(2_000);

        await server.restart();
        expect(await r.running.history.drained(60_000)).toBe(true);
        expect(await count('evaluations')).toBe(30);
        expect(await count('pull_requests')).toBe(30);
        expect(await metric(r, 'quality_gates_history_dropped_total{reason="overflow"}')).toBe(0);
        await until(async () => (await readyz(r)).status === 'ready', 10_000);
        const messages = r.lines().map((l) => l.msg);
        expect(messages).toContain('history write failed; retrying');
        expect(messages).toContain('history database reachable again; catching up');
      } finally {
        await server.restart();
        await opened.close();
      }
    },
    OPEN_TIMEOUT_MS,
  );

  it(
    'counts and logs what a too-small buffer dropped while the server was down; the rest is written',
    async () => {
      const fake = new FakeGitHub();
      fake.install();
      const { opened, count } = await freshDatabase();
      try {
        const r = await replica(fake, { DATABASE_URL: url }, { ...FAST, maxRecords: 6 });
        await until(async () => (await readyz(r)).history === 'ok', OPEN_TIMEOUT_MS);
        await server.stop('immediate');
        const pulls = Array.from({ length: 12 }, (_, i) => newPull(fake, 200 + i));
        for (const [i, p] of pulls.entries())
          expect((await post(r, pullRequestPayload(fake, p), `drop-${i}`)).status).toBe(200);
        await until(
          () => pulls.every((p) => fake.runsOn(p.headRefOid).some((run) => run.status === 'completed')),
          20_000,
        );
        await r.running.app.idle();
        const dropped = await metric(r, 'quality_gates_history_dropped_total{reason="overflow"}');
        expect(dropped).toBeGreaterThan(0);

        await server.restart();
        expect(await r.running.history.drained(60_000)).toBe(true);
        // Each webhook hands over two records (its life event, then the evaluation): all are written or counted.
        const evaluations = await metric(r, 'quality_gates_history_written_total{kind="evaluation"}');
        const lives = await metric(r, 'quality_gates_history_written_total{kind="pull_request"}');
        expect(evaluations + lives + dropped).toBe(24);
        expect(await count('evaluations')).toBe(evaluations);
        expect(
          r
            .lines()
            .filter((l) => l.msg === 'history records dropped')
            .some((l) => l.reason === 'overflow'),
        ).toBe(true);
      } finally {
        await server.restart();
        await opened.close();
      }
    },
    OPEN_TIMEOUT_MS,
  );
});
