/**
 * `/insights` and `/api/insights/…` (docs/insights.md): one request handler for the app's HTTP
 * server. Sign-in with GitHub through the app's OAuth client, then the views of the history
 * over the repositories GitHub says the user can read — decided here, on the server, for every
 * request; never from the URL or the browser. A place the user cannot read answers 404, exactly
 * as one that does not exist. Without the OAuth settings nothing here answers (the server's 404).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { insights, type HistoryTables } from '../store/index.js';
import { serveAsset } from './assets.js';
import { toCsv } from './csv.js';
import { CALLBACK_PATH, GitHubUsers, TokenRejectedError } from './github-user.js';
import { html } from './html.js';
import { messagePage, viewPage } from './pages.js';
import { periodFrom, PeriodError } from './period.js';
import {
  CookieSealer,
  randomToken,
  readSession,
  readSignInState,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  setCookie,
  STATE_COOKIE,
  STATE_TTL_MS,
  type Session,
} from './session.js';
import type { InsightsSettings } from './settings.js';
import { buildView, parsePlace, resolvePlace, type View, type WhatIfInput } from './views.js';
import { SYSTEM_CLOCK } from '../ops/clock.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface InsightsOptions {
  /** Undefined: insights are off, every path here is the server's 404. */
  readonly settings: InsightsSettings | undefined;
  /** The history's database (`history.database()`); rejects when HISTORY=off or it cannot be opened. */
  readonly database: () => Promise<Kysely<HistoryTables>>;
  readonly log: Logger;
  readonly now?: () => number;
}

/** How long a view's data is reused, and how many are kept. */
export const VIEW_CACHE_TTL_MS = 60_000;
const VIEW_CACHE_MAX = 200;

/** The what-if's starting point: batch-size's defaults (docs/gates/batch-size.md). */
export const DEFAULT_WHAT_IF: WhatIfInput = { maxLines: 400, maxFiles: 50, defaultExcludes: true };

