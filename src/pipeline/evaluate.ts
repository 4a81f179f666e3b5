/**
 * The one orchestration module: load → resolve config → evaluate gates →
 * render → write. The only place that calls the loader, the gates and the
 * writer. Never throws: every path ends in a completed check run (when a head
 * commit is known) and one structured log line.
 */
import { setImmediate } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { GateId } from '../../gates/registry.js';
import type { ConfigResult } from '../load/config/resolve.js';
import { readConfig } from '../load/config-files.js';
import { CONFIG_PATH, type QualityGatesConfig } from '../../gates/config.js';
import { renderCheckRun, renderGateRun, withTwinNote, type TwinLine, type TwinNote } from '../checks/render.js';
import {
  conclusionOf,
  gateConclusion,
  mostRestrictive,
  titleOf,
  type CheckConclusion,
  type Preview,
  type Verdict,
} from '../checks/verdict.js';
import {
  recordedPulls,
  RunMemory,
  writeRun,
  type ChecksApi,
  type DesiredRun,
  type ExistingCheckRun,
  type RunStore,
  type RunTarget,
  type WriteResult,
} from '../checks/writer.js';
import {
  loadPullHead,
  loadPullRequest,
  LoadError,
  type GraphqlClient,
  type LoadedPullRequest,
  type RawFileReader,
  type TwinRef,
} from '../load/loader.js';
import { withTeamMembers, type TeamCache } from '../load/teams.js';
import { RateLimitedError } from '../load/client.js';
import { BoundedCache } from '../ops/bounded-cache.js';
import type { Metrics } from '../ops/metrics.js';
import { GATE_MEMORY } from './gate-memory.js';
import { PREPARE_FRESH } from './prepared-configs.js';
import { skipReason, teamsNeeded, verdictFor } from './run-gates.js';
import { judgeOverrides, overrideRecords, overrideTeams, withOverrides, type OverrideDecision } from './overrides.js';
import type { History, OverrideRecord } from '../store/index.js';
import { SYSTEM_CLOCK } from '../ops/clock.js';
import { policyPreviewPlan, type PolicyPreviewRunner } from './policy-preview-runner.js';
import type { PolicyPreview } from './policy-preview.js';
import { withPolicyPreview } from '../checks/render-policy-preview.js';

/**
 * An evaluation of a head commit, asked for by an event of pull request `number`. Jobs of one
 * commit coalesce (src/server/app.ts), so `number` is whichever of the pull requests that share the
 * commit asked last: the evaluation judges all of them alike.
 */
export interface EvaluationJob {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  /** From the webhook, when it carries them. */
  readonly baseSha?: string | undefined;
  /** The commit to evaluate; without it (a comment), it is read first (`resolvePullHead`). */
  readonly headSha?: string | undefined;
  readonly installationId: number;
  readonly delivery: string;
  readonly event: string;
  /** The webhook's action (`synchronize`), when it has one: the history records `event.action`. */
  readonly action?: string | undefined;
  /** The repository's id from the webhook: the history's key for it (names change). */
  readonly repositoryId?: number | undefined;
  /** `repository.private` from the webhook: the history keeps it, and the policy preview names only public repositories. */
  readonly repositoryPrivate?: boolean | undefined;
  /**
   * Pull request `number`'s author as the webhook names it (`pull_request.user`, or `issue.user` for a
   * comment): the history records it when GitHub cannot be read and the verdict has no snapshot.
   */
  readonly author?: { readonly login: string; readonly isBot: boolean } | undefined;
}

export interface EvaluationDeps {
  readonly graphql: GraphqlClient;
  readonly checks: ChecksApi;
  readonly memory: RunStore;
  readonly appId: number;
  readonly host: string;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  /** Injected clock (milliseconds). */
  readonly now?: () => number;
  /** Counts GitHub requests made for this evaluation (set by the caller's client hook). */
  readonly requestCount?: () => number;
  /** Last known `on_error` per repository (used when the config itself cannot be read). */
  readonly policies?: PolicyMemory;
  /** Team members (for the gates that need them and for `overrides.allowed`), cached with a short TTL. */
  readonly teams?: TeamCache;
  /** Reads a CODEOWNERS file whole when GraphQL truncates it. */
  readonly readRaw?: RawFileReader;
  /** Records each verdict once its check run is written (src/store/; returns at once, never throws). */
  readonly history?: Pick<History, 'recordVerdict'> | undefined;
  /** Runs the organisation policy preview for a pull request that changes the config file (docs/policy-preview.md). */
  readonly policyPreview?: PolicyPreviewRunner | undefined;
}

