/**
 * The gates added after the first five (pr-description, conventional-title, branch-age) through the
 * whole app and the schema-executing stand-in: what they read comes from the one snapshot query
 * (the base branch's template at the base commit, `createdAt`, `baseRef.compare`), each evaluation
 * is still one GraphQL read and one check-run write, and "now" is the app's injected clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PULL_REQUEST_TEMPLATE_PATHS } from '../../gates/snapshot.js';
import type { FakeGitHub, FakePull } from '../support/fake-github.js';
import { BASE, freshApp, type Harness, HEAD, pullRequestPayload, resetNock } from '../support/harness.js';

/** The app's clock: every evaluation happens at this instant. */
const NOW = Date.parse('2026-03-15T12:00:00Z');
const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(NOW - days * DAY).toISOString();

const TEMPLATE = '## What\n\n<!-- Describe the change -->\n\n## Why\n\n- [ ] Tests added\n- [ ] Docs updated\n';

let fake: FakeGitHub;
let h: Harness;
afterEach(() => resetNock());

async function start(config: string): Promise<void> {
  ({ fake, h } = await freshApp({ app: { now: () => NOW } }));
  fake.setBlob(BASE, '.github/quality-gates.yml', `defaults:\n  mode: off\n${config}`);
}

const row = (summary: string, id: string) => summary.split('\n').find((l) => l.startsWith(`| \`${id}\``)) ?? '';
const requests = () =>
  fake.requests.filter((r) => !r.path.includes('access_tokens')).map((r) => r.operation ?? `${r.method} check-runs`);
const snapshotVariables = () =>
  (fake.requests.find((r) => r.operation === 'QualityGatesSnapshot')?.body as { variables: Record<string, string> })
    .variables;

async function evaluate(pull: Partial<FakePull>): Promise<string> {
  const pr = fake.addPull({ number: 7, ...pull });
  await h.receive('pull_request', pullRequestPayload(fake, pr));
  const runs = fake.runsOn(pr.headRefOid);
  expect(runs).toHaveLength(1);
  expect(requests()).toEqual(['QualityGatesSnapshot', 'POST check-runs']);
  return runs[0]!.output.summary;
}

describe('pr-description through the app', () => {
  const config = 'gates:\n  pr-description:\n    mode: block\n    sections: [What, Why]\n';

  it('fails a body left as the base branch template, read at the base commit in the snapshot query', async () => {
    await start(config);
    fake.setBlob(BASE, '.github/pull_request_template.md', TEMPLATE);
    const summary = await evaluate({ body: TEMPLATE });
    expect(row(summary, 'pr-description')).toContain('❌ fail');
    expect(row(summary, 'pr-description')).toContain('the pull-request template of the base branch, not filled in');
    expect(summary).toContain('`.github/pull_request_template.md`');
    // Every template location is read at the base commit, never at the head.
    const variables = snapshotVariables();
    const expressions = Object.entries(variables)
      .filter(([k]) => /^template\d+Expr$/.test(k))
      .map(([, v]) => v);
    expect(expressions).toContain(`${BASE}:.github/pull_request_template.md`);
    expect(expressions).toContain(`${BASE}:docs/PULL_REQUEST_TEMPLATE.md`);
    expect(expressions.every((e) => e.startsWith(`${BASE}:`))).toBe(true);
  });

  it.each(PULL_REQUEST_TEMPLATE_PATHS)('finds the template at %s', async (path) => {
    await start(config);
    fake.setBlob(BASE, path, TEMPLATE);
    const summary = await evaluate({ body: `${TEMPLATE}\n<!-- nothing more -->` });
    expect(row(summary, 'pr-description')).toContain('not filled in');
    expect(summary).toContain(`\`${path}\``);
  });

  it('passes a filled-in template', async () => {
    await start(config);
    fake.setBlob(BASE, 'PULL_REQUEST_TEMPLATE.md', TEMPLATE);
    const summary = await evaluate({
      body: TEMPLATE.replace('<!-- Describe the change -->', 'Adds the refunds endpoint.').replace(
        '## Why\n',
        '## Why\nCustomers ask for refunds.\n',
      ),
    });
    expect(row(summary, 'pr-description')).toContain('✅ pass');
  });

  it("ignores a fork's own template: only the base branch's is boilerplate", async () => {
    await start(config);
    fake.setBlob(BASE, '.github/pull_request_template.md', TEMPLATE);
    // The fork ships a template of its own at its head commit, hoping its lines count as nothing -- or as text.
    const forkTemplate =
      '## What\n\nThis template belongs to the fork and is long enough.\n\n## Why\n\nBecause the fork says so, at length.\n';
    fake.setBlob(HEAD, '.github/pull_request_template.md', forkTemplate);
    const summary = await evaluate({ headRepository: 'mallory/Hello-World', body: TEMPLATE });
    expect(row(summary, 'pr-description')).toContain('not filled in');
    expect(
      Object.values(snapshotVariables()).some(
        (v) => typeof v === 'string' && v.startsWith(`${HEAD}:.github/pull_request`),
      ),
    ).toBe(false);
  });

  it('fails an empty body (GitHub sends `body: null` in the webhook)', async () => {
    await start(config);
    const pr = fake.addPull({ number: 8, body: '' });
    const payload = pullRequestPayload(fake, pr);
    payload.pull_request.body = null;
    await h.receive('pull_request', payload);
    const summary = fake.runsOn(pr.headRefOid)[0]!.output.summary;
    expect(row(summary, 'pr-description')).toContain('The description is empty');
  });
});

