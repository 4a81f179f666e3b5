/**
 * The organisation policy preview through the app (src/server/app.ts → src/pipeline/evaluate.ts →
 * src/pipeline/policy-preview-runner.ts), against the GitHub stand-in and the embedded database:
 * a pull request in the organisation's `.github` repository that tightens the org file gets the
 * preview in its check run, with the counts that evaluating each stored pull request under the new
 * file gives; private repositories are not named; the preview makes no GitHub request; the history
 * off leaves the run written, its conclusion unchanged, and says the preview is unavailable.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../gates/config.js';
import { runGates } from '../../src/pipeline/run-gates.js';
import type { History } from '../../src/store/index.js';
import { evaluationRecord } from '../../src/store/record-builders.js';
import { syntheticSnapshot } from '../../src/store/seed.js';
import { writeBatch } from '../../src/store/writer.js';
import { FakeGitHub } from '../support/fake-github.js';
import { BASE, HEAD, pullRequestPayload, resetNock, startHarness, type Harness } from '../support/harness.js';
import { emptyHistory, OPEN_TIMEOUT_MS, startTestHistory } from './support.js';

const CURRENT = 'gates:\n  batch-size:\n    max_lines: 400\n';
const PROPOSED = 'gates:\n  batch-size:\n    max_lines: 100\n';
/** The stand-in's organisation. */
const OWNER = 'Codertocat';

describe('the organisation policy preview in the app', () => {
  let history: History;
  let db: Awaited<ReturnType<History['database']>>;

  beforeAll(async () => {
    history = startTestHistory();
    db = await history.database();
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => {
    await history?.close(1_000);
  });
  afterEach(async () => {
    resetNock();
    await emptyHistory(db);
  });

  /** Stored open pull requests of other repositories of the organisation, as earlier evaluations left them. */
  const seed = async (owner: string) => {
    const repos = [
      { id: 9001, name: 'public-api', private: false, file: null },
      { id: 9002, name: 'secret-merger', private: true, file: null },
      { id: 9003, name: 'own-rules', private: false, file: 'gates:\n  batch-size:\n    max_lines: 50\n' },
      { id: 9004, name: 'extends-org', private: false, file: '_extends: .github\n' },
    ];
    const items = repos.flatMap((r) =>
      [60, 250, 600].map((lines, i) => {
        const pr = syntheticSnapshot({
          repository: `${owner}/${r.name}`,
          number: i + 1,
          headSha: `${r.id}${i}`.padEnd(40, 'c'),
          author: { login: 'dev', isBot: false },
          files: 4,
          lines,
          commits: 1,
        });
        const record = evaluationRecord({
          repository: { id: r.id, fullName: `${owner}/${r.name}`, installationId: 1, private: r.private },
          number: pr.number,
          headSha: pr.headSha,
          event: 'pull_request.synchronize',
          deliveryId: `seed-${r.id}-${i}`,
          at: Date.parse('2026-03-02T10:00:00Z'),
          verdict: { kind: 'evaluated', outcomes: runGates(pr, DEFAULT_CONFIG), notes: [] },
          pr: { ...pr, title: r.private ? 'Acquire Globex quietly' : pr.title },
          repoConfig: r.file,
        });
        return { kind: 'evaluation' as const, record };
      }),
    );
    await writeBatch(db, items);
  };

  const start = async (withHistory: boolean): Promise<{ fake: FakeGitHub; h: Harness }> => {
    const fake = new FakeGitHub({ repo: '.github' });
    fake.install();
    fake.setBlob(BASE, '.github/quality-gates.yml', CURRENT);
    fake.setBlob(HEAD, '.github/quality-gates.yml', PROPOSED);
    const h = await startHarness(fake, { app: withHistory ? { history } : {} });
    return { fake, h };
  };

  const changeOrgFile = async (withHistory: boolean) => {
    const { fake, h } = await start(withHistory);
    const pull = fake.addPull({
      number: 3,
      title: 'PROJ-1 tighten max_lines',
      files: [{ path: '.github/quality-gates.yml', additions: 1, deletions: 1 }],
    });
    const payload = pullRequestPayload(fake, pull);
    payload.repository.private = false;
    await h.receive('pull_request', payload, `preview-${withHistory}`);
    const made = fake.requests.map((r) => `${r.method} ${r.operation ?? r.path}`);
    return { fake, h, pull, made };
  };

  it('shows, per repository that uses the org file, what the proposed file would change, naming only public repositories', async () => {
    await seed(OWNER);
    const { fake: again, h } = await changeOrgFile(true);
    const run = again.runsOn(HEAD)[0]!;
    expect(run.conclusion).toBe('success'); // the PR's own verdict, by the base file: unchanged
    const summary = run.output.summary;
    expect(summary).toContain('## Organisation policy preview');
    // public-api, secret-merger and extends-org use the org file: 250 lines newly blocked in each; 600 blocked before and after.
    expect(summary).toContain(
      '**Would newly block 3 of 9 open pull requests in 3 of 3 repositories**; would unblock 0; 6 stay as they are.',
    );
    expect(summary).toContain('[Codertocat/public-api#2](https://github.com/Codertocat/public-api/pull/2)');
    expect(summary).toContain('| Codertocat/extends-org | extends it | 3 | 1 | 0 | 2 | `batch-size` +1 |');
    expect(summary).toContain('| 1 private repository (not named here) | — | 3 | 1 | 0 | 2 | `batch-size` +1 |');
    expect(summary).toContain('- Codertocat/own-rules: its own file does not extend the organisation’s');
    expect(summary).not.toMatch(/secret-merger|Globex/);
    expect(summary).not.toContain('Not previewed'); // the pull request itself is not counted as unseen
    const line = h.logs.find((l) => l.msg === 'policy preview finished');
    expect(line).toMatchObject({
      scope: 'organisation',
      outcome: 'ok',
      open: 9,
      blocked: 3,
      repositories: 3,
      delivery: 'preview-true',
      pr: 3,
    });
    expect(await h.app.metrics.registry.metrics()).toContain(
      'quality_gates_policy_preview_prs_total{scope="organisation",change="block"} 3',
    );
  });

  it('makes no GitHub request: the same requests with the history (and the preview) on and off', async () => {
    await seed(OWNER);
    const on = (await changeOrgFile(true)).made;
    resetNock();
    const off = await changeOrgFile(false);
    expect(on).toEqual(off.made);
    expect(on.length).toBeGreaterThan(0);
    // With the history off the run is written as ever, and says the preview is unavailable.
    const run = off.fake.runsOn(HEAD)[0]!;
    expect(run.conclusion).toBe('success');
    expect(run.output.summary).toContain('The preview is not available: the history is off (HISTORY=off)');
  });

  it('records each repository’s visibility from the webhook', async () => {
    await changeOrgFile(true);
    expect(await history.drained(30_000)).toBe(true);
    const rows = await db.selectFrom('repositories').select(['full_name', 'private']).execute();
    expect(rows).toEqual([{ full_name: 'Codertocat/.github', private: false }]);
  });
});