export interface EvaluationReport {
  /**
   * `moved`: the pull request has a newer head commit than the job's; nothing was written, and
   * the caller evaluates the new head (`headSha`, `baseSha`) under that commit's own key.
   */
  readonly outcome: 'written' | 'unchanged' | 'not-open' | 'no-head' | 'failed' | 'deferred' | 'moved';
  /** With `deferred`: when to evaluate again (epoch ms), GitHub's rate-limit reset. */
  readonly retryAt?: number;
  /** With `moved`: the current base commit. */
  readonly baseSha?: string;
  readonly conclusion?: string;
  /** What the written run says; unset when no run was written or attempted. */
  readonly verdict?: Verdict['kind'];
  readonly headSha?: string;
  readonly writes: number;
}

/** The effective config: the base branch's file, or with `proposed` the PR's own (src/load/config-files.ts). */
function loadConfig(
  deps: EvaluationDeps,
  loaded: LoadedPullRequest,
  owner: string,
  proposed = false,
): Promise<ConfigResult> {
  return readConfig(deps.graphql, loaded, owner, proposed);
}

/**
 * A PR that changes the config file is judged by the base branch's file; this
 * previews what the proposed file would conclude (or its validation errors).
 */
async function previewProposedConfig(
  deps: EvaluationDeps,
  loaded: LoadedPullRequest,
  owner: string,
): Promise<{ preview: Preview; proposed: ConfigResult } | undefined> {
  const pr = loaded.snapshot;
  const touched = pr.files.nodes.find((f) => f.path === CONFIG_PATH);
  if (!touched) return undefined;
  if ((loaded.proposedConfig?.text ?? null) === (loaded.repoConfig?.text ?? null)) return undefined;
  // What a pull request's author wrote is parsed and run in turns of its own, so the webhooks
  // other tenants send meanwhile are answered between them (docs/security.md).
  await setImmediate();
  const proposed = await loadConfig(deps, loaded, owner, true);
  const removed = touched.changeType === 'deleted' || !loaded.proposedConfig;
  if (proposed.kind === 'invalid')
    return { preview: { kind: 'invalid', problems: proposed.problems, removed }, proposed };
  if (proposed.kind === 'load-error')
    return { preview: { kind: 'unavailable', message: proposed.message, removed }, proposed };
  await setImmediate();
  // A proposed config's globs are compiled for this preview only, never cached.
  const verdict = verdictFor(pr, proposed.config, { prepared: PREPARE_FRESH, notes: false });
  return { preview: { kind: 'verdict', verdict, removed }, proposed };
}

/**
 * The organisation policy preview (docs/policy-preview.md) for a pull request that changes the
 * config file: from the history store only, no GitHub request. Shown, never enforced.
 */
async function organisationPreview(
  deps: EvaluationDeps,
  job: EvaluationJob,
  decider: Judgement,
  proposed: ConfigResult | undefined,
  log: Logger,
): Promise<PolicyPreview | undefined> {
  if (!deps.policyPreview || !decider.loaded) return undefined;
  const plan = policyPreviewPlan(decider.loaded, decider.configResult, proposed);
  if (!plan) return undefined;
  const pr = decider.loaded.snapshot;
  return deps.policyPreview(
    {
      owner: pr.repository.owner,
      repo: pr.repository.name,
      number: pr.number,
      repositoryId: job.repositoryId,
      plan,
      readAt: pr.readAt,
    },
    log.child({ component: 'policy-preview' }),
  );
}

/** Remembers each repository's last `on_error`, for evaluations whose config cannot be read. Bounded. */
export class PolicyMemory {
  readonly #onError: BoundedCache<string, 'failure' | 'neutral'>;
  constructor(max = 10_000) {
    this.#onError = new BoundedCache({ max });
  }
  get(repo: string): 'failure' | 'neutral' {
    return this.#onError.peek(repo.toLowerCase()) ?? 'failure';
  }
  set(repo: string, onError: 'failure' | 'neutral'): void {
    this.#onError.set(repo.toLowerCase(), onError);
  }
}

