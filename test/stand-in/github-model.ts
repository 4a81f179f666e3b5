/**
 * One installation's repository on the stand-in, with the API tests and the benchmark were
 * written against: `addPull`, `setBlob`, `setOrgFile`, `setTeam`, `runsOn`, `requests`,
 * `count`, `graphqlCount`, `writeCount`, `fail`, `onWrite`, `checkRuns`, …
 *
 * A `GitHubModel` makes its own stand-in (its own GitHub), or joins a shared one (`standIn`),
 * so many installations, organisations and repositories can live behind one server. Its
 * organisation (`owner`) is an Organization account; the app is installed on all its
 * repositories. The repository is private; the organisation's `.github` repository, once a
 * file is put there, is public (as GitHub's community-health repositories are).
 */
import {
  EXAMPLE_BASE,
  fakeOid,
  GitHub,
  type AddPullInput,
  type CheckRun,
  type Commit,
  type FileContent,
  type HookDelivery,
  type PullRequest,
  type Repository,
} from './model.js';
import { StandIn, type Injected, type RecordedRequest } from './stand-in.js';

export type {
  CheckRun as FakeCheckRun,
  Commit as FakeCommit,
  PullFile as FakeFile,
  PullRequest as FakePull,
  Review as FakeReview,
} from './model.js';
export type { Injected, RecordedRequest } from './stand-in.js';
export type { HookDelivery } from './model.js';

export interface GitHubModelOptions {
  owner?: string;
  repo?: string;
  appId?: number;
  installationId?: number;
  /** Keep request bodies in `requests` (default true); the benchmark turns it off to keep its own memory flat. */
  recordBodies?: boolean;
  /** Join this stand-in rather than making a new one. */
  standIn?: StandIn;
  /** The app's public key (PEM): the stand-in then verifies the app's JWTs. */
  appPublicKey?: string;
}

/** Called whenever a check run is created or updated, with the run as it now is. */
export type WriteListener = (run: CheckRun, method: 'POST' | 'PATCH') => void;

export class GitHubModel {
  readonly owner: string;
  readonly repo: string;
  readonly appId: number;
  readonly installationId: number;
  readonly standIn: StandIn;
  readonly world: GitHub;
  readonly repository: Repository;
  readonly #shared: boolean;

  constructor(options: GitHubModelOptions = {}) {
    this.owner = options.owner ?? 'Codertocat';
    this.repo = options.repo ?? 'Hello-World';
    this.appId = options.appId ?? 1;
    this.installationId = options.installationId ?? 1;
    this.#shared = options.standIn !== undefined;
    this.standIn = options.standIn ?? new StandIn(new GitHub(), { recordBodies: options.recordBodies ?? true });
    this.world = this.standIn.world;
    this.world.addOrganization(this.owner);
    this.world.addApp(this.appId, {
      slug: 'quality-gates',
      name: 'Quality Gates',
      ...(options.appPublicKey ? { publicKey: options.appPublicKey } : {}),
    });
    this.repository =
      this.world.repository(this.owner, this.repo) ??
      this.world.addRepository(`${this.owner}/${this.repo}`, { isPrivate: true, defaultBranchOid: EXAMPLE_BASE });
    this.world.install(this.appId, this.installationId, this.owner);
  }

  /** This app's webhook deliveries as GitHub logs them (`/app/hook/deliveries`), for the recovery tests. */
  readonly deliveries = new HookDeliveries(this);

  get pulls(): Map<number, PullRequest> {
    return this.repository.pulls;
  }

  /** Files by commit sha, then path (a commit also shows its first parent's other files). */
  get blobs(): Map<string, Map<string, FileContent>> {
    return this.repository.blobs;
  }

  get checkRuns(): CheckRun[] {
    return this.repository.checkRuns;
  }

  /** This installation's requests (all requests, when the stand-in is its own). */
  get requests(): RecordedRequest[] {
    return this.#shared ? this.standIn.requestsOf(this.installationId) : this.standIn.requests;
  }

