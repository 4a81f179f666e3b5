/**
 * The Probot application: routes webhook events to the evaluation queue, and
 * serves `/healthz`, `/readyz` and `/metrics`.
 *
 * Handlers only enqueue: the webhook is acknowledged before any GitHub request,
 * and a burst of events for one PR evaluates its latest state once. The queue is
 * chosen at start-up (src/queue/queue.ts: in-process, or Redis shared by replicas); this
 * module does not know which.
 *
 * Evaluations are keyed by repository and head commit, not by pull request: a check
 * run belongs to a commit, and pull requests that share a head commit (twins) are
 * judged together (src/pipeline/evaluate.ts), so two of them must never be evaluated at once.
 * An event without a head commit (a comment) first resolves it under its pull
 * request's key, then hands the evaluation to the head commit's key.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApplicationFunction, Context, Probot } from 'probot';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { findCommand } from './commands.js';
import { DEFAULT_COMMAND_COOLDOWN_MS, MemoryCooldown, type Cooldown } from './cooldown.js';
import { RunMemory, type RunStore } from '../checks/writer.js';
import {
  evaluatePullRequest,
  PolicyMemory,
  resolvePullHead,
  type EvaluationDeps,
  type EvaluationJob,
} from '../pipeline/evaluate.js';
import { passMergeGroup, type MergeGroupJob } from '../pipeline/merge-group.js';
import { withGraphqlRetry, type ClientOptions } from '../load/client.js';
import { rawFileReader } from '../load/loader.js';
import { createTeamCache, type TeamCache } from '../load/teams.js';
import { createMetrics, type Metrics } from '../ops/metrics.js';
import {
  memoryQueue,
  type EvaluationQueue,
  type JobContext,
  type QueueFactory,
  type QueueHealth,
} from '../queue/queue.js';
import {
  CheckRunEvent,
  CheckSuiteEvent,
  IssueCommentEvent,
  MergeGroupEvent,
  payloadProblem,
  PullRequestEvent,
} from './payloads.js';
import {
  deliveriesApi,
  localRedeliveryMemory,
  RECOVERY_DEFAULTS,
  recoverFailedDeliveries,
  type RecoveryOptions,
  type RecoveryReport,
  type RedeliveryMemory,
} from '../ops/redeliver.js';
import { eventLabels } from './webhook-events.js';
import type { History } from '../store/index.js';
import { SYSTEM_CLOCK, type Clock } from '../ops/clock.js';
import { policyPreviewRunner, type PolicyPreviewRunner } from '../pipeline/policy-preview-runner.js';

export interface AppOptions {
  /** This app's id (APP_ID): finds its own check runs and check suites. */
  readonly appId: number;
  /** `github.com` or the GitHub Enterprise host (GHE_HOST). */
  readonly host?: string;
  readonly metrics?: Metrics;
  /** Evaluations running at once. */
  readonly concurrency?: number;
  /** PRs waiting at most before new ones are dropped (and `/readyz` reports saturation). */
  readonly maxPending?: number;
  /** Injected clock (epoch ms); default the system's (src/ops/clock.ts). */
  readonly now?: () => number;
  /** Injected randomness, for the jitter of deferred evaluations; default the system's. */
  readonly random?: () => number;
  /** How long team memberships are cached (TEAM_CACHE_TTL_MS). */
  readonly teamCacheTtlMs?: number;
  /** GraphQL-level retries (tests: no real sleeping). */
  readonly retry?: Pick<ClientOptions, 'retries' | 'backoffBaseMs' | 'sleep' | 'random'>;
  /** Longest jitter added to a deferred evaluation's retry time. */
  readonly deferJitterMs?: number;
  /**
   * In-process queue: evaluations start once webhooks have paused this long (at most 50 ms
   * later), so a burst is acknowledged before evaluation work competes for the CPU. 0 starts
   * them at once.
   */
  readonly settleMs?: number;
  /** The evaluation queue's adapter (default: in-process). */
  readonly queue?: QueueFactory<QueueJob>;
  /** Where written check runs are remembered (default: this process; with replicas: shared). */
  readonly runs?: RunStore;
  /** The per-PR cooldown of comment commands (default: this process, DEFAULT_COMMAND_COOLDOWN_MS). */
  readonly cooldown?: Cooldown;
  /** Where verdicts and pull requests' lives are recorded (src/store/; default: nowhere). */
  readonly history?: Pick<History, 'recordVerdict' | 'recordWebhook' | 'health'> &
    Partial<Pick<History, 'enabled' | 'database'>>;
}

