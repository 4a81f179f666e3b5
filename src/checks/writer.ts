/**
 * The one writer of check runs. Creates a run the first time a name is posted on
 * a head commit and updates it in place afterwards; writes nothing when the
 * output is unchanged. Runs are always written `completed`, so a run is never
 * left `in_progress`.
 *
 * Duplicate or late webhooks never create a second run: the existing run comes
 * from the snapshot query (this app's check suites on the head commit), and a
 * memory of the runs the app wrote covers GitHub's read-after-write lag: this
 * process's (`RunMemory`), or, with several replicas, one shared through Redis
 * (src/checks/redis-run-memory.ts), since the next evaluation of a PR may run elsewhere.
 */
import { createHash } from 'node:crypto';
import type { CheckConclusion } from './verdict.js';
import { BoundedCache } from '../ops/bounded-cache.js';

/** A check run that this app already posted on the head commit. */
export interface ExistingCheckRun {
  readonly id: number;
  readonly name: string;
  readonly status: string;
  readonly conclusion: string | null;
  /** Fingerprint of the output we wrote last time (see `fingerprint` below). */
  readonly externalId: string | null;
}

export interface DesiredRun {
  readonly name: string;
  readonly conclusion: CheckConclusion;
  readonly title: string;
  readonly summary: string;
  /**
   * The open pull requests whose head is this commit, that the run was judged over
   * (src/pipeline/evaluate.ts): kept in `external_id`, which only this app can write, so the next
   * evaluation of the commit finds them even where GitHub does not list them.
   */
  readonly pulls?: readonly number[];
}

export interface RunTarget {
  readonly owner: string;
  readonly repo: string;
  readonly headSha: string;
}

/** The REST calls the writer needs (a subset of `octokit.rest.checks`). */
export interface ChecksApi {
  create(params: {
    owner: string;
    repo: string;
    name: string;
    head_sha: string;
    status: 'completed';
    conclusion: CheckConclusion;
    external_id: string;
    output: { title: string; summary: string };
  }): Promise<{ data: { id: number } }>;
  update(params: {
    owner: string;
    repo: string;
    check_run_id: number;
    name: string;
    status: 'completed';
    conclusion: CheckConclusion;
    external_id: string;
    output: { title: string; summary: string };
  }): Promise<unknown>;
}

export type WriteResult = 'created' | 'updated' | 'unchanged';

/**
 * Fingerprint of what a run shows, and the pull requests it was judged over; stored in
 * `external_id` to detect "unchanged": `qg1:<hash>` or `qg1:<hash>:pr<n>.<n>…`.
 */
export function fingerprint(run: DesiredRun): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([run.name, run.conclusion, run.title, run.summary]))
    .digest('base64url');
  const pulls = run.pulls?.length ? `:pr${run.pulls.join('.')}` : '';
  return `qg1:${hash.slice(0, 32)}${pulls}`;
}

/** The pull requests a run's `external_id` records (`fingerprint`); none for other ids. */
export function recordedPulls(externalId: string | null | undefined): number[] {
  const match = /^qg1:[A-Za-z0-9_-]{32}:pr(\d{1,9}(?:\.\d{1,9}){0,99})$/.exec(externalId ?? '');
  return match ? match[1]!.split('.').map(Number) : [];
}

/** What the app last wrote to a run, by `RunMemory.key`. */
export interface RememberedRun {
  readonly id: number;
  readonly externalId: string;
}

/** Where the runs the app wrote are remembered, for GitHub's read-after-write lag. */
export interface RunStore {
  get(key: string): RememberedRun | undefined | Promise<RememberedRun | undefined>;
  set(key: string, id: number, externalId: string): void | Promise<void>;
}

/** Remembers runs this process wrote, for GitHub's read-after-write lag. Bounded. */
export class RunMemory implements RunStore {
  readonly #ids: BoundedCache<string, { id: number; externalId: string }>;
  constructor(max = 10_000) {
    this.#ids = new BoundedCache({ max });
  }
  static key(t: RunTarget, name: string): string {
    return `${t.owner}/${t.repo}@${t.headSha}#${name}`.toLowerCase();
  }
  get(key: string) {
    return this.#ids.peek(key);
  }
  set(key: string, id: number, externalId: string): void {
    this.#ids.set(key, { id, externalId });
  }
}

export async function writeRun(
  api: ChecksApi,
  memory: RunStore,
  target: RunTarget,
  run: DesiredRun,
  existing: readonly ExistingCheckRun[],
): Promise<WriteResult> {
  const externalId = fingerprint(run);
  const key = RunMemory.key(target, run.name);
  const remembered = await memory.get(key);
  const found = existing.find((r) => r.name === run.name);
  // GitHub's read may lag our own last write to the same run: what we wrote last wins.
  let current = remembered ? { ...remembered, completed: true } : undefined;
  if (found) {
    const ours = remembered?.id === found.id;
    current = {
      id: found.id,
      externalId: ours ? remembered.externalId : (found.externalId ?? ''),
      completed: found.status === 'completed' || ours,
    };
  }

  if (current && current.completed && current.externalId === externalId) return 'unchanged';
  const output = { title: run.title, summary: run.summary };
  if (current) {
    await api.update({
      owner: target.owner,
      repo: target.repo,
      check_run_id: current.id,
      name: run.name,
      status: 'completed',
      conclusion: run.conclusion,
      external_id: externalId,
      output,
    });
    await memory.set(key, current.id, externalId);
    return 'updated';
  }
  const { data } = await api.create({
    owner: target.owner,
    repo: target.repo,
    name: run.name,
    head_sha: target.headSha,
    status: 'completed',
    conclusion: run.conclusion,
    external_id: externalId,
    output,
  });
  await memory.set(key, data.id, externalId);
  return 'created';
}
