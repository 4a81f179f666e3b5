/**
 * The in-memory GitHub model behind nock, for app and loader tests. Strict: real
 * network is disabled (loopback aside, for tests that start a real server), and
 * every request is recorded so tests can assert exactly which calls were made.
 */
import nock from 'nock';
import { GitHubModel } from '../../bench/stand-in/github-model.js';

export type { FakeCheckRun, FakeCommit, FakeFile, FakePull, FakeReview, RecordedRequest } from '../../bench/stand-in/github-model.js';

export const API = 'https://api.github.com';

export class FakeGitHub extends GitHubModel {
  /** Installs the nock interceptors (persisting until `nock.cleanAll()`). */
  install(options: { delayMs?: number } = {}): void {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    const scope = nock(API).persist();
    const answer = (method: string) => (uri: string, body: unknown) => {
      const [status, data] = this.handle(method, uri, body);
      const headers = { 'x-ratelimit-remaining': '4321', 'x-ratelimit-resource': uri === '/graphql' ? 'graphql' : 'core' };
      return [status, data as Record<string, unknown>, headers] as [number, Record<string, unknown>, Record<string, string>];
    };
    for (const method of ['post', 'patch', 'get'] as const) {
      const interceptor = scope[method](/.*/);
      (options.delayMs ? interceptor.delay(options.delayMs) : interceptor).reply(answer(method.toUpperCase()));
    }
  }
}