export interface QualityGatesApp {
  readonly appFn: ApplicationFunction;
  readonly queue: EvaluationQueue<QueueJob>;
  readonly metrics: Metrics;
  /** Resolves when every queued evaluation has finished. */
  idle(): Promise<void>;
  /** Shutdown began: `/readyz` answers 503 and new events are not queued. */
  stopAccepting(): void;
  /**
   * Asks GitHub to redeliver recent webhooks that never reached the app: one run, now (see
   * redeliver.ts). Not single-flight by itself: the process runs it through a RecoveryRunner.
   */
  recoverDeliveries(options?: Partial<Omit<RecoveryOptions, 'log' | 'metrics'>>): Promise<RecoveryReport>;
}

/** `pull_request` actions that re-evaluate (docs/behaviour.md#events). */
export const PULL_REQUEST_ACTIONS = [
  'opened',
  'reopened',
  'synchronize',
  'edited',
  'ready_for_review',
  'converted_to_draft',
  'labeled',
  'unlabeled',
] as const;
/** `pull_request_review` actions that re-evaluate. */
export const REVIEW_ACTIONS = ['submitted', 'dismissed', 'edited'] as const;
/**
 * Who may trigger an evaluation with a comment command: users with write access to the
 * repository, as GitHub's `author_association` says. Anyone else's command is ignored.
 */
export const COMMAND_ASSOCIATIONS: readonly string[] = ['OWNER', 'MEMBER', 'COLLABORATOR'];

/** Default of `AppOptions.settleMs`. */
export const DEFAULT_SETTLE_MS = 3;

/** What the queue holds: a pull request to evaluate, or a merge group to pass. */
export type QueueJob =
  | { readonly kind: 'pull'; readonly job: EvaluationJob }
  | { readonly kind: 'merge-group'; readonly job: MergeGroupJob };

export function createQualityGatesApp(options: AppOptions): QualityGatesApp {
  const services = appServices(options);
  const core: AppCore = {
    ...services,
    queue: createQueue(services, (item, key, context) => runJob(core, item, key, context)),
  };
  /** What this process asked GitHub to redeliver, when the caller brings no shared memory. */
  let localRedeliveries: RedeliveryMemory | undefined;
  return {
    appFn: (app, { addHandler }) => {
      core.loaded.probot = app;
      core.loaded.log = app.log;
      registerHandlers(core, app);
      addHandler(async (req: IncomingMessage, res: ServerResponse) =>
        healthHandler(req, res, {
          metrics: core.metrics,
          queue: core.queue,
          state: core.state,
          history: options.history,
        }),
      );
      core.queue.start();
    },
    queue: core.queue,
    metrics: core.metrics,
    idle: () => core.queue.onIdle(),
    recoverDeliveries: async (overrides = {}) => {
      const { probot, log } = loadedApp(core);
      const appOctokit = await probot.auth();
      const settings = { ...RECOVERY_DEFAULTS, ...overrides };
      localRedeliveries ??= localRedeliveryMemory(settings);
      return recoverFailedDeliveries(deliveriesApi(appOctokit as never), {
        memory: localRedeliveries,
        ...settings,
        log,
        metrics: core.metrics,
      });
    },
    stopAccepting: () => {
      core.state.stopping = true;
    },
  };
}

