/**
 * The organisation policy preview (docs/policy-preview.md): what a proposed
 * `.github/quality-gates.yml` would change for the other open pull requests, computed by running
 * the same pure pipeline as the check run (`verdictFor`) on the latest stored snapshot of each,
 * once under the current file and once under the proposed one. No GitHub request: the snapshots,
 * each repository's own config file and its visibility come from the history store; the files
 * being compared come from the evaluation's own read.
 *
 * Bounded: the work runs in slices of `sliceMs` with a turn of the event loop between them (other
 * tenants' webhooks are answered meanwhile), and stops at `budgetMs`, saying how far it got.
 */
import { setImmediate } from 'node:timers/promises';
import { CONFIG_PATH, type QualityGatesConfig } from '../../gates/config.js';
import { parseConfigText, type ConfigProblem } from '../load/config/parse.js';
import { resolveConfig, type ConfigResult, type ConfigSource, type ExtendsTarget } from '../load/config/resolve.js';
import { conclusionOf, type Verdict } from '../checks/verdict.js';
import type { PullRequestSnapshot } from '../../gates/snapshot.js';
import { PREPARE_FRESH, PreparedOnce } from './prepared-configs.js';
import { verdictFor } from './run-gates.js';

/** A stored open pull request, as the preview reads it. */
export interface PreviewPull {
  readonly repositoryId: number;
  /** `owner/name`. */
  readonly repository: string;
  readonly number: number;
  readonly snapshot: PullRequestSnapshot;
  /** The repository's own config file on the PR's base branch when last evaluated; null when absent. */
  readonly repoConfig: string | null;
}

/**
 * How a repository comes by its config: `direct` (no file of its own: the organisation's applies),
 * `extends` (its file extends the organisation's, directly or through another repository's),
 * `replaces` (its file does not extend the organisation's), `outside` (its `_extends` chain leaves
 * the organisation), `unknown` (it extends another repository's file the history holds no copy of),
 * `other-branch` (repository preview: pull requests into another base branch).
 */
export type RepositoryUse = 'direct' | 'extends' | 'replaces' | 'outside' | 'unknown' | 'other-branch';
/** Uses the preview re-evaluates; the others are listed as not affected. */
const AFFECTED_USES: ReadonlySet<RepositoryUse> = new Set(['direct', 'extends']);

/** What blocks a pull request: a gate, or the configuration being invalid, or an evaluation error. */
export type BlockingKey = string;

export type PullChange = 'block' | 'unblock' | 'stay';

export interface AffectedPull {
  readonly number: number;
  /** The PR title as GitHub had it (user text; rendering cuts and escapes it). */
  readonly title: string;
  readonly url: string;
  readonly change: PullChange;
  /** Gates (or `configuration`) that would newly block it, and that would stop blocking it. */
  readonly blocking: readonly BlockingKey[];
  readonly unblocking: readonly BlockingKey[];
}

export interface RepositoryPreview {
  readonly repositoryId: number;
  readonly repository: string;
  /** True when its name, titles and links may be shown (`isVisible`). */
  readonly visible: boolean;
  /** The first use seen; a repository with any pull request judged by the file counts as using it. */
  use: RepositoryUse;
  /** With `outside` / `unknown`: the `_extends` value that leads there. */
  readonly extendsValue?: string | undefined;
  /** Open pull requests judged by the file (blocked + unblocked + stay). */
  open: number;
  /** Open pull requests of it not judged by the file (their base branch's file does not extend it). */
  idle: number;
  blocked: number;
  unblocked: number;
  stay: number;
  /** Per gate (or `configuration`): pull requests it would newly block, and stop blocking. */
  readonly byGate: Map<BlockingKey, { block: number; unblock: number }>;
  /** The most affected, most affected first (`MOST_AFFECTED` at most). */
  readonly mostAffected: AffectedPull[];
}

