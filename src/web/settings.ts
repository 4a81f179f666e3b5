/**
 * The insights settings (docs/insights.md, "Settings"), read from the environment:
 * `GITHUB_CLIENT_ID`, `GITHUB_CLIENT_SECRET` (the app's OAuth client, written by Probot's
 * registration flow), `SESSION_SECRET` (seals the session cookie), `PUBLIC_URL` (optional: the
 * app's public origin), and `GHE_HOST` / `GHE_PROTOCOL` as for the rest of the app. Without the
 * three secrets the insights are off and their paths answer 404.
 */
export interface InsightsSettings {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly sessionSecret: string;
  /** GitHub's web origin (OAuth pages, links): `https://github.com` or `<proto>://<GHE_HOST>`. */
  readonly webUrl: string;
  /** GitHub's REST API: `https://api.github.com` or `<proto>://<GHE_HOST>/api/v3`. */
  readonly apiUrl: string;
  /** The app's public origin (no trailing slash), when set: forms the OAuth callback URL. */
  readonly publicUrl: string | undefined;
  /**
   * Whether the session cookie carries `Secure`: the public URL's scheme is https; without
   * PUBLIC_URL, whenever NODE_ENV=production (TLS is assumed to end in front of the app).
   */
  readonly secureCookies: boolean;
}

export class InsightsSettingsError extends Error {
  override readonly name = 'InsightsSettingsError';
}

/** The shortest SESSION_SECRET accepted: 32 characters (`openssl rand -hex 32` gives 64). */
export const MIN_SESSION_SECRET_LENGTH = 32;

/**
 * The settings, or undefined when insights are off: none of the three is set, or one is missing
 * (`onIncomplete` hears which; Probot's registration flow writes the OAuth client but no
 * SESSION_SECRET, and the app must still start). Throws `InsightsSettingsError`, whose message
 * says the fix, for a value that cannot be meant (a short SESSION_SECRET, a PUBLIC_URL that is not one).
 */
export function insightsSettingsFromEnv(
  env: NodeJS.ProcessEnv,
  onIncomplete?: (missing: string[]) => void,
): InsightsSettings | undefined {
  const clientId = env.GITHUB_CLIENT_ID?.trim() ?? '';
  const clientSecret = env.GITHUB_CLIENT_SECRET?.trim() ?? '';
  const sessionSecret = env.SESSION_SECRET ?? '';
  const missing = [
    !clientId && 'GITHUB_CLIENT_ID',
    !clientSecret && 'GITHUB_CLIENT_SECRET',
    !sessionSecret && 'SESSION_SECRET',
  ].filter((m): m is string => !!m);
  if (missing.length === 3) return undefined;
  if (missing.length > 0) {
    onIncomplete?.(missing);
    return undefined;
  }
  if (sessionSecret.length < MIN_SESSION_SECRET_LENGTH) {
    throw new InsightsSettingsError(
      `SESSION_SECRET has ${sessionSecret.length} characters; at least ${MIN_SESSION_SECRET_LENGTH} are needed. Generate one with: openssl rand -hex 32`,
    );
  }
  const publicUrl = parsePublicUrl(env.PUBLIC_URL);
  const host = env.GHE_HOST?.trim();
  const protocol = env.GHE_PROTOCOL?.trim() || 'https';
  return {
    clientId,
    clientSecret,
    sessionSecret,
    webUrl: host ? `${protocol}://${host}` : 'https://github.com',
    apiUrl: host ? `${protocol}://${host}/api/v3` : 'https://api.github.com',
    publicUrl,
    secureCookies: publicUrl ? publicUrl.startsWith('https:') : env.NODE_ENV === 'production',
  };
}

function parsePublicUrl(value: string | undefined): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InsightsSettingsError(
      `PUBLIC_URL "${text}" is not a URL. Set it to the app's public origin, e.g. https://gates.example.com`,
    );
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) {
    throw new InsightsSettingsError(
      `PUBLIC_URL "${text}" must be an http(s) origin without query or fragment, e.g. https://gates.example.com`,
    );
  }
  return url.href.replace(/\/+$/, '');
}