/** What the app's parts share: its settings, memories and clock, and Probot once it loads the app. */
interface AppServices {
  readonly options: AppOptions;
  readonly metrics: Metrics;
  readonly memory: RunStore;
  readonly policies: PolicyMemory;
  readonly clock: Clock;
  readonly teams: TeamCache;
  readonly cooldown: Cooldown;
  /** The organisation policy preview; it reads only the history store (docs/policy-preview.md). */
  readonly policyPreview: PolicyPreviewRunner;
  readonly state: { stopping: boolean };
  readonly loaded: { probot?: Probot; log?: Logger };
}

interface AppCore extends AppServices {
  readonly queue: EvaluationQueue<QueueJob>;
}

function appServices(options: AppOptions): AppServices {
  const clock: Clock = { now: options.now ?? SYSTEM_CLOCK.now, random: options.random ?? SYSTEM_CLOCK.random };
  const metrics = options.metrics ?? createMetrics();
  return {
    options,
    metrics,
    memory: options.runs ?? new RunMemory(),
    policies: new PolicyMemory(),
    clock,
    teams: createTeamCache({ ttlMs: options.teamCacheTtlMs ?? 5 * 60_000, now: clock.now }),
    cooldown: options.cooldown ?? new MemoryCooldown(DEFAULT_COMMAND_COOLDOWN_MS, { now: clock.now }),
    policyPreview: policyPreviewRunner(options.history, metrics),
    state: { stopping: false },
    loaded: {},
  };
}

function loadedApp(core: AppServices): { probot: Probot; log: Logger } {
  const { probot, log } = core.loaded;
  if (!probot || !log) throw new Error('the app is not loaded yet');
  return { probot, log };
}

function createQueue(
  services: AppServices,
  run: (item: QueueJob, key: string, context: JobContext) => Promise<void>,
): EvaluationQueue<QueueJob> {
  const { options } = services;
  return (options.queue ?? memoryQueue<QueueJob>())({
    concurrency: options.concurrency ?? 16,
    maxPending: options.maxPending ?? 10_000,
    // Fair across installations: each spaces its check-run writes a second apart, so one
    // installation's burst must not hold every slot while the others wait.
    groupOf: (item) => String(item.job.installationId),
    settleMs: options.settleMs ?? DEFAULT_SETTLE_MS,
    metrics: services.metrics,
    onError: (error, key, attempt, retrying) =>
      services.loaded.log?.error({ err: error, key, attempt, retrying }, 'evaluation crashed'),
    run,
  });
}

/** One queued job: a merge group passed, or a pull request's evaluation. */
async function runJob(core: AppCore, item: QueueJob, key: string, context: JobContext): Promise<void> {
  const { probot, log } = loadedApp(core);
  const github = await installationGitHub(core, probot, item.job.installationId, context.signal);
  if (item.kind === 'merge-group') {
    await passMergeGroup(
      { graphql: github.graphql, checks: github.checks, memory: core.memory, log, metrics: core.metrics },
      item.job,
    );
    return;
  }
  await runPullJob(core, evaluationDeps(core, github, log), item, key);
}

type InstallationOctokit = Awaited<ReturnType<Probot['auth']>>;

/** An installation's GitHub for one job: its requests counted, and no write once another replica may own the job. */
async function installationGitHub(core: AppServices, probot: Probot, installationId: number, signal: AbortSignal) {
  let requests = 0;
  const octokit: InstallationOctokit = await probot.auth(installationId);
  octokit.hook.wrap('request', async (request, opts) => {
    requests++;
    return request(opts);
  });
  const graphql = withGraphqlRetry(
    (query: string, variables: Record<string, unknown>) => octokit.graphql(query, variables),
    core.options.retry,
  );
  // Fencing: once the queue says another replica may own this job, nothing more is written.
  const owned = () => {
    if (signal.aborted)
      throw new Error('the evaluation was handed over to another replica; not writing', { cause: signal.reason });
  };
  const checks = {
    create: async (params: Parameters<typeof octokit.rest.checks.create>[0]) => {
      owned();
      return octokit.rest.checks.create(params);
    },
    update: async (params: Parameters<typeof octokit.rest.checks.update>[0]) => {
      owned();
      return octokit.rest.checks.update(params);
    },
  };
  return { octokit, graphql, checks, requestCount: () => requests };
}