  /** Blobs larger than this many bytes come back from GraphQL truncated, as GitHub does (~512 KB). */
  get truncateBlobsOver(): number {
    return this.standIn.blobTextLimit;
  }
  set truncateBlobsOver(bytes: number) {
    this.standIn.blobTextLimit = bytes;
  }

  /** Told about every check-run write in this repository (the benchmark timestamps completions with it). */
  get onWrite(): WriteListener | undefined {
    return this.repository.onWrite;
  }
  set onWrite(listener: WriteListener | undefined) {
    this.repository.onWrite = listener;
  }

  /** Injected failures: a function returning a fault for a request, or undefined. */
  get fail(): ((req: RecordedRequest) => Injected | undefined) | undefined {
    return this.standIn.fail;
  }
  set fail(fn: ((req: RecordedRequest) => Injected | undefined) | undefined) {
    this.standIn.fail = fn;
  }

  /** Headers of the last answer. */
  get lastHeaders(): Record<string, string> {
    return this.standIn.lastHeaders;
  }

  /** Puts a team (slug, any case) with these members in this model's organisation. */
  setTeam(slug: string, members: string[]): void {
    this.world.setTeam(this.owner, slug, members);
  }

  addPull(overrides: AddPullInput): PullRequest {
    return this.world.addPull(this.repository, overrides);
  }

  /** Puts a file on a commit (e.g. the base commit); `HEAD` is the default branch's commit. */
  setBlob(sha: string, path: string, text: FileContent): void {
    this.repository.setFile(sha === 'HEAD' ? this.repository.resolveRevision('HEAD')! : sha, path, text);
  }

  /**
   * Puts a file on the default branch of another repository (`owner/name`, created when new:
   * in this organisation, so the app sees it; elsewhere, public).
   */
  setRepoFile(fullName: string, path: string, text: string): void {
    const [owner, name] = fullName.split('/') as [string, string];
    const repo =
      this.world.repository(owner, name) ??
      this.world.addRepository(fullName, { defaultBranchOid: fakeOid(fullName, 'main') });
    repo.setFile(repo.resolveRevision('HEAD')!, path, text);
  }

  /**
   * A pull request of another repository of the network (a fork of this one, created when new)
   * that GitHub associates with commit `oid`.
   */
  addForeignAssociatedPull(
    oid: string,
    pull: { number: number; state: PullRequest['state']; headRefOid: string; baseRefOid: string; repository: string },
  ): PullRequest {
    const [owner, name] = pull.repository.split('/') as [string, string];
    const repo =
      this.world.repository(owner, name) ??
      this.world.addRepository(pull.repository, {
        parent: this.repository.fullName,
        defaultBranchOid: pull.baseRefOid,
      });
    const commit = this.repository.commit(oid) ?? { oid, message: 'Commit' };
    return this.world.addPull(repo, {
      number: pull.number,
      state: pull.state,
      headRefOid: pull.headRefOid,
      baseRefOid: pull.baseRefOid,
      headRepository: this.repository.fullName,
      commits: [commit],
    });
  }

  /** A commit that no pull request lists (a merge-queue commit, a moved base), child of `parent`. */
  addCommit(oid: string, parent?: string, details: Partial<Commit> = {}): Commit {
    return this.repository.addCommit({ oid, message: details.message ?? 'Commit', ...details }, parent);
  }

  /**
   * Commits on the default branch. `add` merges a commit into it (a merge commit moves the
   * branch; open pull requests keep their base), so GitHub lists only merged pull requests
   * for it in `associatedPullRequests`.
   */
  readonly defaultBranchCommits = {
    add: (oid: string): void => {
      const repo = this.repository;
      const tip = repo.resolveRevision('HEAD');
      const merge = fakeOid('merge', tip ?? '', oid);
      repo.addCommit({ oid: merge, message: `Merge ${oid.slice(0, 7)}`, parents: tip ? [tip, oid] : [oid] });
      repo.refs.set(repo.defaultBranch, merge);
    },
    has: (oid: string): boolean => {
      const tip = this.repository.resolveRevision('HEAD');
      return tip !== undefined && this.repository.ancestors(tip).has(oid);
    },
  };