/**
 * Other open pull requests judged at most on one head commit, beside the one evaluated
 * (each costs a snapshot read). More than this many twins block the commit: the app
 * cannot tell which verdict is the most restrictive (docs/security.md).
 */
export const MAX_TWINS = 10;

/** The check-run name when no config says otherwise (or none could be read). */
const DEFAULT_CHECK_NAME = 'Quality Gates';

/** One open pull request on the head commit, judged by its own base branch's config. */
interface Judgement {
  readonly number: number;
  readonly baseRef: string;
  readonly verdict: Verdict;
  readonly conclusion: CheckConclusion;
  /** Its config, when it could be read and is valid. */
  readonly config: QualityGatesConfig | undefined;
  readonly configResult: ConfigResult;
  /** Undefined for a twin that could not be read. */
  readonly loaded: LoadedPullRequest | undefined;
  /** The override comments judged, for the history (docs/overrides.md). */
  readonly overrides: readonly OverrideRecord[];
}

type Judged = Judgement | { readonly deferredUntil: number };

/**
 * Judges one loaded pull request: its base config, skips, gates. Never throws but for
 * GitHub's rate limit (deferred). `primary`: the pull request of the job (its config
 * problems are counted and its `on_error` remembered).
 */
async function judge(
  deps: EvaluationDeps,
  loaded: LoadedPullRequest,
  job: EvaluationJob,
  log: Logger,
  primary: boolean,
): Promise<Judged> {
  let pr = loaded.snapshot;
  const configResult = await loadConfig(deps, loaded, job.owner);
  let verdict: Verdict;
  let config: QualityGatesConfig | undefined;
  let decisions: OverrideDecision[] = [];
  if (configResult.kind === 'invalid') {
    if (primary) deps.metrics?.configErrors.inc();
    log.warn({ problems: configResult.problems }, 'invalid configuration');
    verdict = { kind: 'config-error', problems: configResult.problems };
  } else if (configResult.kind === 'load-error') {
    log.error({ err: configResult.cause }, 'failed to load configuration');
    const conclusion = deps.policies?.get(`${job.owner}/${job.repo}`) ?? 'failure';
    verdict = { kind: 'error', conclusion, errorClass: errorClass(configResult.cause), message: configResult.message };
  } else {
    config = configResult.config;
    if (primary) deps.policies?.set(`${job.owner}/${job.repo}`, config.on_error);
    if (skipReason(pr, config)) {
      verdict = verdictFor(pr, config);
    } else {
      try {
        const needed = [
          ...teamsNeeded(pr, config, GATE_MEMORY),
          ...overrideTeams(loaded.conversation, config.overrides),
        ];
        pr = await withTeamMembers(deps.teams, deps.graphql, pr, needed, { scope: job.installationId });
        verdict = verdictFor(pr, config);
        if (verdict.kind === 'evaluated') {
          decisions = judgeOverrides({
            conversation: loaded.conversation,
            settings: config.overrides,
            enabled: verdict.outcomes.map((o) => o.id),
            pr,
          });
          verdict = withOverrides(verdict, decisions, pr.headSha);
          auditOverrides(deps, log, pr.number, decisions);
        }
      } catch (error) {
        const limited = rateLimited(error);
        if (limited) return { deferredUntil: limited.resetAt };
        log.error({ err: error }, 'failed to resolve team members');
        verdict = {
          kind: 'error',
          conclusion: config.on_error,
          errorClass: errorClass(error),
          message: 'the members of the teams the configuration names could not be read',
        };
      }
    }
  }
  const overrides = overrideRecords(decisions, pr.headSha);
  return {
    number: pr.number,
    baseRef: pr.baseRef,
    verdict,
    conclusion: conclusionOf(verdict),
    config,
    configResult,
    loaded: { ...loaded, snapshot: pr },
    overrides,
  };
}

/**
 * One log line and one count per gate of each override judged (docs/overrides.md): `override
 * applied` or `override refused`, with who, the gate, the reason, the comment and the head commit
 * (the logger carries the repository, the delivery and the head commit `sha`).
 */
