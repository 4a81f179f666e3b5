/**
 * The REST routes the app uses, answered as GitHub answers them: installation tokens, check
 * runs (create, update, get; required fields, enums and lengths validated, 404/403/422 as
 * GitHub gives them), file contents (raw media type or JSON with base64), and the app's
 * webhook deliveries (cursor paging with `Link` headers, redelivery).
 */
import type { App, CheckRun, Installation, Repository } from './model.js';
import type { StandIn } from './stand-in.js';

export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  origin: string;
  installation: Installation | undefined;
  app: App | undefined;
}

export interface RestAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type Handler = (s: StandIn, req: RestRequest, params: string[]) => RestAnswer;

const DOCS = 'https://docs.github.com/rest';
const error = (status: number, message: string, docs = DOCS): RestAnswer => ({
  status,
  body: { message, documentation_url: docs, status: String(status) },
});
const notFound = (docs?: string) => error(404, 'Not Found', docs);
const invalid = (message: string, docs: string) => error(422, `Invalid request.\n\n${message}`, docs);

const CHECKS_DOCS = 'https://docs.github.com/rest/checks/runs';
const STATUSES = ['queued', 'in_progress', 'completed'];
const CONCLUSIONS = ['action_required', 'cancelled', 'failure', 'neutral', 'success', 'skipped', 'stale', 'timed_out'];
const MAX_OUTPUT = 65535;

/** A repository the request may read: installed for its installation, or public. */
function readable(s: StandIn, req: RestRequest, owner: string, name: string): Repository | undefined {
  const repo = s.world.repository(decodeURIComponent(owner), decodeURIComponent(name));
  return repo && s.world.canSee(req.installation, repo) ? repo : undefined;
}

/** The repository an installation may write to, or GitHub's answer why not. */
function writable(s: StandIn, req: RestRequest, owner: string, name: string): Repository | RestAnswer {
  if (!req.installation) return error(401, 'Requires authentication');
  const repo = readable(s, req, owner, name);
  if (!repo) return notFound(CHECKS_DOCS);
  if (!s.world.installs(req.installation, repo) || req.installation.permissions.checks !== 'write')
    return error(403, 'Resource not accessible by integration', CHECKS_DOCS);
  return repo;
}

function checkRunJson(s: StandIn, repo: Repository, run: CheckRun) {
  const app = s.world.apps.get(run.app_id);
  return {
    id: run.id,
    node_id: Buffer.from(`CheckRun:${run.id}`).toString('base64'),
    head_sha: run.head_sha,
    external_id: run.external_id ?? '',
    url: `https://api.github.com/repos/${repo.fullName}/check-runs/${run.id}`,
    html_url: `https://github.com/${repo.fullName}/runs/${run.id}`,
    details_url: run.details_url ?? null,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.started_at ?? null,
    completed_at: run.completed_at ?? null,
    output: {
      title: run.output?.title ?? null,
      summary: run.output?.summary ?? null,
      text: run.output?.text ?? null,
      annotations_count: 0,
      annotations_url: `https://api.github.com/repos/${repo.fullName}/check-runs/${run.id}/annotations`,
    },
    name: run.name,
    check_suite: { id: run.check_suite_id },
    app: app ? { id: app.id, slug: app.slug, name: app.name } : null,
    pull_requests: [...repo.pulls.values()]
      .filter((p) => p.state === 'OPEN' && p.headRefOid === run.head_sha && !p.headRepository && !p.isCrossRepository)
      .map((p) => ({
        number: p.number,
        head: { ref: p.headRefName, sha: p.headRefOid },
        base: { ref: p.baseRefName, sha: p.baseRefOid },
      })),
  };
}

