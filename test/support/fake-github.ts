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
    type Callback = (error: Error | null, answer: [number, Record<string, unknown>, Record<string, string>]) => void;
    const answer = (method: string) => (uri: string, body: unknown, callback: Callback) => {
      let status: number;
      let data: unknown;
      try {
        [status, data] = this.handle(method, uri, body);
      } catch (error) {
        callback(error as Error, [0, {}, {}]); // an injected dropped connection
        return;
      }
      const headers = { 'x-ratelimit-remaining': '4321', 'x-ratelimit-resource': uri === '/graphql' ? 'graphql' : 'core', ...this.lastHeaders };
      callback(null, [status, data as Record<string, unknown>, headers]);
    };
    for (const method of ['post', 'patch', 'get'] as const) {
      const interceptor = scope[method](/.*/);
      (options.delayMs ? interceptor.delay(options.delayMs) : interceptor).reply(answer(method.toUpperCase()));
    }
  }
}
