/**
 * A stand-in for GitHub's OAuth web flow and the user-facing REST routes the insights read, over
 * loopback HTTP as a GitHub Enterprise host (GHE_HOST / GHE_PROTOCOL=http reach it):
 *
 * - `GET /login/oauth/authorize`: a page where the browser picks who signs in (a form), then
 *   back to the callback with `code` and the `state` unchanged;
 * - `POST /login/oauth/access_token`: the code (once, for the client that asked it, with its
 *   secret and redirect URL) for a user-to-server token;
 * - `GET /api/v3/user`, `/api/v3/user/installations`, `/api/v3/user/installations/{id}/repositories`,
 *   paged as GitHub pages them (`per_page` capped at `pageSize`, `Link` headers);
 * - `DELETE /api/v3/applications/{client_id}/token` (basic auth): revokes a token.
 *
 * Requests are recorded so tests can count them.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface StandInUser {
  readonly id: number;
  readonly login: string;
  /** Installation id → the repositories of it the user can read. */
  readonly installations: ReadonlyMap<number, readonly { id: number; fullName: string }[]>;
}

export interface OAuthStandInOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly users: readonly StandInUser[];
  /** Largest page GitHub gives (default 100; small values exercise paging). */
  readonly pageSize?: number;
}

export interface OAuthStandIn {
  readonly host: string;
  readonly url: string;
  readonly requests: { method: string; path: string }[];
  /** Tokens given and not revoked. */
  readonly tokens: Map<string, StandInUser>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startOAuthStandIn(options: OAuthStandInOptions): Promise<OAuthStandIn> {
  const pageSize = options.pageSize ?? 100;
  const codes = new Map<string, { user: StandInUser; redirectUri: string | null; clientId: string }>();
  const tokens = new Map<string, StandInUser>();
  const requests: { method: string; path: string }[] = [];
  let origin = '';

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res
      .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
      .end(body === undefined ? '' : JSON.stringify(body));
  };

  function paged<T>(res: ServerResponse, url: URL, items: readonly T[], wrap: (page: T[]) => unknown) {
    const perPage = Math.min(Number(url.searchParams.get('per_page')) || 30, pageSize);
    const page = Math.max(1, Number(url.searchParams.get('page')) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number) => {
      const u = new URL(url.href);
      u.searchParams.set('page', String(p));
      u.searchParams.set('per_page', String(perPage));
      return `${origin}${u.pathname}${u.search}`;
    };
    const links = page < last ? [`<${link(page + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`] : [];
    send(
      res,
      200,
      wrap(items.slice((page - 1) * perPage, page * perPage)),
      links.length ? { link: links.join(', ') } : {},
    );
  }

  const userOf = (req: IncomingMessage) => {
    const auth = req.headers.authorization ?? '';
    const token = auth.replace(/^(token|bearer) /i, '');
    return tokens.get(token);
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', origin);
    requests.push({ method: req.method ?? 'GET', path: url.pathname });
    const path = url.pathname;
    if (path === '/login/oauth/authorize' && req.method === 'GET') {
      if (url.searchParams.get('client_id') !== options.clientId) return send(res, 404, { message: 'unknown client' });
      const hidden = ['state', 'redirect_uri']
        .map((k) => `<input type="hidden" name="${k}" value="${escape(url.searchParams.get(k) ?? '')}">`)
        .join('');
      const buttons = options.users
        .map(
          (u) =>
            `<button type="submit" name="login" value="${escape(u.login)}">Authorize as ${escape(u.login)}</button>`,
        )
        .join(' ');
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><link rel="icon" href="data:,"><title>Authorize</title><form method="post" action="/login/oauth/authorize">${hidden}${buttons}<button type="submit" name="deny" value="1">Cancel</button></form>`,
        );
      return;
    }
    if (path === '/login/oauth/authorize' && req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      const redirect = new URL(form.get('redirect_uri') || 'http://127.0.0.1/insights/auth/callback');
      if (form.get('deny')) {
        redirect.searchParams.set('error', 'access_denied');
      } else {
        const user = options.users.find((u) => u.login === form.get('login'));
        if (!user) return send(res, 404, { message: 'no such user' });
        const code = randomBytes(10).toString('hex');
        codes.set(code, { user, redirectUri: form.get('redirect_uri') || null, clientId: options.clientId });
        redirect.searchParams.set('code', code);
      }
      redirect.searchParams.set('state', form.get('state') ?? '');
      res.writeHead(302, { location: redirect.href }).end();
      return;
    }
    if (path === '/login/oauth/access_token' && req.method === 'POST') {
      const text = await readBody(req);
      const body = (req.headers['content-type'] ?? '').includes('json')
        ? (JSON.parse(text) as Record<string, string>)
        : Object.fromEntries(new URLSearchParams(text));
      const grant = codes.get(body.code ?? '');
      codes.delete(body.code ?? '');
      const bad =
        !grant ||
        body.client_id !== grant.clientId ||
        body.client_secret !== options.clientSecret ||
        (grant.redirectUri !== null && body.redirect_uri !== grant.redirectUri);
      if (bad)
        return send(res, 200, {
          error: 'bad_verification_code',
          error_description: 'The code passed is incorrect or expired.',
          error_uri: 'https://docs.github.com/apps',
        });
      const token = `ghu_${randomBytes(18).toString('hex')}`;
      tokens.set(token, grant.user);
      return send(res, 200, {
        access_token: token,
        token_type: 'bearer',
        scope: '',
        expires_in: 28800,
        refresh_token: `ghr_${randomBytes(18).toString('hex')}`,
        refresh_token_expires_in: 15811200,
      });
    }
    const revoke = /^\/api\/v3\/applications\/([^/]+)\/token$/.exec(path);
    if (revoke && req.method === 'DELETE') {
      const basic = Buffer.from((req.headers.authorization ?? '').replace(/^basic /i, ''), 'base64').toString('utf8');
      if (basic !== `${options.clientId}:${options.clientSecret}` || revoke[1] !== options.clientId)
        return send(res, 401, { message: 'Bad credentials' });
      const { access_token: token } = JSON.parse(await readBody(req)) as { access_token: string };
      if (!tokens.delete(token)) return send(res, 404, { message: 'Not Found' });
      res.writeHead(204).end();
      return;
    }
    if (!path.startsWith('/api/v3/')) return send(res, 404, { message: 'Not Found' });
    const user = userOf(req);
    if (!user) return send(res, 401, { message: 'Bad credentials' });
    if (path === '/api/v3/user') return send(res, 200, { id: user.id, login: user.login, type: 'User' });
    if (path === '/api/v3/user/installations') {
      const installations = [...user.installations.keys()].map((id) => ({
        id,
        account: { login: `owner-of-${id}` },
        app_id: 1,
      }));
      return paged(res, url, installations, (page) => ({ total_count: installations.length, installations: page }));
    }
    const repos = /^\/api\/v3\/user\/installations\/(\d+)\/repositories$/.exec(path);
    if (repos) {
      const list = user.installations.get(Number(repos[1]));
      if (!list) return send(res, 404, { message: 'Not Found' });
      const items = list.map((r) => ({
        id: r.id,
        name: r.fullName.split('/')[1],
        full_name: r.fullName,
        owner: { login: r.fullName.split('/')[0] },
        private: true,
      }));
      return paged(res, url, items, (page) => ({ total_count: items.length, repositories: page }));
    }
    return send(res, 404, { message: 'Not Found' });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { message: 'stand-in failed' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  origin = `http://127.0.0.1:${port}`;
  return {
    host: `127.0.0.1:${port}`,
    url: origin,
    requests,
    tokens,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
