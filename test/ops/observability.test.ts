/**
 * Observable by default: secrets never reach a log (full evaluation and error
 * path), metrics after an evaluation, and graceful shutdown of the real server.
 */
import { createHmac, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../stand-in/free-port.js';
import { loggerOptions } from '../../src/ops/logger.js';
import { startApp } from '../../src/server/main.js';
import { FakeGitHub } from '../support/fake-github.js';
import { pullRequestPayload, resetNock, startHarness, testPrivateKey } from '../support/harness.js';

afterEach(() => resetNock());

const TOKEN = 'ghs_testinstallationtoken';
const keyBody = () => testPrivateKey().split('\n')[1]!;

describe('logs', () => {
  it('never carry the private key, installation tokens, the webhook secret or authorization headers', async () => {
    const fake = new FakeGitHub();
    fake.install();
    const h = await startHarness(fake);
    const pull = fake.addPull({ number: 2 });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    fake.fail = () => 502;
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'synchronize'));

    const text = h.logText();
    expect(h.logs.filter((l) => l.msg === 'evaluation finished')).toHaveLength(2);
    expect(text).toContain('failed to load pull request snapshot');
    for (const secret of [TOKEN, keyBody(), 'test-secret', 'BEGIN RSA PRIVATE KEY']) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/"authorization":"(?!\[REDACTED\])/i);
    // never whole payloads
    expect(text).not.toContain('"pull_request":{"url"');
  });

  it('redacts secrets wherever a caller puts them', () => {
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
    log.info(
      {
        privateKey: 'KEY',
        token: 'TOK',
        headers: { authorization: 'token TOK' },
        err: { request: { headers: { authorization: 'bearer JWT' } } },
        event: { name: 'pull_request', payload: { big: true } },
      },
      'x',
    );
    const out = lines.join('');
    for (const secret of ['KEY', 'TOK', 'JWT', '"big"']) expect(out).not.toContain(secret);
    expect(out).toContain('"name":"pull_request"');
  });
});

describe('metrics', () => {
  it('count evaluations, gate results, events, GitHub requests and rate limit after an evaluation', async () => {
    const fake = new FakeGitHub();
    fake.install();
    const h = await startHarness(fake);
    const pull = fake.addPull({ number: 2, title: 'No ticket' });
    fake.standIn.setRateLimit(fake.installationId, 'graphql', 4323); // two reads leave 4,321
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'edited'));
    const text = await h.app.metrics.registry.metrics();
    for (const line of [
      'quality_gates_evaluations_total{conclusion="failure",verdict="evaluated"} 2',
      'quality_gates_gate_results_total{gate="linked-ticket",status="fail"} 2',
      'quality_gates_gate_results_total{gate="batch-size",status="pass"} 2',
      'quality_gates_webhook_events_total{event="pull_request",action="opened"} 1',
      'quality_gates_webhook_events_total{event="pull_request",action="edited"} 1',
      'quality_gates_github_requests_total{kind="graphql",status="200"} 2',
      'quality_gates_github_requests_total{kind="rest",status="201"}',
      'quality_gates_github_rate_limit_remaining{resource="graphql"} 4321',
      'quality_gates_check_run_writes_total{result="created"} 1',
      'quality_gates_check_run_writes_total{result="unchanged"} 1',
      'quality_gates_queue_events_total{result="queued"} 2',
      'quality_gates_evaluation_duration_seconds_count{outcome="written"} 1',
    ]) {
      expect(text).toContain(line);
    }
  });
});

