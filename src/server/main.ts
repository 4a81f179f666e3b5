/**
 * Process entry point (`npm start`). Configured only through the environment
 * (docs/behaviour.md#running-it; Probot's names): APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH,
 * WEBHOOK_SECRET, PORT, HOST, WEBHOOK_PATH, LOG_LEVEL, LOG_FORMAT,
 * GHE_HOST / GHE_PROTOCOL, REDIS_URL, COMMAND_COOLDOWN_MS. Without APP_ID and a
 * private key it serves Probot's setup flow, which registers the app from `app.yml`;
 * with them, it refuses to start without WEBHOOK_SECRET (ALLOW_DEVELOPMENT_WEBHOOK_SECRET
 * lifts that outside production). The HTTP server is built in src/server/http-server.ts.
 *
 * With REDIS_URL, evaluations go through a queue in Redis shared by every replica,
 * and writes are spaced per installation across replicas (docs/deploy.md).
 *
 * The history (src/store/) records every verdict: HISTORY, DATABASE_URL, DATA_DIR,
 * HISTORY_RETENTION_DAYS. It opens in the background; nothing waits for it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseEnv } from 'node:util';
import type { Logger } from 'pino';
import { getPrivateKey } from '@probot/get-private-key';
import type { Server } from 'probot';
import { createQualityGatesApp, type QualityGatesApp, type QueueJob } from './app.js';
import { DEFAULT_COMMAND_COOLDOWN_MS, MemoryCooldown, RedisCooldown } from './cooldown.js';
import { createOctokitClass, type ClientOptions } from '../load/client.js';
import { pkcs8PrivateKey } from '../load/private-key.js';
import { createLogger } from '../ops/logger.js';
import { createMetrics, type Metrics } from '../ops/metrics.js';
import { memoryQueue, type QueueFactory } from '../queue/queue.js';
import { localRedeliveryMemory, RECOVERY_DEFAULTS, RecoveryRunner, type RecoveryOutcome } from '../ops/redeliver.js';
import { RedisLink, redactUrl } from '../queue/redis-link.js';
import { RedisLock } from '../queue/redis-lock.js';
import { redisQueue, type RedisQueueOptions } from '../queue/redis.js';
import { RedisRunMemory } from '../checks/redis-run-memory.js';
import { createInsightsHandler } from '../web/insights.js';
import { insightsSettingsFromEnv } from '../web/settings.js';
import { startAppServer, startSetupServer } from './http-server.js';
import { historySettingsFromEnv, startHistory, type History, type StartHistoryOptions } from '../store/index.js';
import { SYSTEM_CLOCK } from '../ops/clock.js';

export interface RunningApp {
  readonly server: Server;
  readonly app: QualityGatesApp;
  readonly log: Logger;
  /** The history (inert with HISTORY=off, and in setup mode). */
  readonly history: History;
  /**
   * Graceful shutdown: stop accepting webhooks (and report not ready), finish
   * in-flight and queued evaluations for at most `graceMs`, then resolve with
   * whether everything finished.
   */
  shutdown(signal: string): Promise<boolean>;
  /**
   * Runs the missed-webhook recovery now (SIGUSR2), unless a run is in progress on this replica
   * or, with REDIS_URL, on another one.
   */
  recover(): Promise<RecoveryOutcome>;
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: Logger;
  /** Overrides for the GitHub client (tests: no real sleeping). */
  readonly client?: ClientOptions;
  /** Overrides for the Redis queue (tests: short locks). */
  readonly redisQueue?: Partial<Omit<RedisQueueOptions, 'link' | 'log'>>;
  /** Overrides for the missed-webhook recovery (tests: a start-up run at once, a short lock). */
  readonly recovery?: { readonly startupDelayMs?: number; readonly lockTtlMs?: number };
  /** Overrides for the history's buffer and retries (tests: short backoff, a small buffer). */
  readonly history?: StartHistoryOptions['recorder'];
}