function evaluationDeps(
  core: AppServices,
  github: Awaited<ReturnType<typeof installationGitHub>>,
  log: Logger,
): EvaluationDeps {
  const { options } = core;
  return {
    graphql: github.graphql,
    checks: github.checks,
    memory: core.memory,
    appId: options.appId,
    host: options.host ?? 'github.com',
    log,
    metrics: core.metrics,
    requestCount: github.requestCount,
    policies: core.policies,
    teams: core.teams,
    readRaw: rawFileReader(github.octokit.rest.repos),
    now: core.clock.now,
    ...(options.history ? { history: options.history } : {}),
    policyPreview: core.policyPreview,
  };
}

/** Evaluates a pull request's job under its head commit's key, handing over or deferring as the evaluation says. */
async function runPullJob(
  core: AppCore,
  deps: EvaluationDeps,
  item: QueueJob & { readonly kind: 'pull' },
  key: string,
): Promise<void> {
  if (!item.job.headSha) {
    // A comment: find the head commit, then evaluate under its key.
    const resolved = await resolvePullHead(deps, item.job);
    if (!('outcome' in resolved)) await handOver(core, resolved);
    else if (resolved.outcome === 'deferred' && resolved.retryAt !== undefined) defer(core, item, resolved.retryAt);
    return;
  }
  if (key !== keyOf(item)) {
    // Queued under another key (by an older version, keyed by pull request): run it under its head commit's.
    await handOver(core, item.job);
    return;
  }
  const report = await evaluatePullRequest(deps, item.job);
  if (report.outcome === 'deferred' && report.retryAt !== undefined) defer(core, item, report.retryAt);
  // Pushed since the event: the new head commit is evaluated under its own key (it coalesces with the push's own event).
  if (report.outcome === 'moved' && report.headSha)
    await handOver(core, { ...item.job, headSha: report.headSha, baseSha: report.baseSha });
}

/**
 * The queue key of a job: repository and head commit, so that evaluations of one commit, for
 * whichever of the pull requests that share it, never run at once. A job without a head commit
 * (a comment) is keyed by its pull request until the head is resolved.
 */
function keyOf(item: QueueJob): string {
  if (item.kind === 'merge-group')
    return `merge-group:${item.job.owner}/${item.job.repo}@${item.job.headSha}`.toLowerCase();
  const job = item.job;
  return (
    job.headSha ? `${job.owner}/${job.repo}@${job.headSha}` : `${job.owner}/${job.repo}#${job.number}`
  ).toLowerCase();
}

/** Pushes an evaluation from a running job (a resolved comment, a moved head) under its head commit's key. */
async function handOver(core: AppCore, job: EvaluationJob): Promise<void> {
  const item: QueueJob = { kind: 'pull', job };
  const admission = await core.queue.push(keyOf(item), item);
  if (admission === 'dropped') {
    core.metrics.queueEvents.inc({ result: admission });
    core.loaded.log?.error(
      { repo: `${job.owner}/${job.repo}`, pr: job.number, sha: job.headSha, depth: core.queue.depth },
      'evaluation queue saturated; event dropped',
    );
  }
}

/** Re-queues a rate-limited evaluation for after GitHub's reset (with jitter, so a burst does not return at once). */
function defer(core: AppCore, item: QueueJob, retryAt: number): void {
  if (core.state.stopping || item.kind !== 'pull') return;
  const delayMs =
    Math.max(0, retryAt - core.clock.now()) + Math.round(core.clock.random() * (core.options.deferJitterMs ?? 30_000));
  core.metrics.queueEvents.inc({ result: 'deferred' });
  core.queue
    .push(keyOf(item), item, { delayMs })
    .catch((error: unknown) =>
      core.loaded.log?.error({ err: error, key: keyOf(item) }, 'could not defer the evaluation'),
    );
}

type JobOfEvent = Omit<
  EvaluationJob,
  'installationId' | 'delivery' | 'event' | 'action' | 'repositoryId' | 'repositoryPrivate' | 'author'
