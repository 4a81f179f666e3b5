/**
 * The app's private key, converted once at start-up to the form the JWT signer uses.
 *
 * GitHub hands out PKCS#1 keys (`BEGIN RSA PRIVATE KEY`). Octokit's JWT signer
 * (universal-github-app-jwt) only signs with PKCS#8, so it converts a PKCS#1 key on every
 * JWT it makes, that is on every installation-token request: about 1.5 ms of CPU on the
 * event loop each, eight of them in a burst over eight installations. Converting once here
 * leaves the signer nothing to do. The key is found exactly as Probot finds it
 * (`PRIVATE_KEY`, escaped or base64; `PRIVATE_KEY_PATH`; a single `*.pem` in the working
 * directory) and is never logged.
 */
import { createPrivateKey } from 'node:crypto';
import { getPrivateKey } from '@probot/get-private-key';

const PKCS1 = '-----BEGIN RSA PRIVATE KEY-----';

/**
 * The PKCS#8 PEM of the key Probot would load from `env`; null when there is none, or when it
 * cannot be read or converted (Probot then reports the problem in its own words).
 */
export function pkcs8PrivateKey(env: NodeJS.ProcessEnv): string | null {
  let key: string | null;
  try {
    key = getPrivateKey({ env });
  } catch {
    return null;
  }
  if (!key) return null;
  if (!key.includes(PKCS1)) return key;
  try {
    return createPrivateKey(key).export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch {
    return null;
  }
}
