/**
 * Process entry point (`npm start`). Configured only through the environment
 * (SPEC §2; Probot's names): APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH,
 * WEBHOOK_SECRET, PORT, HOST, WEBHOOK_PATH, LOG_LEVEL, LOG_FORMAT,
 * GHE_HOST / GHE_PROTOCOL, REDIS_URL. Without APP_ID and a private key it
 * serves Probot's setup flow, which registers the app from `app.yml`.
 */
import { run } from 'probot';
import { createQualityGatesApp } from './app.js';
import { createOctokitClass } from './github/client.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';

/** How long SIGTERM waits for in-flight evaluations. */
const SHUTDOWN_GRACE_MS = Number(process.env.SHUTDOWN_GRACE_MS) || 25_000;

async function main(): Promise<void> {
  const log = await createLogger();
  const metrics = createMetrics();
  const appId = Number(process.env.APP_ID) || 0;
  const qg = createQualityGatesApp({
    appId,
    host: process.env.GHE_HOST || 'github.com',
    metrics,
    concurrency: Number(process.env.EVALUATION_CONCURRENCY) || undefined,
    teamCacheTtlMs: Number(process.env.TEAM_CACHE_TTL_MS) || undefined,
  });

  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
  process.on('uncaughtException', (error) => log.error({ err: error }, 'uncaught exception'));

  const server = await run(qg.appFn, { Octokit: createOctokitClass({ metrics }), log });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, queueDepth: qg.queue.depth, active: qg.queue.active }, 'shutting down: no new webhooks, finishing evaluations');
    const stopped = server.stop().catch((error: unknown) => log.warn({ err: error }, 'server stop failed'));
    const drained = await qg.queue.close(SHUTDOWN_GRACE_MS);
    await stopped;
    log.info({ drained, queueDepth: qg.queue.depth }, 'shutdown complete');
    process.exit(0);
  };
  process.removeAllListeners('SIGINT');
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(JSON.stringify({ level: 'fatal', msg: 'failed to start', err: error instanceof Error ? error.message : String(error) }));
  process.exit(1);
});