function auditOverrides(
  deps: EvaluationDeps,
  log: Logger,
  number: number,
  decisions: readonly OverrideDecision[],
): void {
  for (const d of decisions) {
    deps.metrics?.overrides.inc({ gate: d.gateId ?? 'unknown', outcome: d.outcome });
    const fields = {
      user: d.login,
      gate: d.gate,
      reason: d.reason.slice(0, 1000),
      pull: number,
      commentUrl: d.url,
      commentedAt: d.createdAt,
      self: d.self,
    };
    if (d.outcome === 'applied') log.info(fields, 'override applied');
    else log.info({ ...fields, refusal: d.refusal }, 'override refused');
  }
}

/**
 * Loads and judges a twin: another pull request that may share `headSha`. Null when it
 * is not open or its head is another commit (it moved, or a recorded twin closed).
 */
async function judgeTwin(
  deps: EvaluationDeps,
  job: EvaluationJob,
  twin: TwinRef,
  headSha: string,
  log: Logger,
): Promise<Judged | null> {
  const twinLog = log.child({ twin: twin.number });
  try {
    let baseSha = twin.baseSha;
    if (!baseSha) {
      // Recorded on a run, not listed by GitHub: check it is still open on this commit first.
      const found = await loadPullHead(deps.graphql, { owner: job.owner, repo: job.repo, number: twin.number });
      if (found.state !== 'open' || found.headSha.toLowerCase() !== headSha.toLowerCase()) return null;
      baseSha = found.baseSha;
    }
    const loaded = await loadPullRequest(
      deps.graphql,
      {
        owner: job.owner,
        repo: job.repo,
        number: twin.number,
        baseSha,
        headSha,
        appId: deps.appId,
        host: deps.host,
        now: deps.now,
      },
      deps.readRaw,
    );
    if (loaded.snapshot.state !== 'open' || loaded.snapshot.headSha.toLowerCase() !== headSha.toLowerCase())
      return null;
    return await judge(deps, loaded, job, twinLog, false);
  } catch (error) {
    const limited = rateLimited(error);
    if (limited) return { deferredUntil: limited.resetAt };
    if (error instanceof LoadError && error.kind === 'not-found') return null;
    // A twin that cannot be read cannot be shown to pass: it counts as GitHub's error does.
    twinLog.error({ err: error }, 'failed to load a pull request that shares the head commit');
    const verdict: Verdict = {
      kind: 'error',
      conclusion: deps.policies?.get(`${job.owner}/${job.repo}`) ?? 'failure',
      errorClass: errorClass(error),
      message: `pull request #${twin.number}, which shares this commit, could not be read from GitHub`,
    };
    return {
      number: twin.number,
      baseRef: '',
      verdict,
      conclusion: conclusionOf(verdict),
      config: undefined,
      configResult: { kind: 'load-error', message: verdict.message },
      loaded: undefined,
      overrides: [],
    };
  }
}

/** The pull requests recorded on this app's runs of the commit, GitHub's read or this app's memory of its last write. */
async function recordedTwins(
  deps: EvaluationDeps,
  target: RunTarget,
  existing: readonly ExistingCheckRun[],
  names: readonly string[],
): Promise<number[]> {
  const remembered = await Promise.all(names.map((name) => deps.memory.get(RunMemory.key(target, name))));
  return [...existing.map((r) => r.externalId), ...remembered.map((r) => r?.externalId)].flatMap(recordedPulls);
}

/** The log line and metrics that end every evaluation, and its logger (re-bound once the head is known). */
function reporting(deps: EvaluationDeps, job: EvaluationJob) {
  const now = deps.now ?? SYSTEM_CLOCK.now;
  const started = now();
  const baseLog = deps.log.child({
    delivery: job.delivery,
    event: job.event,
    installation: job.installationId,
    repo: `${job.owner}/${job.repo}`,
    pr: job.number,
  });
  const state = { log: baseLog.child({ sha: job.headSha }) };
  const finish = (report: EvaluationReport, fields: Record<string, unknown> = {}): EvaluationReport => {
    const seconds = (now() - started) / 1000;
    // A job handed over to the new head's key is not an evaluation: that job is measured.
    if (report.outcome !== 'moved') {
      deps.metrics?.evaluationDuration.observe({ outcome: report.outcome }, seconds);
      deps.metrics?.evaluations.inc({
        conclusion: report.conclusion ?? report.outcome,
        verdict: report.verdict ?? 'none',
      });
    }
    state.log.info(
      {
        outcome: report.outcome,
        conclusion: report.conclusion,
        writes: report.writes,
        githubRequests: deps.requestCount?.(),
        durationMs: Math.round(seconds * 1000),
        ...fields,
      },
      'evaluation finished',
    );
    return report;
  };
  const deferred = (resetAt: number) => {
    state.log.warn(
      { resetAt: new Date(resetAt).toISOString() },
      'GitHub rate limit nearly exhausted; evaluation deferred to the reset',
    );
    return finish({ outcome: 'deferred', retryAt: resetAt, writes: 0 });
  };
  return { baseLog, state, finish, deferred };
}

