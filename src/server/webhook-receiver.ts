/**
 * The webhook path (WEBHOOK_PATH) of the HTTP server: everything a request goes through before
 * a handler sees its event. It takes the place of @octokit/webhooks' Node middleware, which
 * Probot 14 puts first on its server: that middleware reads the whole body into memory before
 * it can check the signature (so any `X-Hub-Signature-256` header made a 600 MB upload be
 * buffered), and logs a rejected event with its body, twice. Here, in this order:
 *
 * 1. `Content-Type` must be JSON and the three GitHub headers present: checked unread;
 * 2. an event the app does not know (src/server/webhook-events.ts) is answered 202 unread;
 * 3. a `Content-Length` over 25 MB is refused (413) unread, then the body is counted while
 *    it streams in and refused the moment it passes 25 MB, GitHub's own cap on payloads;
 * 4. the HMAC-SHA256 signature is checked (timing-safe) against WEBHOOK_SECRET;
 * 5. the body must parse to a JSON object, with a numeric `installation.id` if any (Probot
 *    authenticates each event with it before a handler runs);
 * 6. the event goes to Probot's handlers (`webhooks.receive`), which only validate and
 *    enqueue (src/server/app.ts): 200 when they are done, 202 if they take over 9 s.
 *
 * A refused request is one `warn` line, `webhook rejected`, with the delivery id, the event
 * name and the reason, never the body or the headers, and one count in
 * `quality_gates_webhook_rejections_total{reason}`. Answers never carry internal error text.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Metrics, WebhookRejectionReason } from '../ops/metrics.js';
import { EventEnvelope, payloadProblem } from './payloads.js';
import { eventLabels, isKnownEvent } from './webhook-events.js';

/** GitHub caps webhook payloads at 25 MB (docs.github.com: "Webhook payload object common properties"). */
export const WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

/** Longer than this, the handlers are still running: answered 202 (GitHub gives up at 10 s). */
export const WEBHOOK_TIMEOUT_MS = 9_000;

/** Delivery ids and event names are logged at most this long. */
const LOGGED_HEADER_CHARS = 100;

/** Probot's `webhooks` as the receiver uses it: runs the handlers of a verified event. */
export interface WebhookDispatcher {
  receive(event: { id: string; name: string; payload: Record<string, unknown> }): Promise<void>;
}

export interface WebhookReceiverOptions {
  /** WEBHOOK_PATH. */
  readonly path: string;
  /** WEBHOOK_SECRET. */
  readonly secret: string;
  readonly webhooks: WebhookDispatcher;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Default WEBHOOK_BODY_LIMIT. */
  readonly maxBytes?: number;
  /** Default WEBHOOK_TIMEOUT_MS. */
  readonly timeoutMs?: number;
}

export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

type ReceiverReason = Exclude<WebhookRejectionReason, 'invalid_payload'>; // that one is the handlers' (src/server/app.ts)

const ANSWERS: Record<ReceiverReason, { status: number; error: string }> = {
  too_large: { status: 413, error: 'The payload is larger than 25 MB, the most GitHub sends.' },
  missing_headers: {
    status: 400,
    error: 'Required headers missing: X-GitHub-Event, X-GitHub-Delivery and X-Hub-Signature-256.',
  },
  bad_content_type: { status: 415, error: 'Unsupported Content-Type: webhooks must be sent as application/json.' },
  bad_signature: {
    status: 401,
    error: 'The signature does not match: check that WEBHOOK_SECRET is the webhook secret of the GitHub App.',
  },
  bad_json: { status: 400, error: 'The payload is not a JSON object.' },
  unknown_event: { status: 202, error: 'Event ignored: this app does not handle it.' },
};

