/**
 * The organisation policy preview's core (src/pipeline/policy-preview.ts) and its rendering
 * (src/checks/render-policy-preview.ts), on stored pull requests given as pages (no database):
 * verdict diffs, an organisation whose repositories extend, replace and omit the org file, privacy,
 * the size cap, an invalid proposed file, 5,000 pull requests, and the time budget.
 */
import { describe, expect, it } from 'vitest';
import { QualityGatesConfig, type QualityGatesConfig as Config } from '../../gates/config.js';
import type { PullRequestSnapshot } from '../../gates/snapshot.js';
import { CHECK_LIMITS } from '../../src/checks/render.js';
import { previewTitle, renderPolicyPreview, withPolicyPreview } from '../../src/checks/render-policy-preview.js';
import { conclusionOf, type Verdict } from '../../src/checks/verdict.js';
import {
  computePolicyPreview,
  diffVerdicts,
  type PolicyPreview,
  type PreviewInput,
  type PreviewPull,
} from '../../src/pipeline/policy-preview.js';
import { verdictFor } from '../../src/pipeline/run-gates.js';
import { autolinks } from '../support/autolinks.js';
import { aFile, aSnapshot, capped } from '../support/builders.js';

const OWNER = 'acme';
const ORG_REPO = 'acme/.github';
const cfg = (raw: unknown): Config => QualityGatesConfig.parse(raw);

/** A pull request of `lines` lines in `repository`, with a ticket, tests and signed commits unless said. */
function aPull(
  repository: string,
  repositoryId: number,
  number: number,
  lines: number,
  repoConfig: string | null = null,
  extra: Partial<PullRequestSnapshot> = {},
): PreviewPull {
  const [owner, name] = repository.split('/') as [string, string];
  const snapshot = aSnapshot({
    number,
    title: `PROJ-${number} change`,
    files: capped([aFile('src/app.ts', lines, 0), aFile('src/app.test.ts', 1, 0)]),
    ...extra,
    repository: { owner, name, defaultBranch: 'main', host: 'github.com' },
  });
  return { repositoryId, repository, number, snapshot, repoConfig };
}

async function* pagesOf(pulls: readonly PreviewPull[], size = 100): AsyncGenerator<PreviewPull[]> {
  for (let i = 0; i < pulls.length; i += size) yield pulls.slice(i, i + size);
}

const PUBLIC = (ids: number[]) => new Map(ids.map((id) => [id, false as boolean | null]));

function orgInput(
  pulls: readonly PreviewPull[],
  current: string | null,
  proposed: string | null,
  extra: Partial<PreviewInput> = {},
): PreviewInput {
  return {
    plan: { scope: 'organisation', owner: OWNER, current, proposed },
    ownRepository: ORG_REPO,
    ownNumber: 1,
    pages: pagesOf(pulls),
    stored: pulls.length,
    visibility: { privateById: PUBLIC(pulls.map((p) => p.repositoryId)), ownRepository: ORG_REPO },
    unseen: { total: 0, listed: [] },
    ...extra,
  };
}

const ok = (p: PolicyPreview) => {
  if (p.kind !== 'ok') throw new Error(`preview is ${p.kind}`);
  return p;
};

const evaluated = (failing: string[]): Verdict => ({
  kind: 'evaluated',
  notes: [],
  outcomes: ['batch-size', 'linked-ticket', 'tests-touched'].map((id) => ({
    id: id as 'batch-size',
    title: id,
    mode: 'block' as const,
    status: failing.includes(id) ? ('fail' as const) : ('pass' as const),
    result: { status: failing.includes(id) ? ('fail' as const) : ('pass' as const), reason: 'r', details: [], fix: [] },
  })),
});

