/**
 * The one orchestration module: load → resolve config → evaluate gates →
 * render → write. The only place that calls the loader, the gates and the
 * writer. Never throws: every path ends in a completed check run (when a head
 * commit is known) and one structured log line.
 */
import type { Logger } from 'pino';
import { GATES, type GateDefinition, type GateId, type GateResult, type Text } from '../gates/index.js';
import type { ConfigResult } from './config/resolve.js';
import { resolveConfig } from './config/resolve.js';
import { CONFIG_PATH, type QualityGatesConfig } from './config/schema.js';
import { renderCheckRun, renderGateRun } from './checks/render.js';
import { outcomeOf, gateConclusion, type GateOutcome, type Preview, type Verdict } from './checks/verdict.js';
import { writeRun, type ChecksApi, type DesiredRun, type RunStore, type WriteResult } from './checks/writer.js';
import { loadPullRequest, LoadError, type GraphqlClient, type LoadedPullRequest, type RawFileReader } from './github/loader.js';
import { teamsNeeded } from '../gates/codeowners-review.js';
import type { TeamCache } from './github/teams.js';
import { RateLimitedError } from './github/client.js';
import { EXTENDS_QUERY } from './github/queries.js';
import type { Metrics } from './metrics.js';
import type { PullRequestSnapshot } from './snapshot.js';

export interface EvaluationJob {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  /** From the webhook, when it carries them. */
  readonly baseSha?: string | undefined;
  readonly headSha?: string | undefined;
  readonly installationId: number;
  readonly delivery: string;
  readonly event: string;
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
  /** Team members for codeowners-review, cached with a short TTL. */
  readonly teams?: TeamCache;
  /** Reads a CODEOWNERS file whole when GraphQL truncates it. */
  readonly readRaw?: RawFileReader;
}

export interface EvaluationReport {
  readonly outcome: 'written' | 'unchanged' | 'not-open' | 'no-head' | 'failed' | 'deferred';
  /** With `deferred`: when to evaluate again (epoch ms), GitHub's rate-limit reset. */
  readonly retryAt?: number;
  readonly conclusion?: string;
  /** What the written run says; unset when no run was written or attempted. */
  readonly verdict?: Verdict['kind'];
  readonly headSha?: string;
  readonly writes: number;
}

/** Gates the config enables (mode not `off`), in registry order, with their resolved mode. */
export function enabledGates(config: QualityGatesConfig): { gate: GateDefinition<unknown>; mode: 'block' | 'warn'; cfg: unknown }[] {
  return GATES.flatMap((gate) => {
    const cfg = config.gates[gate.id as GateId] as { mode?: 'block' | 'warn' | 'off' };
    const mode = cfg.mode ?? config.defaults.mode;
    return mode === 'off' ? [] : [{ gate: gate as GateDefinition<unknown>, mode, cfg }];
  });
}

/** Runs the enabled gates; a gate that throws fails closed, visibly. */
export function runGates(pr: PullRequestSnapshot, config: QualityGatesConfig): GateOutcome[] {
  return enabledGates(config).map(({ gate, mode, cfg }) => {
    let res: GateResult;
    try {
      res = gate.evaluate(pr, cfg);
    } catch (error) {
      res = {
        status: 'fail',
        reason: 'The gate could not evaluate this pull request',
        details: [{ kind: 'paragraph', text: `Internal error: ${error instanceof Error ? error.message : String(error)}` }],
        fix: [{ kind: 'paragraph', text: 'This is a fault in Quality Gates, not in the pull request. Re-run the check; if it persists, report it to the operators with the head commit.' }],
      };
    }
    return outcomeOf(gate.id, gate.title, mode, res);
  });
}