/** Handles requests to the webhook path; answers false for every other path. */
export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookHandler {
  const maxBytes = options.maxBytes ?? WEBHOOK_BODY_LIMIT;
  const log = options.log.child({ name: 'webhooks' });
  const key = Buffer.from(options.secret);

  return async (req, res) => {
    if (pathOf(req.url) !== normalisePath(options.path)) return false;
    if (req.method !== 'POST') {
      send(res, 405, { error: 'Webhooks are delivered with POST.' }, { allow: 'POST' });
      return true;
    }
    const delivery = header(req, 'x-github-delivery');
    const event = header(req, 'x-github-event');
    const signature = header(req, 'x-hub-signature-256');
    const reject = (reason: ReceiverReason) => {
      options.metrics.webhookRejections.inc({ reason });
      log.warn({ delivery: clip(delivery), event: clip(event), reason }, 'webhook rejected');
      const { status, error } = ANSWERS[reason];
      // The rest of an unread body is not worth reading: close the connection after answering.
      send(res, status, { error }, req.complete ? {} : { connection: 'close' });
      return true;
    };

    if (!isJson(header(req, 'content-type'))) return reject('bad_content_type');
    if (!delivery || !event || !signature) return reject('missing_headers');
    if (!isKnownEvent(event)) return reject('unknown_event');
    if (Number(header(req, 'content-length') ?? 0) > maxBytes) return reject('too_large');

    const body = await readBody(req, maxBytes);
    if (body === 'aborted') return true; // the client went away: nobody to answer
    if (body === 'too_large') return reject('too_large');
    if (!signatureMatches(key, body, signature)) return reject('bad_signature');
    const payload = parseObject(body);
    if (payload === undefined) return reject('bad_json');
    const envelope = EventEnvelope.safeParse(payload);
    if (!envelope.success) {
      // Probot would fail authenticating the event and log it whole: ignored, as handlers ignore what does not fit.
      options.metrics.webhookRejections.inc({ reason: 'invalid_payload' });
      log.warn(
        { delivery: clip(delivery), ...eventLabels(event, payload.action), reason: payloadProblem(envelope.error) },
        'webhook payload ignored',
      );
      send(res, 200, { status: 'ignored: the payload lacks fields this app reads' });
      return true;
    }

    const outcome = await dispatch(
      () => options.webhooks.receive({ id: delivery, name: event, payload }),
      options.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
    );
    if (outcome === 'timeout') {
      log.warn({ delivery: clip(delivery), event }, 'webhook handlers still running after the timeout; answered 202');
      send(res, 202, { status: 'still processing' });
    } else if (outcome instanceof Error) {
      // Handlers never throw (src/server/app.ts); if one did, its messages are logged, not its event.
      log.error({ delivery: clip(delivery), event, errors: errorMessages(outcome) }, 'webhook handler failed');
      send(res, 500, { error: 'The event could not be handled; GitHub can redeliver it.' });
    } else {
      send(res, 200, { status: 'ok' });
    }
    return true;
  };
}

/** What the webhook path answers in Probot's setup mode: the app has no secret yet, so nothing can be verified. */
export function createSetupModeReceiver(path: string): WebhookHandler {
  return async (req, res) => {
    if (pathOf(req.url) !== normalisePath(path)) return false;
    send(
      res,
      503,
      { error: 'The app is not registered yet: finish the setup at /probot, then restart it.' },
      req.complete ? {} : { connection: 'close' },
    );
    return true;
  };
}

/**
 * The body, up to `maxBytes`: 'too_large' as soon as more arrives (the rest is left unread),
 * 'aborted' if the client disconnects first.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too_large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (value: Buffer | 'too_large' | 'aborted') => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      chunks.length = 0;
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        settle('too_large');
      } else {
        chunks.push(chunk);
      }
    };
    req.on('data', onData);
    req.once('end', () => settle(Buffer.concat(chunks, size)));
    req.once('error', () => settle('aborted'));
    req.once('close', () => settle('aborted'));
  });
}

function signatureMatches(key: Buffer, body: Buffer, signature: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', key).update(body).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

async function dispatch(run: () => Promise<void>, timeoutMs: number): Promise<'done' | 'timeout' | Error> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const handled = run().then(
    () => 'done' as const,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  try {
    return await Promise.race([handled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function errorMessages(error: Error): string[] {
  const errors = error instanceof AggregateError ? (error.errors as unknown[]) : [error];
  return errors.map((e) => (e instanceof Error ? e.message : String(e)).slice(0, 200));
}

function send(
  res: ServerResponse,
  status: number,
  body: Record<string, string>,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    })
    .end(text);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function clip(value: string | undefined): string | undefined {
  return value === undefined || value.length <= LOGGED_HEADER_CHARS ? value : `${value.slice(0, LOGGED_HEADER_CHARS)}…`;
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
}

/** The path of a request URL without its query or trailing slashes, as @octokit/webhooks compares it. */
function pathOf(url: string | undefined): string {
  const path = (url ?? '').split('?', 1)[0]!;
  return normalisePath(path);
}

function normalisePath(path: string): string {
  let end = path.length;
  while (end > 1 && path[end - 1] === '/') end--;
  return path.slice(0, end);
}
