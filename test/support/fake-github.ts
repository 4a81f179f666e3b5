/**
 * The GitHub stand-in (test/stand-in/) behind nock, for app and loader tests. Strict: real
 * network is disabled (loopback aside, for tests that start a real server), every request
 * is recorded, and after each test every stand-in installed in it must be clean — a request
 * for a route it does not know, a GraphQL document GitHub would reject or a field it does not
 * model fails that test, even when the app swallowed the 404 or the error.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach } from 'vitest';
import { GitHubModel, type GitHubModelOptions } from '../stand-in/github-model.js';
import { API, interceptWithNock } from '../stand-in/nock.js';

export type {
  FakeCheckRun,
  FakeCommit,
  FakeFile,
  FakePull,
  FakeReview,
  RecordedRequest,
} from '../stand-in/github-model.js';
export { API };

let cachedKey: string | undefined;
/** The app's private key in the tests (PKCS#1, as GitHub hands it out); the stand-in verifies JWTs with it. */
export function testPrivateKey(): string {
  cachedKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs1', format: 'pem' })
    .toString();
  return cachedKey;
}

const installed = new Set<FakeGitHub>();

/** Throws when a stand-in installed since the last check saw a problem; forgets them. Run after every test. */
export function checkInstalledStandIns(): void {
  const dirty = [...installed];
  installed.clear();
  for (const fake of dirty) fake.standIn.assertClean();
}

afterEach(checkInstalledStandIns);

export class FakeGitHub extends GitHubModel {
  constructor(options: GitHubModelOptions = {}) {
    super({ appPublicKey: testPrivateKey(), ...options });
  }

  /** Installs the nock interceptors (persisting until `nock.cleanAll()`); the stand-in is checked after the test. */
  install(options: { delayMs?: number } = {}): void {
    interceptWithNock(this.standIn, options);
    installed.add(this);
  }
}