describe('diffVerdicts', () => {
  it.each([
    {
      name: 'pass → fail: newly blocked by the gate',
      before: evaluated([]),
      after: evaluated(['batch-size']),
      change: 'block',
      blocking: ['batch-size'],
      unblocking: [],
    },
    {
      name: 'fail → pass: unblocked',
      before: evaluated(['batch-size']),
      after: evaluated([]),
      change: 'unblock',
      blocking: [],
      unblocking: ['batch-size'],
    },
    {
      name: 'fail → fail by another gate: stays blocked, gates listed',
      before: evaluated(['batch-size']),
      after: evaluated(['linked-ticket']),
      change: 'stay',
      blocking: ['linked-ticket'],
      unblocking: ['batch-size'],
    },
    { name: 'pass → pass', before: evaluated([]), after: evaluated([]), change: 'stay', blocking: [], unblocking: [] },
    {
      name: 'fail → skipped (a skip rule): unblocked',
      before: evaluated(['tests-touched']),
      after: { kind: 'skipped', title: 's', reason: 'r' } as Verdict,
      change: 'unblock',
      blocking: [],
      unblocking: ['tests-touched'],
    },
    {
      name: 'pass → configuration error: newly blocked',
      before: evaluated([]),
      after: { kind: 'config-error', problems: [] } as Verdict,
      change: 'block',
      blocking: ['configuration'],
      unblocking: [],
    },
  ])('$name', ({ before, after, change, blocking, unblocking }) => {
    expect(diffVerdicts(before, after)).toEqual({ change, blocking, unblocking });
  });
});