export async function startApp(options: StartOptions = {}): Promise<RunningApp> {
  if (!options.env) loadDotEnv();
  const env = options.env ?? process.env;
  const log = options.log ?? (await createLogger(env));
  const read = readCredentials(env);
  const credentials = read && { ...read, secret: webhookSecret(env, log) };
  const historySettings = historySettingsFromEnv(env);
  const metrics = createMetrics();
  // Setup mode evaluates nothing: no history either.
  const history = startHistory({
    settings: credentials ? historySettings : { ...historySettings, enabled: false },
    log,
    metrics,
    recorder: options.history,
  });

  // The queue adapter and shared write spacing, chosen here; the app does not know which.
  // Setup mode evaluates nothing: no Redis.
  const redisUrl = (credentials && env.REDIS_URL?.trim()) || undefined;
  const link = redisUrl ? new RedisLink(redisUrl, { log, metrics }) : undefined;
  let queue: QueueFactory<QueueJob> = memoryQueue<QueueJob>();
  if (link) {
    queue = redisQueue<QueueJob>({ ...options.redisQueue, link, log });
    if (!(await link.ready(5_000))) {
      log.warn(
        { redis: redactUrl(redisUrl!) },
        'redis unreachable at start-up: webhooks are evaluated in-process on this replica until it answers',
      );
    }
  } else {
    metrics.registry.removeSingleMetric('quality_gates_redis_up');
  }

  const cooldownMs = nonNegative(env.COMMAND_COOLDOWN_MS) ?? DEFAULT_COMMAND_COOLDOWN_MS;
  const insightsSettings = insightsSettingsFromEnv(env, (missing) =>
    log.warn({ missing }, 'insights off: GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET and SESSION_SECRET are all needed'),
  );
  const app = createQualityGatesApp({
    appId: credentials?.appId ?? 0,
    host: env.GHE_HOST || 'github.com',
    metrics,
    concurrency: Number(env.EVALUATION_CONCURRENCY) || undefined,
    teamCacheTtlMs: Number(env.TEAM_CACHE_TTL_MS) || undefined,
    queue,
    cooldown: link ? new RedisCooldown(link.client, cooldownMs) : new MemoryCooldown(cooldownMs),
    ...(link ? { runs: new RedisRunMemory(link.client) } : {}),
    history,
  });
  const listen = {
    host: env.HOST || 'localhost',
    port: Number(env.PORT) || 3000,
    webhookPath: env.WEBHOOK_PATH || '/api/github/webhooks',
    webhookProxy: env.WEBHOOK_PROXY_URL || undefined,
    log,
    metrics,
  };
  const server = await (
    credentials
      ? startAppServer({
          ...listen,
          ...credentials,
          baseUrl: env.GHE_HOST ? `${env.GHE_PROTOCOL || 'https'}://${env.GHE_HOST}/api/v3` : 'https://api.github.com',
          Octokit: createOctokitClass({ metrics, redis: link?.client, ...options.client }),
          appFn: app.appFn,
          handlers: [createInsightsHandler({ settings: insightsSettings, database: () => history.database(), log })],
        })
      : startSetupServer(listen)
  ).catch(async (error: unknown) => {
    await history.close(0);
    throw error;
  });
  log.info(
    { queue: app.queue.health().queue, redis: redisUrl ? redactUrl(redisUrl) : undefined },
    'evaluation queue ready',
  );
  const graceMs = Number(env.SHUTDOWN_GRACE_MS) || 25_000;

  const recovery = credentials ? startRecovery(env, { app, link, log, metrics, ...options.recovery }) : undefined;

  let stopping: Promise<boolean> | undefined;
  const shutdown = (signal: string): Promise<boolean> => {
    stopping ??= (async () => {
      const deadline = SYSTEM_CLOCK.now() + graceMs;
      log.info(
        { signal, queueDepth: app.queue.depth, active: app.queue.active },
        'shutting down: no new webhooks, finishing evaluations',
      );
      app.stopAccepting();
      const recovered = recovery?.stop();
      const stopped = server.stop().catch((error: unknown) => log.warn({ err: error }, 'server stop failed'));
      const drained = await app.queue.close(graceMs);
      await stopped;
      // The run in progress ends before its next request (an answer GitHub is slow to give aside).
      await Promise.race([recovered, new Promise((r) => setTimeout(r, graceMs).unref())]);
      await link?.close();
      // What the last evaluations recorded is written within what is left of the grace (at least a second).
      await history.close(Math.max(1_000, deadline - SYSTEM_CLOCK.now()));
      log.info({ drained, queueDepth: app.queue.depth, active: app.queue.active }, 'shutdown complete');
      return drained;
    })();
    return stopping;
  };
  const recover = (): Promise<RecoveryOutcome> => recovery?.run('signal') ?? Promise.resolve({ result: 'stopped' });
  return { server, app, log, history, shutdown, recover };
}

/**
 * Missed-webhook recovery (src/ops/redeliver.ts): once shortly after start-up, then every
 * REDELIVERY_INTERVAL_MS (0 turns both off; SIGUSR2 still runs it), one run at a time. With
 * REDIS_URL, one replica at a time (a lock renewed while the run lasts) and what was asked is
 * remembered for every replica.
 */
