/**
 * Issue 16, item 7: `quality_gates_evaluations_total` tells runs that judged the pull
 * request from "Configuration error" and "Evaluation error" runs, which conclude
 * `failure` too, through its `verdict` label.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { FakeGitHub } from '../support/fake-github.js';
import { examplePayload, freshApp, type Harness, pullRequestPayload, resetNock, retarget } from '../support/harness.js';

let fake: FakeGitHub;
let h: Harness;
beforeEach(async () => ({ fake, h } = await freshApp()));
afterEach(() => resetNock());

const head = (n: number) => n.toString(16).padStart(40, 'c');

it('labels each evaluation with its verdict: evaluated, skipped, config-error, error, or none', async () => {
  // a blocked PR and a passing one: both judged
  const blocked = fake.addPull({ number: 2, title: 'No ticket', headRefOid: head(2) });
  const passing = fake.addPull({ number: 3, headRefOid: head(3) });
  const draft = fake.addPull({ number: 4, isDraft: true, headRefOid: head(4) });
  for (const pull of [blocked, passing, draft]) await h.receive('pull_request', pullRequestPayload(fake, pull));

  // the base file of another branch is invalid
  const BAD_BASE = 'b'.repeat(40);
  fake.setBlob(BAD_BASE, '.github/quality-gates.yml', 'gates:\n  batch-size:\n    max_line: 1\n');
  const badConfig = fake.addPull({ number: 5, baseRefOid: BAD_BASE, headRefOid: head(5) });
  await h.receive('pull_request', pullRequestPayload(fake, badConfig));

  // GitHub cannot be read: "Evaluation error", failure
  fake.fail = (r) => (r.path === '/graphql' ? 502 : undefined);
  const broken = fake.addPull({ number: 6, headRefOid: head(6) });
  await h.receive('pull_request', pullRequestPayload(fake, broken));
  fake.fail = undefined;

  // a merge group is passed, not judged
  const group = retarget(fake, examplePayload('merge_group', 'checks_requested'));
  fake.addCommit(group.merge_group.head_sha, group.merge_group.base_sha);
  await h.receive('merge_group', group);

  const text = await h.app.metrics.registry.metrics();
  for (const line of [
    'quality_gates_evaluations_total{conclusion="failure",verdict="evaluated"} 1',
    'quality_gates_evaluations_total{conclusion="success",verdict="evaluated"} 1',
    'quality_gates_evaluations_total{conclusion="neutral",verdict="skipped"} 1',
    'quality_gates_evaluations_total{conclusion="failure",verdict="config-error"} 1',
    'quality_gates_evaluations_total{conclusion="failure",verdict="error"} 1',
    'quality_gates_evaluations_total{conclusion="success",verdict="merge-group"} 1',
  ]) {
    expect(text).toContain(line);
  }
});

it('labels an evaluation that reached no verdict "none"', async () => {
  const closed = fake.addPull({ number: 7, state: 'CLOSED' });
  await h.receive('pull_request', pullRequestPayload(fake, closed));
  expect(await h.app.metrics.registry.metrics()).toContain(
    'quality_gates_evaluations_total{conclusion="not-open",verdict="none"} 1',
  );
});
