/**
 * A pull request — from a fork or not — cannot change its own verdict by editing
 * the files that define the rules: config, CODEOWNERS and .gitattributes are read
 * at the base commit only.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { FakeGitHub } from './support/fake-github.js';
import { BASE, freshApp, type Harness, HEAD, pullRequestPayload, resetNock } from './support/harness.js';

let fake: FakeGitHub;
let h: Harness;
beforeEach(async () => ({ fake, h } = await freshApp()));
afterEach(() => resetNock());

it.each([false, true])(
  'a PR (fork: %s) that rewrites config, CODEOWNERS and .gitattributes is judged by the base branch',
  async (fork) => {
    fake.setBlob(BASE, '.github/quality-gates.yml', 'gates:\n  batch-size:\n    max_lines: 10\n');
    fake.setBlob(BASE, '.github/CODEOWNERS', '* @security-owner\n');
    // the PR's own versions would pass everything
    fake.setBlob(HEAD, '.github/quality-gates.yml', 'defaults:\n  mode: off\n');
    fake.setBlob(HEAD, '.github/CODEOWNERS', '* @Codertocat\n');
    fake.setBlob(HEAD, '.gitattributes', '* linguist-generated\n');
    const pull = fake.addPull({
      number: 2,
      isCrossRepository: fork,
      files: [
        { path: '.github/quality-gates.yml', additions: 2, deletions: 2 },
        { path: '.github/CODEOWNERS', additions: 1, deletions: 1 },
        { path: '.gitattributes', additions: 1, deletions: 0, changeType: 'ADDED' },
        { path: 'docs/guide.md', additions: 40, deletions: 0 },
      ],
      reviews: [{ login: 'Codertocat', state: 'APPROVED', commitOid: HEAD }],
    });
    await h.receive('pull_request', pullRequestPayload(fake, pull));

    const vars = (
      fake.requests.find((r) => r.operation === 'QualityGatesSnapshot')!.body as { variables: Record<string, string> }
    ).variables;
    for (const name of [
      'configExpr',
      'attributesExpr',
      'codeownersGithubExpr',
      'codeownersRootExpr',
      'codeownersDocsExpr',
    ])
      expect(vars[name]!.startsWith(`${BASE}:`)).toBe(true);

    const run = fake.runsOn(HEAD)[0]!;
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toBe('Blocked: batch-size, codeowners-review');
    expect(run.output.summary).toContain('47 lines in 4 files (limit 10 lines, 50 files)');
    expect(run.output.summary).toContain('@\u200bsecurity-owner'); // a mention made inert;
    // the proposed config is only previewed, never applied
    expect(run.output.summary).toContain('## Preview: the proposed configuration');
  },
);

it('an event carrying an old base commit (base moved, or a replayed delivery) is judged by the current base', async () => {
  const OLD_BASE = 'a'.repeat(40);
  fake.setBlob(OLD_BASE, '.github/quality-gates.yml', 'defaults:\n  mode: off\n');
  fake.setBlob(BASE, '.github/quality-gates.yml', 'gates:\n  batch-size:\n    max_lines: 1\n');
  const pull = fake.addPull({ number: 3 });
  const payload = pullRequestPayload(fake, pull);
  payload.pull_request.base.sha = OLD_BASE;
  await h.receive('pull_request', payload);
  expect(fake.requests.filter((r) => r.operation).map((r) => r.operation)).toEqual([
    'QualityGatesSnapshot',
    'QualityGatesBaseFiles',
  ]);
  expect(fake.runsOn(HEAD)[0]!.output.title).toBe('Blocked: batch-size');
});