export interface PolicyPreviewTotals {
  readonly open: number;
  readonly blocked: number;
  readonly unblocked: number;
  readonly stay: number;
  /** Repositories that use the file (directly or through `_extends`). */
  readonly repositories: number;
  /** Of those, repositories with at least one pull request newly blocked. */
  readonly blockedRepositories: number;
}

export type PolicyPreview =
  | {
      readonly kind: 'ok';
      readonly scope: 'organisation' | 'repository';
      /** The repository of the pull request that changes the file. */
      readonly ownRepository: string;
      readonly repositories: readonly RepositoryPreview[];
      readonly totals: PolicyPreviewTotals;
      /** Open pull requests the history knows of without a snapshot (never evaluated with the history on). */
      readonly unseen: {
        readonly total: number;
        readonly listed: readonly {
          readonly repository: string;
          readonly repositoryId: number;
          readonly number: number;
          readonly visible: boolean;
        }[];
      };
      /** Repository preview: open pull requests into other base branches (not affected). */
      readonly otherBranch: number;
      /** Stored snapshots that could not be read. */
      readonly unreadable: number;
      /** Set when the time budget ran out: pull requests previewed of those stored. */
      readonly partial?: { readonly previewed: number; readonly stored: number; readonly budgetMs: number } | undefined;
      readonly durationMs: number;
    }
  | {
      readonly kind: 'invalid';
      readonly scope: 'organisation' | 'repository';
      readonly problems: readonly ConfigProblem[];
    }
  | { readonly kind: 'unavailable'; readonly scope: 'organisation' | 'repository'; readonly message: string };

/** Links shown per repository. */
export const MOST_AFFECTED = 5;
/** Work between two turns of the event loop. */
export const PREVIEW_SLICE_MS = 10;
/** The preview stops here and says how far it got. */
export const PREVIEW_BUDGET_MS = 15_000;

/** Which repositories the preview may name (docs/policy-preview.md, "Privacy"). */
export interface Visibility {
  /** Known visibility per repository id: false = public. Unknown ids are treated as private. */
  readonly privateById: ReadonlyMap<number, boolean | null>;
  /** The repository whose check run shows the preview: always named (its readers see it anyway). */
  readonly ownRepository: string;
}

/**
 * A repository is named (with its pull requests' titles and links) only when a reader of the
 * check run can see it anyway: the run's own repository, or one the history knows to be public.
 */
export function isVisible(visibility: Visibility, repositoryId: number, repository: string): boolean {
  if (repository.toLowerCase() === visibility.ownRepository.toLowerCase()) return true;
  return visibility.privateById.get(repositoryId) === false;
}

/** How one repository's pull requests are judged before and after. */
interface Resolution {
  readonly use: RepositoryUse;
  readonly extendsValue?: string;
  readonly current?: ConfigResult;
  readonly proposed?: ConfigResult;
  /** Both configs valid and equal: no verdict can change, nothing is evaluated. */
  readonly same?: boolean;
}

/** What the preview compares, and over which pull requests. */
export type PreviewPlan =
  | {
      /** A pull request in `<owner>/.github` changing the organisation's file. */
      readonly scope: 'organisation';
      readonly owner: string;
      /** The organisation's file as it is (the base branch's), and as proposed; null: absent / removed. */
      readonly current: string | null;
      readonly proposed: string | null;
    }
  | {
      /** A pull request changing its own repository's file: the repository's other pull requests into `baseRef`. */
      readonly scope: 'repository';
      readonly baseRef: string;
      /** The effective configs, as the evaluation resolved them. */
      readonly current: ConfigResult;
      readonly proposed: ConfigResult;
    };

