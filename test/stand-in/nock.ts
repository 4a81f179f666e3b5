/**
 * The stand-in behind nock, for app tests: every request to the API origin is answered by
 * the stand-in (real network stays disabled, loopback aside for tests that start a server).
 * What the stand-in calls a violation is recorded, not only answered: the test support runs
 * `assertClean()` after each test, so an unexpected request fails the test that made it.
 */
import nock from 'nock';
import type { StandIn } from './stand-in.js';

export const API = 'https://api.github.com';

/** Installs persistent interceptors on `origin` (until `nock.cleanAll()`). */
export function interceptWithNock(standIn: StandIn, options: { origin?: string; delayMs?: number } = {}): void {
  const origin = options.origin ?? API;
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  const scope = nock(origin).persist();
  type Callback = (error: Error | null, answer?: [number, unknown, Record<string, string>]) => void;
  for (const method of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const) {
    const interceptor = scope.intercept(/.*/, method);
    (options.delayMs ? interceptor.delay(options.delayMs) : interceptor).reply(function reply(
      this: { req: { headers: Record<string, string> } },
      uri: string,
      body: unknown,
      callback: Callback,
    ) {
      const answer = standIn.handle({
        method,
        path: uri,
        headers: this.req.headers,
        body: body === '' ? undefined : body,
        origin,
      });
      if (answer === 'drop') {
        callback(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
        return;
      }
      callback(null, [answer.status, answer.body, answer.headers]);
    } as never);
  }
}