/** Why a PR is not evaluated (SPEC §4 `skip`), or undefined. */
export function skipReason(pr: PullRequestSnapshot, config: QualityGatesConfig): { title: string; reason: Text } | undefined {
  if (config.skip.drafts && pr.isDraft) {
    return { title: 'Skipped: draft pull request', reason: 'This pull request is a draft; the gates run when it is marked ready for review.' };
  }
  const author = pr.author.login.toLowerCase();
  if (config.skip.authors.some((a) => a.toLowerCase() === author)) {
    return { title: `Skipped: author ${pr.author.login} is exempt`, reason: ['The author ', { code: pr.author.login }, ' is listed in ', { code: 'skip.authors' }, '; no gate applies.'] };
  }
  const label = pr.labels.find((l) => config.skip.labels.includes(l));
  if (label !== undefined) {
    return { title: `Skipped: label ${label}`, reason: ['This pull request carries the label ', { code: label }, ', listed in ', { code: 'skip.labels' }, '; no gate applies.'] };
  }
  return undefined;
}

/** Notes shown above the gate sections. */
function notesFor(pr: PullRequestSnapshot): Text[] {
  const notes: Text[] = [];
  if (pr.files.truncated) notes.push(`GitHub lists at most ${pr.files.nodes.length.toLocaleString('en-US')} of this pull request's ${pr.totals.changedFiles.toLocaleString('en-US')} changed files; gates that need every file fail rather than pass on a partial list.`);
  if (pr.commits.truncated) notes.push(`GitHub lists at most ${pr.commits.nodes.length} of this pull request's ${pr.commits.totalCount} commits; gates that need every commit fail rather than pass on a partial list.`);
  return notes;
}

/**
 * The effective config: the base branch's file, or with `proposed` the PR's own file (for
 * the preview), whose `_extends` is followed only within this repository and to the org
 * file at hand: a proposed file cannot make the app read another repository.
 */
async function loadConfig(deps: EvaluationDeps, loaded: LoadedPullRequest, owner: string, proposed = false): Promise<ConfigResult> {
  return resolveConfig({
    owner,
    repo: loaded.snapshot.repository.name,
    followExtends: proposed ? 'same-repository' : 'anywhere',
    repoFile: proposed ? loaded.proposedConfig : loaded.repoConfig,
    orgFile: loaded.orgConfig,
    fetchFile: async (target) => {
      let data: { repository?: { object?: { text?: string | null } | null } | null };
      try {
        data = (await deps.graphql(EXTENDS_QUERY, { owner: target.owner, name: target.repo, expression: `HEAD:${target.path}` })) as typeof data;
      } catch (error) {
        // A repository the installation cannot see is answered like a missing file.
        if ((error as { errors?: { type?: string }[] }).errors?.some((e) => e.type === 'NOT_FOUND')) return null;
        throw error;
      }
      const text = data.repository?.object?.text;
      return typeof text === 'string' ? { file: `${target.owner}/${target.repo}:${target.path}`, text } : null;
    },
  });
}

/**
 * A PR that changes the config file is judged by the base branch's file; this
 * previews what the proposed file would conclude (or its validation errors).
 */
async function previewProposedConfig(deps: EvaluationDeps, loaded: LoadedPullRequest, owner: string): Promise<Preview | undefined> {
  const pr = loaded.snapshot;
  const touched = pr.files.nodes.find((f) => f.path === CONFIG_PATH);
  if (!touched) return undefined;
  if ((loaded.proposedConfig?.text ?? null) === (loaded.repoConfig?.text ?? null)) return undefined;
  const proposed = await loadConfig(deps, loaded, owner, true);
  const removed = touched.changeType === 'deleted' || !loaded.proposedConfig;
  if (proposed.kind === 'invalid') return { kind: 'invalid', problems: proposed.problems, removed };
  if (proposed.kind === 'load-error') return { kind: 'unavailable', message: proposed.message, removed };
  const skip = skipReason(pr, proposed.config);
  const verdict: Verdict = skip ? { kind: 'skipped', ...skip } : { kind: 'evaluated', outcomes: runGates(pr, proposed.config), notes: [] };
  return { kind: 'verdict', verdict, removed };
}

