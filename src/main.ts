/**
 * Process entry point (`npm start`). Configured only through the environment
 * (SPEC §2; Probot's names): APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH,
 * WEBHOOK_SECRET, PORT, HOST, WEBHOOK_PATH, LOG_LEVEL, LOG_FORMAT,
 * GHE_HOST / GHE_PROTOCOL, REDIS_URL. Without APP_ID and a private key it
 * serves Probot's setup flow, which registers the app from `app.yml`.
 *
 * With REDIS_URL, evaluations go through a queue in Redis shared by every replica,
 * and writes are spaced per installation across replicas (docs/deploy.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseEnv } from 'node:util';
import type { Logger } from 'pino';
import { run, type Server } from 'probot';
import { createQualityGatesApp, type QualityGatesApp, type QueueJob } from './app.js';
import { createOctokitClass, type ClientOptions } from './github/client.js';
import { pkcs8PrivateKey } from './github/private-key.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { memoryQueue, type QueueFactory } from './queue.js';
import { RECOVERY_DEFAULTS } from './redeliver.js';
import { RedisLink, redactUrl } from './redis-link.js';
import { redisQueue, type RedisQueueOptions } from './redis-queue.js';
import { RedisRunMemory } from './redis-run-memory.js';

export interface RunningApp {
  readonly server: Server;
  readonly app: QualityGatesApp;
  readonly log: Logger;
  /**
   * Graceful shutdown: stop accepting webhooks (and report not ready), finish
   * in-flight and queued evaluations for at most `graceMs`, then resolve with
   * whether everything finished.
   */
  shutdown(signal: string): Promise<boolean>;
  /** Runs the missed-webhook recovery now. */
  recover(): Promise<unknown>;
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: Logger;
  /** Overrides for the GitHub client (tests: no real sleeping). */
  readonly client?: ClientOptions;
  /** Overrides for the Redis queue (tests: short locks). */
  readonly redisQueue?: Partial<Omit<RedisQueueOptions, 'link' | 'log'>>;
}

export async function startApp(options: StartOptions = {}): Promise<RunningApp> {
  if (!options.env) loadDotEnv();
  const env = options.env ?? process.env;
  const log = options.log ?? (await createLogger(env));
  // Without WEBHOOK_SECRET Probot verifies signatures against the public value "development":
  // anyone could forge webhooks. Refuse that in production; warn elsewhere.
  if (env.APP_ID && !env.WEBHOOK_SECRET) {
    if (env.NODE_ENV === 'production') throw new Error('WEBHOOK_SECRET is not set: webhooks could be forged. Set the secret configured in the GitHub App settings.');
    log.warn('WEBHOOK_SECRET is not set: webhook signatures are checked against "development"; never run like this in production');
  }
  const metrics = createMetrics();

  // The queue adapter and shared write spacing, chosen here; the app does not know which.
  const redisUrl = env.REDIS_URL?.trim() || undefined;
  const link = redisUrl ? new RedisLink(redisUrl, { log, metrics }) : undefined;
  let queue: QueueFactory<QueueJob> = memoryQueue<QueueJob>();
  if (link) {
    queue = redisQueue<QueueJob>({ ...options.redisQueue, link, log });
    if (!(await link.ready(5_000))) {
      log.warn({ redis: redactUrl(redisUrl!) }, 'redis unreachable at start-up: webhooks are evaluated in-process on this replica until it answers');
    }
  } else {
    metrics.registry.removeSingleMetric('quality_gates_redis_up');
  }

  const app = createQualityGatesApp({
    appId: Number(env.APP_ID) || 0,
    host: env.GHE_HOST || 'github.com',
    metrics,
    concurrency: Number(env.EVALUATION_CONCURRENCY) || undefined,
    teamCacheTtlMs: Number(env.TEAM_CACHE_TTL_MS) || undefined,
    queue,
    ...(link ? { runs: new RedisRunMemory(link.client) } : {}),
  });
  const server = await run(app.appFn, { env: probotEnv(env), Octokit: createOctokitClass({ metrics, redis: link?.client, ...options.client }), log });
  log.info({ queue: app.queue.health().queue, redis: redisUrl ? redactUrl(redisUrl) : undefined }, 'evaluation queue ready');
  const graceMs = Number(env.SHUTDOWN_GRACE_MS) || 25_000;

  // Missed-webhook recovery: on an interval (REDELIVERY_INTERVAL_MS, 0 turns it off) and on SIGUSR2.
  const intervalMs = env.REDELIVERY_INTERVAL_MS === undefined ? RECOVERY_DEFAULTS.intervalMs : Number(env.REDELIVERY_INTERVAL_MS);
  const lookbackMs = Number(env.REDELIVERY_LOOKBACK_MS) || RECOVERY_DEFAULTS.lookbackMs;
  const recover = () =>
    app.recoverDeliveries({ lookbackMs }).catch((error: unknown) => {
      log.warn({ err: error }, 'webhook delivery recovery failed');
      return undefined;
    });
  const timer = intervalMs > 0 ? setInterval(() => void recover(), intervalMs) : undefined;
  timer?.unref();

  let stopping: Promise<boolean> | undefined;
  const shutdown = (signal: string): Promise<boolean> => {
    stopping ??= (async () => {
      log.info({ signal, queueDepth: app.queue.depth, active: app.queue.active }, 'shutting down: no new webhooks, finishing evaluations');
      app.stopAccepting();
      if (timer) clearInterval(timer);
      const stopped = server.stop().catch((error: unknown) => log.warn({ err: error }, 'server stop failed'));
      const drained = await app.queue.close(graceMs);
      await stopped;
      await link?.close();
      log.info({ drained, queueDepth: app.queue.depth, active: app.queue.active }, 'shutdown complete');
      return drained;
    })();
    return stopping;
  };
  return { server, app, log, shutdown, recover };
}

