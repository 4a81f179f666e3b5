/**
 * Runs the organisation policy preview (docs/policy-preview.md) for an evaluation: decides whether
 * the pull request calls for one (it changes `.github/quality-gates.yml`), reads what the history
 * store holds (stored open-PR snapshots, repositories' visibility, open pull requests without a
 * snapshot; no GitHub request), runs `computePolicyPreview`, and logs and measures it. Never
 * throws: the history being off or down makes the preview "unavailable", never the check run.
 */
import type { Logger } from 'pino';
import { CONFIG_PATH } from '../../gates/config.js';
import type { ConfigResult } from '../load/config/resolve.js';
import type { LoadedPullRequest } from '../load/loader.js';
import type { Metrics } from '../ops/metrics.js';
import type { History } from '../store/history.js';
import {
  knownRepositories,
  openPullRequestCounts,
  openPullRequestPages,
  unseenOpenPullRequests,
  type OpenPullRequestFilter,
} from '../store/open-pull-requests.js';
import {
  computePolicyPreview,
  PREVIEW_BUDGET_MS,
  type PolicyPreview,
  type PreviewPlan,
  type PreviewPull,
} from './policy-preview.js';

/** Open pull requests without a snapshot listed at most (the rest counted). */
const UNSEEN_LIMIT = 200;
/** How long the preview waits for the history database to open. */
const DATABASE_WAIT_MS = 5_000;

export interface PolicyPreviewRequest {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  /** The repository's id (the history's key), from the webhook. */
  readonly repositoryId?: number | undefined;
  readonly plan: PreviewPlan;
  /** When the evaluation read GitHub (the snapshot's `readAt`): "now" for branch-age in the preview, not each snapshot's capture time. */
  readonly readAt?: string | undefined;
}

/** Runs a preview; given to the evaluation by the app (`policyPreviewRunner`). */
export type PolicyPreviewRunner = (request: PolicyPreviewRequest, log: Logger) => Promise<PolicyPreview>;

/**
 * What the evaluated pull request calls for: an organisation preview (it changes the file in the
 * organisation's `.github` repository, into its default branch), a repository preview (it changes
 * its own repository's file), or none. `current` and `proposed`: the effective configs the
 * evaluation resolved for the base branch and for the proposed file.
 */
export function policyPreviewPlan(
  loaded: LoadedPullRequest,
  current: ConfigResult,
  proposed: ConfigResult | undefined,
): PreviewPlan | undefined {
  const pr = loaded.snapshot;
  if (!pr.files.nodes.some((f) => f.path === CONFIG_PATH)) return undefined;
  const before = loaded.repoConfig?.text ?? null;
  const after = loaded.proposedConfig?.text ?? null;
  if (before === after) return undefined;
  if (pr.repository.name.toLowerCase() === '.github' && pr.baseRef === pr.repository.defaultBranch) {
    return { scope: 'organisation', owner: pr.repository.owner, current: before, proposed: after };
  }
  if (!proposed) return undefined;
  return { scope: 'repository', baseRef: pr.baseRef, current, proposed };
}

/** The runner over the app's history (`HISTORY=off` or none: every preview says it is unavailable). */
export function policyPreviewRunner(
  history: Partial<Pick<History, 'enabled' | 'database'>> | undefined,
  metrics: Metrics | undefined,
): PolicyPreviewRunner {
  return async (request, log) => {
    const started = performance.now();
    const { plan } = request;
    const finish = (preview: PolicyPreview): PolicyPreview => {
      const seconds = (performance.now() - started) / 1000;
      let outcome: string = preview.kind;
      if (preview.kind === 'ok' && preview.partial) outcome = 'partial';
      metrics?.policyPreviewDuration.observe({ scope: plan.scope, outcome }, seconds);
      if (preview.kind === 'ok') {
        const t = preview.totals;
        metrics?.policyPreviewPulls.inc({ scope: plan.scope, change: 'block' }, t.blocked);
        metrics?.policyPreviewPulls.inc({ scope: plan.scope, change: 'unblock' }, t.unblocked);
        metrics?.policyPreviewPulls.inc({ scope: plan.scope, change: 'stay' }, t.stay);
        log.info(
          {
            scope: plan.scope,
            outcome,
            open: t.open,
            blocked: t.blocked,
            unblocked: t.unblocked,
            stay: t.stay,
            repositories: t.repositories,
            blockedRepositories: t.blockedRepositories,
            unseen: preview.unseen.total,
            unreadable: preview.unreadable,
            durationMs: Math.round(seconds * 1000),
          },
          'policy preview finished',
        );
      } else {
        log.info(
          {
            scope: plan.scope,
            outcome,
            reason: preview.kind === 'unavailable' ? preview.message : undefined,
            durationMs: Math.round(seconds * 1000),
          },
          'policy preview finished',
        );
      }
      return preview;
    };
    if (!history?.enabled || !history.database)
      return finish({
        kind: 'unavailable',
        scope: plan.scope,
        message: 'the history is off (HISTORY=off), so no open pull request is stored to judge again',
      });
    try {
      const db = await Promise.race([
        history.database(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('the history database did not open in time')), DATABASE_WAIT_MS).unref(),
        ),
      ]);
      const filter: OpenPullRequestFilter =
        plan.scope === 'repository' && request.repositoryId
          ? { repositoryIds: [request.repositoryId] }
          : { owner: request.owner };
      const own = `${request.owner}/${request.repo}`.toLowerCase();
      const keep =
        plan.scope === 'repository' ? (p: { repository: string }) => p.repository.toLowerCase() === own : () => true;
      const [privateById, unseen, counts] = await Promise.all([
        knownRepositories(db, request.owner),
        unseenOpenPullRequests(db, filter, UNSEEN_LIMIT),
        openPullRequestCounts(db, filter),
      ]);
      let unreadable = 0;
      const pages = openPullRequestPages(db, filter, {
        onUnreadable: (repositoryId, number, error) => {
          unreadable++;
          log.warn(
            { repositoryId, number, err: error },
            'stored snapshot could not be read; left out of the policy preview',
          );
        },
      });
      const kept = async function* (): AsyncGenerator<PreviewPull[]> {
        for await (const page of pages) yield page.filter(keep);
      };
      const preview = await computePolicyPreview({
        plan,
        ownRepository: `${request.owner}/${request.repo}`,
        ownNumber: request.number,
        readAt: request.readAt,
        pages: kept(),
        stored: counts.filter(keep).reduce((n, c) => n + Number(c.open), 0),
        visibility: {
          privateById: new Map([...privateById].map(([id, r]) => [id, r.private])),
          ownRepository: `${request.owner}/${request.repo}`,
        },
        unseen:
          plan.scope === 'repository'
            ? { total: unseen.listed.filter(keep).length, listed: unseen.listed.filter(keep) }
            : unseen,
        unreadable: () => unreadable,
        budgetMs: PREVIEW_BUDGET_MS,
      });
      return finish(preview);
    } catch (error) {
      log.warn({ err: error }, 'policy preview unavailable: the history database cannot be read');
      return finish({
        kind: 'unavailable',
        scope: plan.scope,
        message: 'the history database cannot be read right now; re-run this check later',
      });
    }
  };
}
