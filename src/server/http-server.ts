/**
 * The HTTP server: Probot 14's `Server` (its access log, `/ping`, static files, 404s, the
 * smee.io proxy of WEBHOOK_PROXY_URL), built here rather than through Probot's `run()` so
 * that two things can change:
 *
 * - the webhook path is answered by src/server/webhook-receiver.ts instead of @octokit/webhooks'
 *   middleware, which reads a whole body before checking its signature. Probot's server
 *   asks its Probot instance for that middleware (`getNodeMiddleware`) and puts it first;
 *   the Probot class below hands it the receiver, so no other code reads a webhook body first;
 * - in setup mode (no APP_ID or private key), `/healthz` answers 200 beside Probot's setup
 *   flow, where `run()` serves the setup flow alone.
 *
 * What `run()` read from the environment is read in src/server/main.ts and passed in.
 */
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { Probot, Server, type ApplicationFunction, type ProbotOctokit } from 'probot';
import type { Metrics } from '../ops/metrics.js';
import {
  createSetupModeReceiver,
  createWebhookReceiver,
  type WebhookDispatcher,
  type WebhookHandler,
} from './webhook-receiver.js';

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  /** WEBHOOK_PATH. */
  readonly webhookPath: string;
  /** WEBHOOK_PROXY_URL: a smee.io channel for development. */
  readonly webhookProxy?: string | undefined;
  readonly log: Logger;
  readonly metrics: Metrics;
}

export interface AppServerOptions extends ListenOptions {
  readonly appId: number;
  readonly privateKey: string;
  /** WEBHOOK_SECRET (src/server/main.ts decides whether Probot's default may stand in). */
  readonly secret: string;
  /** The REST base URL (GitHub Enterprise Server: `<proto>://<host>/api/v3`). */
  readonly baseUrl: string;
  readonly Octokit?: typeof ProbotOctokit | undefined;
  readonly appFn: ApplicationFunction;
  /** More routes, after the app's own (insights: src/web/insights.ts); each answers true when it took the request. */
  readonly handlers?: readonly ((req: IncomingMessage, res: ServerResponse) => Promise<boolean>)[];
}

/** Starts the server of a configured app: the receiver on the webhook path, the app's own handlers after it. */
export async function startAppServer(options: AppServerOptions): Promise<Server> {
  const base = Probot.defaults({
    appId: options.appId,
    privateKey: options.privateKey,
    secret: options.secret,
    baseUrl: options.baseUrl,
    log: options.log,
    Octokit: options.Octokit,
  });
  const ProbotWithReceiver = withWebhookHandler(base, (probot) =>
    createWebhookReceiver({
      path: options.webhookPath,
      secret: options.secret,
      webhooks: probot.webhooks as unknown as WebhookDispatcher,
      log: options.log,
      metrics: options.metrics,
    }),
  );
  const server = new Server(serverOptions(options, ProbotWithReceiver));
  await server.load(options.appFn);
  for (const handler of options.handlers ?? []) server.addHandler(handler);
  await server.start();
  return server;
}

/**
 * Starts Probot's setup flow (register the app from `app.yml`, write `.env`), with `/healthz`
 * (200), `/readyz` (503: no webhook can be taken yet) and `/metrics`. Webhooks are refused
 * unread.
 */
export async function startSetupServer(options: ListenOptions): Promise<Server> {
  // As run() does: Probot needs some credentials to start, and none are used in setup mode.
  const base = Probot.defaults({ appId: 1, privateKey: 'dummy value for setup, see probot#1512', log: options.log });
  const server = new Server(
    serverOptions(
      options,
      withWebhookHandler(base, () => createSetupModeReceiver(options.webhookPath)),
    ),
  );
  const setupAppFactory = await loadSetupAppFactory();
  await server.loadHandlerFactory(
    setupAppFactory({ host: server.host, port: server.port, log: options.log.child({ name: 'setup' }) }),
  );
  server.addHandler(async (req, res) => setupHealth(req, res, options.metrics));
  await server.start();
  return server;
}

async function setupHealth(req: IncomingMessage, res: ServerResponse, metrics: Metrics): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = (req.url ?? '').split('?', 1)[0];
  if (path === '/healthz' || path === '/readyz') {
    res
      .writeHead(path === '/healthz' ? 200 : 503, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: 'setup' }));
    return true;
  }
  if (path === '/metrics') {
    res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
    return true;
  }
  return false;
}

function serverOptions(options: ListenOptions, probotClass: typeof Probot) {
  return {
    host: options.host,
    port: options.port,
    webhookPath: options.webhookPath,
    ...(options.webhookProxy ? { webhookProxy: options.webhookProxy } : {}),
    log: options.log,
    Probot: probotClass,
  };
}

/** A Probot class whose server-facing webhook middleware is `handler` (see the module comment). */
function withWebhookHandler(base: typeof Probot, handler: (probot: Probot) => WebhookHandler): typeof Probot {
  return class extends base {
    override async getNodeMiddleware(): Promise<WebhookHandler> {
      await this.ready();
      return handler(this);
    }
  };
}

type SetupAppFactory = (options: {
  host: string;
  port: number;
  log: Logger;
}) => Parameters<Server['loadHandlerFactory']>[0];

/**
 * Probot's setup app, which its package does not export: loaded from its file beside the
 * package entry (probot 14: `lib/apps/setup.js`). The setup-mode test fails if it moves.
 */
async function loadSetupAppFactory(): Promise<SetupAppFactory> {
  const entry = createRequire(import.meta.url).resolve('probot');
  const module = (await import(pathToFileURL(join(dirname(entry), 'apps', 'setup.js')).href)) as {
    setupAppFactory?: SetupAppFactory;
  };
  if (typeof module.setupAppFactory !== 'function')
    throw new Error('probot no longer provides its setup app at lib/apps/setup.js; the setup flow cannot start');
  return module.setupAppFactory;
}
