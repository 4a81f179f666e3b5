/**
 * The store's public index as the integration calls it (src/store/index.ts): a verdict and the
 * webhooks of a pull request's life go in; the evaluation, its gates, the pull request and its
 * open snapshot come out, and the close deletes the snapshot. The calls never throw, and with
 * `HISTORY=off` they do not even build a record.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../gates/config.js';
import { runGates } from '../../src/pipeline/run-gates.js';
import {
  historySettingsFromEnv,
  insights,
  loadOpenPullRequests,
  startHistory,
  type EvaluationInput,
  type History,
} from '../../src/store/index.js';
import { aSnapshot } from '../support/builders.js';
import { examplePayload } from '../support/harness.js';
import { capturingLog, historyMetrics, OPEN_TIMEOUT_MS, silent } from './support.js';

const histories: History[] = [];
afterAll(async () => {
  for (const h of histories) await h.close(0);
});

function started(env: Record<string, string>) {
  const { log, lines } = capturingLog();
  const { metrics, value } = historyMetrics();
  const history = startHistory({
    settings: historySettingsFromEnv(env),
    log,
    metrics,
    recorder: { flushDelayMs: 1, probeIntervalMs: 0 },
  });
  histories.push(history);
  return { history, lines, value };
}

/** A pull request of the example payloads, evaluated as the app would. */
function evaluated(payload: ReturnType<typeof examplePayload>): EvaluationInput {
  const pr = aSnapshot({ number: payload.pull_request.number, headSha: 'a'.repeat(40), title: 'Add a thing' });
  return {
    repository: {
      id: payload.repository.id,
      fullName: payload.repository.full_name,
      installationId: payload.installation.id,
    },
    number: pr.number,
    headSha: pr.headSha,
    event: 'pull_request.opened',
    deliveryId: 'delivery-1',
    at: Date.parse('2026-03-02T10:00:00Z'),
    verdict: { kind: 'evaluated', outcomes: runGates(pr, DEFAULT_CONFIG), notes: [] },
    pr,
    repoConfig: 'gates:\n  batch-size:\n    max_lines: 300\n',
  };
}

describe('the store’s public index', () => {
  it(
    'records a verdict and a pull request’s life from its webhooks; the close deletes the open snapshot',
    async () => {
      const { history } = started({ DATA_DIR: ':memory:' });
      const opened = examplePayload('pull_request', 'opened');
      history.recordWebhook('pull_request', opened);
      history.recordVerdict(evaluated(opened));
      history.recordVerdict(evaluated(opened)); // the same delivery again: a retry adds nothing
      expect(await history.drained(OPEN_TIMEOUT_MS)).toBe(true);
      const db = await history.database();
      expect(
        await db.selectFrom('evaluations').select(['pr_number', 'trigger_event', 'delivery_id']).execute(),
      ).toEqual([
        { pr_number: opened.pull_request.number, trigger_event: 'pull_request.opened', delivery_id: 'delivery-1' },
      ]);
      expect((await db.selectFrom('gate_results').select('gate_id').execute()).length).toBe(
        runGates(aSnapshot(), DEFAULT_CONFIG).length,
      );
      const [open] = await loadOpenPullRequests(db, { owner: opened.repository.owner.login });
      expect(open).toMatchObject({
        number: opened.pull_request.number,
        repoConfig: 'gates:\n  batch-size:\n    max_lines: 300\n',
      });
      expect(open!.snapshot.title).toBe('Add a thing');

      const closed = examplePayload('pull_request', 'closed');
      const closedAt = '2026-03-03T09:00:00Z';
      history.recordWebhook('pull_request', {
        ...closed,
        pull_request: {
          ...closed.pull_request,
          number: opened.pull_request.number,
          closed_at: closedAt,
          updated_at: closedAt,
        },
      });
      expect(await history.drained(10_000)).toBe(true);
      expect(await loadOpenPullRequests(db, { owner: opened.repository.owner.login })).toEqual([]);
      const pr = await db
        .selectFrom('pull_requests')
        .select(['state', 'opened_at', 'closed_at', 'evaluations'])
        .executeTakeFirstOrThrow();
      expect(pr).toMatchObject({
        state: 'closed',
        opened_at: new Date(opened.pull_request.created_at),
        closed_at: new Date(closedAt),
        evaluations: 1,
      });
      const scope = {
        repositoryIds: [opened.repository.id],
        from: new Date('2026-03-01T00:00:00Z'),
        to: new Date('2026-03-09T00:00:00Z'),
      };
      expect((await insights.weeklyActivity(db, scope)).find((w) => w.week === '2026-03-02')).toMatchObject({
        evaluatedPrs: 1,
        evaluations: 1,
      });
    },
    OPEN_TIMEOUT_MS,
  );

  it('never throws into the caller: what cannot be built is dropped, counted and logged; other events are ignored', async () => {
    const { history, lines, value } = started({ DATA_DIR: ':memory:' });
    const broken = {
      ...evaluated(examplePayload('pull_request', 'opened')),
      verdict: { kind: 'evaluated', outcomes: null },
    } as unknown as EvaluationInput;
    expect(() => history.recordVerdict(broken)).not.toThrow();
    expect(() => history.recordWebhook('pull_request', null)).not.toThrow();
    expect(() => history.recordWebhook('issues', examplePayload('pull_request', 'opened'))).not.toThrow();
    expect(await value('quality_gates_history_dropped_total', { reason: 'invalid' })).toBe(1);
    expect(lines().find((l) => l.msg === 'history record could not be built; dropped')).toMatchObject({
      kind: 'evaluation',
      level: 50,
    });
    expect(history.health().historyBuffered).toBe(0);
  });

  it('with HISTORY=off builds nothing: the verdict and the payload are not even read', () => {
    const history = startHistory({
      settings: historySettingsFromEnv({ HISTORY: 'off' }),
      log: silent,
      metrics: historyMetrics().metrics,
    });
    let reads = 0;
    const watched = <T extends object>(value: T) =>
      new Proxy(value, {
        get: (target, key, receiver) => {
          reads++;
          return Reflect.get(target, key, receiver);
        },
      });
    history.recordVerdict(watched(evaluated(examplePayload('pull_request', 'opened'))));
    history.recordWebhook('pull_request', watched(examplePayload('pull_request', 'closed')));
    expect(reads).toBe(0);
    expect(history.health()).toEqual({ history: 'off' });
  });
});