describe('conventional-title through the app', () => {
  const config = 'gates:\n  conventional-title:\n    mode: block\n';

  it('quotes a hostile title inertly and proposes a corrected one from its words', async () => {
    await start(config);
    const title = 'Add refunds | `rm -rf` <img src=x onerror=alert(1)> @acme/everyone [x](https://evil.example)';
    const summary = await evaluate({ title });
    const line = row(summary, 'conventional-title');
    expect(line).toContain('❌ fail');
    expect(line).toContain('has no type prefix');
    // The title is in a code span: no raw HTML, mention or link outside it.
    expect(line).toContain(
      '``Add refunds \\| `rm -rf` <img src=x onerror=alert(1)> @acme/everyone [x](https://evil.example)``',
    );
    expect(summary).toContain('feat: add refunds');
  });

  it.each([
    ['feat!: drop the v1 API', '✅ pass'],
    ['fix(api/v2): 修复登录错误 🎉', '✅ pass'],
    ['✨ feat: sparkles', '❌ fail'],
  ])('%s → %s', async (title, status) => {
    await start(config);
    expect(row(await evaluate({ title }), 'conventional-title')).toContain(status);
  });
});

describe('branch-age through the app', () => {
  const config = 'gates:\n  branch-age:\n    mode: block\n    max_days: 14\n    max_behind: 2\n';

  /** Moves the base branch `n` commits past the pull request's base commit. */
  function advanceBase(n: number): void {
    let parent = BASE;
    for (let i = 1; i <= n; i++) {
      const oid = `${i}`.repeat(40).slice(0, 40).replace(/^./, 'c');
      fake.addCommit(oid, parent);
      parent = oid;
    }
    fake.repository.refs.set(fake.repository.defaultBranch, parent);
  }

  it('passes a pull request opened exactly max_days ago, one commit ahead and none behind', async () => {
    await start(config);
    const summary = await evaluate({ createdAt: daysAgo(14) });
    expect(row(summary, 'branch-age')).toContain('✅ pass');
    expect(row(summary, 'branch-age')).toContain('Open 14 days (limit 14 days); 0 commits behind `main` (limit 2)');
    expect(summary).toContain('1 commit ahead');
  });

  it('fails one second past max_days, and when the head is behind the base by more than max_behind, with both numbers', async () => {
    await start(config);
    advanceBase(3);
    const summary = await evaluate({ createdAt: new Date(NOW - 14 * DAY - 1000).toISOString() });
    const line = row(summary, 'branch-age');
    expect(line).toContain('❌ fail');
    expect(line).toContain('Open more than 14 days (limit 14 days); 3 commits behind `main` (limit 2)');
    expect(summary).toContain('git rebase origin/main');
    expect(summary).toContain('git merge origin/main');
    expect(summary).toContain('smaller pull requests');
  });

  it('says "not compared" when the base branch was deleted, and the age still decides', async () => {
    await start(config);
    const pr = fake.addPull({ number: 9, baseRefName: 'release', createdAt: daysAgo(2) });
    fake.repository.deleteBranch('release');
    await h.receive('pull_request', pullRequestPayload(fake, pr));
    const line = row(fake.runsOn(pr.headRefOid)[0]!.output.summary, 'branch-age');
    expect(line).toContain('✅ pass');
    expect(line).toContain('behind `release`: not compared');
    expect(requests()).toEqual(['QualityGatesSnapshot', 'POST check-runs']);
  });

  it.each(['error', 'null'] as const)(
    'says "not compared" when GitHub cannot compare (%s), in the same one read',
    async (how) => {
      await start(config);
      fake.repository.compareUnavailable = how;
      const summary = await evaluate({ createdAt: daysAgo(20) });
      const line = row(summary, 'branch-age');
      expect(line).toContain('❌ fail');
      expect(line).toContain('Open 20 days (limit 14 days); behind `main`: not compared');
    },
  );

  it('compares a fork’s head commit with the base branch', async () => {
    await start(config);
    advanceBase(3);
    const summary = await evaluate({ headRepository: 'mallory/Hello-World', createdAt: daysAgo(1) });
    expect(row(summary, 'branch-age')).toContain('3 commits behind `main`');
    expect(summary).toContain('git remote add upstream');
    expect(summary).toContain('git rebase upstream/main');
  });
});
