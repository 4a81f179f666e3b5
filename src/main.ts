/**
 * Process entry point (`npm start`). Configured only through the environment
 * (SPEC §2; Probot's names): APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH,
 * WEBHOOK_SECRET, PORT, HOST, WEBHOOK_PATH, LOG_LEVEL, LOG_FORMAT,
 * GHE_HOST / GHE_PROTOCOL, REDIS_URL. Without APP_ID and a private key it
 * serves Probot's setup flow, which registers the app from `app.yml`.
 */
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { run, type Server } from 'probot';
import { createQualityGatesApp, type QualityGatesApp } from './app.js';
import { createOctokitClass, type ClientOptions } from './github/client.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { RECOVERY_DEFAULTS } from './redeliver.js';

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
}

export async function startApp(options: StartOptions = {}): Promise<RunningApp> {
  const env = options.env ?? process.env;
  const log = options.log ?? (await createLogger(env));
  const metrics = createMetrics();
  const app = createQualityGatesApp({
    appId: Number(env.APP_ID) || 0,
    host: env.GHE_HOST || 'github.com',
    metrics,
    concurrency: Number(env.EVALUATION_CONCURRENCY) || undefined,
    teamCacheTtlMs: Number(env.TEAM_CACHE_TTL_MS) || undefined,
  });
  const server = await run(app.appFn, { env, Octokit: createOctokitClass({ metrics, ...options.client }), log });
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
      log.info({ drained, queueDepth: app.queue.depth, active: app.queue.active }, 'shutdown complete');
      return drained;
    })();
    return stopping;
  };
  return { server, app, log, shutdown, recover };
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