/**
 * For a job without a head commit (a `/gates recheck` comment): reads the pull request's
 * base and head commits (the one read such an event costs anyway), so that its evaluation
 * runs under its head commit's key. Returns the job with both, or the report that ends it
 * (not found, GitHub failing, deferred).
 */
export async function resolvePullHead(
  deps: EvaluationDeps,
  job: EvaluationJob,
): Promise<EvaluationJob | EvaluationReport> {
  const { state, finish, deferred } = reporting(deps, job);
  try {
    const head = await loadPullHead(deps.graphql, job);
    state.log.debug({ headSha: head.headSha, state: head.state }, 'head commit resolved; evaluating under it');
    return { ...job, baseSha: head.baseSha, headSha: head.headSha };
  } catch (error) {
    const limited = rateLimited(error);
    if (limited) return deferred(limited.resetAt);
    const kind = error instanceof LoadError ? error.kind : 'github';
    state.log.error({ err: error, errorKind: kind }, 'failed to load pull request snapshot');
    return finish({ outcome: kind === 'not-found' ? 'not-open' : 'no-head', writes: 0 });
  }
}

type Reporting = ReturnType<typeof reporting>;

/** Evaluates `job`'s pull request: load, judge it and its twins, preview, write, record. Never throws. */
export async function evaluatePullRequest(deps: EvaluationDeps, job: EvaluationJob): Promise<EvaluationReport> {
  const reports = reporting(deps, job);
  let loaded: LoadedPullRequest;
  try {
    loaded = await loadPullRequest(
      deps.graphql,
      {
        owner: job.owner,
        repo: job.repo,
        number: job.number,
        baseSha: job.baseSha,
        headSha: job.headSha,
        appId: deps.appId,
        host: deps.host,
        now: deps.now,
      },
      deps.readRaw,
    );
  } catch (error) {
    return unreadable(deps, job, reports, error);
  }
  const own = loaded.snapshot;
  const headSha = own.headSha;
  reports.state.log = reports.baseLog.child({ sha: headSha });
  const early = notToEvaluate(job, loaded, reports);
  if (early) return early;

  const judging = await judgeAll(deps, job, loaded, reports.state.log);
  if ('deferredUntil' in judging) return reports.deferred(judging.deferredUntil);
  const decider = mostRestrictive(judging.judged);
  if (!decider) {
    reports.state.log.debug({ state: own.state }, 'pull request is not open; nothing to evaluate');
    return reports.finish({ outcome: 'not-open', writes: 0, headSha });
  }
  const { preview, policy } = await previewOf(deps, decider, job, reports.state.log);
  const runs = desiredRuns(judging.judged, decider, preview, judging.tooMany, policy);
  const report = await writeRuns(
    deps,
    judging.target,
    runs,
    loaded.existingRuns,
    reports.state.log,
    decider.verdict.kind,
  );
  finishWritten(deps, reports, report, judging, decider);
  // After the run is written and the evaluation measured: the history never adds to either.
  recordHistory(deps, job, report, judging.judged);
  return report;
}

/**
 * The pull request could not be read: without a head commit, or when it is gone, the job ends;
 * otherwise the run says so, concluding the repository's last known `on_error` (default failure).
 */