>;

type PayloadUser = { login?: unknown; type?: unknown } | null | undefined;

/** The pull request's author as the webhook names it (`pull_request.user`, or the PR-issue's `user` on a comment). */
function authorOf(payload: {
  pull_request?: { user?: PayloadUser };
  issue?: { user?: PayloadUser };
}): Pick<EvaluationJob, 'author'> {
  const user = payload.pull_request?.user ?? payload.issue?.user;
  return typeof user?.login === 'string' ? { author: { login: user.login, isBot: user.type === 'Bot' } } : {};
}

/** Queues the evaluation an event asks for, under its head commit's key. */
async function enqueue(core: AppCore, context: Context, job: JobOfEvent): Promise<void> {
  const payload = context.payload as {
    installation?: { id?: number };
    action?: unknown;
    repository?: { id?: unknown; private?: unknown };
    pull_request?: { user?: PayloadUser };
    issue?: { user?: PayloadUser };
  };
  const installationId = payload.installation?.id;
  if (!installationId) {
    context.log.warn({ event: context.name }, 'event without installation; ignored');
    return;
  }
  const { action } = eventLabels(context.name, payload.action);
  const repositoryId = typeof payload.repository?.id === 'number' ? payload.repository.id : undefined;
  const visibility =
    typeof payload.repository?.private === 'boolean' ? { repositoryPrivate: payload.repository.private } : {};
  const full: EvaluationJob = {
    ...job,
    installationId,
    delivery: context.id,
    event: context.name,
    ...(action ? { action } : {}),
    ...(repositoryId ? { repositoryId } : {}),
    ...visibility,
    ...authorOf(payload),
  };
  const item: QueueJob = { kind: 'pull', job: full };
  const admission = await core.queue.push(keyOf(item), item);
  core.metrics.queueEvents.inc({ result: admission });
  if (admission === 'dropped')
    context.log.error(
      { repo: `${job.owner}/${job.repo}`, pr: job.number, depth: core.queue.depth },
      'evaluation queue saturated; event dropped',
    );
  else context.log.debug({ repo: `${job.owner}/${job.repo}`, pr: job.number, admission }, 'evaluation queued');
}

/**
 * A handler that reads only what `schema` names: a payload that does not fit is ignored with
 * one warn line and a count, and nothing a handler throws reaches Probot (which would answer
 * 500 and log the whole event).
 */
function route<S extends z.ZodType>(
  metrics: Metrics,
  schema: S,
  handle: (context: Context, payload: z.output<S>) => Promise<void>,
) {
  return async (context: Context): Promise<void> => {
    const labels = eventLabels(context.name, (context.payload as { action?: unknown }).action);
    try {
      const parsed = schema.safeParse(context.payload);
      if (!parsed.success) {
        metrics.webhookRejections.inc({ reason: 'invalid_payload' });
        context.log.warn(
          { delivery: context.id, event: labels.event, action: labels.action, reason: payloadProblem(parsed.error) },
          'webhook payload ignored',
        );
        return;
      }
      await handle(context, parsed.data);
    } catch (error) {
      context.log.error(
        { err: error, delivery: context.id, event: labels.event, action: labels.action },
        'webhook handler failed',
      );
    }
  };
}

/** The webhook handlers: each event routed to what it asks of the app. */
function registerHandlers(core: AppCore, app: Probot): void {
  app.onAny((context) => {
    core.metrics.webhookEvents.inc(eventLabels(context.name, (context.payload as { action?: unknown }).action));
  });
  onPullRequestEvents(core, app);
  onCheckEvents(core, app);
  onCommentCommands(core, app);
  onMergeGroups(core, app);
  app.on('push', async (context) => {
    context.log.debug({ ref: context.payload.ref }, 'push received; pull requests are evaluated on their own events');
  });
}

