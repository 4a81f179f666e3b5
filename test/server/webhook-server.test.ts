/**
 * The webhook path of the real HTTP server, attacked as an outsider would: bodies too large
 * to buffer, forged signatures, broken JSON, unknown events, signed payloads of the wrong
 * shape; and start-up without a webhook secret, and in Probot's setup mode.
 */
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../stand-in/free-port.js';
import { loggerOptions } from '../../src/ops/logger.js';
import { startApp, type RunningApp } from '../../src/server/main.js';
import { WEBHOOK_BODY_LIMIT } from '../../src/server/webhook-receiver.js';
import { FakeGitHub } from '../support/fake-github.js';
import { examplePayload, pullRequestPayload, resetNock, retarget, testPrivateKey } from '../support/harness.js';

const SECRET = 'shh';
const PATH = '/api/github/webhooks';

let running: RunningApp | undefined;
afterEach(async () => {
  await running?.shutdown('test');
  running = undefined;
  resetNock();
});

interface Started {
  readonly fake: FakeGitHub;
  readonly port: number;
  readonly lines: string[];
  readonly logs: () => Record<string, unknown>[];
}

async function start(env: Record<string, string> = {}): Promise<Started> {
  const fake = new FakeGitHub();
  fake.install();
  const port = await freePort();
  const lines: string[] = [];
  const log = pino(
    loggerOptions('debug'),
    new Writable({
      write: (c, _e, d) => {
        lines.push(...String(c).split('\n').filter(Boolean));
        d();
      },
    }),
  );
  running = await startApp({
    env: {
      APP_ID: String(fake.appId),
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET: SECRET,
      PORT: String(port),
      HOST: '127.0.0.1',
      HISTORY: 'off',
      REDELIVERY_INTERVAL_MS: '0',
      ...env,
    },
    log,
    client: { sleep: async () => {} },
  });
  return { fake, port, lines, logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const sign = (body: string | Buffer, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

function headers(event: string, delivery: string, body: string, secret = SECRET): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': delivery,
    'x-hub-signature-256': sign(body, secret),
  };
}

async function post(
  port: number,
  body: string,
  hdrs: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${PATH}`, { method: 'POST', headers: hdrs, body });
  return { status: res.status, text: await res.text() };
}

/**
 * Sends `chunks` one at a time (each after the previous was flushed) until the server answers
 * or closes the connection, and reports the status (0: closed before Node's client could read
 * the answer) and how many bytes were sent by then.
 */
function stream(
  port: number,
  hdrs: Record<string, string>,
  chunk: Buffer,
  chunks: number,
): Promise<{ status: number; sent: number }> {
  return new Promise((resolve) => {
    let sent = 0;
    let done = false;
    const finish = (status: number) => {
      if (!done) resolve({ status, sent });
      done = true;
    };
    const req = request({ host: '127.0.0.1', port, path: PATH, method: 'POST', headers: hdrs });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => finish(res.statusCode ?? 0));
    });
    // After a 413 the server closes the connection; a write then fails (EPIPE, ECONNRESET).
    req.on('error', () => setTimeout(() => finish(0), 100));
    const next = (i: number) => {
      if (done) return;
      if (i === chunks) return void req.end();
      sent += chunk.length;
      req.write(chunk, (error) => (error ? undefined : setImmediate(() => next(i + 1))));
    };
    next(0);
  });
}

const rejections = async (reason: string) => {
  const metric = await running!.app.metrics.registry.getSingleMetric('quality_gates_webhook_rejections_total')!.get();
  return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
};

describe('a body larger than GitHub sends (25 MB)', () => {
  it('is refused from its Content-Length, before a byte of it is read', async () => {
    const { port } = await start();
    const started = Date.now();
    // 600 MB announced; only a few bytes ever sent. Reading it first would wait for the rest.
    const hdrs = { ...headers('pull_request', 'd-big', '{}'), 'content-length': String(600 * 1024 * 1024) };
    const { status } = await stream(port, hdrs, Buffer.from('{"a":'), 1);
    expect(status).toBe(413);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await rejections('too_large')).toBe(1);
  });

  it('is refused while streaming when no length is announced, without reading the rest', async () => {
    const { port, logs } = await start();
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const total = 40;
    const hdrs = { ...headers('pull_request', 'd-chunked', '{}'), 'transfer-encoding': 'chunked' };
    const { status, sent } = await stream(port, hdrs, chunk, total);
    expect([413, 0]).toContain(status);
    expect(sent).toBeGreaterThan(WEBHOOK_BODY_LIMIT);
    expect(sent).toBeLessThan(total * chunk.length);
    expect(await rejections('too_large')).toBe(1);
    expect(logs().filter((l) => l.msg === 'webhook rejected')).toEqual([
      expect.objectContaining({ delivery: 'd-chunked', event: 'pull_request', reason: 'too_large' }),
    ]);
  });

  it('takes a signed body just under the limit', async () => {
    const { port, fake } = await start();
    const pull = fake.addPull({ number: 2 });
    const payload = pullRequestPayload(fake, pull);
    const json = JSON.stringify(payload);
    const body = json.slice(0, -1) + `,"padding":"${'x'.repeat(WEBHOOK_BODY_LIMIT - json.length - 20)}"}`;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(WEBHOOK_BODY_LIMIT);
    const { status } = await post(port, body, headers('pull_request', 'd-under', body));
    expect(status).toBe(200);
    await running!.app.idle();
    expect(fake.runsOn(pull.headRefOid)).toHaveLength(1);
  });
});

describe('a rejected webhook', () => {
  it('with a wrong signature is logged once, with delivery, event and reason only', async () => {
    const { port, lines, logs, fake } = await start();
    const body = JSON.stringify({ action: 'opened', marker: 'FORGED-BODY-MARKER', padding: 'y'.repeat(100_000) });
    const { status, text } = await post(port, body, headers('pull_request', 'd-forged', body, 'not-the-secret'));
    expect(status).toBe(401);
    expect(text).not.toContain('FORGED-BODY-MARKER');
    const rejected = logs().filter((l) => l.msg === 'webhook rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({
      level: 40,
      delivery: 'd-forged',
      event: 'pull_request',
      reason: 'bad_signature',
    });
    expect(Object.keys(rejected[0]!).sort()).toEqual(
      ['delivery', 'event', 'level', 'msg', 'name', 'pid', 'reason', 'time'].sort(),
    );
    expect(lines.join('\n')).not.toContain('FORGED-BODY-MARKER');
    expect(lines.some((l) => l.length > 4_000)).toBe(false);
    expect(fake.requests).toHaveLength(0);
    expect(await rejections('bad_signature')).toBe(1);
  });

  it('without a signature, or without its other GitHub headers, gets a 400', async () => {
    const { port } = await start();
    const body = '{}';
    const { 'x-hub-signature-256': _, ...unsigned } = headers('pull_request', 'd-unsigned', body);
    expect((await post(port, body, unsigned)).status).toBe(400);
    const { 'x-github-delivery': __, ...anonymous } = headers('pull_request', 'd-x', body);
    expect((await post(port, body, anonymous)).status).toBe(400);
    expect(await rejections('missing_headers')).toBe(2);
  });

  it('that is not JSON gets a 400 and is counted', async () => {
    const { port, lines } = await start();
    const body = '{"action": "opened", BROKEN-JSON-MARKER';
    const { status } = await post(port, body, headers('pull_request', 'd-json', body));
    expect(status).toBe(400);
    expect(await rejections('bad_json')).toBe(1);
    expect(lines.join('\n')).not.toContain('BROKEN-JSON-MARKER');
  });

  it('with a content type other than JSON gets a 415', async () => {
    const { port } = await start();
    const body = 'payload=%7B%7D';
    const { status } = await post(port, body, {
      ...headers('pull_request', 'd-form', body),
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(status).toBe(415);
    expect(await rejections('bad_content_type')).toBe(1);
  });

  it('for an event the app does not know is answered without being read or dispatched', async () => {
    const { port, fake } = await start();
    const body = JSON.stringify({ action: 'created', installation: { id: fake.installationId } });
    const { status } = await post(port, body, headers('totally-made-up-event', 'd-unknown', body));
    expect(status).toBe(202);
    expect(await rejections('unknown_event')).toBe(1);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).not.toContain('totally-made-up-event');
  });

  it('a ping (sent when the app is created) is answered 200', async () => {
    const { port } = await start();
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    expect((await post(port, body, headers('ping', 'd-ping', body))).status).toBe(200);
  });
});

describe('a signed payload that does not have the shape the handler reads', () => {
  it.each([
    ['repository: null', (p: Record<string, any>) => (p.repository = null)],
    ['a string installation id', (p: Record<string, any>) => (p.installation = { id: 'not-a-number' })],
    ['no pull_request', (p: Record<string, any>) => delete p.pull_request],
    ['a head SHA that is a number', (p: Record<string, any>) => (p.pull_request.head.sha = 42)],
  ])('(%s) is answered 2xx without internal details, logged once, and nothing is requested', async (_name, mutate) => {
    const { port, fake, logs } = await start();
    const pull = fake.addPull({ number: 2 });
    const payload = pullRequestPayload(fake, pull);
    mutate(payload);
    const body = JSON.stringify(payload);
    const { status, text } = await post(port, body, headers('pull_request', 'd-shape', body));
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(300);
    expect(text).not.toMatch(/TypeError|Cannot read|undefined|null/);
    await running!.app.idle();
    expect(fake.requests).toHaveLength(0);
    const ignored = logs().filter((l) => l.msg === 'webhook payload ignored');
    expect(ignored).toEqual([
      expect.objectContaining({
        level: 40,
        delivery: 'd-shape',
        event: 'pull_request',
        action: 'opened',
        reason: expect.any(String),
      }),
    ]);
    expect(logs().filter((l) => (l.level as number) >= 50)).toEqual([]);
    expect(await rejections('invalid_payload')).toBe(1);
  });
});

describe('start-up', () => {
  it('refuses to start with APP_ID but without WEBHOOK_SECRET, whatever NODE_ENV', async () => {
    const port = await freePort();
    await expect(
      startApp({
        env: { APP_ID: '1', PRIVATE_KEY: testPrivateKey(), PORT: String(port), HOST: '127.0.0.1' },
        log: pino({ level: 'silent' }),
      }),
    ).rejects.toThrow(/WEBHOOK_SECRET is not set/);
  });

  it('starts without WEBHOOK_SECRET only with the development flag, and then takes Probot’s default secret', async () => {
    const { port, logs } = await start({ WEBHOOK_SECRET: '', ALLOW_DEVELOPMENT_WEBHOOK_SECRET: 'true' });
    expect(
      logs().some(
        (l) =>
          l.msg === 'WEBHOOK_SECRET is not set: webhooks signed with the public secret "development" are accepted' &&
          l.level === 40,
      ),
    ).toBe(true);
    const body = JSON.stringify({ zen: 'z', hook_id: 1 });
    expect((await post(port, body, headers('ping', 'd-dev', body, 'development'))).status).toBe(200);
  });

  it('refuses the development flag in production', async () => {
    const port = await freePort();
    await expect(
      startApp({
        env: {
          APP_ID: '1',
          PRIVATE_KEY: testPrivateKey(),
          PORT: String(port),
          HOST: '127.0.0.1',
          NODE_ENV: 'production',
          ALLOW_DEVELOPMENT_WEBHOOK_SECRET: 'true',
        },
        log: pino({ level: 'silent' }),
      }),
    ).rejects.toThrow(/WEBHOOK_SECRET is not set/);
  });
});

describe('setup mode (no APP_ID or private key)', () => {
  it('serves Probot’s setup flow and answers /healthz 200, /readyz 503, and refuses webhooks unread', async () => {
    const previous = process.env.NO_SMEE_SETUP;
    process.env.NO_SMEE_SETUP = 'true'; // Probot's setup flow would otherwise create a smee.io channel
    try {
      const port = await freePort();
      running = await startApp({
        env: { PORT: String(port), HOST: '127.0.0.1', REDELIVERY_INTERVAL_MS: '0' },
        log: pino({ level: 'silent' }),
      });
      const base = `http://127.0.0.1:${port}`;
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'setup' });
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      const root = await fetch(`${base}/`, { redirect: 'manual' });
      expect(root.status).toBe(302);
      expect(root.headers.get('location')).toBe('/probot');
      const body = '{}';
      expect((await post(port, body, headers('pull_request', 'd-setup', body, 'development'))).status).toBe(503);
    } finally {
      if (previous === undefined) delete process.env.NO_SMEE_SETUP;
      else process.env.NO_SMEE_SETUP = previous;
    }
  });
});

