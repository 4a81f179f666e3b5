/**
 * Merge queue (docs/behaviour.md#merge-queue): on `merge_group.checks_requested` the app posts a
 * `success` run, under the base branch's configured check name, on the group's
 * head commit — its pull requests passed already — so requiring the check does
 * not stall the queue. Costs one GraphQL read (the name, through src/load) and one write.
 */
import type { Logger } from 'pino';
import { fingerprint, writeRun, type ChecksApi, type RunStore } from '../checks/writer.js';
import { readMergeGroupConfig } from '../load/config-files.js';
import type { GraphqlClient } from '../load/loader.js';
import type { Metrics } from '../ops/metrics.js';

export interface MergeGroupJob {
  readonly owner: string;
  readonly repo: string;
  readonly baseSha: string;
  readonly headSha: string;
  readonly installationId: number;
  readonly delivery: string;
}

export interface MergeGroupDeps {
  readonly graphql: GraphqlClient;
  readonly checks: ChecksApi;
  readonly memory: RunStore;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
}

export async function passMergeGroup(deps: MergeGroupDeps, job: MergeGroupJob): Promise<void> {
  const log = deps.log.child({
    delivery: job.delivery,
    event: 'merge_group',
    installation: job.installationId,
    repo: `${job.owner}/${job.repo}`,
    sha: job.headSha,
  });
  let name = 'Quality Gates';
  try {
    const config = await readMergeGroupConfig(deps.graphql, job);
    if (config.kind === 'ok' || config.kind === 'missing') name = config.config.checks.name;
  } catch (error) {
    log.warn({ err: error }, 'could not read the check name for the merge group; using the default');
  }
  const run = {
    name,
    conclusion: 'success' as const,
    title: 'Merge group: pull requests passed',
    summary:
      'Every pull request in this merge group passed the Quality Gates before it was queued; the group is not evaluated again.',
  };
  const result = await writeRun(
    deps.checks,
    deps.memory,
    { owner: job.owner, repo: job.repo, headSha: job.headSha },
    run,
    [],
  );
  deps.metrics?.checkRunWrites.inc({ result });
  deps.metrics?.evaluations.inc({ conclusion: 'success', verdict: 'merge-group' });
  log.info({ outcome: result, conclusion: 'success', name, externalId: fingerprint(run) }, 'merge group passed');
}