  /** The organisation's `.github` repository (created, public, when first asked for). */
  orgRepository(): Repository {
    return (
      this.world.repository(this.owner, '.github') ??
      this.world.addRepository(`${this.owner}/.github`, { defaultBranchOid: 'a0'.repeat(20) })
    );
  }

  /** Puts a file on the default branch of the organisation's `.github` repository. */
  setOrgFile(path: string, text: string): void {
    const org = this.orgRepository();
    org.setFile(org.refs.get(org.defaultBranch)!, path, text);
  }

  runsOn(sha: string): CheckRun[] {
    return this.repository.runsOn(sha);
  }

  count(predicate: (r: RecordedRequest) => boolean): number {
    return this.requests.filter(predicate).length;
  }

  get graphqlCount(): number {
    return this.count((r) => r.path === '/graphql');
  }

  get writeCount(): number {
    return this.count((r) => r.path.includes('/check-runs'));
  }

  /** An installation token for this model's installation (for a client that does not sign in as the app). */
  installationToken(): string {
    return this.standIn.issueToken(this.installationId).token;
  }
}

const ATTEMPTS = /^\/app\/hook\/deliveries\/(\d+)\/attempts$/;

/**
 * GitHub's log of one app's webhook deliveries, on the stand-in: every attempt is one entry with
 * its own `id`; a redelivery shares the `guid` of the delivery it repeats and says
 * `redelivery: true`; the list is newest first, paged with an opaque cursor in the `link` header;
 * `POST …/attempts` answers 202 and GitHub attempts the delivery after `redeliveryDelayMs`, really
 * sending it — signed — to `target` when set, and recording the status the app answered.
 */
export class HookDeliveries {
  constructor(readonly model: GitHubModel) {}

  /** Every attempt, oldest first. */
  get attempts(): HookDelivery[] {
    return this.model.world.apps.get(this.model.appId)!.deliveries;
  }

  /** One original delivery, `minutesAgo` before now, that got `status` (0: no connection). */
  deliver(event: string, payload: Record<string, unknown>, status: number, minutesAgo = 1): HookDelivery {
    const { world } = this.model;
    return world.addDelivery(
      this.model.appId,
      {
        event,
        action: typeof payload.action === 'string' ? payload.action : null,
        status_code: status,
        delivered_at: new Date(world.clock() - minutesAgo * 60_000).toISOString(),
        installation_id: this.model.installationId,
      },
      payload,
    );
  }

  /** Attempts of `guid`, oldest first. */
  of(guid: string): HookDelivery[] {
    return this.attempts.filter((a) => a.guid === guid);
  }

  /** The delivery ids of every accepted `POST …/attempts`, in order. */
  get asked(): number[] {
    return this.model.standIn.requests
      .filter((r) => r.method === 'POST' && r.status === 202 && ATTEMPTS.test(r.path))
      .map((r) => Number(ATTEMPTS.exec(r.path)![1]));
  }

  /** The `GET /app/hook/deliveries` requests made (one per page). */
  get listed(): number {
    return this.model.standIn.requests.filter(
      (r) => r.method === 'GET' && /^\/app\/hook\/deliveries(?:\?|$)/.test(r.path),
    ).length;
  }

  /** How many times each guid was asked for. */
  askedPerGuid(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const id of this.asked) {
      const guid = this.attempts.find((a) => a.id === id)!.guid;
      counts.set(guid, (counts.get(guid) ?? 0) + 1);
    }
    return counts;
  }

  /** Resolves when every accepted redelivery has been attempted. */
  settled(): Promise<void> {
    return this.model.standIn.redeliveriesSettled();
  }

  /** Where a redelivery is sent; without it, a redelivery attempt records `outcome`. */
  get target(): { url: string; secret: string } | undefined {
    return this.model.standIn.webhookTarget;
  }
  set target(target: { url: string; secret: string } | undefined) {
    this.model.standIn.webhookTarget = target;
  }

  /** How long after the 202 GitHub makes the attempt. */
  get redeliveryDelayMs(): number {
    return this.model.standIn.redeliveryDelayMs;
  }
  set redeliveryDelayMs(ms: number) {
    this.model.standIn.redeliveryDelayMs = ms;
  }
}