/**
 * The environment Probot's run() reads, with two changes:
 * - no REDIS_URL: Probot would hand it to its own throttling, which our Octokit class turns
 *   off, yet still open a Redis connection of its own (and try to fetch ioredis with npx);
 * - the private key already in PKCS#8 (src/github/private-key.ts), so signing an
 *   installation-token JWT does not convert it each time.
 * Everything else is read lazily, after Probot loads `.env`.
 */
function probotEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const privateKey = pkcs8PrivateKey(env);
  const replaced = (name: string | symbol) => name === 'REDIS_URL' || (privateKey !== null && name === 'PRIVATE_KEY');
  return new Proxy(env, {
    get: (target, name) => (name === 'REDIS_URL' ? undefined : privateKey !== null && name === 'PRIVATE_KEY' ? privateKey : Reflect.get(target, name)),
    has: (target, name) => (replaced(name) ? name !== 'REDIS_URL' : Reflect.has(target, name)),
  });
}

/** Loads `.env` as Probot's run() does, before our own settings (REDIS_URL, …) are read. */
function loadDotEnv(): void {
  try {
    const parsed = parseEnv(readFileSync(join(process.cwd(), '.env'), 'utf8'));
    for (const [name, value] of Object.entries(parsed)) process.env[name] ??= value;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
  }
}

async function main(): Promise<void> {
  const running = await startApp();
  process.on('unhandledRejection', (reason) => running.log.error({ err: reason }, 'unhandled rejection'));
  process.on('uncaughtException', (error) => running.log.error({ err: error }, 'uncaught exception'));
  // Probot's run() exits on SIGINT at once; ours drains first.
  process.removeAllListeners('SIGINT');
  const onSignal = (signal: string) => {
    void running.shutdown(signal).then(() => process.exit(0));
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGUSR2', () => void running.recover());
  process.on('SIGINT', () => onSignal('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(JSON.stringify({ level: 'fatal', msg: 'failed to start', err: error instanceof Error ? error.message : String(error) }));
    process.exit(1);
  });
}
