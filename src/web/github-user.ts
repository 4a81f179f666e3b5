/**
 * What GitHub says about the signed-in user, through the app's OAuth client (the Octokit OAuth
 * methods, never a hand-written token exchange): the web flow's URL and code exchange, the user,
 * the token's revocation, and the repositories the user-to-server token can read among this
 * app's installations — the whole of the insights' authorisation (docs/insights.md,
 * "Authorisation").
 */
import { deleteToken, exchangeWebFlowCode, getWebFlowAuthorizationUrl } from '@octokit/oauth-methods';
import { Octokit } from '@octokit/rest';
import { LRUCache } from 'lru-cache';
import type { InsightsSettings } from './settings.js';

/** A repository the user can read. */
export interface ReadableRepository {
  readonly id: number;
  readonly fullName: string;
}

export interface SignedInUser {
  readonly id: number;
  readonly login: string;
  readonly token: string;
  /** When the token expires (epoch ms), if GitHub said. */
  readonly tokenExpiresAt: number | undefined;
}

/** GitHub answered that the token no longer works (revoked or expired): sign in again. */
export class TokenRejectedError extends Error {
  override readonly name = 'TokenRejectedError';
}

/** How long what GitHub said about a session's access is reused. */
export const ACCESS_CACHE_TTL_MS = 5 * 60_000;
/** Sessions whose access is cached at once (least recently used dropped first). */
const ACCESS_CACHE_MAX = 1_000;
/** At most this many repositories are read per user (100 pages of 100). */
export const MAX_READABLE_REPOSITORIES = 10_000;
const TIMEOUT_MS = 10_000;

export class GitHubUsers {
  readonly #settings: InsightsSettings;
  readonly #octokit: Octokit;
  readonly #access: LRUCache<string, ReadonlyMap<number, ReadableRepository>, string>;

  constructor(settings: InsightsSettings, now: () => number) {
    this.#settings = settings;
    this.#octokit = new Octokit({ baseUrl: settings.apiUrl, userAgent: 'quality-gates-insights' });
    this.#access = new LRUCache({
      max: ACCESS_CACHE_MAX,
      ttl: ACCESS_CACHE_TTL_MS,
      perf: { now },
      // One request to GitHub per session at a time, whatever the pages asked together.
      fetchMethod: async (_sid, _stale, { context }) => this.#listReadable(context),
    });
  }

  /** GitHub's authorize page for a new sign-in (the base URL follows GHE_HOST). */
  authorizeUrl(state: string): string {
    return getWebFlowAuthorizationUrl({
      clientType: 'github-app',
      clientId: this.#settings.clientId,
      state,
      request: this.#octokit.request,
      ...this.#redirect(),
    }).url;
  }

  /** Exchanges the callback's code for a user-to-server token, and reads who it belongs to. */
  async signIn(code: string): Promise<SignedInUser> {
    const { authentication } = await exchangeWebFlowCode({
      clientType: 'github-app',
      clientId: this.#settings.clientId,
      clientSecret: this.#settings.clientSecret,
      code,
      request: this.#octokit.request.defaults({ request: { signal: AbortSignal.timeout(TIMEOUT_MS) } }),
      ...this.#redirect(),
    });
    const expiresAt =
      'expiresAt' in authentication && authentication.expiresAt ? Date.parse(authentication.expiresAt) : undefined;
    const { data } = await this.#user(authentication.token).request('GET /user');
    return { id: Number(data.id), login: data.login, token: authentication.token, tokenExpiresAt: expiresAt };
  }

  /** Revokes the token at GitHub (sign-out); failures are the caller's to log. */
  async revoke(token: string, sid: string): Promise<void> {
    this.#access.delete(sid);
    await deleteToken({
      clientType: 'github-app',
      clientId: this.#settings.clientId,
      clientSecret: this.#settings.clientSecret,
      token,
      request: this.#octokit.request,
    });
  }

  /**
   * The repositories the session's token can read among this app's installations, by id; cached
   * per session for ACCESS_CACHE_TTL_MS. Throws `TokenRejectedError` on a 401.
   */
  async readable(sid: string, token: string): Promise<ReadonlyMap<number, ReadableRepository>> {
    const found = await this.#access.fetch(sid, { context: token });
    if (!found) throw new Error('the readable repositories could not be listed');
    return found;
  }

  async #listReadable(token: string): Promise<ReadonlyMap<number, ReadableRepository>> {
    const octokit = this.#user(token);
    const repositories = new Map<number, ReadableRepository>();
    try {
      const installations = octokit.paginate.iterator('GET /user/installations', { per_page: 100 });
      for await (const page of installations) {
        for (const installation of page.data) {
          const listed = octokit.paginate.iterator('GET /user/installations/{installation_id}/repositories', {
            installation_id: installation.id,
            per_page: 100,
          });
          for await (const repos of listed) {
            for (const repo of repos.data) repositories.set(repo.id, { id: repo.id, fullName: repo.full_name });
            if (repositories.size >= MAX_READABLE_REPOSITORIES) return repositories;
          }
        }
      }
    } catch (error) {
      if ((error as { status?: number }).status === 401)
        throw new TokenRejectedError('GitHub no longer accepts the session token', { cause: error });
      throw error;
    }
    return repositories;
  }

  #user(token: string): Octokit {
    return new Octokit({
      auth: token,
      baseUrl: this.#settings.apiUrl,
      userAgent: 'quality-gates-insights',
      request: { signal: AbortSignal.timeout(TIMEOUT_MS) },
    });
  }

  /** The callback URL when PUBLIC_URL is set; otherwise GitHub uses the app's registered one. */
  #redirect(): { redirectUrl?: string } {
    return this.#settings.publicUrl ? { redirectUrl: `${this.#settings.publicUrl}${CALLBACK_PATH}` } : {};
  }
}

export const CALLBACK_PATH = '/insights/auth/callback';