/** GitHub's validation of a check-run body; `create` requires name and head_sha. */
function validateRun(body: Record<string, unknown>, create: boolean): string | undefined {
  for (const key of create ? ['name', 'head_sha'] : []) if (body[key] === undefined) return `"${key}" wasn't supplied.`;
  for (const key of [
    'name',
    'head_sha',
    'external_id',
    'details_url',
    'started_at',
    'completed_at',
    'status',
    'conclusion',
  ]) {
    if (body[key] !== undefined && body[key] !== null && typeof body[key] !== 'string')
      return `For 'properties/${key}', ${JSON.stringify(body[key])} is not a string.`;
  }
  if (create && (body.name as string).trim() === '') return `"name" wasn't supplied.`;
  if (body.status !== undefined && !STATUSES.includes(body.status as string))
    return `For 'properties/status', ${JSON.stringify(body.status)} is not one of ${JSON.stringify(STATUSES)}.`;
  if (body.conclusion !== undefined && body.conclusion !== null && !CONCLUSIONS.includes(body.conclusion as string))
    return `For 'properties/conclusion', ${JSON.stringify(body.conclusion)} is not one of ${JSON.stringify(CONCLUSIONS)}.`;
  if (
    (body.status === 'completed' || body.completed_at !== undefined) &&
    (body.conclusion === undefined || body.conclusion === null)
  )
    return `"conclusion" wasn't supplied.`;
  const output = body.output as Record<string, unknown> | undefined;
  if (output !== undefined) {
    if (typeof output !== 'object' || output === null)
      return `For 'properties/output', ${JSON.stringify(output)} is not an object.`;
    for (const key of ['title', 'summary']) if (typeof output[key] !== 'string') return `"${key}" wasn't supplied.`;
    for (const key of ['summary', 'text']) {
      const text = output[key];
      if (typeof text === 'string' && text.length > MAX_OUTPUT)
        return `Only ${MAX_OUTPUT} characters are allowed in output.${key}; ${text.length} were supplied.`;
    }
    if (Array.isArray(output.annotations) && output.annotations.length > 50)
      return 'Only 50 annotations are allowed per request.';
  }
  return undefined;
}

function applyRun(s: StandIn, run: CheckRun, body: Record<string, unknown>): void {
  const now = s.world.now();
  if (body.name !== undefined) run.name = body.name as string;
  if (body.external_id !== undefined) run.external_id = body.external_id as string;
  if (body.details_url !== undefined) run.details_url = body.details_url as string;
  if (body.output !== undefined) {
    const o = body.output as { title: string; summary: string; text?: string };
    run.output = { title: o.title, summary: o.summary, ...(o.text !== undefined ? { text: o.text } : {}) };
  }
  if (body.status !== undefined) run.status = body.status as string;
  if (body.conclusion !== undefined && body.conclusion !== null) {
    run.conclusion = body.conclusion as string;
    run.status = 'completed'; // "Providing conclusion will automatically set the status parameter to completed."
  }
  if (body.started_at !== undefined) run.started_at = body.started_at as string;
  else if (run.status === 'in_progress' && !run.started_at) run.started_at = now;
  if (body.completed_at !== undefined) run.completed_at = body.completed_at as string;
  else if (run.status === 'completed' && !run.completed_at) run.completed_at = now;
  run.started_at ??= now;
}

const createRun: Handler = (s, req, [owner, name]) => {
  const repo = writable(s, req, owner!, name!);
  if (!('fullName' in repo)) return repo;
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (typeof body !== 'object' || Array.isArray(body)) return error(400, 'Problems parsing JSON');
  const problem = validateRun(body, true);
  if (problem) return invalid(problem, `${CHECKS_DOCS}#create-a-check-run`);
  const sha = String(body.head_sha).toLowerCase();
  if (!repo.hasCommit(sha))
    return error(422, `No commit found for SHA: ${body.head_sha}`, `${CHECKS_DOCS}#create-a-check-run`);
  const app = s.world.apps.get(req.installation!.appId)!;
  const suite = repo.ensureSuite(app.id, sha);
  const run: CheckRun = {
    id: s.world.nextId(),
    name: '',
    head_sha: sha,
    status: 'queued',
    conclusion: null,
    external_id: null,
    output: { title: '', summary: '' },
    app_id: app.id,
    check_suite_id: suite.id,
  };
  applyRun(s, run, body);
  repo.checkRuns.push(run);
  s.wrote(run, 'POST', repo.onWrite);
  return { status: 201, body: checkRunJson(s, repo, run) };
};