/**
 * Fills `pr.teams` with the members of the teams CODEOWNERS names for the changed
 * files, when codeowners-review is on. Cached per installation with a short TTL, so a
 * warm evaluation costs no request; a cold one costs one query per organisation.
 */
async function withTeams(deps: EvaluationDeps, pr: PullRequestSnapshot, config: QualityGatesConfig, installationId: number): Promise<PullRequestSnapshot> {
  if (!deps.teams || !enabledGates(config).some((g) => g.gate.id === 'codeowners-review')) return pr;
  const needed = teamsNeeded(pr);
  if (needed.length === 0) return pr;
  const { teams } = await deps.teams.resolveTeams(deps.graphql, needed, { scope: installationId });
  return { ...pr, teams };
}

/** Remembers each repository's last `on_error`, for evaluations whose config cannot be read. Bounded. */
export class PolicyMemory {
  readonly #onError = new Map<string, 'failure' | 'neutral'>();
  constructor(private readonly max = 10_000) {}
  get(repo: string): 'failure' | 'neutral' {
    return this.#onError.get(repo.toLowerCase()) ?? 'failure';
  }
  set(repo: string, onError: 'failure' | 'neutral'): void {
    const key = repo.toLowerCase();
    this.#onError.delete(key);
    this.#onError.set(key, onError);
    if (this.#onError.size > this.max) this.#onError.delete(this.#onError.keys().next().value as string);
  }
}

export async function evaluatePullRequest(deps: EvaluationDeps, job: EvaluationJob): Promise<EvaluationReport> {
  const now = deps.now ?? Date.now;
  const started = now();
  const baseLog = deps.log.child({ delivery: job.delivery, event: job.event, installation: job.installationId, repo: `${job.owner}/${job.repo}`, pr: job.number });
  let log = baseLog.child({ sha: job.headSha });
  const finish = (report: EvaluationReport, fields: Record<string, unknown> = {}): EvaluationReport => {
    const seconds = (now() - started) / 1000;
    deps.metrics?.evaluationDuration.observe({ outcome: report.outcome }, seconds);
    deps.metrics?.evaluations.inc({ conclusion: report.conclusion ?? report.outcome, verdict: report.verdict ?? 'none' });
    log.info({ outcome: report.outcome, conclusion: report.conclusion, writes: report.writes, githubRequests: deps.requestCount?.(), durationMs: Math.round(seconds * 1000), ...fields }, 'evaluation finished');
    return report;
  };

  let loaded: LoadedPullRequest;
  try {
    loaded = await loadPullRequest(
      deps.graphql,
      { owner: job.owner, repo: job.repo, number: job.number, baseSha: job.baseSha, headSha: job.headSha, appId: deps.appId, host: deps.host },
      deps.readRaw,
    );
  } catch (error) {
    const limited = rateLimited(error);
    if (limited) {
      log.warn({ resetAt: new Date(limited.resetAt).toISOString() }, 'GitHub rate limit nearly exhausted; evaluation deferred to the reset');
      return finish({ outcome: 'deferred', retryAt: limited.resetAt, writes: 0 });
    }
    const kind = error instanceof LoadError ? error.kind : 'github';
    log.error({ err: error, errorKind: kind }, 'failed to load pull request snapshot');
    if (kind === 'not-found' || !job.headSha) return finish({ outcome: kind === 'not-found' ? 'not-open' : 'no-head', writes: 0 });
    // The config could not be read either: the repository's last known `on_error` applies (default failure).
    const conclusion = deps.policies?.get(`${job.owner}/${job.repo}`) ?? 'failure';
    const verdict: Verdict = { kind: 'error', conclusion, errorClass: errorClass(error), message: 'the pull request could not be read from GitHub' };
    return finish(await writeVerdict(deps, job, job.headSha, verdict, []), { errorClass: errorClass(error) });
  }

  let pr = loaded.snapshot;
  log = baseLog.child({ sha: pr.headSha });
  if (pr.state !== 'open') {
    log.debug({ state: pr.state }, 'pull request is not open; nothing to evaluate');
    return finish({ outcome: 'not-open', writes: 0, headSha: pr.headSha });
  }

  const configResult = await loadConfig(deps, loaded, job.owner);
  let verdict: Verdict;
  let config: QualityGatesConfig | undefined;
  if (configResult.kind === 'invalid') {
    deps.metrics?.configErrors.inc();
    log.warn({ problems: configResult.problems }, 'invalid configuration');
    verdict = { kind: 'config-error', problems: configResult.problems };
  } else if (configResult.kind === 'load-error') {
    log.error({ err: configResult.cause }, 'failed to load configuration');
    const conclusion = deps.policies?.get(`${job.owner}/${job.repo}`) ?? 'failure';
    verdict = { kind: 'error', conclusion, errorClass: errorClass(configResult.cause), message: configResult.message };
  } else {
    config = configResult.config;
    deps.policies?.set(`${job.owner}/${job.repo}`, config.on_error);
    const skip = skipReason(pr, config);
    if (skip) {
      verdict = { kind: 'skipped', ...skip };
    } else {
      try {
        pr = await withTeams(deps, pr, config, job.installationId);
        verdict = { kind: 'evaluated', outcomes: runGates(pr, config), notes: notesFor(pr) };
      } catch (error) {
        const limited = rateLimited(error);
        if (limited) {
          log.warn({ resetAt: new Date(limited.resetAt).toISOString() }, 'GitHub rate limit nearly exhausted; evaluation deferred to the reset');
          return finish({ outcome: 'deferred', retryAt: limited.resetAt, writes: 0 });
        }
        log.error({ err: error }, 'failed to resolve code-owner teams');
        verdict = { kind: 'error', conclusion: config.on_error, errorClass: errorClass(error), message: 'the members of code-owner teams could not be read' };
      }
    }
  }

  let preview: Preview | undefined;
  try {
    preview = await previewProposedConfig(deps, loaded, job.owner);
  } catch (error) {
    log.warn({ err: error }, 'config preview failed');
  }
  const report = await writeVerdict(deps, job, pr.headSha, verdict, loaded.existingRuns, config, log, preview);
  if (verdict.kind === 'evaluated') {
    for (const o of verdict.outcomes) deps.metrics?.gateResults.inc({ gate: o.id, status: o.status });
  }
  return finish(report, {
    configSources: configResult.kind === 'ok' ? configResult.sources : undefined,
    verdicts: verdict.kind === 'evaluated' ? Object.fromEntries(verdict.outcomes.map((o) => [o.id, o.status])) : verdict.kind,
  });
}

async function writeVerdict(
  deps: EvaluationDeps,
  job: EvaluationJob,
  headSha: string,
  verdict: Verdict,
  existing: LoadedPullRequest['existingRuns'],
  config?: QualityGatesConfig,
  log: Logger = deps.log,
  preview?: Preview,
): Promise<EvaluationReport> {
  const name = config?.checks.name ?? 'Quality Gates';
  const output = renderCheckRun(verdict, preview);
  const runs: DesiredRun[] = [{ name, ...output }];
  if (config?.checks.per_gate && verdict.kind === 'evaluated') {
    for (const o of verdict.outcomes) runs.push({ name: `${name} / ${o.id}`, conclusion: gateConclusion(o), ...renderGateRun(o) });
  }
  const target = { owner: job.owner, repo: job.repo, headSha };
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
      { err: error, status, hint: status === 403 ? 'the app lacks checks: write; accept the new permissions in the installation settings' : undefined },
      'failed to write check run',
    );
    return { outcome: 'failed', conclusion: output.conclusion, verdict: verdict.kind, headSha, writes };
  }
  return { outcome: writes === 0 && unchanged > 0 ? 'unchanged' : 'written', conclusion: output.conclusion, verdict: verdict.kind, headSha, writes };
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
