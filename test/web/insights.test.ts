/**
 * The insights over HTTP, without a browser: the sign-in's defences (state, sealed cookies,
 * expiry, return paths, sign-out from elsewhere), the authorisation cache, escaping of what pull
 * request authors wrote, the security headers, and the answers for bad input.
 */
import { createServer } from 'node:http';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACCESS_CACHE_TTL_MS } from '../../src/web/github-user.js';
import { createInsightsHandler, VIEW_CACHE_TTL_MS } from '../../src/web/insights.js';
import { CookieSealer, SESSION_COOKIE, SESSION_TTL_MS } from '../../src/web/session.js';
import { active, PERIOD, pullRequests } from './expected.js';
import { NOW, SESSION_SECRET, startInsights, type InsightsUnderTest } from './support.js';

const TIMEOUT = 180_000;

/** The OAuth dance by hand: the sign-in redirect, the stand-in's authorize form, the callback. */
async function begin(t: InsightsUnderTest, returnTo = '/insights') {
  const start = await fetch(`${t.url}/insights/auth/sign-in?${new URLSearchParams({ return_to: returnTo })}`, {
    redirect: 'manual',
  });
  const stateCookie = start.headers.getSetCookie()[0]!;
  const authorize = new URL(start.headers.get('location')!);
  return { start, stateCookie, authorize, cookie: stateCookie.split(';')[0]! };
}