export interface PreviewInput {
  readonly plan: PreviewPlan;
  readonly ownRepository: string;
  /** The pull request that changes the file (left out of the counts). */
  readonly ownNumber: number;
  /** Stored open pull requests, a page at a time. */
  readonly pages: AsyncIterable<readonly PreviewPull[]>;
  /** How many are stored (for the partial note). */
  readonly stored: number;
  readonly visibility: Visibility;
  readonly unseen: {
    readonly total: number;
    readonly listed: readonly { readonly repository: string; readonly repositoryId: number; readonly number: number }[];
  };
  readonly unreadable?: () => number;
  readonly now?: () => number;
  /**
   * The time the preview judges at (ISO): each stored snapshot is judged as if read now, so
   * branch-age counts days up to this evaluation rather than up to the snapshot's capture.
   */
  readonly readAt?: string | undefined;
  readonly budgetMs?: number;
  readonly sliceMs?: number;
}

const ORG_FILE = (owner: string) => `${owner}/.github:${CONFIG_PATH}`;

/** Thrown by the stored-file reader: an `_extends` target the preview cannot follow. */
class ChainStop extends Error {
  constructor(
    readonly use: 'outside' | 'unknown' | 'later',
    readonly target: string,
  ) {
    super(target);
  }
}

const isGithubRepo = (repository: string) => repository.split('/')[1]?.toLowerCase() === '.github';

/**
 * Validates the organisation plan: the proposed file must parse, and neither file may `_extends`
 * another (the preview follows repository files into the organisation's, not the organisation
 * file's own chain). Returns the problem, or undefined.
 */
function checkOrganisationFiles(
  owner: string,
  current: string | null,
  proposed: string | null,
): PolicyPreview | undefined {
  for (const [text, which] of [
    [proposed, 'proposed'],
    [current, 'current'],
  ] as const) {
    if (text === null) continue;
    const parsed = parseConfigText(text, ORG_FILE(owner));
    if (parsed.kind === 'invalid') {
      if (which === 'proposed') return { kind: 'invalid', scope: 'organisation', problems: parsed.problems };
      continue; // The current file is invalid: every "before" verdict is a configuration error, as on the check runs.
    }
    if (typeof parsed.raw._extends === 'string') {
      return {
        kind: 'unavailable',
        scope: 'organisation',
        message: `the ${which} organisation file has _extends; the preview does not follow the organisation file's own _extends chain`,
      };
    }
  }
  return undefined;
}

/** Stable text of a config, for telling two apart. */
const configKey = (config: QualityGatesConfig) => JSON.stringify(config);

/** The organisation plan's resolver: each repository's stored file, resolved over the current and the proposed organisation file. */
function organisationResolver(owner: string, current: string | null, proposed: string | null) {
  /** Each repository's latest stored file, by lower-case name (for `_extends` between repositories). */
  const latestFile = new Map<string, { text: string | null }>();
  const cache = new Map<string, Resolution>();
  let streamDone = false;
  const orgSource = (text: string | null): ConfigSource | null =>
    text === null ? null : { file: ORG_FILE(owner), text };

  const fetchFile = async (target: ExtendsTarget): Promise<ConfigSource | null> => {
    const name = `${target.owner}/${target.repo}`;
    if (target.owner.toLowerCase() !== owner.toLowerCase()) throw new ChainStop('outside', name);
    if (target.path !== CONFIG_PATH) throw new ChainStop('unknown', `${name}:${target.path}`);
    const known = latestFile.get(name.toLowerCase());
    if (!known) throw new ChainStop(streamDone ? 'unknown' : 'later', name);
    return known.text === null ? null : { file: `${name}:${CONFIG_PATH}`, text: known.text };
  };

  const resolveWith = (repo: string, repoFile: ConfigSource | null, org: string | null) =>
    resolveConfig({ owner, repo, repoFile, orgFile: orgSource(org), fetchFile });

  return {
    /** Notes each pull request's repository file (before any is resolved on the page). */
    note(pull: PreviewPull) {
      const key = pull.repository.toLowerCase();
      if (!latestFile.has(key)) latestFile.set(key, { text: pull.repoConfig });
    },
    end() {
      streamDone = true;
    },
    /** The resolution for `pull`, or `later` when its chain names a repository not read yet. */
    async resolve(pull: PreviewPull): Promise<Resolution | 'later'> {
      const [, name = ''] = pull.repository.split('/');
      // The organisation's `.github` repository is judged by the organisation's file itself.
      const text = isGithubRepo(pull.repository) ? null : pull.repoConfig;
      const key = `${pull.repository.toLowerCase()}\n${text ?? ''}`;
      const cached = cache.get(key);
      if (cached) return cached;
      const repoFile = text === null ? null : { file: `${pull.repository}:${CONFIG_PATH}`, text };
      const [before, after] = await Promise.all([
        resolveWith(name, repoFile, current),
        resolveWith(name, repoFile, proposed),
      ]);
      let resolution: Resolution;
      const stop = [before, after]
        .map((r) => (r.kind === 'load-error' && r.cause instanceof ChainStop ? r.cause : undefined))
        .find(Boolean);
      if (stop?.use === 'later') return 'later';
      const extendsValue = text === null ? undefined : extendsOf(text);
      if (stop) {
        resolution = { use: stop.use, extendsValue: extendsValue ?? stop.target };
      } else if (text === null) {
        resolution = { use: 'direct', current: before, proposed: after };
      } else if (
        usesOrgFile(owner, before) ||
        usesOrgFile(owner, after) ||
        (extendsValue !== undefined && (before.kind === 'invalid' || after.kind === 'invalid'))
      ) {
        resolution = { use: 'extends', current: before, proposed: after };
      } else {
        resolution = { use: 'replaces' };
      }
      if (
        resolution.current?.kind === 'ok' &&
        resolution.proposed?.kind === 'ok' &&
        configKey(resolution.current.config) === configKey(resolution.proposed.config)
      ) {
        resolution = { ...resolution, same: true };
      }
      cache.set(key, resolution);
      return resolution;
    },
  };
}