const updateRun: Handler = (s, req, [owner, name, id]) => {
  const repo = writable(s, req, owner!, name!);
  if (!('fullName' in repo)) return repo;
  const run = repo.checkRuns.find((r) => r.id === Number(id));
  if (!run) return notFound(`${CHECKS_DOCS}#update-a-check-run`);
  if (run.app_id !== req.installation!.appId)
    return error(
      403,
      'Invalid app_id — a check run can only be modified by the GitHub App that created it.',
      `${CHECKS_DOCS}#update-a-check-run`,
    );
  const body = (req.body ?? {}) as Record<string, unknown>;
  const problem = validateRun(body, false);
  if (problem) return invalid(problem, `${CHECKS_DOCS}#update-a-check-run`);
  applyRun(s, run, body);
  s.wrote(run, 'PATCH', repo.onWrite);
  return { status: 200, body: checkRunJson(s, repo, run) };
};

const getRun: Handler = (s, req, [owner, name, id]) => {
  const repo = readable(s, req, owner!, name!);
  const run = repo?.checkRuns.find((r) => r.id === Number(id));
  return repo && run ? { status: 200, body: checkRunJson(s, repo, run) } : notFound(`${CHECKS_DOCS}#get-a-check-run`);
};

const CONTENTS_DOCS = 'https://docs.github.com/rest/repos/contents#get-repository-content';

const getContents: Handler = (s, req, [owner, name, rawPath]) => {
  const repo = readable(s, req, owner!, name!);
  if (!repo) return notFound(CONTENTS_DOCS);
  const ref = req.query.get('ref') ?? 'HEAD';
  const commit = repo.resolveRevision(ref);
  if (!commit) return error(404, `No commit found for the ref ${ref}`, CONTENTS_DOCS);
  const path = decodeURIComponent(rawPath ?? '').replace(/\/+$/, '');
  const content = path === '' ? undefined : repo.fileAt(commit, path);
  const accept = String(req.headers.accept ?? '');
  if (content === undefined) {
    const entries = repo.pathsAt(commit, path);
    if (entries.length === 0 && path !== '') return notFound(CONTENTS_DOCS);
    const prefix = path === '' ? '' : `${path}/`;
    const names = new Map<string, string>();
    for (const p of entries) {
      const rest = p.slice(prefix.length);
      const slash = rest.indexOf('/');
      names.set(slash < 0 ? rest : rest.slice(0, slash), slash < 0 ? 'file' : 'dir');
    }
    return { status: 200, body: [...names].map(([n, type]) => ({ type, name: n, path: `${prefix}${n}` })) };
  }
  const bytes = Buffer.from(content);
  if (/\.raw/.test(accept))
    return {
      status: 200,
      body: typeof content === 'string' ? content : bytes,
      headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' },
    };
  const large = bytes.length > 1024 * 1024; // above 1 MB GitHub leaves `content` empty: ask for the raw media type
  return {
    status: 200,
    body: {
      type: 'file',
      encoding: large ? 'none' : 'base64',
      size: bytes.length,
      name: path.split('/').pop(),
      path,
      content: large ? '' : (bytes.toString('base64').match(/.{1,60}/g) ?? []).join('\n'),
      sha: '',
    },
  };
};

const DELIVERIES_DOCS = 'https://docs.github.com/rest/apps/webhooks#list-deliveries-for-an-app-webhook';

const listDeliveries: Handler = (_s, req) => {
  const app = req.app!;
  const perPage = Math.min(100, Math.max(1, Number(req.query.get('per_page') ?? 30) || 30));
  const cursor = req.query.get('cursor');
  const newestFirst = [...app.deliveries].sort((a, b) => b.id - a.id);
  let start = 0;
  if (cursor) {
    const m = /^v1_(\d+)$/.exec(cursor);
    if (!m) return error(422, 'Invalid cursor', DELIVERIES_DOCS);
    start = newestFirst.findIndex((d) => d.id < Number(m[1]));
    if (start < 0) start = newestFirst.length;
  }
  const page = newestFirst.slice(start, start + perPage);
  const headers: Record<string, string> = {};
  if (start + perPage < newestFirst.length && page.length > 0) {
    headers.link = `<${req.origin}/app/hook/deliveries?per_page=${perPage}&cursor=v1_${page.at(-1)!.id}>; rel="next"`;
  }
  return { status: 200, body: page.map((d) => ({ ...d })), headers };
};