async function unreadable(
  deps: EvaluationDeps,
  job: EvaluationJob,
  reports: Reporting,
  error: unknown,
): Promise<EvaluationReport> {
  const log = reports.state.log;
  const limited = rateLimited(error);
  if (limited) return reports.deferred(limited.resetAt);
  const kind = error instanceof LoadError ? error.kind : 'github';
  log.error({ err: error, errorKind: kind }, 'failed to load pull request snapshot');
  if (kind === 'not-found' || !job.headSha)
    return reports.finish({ outcome: kind === 'not-found' ? 'not-open' : 'no-head', writes: 0 });
  // The config could not be read either: the repository's last known `on_error` applies (default failure).
  const conclusion = deps.policies?.get(`${job.owner}/${job.repo}`) ?? 'failure';
  const verdict: Verdict = {
    kind: 'error',
    conclusion,
    errorClass: errorClass(error),
    message: 'the pull request could not be read from GitHub',
  };
  const target = { owner: job.owner, repo: job.repo, headSha: job.headSha };
  // Keep the twins recorded on the run: the next evaluation must still find them.
  const pulls = unique([job.number, ...(await recordedTwins(deps, target, [], [DEFAULT_CHECK_NAME]))]).slice(
    0,
    MAX_TWINS + 1,
  );
  const run: DesiredRun = { name: DEFAULT_CHECK_NAME, ...renderCheckRun(verdict), pulls };
  const report = reports.finish(await writeRuns(deps, target, [run], [], log, verdict.kind), {
    errorClass: errorClass(error),
  });
  recordHistory(deps, job, report, [{ number: job.number, verdict, loaded: undefined }]);
  return report;
}

/** The report that ends a job whose pull request moved to a newer head, or is closed with no run to keep; undefined to evaluate. */
function notToEvaluate(
  job: EvaluationJob,
  loaded: LoadedPullRequest,
  reports: Reporting,
): EvaluationReport | undefined {
  const own = loaded.snapshot;
  const headSha = own.headSha;
  const log = reports.state.log;
  const onJobHead = !job.headSha || job.headSha.toLowerCase() === headSha.toLowerCase();
  if (own.state === 'open' && !onJobHead) {
    // Pushed since the event: the new head is evaluated under its own key, never under this one.
    log.debug({ jobSha: job.headSha }, 'the pull request has a new head commit; handing over to its evaluation');
    return reports.finish({ outcome: 'moved', headSha, baseSha: own.baseSha, writes: 0 });
  }
  if (
    !onJobHead ||
    (own.state !== 'open' &&
      loaded.twins.length === 0 &&
      loaded.existingRuns.every((r) => recordedPulls(r.externalId).length === 0))
  ) {
    log.debug({ state: own.state }, 'pull request is not open; nothing to evaluate');
    return reports.finish({ outcome: 'not-open', writes: 0, headSha });
  }
  return undefined;
}

/** Every pull request judged on the head commit: the job's own (when open), then its twins. */
interface Judging {
  readonly judged: Judgement[];
  readonly primary: Judgement | undefined;
  /** More twins than MAX_TWINS: the commit is blocked. */
  readonly tooMany: boolean;
  readonly target: RunTarget;
}

/**
 * Judges the job's pull request and its twins: other open pull requests of this repository with
 * this head commit, as GitHub lists them, and as the runs on the commit recorded them (GitHub
 * lists no open pull request for a commit on the default branch).
 */
async function judgeAll(
  deps: EvaluationDeps,
  job: EvaluationJob,
  loaded: LoadedPullRequest,
  log: Logger,
): Promise<Judging | { readonly deferredUntil: number }> {
  const own = loaded.snapshot;
  const judged: Judgement[] = [];
  let primary: Judgement | undefined;
  if (own.state === 'open') {
    const first = await judge(deps, loaded, job, log, true);
    if ('deferredUntil' in first) return first;
    judged.push((primary = first));
  }
  const target: RunTarget = { owner: job.owner, repo: job.repo, headSha: own.headSha };
  const recorded = await recordedTwins(deps, target, loaded.existingRuns, [
    primary?.config?.checks.name ?? DEFAULT_CHECK_NAME,
  ]);
  const candidates = new Map<number, TwinRef>();
  for (const t of [...loaded.twins, ...recorded.map((number) => ({ number }))])
    if (t.number !== own.number && !candidates.has(t.number)) candidates.set(t.number, t);
  const tooMany = candidates.size > MAX_TWINS;
  for (const twin of [...candidates.values()].slice(0, MAX_TWINS)) {
    const result = await judgeTwin(deps, job, twin, own.headSha, log);
    if (result && 'deferredUntil' in result) return result;
    if (result) judged.push(result);
  }
  return { judged, primary, tooMany, target };
}

/**
 * The previews for the deciding pull request, if it proposes a config: its own verdict under the
 * proposed file, and the organisation policy preview. A failed preview is logged and left out.
 */