const usesOrgFile = (owner: string, result: ConfigResult) =>
  (result.kind === 'ok' || result.kind === 'missing') && result.sources.includes(ORG_FILE(owner));

function extendsOf(text: string): string | undefined {
  const parsed = parseConfigText(text, 'x');
  return parsed.kind === 'ok' && typeof parsed.raw._extends === 'string' ? parsed.raw._extends : undefined;
}

/** The verdict a config result gives `pr`, as the check run would show it (no notes). */
function verdictUnder(pr: PullRequestSnapshot, result: ConfigResult, prepared: PreparedOnce): Verdict {
  if (result.kind === 'invalid') return { kind: 'config-error', problems: result.problems };
  if (result.kind === 'load-error')
    return { kind: 'error', conclusion: 'failure', errorClass: 'Error', message: result.message };
  return verdictFor(pr, result.config, { prepared, notes: false });
}

/** What blocks a verdict: its failing gates, or `configuration` / `error`. */
function blockers(verdict: Verdict): BlockingKey[] {
  switch (verdict.kind) {
    case 'evaluated':
      return verdict.outcomes.filter((o) => o.status === 'fail').map((o) => o.id);
    case 'config-error':
      return ['configuration'];
    case 'error':
      return verdict.conclusion === 'failure' ? ['error'] : [];
    case 'skipped':
      return [];
  }
}

const CHANGE_RANK: Record<PullChange, number> = { block: 0, unblock: 1, stay: 2 };

/** Orders pull requests most affected first: newly blocked, then unblocked, then most gates changed, then by number. */
export function moreAffected(a: AffectedPull, b: AffectedPull & { readonly number: number }): number {
  return (
    CHANGE_RANK[a.change] - CHANGE_RANK[b.change] ||
    b.blocking.length + b.unblocking.length - (a.blocking.length + a.unblocking.length) ||
    a.number - b.number
  );
}

/** How a pull request's blocking changes: `was` and `will` say whether it fails before and after. */
function changeOf(was: boolean, will: boolean): PullChange {
  if (!was && will) return 'block';
  return was && !will ? 'unblock' : 'stay';
}

