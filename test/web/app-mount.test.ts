/**
 * The insights mounted in the app's real HTTP server (src/main.ts → src/server.ts): on with the
 * three settings, 404 without them, and a start that goes on, with a warning, when only some are set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loggerOptions } from '../../src/ops/logger.js';
import { startApp, type RunningApp } from '../../src/server/main.js';
import { freePort } from '../stand-in/free-port.js';
import { FakeGitHub } from '../support/fake-github.js';
import { resetNock, testPrivateKey } from '../support/harness.js';
import { seedHistory } from '../../src/store/seed.js';
import { SESSION_COOKIE } from '../../src/web/session.js';
import { startOAuthStandIn, type StandInUser } from './oauth-stand-in.js';
import { CLIENT, SESSION_SECRET } from './support.js';

let running: RunningApp | undefined;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await running?.shutdown('test');
  running = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
  resetNock();
});

async function start(env: Record<string, string>) {
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
      WEBHOOK_SECRET: 'shh',
      PORT: String(port),
      HOST: '127.0.0.1',
      REDELIVERY_INTERVAL_MS: '0',
      HISTORY: 'off',
      ...env,
    },
    log,
    client: { sleep: async () => {} },
  });
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${port}${path}`, { redirect: 'manual', headers });
  return { get, logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('insights in the app server', () => {
  it('answers /insights and /api/insights with the three settings', async () => {
    const { get } = await start({ GITHUB_CLIENT_ID: CLIENT.id, GITHUB_CLIENT_SECRET: CLIENT.secret, SESSION_SECRET });
    const page = await get('/insights');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/insights/auth/sign-in?return_to=%2Finsights');
    const signIn = await get('/insights/auth/sign-in');
    expect(new URL(signIn.headers.get('location')!).origin).toBe('https://github.com');
    expect((await get('/api/insights')).status).toBe(401);
    const script = await get('/insights/assets/insights.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await get('/healthz')).status).toBe(200);
  });

  it('keeps session cookies out of the access log', async () => {
    const { get, logs } = await start({
      GITHUB_CLIENT_ID: CLIENT.id,
      GITHUB_CLIENT_SECRET: CLIENT.secret,
      SESSION_SECRET,
    });
    const signIn = await get('/insights/auth/sign-in', { cookie: 'qg_session=a-sealed-session-value' });
    const stateCookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!.split('=')[1]!;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = JSON.stringify(logs());
    expect(text).toContain('/insights/auth/sign-in');
    expect(text).not.toContain('a-sealed-session-value');
    expect(text).not.toContain(stateCookie);
  });

  it('answers 404 without them, and starts with a warning when only some are set', async () => {
    const { get, logs } = await start({ GITHUB_CLIENT_ID: CLIENT.id, GITHUB_CLIENT_SECRET: CLIENT.secret });
    for (const path of ['/insights', '/insights/auth/sign-in', '/api/insights/acme', '/insights/assets/insights.js'])
      expect((await get(path)).status, path).toBe(404);
    expect(logs().find((l) => String(l.msg).startsWith('insights off'))).toMatchObject({
      level: 40,
      missing: ['SESSION_SECRET'],
    });
  });

  it('refuses to start with a SESSION_SECRET too short to be safe', async () => {
    await expect(
      start({ GITHUB_CLIENT_ID: CLIENT.id, GITHUB_CLIENT_SECRET: CLIENT.secret, SESSION_SECRET: 'short' }),
    ).rejects.toThrow(/openssl rand -hex 32/);
  });

  it("reads what the history recorded: the insights use the app's own history database", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'qg-insights-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // The stand-in reads its users when asked: the reader is added once the history is seeded.
    const users: StandInUser[] = [];
    const github = await startOAuthStandIn({ clientId: CLIENT.id, clientSecret: CLIENT.secret, users });
    cleanups.push(() => github.close());
    const { get } = await start({
      GITHUB_CLIENT_ID: CLIENT.id,
      GITHUB_CLIENT_SECRET: CLIENT.secret,
      SESSION_SECRET,
      GHE_HOST: github.host,
      GHE_PROTOCOL: 'http',
      HISTORY: 'on',
      DATA_DIR: dataDir,
    });
    const seeded = await seedHistory(await running!.history.database(), {
      evaluations: 200,
      days: 30,
      now: Date.now(),
      seed: 3,
      organisations: [{ name: 'acme', repositories: 2, weight: 1 }],
    });
    const repos = seeded.repositories.map((r) => ({ id: r.id, fullName: r.fullName }));
    users.push({ id: 7, login: 'dana', installations: new Map([[seeded.repositories[0]!.installationId, repos]]) });

    const begin = await get('/insights/auth/sign-in');
    const state = begin.headers.getSetCookie()[0]!.split(';')[0]!;
    const authorizeUrl = new URL(begin.headers.get('location')!);
    const picked = await fetch(`${github.url}/login/oauth/authorize`, {
      method: 'POST',
      body: new URLSearchParams({
        state: authorizeUrl.searchParams.get('state')!,
        redirect_uri: authorizeUrl.searchParams.get('redirect_uri') ?? '',
        login: 'dana',
      }),
      redirect: 'manual',
    });
    const callback = new URL(picked.headers.get('location')!);
    const signedIn = await get(`${callback.pathname}${callback.search}`, { cookie: state });
    expect(signedIn.status).toBe(302);
    const session = signedIn.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${SESSION_COOKIE}=`))!
      .split(';')[0]!;
    const answer = await get('/api/insights/acme?table=activity', { cookie: session });
    expect(answer.status).toBe(200);
    const { rows } = (await answer.json()) as { rows: { evaluated: number }[] };
    expect(rows.reduce((sum, r) => sum + r.evaluated, 0)).toBeGreaterThan(0);
  });
});
