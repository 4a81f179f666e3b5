/**
 * Many installations behind one stand-in (one GitHub): one `GitHubModel` per installation,
 * each its own organisation (`<label>-<id>`) with one repository the app is installed on.
 *
 * It also timestamps every completed check-run write, so the benchmark can measure
 * webhook → completed check run without asking the app.
 */
import { createHash } from 'node:crypto';
import { GitHubModel, type RecordedRequest } from '../test/stand-in/github-model.js';
import { GitHub } from '../test/stand-in/model.js';
import { StandIn } from '../test/stand-in/stand-in.js';

/** A deterministic 40-hex "commit sha" from any parts. */
export function sha(...parts: (string | number)[]): string {
  return createHash('sha1').update(parts.join(':')).digest('hex');
}

/** What one evaluation (or a run of them) cost on GitHub, by kind of request. */
export interface RequestCounts {
  /** `POST /graphql`, every operation. */
  graphql: number;
  /** Of which: the snapshot query. */
  snapshot: number;
  /** Of which: further pages of 100. */
  pages: number;
  /** Of which: team-member reads (CODEOWNERS teams). */
  teams: number;
  /** Check-run writes (POST/PATCH …/check-runs). */
  writes: number;
  /** Installation-token requests (cached by the app for an hour; counted apart). */
  tokens: number;
  /** Anything else (should be 0). */
  other: number;
}

export const NO_REQUESTS: RequestCounts = {
  graphql: 0,
  snapshot: 0,
  pages: 0,
  teams: 0,
  writes: 0,
  tokens: 0,
  other: 0,
};

export function countRequests(requests: readonly RecordedRequest[]): RequestCounts {
  const c = { ...NO_REQUESTS };
  for (const r of requests) {
    if (r.path === '/graphql') {
      c.graphql++;
      if (r.operation === 'QualityGatesSnapshot') c.snapshot++;
      else if (r.operation === 'QualityGatesPage') c.pages++;
      else if (r.operation?.startsWith('QualityGatesTeamMembers')) c.teams++;
    } else if (r.path.includes('/check-runs')) c.writes++;
    else if (/\/access_tokens$/.test(r.path)) c.tokens++;
    else c.other++;
  }
  return c;
}

export function addCounts(a: RequestCounts, b: RequestCounts): RequestCounts {
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof RequestCounts)[]) out[k] += b[k];
  return out;
}

export class Fleet {
  /** The one stand-in every installation lives on; serve it with `startStandInServer`. */
  readonly standIn: StandIn;
  readonly #byInstallation = new Map<number, GitHubModel>();
  /** Head sha → time (performance.now()) its first completed check run was written. */
  readonly #completed = new Map<string, number>();
  readonly #waiters = new Map<string, ((at: number) => void)[]>();
  #nextInstallation = 1;

  constructor(
    readonly appId: number,
    options: { recordBodies?: boolean } = {},
  ) {
    // The benchmark measures the app, not GitHub's hourly limits: no installation runs out.
    this.standIn = new StandIn(new GitHub(), { recordBodies: options.recordBodies ?? false, rateLimit: 1_000_000_000 });
  }

  /** A new installation: organisation `<label>-<id>`, repository `app`. */
  add(label = 'inst'): GitHubModel {
    const id = this.#nextInstallation++;
    const model = new GitHubModel({
      owner: `${label}-${id}`,
      repo: 'app',
      appId: this.appId,
      installationId: id,
      standIn: this.standIn,
    });
    model.onWrite = (run) => {
      if (run.status !== 'completed' || this.#completed.has(run.head_sha)) return;
      const at = performance.now();
      this.#completed.set(run.head_sha, at);
      for (const resolve of this.#waiters.get(run.head_sha) ?? []) resolve(at);
      this.#waiters.delete(run.head_sha);
    };
    this.#byInstallation.set(id, model);
    return model;
  }

  get models(): GitHubModel[] {
    return [...this.#byInstallation.values()];
  }

  /** Resolves with the time the first completed check run on `headSha` was written. */
  completion(headSha: string): Promise<number> {
    const done = this.#completed.get(headSha);
    if (done !== undefined) return Promise.resolve(done);
    return new Promise((resolve) => {
      const list = this.#waiters.get(headSha) ?? [];
      list.push(resolve);
      this.#waiters.set(headSha, list);
    });
  }

  /** Requests recorded so far, over every installation. */
  counts(models: readonly GitHubModel[] = this.models): RequestCounts {
    return models.reduce((sum, m) => addCounts(sum, countRequests(m.requests)), { ...NO_REQUESTS });
  }

  /** Forgets recorded requests (keeps the benchmark's own memory flat on long runs). */
  clearRequests(): void {
    this.standIn.requests.length = 0;
    for (const m of this.#byInstallation.values()) m.requests.length = 0;
  }
}