/**
 * Strict: this site's scripts and styles only (no inline ones), no framing, forms post here only.
 * uPlot sets element styles from script (CSSOM), which `style-src` does not restrict.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
} as const;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

export function createInsightsHandler(options: InsightsOptions): RequestHandler {
  const { settings, log } = options;
  if (!settings) return async () => false;
  const now = options.now ?? SYSTEM_CLOCK.now;
  const sealer = new CookieSealer(settings.sessionSecret);
  const users = new GitHubUsers(settings, now);
  const views = new LRUCache<string, Promise<View>>({ max: VIEW_CACHE_MAX, ttl: VIEW_CACHE_TTL_MS, perf: { now } });
  const cookie = (name: typeof SESSION_COOKIE | typeof STATE_COOKIE, value: string, maxAgeMs: number) =>
    setCookie(name, value, { secure: settings.secureCookies, maxAge: maxAgeMs / 1000 });

  function send(
    res: ServerResponse,
    status: number,
    type: string,
    body: string,
    headers: Record<string, string | string[]> = {},
  ): true {
    res
      .writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-store', ...headers })
      .end(body);
    return true;
  }
  const page = (res: ServerResponse, status: number, body: string, headers?: Record<string, string | string[]>) =>
    send(res, status, 'text/html; charset=utf-8', body, headers);
  const json = (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string | string[]>) =>
    send(res, status, 'application/json; charset=utf-8', JSON.stringify(body, null, 2), headers);
  const redirect = (res: ServerResponse, status: 302 | 303, location: string, cookies: string[] = []) =>
    send(res, status, 'text/plain; charset=utf-8', '', {
      location,
      ...(cookies.length ? { 'set-cookie': cookies } : {}),
    });

  function signInPage(res: ServerResponse, url: URL, why: string, cookies: string[] = []): true {
    return page(
      res,
      401,
      messagePage(
        'Sign in',
        [why, 'You see the repositories that GitHub says you can read, among those where this app is installed.'],
        { action: { href: signInHref(url), label: 'Sign in with GitHub' } },
      ),
      cookies.length ? { 'set-cookie': cookies } : {},
    );
  }

  async function signIn(res: ServerResponse, url: URL): Promise<true> {
    const state = randomToken();
    const returnTo = safeReturn(url.searchParams.get('return_to'));
    const sealed = sealer.seal(STATE_COOKIE, { state, returnTo, expiresAt: now() + STATE_TTL_MS });
    return redirect(res, 302, users.authorizeUrl(state), [cookie(STATE_COOKIE, sealed, STATE_TTL_MS)]);
  }

  async function callback(req: IncomingMessage, res: ServerResponse, url: URL): Promise<true> {
    const clearState = cookie(STATE_COOKIE, '', 0);
    const again = { action: { href: '/insights/auth/sign-in', label: 'Sign in again' } };
    const denied = url.searchParams.get('error');
    if (denied) {
      return page(
        res,
        400,
        messagePage(
          'Not signed in',
          [
            html`GitHub did not sign you in (${denied.slice(0, 100)}).`,
            'Sign in again, and authorise the app when GitHub asks.',
          ],
          again,
        ),
        { 'set-cookie': clearState },
      );
    }
    const expected = readSignInState(sealer, req, now());
    const given = url.searchParams.get('state') ?? '';
    const code = url.searchParams.get('code') ?? '';
    if (!expected || !sameText(expected.state, given) || !code) {
      log.warn({ reason: signInRefusal(!expected, code) }, 'insights sign-in refused');
      return page(
        res,
        400,
        messagePage(
          'Not signed in',
          [
            'This sign-in could not be verified: it was not started from this browser, took longer than 10 minutes, or was already used.',
            'Sign in again from this page.',
          ],
          again,
        ),
        { 'set-cookie': clearState },
      );
    }
    let user;
    try {
      user = await users.signIn(code);
    } catch (error) {
      log.warn(
        { status: (error as { status?: number }).status, err: { message: (error as Error).message } },
        'insights sign-in failed',
      );
      return page(
        res,
        502,
        messagePage(
          'Not signed in',
          [
            'GitHub did not accept the sign-in code (it expires after 10 minutes and works once), or could not be reached.',
            'Sign in again; if this repeats, check GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (docs/insights.md).',
          ],
          again,
        ),
        { 'set-cookie': clearState },
      );
    }
    const expiresAt = Math.min(now() + SESSION_TTL_MS, user.tokenExpiresAt ?? Infinity);
    const session: Session = { sid: randomToken(), userId: user.id, login: user.login, token: user.token, expiresAt };
    log.info({ login: user.login }, 'insights sign-in');
    return redirect(res, 302, expected.returnTo, [
      clearState,
      cookie(SESSION_COOKIE, sealer.seal(SESSION_COOKIE, session), expiresAt - now()),
    ]);
  }

  async function signOut(req: IncomingMessage, res: ServerResponse): Promise<true> {
    if (!sameOrigin(req, settings!.publicUrl))
      return page(
        res,
        403,
        messagePage('Not signed out', ['A sign-out must come from the insights pages themselves.']),
      );
    const session = readSession(sealer, req, now());
    if (session) {
      // The token dies at GitHub too: a copy of the cookie is worth nothing after sign-out.
      await users
        .revoke(session.token, session.sid)
        .catch((error: unknown) =>
          log.warn({ status: (error as { status?: number }).status }, 'insights token revocation failed'),
        );
      log.info({ login: session.login }, 'insights sign-out');
    }
    return redirect(res, 303, '/insights/auth/signed-out', [cookie(SESSION_COOKIE, '', 0)]);
  }

  /** The view of the place in the path, for the signed-in user; throws HttpError. */
  async function view(session: Session, segments: readonly string[], query: URLSearchParams): Promise<View> {
    const place = parsePlace(segments);
    if (!place) throw notFound();
    const period = periodOrThrow(query, now());
    const whatIf = whatIfFrom(query);
    const readable = await users.readable(session.sid, session.token).catch((error: unknown) => {
      if (error instanceof TokenRejectedError) throw error;
      log.warn(
        {
          login: session.login,
          status: (error as { status?: number }).status,
          err: { message: (error as Error).message },
        },
        'insights access check failed',
      );
      throw new HttpError(
        502,
        'GitHub did not answer',
        'GitHub could not be asked which repositories you can read. Try again in a moment; if this repeats, see the app log ("insights access check failed").',
      );
    });
    let db: Kysely<HistoryTables>;
    try {
      db = await options.database();
    } catch (error) {
      log.warn({ err: { message: (error as Error).message } }, 'insights without a history database');
      throw new HttpError(
        503,
        'History not available',
        'The history database is off (HISTORY=off) or cannot be opened; see docs/runbook.md, "History database unreachable".',
      );
    }
    const known = await insights.repositories(db, [...readable.keys()]);
    const resolved = resolvePlace(place, known);
    if (!resolved) throw notFound();
    // The same data for the same repositories, place, period and what-if, for a minute: a page's
    // CSV and JSON links, and the users who share a scope, reuse it. The key holds the exact ids
    // readable, so no user is answered from another's scope.
    const key = JSON.stringify([
      resolved.repositories.map((r) => r.repositoryId).sort((a, b) => a - b),
      resolved.owner,
      resolved.repository,
      resolved.gate,
      period.from,
      period.to,
      whatIf,
    ]);
    let built = views.get(key);
    if (!built) {
      built = buildView(db, resolved, period, whatIf, settings!.webUrl);
      views.set(key, built);
      built.catch(() => views.delete(key));
    }
    return built;
  }

  async function pages(req: IncomingMessage, res: ServerResponse, url: URL, api: boolean): Promise<true> {
    const session = readSession(sealer, req, now());
    if (!session)
      return api
        ? json(res, 401, { message: 'Sign in at /insights first: the JSON API uses the same session.' })
        : redirect(res, 303, signInHref(url));
    const segments = url.pathname
      .split('/')
      .slice(api ? 3 : 2)
      .filter((s, i, all) => s !== '' || i < all.length - 1);
    try {
      const shown = await view(session, segments, url.searchParams);
      if (!api) return page(res, 200, viewPage(shown, session.login));
      return apiAnswer(res, shown, url.searchParams);
    } catch (error) {
      if (error instanceof TokenRejectedError) {
        const clear = [cookie(SESSION_COOKIE, '', 0)];
        return api
          ? json(
              res,
              401,
              { message: 'Your GitHub sign-in has ended; sign in again at /insights.' },
              { 'set-cookie': clear },
            )
          : signInPage(res, url, 'Your GitHub sign-in has ended.', clear);
      }
      if (!(error instanceof HttpError)) throw error;
      return api
        ? json(res, error.status, { message: error.message })
        : page(
            res,
            error.status,
            messagePage(error.title, [error.message], {
              user: session.login,
              action: { href: '/insights', label: 'All organisations' },
            }),
          );
    }
  }

  function apiAnswer(res: ServerResponse, shown: View, query: URLSearchParams): true {
    const { place, period } = shown;
    const where = { owner: place.owner ?? null, repository: place.repository ?? null, gate: place.gate ?? null };
    const tableId = query.get('table');
    const asCsv = query.get('format') === 'csv';
    if (tableId === null) {
      if (asCsv)
        return json(res, 400, { message: 'format=csv needs a table: add table=<id> (one of the ids under "tables").' });
      const tables = Object.fromEntries(
        shown.tables.map((t) => [t.id, { title: t.title, columns: t.columns.map((c) => c.key), rows: t.rows }]),
      );
      return json(res, 200, {
        ...where,
        from: period.from,
        to: period.to,
        whatIf: shown.whatIf ?? null,
        figures: shown.figures,
        tables,
      });
    }
    const table = shown.tables.find((t) => t.id === tableId);
    if (!table)
      return json(res, 404, {
        message: `No table "${tableId.slice(0, 40)}" here; the tables are: ${shown.tables.map((t) => t.id).join(', ')}.`,
      });
    if (asCsv) {
      const name = [place.repository ?? place.owner ?? 'all', place.gate, table.id, period.from, period.to]
        .filter(Boolean)
        .join('-')
        .replace(/[^A-Za-z0-9._-]+/g, '_');
      return send(res, 200, 'text/csv; charset=utf-8', toCsv(table), {
        'content-disposition': `attachment; filename="${name}.csv"`,
      });
    }
    return json(res, 200, {
      ...where,
      from: period.from,
      to: period.to,
      table: table.id,
      title: table.title,
      columns: table.columns.map((c) => c.key),
      rows: table.rows,
    });
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    const api = path === '/api/insights' || path.startsWith('/api/insights/');
    if (!api && path !== '/insights' && !path.startsWith('/insights/')) return false;
    const method = req.method ?? 'GET';
    if (path === '/insights/auth/sign-out')
      return method === 'POST'
        ? signOut(req, res)
        : send(res, 405, 'text/plain; charset=utf-8', 'Sign out with POST.', { allow: 'POST' });
    if (method !== 'GET' && method !== 'HEAD')
      return send(res, 405, 'text/plain; charset=utf-8', 'Only GET here.', { allow: 'GET, HEAD' });
    if (path.startsWith('/insights/assets/'))
      return serveAsset(res, path.slice('/insights/assets/'.length), SECURITY_HEADERS);
    if (path === '/insights/auth/sign-in') return signIn(res, url);
    if (path === CALLBACK_PATH) return callback(req, res, url);
    if (path === '/insights/auth/signed-out')
      return page(
        res,
        200,
        messagePage(
          'Signed out',
          ['You are signed out of the insights, and the app no longer holds a GitHub token for you.'],
          { action: { href: '/insights/auth/sign-in', label: 'Sign in again' } },
        ),
      );
    if (path.startsWith('/insights/auth/')) return false;
    return pages(req, res, url, api);
  }

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://insights.invalid');
    try {
      return await route(req, res, url);
    } catch (error) {
      log.error({ err: error, path: url.pathname }, 'insights request failed');
      if (res.headersSent) return true;
      return page(
        res,
        500,
        messagePage('Something went wrong', [
          'The insights could not be shown; the error is in the app log ("insights request failed"). Try again in a moment.',
        ]),
      );
    }
  };
}