async function authorize(t: InsightsUnderTest, authorizeUrl: URL, login: string): Promise<URL> {
  const form = new URLSearchParams({
    state: authorizeUrl.searchParams.get('state')!,
    redirect_uri: authorizeUrl.searchParams.get('redirect_uri')!,
    login,
  });
  const answer = await fetch(`${t.github.url}/login/oauth/authorize`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  return new URL(answer.headers.get('location')!);
}

async function signIn(t: InsightsUnderTest, login: string): Promise<string> {
  const { authorize: url, cookie } = await begin(t);
  const callback = await authorize(t, url, login);
  const answer = await fetch(callback, { headers: { cookie }, redirect: 'manual' });
  expect(answer.status).toBe(302);
  return answer.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${SESSION_COOKIE}=`))!
    .split(';')[0]!;
}

const get = (t: InsightsUnderTest, path: string, cookie?: string) =>
  fetch(`${t.url}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
const userRequests = (t: InsightsUnderTest) =>
  t.github.requests.filter((r) => r.path === '/api/v3/user/installations').length;

describe('insights over HTTP', () => {
  let t: InsightsUnderTest;
  let alice: string;

  beforeAll(async () => {
    t = await startInsights();
    alice = await signIn(t, 'alice');
  }, TIMEOUT);
  afterAll(async () => t?.close());
  beforeEach(() => {
    t.clock.now = NOW;
  });

  describe('sign-in', () => {
    it('sends the browser to GitHub (the GHE host) with a fresh state in a sealed, HttpOnly, SameSite=Lax cookie', async () => {
      const { start, stateCookie, authorize: url } = await begin(t);
      expect(start.status).toBe(302);
      expect(url.origin).toBe(t.github.url);
      expect(url.pathname).toBe('/login/oauth/authorize');
      expect(url.searchParams.get('client_id')).toBe(t.settings.clientId);
      expect(url.searchParams.get('redirect_uri')).toBe(`${t.url}/insights/auth/callback`);
      expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(stateCookie).toMatch(
        /^qg_oauth_state=[A-Za-z0-9_-]+; Path=\/insights\/auth; Max-Age=600; HttpOnly; SameSite=Lax$/,
      );
      expect(stateCookie).not.toContain(url.searchParams.get('state')!);
      const second = await begin(t);
      expect(second.authorize.searchParams.get('state')).not.toBe(url.searchParams.get('state'));
    });

    it('sets a session cookie: sealed, HttpOnly, SameSite=Lax, not Secure over http; the token is not readable in it', async () => {
      const { authorize: url, cookie } = await begin(t, '/insights/acme?from=2026-01-01');
      const answer = await fetch(await authorize(t, url, 'bob'), { headers: { cookie }, redirect: 'manual' });
      expect(answer.headers.get('location')).toBe('/insights/acme?from=2026-01-01');
      const [clear, session] = answer.headers.getSetCookie();
      expect(clear).toMatch(/^qg_oauth_state=; Path=\/insights\/auth; Max-Age=0/);
      expect(session).toMatch(/^qg_session=[A-Za-z0-9_-]+; Path=\/; Max-Age=28800; HttpOnly; SameSite=Lax$/);
      const token = [...t.github.tokens.entries()].find(([, u]) => u.login === 'bob')![0];
      expect(Buffer.from(session!.split(';')[0]!.split('=')[1]!, 'base64url').toString('latin1')).not.toContain(token);
      expect(JSON.stringify(t.logLines())).not.toContain(token);
    });

    it('refuses a callback whose state differs from the one this browser started with (CSRF), or without one', async () => {
      const { authorize: url, cookie } = await begin(t);
      const callback = await authorize(t, url, 'alice');
      const forged = new URL(callback);
      forged.searchParams.set('state', 'x'.repeat(32));
      for (const [target, headers] of [
        [forged, { cookie }],
        [callback, {}],
        [callback, { cookie: `qg_oauth_state=${'A'.repeat(80)}` }],
      ] as const) {
        const answer = await fetch(target, { headers, redirect: 'manual' });
        expect(answer.status).toBe(400);
        expect(answer.headers.getSetCookie().some((c) => c.startsWith('qg_session='))).toBe(false);
        expect(await answer.text()).toContain('could not be verified');
      }
    });

    it('refuses a sign-in that took longer than 10 minutes, and a code used twice', async () => {
      const { authorize: url, cookie } = await begin(t);
      const callback = await authorize(t, url, 'alice');
      t.clock.now = NOW + 10 * 60_000 + 1;
      expect((await fetch(callback, { headers: { cookie }, redirect: 'manual' })).status).toBe(400);
      t.clock.now = NOW;
      const ok = await fetch(callback, { headers: { cookie }, redirect: 'manual' });
      expect(ok.status).toBe(302);
      const again = await fetch(callback, { headers: { cookie }, redirect: 'manual' });
      expect(again.status).toBe(502);
      expect(await again.text()).toContain('GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET');
    });

    it('returns only to a path of the insights after signing in', async () => {
      for (const returnTo of [
        '//evil.example/insights',
        'https://evil.example/',
        '/\\evil.example',
        '/insightsevil',
        '/healthz',
      ]) {
        const { authorize: url, cookie } = await begin(t, returnTo);
        const answer = await fetch(await authorize(t, url, 'alice'), { headers: { cookie }, redirect: 'manual' });
        expect(answer.headers.get('location'), returnTo).toBe('/insights');
      }
    });

    it('says so when the user cancels on GitHub, with the words escaped', async () => {
      const answer = await get(t, '/insights/auth/callback?error=%3Cscript%3Ex%3C/script%3E');
      expect(answer.status).toBe(400);
      const text = await answer.text();
      expect(text).toContain('&lt;script&gt;x&lt;/script&gt;');
      expect(text).not.toContain('<script>x');
    });
  });

  describe('sessions', () => {
    it('has no anonymous access: pages go to sign-in, the JSON API answers 401', async () => {
      const page = await get(t, '/insights/acme?from=2026-01-01');
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toBe(
        '/insights/auth/sign-in?return_to=%2Finsights%2Facme%3Ffrom%3D2026-01-01',
      );
      const api = await get(t, '/api/insights/acme');
      expect(api.status).toBe(401);
      expect(await api.text()).not.toContain('acme/');
    });

    it('ignores a session cookie that was altered, sealed with another secret, or is past its time', async () => {
      const value = alice.split('=')[1]!;
      const bytes = Buffer.from(value, 'base64url');
      bytes[20]! ^= 1;
      const other = new CookieSealer('another-secret-of-at-least-thirty-two-characters');
      const opened = new CookieSealer(SESSION_SECRET).open(SESSION_COOKIE, value) as Record<string, unknown>;
      const cookies = [
        `qg_session=${bytes.toString('base64url')}`,
        `qg_session=${other.seal(SESSION_COOKIE, opened)}`,
        `qg_session=${new CookieSealer(SESSION_SECRET).seal('qg_oauth_state', opened)}`,
      ];
      for (const cookie of cookies) expect((await get(t, '/api/insights', cookie)).status).toBe(401);
      expect((await get(t, '/api/insights', alice)).status).toBe(200);
      t.clock.now = NOW + SESSION_TTL_MS + 1;
      expect((await get(t, '/api/insights', alice)).status).toBe(401);
    });

    it('asks GitHub what the user can read once per session for five minutes, then again', async () => {
      const session = await signIn(t, 'alice');
      const before = userRequests(t);
      for (let i = 0; i < 3; i++) expect((await get(t, '/api/insights?table=gates', session)).status).toBe(200);
      expect(userRequests(t)).toBe(before + 1);
      t.clock.now = NOW + ACCESS_CACHE_TTL_MS + 1;
      expect((await get(t, '/api/insights?table=gates', session)).status).toBe(200);
      expect(userRequests(t)).toBe(before + 2);
    });

    it('ends the session when GitHub no longer accepts its token', async () => {
      const session = await signIn(t, 'carol');
      expect((await get(t, '/api/insights', session)).status).toBe(200);
      for (const [token, user] of t.github.tokens) if (user.login === 'carol') t.github.tokens.delete(token);
      t.clock.now = NOW + ACCESS_CACHE_TTL_MS + 1;
      const page = await get(t, '/insights', session);
      expect(page.status).toBe(401);
      expect(page.headers.getSetCookie()[0]).toMatch(/^qg_session=; Path=\/; Max-Age=0/);
      expect(await page.text()).toContain('Your GitHub sign-in has ended.');
    });

    it('signs out only from these pages (Origin), and revokes the token', async () => {
      const session = await signIn(t, 'bob');
      const post = (headers: Record<string, string>) =>
        fetch(`${t.url}/insights/auth/sign-out`, {
          method: 'POST',
          headers: { cookie: session, ...headers },
          redirect: 'manual',
        });
      expect((await post({ origin: 'https://evil.example' })).status).toBe(403);
      expect((await post({})).status).toBe(403);
      expect((await get(t, '/api/insights', session)).status).toBe(200);
      const bobTokens = () => [...t.github.tokens.values()].filter((u) => u.login === 'bob').length;
      const before = bobTokens();
      const out = await post({ origin: t.url });
      expect(out.status).toBe(303);
      expect(out.headers.get('location')).toBe('/insights/auth/signed-out');
      expect(out.headers.getSetCookie()[0]).toMatch(/^qg_session=; Path=\/; Max-Age=0/);
      expect(bobTokens()).toBe(before - 1);
      expect((await get(t, '/insights/auth/sign-out', session)).status).toBe(405);
    });
  });

  describe('pages and data', () => {
    it('serves pages and files under a strict Content-Security-Policy, with no inline script or style', async () => {
      const page = await get(t, '/insights/acme', alice);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('cache-control')).toBe('no-store');
      const text = await page.text();
      expect(text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(text).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
      for (const file of ['uPlot.iife.min.js', 'uPlot.min.css', 'insights.js', 'insights.css', 'favicon.svg']) {
        const asset = await get(t, `/insights/assets/${file}`);
        expect(asset.status, file).toBe(200);
        expect(asset.headers.get('content-security-policy')).toContain("default-src 'none'");
      }
      expect((await get(t, '/insights/assets/../../package.json')).status).not.toBe(200);
    });

    it('escapes what authors wrote, in the page, and defuses formulas in the CSV', async () => {
      const rows = active(await pullRequests(t.opened.db, t.access.get('alice')!)).filter(
        (p) => p.merged_at !== null && p.repository === 'acme/service-001',
      );
      const target = rows.sort((a, b) => (b.counted_lines ?? 0) - (a.counted_lines ?? 0))[0]!;
      const title = '=HYPERLINK("https://evil.example","<script>alert(1)</script>")';
      await sql`UPDATE pull_requests SET title = ${title}, author = ${'<img src=x onerror=alert(1)>'} WHERE repository_id = ${target.repository_id} AND pr_number = ${target.pr_number}`.execute(
        t.opened.db,
      );
      const text = await (await get(t, '/insights/acme/service-001', alice)).text();
      expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;');
      expect(text).not.toContain('<script>alert');
      expect(text).not.toContain('<img src=x');
      const csv = await (await get(t, '/api/insights/acme/service-001?table=largest&format=csv', alice)).text();
      expect(csv).toContain(`"'=HYPERLINK(""https://evil.example"",""<script>alert(1)</script>"")"`);
    });

    it('answers the JSON API with every table, one table, or one as CSV', async () => {
      const all = (await (
        await get(t, '/api/insights/acme/service-001?from=2026-01-01&to=2026-01-31', alice)
      ).json()) as Record<string, unknown> & { tables: Record<string, unknown> };
      expect(all).toMatchObject({
        owner: 'acme',
        repository: 'acme/service-001',
        gate: null,
        from: '2026-01-01',
        to: '2026-01-31',
      });
      expect(Object.keys(all.tables)).toEqual([
        'activity',
        'size',
        'gates',
        'gate-weeks',
        'reasons',
        'compliance',
        'review',
        'review-weeks',
        'overrides',
        'override-counts',
        'slowest',
        'largest',
        'what-if',
      ]);
      const one = (await (
        await get(t, '/api/insights/acme/service-001/gates/batch-size?table=gates', alice)
      ).json()) as { rows: { gate: string }[] };
      expect(one.rows.map((r) => r.gate)).toEqual(['batch-size']);
      const csv = await get(t, '/api/insights/acme?table=repositories&format=csv', alice);
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(csv.headers.get('content-disposition')).toBe(
        'attachment; filename="acme-repositories-2025-12-02-2026-03-01.csv"',
      );
    });

    it('lists the overrides of the readable repositories in the period, newest first, as stored', async () => {
      const ids = new Set(t.access.get('alice')!);
      const stored = (await t.opened.db.selectFrom('overrides').selectAll().execute())
        .filter((o) => ids.has(Number(o.repository_id)) && o.recorded_at >= PERIOD.start && o.recorded_at < PERIOD.end)
        .sort((a, b) => b.recorded_at.getTime() - a.recorded_at.getTime() || Number(a.id) - Number(b.id));
      expect(stored.length).toBeGreaterThan(0);
      const api = (await (await get(t, '/api/insights', alice)).json()) as {
        tables: Record<string, { rows: Record<string, unknown>[] }>;
      };
      const rows = api.tables.overrides!.rows;
      expect(rows.map((r) => [r.repository, r.number, r.login, r.outcome, r.reason, r.commentUrl])).toEqual(
        stored.slice(0, 100).map((o) => [o.repository, o.pr_number, o.login, o.outcome, o.reason, o.comment_url]),
      );
      const counted = api.tables['override-counts']!.rows.reduce((n, r) => n + Number(r.overrides), 0);
      expect(counted).toBe(stored.reduce((n, o) => n + o.gates.length, 0));
    });

    it.each([
      ['/api/insights?from=2026-02-30', 400, 'YYYY-MM-DD'],
      ['/api/insights?from=2026-02-01&to=2026-01-01', 400, 'after'],
      ['/api/insights?from=2020-01-01&to=2026-01-01', 400, 'more than 731 days'],
      ['/api/insights?max_lines=0', 400, 'whole number'],
      ['/api/insights?default_excludes=maybe', 400, '"on" or "off"'],
      ['/api/insights?table=nope', 404, 'the tables are'],
      ['/api/insights?format=csv', 400, 'table=<id>'],
      ['/api/insights/acme/gates/no-such-gate', 404, 'Nothing here'],
      ['/api/insights/acme/service-001/extra/segments', 404, 'Nothing here'],
      ['/api/insights/%E0%A4%A', 404, 'Nothing here'],
    ])('answers %s with %i and what to do', async (path, status, words) => {
      const answer = await get(t, path, alice);
      expect(answer.status).toBe(status);
      expect(((await answer.json()) as { message: string }).message).toContain(words);
    });

    it('shows a user with no readable repository nothing but zeros, and 404 for any organisation', async () => {
      const carol = await signIn(t, 'carol');
      const all = (await (await get(t, '/api/insights', carol)).json()) as {
        figures: { evaluated: number };
        tables: Record<string, { rows: unknown[] }>;
      };
      expect(all.figures.evaluated).toBe(0);
      // Only the fixed-row tables (compliance, review times) have rows, all of them zeros.
      expect(
        Object.entries(all.tables)
          .filter(([, table]) => table.rows.length > 0)
          .map(([id]) => id),
      ).toEqual(['compliance', 'review']);
      expect(JSON.stringify(all)).not.toMatch(/acme|globex/);
      expect(JSON.stringify([all.tables.compliance, all.tables.review])).not.toMatch(/":[1-9]/);
      expect((await get(t, '/api/insights/acme', carol)).status).toBe(404);
    });

    it('leaves other paths to the server', async () => {
      expect((await get(t, '/insightsx')).status).toBe(404);
      expect(await (await get(t, '/insightsx')).text()).toBe('Not found');
    });
  });
});

describe('insights without their settings, or without a database', () => {
  it('take no request when GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET or SESSION_SECRET is missing', async () => {
    const handler = createInsightsHandler({
      settings: undefined,
      database: () => Promise.reject(new Error('unused')),
      log: pino({ level: 'silent' }),
    });
    const server = createServer(
      (req, res) => void handler(req, res).then((taken) => (taken ? undefined : res.writeHead(404).end())),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    for (const path of ['/insights', '/insights/auth/sign-in', '/api/insights', '/insights/assets/insights.js'])
      expect((await fetch(`${url}${path}`, { redirect: 'manual' })).status, path).toBe(404);
    server.close();
  });

  it(
    'answer 502, not 500, when GitHub cannot say what the user can read',
    async () => {
      const t = await startInsights();
      try {
        const session = await signIn(t, 'alice');
        await t.github.close();
        t.clock.now = NOW + ACCESS_CACHE_TTL_MS + 1;
        const answer = await get(t, '/api/insights', session);
        expect(answer.status).toBe(502);
        expect(((await answer.json()) as { message: string }).message).toContain('insights access check failed');
        expect(t.logLines().find((l) => l.msg === 'insights access check failed')).toMatchObject({
          level: 40,
          login: 'alice',
        });
      } finally {
        await t.close();
      }
    },
    TIMEOUT,
  );

  it(
    "reuse a view's data for a minute, for the same repositories, place, period and what-if only",
    async () => {
      const t = await startInsights();
      try {
        const alice = await signIn(t, 'alice');
        const bob = await signIn(t, 'bob');
        const evaluated = async (cookie: string, path = '/api/insights/acme') =>
          ((await (await get(t, path, cookie)).json()) as { figures: { evaluated: number } }).figures.evaluated;
        const before = await evaluated(alice);
        const bobBefore = await evaluated(bob);
        await sql`DELETE FROM pull_requests WHERE repository = 'acme/service-002'`.execute(t.opened.db);
        expect(await evaluated(alice)).toBe(before);
        // Another period is another view.
        expect(await evaluated(alice, '/api/insights/acme?from=2025-12-02&to=2026-02-28')).toBeLessThan(before);
        t.clock.now = NOW + VIEW_CACHE_TTL_MS + 1;
        const after = await evaluated(alice);
        expect(after).toBeLessThan(before);
        expect(await evaluated(bob)).toBe(bobBefore - (before - after));
      } finally {
        await t.close();
      }
    },
    TIMEOUT,
  );

  it(
    'answer 503 with the reason when the history cannot be opened',
    async () => {
      const t = await startInsights();
      try {
        const session = await signIn(t, 'alice');
        const handler = createInsightsHandler({
          settings: t.settings,
          database: () => Promise.reject(new Error('HISTORY=off')),
          log: pino({ level: 'silent' }),
          now: () => NOW,
        });
        const server = createServer((req, res) => void handler(req, res));
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const answer = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/api/insights`, {
          headers: { cookie: session },
        });
        expect(answer.status).toBe(503);
        expect(((await answer.json()) as { message: string }).message).toContain('HISTORY=off');
        server.closeAllConnections();
        server.close();
      } finally {
        await t.close();
      }
    },
    TIMEOUT,
  );
});