describe('graceful shutdown', () => {
  it('stops taking webhooks, finishes the evaluation in flight, then resolves', async () => {
    const fake = new FakeGitHub();
    fake.install({ delayMs: 300 });
    const pull = fake.addPull({ number: 2 });
    const port = await freePort();
    const lines: string[] = [];
    const log = pino(
      loggerOptions('info'),
      new Writable({
        write: (c, _e, d) => {
          lines.push(String(c));
          d();
        },
      }),
    );
    const running = await startApp({
      env: {
        APP_ID: String(fake.appId),
        PRIVATE_KEY: testPrivateKey(),
        WEBHOOK_SECRET: 'shh',
        PORT: String(port),
        HOST: '127.0.0.1',
        HISTORY: 'off',
        SHUTDOWN_GRACE_MS: '5000',
      },
      log,
      client: { sleep: async () => {} },
    });
    const base = `http://127.0.0.1:${port}`;
    const body = JSON.stringify(pullRequestPayload(fake, pull));
    const signature = `sha256=${createHmac('sha256', 'shh').update(body).digest('hex')}`;
    const started = Date.now();
    const res = await fetch(`${base}/api/github/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': 'd-1',
        'x-hub-signature-256': signature,
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(300); // answered before GitHub (300 ms a call) is read

    const done = running.shutdown('SIGTERM');
    expect(fake.runsOn(pull.headRefOid)).toHaveLength(0);
    expect(await done).toBe(true);
    expect(fake.runsOn(pull.headRefOid)).toHaveLength(1);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    expect(lines.join('')).toContain('shutdown complete');
  });

  it('rejects a webhook with a missing or wrong signature before any GitHub request', async () => {
    const fake = new FakeGitHub();
    fake.install();
    const pull = fake.addPull({ number: 2 });
    const port = await freePort();
    const running = await startApp({
      env: {
        APP_ID: String(fake.appId),
        PRIVATE_KEY: testPrivateKey(),
        WEBHOOK_SECRET: 'shh',
        PORT: String(port),
        HOST: '127.0.0.1',
        HISTORY: 'off',
      },
      log: pino({ level: 'silent' }),
    });
    try {
      const body = JSON.stringify(pullRequestPayload(fake, pull));
      const headers = {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': 'd-2',
      };
      const missing = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, { method: 'POST', headers, body });
      const wrong = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
        method: 'POST',
        headers: {
          ...headers,
          'x-hub-signature-256': `sha256=${createHmac('sha256', 'not-the-secret').update(body).digest('hex')}`,
        },
        body,
      });
      expect(missing.status).toBeGreaterThanOrEqual(400);
      expect(missing.status).toBeLessThan(500);
      expect(wrong.status).toBeGreaterThanOrEqual(400);
      expect(wrong.status).toBeLessThan(500);
      await running.app.idle();
      expect(fake.requests).toHaveLength(0);
    } finally {
      await running.shutdown('test');
    }
  });
});

describe('start-up', () => {
  it('refuses to start in production without WEBHOOK_SECRET', async () => {
    await expect(
      startApp({
        env: { APP_ID: '1', PRIVATE_KEY: testPrivateKey(), NODE_ENV: 'production', PORT: '1', HOST: '127.0.0.1' },
        log: pino({ level: 'silent' }),
      }),
    ).rejects.toThrow(/WEBHOOK_SECRET is not set/);
  });
});

describe('the private key', () => {
  it('read from PRIVATE_KEY_PATH as GitHub hands it out (PKCS#1), signs the installation-token JWT GitHub verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qg-pem-'));
    const pemPath = join(dir, 'app.private-key.pem');
    writeFileSync(pemPath, testPrivateKey());
    const fake = new FakeGitHub(); // verifies the app's JWT against the test key, as GitHub does
    fake.install();
    const pull = fake.addPull({ number: 3 });
    const port = await freePort();
    const running = await startApp({
      env: {
        APP_ID: String(fake.appId),
        PRIVATE_KEY_PATH: pemPath,
        WEBHOOK_SECRET: 'shh',
        PORT: String(port),
        HOST: '127.0.0.1',
        HISTORY: 'off',
      },
      log: pino({ level: 'silent' }),
    });
    try {
      const body = JSON.stringify(pullRequestPayload(fake, pull));
      const signature = `sha256=${createHmac('sha256', 'shh').update(body).digest('hex')}`;
      const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'pull_request',
          'x-github-delivery': 'd-key',
          'x-hub-signature-256': signature,
        },
        body,
      });
      expect(res.status).toBe(200);
      await running.app.idle();
      expect(fake.runsOn(pull.headRefOid)).toHaveLength(1);
      const authorization = fake.requests.find((r) => r.path.endsWith('/access_tokens'))!.headers!.authorization!;
      const [header, payload, jwtSignature] = authorization.replace(/^bearer /i, '').split('.');
      const signed = verify(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        createPublicKey(testPrivateKey()),
        Buffer.from(jwtSignature!, 'base64url'),
      );
      expect(signed).toBe(true);
      expect(JSON.parse(Buffer.from(payload!, 'base64url').toString()).iss).toBe(fake.appId);
    } finally {
      await running.shutdown('test');
    }
  });
});