async function previewOf(
  deps: EvaluationDeps,
  decider: Judgement,
  job: EvaluationJob,
  log: Logger,
): Promise<{ readonly preview: Preview | undefined; readonly policy: PolicyPreview | undefined }> {
  if (!decider.loaded) return { preview: undefined, policy: undefined };
  let preview: Preview | undefined;
  try {
    const proposed = await previewProposedConfig(deps, decider.loaded, job.owner);
    preview = proposed?.preview;
    return { preview, policy: await organisationPreview(deps, job, decider, proposed?.proposed, log) };
  } catch (error) {
    log.warn({ err: error }, 'config preview failed');
    return { preview, policy: undefined };
  }
}

/** The verdict as the log line reports it: each gate's status, or the kind of a verdict without gate results. */
function recordedVerdicts(mine: Verdict | undefined) {
  if (mine === undefined) return undefined;
  return mine.kind === 'evaluated' ? Object.fromEntries(mine.outcomes.map((o) => [o.id, o.status])) : mine.kind;
}

/** The metrics and the log line of a written (or unchanged, or failed) evaluation. */
function finishWritten(
  deps: EvaluationDeps,
  reports: Reporting,
  report: EvaluationReport,
  judging: Judging,
  decider: Judgement,
): void {
  const { judged, primary, tooMany } = judging;
  const mine = primary?.verdict;
  if (mine?.kind === 'evaluated') {
    for (const o of mine.outcomes) deps.metrics?.gateResults.inc({ gate: o.id, status: o.status });
  }
  reports.finish(report, {
    configSources: primary?.configResult.kind === 'ok' ? primary.configResult.sources : undefined,
    verdicts: recordedVerdicts(mine),
    ...(judged.length > 1 || tooMany
      ? {
          twins: judged.filter((j) => j !== primary).map((j) => j.number),
          decidedBy: decider.number,
          tooManyTwins: tooMany || undefined,
        }
      : {}),
  });
}

const unique = <T>(list: readonly T[]): T[] => [...new Set(list)];

/**
 * Hands the history each pull request judged, with its own verdict and snapshot, once the run
 * is written or found up to date; nothing when no run was (the write failed). Returns at once.
 */
function recordHistory(
  deps: EvaluationDeps,
  job: EvaluationJob,
  report: EvaluationReport,
  judged: readonly (Pick<Judgement, 'number' | 'verdict' | 'loaded'> & {
    readonly overrides?: readonly OverrideRecord[];
  })[],
): void {
  if (
    !deps.history ||
    !job.repositoryId ||
    !report.headSha ||
    (report.outcome !== 'written' && report.outcome !== 'unchanged')
  )
    return;
  const repository = {
    id: job.repositoryId,
    fullName: `${job.owner}/${job.repo}`,
    installationId: job.installationId,
    private: job.repositoryPrivate,
  };
  const at = (deps.now ?? SYSTEM_CLOCK.now)();
  for (const j of judged) {
    deps.history.recordVerdict({
      repository,
      number: j.number,
      headSha: report.headSha,
      event: job.action ? `${job.event}.${job.action}` : job.event,
      deliveryId: job.delivery,
      at,
      verdict: j.verdict,
      pr: j.loaded?.snapshot,
      repoConfig: j.loaded?.repoConfig?.text ?? null,
      overrides: j.overrides ?? [],
      author: j.number === job.number ? job.author : undefined,
    });
  }
}

/**
 * The runs for a commit judged over `judged` (every open pull request with this head):
 *
 * - every check name any of them configures gets the most restrictive verdict (`decider`'s),
 *   with a note naming the others;
 * - each per-gate run (`<name> / <gate>`, from every evaluated pull request whose config asks
 *   for them) gets the most restrictive result of that gate over all of them: a pull request
 *   that was not evaluated counts with its whole verdict, one where the gate is off not at all;
 * - with more twins than judged, everything is blocked.
 *
 * Each run records the pull requests it was judged over (`DesiredRun.pulls`).
 */