describe('an organisation whose repositories extend, replace and omit the org file', () => {
  const CURRENT = 'gates:\n  batch-size:\n    max_lines: 400\n';
  const TIGHTER = 'gates:\n  batch-size:\n    max_lines: 100\n';
  const repos = {
    direct: { name: 'acme/direct', id: 1, file: null },
    extends: { name: 'acme/extends', id: 2, file: '_extends: .github\ngates:\n  linked-ticket:\n    mode: warn\n' },
    replaces: { name: 'acme/replaces', id: 3, file: 'gates:\n  batch-size:\n    max_lines: 50\n' },
    outside: { name: 'acme/outside', id: 4, file: '_extends: other-org/policies\n' },
    chained: { name: 'acme/chained', id: 5, file: '_extends: shared\n' },
    shared: { name: 'acme/shared', id: 6, file: '_extends: .github\ngates:\n  tests-touched:\n    mode: off\n' },
    unknown: { name: 'acme/unknown', id: 7, file: '_extends: never-stored\n' },
    overrides: {
      name: 'acme/overrides',
      id: 8,
      file: '_extends: .github\ngates:\n  batch-size:\n    max_lines: 400\n',
    },
  };
  // Per repository: a 50-line PR (passes both), a 200-line PR (newly blocked by 100), a 500-line PR (blocked both).
  const pulls = Object.values(repos).flatMap((r) =>
    [50, 200, 500].map((lines, i) => aPull(r.name, r.id, 10 + i, lines, r.file)),
  );

  it('counts what evaluating each pull request under both files gives, only where the org file is used', async () => {
    const preview = ok(await computePolicyPreview(orgInput(pulls, CURRENT, TIGHTER)));
    const by = Object.fromEntries(preview.repositories.map((r) => [r.repository, r]));
    for (const name of ['acme/direct', 'acme/extends', 'acme/chained', 'acme/shared']) {
      expect(by[name], name).toMatchObject({ open: 3, blocked: 1, unblocked: 0, stay: 2 });
      expect(by[name]!.byGate.get('batch-size')).toEqual({ block: 1, unblock: 0 });
      expect(by[name]!.mostAffected.map((p) => p.number)).toEqual([11]);
    }
    expect(by['acme/direct']!.use).toBe('direct');
    expect(by['acme/chained']!.use).toBe('extends');
    // The repository's own file sets max_lines again: the org change cannot reach it.
    expect(by['acme/overrides']).toMatchObject({ use: 'extends', open: 3, blocked: 0, stay: 3 });
    expect(by['acme/replaces']).toMatchObject({ use: 'replaces', open: 0, idle: 3 });
    expect(by['acme/outside']).toMatchObject({ use: 'outside', idle: 3 });
    expect(by['acme/unknown']).toMatchObject({ use: 'unknown', idle: 3 });
    expect(preview.totals).toEqual({
      open: 15,
      blocked: 4,
      unblocked: 0,
      stay: 11,
      repositories: 5,
      blockedRepositories: 4,
    });

    // The oracle: each pull request evaluated under the merged files by the same pipeline.
    const direct = pulls.filter((p) => p.repository === 'acme/direct');
    const newly = direct.filter(
      (p) =>
        conclusionOf(verdictFor(p.snapshot, cfg({ gates: { 'batch-size': { max_lines: 400 } } }))) !== 'failure' &&
        conclusionOf(verdictFor(p.snapshot, cfg({ gates: { 'batch-size': { max_lines: 100 } } }))) === 'failure',
    );
    expect(newly.map((p) => p.number)).toEqual(by['acme/direct']!.mostAffected.map((p) => p.number));

    const text = renderPolicyPreview(preview);
    expect(text).toContain(
      '**Would newly block 4 of 15 open pull requests in 4 of 5 repositories**; would unblock 0; 11 stay as they are.',
    );
    expect(text).toContain('- acme/replaces: its own file does not extend the organisation’s');
    expect(text).toContain('- acme/outside: its `_extends` leads outside the organisation');
    expect(text).toContain('[acme/direct#11](https://github.com/acme/direct/pull/11)');
  });

  it('loosening the limit unblocks, by gate', async () => {
    const preview = ok(
      await computePolicyPreview(orgInput(pulls, CURRENT, 'gates:\n  batch-size:\n    max_lines: 1000\n')),
    );
    expect(preview.totals).toMatchObject({ blocked: 0, unblocked: 4 });
    const direct = preview.repositories.find((r) => r.repository === 'acme/direct')!;
    expect(direct.byGate.get('batch-size')).toEqual({ block: 0, unblock: 1 });
    expect(renderPolicyPreview(preview)).toContain('`batch-size` −1');
  });

  it('a removed org file: the built-in defaults apply to those without a file of their own', async () => {
    const preview = ok(await computePolicyPreview(orgInput(pulls, TIGHTER, null)));
    expect(preview.repositories.find((r) => r.repository === 'acme/direct')).toMatchObject({ unblocked: 1 });
  });

  it('an invalid proposed file shows its configuration errors, and nothing is judged', async () => {
    const preview = await computePolicyPreview(orgInput(pulls, CURRENT, 'gates:\n  batch-size:\n    max_line: 5\n'));
    expect(preview.kind).toBe('invalid');
    const text = renderPolicyPreview(preview);
    expect(text).toContain('The proposed file is invalid');
    expect(text).toContain('`gates.batch-size.max_line`');
  });

  it('a proposed file with its own _extends (another organisation) is not followed: the preview says so', async () => {
    const preview = await computePolicyPreview(orgInput(pulls, CURRENT, '_extends: evil/policies\n'));
    expect(preview).toMatchObject({ kind: 'unavailable' });
    expect(renderPolicyPreview(preview)).toContain('The preview is not available');
  });

  it('a huge proposed file is refused by the size limit, not parsed', async () => {
    const huge = `gates:\n  batch-size:\n    exclude:\n${'      - "**/*.a*b*c*d*e*f*g*h"\n'.repeat(5_000)}`;
    const preview = await computePolicyPreview(orgInput(pulls, CURRENT, huge));
    expect(preview.kind).toBe('invalid');
  });

  it('leaves out the pull request that changes the file', async () => {
    const own = aPull(ORG_REPO, 99, 1, 200, null);
    const preview = ok(await computePolicyPreview(orgInput([own, ...pulls], CURRENT, TIGHTER)));
    expect(preview.repositories.find((r) => r.repository === ORG_REPO)).toBeUndefined();
  });
});

