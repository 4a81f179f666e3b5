/**
 * The PR lifecycle around the check run (docs/behaviour.md#the-check-run): config-changing PRs and their
 * preview, per-gate runs, huge PRs, on_error, drafts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeGitHub } from '../support/fake-github.js';
import { BASE, freshApp, type Harness, HEAD, pullRequestPayload, resetNock } from '../support/harness.js';

const CONFIG = '.github/quality-gates.yml';

let fake: FakeGitHub;
let h: Harness;
beforeEach(async () => ({ fake, h } = await freshApp()));
afterEach(() => resetNock());

describe('a PR that changes .github/quality-gates.yml', () => {
  it('is judged by the base file and previews what the proposed file would conclude', async () => {
    fake.setBlob(BASE, CONFIG, 'gates:\n  batch-size:\n    max_lines: 400\n');
    fake.setBlob(HEAD, CONFIG, 'gates:\n  batch-size:\n    max_lines: 1\n');
    const pull = fake.addPull({ number: 2, files: [{ path: CONFIG, additions: 1, deletions: 1 }] });
    await h.receive('pull_request', pullRequestPayload(fake, pull));

    const run = fake.runsOn(HEAD)[0]!;
    expect(run.conclusion).toBe('success');
    expect(run.output.summary).toContain('## Preview: the proposed configuration');
    expect(run.output.summary).toContain('the proposed file applies after merge');
    expect(run.output.summary).toContain(
      'With the proposed file, this pull request would conclude **failure** (Blocked: batch-size).',
    );
    expect(fake.graphqlCount).toBe(1);
  });

  it('shows the proposed file’s validation errors', async () => {
    fake.setBlob(HEAD, CONFIG, 'gates:\n  batch-size:\n    max_lines: many\n');
    const pull = fake.addPull({
      number: 3,
      files: [{ path: CONFIG, additions: 3, deletions: 0, changeType: 'ADDED' }],
    });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    const run = fake.runsOn(HEAD)[0]!;
    expect(run.conclusion).toBe('success');
    expect(run.output.summary).toContain('The proposed file is invalid');
    expect(run.output.summary).toContain('`gates.batch-size.max_lines`: must be a whole number; found "many"');
  });

  it('shows no preview when the PR does not touch the config', async () => {
    fake.setBlob(HEAD, CONFIG, 'gates:\n  batch-size:\n    max_lines: 1\n');
    const pull = fake.addPull({ number: 4 });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(fake.runsOn(HEAD)[0]!.output.summary).not.toContain('Preview');
  });
});

describe('checks.per_gate', () => {
  it('posts one run per gate beside the aggregate, each with its own conclusion', async () => {
    fake.setBlob(
      BASE,
      CONFIG,
      'checks:\n  per_gate: true\ngates:\n  linked-ticket:\n    mode: warn\n  batch-size:\n    max_lines: 1\n',
    );
    const pull = fake.addPull({ number: 5, title: 'No ticket' });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    const runs = Object.fromEntries(fake.runsOn(HEAD).map((r) => [r.name, r.conclusion]));
    expect(runs).toEqual({
      'Quality Gates': 'failure',
      'Quality Gates / batch-size': 'failure',
      'Quality Gates / linked-ticket': 'success',
      'Quality Gates / tests-touched': 'success',
      'Quality Gates / signed-commits': 'success',
      'Quality Gates / codeowners-review': 'neutral',
    });
    // re-delivery writes nothing
    const writes = fake.writeCount;
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'edited'));
    expect(fake.writeCount).toBe(writes);
    expect(fake.runsOn(HEAD)).toHaveLength(6);
  });
});

describe('a PR larger than GitHub lists', () => {
  it('never passes by accident: gates that cannot see everything fail with that reason', async () => {
    const files = Array.from({ length: 3000 }, (_, i) => ({ path: `docs/p${i}.md`, additions: 0, deletions: 0 }));
    const pull = fake.addPull({ number: 6, files, changedFiles: 3500 });
    fake.setBlob(BASE, CONFIG, 'gates:\n  batch-size:\n    max_files: 100000\n    max_lines: 100000\n');
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    const run = fake.runsOn(HEAD)[0]!;
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).toContain('GitHub lists at most 3,000 of this pull request');
    expect(run.output.summary).toMatch(/\| `tests-touched` \| ❌ fail \|/);
    expect(fake.graphqlCount).toBe(30);
    expect(fake.writeCount).toBe(1);
  });
});

describe('on_error', () => {
  it('uses the repository’s last known on_error when GitHub cannot be read', async () => {
    fake.setBlob(BASE, CONFIG, 'on_error: neutral\n');
    const pull = fake.addPull({ number: 7 });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(fake.runsOn(HEAD)[0]!.conclusion).toBe('success');

    fake.fail = (r) => (r.path === '/graphql' ? 503 : undefined);
    pull.title = 'changed';
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'edited'));
    const run = fake.runsOn(HEAD)[0]!;
    expect(run).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(run.output.title).toBe('Evaluation error');
    expect(fake.runsOn(HEAD)).toHaveLength(1);
  });
});

describe('drafts', () => {
  it('goes back to a neutral skipped run when converted to draft', async () => {
    const pull = fake.addPull({ number: 8 });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(fake.runsOn(HEAD)[0]!.conclusion).toBe('success');
    pull.isDraft = true;
    await h.receive('pull_request', pullRequestPayload(fake, pull, 'converted_to_draft'));
    expect(fake.runsOn(HEAD)[0]!.conclusion).toBe('neutral');
    expect(fake.runsOn(HEAD)).toHaveLength(1);
  });

  it('evaluates drafts when skip.drafts is false', async () => {
    fake.setBlob(BASE, CONFIG, 'skip:\n  drafts: false\n');
    const pull = fake.addPull({ number: 9, isDraft: true });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(fake.runsOn(HEAD)[0]!.conclusion).toBe('success');
  });
});
