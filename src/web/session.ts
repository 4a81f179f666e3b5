/**
 * The insights cookies (docs/security.md, "Insights sessions"). Each is sealed with AES-256-GCM
 * under a key derived from SESSION_SECRET: the browser holds it, but can neither read nor change
 * it (a changed byte fails authentication and the cookie counts as absent). The cookie's name is
 * bound into the seal, so one cookie cannot be replayed as another. Every sealed value carries
 * its own expiry, checked here; the cookie's Max-Age only tidies the browser.
 *
 * Stateless on purpose: any replica opens any session; sign-out clears the cookie and revokes the
 * user's token at GitHub, so a copied cookie stops working too.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The signed-in user, as the session cookie holds them. */
export interface Session {
  /** Random id: the key of this session's authorisation cache. */
  readonly sid: string;
  readonly userId: number;
  readonly login: string;
  /** The user-to-server token (never logged, never sent to the browser in clear). */
  readonly token: string;
  /** Epoch ms after which the session is over (at most SESSION_TTL_MS, and the token's own expiry). */
  readonly expiresAt: number;
}

/** The sign-in in progress: the OAuth `state` sent to GitHub and where to go afterwards. */
export interface SignInState {
  readonly state: string;
  readonly returnTo: string;
  readonly expiresAt: number;
}

export const SESSION_COOKIE = 'qg_session';
export const STATE_COOKIE = 'qg_oauth_state';
/** A session lasts a working day at most, whatever the token's lifetime. */
export const SESSION_TTL_MS = 8 * 3_600_000;
/** A sign-in must come back from GitHub within 10 minutes. */
export const STATE_TTL_MS = 10 * 60_000;
/** Where the cookies apply: the pages and their JSON, nothing else of the app. */
const COOKIE_PATHS = { [SESSION_COOKIE]: '/', [STATE_COOKIE]: '/insights/auth' } as const;

export class CookieSealer {
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = Buffer.from(hkdfSync('sha256', secret, 'quality-gates', 'insights cookies v1', 32));
  }

  seal(name: string, value: object): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(name));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The value sealed under `name`, or undefined when absent, altered, or sealed with another secret. */
  open(name: string, sealed: string | undefined): unknown {
    if (!sealed || sealed.length > 4096) return undefined;
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length < 12 + 16 + 2) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(name));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      const text = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString(
        'utf8',
      );
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }
}

/** A random, URL-safe token (OAuth state, session ids). */
export const randomToken = (bytes = 24): string => randomBytes(bytes).toString('base64url');

/** The request's cookies by name (the first of each name wins). */
export function readCookies(req: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at < 1) continue;
    const name = part.slice(0, at).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(at + 1).trim());
  }
  return cookies;
}

export interface CookieOptions {
  readonly secure: boolean;
  /** Seconds; 0 deletes the cookie. */
  readonly maxAge: number;
}

/** A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure behind TLS (docs/insights.md). */
export function setCookie(name: keyof typeof COOKIE_PATHS, value: string, options: CookieOptions): string {
  return [
    `${name}=${value}`,
    `Path=${COOKIE_PATHS[name]}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAge))}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The session in the request, if one is there, intact and not expired. */
export function readSession(sealer: CookieSealer, req: IncomingMessage, now: number): Session | undefined {
  const v = sealer.open(SESSION_COOKIE, readCookies(req).get(SESSION_COOKIE));
  if (!isRecord(v)) return undefined;
  const { sid, userId, login, token, expiresAt } = v;
  if (
    typeof sid !== 'string' ||
    typeof userId !== 'number' ||
    typeof login !== 'string' ||
    typeof token !== 'string' ||
    typeof expiresAt !== 'number'
  )
    return undefined;
  return expiresAt > now ? { sid, userId, login, token, expiresAt } : undefined;
}

/** The sign-in state in the request, if intact and not expired. */
export function readSignInState(sealer: CookieSealer, req: IncomingMessage, now: number): SignInState | undefined {
  const v = sealer.open(STATE_COOKIE, readCookies(req).get(STATE_COOKIE));
  if (!isRecord(v)) return undefined;
  const { state, returnTo, expiresAt } = v;
  if (typeof state !== 'string' || typeof returnTo !== 'string' || typeof expiresAt !== 'number') return undefined;
  return expiresAt > now ? { state, returnTo, expiresAt } : undefined;
}
