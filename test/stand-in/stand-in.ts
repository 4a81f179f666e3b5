/**
 * The GitHub stand-in: answers API requests from the model as GitHub does, whatever carries
 * them (`nock.ts` for app tests, `server.ts` for the benchmark and end-to-end runs).
 *
 * - Authentication as GitHub checks it: `/app/*` routes need the app's JWT (verified against
 *   the app's public key when one is known); everything else an installation token this
 *   stand-in issued, which sees the repositories of its installation (and public ones).
 * - Every request is recorded (method, path, GraphQL operation, status).
 * - Primary rate limits per installation and resource, with GitHub's `x-ratelimit-*` headers;
 *   secondary rate limits on demand (`secondaryRateLimit`) or for too many writes a minute.
 * - Injected faults (`fail`): a status, a whole answer, extra headers, or a dropped connection.
 * - Strict: a request for a route the stand-in does not know, a GraphQL document GitHub would
 *   reject, or a field the stand-in does not model is a *violation*. Transports fail the test
 *   that made it (`assertClean`), so an app that swallows a 404 cannot hide it.
 */
import { createHmac, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { executeGraphql } from './graphql.js';
import { mutateDocument } from './mutation.js';
import {
  BLOB_TEXT_LIMIT,
  type App,
  type CheckRun,
  type GitHub,
  type HookDelivery,
  type Installation,
} from './model.js';
import { routeRest } from './rest.js';
import { prepare, operationOf } from './schema.js';

export interface StandInRequest {
  method: string;
  /** API-relative path with its query string: `/graphql`, `/repos/o/r/contents/a?ref=main`. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** The API root the client used (for `Link` headers): `https://api.github.com`. */
  origin?: string;
}

export interface StandInResponse {
  status: number;
  headers: Record<string, string>;
  /** An object or array is sent as JSON; a string or bytes as they are. */
  body: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** GraphQL operation name, for POST /graphql. */
  operation?: string;
  body: unknown;
  /** The installation whose token made the request (or whose token was asked for). */
  installation?: number;
  /** Request headers (authorization, accept), when bodies are recorded. */
  headers?: Record<string, string>;
  /** The status answered (undefined for a dropped connection). */
  status?: number;
}

/**
 * An injected fault: an HTTP status to answer instead; a full answer (status, body,
 * headers; headers without a body decorate the normal answer); or `drop` for a
 * connection closed without an answer.
 */
export type Injected = number | 'drop' | { status?: number; body?: unknown; headers?: Record<string, string> };

export interface Violation {
  kind: 'unexpected-request' | 'rejected-graphql' | 'unsupported' | 'unmet-expectation';
  message: string;
  request?: string;
}

export interface Expectation {
  readonly description: string;
  readonly matches: (r: RecordedRequest) => boolean;
  /** Exactly this many matching requests; undefined: at least one. */
  readonly times?: number;
  count: number;
}

export interface StandInOptions {
  /** Keep request bodies and headers in `requests` (default true; the benchmark turns it off). */
  recordBodies?: boolean;
  /** Requests an installation may make per hour and resource (GitHub: 5,000). */
  rateLimit?: number;
  /** Content-creating requests one installation may make per minute before a secondary rate limit (off by default; GitHub: 80). */
  writesPerMinute?: number;
}

const DOCS = 'https://docs.github.com/rest';
const header = (h: StandInRequest['headers'], name: string): string | undefined => {
  const v = h[name] ?? h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

interface Limit {
  limit: number;
  used: number;
  resetAt: number;
}

export class StandIn {
  readonly requests: RecordedRequest[] = [];
  /** The same requests, by the installation that made them (token requests included). */
  readonly requestsByInstallation = new Map<number, RecordedRequest[]>();
  readonly violations: Violation[] = [];
  readonly expectations: Expectation[] = [];
  /** Injected failures: a function returning a fault for a request, or undefined. */
  fail: ((req: RecordedRequest) => Injected | undefined) | undefined;
  /** Told about every check-run write. */
  onWrite: ((run: CheckRun, method: 'POST' | 'PATCH') => void) | undefined;
  /** Whether GraphQL shows a check run yet; return false to model GitHub's read-after-write lag. */
  showsRun: (run: CheckRun) => boolean = () => true;
  /** The status a redelivery gets when there is no `webhookTarget` (GitHub tries the app's webhook URL again). */
  redeliveryOutcome: (deliveryId: number) => number = () => 200;
  /**
   * The app's webhook URL and secret: a redelivery is then really sent there, signed, and its
   * attempt records the status the app answered (0: no connection), as GitHub does.
   */
  webhookTarget: { url: string; secret: string } | undefined;
  /** How long after its 202 GitHub makes a redelivery attempt; 0 and no `webhookTarget`: at once, in the request. */
  redeliveryDelayMs = 0;
  readonly #redeliveries = new Set<Promise<void>>();
  /** Size above which GraphQL cuts `Blob.text` (GitHub: ~512 KB). */
  blobTextLimit = BLOB_TEXT_LIMIT;
  /** Headers of the last answer (including injected ones). */
  lastHeaders: Record<string, string> = {};
  readonly #tokens = new Map<string, { installation: number; expiresAt: number }>();
  readonly #limits = new Map<string, Limit>();
  readonly #writes = new Map<number, number[]>();
  readonly #keys = new Map<number, KeyObject>();
  #tokenCount = 0;
  #requestId = 0;
  readonly options: Required<StandInOptions>;

  constructor(
    readonly world: GitHub,
    options: StandInOptions = {},
  ) {
    this.options = { recordBodies: true, rateLimit: 5000, writesPerMinute: 0, ...options };
  }

  /** An installation token, as `POST /app/installations/{id}/access_tokens` would issue it. */
  issueToken(installationId: number): { token: string; expires_at: string } {
    this.#tokenCount++;
    const token = `ghs_testinstallationtoken${String(this.#tokenCount).padStart(15, '0')}`;
    const expiresAt = this.world.clock() + 3_600_000;
    this.#tokens.set(token, { installation: installationId, expiresAt });
    return { token, expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }

  /** The live list of one installation's requests. */
  requestsOf(installationId: number): RecordedRequest[] {
    let list = this.requestsByInstallation.get(installationId);
    if (!list) this.requestsByInstallation.set(installationId, (list = []));
    return list;
  }

  /** Sets what is left of a primary rate limit (`resource`: core or graphql) for an installation. */
  setRateLimit(
    installationId: number,
    resource: 'core' | 'graphql',
    remaining: number,
    resetAt = this.world.clock() + 3_600_000,
  ): void {
    this.#limits.set(`installation:${installationId}:${resource}`, {
      limit: this.options.rateLimit,
      used: this.options.rateLimit - remaining,
      resetAt,
    });
  }

  /**
   * Answers the next `times` requests that `match` with GitHub's secondary rate limit: 403,
   * "You have exceeded a secondary rate limit", and `retry-after` when given.
   */
  secondaryRateLimit(
    options: { retryAfter?: number; times?: number; match?: (r: RecordedRequest) => boolean } = {},
  ): void {
    let left = options.times ?? 1;
    const previous = this.fail;
    this.fail = (r) => {
      if (left > 0 && (options.match?.(r) ?? true)) {
        left--;
        return secondaryLimitAnswer(options.retryAfter);
      }
      return previous?.(r);
    };
  }

  /** `POST /app/hook/deliveries/{id}/attempts` accepted: GitHub attempts the delivery again, now or after `redeliveryDelayMs`. */
  redeliver(app: App, d: HookDelivery): void {
    const record = (status: number): void =>
      void this.world.addDelivery(app.id, {
        guid: d.guid,
        event: d.event,
        action: d.action,
        installation_id: d.installation_id,
        repository_id: d.repository_id,
        status_code: status,
        redelivery: true,
      });
    if (!this.webhookTarget && this.redeliveryDelayMs <= 0) {
      record(this.redeliveryOutcome(d.id));
      return;
    }
    const target = this.webhookTarget;
    const attempt = new Promise<void>((resolve) => setTimeout(resolve, this.redeliveryDelayMs)).then(
      async (): Promise<void> => {
        if (!target) return record(this.redeliveryOutcome(d.id));
        const body = JSON.stringify(app.payloads.get(d.guid) ?? {});
        const signature = `sha256=${createHmac('sha256', target.secret).update(body).digest('hex')}`;
        let status = 0;
        try {
          const res = await fetch(target.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-github-event': d.event,
              'x-github-delivery': d.guid,
              'x-hub-signature-256': signature,
            },
            body,
          });
          status = res.status;
          await res.text();
        } catch {
          status = 0;
        }
        record(status);
      },
    );
    this.#redeliveries.add(attempt);
    void attempt.finally(() => this.#redeliveries.delete(attempt));
  }

  /** Resolves when every accepted redelivery has been attempted. */
  async redeliveriesSettled(): Promise<void> {
    while (this.#redeliveries.size > 0) await Promise.all([...this.#redeliveries]);
  }

  /** Expects requests matching `matches`: exactly `times`, or at least one. Unmet expectations are violations. */
  expect(description: string, matches: (r: RecordedRequest) => boolean, times?: number): Expectation {
    const e: Expectation = { description, matches, count: 0, ...(times !== undefined ? { times } : {}) };
    this.expectations.push(e);
    return e;
  }

  /** Violations so far, with unmet expectations. */
  problems(): Violation[] {
    const unmet = this.expectations
      .filter((e) => (e.times === undefined ? e.count === 0 : e.count !== e.times))
      .map((e): Violation => ({
        kind: 'unmet-expectation',
        message: `expected ${e.times === undefined ? 'at least one request' : `${e.times} request(s)`} for "${e.description}", got ${e.count}`,
      }));
    return [...this.violations, ...unmet];
  }

  /** Throws when anything unexpected happened; the transports call it after each test. */
  assertClean(): void {
    const problems = this.problems();
    if (problems.length === 0) return;
    throw new Error(
      `The GitHub stand-in saw ${problems.length} problem(s):\n${problems.map((p) => `- ${p.kind}: ${p.message}${p.request ? ` (${p.request})` : ''}`).join('\n')}`,
    );
  }

  /** Returns and forgets the violations (for a test that provokes them on purpose). */
  takeViolations(): Violation[] {
    return this.violations.splice(0);
  }

  /** Answers one request; `'drop'` means close the connection without an answer. */
  handle(req: StandInRequest): StandInResponse | 'drop' {
    const url = new URL(req.path, 'http://stand-in');
    const path = url.pathname;
    const method = req.method.toUpperCase();
    const isGraphql = path === '/graphql';
    const auth = this.#authenticate(req, path);
    const recorded: RecordedRequest = {
      method,
      path: req.path,
      body: this.options.recordBodies ? req.body : undefined,
      ...(auth.installation ? { installation: auth.installation.id } : {}),
    };
    const tokenFor = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (tokenFor) recorded.installation = Number(tokenFor[1]);
    if (isGraphql && method === 'POST') {
      const query = (req.body as { query?: unknown } | undefined)?.query;
      const prepared = typeof query === 'string' ? prepare(query) : undefined;
      const op = prepared?.document
        ? operationOf(prepared.document, (req.body as { operationName?: string }).operationName)
        : undefined;
      recorded.operation = op?.name?.value ?? 'anonymous';
    }
    if (this.options.recordBodies) {
      recorded.headers = Object.fromEntries(
        ['authorization', 'accept'].flatMap((h) => (header(req.headers, h) ? [[h, header(req.headers, h)!]] : [])),
      );
    }
    this.requests.push(recorded);
    if (recorded.installation !== undefined) this.requestsOf(recorded.installation).push(recorded);
    for (const e of this.expectations) if (e.matches(recorded)) e.count++;
    const describe = `${method} ${recorded.operation ?? req.path}`;

    const answer = (status: number, body: unknown, headers: Record<string, string> = {}): StandInResponse => {
      recorded.status = status;
      const all = {
        'content-type': 'application/json; charset=utf-8',
        'x-github-request-id': `STANDIN:${++this.#requestId}`,
        ...this.#rateHeaders(auth.subject, isGraphql ? 'graphql' : 'core'),
        ...headers,
      };
      this.lastHeaders = all;
      return { status, headers: all, body };
    };

    const fault = this.fail?.(recorded);
    let decorate: Record<string, string> = {};
    if (fault !== undefined) {
      if (fault === 'drop') return 'drop';
      if (typeof fault === 'number')
        return answer(fault, { message: fault === 403 ? 'You have exceeded a secondary rate limit' : 'Server Error' });
      if (fault.body !== undefined) return answer(fault.status ?? 200, fault.body, fault.headers);
      decorate = fault.headers ?? {};
    }

    if (auth.error) return answer(401, { message: auth.error, documentation_url: DOCS, status: '401' }, decorate);

    const limit = this.#consume(auth.subject, isGraphql ? 'graphql' : 'core', path);
    if (limit) {
      const message = `API rate limit exceeded for ${auth.installation ? `installation ID ${auth.installation.id}` : 'this client'}.`;
      return answer(
        403,
        isGraphql
          ? { errors: [{ type: 'RATE_LIMITED', message }] }
          : { message, documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`, status: '403' },
        decorate,
      );
    }
    if (auth.installation && this.#tooManyWrites(auth.installation.id, method, isGraphql))
      return answer(403, secondaryLimitAnswer(60).body, { ...secondaryLimitAnswer(60).headers, ...decorate });

    if (isGraphql) {
      if (method !== 'POST') return this.#unexpected(recorded, describe, answer);
      // The mutation check (test/mutation/run.mjs) removes fields here, as if the app had not asked for them.
      const sent = req.body as { query?: unknown } | undefined;
      const mutated = typeof sent?.query === 'string' ? { ...sent, query: mutateDocument(sent.query) } : sent;
      const result = executeGraphql(mutated as never, {
        world: this.world,
        installation: auth.installation,
        unsupported: (what) =>
          this.violations.push({
            kind: 'unsupported',
            message: `the stand-in does not model ${what}`,
            request: describe,
          }),
        showsRun: (run) => this.showsRun(run),
        blobTextLimit: this.blobTextLimit,
        rateLimit: () => this.#rateState(auth.subject, 'graphql'),
      });
      if (result.rejected)
        this.violations.push({
          kind: 'rejected-graphql',
          message: `GitHub would reject this document: ${result.errors?.map((e) => e.message).join('; ')}`,
          request: describe,
        });
      const body: Record<string, unknown> = {};
      if (!result.rejected || result.data !== undefined) body.data = result.data;
      if (result.errors) body.errors = result.errors;
      return answer(200, body, decorate);
    }

    const routed = routeRest(this, {
      method,
      path,
      query: url.searchParams,
      headers: req.headers,
      body: req.body,
      origin: req.origin ?? 'https://api.github.com',
      installation: auth.installation,
      app: auth.app,
    });
    if (!routed) return this.#unexpected(recorded, describe, answer);
    return answer(routed.status, routed.body, { ...(routed.headers ?? {}), ...decorate });
  }

  #unexpected(
    recorded: RecordedRequest,
    describe: string,
    answer: (s: number, b: unknown) => StandInResponse,
  ): StandInResponse {
    this.violations.push({
      kind: 'unexpected-request',
      message: `no GitHub route the stand-in knows answers ${recorded.method} ${recorded.path}`,
      request: describe,
    });
    return answer(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
  }

  #authenticate(
    req: StandInRequest,
    path: string,
  ): { subject: string; installation?: Installation; app?: App; error?: string } {
    const raw = header(req.headers, 'authorization') ?? '';
    const m = /^(bearer|token)\s+(\S+)$/i.exec(raw.trim());
    const appRoute = path.startsWith('/app/') || path === '/app' || /^\/repos\/[^/]+\/[^/]+\/installation$/.test(path);
    if (!m) {
      if (appRoute) return { subject: 'anonymous', error: 'A JSON web token could not be decoded' };
      if (path === '/graphql')
        return { subject: 'anonymous', error: 'This endpoint requires you to be authenticated.' };
      return { subject: 'anonymous' };
    }
    const credential = m[2]!;
    if (credential.split('.').length === 3) {
      const app = this.#verifyJwt(credential);
      if (typeof app === 'string') return { subject: 'anonymous', error: app };
      if (!appRoute)
        return {
          subject: `app:${app.id}`,
          app,
          error: 'A JSON web token may only be used for the /app routes; use an installation access token',
        };
      return { subject: `app:${app.id}`, app };
    }
    const token = this.#tokens.get(credential);
    if (!token || token.expiresAt <= this.world.clock()) return { subject: 'anonymous', error: 'Bad credentials' };
    const installation = this.world.installations.get(token.installation);
    if (!installation) return { subject: 'anonymous', error: 'Bad credentials' };
    if (appRoute)
      return {
        subject: `installation:${installation.id}`,
        installation,
        error: 'A JSON web token could not be decoded',
      };
    return { subject: `installation:${installation.id}`, installation };
  }

  /** The app a JWT is for, or GitHub's error message. */
  #verifyJwt(jwt: string): App | string {
    const [h, p, sig] = jwt.split('.') as [string, string, string];
    let payload: { iss?: unknown; iat?: unknown; exp?: unknown };
    try {
      payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
      JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    } catch {
      return 'A JSON web token could not be decoded';
    }
    const app = this.world.apps.get(Number(payload.iss));
    if (!app) return `Integration not found`;
    const now = Math.floor(this.world.clock() / 1000);
    if (typeof payload.exp !== 'number' || payload.exp <= now)
      return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
    if (typeof payload.iat !== 'number' || payload.iat > now + 60)
      return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
    if (payload.exp - payload.iat > 600) return "'Expiration time' claim ('exp') is too far in the future";
    if (app.publicKey) {
      let key = this.#keys.get(app.id);
      if (!key) this.#keys.set(app.id, (key = createPublicKey(app.publicKey)));
      if (!verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(sig, 'base64url')))
        return 'A JSON web token could not be decoded';
    }
    return app;
  }

  #limit(subject: string, resource: string): Limit {
    const key = `${subject}:${resource}`;
    let limit = this.#limits.get(key);
    const now = this.world.clock();
    if (!limit || limit.resetAt <= now) {
      limit = { limit: subject === 'anonymous' ? 60 : this.options.rateLimit, used: 0, resetAt: now + 3_600_000 };
      this.#limits.set(key, limit);
    }
    return limit;
  }

  /** Counts a request; true when the limit was already used up. */
  #consume(subject: string, resource: string, path: string): boolean {
    if (path === '/rate_limit') return false;
    const limit = this.#limit(subject, resource);
    if (limit.used >= limit.limit) return true;
    limit.used++;
    return false;
  }

  #rateState(subject: string, resource: string) {
    const l = this.#limit(subject, resource);
    return {
      limit: l.limit,
      remaining: Math.max(0, l.limit - l.used),
      used: l.used,
      resetAt: new Date(l.resetAt).toISOString(),
    };
  }

  #rateHeaders(subject: string, resource: string): Record<string, string> {
    const l = this.#limit(subject, resource);
    return {
      'x-ratelimit-limit': String(l.limit),
      'x-ratelimit-remaining': String(Math.max(0, l.limit - l.used)),
      'x-ratelimit-used': String(l.used),
      'x-ratelimit-reset': String(Math.ceil(l.resetAt / 1000)),
      'x-ratelimit-resource': resource,
    };
  }

  /** Rate-limit state for `GET /rate_limit`. */
  rateLimitResources(subject: string) {
    const out: Record<string, { limit: number; remaining: number; used: number; reset: number }> = {};
    for (const resource of ['core', 'graphql']) {
      const l = this.#limit(subject, resource);
      out[resource] = {
        limit: l.limit,
        remaining: Math.max(0, l.limit - l.used),
        used: l.used,
        reset: Math.ceil(l.resetAt / 1000),
      };
    }
    return out;
  }

  #tooManyWrites(installation: number, method: string, isGraphql: boolean): boolean {
    if (!this.options.writesPerMinute || isGraphql || method === 'GET' || method === 'HEAD') return false;
    const now = this.world.clock();
    const recent = (this.#writes.get(installation) ?? []).filter((t) => t > now - 60_000);
    recent.push(now);
    this.#writes.set(installation, recent);
    return recent.length > this.options.writesPerMinute;
  }

  /** Tells listeners about a check-run write. */
  wrote(
    run: CheckRun,
    method: 'POST' | 'PATCH',
    repoListener?: (run: CheckRun, method: 'POST' | 'PATCH') => void,
  ): void {
    repoListener?.(run, method);
    this.onWrite?.(run, method);
  }
}

function secondaryLimitAnswer(retryAfter: number | undefined) {
  return {
    status: 403,
    body: {
      message:
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID STANDIN.',
      documentation_url:
        'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
      status: '403',
    },
    headers: retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : ({} as Record<string, string>),
  };
}