/** Compares one pull request's verdicts before and after. */
export function diffVerdicts(
  before: Verdict,
  after: Verdict,
): { change: PullChange; blocking: BlockingKey[]; unblocking: BlockingKey[] } {
  const was = conclusionOf(before) === 'failure';
  const will = conclusionOf(after) === 'failure';
  const b = blockers(before);
  const a = blockers(after);
  return {
    change: changeOf(was, will),
    blocking: a.filter((k) => !b.includes(k)),
    unblocking: b.filter((k) => !a.includes(k)),
  };
}

/** Runs the preview (see the module comment). Never throws for a pull request's content: a gate that throws fails closed, as on the check run. */
export async function computePolicyPreview(input: PreviewInput): Promise<PolicyPreview> {
  const now = input.now ?? (() => performance.now());
  const started = now();
  const budgetMs = input.budgetMs ?? PREVIEW_BUDGET_MS;
  const sliceMs = input.sliceMs ?? PREVIEW_SLICE_MS;
  const { plan } = input;

  let resolveFor: (pull: PreviewPull) => Promise<Resolution | 'later'>;
  let note: (pull: PreviewPull) => void = () => {};
  let end = () => {};
  if (plan.scope === 'organisation') {
    const problem = checkOrganisationFiles(plan.owner, plan.current, plan.proposed);
    if (problem) return problem;
    const resolver = organisationResolver(plan.owner, plan.current, plan.proposed);
    resolveFor = (pull) => resolver.resolve(pull);
    note = (pull) => resolver.note(pull);
    end = () => resolver.end();
  } else {
    if (plan.proposed.kind === 'invalid')
      return { kind: 'invalid', scope: 'repository', problems: plan.proposed.problems };
    if (plan.proposed.kind === 'load-error')
      return { kind: 'unavailable', scope: 'repository', message: plan.proposed.message };
    const same =
      plan.current.kind !== 'invalid' &&
      plan.current.kind !== 'load-error' &&
      configKey(plan.current.config) === configKey(plan.proposed.config);
    const direct: Resolution = { use: 'direct', current: plan.current, proposed: plan.proposed, same };
    const other: Resolution = { use: 'other-branch' };
    resolveFor = async (pull) => (pull.snapshot.baseRef === plan.baseRef ? direct : other);
  }

  // Each gate's settings are compiled once for the whole preview and run once per snapshot: a gate
  // the proposed file leaves alone serves both verdicts. Nothing is kept after the preview.
  const prepared = new PreparedOnce(PREPARE_FRESH);
  const repositories = new Map<number, RepositoryPreview>();
  const repositoryOf = (pull: PreviewPull, resolution: Resolution): RepositoryPreview => {
    let repo = repositories.get(pull.repositoryId);
    if (!repo) {
      repo = {
        repositoryId: pull.repositoryId,
        repository: pull.repository,
        visible: isVisible(input.visibility, pull.repositoryId, pull.repository),
        use: resolution.use,
        extendsValue: resolution.extendsValue,
        open: 0,
        idle: 0,
        blocked: 0,
        unblocked: 0,
        stay: 0,
        byGate: new Map(),
        mostAffected: [],
      };
      repositories.set(pull.repositoryId, repo);
    }
    return repo;
  };

  let otherBranch = 0;
  const judge = (pull: PreviewPull, resolution: Resolution) => {
    if (resolution.use === 'other-branch') return void otherBranch++;
    const repo = repositoryOf(pull, resolution);
    if (!AFFECTED_USES.has(resolution.use)) return void repo.idle++;
    // Pull requests into different base branches may see different files: any judged by the org file makes the repository a user of it.
    if (!AFFECTED_USES.has(repo.use)) repo.use = resolution.use;
    repo.open++;
    if (resolution.same) {
      repo.stay++;
      return;
    }
    const snapshot = input.readAt ? { ...pull.snapshot, readAt: input.readAt } : pull.snapshot;
    const before = verdictUnder(snapshot, resolution.current!, prepared);
    const after = verdictUnder(snapshot, resolution.proposed!, prepared);
    const diff = diffVerdicts(before, after);
    if (diff.change === 'block') repo.blocked++;
    else if (diff.change === 'unblock') repo.unblocked++;
    else repo.stay++;
    for (const k of diff.blocking) bump(repo.byGate, k).block++;
    for (const k of diff.unblocking) bump(repo.byGate, k).unblock++;
    if (diff.change === 'stay' && diff.blocking.length === 0 && diff.unblocking.length === 0) return;
    const host = pull.snapshot.repository.host || 'github.com';
    const affected: AffectedPull = {
      number: pull.number,
      title: pull.snapshot.title,
      url: `https://${host}/${pull.repository}/pull/${pull.number}`,
      ...diff,
    };
    keepMostAffected(repo.mostAffected, affected);
  };

  let previewed = 0;
  let partial = false;
  let sliceStart = now();
  const later: PreviewPull[] = [];
  outer: for await (const page of input.pages) {
    for (const pull of page) note(pull);
    for (const pull of page) {
      if (pull.repository.toLowerCase() === input.ownRepository.toLowerCase() && pull.number === input.ownNumber)
        continue;
      if (now() - sliceStart >= sliceMs) {
        await setImmediate();
        sliceStart = now();
        if (now() - started >= budgetMs) {
          partial = true;
          break outer;
        }
      }
      const resolution = await resolveFor(pull);
      if (resolution === 'later') {
        later.push(pull);
        continue;
      }
      judge(pull, resolution);
      previewed++;
    }
  }
  end();
  for (const pull of partial ? [] : later) {
    const resolution = await resolveFor(pull);
    if (resolution !== 'later') judge(pull, resolution);
    previewed++;
  }

  const list = [...repositories.values()].sort(
    (a, b) => b.blocked - a.blocked || b.unblocked - a.unblocked || a.repository.localeCompare(b.repository),
  );
  const using = list.filter((r) => AFFECTED_USES.has(r.use));
  const sum = (f: (r: RepositoryPreview) => number) => using.reduce((n, r) => n + f(r), 0);
  return {
    kind: 'ok',
    scope: plan.scope,
    ownRepository: input.ownRepository,
    repositories: list,
    totals: {
      open: sum((r) => r.open),
      blocked: sum((r) => r.blocked),
      unblocked: sum((r) => r.unblocked),
      stay: sum((r) => r.stay),
      repositories: using.length,
      blockedRepositories: using.filter((r) => r.blocked > 0).length,
    },
    unseen: unseenBesides(input),
    otherBranch,
    unreadable: input.unreadable?.() ?? 0,
    partial: partial ? { previewed, stored: input.stored, budgetMs } : undefined,
    durationMs: Math.round(now() - started),
  };
}

/** The open pull requests without a snapshot, less the one that changes the file (its snapshot is being taken). */
function unseenBesides(input: PreviewInput): Extract<PolicyPreview, { kind: 'ok' }>['unseen'] {
  const own = (u: { repository: string; number: number }) =>
    u.repository.toLowerCase() === input.ownRepository.toLowerCase() && u.number === input.ownNumber;
  const listed = input.unseen.listed.filter((u) => !own(u));
  return {
    total: input.unseen.total - (input.unseen.listed.length - listed.length),
    listed: listed.map((u) => ({ ...u, visible: isVisible(input.visibility, u.repositoryId, u.repository) })),
  };
}

function bump(map: Map<BlockingKey, { block: number; unblock: number }>, key: BlockingKey) {
  let entry = map.get(key);
  if (!entry) map.set(key, (entry = { block: 0, unblock: 0 }));
  return entry;
}

function keepMostAffected(list: AffectedPull[], pull: AffectedPull): void {
  if (list.length === MOST_AFFECTED && moreAffected(pull, list[list.length - 1]!) >= 0) return;
  list.push(pull);
  list.sort(moreAffected);
  if (list.length > MOST_AFFECTED) list.pop();
}