describe('privacy', () => {
  it('names public repositories and its own, counts private and unknown ones without a name, title or link', async () => {
    const pulls = [
      aPull('acme/open-source', 1, 5, 200),
      aPull('acme/secret-merger', 2, 6, 200, null, { title: 'Acquire Globex quietly' }),
      aPull('acme/unknown-vis', 3, 7, 200),
      aPull(ORG_REPO, 4, 8, 200),
    ];
    const preview = ok(
      await computePolicyPreview(
        orgInput(pulls, null, 'gates:\n  batch-size:\n    max_lines: 100\n', {
          visibility: {
            privateById: new Map([
              [1, false],
              [2, true],
              [4, true],
            ]),
            ownRepository: ORG_REPO,
          },
          unseen: {
            total: 2,
            listed: [
              { repositoryId: 2, repository: 'acme/secret-merger', number: 40 },
              { repositoryId: 1, repository: 'acme/open-source', number: 41 },
            ],
          },
        }),
      ),
    );
    const text = renderPolicyPreview(preview);
    expect(text).toContain('acme/open-source#5');
    expect(text).toContain('acme/.github#8'); // its own repository, private or not
    expect(text).not.toContain('secret-merger');
    expect(text).not.toContain('Globex');
    expect(text).not.toContain('unknown-vis');
    expect(text).toContain('| 2 private repositories (not named here) | — | 2 | 1 | 0 | 1 | `batch-size` +2 |');
    expect(text).toContain('2 open pull requests the history knows of but holds no snapshot of');
    expect(text).toContain('acme/open-source#41');
  });

  it('titles are cut to 80 characters and inert: no mention, link, reference or HTML', () => {
    const title = `@octocat see https://evil.example/x <img src=x onerror=alert(1)> [click](https://evil.example) #12 GH-3 ${'x'.repeat(200)}`;
    const shown = previewTitle(title);
    expect(shown.length).toBeLessThan(140);
    expect(autolinks(shown)).toEqual([]);
    expect(shown).not.toMatch(/<img|(?<!\\)\]\(/);
    expect(shown).not.toMatch(/#12|GH-3/);
  });
});

describe('size', () => {
  it('hundreds of repositories and 5,000 pull requests stay under GitHub’s limit, and say what was cut', async () => {
    const pulls: PreviewPull[] = [];
    for (let r = 0; r < 400; r++)
      for (let n = 0; n < 13; n++)
        pulls.push(
          aPull(
            `acme/a-rather-long-repository-name-for-the-size-test-${String(r).padStart(3, '0')}`,
            r + 1,
            n + 2,
            200,
            null,
            { title: `PROJ-${n} ${'t'.repeat(120)}` },
          ),
        );
    const preview = ok(
      await computePolicyPreview(orgInput(pulls, null, 'gates:\n  batch-size:\n    max_lines: 100\n')),
    );
    expect(preview.totals).toMatchObject({ open: 5_200, blocked: 5_200, repositories: 400 });
    const text = renderPolicyPreview(preview);
    expect(text.length).toBeLessThanOrEqual(40_000);
    expect(text).toMatch(/The table shows \d+ of 400 rows/);
    const summary = withPolicyPreview('x'.repeat(60_000), preview);
    expect(summary.length).toBeLessThanOrEqual(CHECK_LIMITS.summary);
    expect(withPolicyPreview('x'.repeat(65_000), preview).length).toBeLessThanOrEqual(CHECK_LIMITS.summary);
  });
});

describe('work bounds', () => {
  it('5,000 stored pull requests are judged in full (functional, not timed)', async () => {
    const pulls = Array.from({ length: 5_000 }, (_, i) =>
      aPull(`acme/repo-${i % 50}`, (i % 50) + 1, i + 2, Math.floor(i / 50) % 2 === 0 ? 200 : 50),
    );
    const preview = ok(
      await computePolicyPreview(orgInput(pulls, null, 'gates:\n  batch-size:\n    max_lines: 100\n')),
    );
    expect(preview.totals).toEqual({
      open: 5_000,
      blocked: 2_500,
      unblocked: 0,
      stay: 2_500,
      repositories: 50,
      blockedRepositories: 50,
    });
    expect(preview.partial).toBeUndefined();
  });

  it('stops at the time budget and says how far it got', async () => {
    let t = 0;
    const pulls = Array.from({ length: 50 }, (_, i) => aPull('acme/repo', 1, i + 2, 200));
    const preview = ok(
      await computePolicyPreview(
        orgInput(pulls, null, 'gates:\n  batch-size:\n    max_lines: 100\n', {
          now: () => (t += 5),
          budgetMs: 100,
          sliceMs: 1,
        }),
      ),
    );
    expect(preview.partial).toMatchObject({ stored: 50, budgetMs: 100 });
    expect(preview.partial!.previewed).toBeLessThan(50);
    expect(renderPolicyPreview(preview)).toContain('> Partial: the preview stopped after 0.1 s');
  });

  it('a repository preview judges the other pull requests into the same base branch only', async () => {
    const pulls = [
      aPull('acme/api', 1, 2, 200),
      aPull('acme/api', 1, 3, 50),
      aPull('acme/api', 1, 4, 200, null, { baseRef: 'release' }),
      aPull('acme/api', 1, 5, 200),
    ];
    const current = { kind: 'ok' as const, config: cfg({}), sources: [] };
    const proposed = { kind: 'ok' as const, config: cfg({ gates: { 'batch-size': { max_lines: 100 } } }), sources: [] };
    const preview = ok(
      await computePolicyPreview({
        ...orgInput(pulls, null, null),
        plan: { scope: 'repository', baseRef: 'main', current, proposed },
        ownRepository: 'acme/api',
        ownNumber: 5,
      }),
    );
    expect(preview.totals).toMatchObject({ open: 2, blocked: 1, stay: 1 });
    expect(preview.otherBranch).toBe(1);
    expect(renderPolicyPreview(preview)).toContain('1 open pull request into other base branches is not affected.');
  });
});

describe('hostile proposed files', () => {
  it('every gate on with pathological globs: compiled once, judged in full, in linear-time matching', async () => {
    const globs = Array.from({ length: 100 }, (_, i) => `"**/a*b*c*d*e*f*g*${i}/**"`).join(', ');
    const proposed = `defaults:\n  mode: block\ngates:\n  batch-size:\n    exclude: [${globs}]\n  tests-touched:\n    source: [${globs}]\n    tests: [${globs}]\n    exclude: [${globs}]\n  linked-ticket:\n    patterns: ["(a|aa)*b", "((x+)+)+y"]\n`;
    const pulls = Array.from({ length: 300 }, (_, i) =>
      aPull(`acme/repo-${i % 3}`, (i % 3) + 1, i + 2, 200, null, {
        files: capped(Array.from({ length: 50 }, (_, f) => aFile(`${'a/'.repeat(40)}${'b'.repeat(30)}-${f}.ts`, 4, 0))),
      }),
    );
    const preview = ok(await computePolicyPreview(orgInput(pulls, null, proposed)));
    expect(preview.partial).toBeUndefined();
    expect(preview.totals.open).toBe(300);
  });

  it('a repository preview of an invalid file points at the problems already listed above', () => {
    const text = renderPolicyPreview({
      kind: 'invalid',
      scope: 'repository',
      problems: [{ file: 'f', line: 1, column: 1, path: 'x', message: 'bad' }],
    });
    expect(text).toContain('would get "Configuration error"');
    expect(text).not.toContain('`x`');
  });
});

describe('branch-age in the preview', () => {
  // Stored the day after it was opened; previewed a month later.
  const pulls = [
    aPull('acme/direct', 1, 7, 10, null, { createdAt: '2026-11-01T00:00:00Z', readAt: '2026-11-02T00:00:00Z' }),
  ];
  const turnOn = 'gates:\n  branch-age:\n    mode: block\n    max_days: 14\n';

  it('counts days up to the evaluation that previews, not up to when the snapshot was stored', async () => {
    const preview = ok(await computePolicyPreview(orgInput(pulls, null, turnOn, { readAt: '2026-12-01T00:00:00Z' })));
    expect(preview.repositories.find((r) => r.repository === 'acme/direct')).toMatchObject({ open: 1, blocked: 1 });
    expect(preview.repositories[0]!.byGate.get('branch-age')).toEqual({ block: 1, unblock: 0 });
  });

  it('judges a snapshot as stored when the evaluation gives no time', async () => {
    const preview = ok(await computePolicyPreview(orgInput(pulls, null, turnOn)));
    expect(preview.repositories.find((r) => r.repository === 'acme/direct')).toMatchObject({
      open: 1,
      blocked: 0,
      stay: 1,
    });
  });
});
