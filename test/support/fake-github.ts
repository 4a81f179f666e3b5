/**
 * The in-memory GitHub model behind nock, for app and loader tests. Strict: real
 * network is disabled, and every request is recorded so tests can assert exactly
 * which calls were made.
 */
import nock from 'nock';
import { GitHubModel } from '../../bench/stand-in/github-model.js';

export type { FakeCheckRun, FakeCommit, FakeFile, FakePull, FakeReview, RecordedRequest } from '../../bench/stand-in/github-model.js';

export const API = 'https://api.github.com';

export class FakeGitHub extends GitHubModel {
  /** Installs the nock interceptors (persisting until `nock.cleanAll()`). */
  install(): void {
    nock.disableNetConnect();
    const scope = nock(API).persist();
    const answer = (method: string) => (uri: string, body: unknown) => this.handle(method, uri, body) as [number, Record<string, unknown>];
    scope.post(/.*/).reply(answer('POST'));
    scope.patch(/.*/).reply(answer('PATCH'));
    scope.get(/.*/).reply(answer('GET'));
  }
}