function startRecovery(
  env: NodeJS.ProcessEnv,
  deps: {
    app: QualityGatesApp;
    link: RedisLink | undefined;
    log: Logger;
    metrics: Metrics;
    startupDelayMs?: number;
    lockTtlMs?: number;
  },
): RecoveryRunner {
  const { app, link, log, metrics } = deps;
  const limits = {
    lookbackMs: positive(env.REDELIVERY_LOOKBACK_MS) ?? RECOVERY_DEFAULTS.lookbackMs,
    maxPages: positive(env.REDELIVERY_MAX_PAGES) ?? RECOVERY_DEFAULTS.maxPages,
    maxRedeliveries: positive(env.REDELIVERY_MAX_PER_RUN) ?? RECOVERY_DEFAULTS.maxRedeliveries,
    recentMs: RECOVERY_DEFAULTS.recentMs,
  };
  const memory = link
    ? {
        asked: new RedisCooldown(link.client, limits.recentMs, { prefix: 'quality-gates:redelivery:asked:' }),
        gaveUp: new RedisCooldown(link.client, limits.lookbackMs, { prefix: 'quality-gates:redelivery:gave-up:' }),
      }
    : localRedeliveryMemory(limits);
  const lock = link
    ? new RedisLock(link.client, { key: 'quality-gates:recovery:lock', ttlMs: deps.lockTtlMs, log })
    : undefined;
  const runner = new RecoveryRunner({
    run: (signal) => app.recoverDeliveries({ ...limits, memory, signal }),
    lock,
    log,
    metrics,
  });
  runner.schedule({
    intervalMs: nonNegative(env.REDELIVERY_INTERVAL_MS) ?? RECOVERY_DEFAULTS.intervalMs,
    startupDelayMs: deps.startupDelayMs ?? RECOVERY_DEFAULTS.startupDelayMs,
  });
  return runner;
}

/** The Probot development secret, accepted only with ALLOW_DEVELOPMENT_WEBHOOK_SECRET=true outside production. */
const DEVELOPMENT_SECRET = 'development';

/**
 * APP_ID and the private key, or null for Probot's setup mode (refused in production, as
 * Probot's run() refuses it). The key is found exactly as Probot finds it, and handed over
 * already in PKCS#8 (src/load/private-key.ts), so signing an installation-token JWT does not
 * convert it each time.
 */
function readCredentials(env: NodeJS.ProcessEnv): { appId: number; privateKey: string } | null {
  const appId = Number(env.APP_ID);
  let key: string | null = null;
  try {
    key = getPrivateKey({ env });
  } catch {
    // an unreadable PRIVATE_KEY_PATH counts as no key, as in Probot's run()
  }
  if (appId && key) return { appId, privateKey: pkcs8PrivateKey(env) ?? key };
  if (env.NODE_ENV === 'production') {
    throw new Error(
      !appId
        ? 'APP_ID is not set: it is required with NODE_ENV=production. Set it to the GitHub App id.'
        : 'No private key: set PRIVATE_KEY or PRIVATE_KEY_PATH to the GitHub App private key (required with NODE_ENV=production).',
    );
  }
  return null;
}

/**
 * WEBHOOK_SECRET. Without it Probot would verify signatures against its public default,
 * "development", and anyone could forge webhooks: refused unless ALLOW_DEVELOPMENT_WEBHOOK_SECRET
 * is "true", and always with NODE_ENV=production.
 */
function webhookSecret(env: NodeJS.ProcessEnv, log: Logger): string {
  if (env.WEBHOOK_SECRET) return env.WEBHOOK_SECRET;
  if (env.NODE_ENV === 'production' || env.ALLOW_DEVELOPMENT_WEBHOOK_SECRET !== 'true') {
    throw new Error(
      'WEBHOOK_SECRET is not set: webhooks could be forged. Set it to the webhook secret of the GitHub App' +
        (env.NODE_ENV === 'production'
          ? '.'
          : ' (or, for local development only, set ALLOW_DEVELOPMENT_WEBHOOK_SECRET=true).'),
    );
  }
  log.warn('WEBHOOK_SECRET is not set: webhooks signed with the public secret "development" are accepted');
  return DEVELOPMENT_SECRET;
}

/** A number of milliseconds from the environment; undefined when unset or not a number ≥ 0. */
function nonNegative(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** A whole number ≥ 1 from the environment; undefined when unset or not one. */
function positive(value: string | undefined): number | undefined {
  const n = nonNegative(value);
  return n !== undefined && n >= 1 && Number.isInteger(n) ? n : undefined;
}

/** Loads `.env` as Probot's run() does (variables already set win). */
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
  const onSignal = (signal: string) => {
    void running.shutdown(signal).then(() => process.exit(0));
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGUSR2', () => void running.recover());
  process.on('SIGINT', () => onSignal('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(
      JSON.stringify({
        level: 'fatal',
        msg: 'failed to start',
        err: error instanceof Error ? error.message : String(error),
      }),
    );
    process.exit(1);
  });
}