function onPullRequestEvents(core: AppCore, app: Probot): void {
  const { metrics, options } = core;
  const evaluate = route(metrics, PullRequestEvent, async (context, { pull_request: pr, repository }) => {
    await enqueue(core, context, {
      owner: repository.owner.login,
      repo: repository.name,
      number: pr.number,
      baseSha: pr.base.sha,
      headSha: pr.head.sha,
    });
    options.history?.recordWebhook(context.name, context.payload);
  });
  app.on(
    PULL_REQUEST_ACTIONS.map((a) => `pull_request.${a}` as const),
    evaluate,
  );
  app.on(
    REVIEW_ACTIONS.map((a) => `pull_request_review.${a}` as const),
    evaluate,
  );
  // A closed (or merged) pull request ends its recorded life; nothing is evaluated or written.
  app.on(
    'pull_request.closed',
    route(metrics, PullRequestEvent, async (context) => {
      options.history?.recordWebhook(context.name, context.payload);
    }),
  );
}

interface RerunTarget {
  readonly app?: { readonly id: number } | null | undefined;
  readonly pull_requests?:
    | readonly {
        readonly number: number;
        readonly base: { readonly sha: string };
        readonly head: { readonly sha: string };
      }[]
    | null;
}

/** Re-run asked on one of this app's check runs or suites: each pull request it names is evaluated again. */
async function enqueueRerun(
  core: AppCore,
  context: Context,
  target: RerunTarget,
  repository: { readonly name: string; readonly owner: { readonly login: string } },
): Promise<void> {
  if (target.app && target.app.id !== core.options.appId) return;
  for (const pr of target.pull_requests ?? []) {
    await enqueue(core, context, {
      owner: repository.owner.login,
      repo: repository.name,
      number: pr.number,
      baseSha: pr.base.sha,
      headSha: pr.head.sha,
    });
  }
}

function onCheckEvents(core: AppCore, app: Probot): void {
  const { metrics } = core;
  app.on(
    'check_run.rerequested',
    route(metrics, CheckRunEvent, (context, { check_run: run, repository }) =>
      enqueueRerun(core, context, run, repository),
    ),
  );
  app.on(
    'check_suite.rerequested',
    route(metrics, CheckSuiteEvent, (context, { check_suite: suite, repository }) =>
      enqueueRerun(core, context, suite, repository),
    ),
  );
  // Other check_suite and check_run actions are caused by check runs, ours included: ignoring them avoids loops.
  app.on(
    ['check_suite.requested', 'check_suite.completed', 'check_run.created', 'check_run.completed'],
    async (context) => {
      context.log.debug({ event: context.name, action: context.payload.action }, 'check event ignored');
    },
  );
}

/**
 * `/gates recheck` from users with write access, once a cooldown window per pull request, and
 * `/gates override` comments (created, edited or deleted), which re-evaluate (docs/overrides.md).
 */
function onCommentCommands(core: AppCore, app: Probot): void {
  const { metrics, cooldown } = core;
  // `/gates recheck` only in new comments: an edit re-sends the whole comment, and would let one
  // comment be replayed at will. An override is judged from the comments GitHub holds on every
  // evaluation (docs/overrides.md): editing or deleting one re-evaluates, so that it stops applying.
  app.on(
    ['issue_comment.created', 'issue_comment.edited', 'issue_comment.deleted'],
    route(metrics, IssueCommentEvent, async (context, { issue, comment, changes, repository }) => {
      if (!issue.pull_request) return;
      const action = (context.payload as { action?: string }).action;
      const command = findCommand(comment.body) ?? (action === 'edited' ? findCommand(changes?.body?.from) : undefined);
      // A bot's override may be allowed (listed by login); nothing else from a bot is a command.
      if (!command || (command.name === 'recheck' && (action !== 'created' || comment.user?.type === 'Bot'))) return;
      const pr = `${repository.owner.login}/${repository.name}#${issue.number}`.toLowerCase();
      const fields = {
        delivery: context.id,
        command: command.name,
        action,
        repo: `${repository.owner.login}/${repository.name}`,
        pr: issue.number,
      };
      // Who may override is the base branch's `overrides.allowed`, checked on evaluation; a refusal
      // is shown on the check run, so an override is not filtered by the commenter's access here.
      if (command.name !== 'override' && !COMMAND_ASSOCIATIONS.includes(comment.author_association ?? '')) {
        metrics.commentCommands.inc({ command: command.name, result: 'not_allowed' });
        context.log.debug(
          { ...fields, association: comment.author_association?.slice(0, 40) },
          'comment command ignored: the commenter has no write access',
        );
        return;
      }
      const key = cooldownKey(pr, command.name, action, comment);
      if (key !== undefined && !(await cooldown.take(key))) {
        metrics.commentCommands.inc({ command: command.name, result: 'cooldown' });
        context.log.info(fields, 'comment command ignored: the pull request is cooling down');
        return;
      }
      metrics.commentCommands.inc({ command: command.name, result: 'accepted' });
      await enqueue(core, context, { owner: repository.owner.login, repo: repository.name, number: issue.number });
    }),
  );
}