function desiredRuns(
  judged: readonly Judgement[],
  decider: Judgement,
  preview: Preview | undefined,
  tooMany: boolean,
  policy?: PolicyPreview,
): DesiredRun[] {
  const pulls = judged.map((j) => j.number).sort((a, b) => a - b);
  const line = (j: Judgement): TwinLine => ({
    number: j.number,
    baseRef: j.baseRef,
    conclusion: j.conclusion,
    title: titleOf(j.verdict),
  });
  const note: TwinNote | undefined =
    judged.length > 1 || tooMany
      ? {
          decidedBy: line(decider),
          others: judged
            .filter((j) => j !== decider)
            .sort((a, b) => a.number - b.number)
            .map(line),
          tooMany,
          limit: MAX_TWINS + 1,
        }
      : undefined;
  const blocked = (output: { conclusion: CheckConclusion; title: string; summary: string }) =>
    tooMany
      ? { ...output, conclusion: 'failure' as const, title: 'Blocked: too many open pull requests on this commit' }
      : output;

  const rendered = blocked(renderCheckRun(decider.verdict, preview, note));
  // The policy preview is a section of the aggregate run, after everything else: it never changes the conclusion.
  const aggregate = policy ? { ...rendered, summary: withPolicyPreview(rendered.summary, policy) } : rendered;
  const nameOf = (j: Judgement) => j.config?.checks.name ?? DEFAULT_CHECK_NAME;
  const names = unique([decider, ...judged].map(nameOf));
  const runs: DesiredRun[] = names.map((name) => ({ name, ...aggregate, pulls }));

  const perGate = new Map<string, GateId>();
  for (const j of [decider, ...judged]) {
    if (!j.config?.checks.per_gate || j.verdict.kind !== 'evaluated') continue;
    for (const o of j.verdict.outcomes)
      if (!perGate.has(`${nameOf(j)} / ${o.id}`)) perGate.set(`${nameOf(j)} / ${o.id}`, o.id);
  }
  for (const [name, gate] of perGate) {
    const results = judged.flatMap(
      (j): { number: number; conclusion: CheckConclusion; output: { title: string; summary: string } }[] => {
        if (j.verdict.kind !== 'evaluated')
          return [{ number: j.number, conclusion: j.conclusion, output: renderCheckRun(j.verdict) }];
        const o = j.verdict.outcomes.find((x) => x.id === gate);
        return o ? [{ number: j.number, conclusion: gateConclusion(o), output: renderGateRun(o) }] : [];
      },
    );
    const pick = mostRestrictive(results)!;
    const summary = note ? withTwinNote(pick.output.summary, note) : pick.output.summary;
    runs.push({ name, ...blocked({ conclusion: pick.conclusion, title: pick.output.title, summary }), pulls });
  }
  return runs;
}

/** Writes `runs` on the commit (each created once, then updated in place, or left unchanged). */
async function writeRuns(
  deps: EvaluationDeps,
  target: RunTarget,
  runs: readonly DesiredRun[],
  existing: readonly ExistingCheckRun[],
  log: Logger,
  verdict: Verdict['kind'],
): Promise<EvaluationReport> {
  const conclusion = runs[0]!.conclusion;
  let writes = 0;
  let unchanged = 0;
  try {
    for (const run of runs) {
      const result: WriteResult = await writeRun(deps.checks, deps.memory, target, run, existing);
      deps.metrics?.checkRunWrites.inc({ result });
      if (result === 'unchanged') unchanged++;
      else writes++;
    }
  } catch (error) {
    const status = (error as { status?: number }).status;
    log.error(
      {
        err: error,
        status,
        hint:
          status === 403
            ? 'the app lacks checks: write; accept the new permissions in the installation settings'
            : undefined,
      },
      'failed to write check run',
    );
    return { outcome: 'failed', conclusion, verdict, headSha: target.headSha, writes };
  }
  return {
    outcome: writes === 0 && unchanged > 0 ? 'unchanged' : 'written',
    conclusion,
    verdict,
    headSha: target.headSha,
    writes,
  };
}

/** The rate-limit error behind `error` (it may be wrapped as a `cause`), if any. */
function rateLimited(error: unknown): RateLimitedError | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof RateLimitedError) return e;
  }
  return undefined;
}

function errorClass(error: unknown): string {
  const e = error as { cause?: unknown; status?: number; name?: string };
  const inner = (e?.cause ?? e) as { status?: number; name?: string; errors?: { type?: string }[] };
  if (inner?.errors?.[0]?.type) return `GraphQL ${inner.errors[0].type}`;
  if (typeof inner?.status === 'number') return `HTTP ${inner.status}`;
  return inner?.name ?? 'Error';
}
