/**
 * Real Redis for the replica tests: each test file starts its own `redis-server`
 * on a free loopback port (no persistence), and can stop and restart it on the
 * same port. Without the binary the tests are skipped, except under CI, where
 * they fail: `.ci/run` installs it.
 *
 * `startReplica` is one app instance like test/support/harness.ts (real Probot,
 * our Octokit class without real sleeping, nock + the shared FakeGitHub), with
 * the Redis queue adapter. Several replicas share one FakeGitHub and one Redis.
 * A replica can be killed: its GitHub calls hang from then on and its queue stops
 * without finishing or releasing its jobs, as a crashed process's would.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Probot } from 'probot';
import { createQualityGatesApp, type QualityGatesApp, type QueueJob } from '../../src/server/app.js';
import { createOctokitClass } from '../../src/load/client.js';
import { loggerOptions } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import type { QueueFactory } from '../../src/queue/queue.js';
import { RedisLink } from '../../src/queue/redis-link.js';
import { redisQueue, type RedisQueueOptions } from '../../src/queue/redis.js';
import { RedisRunMemory } from '../../src/checks/redis-run-memory.js';
import type { FakeGitHub } from '../support/fake-github.js';
import { testPrivateKey } from '../support/harness.js';
import { freePort } from '../stand-in/free-port.js';

function which(binary: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const REDIS_SERVER = which('redis-server');
if (!REDIS_SERVER) {
  if (process.env.CI)
    throw new Error(
      'redis-server is not installed; .ci/run installs it (apt-get install redis-server). The Redis tests cannot be skipped in CI.',
    );
  console.warn(
    'redis-server not found: skipping the Redis replica tests (install it with `apt-get install redis-server`)',
  );
}

export { freePort };

export class RedisServer {
  #child: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port, empty. */
  async restart(): Promise<void> {
    const child = spawn(
      REDIS_SERVER!,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    // Never outlive the test process, whatever happens to it.
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.off('exit', reap));
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
      if (await this.#answers()) return;
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${this.port}: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Kills the server at once (SIGKILL), as a crash would. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async #answers(): Promise<boolean> {
    const { Socket } = await import('node:net');
    return new Promise((resolve) => {
      const socket = new Socket();
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(500, () => done(false));
      socket.once('error', () => done(false));
      socket.connect(this.port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    });
  }
}

/** Evaluations running now, per key, across replicas: the test's view of "never twice at once". */
export class ConcurrencyProbe {
  readonly #running = new Map<string, Set<string>>();
  /** Highest number of evaluations of one key seen running at once. */
  maxPerKey = 0;
  /** Evaluations started, per replica. */
  readonly started = new Map<string, number>();
  /** Every job key that ran. */
  readonly keys = new Set<string>();

  wrap<J>(replica: string, factory: QueueFactory<J>): QueueFactory<J> {
    return (setup) =>
      factory({
        ...setup,
        run: async (job, key, context) => {
          const token = `${replica}:${Math.random()}`;
          const running = this.#running.get(key) ?? new Set<string>();
          this.#running.set(key, running);
          running.add(token);
          this.keys.add(key);
          this.maxPerKey = Math.max(this.maxPerKey, running.size);
          this.started.set(replica, (this.started.get(replica) ?? 0) + 1);
          try {
            await setup.run(job, key, context);
          } finally {
            running.delete(token);
          }
        },
      });
  }

  /** A killed replica's evaluations are no longer running anywhere. */
  forget(replica: string): void {
    for (const running of this.#running.values())
      for (const token of [...running]) if (token.startsWith(`${replica}:`)) running.delete(token);
  }
}

export interface Replica {
  readonly name: string;
  readonly probot: Probot;
  readonly app: QualityGatesApp;
  readonly link: RedisLink;
  readonly logs: () => Record<string, unknown>[];
  deliver(name: string, payload: Record<string, unknown>, id: string): Promise<void>;
  /** As a crash: GitHub calls hang, the queue stops without finishing or releasing its jobs, Redis is dropped. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Short locks so that a dead replica's jobs move on within a test. */
export const TEST_QUEUE: Partial<RedisQueueOptions> = {
  lockDurationMs: 1_500,
  stalledIntervalMs: 300,
  depthPollMs: 200,
  backoffMs: 50,
};

export async function startReplica(
  name: string,
  fake: FakeGitHub,
  redisUrl: string,
  options: { probe?: ConcurrencyProbe; queue?: Partial<RedisQueueOptions> } = {},
): Promise<Replica> {
  const lines: string[] = [];
  const log = pino(
    loggerOptions('debug'),
    new Writable({
      write: (chunk, _e, done) => {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    }),
  );
  const metrics = createMetrics({ defaultMetrics: false });
  const link = new RedisLink(redisUrl, { log, metrics, maxReconnectDelayMs: 200 });
  await link.ready(5_000);
  let factory: QueueFactory<QueueJob> = redisQueue<QueueJob>({ ...TEST_QUEUE, ...options.queue, link, log });
  if (options.probe) factory = options.probe.wrap(name, factory);
  const app = createQualityGatesApp({
    appId: fake.appId,
    metrics,
    retry: { backoffBaseMs: 1, sleep: async () => {} },
    deferJitterMs: 0,
    queue: factory,
    runs: new RedisRunMemory(link.client),
  });
  let dead = false;
  // Installation-token requests still complete: @octokit/auth-app shares one pending token
  // request per installation across the whole (test) process, so a hung one would hang the
  // other replica too. A token has no effect on any pull request.
  const fetchOrHang: typeof fetch = (input, init) =>
    dead && !String(input instanceof Request ? input.url : input).endsWith('/access_tokens')
      ? new Promise<Response>(() => {})
      : globalThis.fetch(input, init);
  const probot = new Probot({
    appId: fake.appId,
    privateKey: testPrivateKey(),
    secret: 'test-secret',
    log,
    request: { fetch: fetchOrHang },
    Octokit: createOctokitClass({ metrics, retries: 3, backoffBaseMs: 1, writeSpacingMs: 0, sleep: async () => {} }),
  });
  await probot.load(app.appFn, { cwd: process.cwd(), addHandler: () => {} });
  return {
    name,
    probot,
    app,
    link,
    logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    deliver: async (event, payload, id) => {
      await probot.receive({ id, name: event, payload } as never);
    },
    kill: async () => {
      dead = true;
      options.probe?.forget(name);
      await app.queue.close(0);
      await link.close();
    },
    stop: async () => {
      if (dead) return;
      dead = true;
      await app.queue.close(5_000);
      await link.close();
    },
  };
}