/**
 * The cooldown a comment command takes, or undefined for none. An override must show within one
 * evaluation of its comment, so the people who can be allowed one (owners, members,
 * collaborators) are never cooled down, nor is a deletion (once per comment); anyone else's
 * override comments cool down per commenter, and their edits per comment, so nobody's comments
 * hold back another's override (docs/overrides.md).
 */
function cooldownKey(
  pr: string,
  command: string,
  action: string | undefined,
  comment: {
    readonly id?: number | undefined;
    readonly author_association?: string | undefined;
    readonly user?: { readonly login?: string | undefined } | null | undefined;
  },
): string | undefined {
  if (command !== 'override') return pr;
  if (action === 'deleted' || COMMAND_ASSOCIATIONS.includes(comment.author_association ?? '')) return undefined;
  if (action === 'edited') return `${pr}:edit:${comment.id ?? ''}`;
  return `${pr}:override:${(comment.user?.login ?? '').toLowerCase()}`;
}

function onMergeGroups(core: AppCore, app: Probot): void {
  app.on(
    'merge_group.checks_requested',
    route(core.metrics, MergeGroupEvent, async (context, { merge_group: group, repository, installation }) => {
      const job: MergeGroupJob = {
        owner: repository.owner.login,
        repo: repository.name,
        baseSha: group.base_sha,
        headSha: group.head_sha,
        installationId: installation.id,
        delivery: context.id,
      };
      const admission = await core.queue.push(`merge-group:${repository.full_name}@${group.head_sha}`.toLowerCase(), {
        kind: 'merge-group',
        job,
      });
      core.metrics.queueEvents.inc({ result: admission });
    }),
  );
}

/** `/healthz`, `/readyz` and `/metrics`. Returns true when it answered. */
export async function healthHandler(
  req: IncomingMessage,
  res: ServerResponse,
  deps: {
    metrics: Metrics;
    queue: { readonly depth: number; readonly active: number; readonly saturated: boolean; health?(): QueueHealth };
    state?: { stopping: boolean };
    history?: Pick<History, 'health'> | undefined;
  },
): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = (req.url ?? '').split('?')[0];
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
    return true;
  }
  if (path === '/readyz') {
    // Redis down is degraded, not unready: webhooks are still taken and evaluated in-process (docs/deploy.md).
    // So is the history database: check runs never wait for it.
    const health = deps.queue.health?.();
    const history = deps.history?.health();
    const degraded = health?.redis === 'down' || history?.history === 'degraded';
    let status: 'ready' | 'stopping' | 'saturated' | 'degraded' = 'ready';
    if (deps.state?.stopping) status = 'stopping';
    else if (deps.queue.saturated) status = 'saturated';
    else if (degraded) status = 'degraded';
    res
      .writeHead(status === 'ready' || status === 'degraded' ? 200 : 503, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status, queueDepth: deps.queue.depth, active: deps.queue.active, ...health, ...history }));
    return true;
  }
  if (path === '/metrics') {
    const body = await deps.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': deps.metrics.registry.contentType }).end(body);
    return true;
  }
  return false;
}