describe('comment commands over HTTP', () => {
  async function recheckTwice(env: Record<string, string>) {
    const { port, fake } = await start(env);
    fake.addPull({ number: 2 });
    const payload = examplePayload('issue_comment', 'created');
    retarget(fake, payload);
    payload.issue.number = 2;
    payload.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/2' };
    payload.comment.author_association = 'MEMBER';
    payload.comment.body = '/gates recheck';
    for (const delivery of ['c-1', 'c-2']) {
      const body = JSON.stringify(payload);
      expect((await post(port, body, headers('issue_comment', delivery, body))).status).toBe(200);
      await running!.app.idle();
    }
    return fake.requests.filter((r) => r.operation === 'QualityGatesSnapshot').length;
  }

  it('cool down for 30 s by default', async () => {
    expect(await recheckTwice({})).toBe(1);
  });

  it('do not cool down with COMMAND_COOLDOWN_MS=0', async () => {
    expect(await recheckTwice({ COMMAND_COOLDOWN_MS: '0' })).toBe(2);
  });
});

describe('Probot’s own error log of a failed event', () => {
  it('never carries the event’s payload', () => {
    const lines: string[] = [];
    const log = pino(
      loggerOptions('debug'),
      new Writable({
        write: (c, _e, d) => {
          lines.push(String(c));
          d();
        },
      }),
    );
    const error = Object.assign(new Error('handler failed'), {
      event: { id: 'd-1', name: 'pull_request', payload: { body: 'PAYLOAD-MARKER' } },
    });
    log.child({ name: 'event', id: 'd-1' }).error(error);
    expect(lines.join('')).toContain('handler failed');
    expect(lines.join('')).not.toContain('PAYLOAD-MARKER');
  });
});