/** Sign in, then come back here. */
const signInHref = (url: URL) =>
  `/insights/auth/sign-in?${new URLSearchParams({ return_to: `${url.pathname}${url.search}` })}`;

const notFound = () =>
  new HttpError(
    404,
    'Not found',
    'Nothing here that you can read. The organisation, repository or gate does not exist, the history has nothing for it, or GitHub does not give you access to it.',
  );

function periodOrThrow(query: URLSearchParams, now: number) {
  try {
    return periodFrom(query, now);
  } catch (error) {
    if (error instanceof PeriodError) throw new HttpError(400, 'Period not understood', error.message);
    throw error;
  }
}

/** The what-if's candidate from `max_lines`, `max_files`, `default_excludes` (on|off); the defaults otherwise. */
export function whatIfFrom(query: URLSearchParams): WhatIfInput {
  const number = (name: string, fallback: number) => {
    const text = query.get(name);
    if (text === null || text === '') return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 1_000_000)
      throw new HttpError(
        400,
        'What-if not understood',
        `"${name}" must be a whole number from 1 to 1000000; got "${text.slice(0, 20)}".`,
      );
    return n;
  };
  const excludes = query.getAll('default_excludes');
  const last = excludes[excludes.length - 1];
  if (last !== undefined && last !== 'on' && last !== 'off')
    throw new HttpError(
      400,
      'What-if not understood',
      `"default_excludes" must be "on" or "off"; got "${last.slice(0, 20)}".`,
    );
  return {
    maxLines: number('max_lines', DEFAULT_WHAT_IF.maxLines),
    maxFiles: number('max_files', DEFAULT_WHAT_IF.maxFiles),
    defaultExcludes: last === undefined ? DEFAULT_WHAT_IF.defaultExcludes : last === 'on',
  };
}

/** Where to go after signing in: a path of the insights, never another site. */
function safeReturn(value: string | null): string {
  if (!value || !/^\/(api\/)?insights(\/|\?|$)/.test(value) || value.includes('\\') || value.length > 2000)
    return '/insights';
  return value;
}

/** Why a sign-in callback is refused, for the log. */
function signInRefusal(noSignIn: boolean, code: string): string {
  if (noSignIn) return 'no sign-in in progress';
  return !code ? 'no code' : 'state mismatch';
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * A state-changing request (sign-out) comes from these pages: its Origin (or, without one, its
 * Referer) names this site. SameSite=Lax already keeps the cookie off cross-site posts.
 */
function sameOrigin(req: IncomingMessage, publicUrl: string | undefined): boolean {
  const source = req.headers.origin ?? req.headers.referer;
  if (!source) return false;
  let origin: URL;
  try {
    origin = new URL(source);
  } catch {
    return false;
  }
  if (publicUrl) return origin.origin === new URL(publicUrl).origin;
  return origin.host === req.headers.host;
}