const getDelivery: Handler = (_s, req, [id]) => {
  const d = req.app!.deliveries.find((x) => x.id === Number(id));
  return d
    ? {
        status: 200,
        body: {
          ...d,
          request: {
            headers: { 'X-GitHub-Event': d.event, 'X-GitHub-Delivery': d.guid },
            payload: req.app!.payloads.get(d.guid) ?? {},
          },
          response: { headers: {}, payload: '' },
        },
      }
    : notFound(DELIVERIES_DOCS);
};

const redeliver: Handler = (s, req, [id]) => {
  const app = req.app!;
  const d = app.deliveries.find((x) => x.id === Number(id));
  if (!d) return notFound('https://docs.github.com/rest/apps/webhooks#redeliver-a-delivery-for-an-app-webhook');
  s.redeliver(app, d);
  return { status: 202, body: {} };
};

const accessToken: Handler = (s, req, [id]) => {
  const installation = s.world.installations.get(Number(id));
  if (!installation || installation.appId !== req.app!.id)
    return notFound('https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app');
  const { token, expires_at } = s.issueToken(installation.id);
  return {
    status: 201,
    body: {
      token,
      expires_at,
      permissions: { ...installation.permissions },
      repository_selection: installation.repositorySelection,
    },
  };
};

const installationJson = (i: Installation) => ({
  id: i.id,
  app_id: i.appId,
  account: { login: i.account },
  repository_selection: i.repositorySelection,
  permissions: i.permissions,
  target_type: 'Organization',
});

/** Routes under `/app` need the app's JWT, the others an installation token (checked in stand-in.ts). */
const ROUTES: [string, RegExp, Handler][] = [
  ['POST', /^\/app\/installations\/(\d+)\/access_tokens$/, accessToken],
  [
    'GET',
    /^\/app$/,
    (_s, req) => ({ status: 200, body: { id: req.app!.id, slug: req.app!.slug, name: req.app!.name } }),
  ],
  [
    'GET',
    /^\/app\/installations\/(\d+)$/,
    (s, req, [id]) => {
      const i = s.world.installations.get(Number(id));
      return i && i.appId === req.app!.id ? { status: 200, body: installationJson(i) } : notFound();
    },
  ],
  [
    'GET',
    /^\/repos\/([^/]+)\/([^/]+)\/installation$/,
    (s, req, [owner, name]) => {
      const repo = s.world.repository(decodeURIComponent(owner!), decodeURIComponent(name!));
      const i =
        repo && [...s.world.installations.values()].find((x) => x.appId === req.app!.id && s.world.installs(x, repo));
      return i ? { status: 200, body: installationJson(i) } : notFound();
    },
  ],
  ['GET', /^\/app\/hook\/deliveries$/, listDeliveries],
  ['GET', /^\/app\/hook\/deliveries\/(\d+)$/, getDelivery],
  ['POST', /^\/app\/hook\/deliveries\/(\d+)\/attempts$/, redeliver],
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/check-runs$/, createRun],
  ['PATCH', /^\/repos\/([^/]+)\/([^/]+)\/check-runs\/(\d+)$/, updateRun],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/check-runs\/(\d+)$/, getRun],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/contents\/?(.*)$/, getContents],
  [
    'GET',
    /^\/rate_limit$/,
    (s, req) => {
      let who = 'anonymous';
      if (req.installation) who = `installation:${req.installation.id}`;
      else if (req.app) who = `app:${req.app.id}`;
      const resources = s.rateLimitResources(who);
      return { status: 200, body: { resources, rate: resources.core } };
    },
  ],
];

/** The answer of the route matching the request, or undefined when no route the stand-in knows matches. */
export function routeRest(s: StandIn, req: RestRequest): RestAnswer | undefined {
  for (const [method, pattern, handler] of ROUTES) {
    if (method !== req.method) continue;
    const m = pattern.exec(req.path);
    if (m) return handler(s, req, m.slice(1));
  }
  return undefined;
}
