/**
 * GitHub's log of the app's webhook deliveries, behind nock, as GitHub keeps it: every
 * attempt is one entry with its own `id`, a redelivery shares the `guid` of the delivery it
 * repeats and says `redelivery: true`, the list is newest first and paged with an opaque
 * cursor in the `link` header, and `POST …/attempts` answers 202 at once and delivers
 * later. A redelivery is really sent — signed — to the app's webhook URL when `target` is set,
 * and its attempt records the status the app answered.
 *
 * Install it before `FakeGitHub.install()`: nock tries interceptors in the order they were
 * registered, and the fake's catch-all would answer these routes first.
 */
import { createHmac } from 'node:crypto';
import nock from 'nock';
import type { HookDelivery } from '../../src/ops/redeliver.js';
import { API } from './fake-github.js';

export interface FakeAttempt extends HookDelivery {
  readonly redelivery: boolean;
}

export class FakeDeliveries {
  /** Every attempt, oldest first. */
  readonly attempts: FakeAttempt[] = [];
  /** The delivery ids of every `POST …/attempts`, in order. */
  readonly asked: number[] = [];
  /** The `GET /app/hook/deliveries` requests made (one per page). */
  listed = 0;
  /** Where a redelivery is sent; without it, a redelivery attempt records `outcome`. */
  target: { url: string; secret: string } | undefined;
  /** The status a redelivery records when there is no `target`. */
  outcome = 200;
  /** How long after the 202 GitHub makes the attempt. */
  redeliveryDelayMs = 10;
  readonly #payloads = new Map<string, { event: string; payload: Record<string, unknown> }>();
  readonly #pending = new Set<Promise<void>>();
  #nextId = 1_000;
  #guids = 0;

  /** One original delivery, `minutesAgo` before now, that got `status` (0: no connection). */
  deliver(event: string, payload: Record<string, unknown>, status: number, minutesAgo = 1): FakeAttempt {
    const guid = `0000${++this.#guids}-guid`;
    this.#payloads.set(guid, { event, payload });
    return this.#record(guid, event, payload, status, Date.now() - minutesAgo * 60_000, false);
  }

  /** Attempts of `guid`, oldest first. */
  of(guid: string): FakeAttempt[] {
    return this.attempts.filter((a) => a.guid === guid);
  }

  /** How many times each guid was asked for. */
  askedPerGuid(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const id of this.asked) {
      const guid = this.attempts.find((a) => a.id === id)!.guid;
      counts.set(guid, (counts.get(guid) ?? 0) + 1);
    }
    return counts;
  }

  /** Resolves when every accepted redelivery has been attempted. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  install(): void {
    const scope = nock(API).persist();
    scope
      .get('/app/hook/deliveries')
      .query(true)
      .reply((uri) => {
        this.listed++;
        const query = new URL(uri, API).searchParams;
        const perPage = Math.min(100, Number(query.get('per_page') ?? 30));
        const newestFirst = [...this.attempts].sort((a, b) => b.id - a.id);
        const cursor = query.get('cursor');
        const start = cursor ? newestFirst.findIndex((a) => `v1_${a.id}` === cursor) : 0;
        if (start < 0) return [422, { message: 'Invalid cursor' }];
        const page = newestFirst.slice(start, start + perPage);
        const after = newestFirst[start + perPage];
        const link = after ? { link: `<${API}/app/hook/deliveries?per_page=${perPage}&cursor=v1_${after.id}>; rel="next"` } : {};
        return [200, page, link];
      })
      .post(/^\/app\/hook\/deliveries\/\d+\/attempts$/)
      .reply((uri) => {
        const id = Number(/deliveries\/(\d+)\//.exec(uri)![1]);
        const attempt = this.attempts.find((a) => a.id === id);
        if (!attempt) return [404, { message: 'Not Found' }];
        this.asked.push(id);
        const pending = new Promise<void>((resolve) => setTimeout(resolve, this.redeliveryDelayMs)).then(() => this.#redeliver(attempt.guid));
        this.#pending.add(pending);
        void pending.finally(() => this.#pending.delete(pending));
        return [202, {}];
      });
  }

  async #redeliver(guid: string): Promise<void> {
    const { event, payload } = this.#payloads.get(guid)!;
    let status = this.outcome;
    if (this.target) {
      const body = JSON.stringify(payload);
      const signature = `sha256=${createHmac('sha256', this.target.secret).update(body).digest('hex')}`;
      try {
        const res = await fetch(this.target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': guid, 'x-hub-signature-256': signature },
          body,
        });
        status = res.status;
        await res.text();
      } catch {
        status = 0;
      }
    }
    this.#record(guid, event, payload, status, Date.now(), true);
  }

  #record(guid: string, event: string, payload: Record<string, unknown>, status: number, at: number, redelivery: boolean): FakeAttempt {
    const attempt: FakeAttempt = {
      id: this.#nextId++,
      guid,
      delivered_at: new Date(at).toISOString(),
      redelivery,
      status_code: status,
      event,
      action: typeof payload.action === 'string' ? payload.action : null,
    };
    this.attempts.push(attempt);
    return attempt;
  }
}
