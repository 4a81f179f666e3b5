/**
 * Golden files of the rendered check-run Markdown: pass, fail, warn and skipped
 * results of every gate, and the PR-level verdicts. A change to the wording or
 * the layout shows up as a diff in test/checks/__golden__/ or gates/<id>/__golden__/ (update with
 * `npx vitest run -u test/checks/golden.test.ts` after reading the diff).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type QualityGatesConfig } from '../../gates/config.js';
import { GATE_IDS } from '../../gates/registry.js';
import { renderCheckRun } from '../../src/checks/render.js';
import type { Verdict } from '../../src/checks/verdict.js';
import { runGates } from '../../src/pipeline/run-gates.js';
import type { PullRequestSnapshot } from '../../gates/snapshot.js';
import { aCommit, aFile, aReview, aSnapshot, capped } from '../support/builders.js';

const HEAD = 'f'.repeat(40);
const codeowners = (text: string) => ({
  codeowners: { path: '.github/CODEOWNERS', oid: `oid-${text.length}`, byteSize: text.length, text, truncated: false },
  gitattributes: null,
});

const TEMPLATE = '## What\n\n<!-- What does this change? -->\n\n## Why\n\n## Testing\n\n- [ ] Tests added\n';
const template = {
  path: '.github/pull_request_template.md',
  oid: 'oid-template',
  byteSize: TEMPLATE.length,
  text: TEMPLATE,
  truncated: false,
};

/** A PR on which every gate passes. */
const good = aSnapshot({
  title: 'feat(payments): add refunds endpoint PAY-42',
  body: '## What\n\nAdds `POST /refunds`, which refunds a captured payment in full or in part.\n\n## Why\n\nSupport refunds by hand today.\n\n## Testing\n\n- [x] Tests added\n',
  createdAt: '2026-01-01T09:00:00Z',
  readAt: '2026-01-04T10:00:00Z',
  comparison: { aheadBy: 1, behindBy: 2 },
  files: capped([
    aFile('src/refunds.ts', 120, 8),
    aFile('src/refunds.test.ts', 80, 0, 'added'),
    aFile('package-lock.json', 900, 300),
  ]),
  commits: capped([
    aCommit({
      sha: HEAD,
      subject: 'Add refunds endpoint',
      message: 'Add refunds endpoint\n\nSigned-off-by: Dana Developer <dana@example.com>',
    }),
  ]),
  reviews: capped([aReview('alice', 'approved', { commitSha: HEAD })]),
  teams: { 'acme/payments': ['alice', 'bob'] },
  base: { ...codeowners('* @acme/payments\n'), pullRequestTemplates: [template] },
});

/** A PR on which every gate fails. */
const bad: PullRequestSnapshot = aSnapshot({
  title: 'Refunds | `rm -rf` <script>',
  createdAt: '2026-01-01T09:00:00Z',
  readAt: '2026-01-31T10:00:00Z',
  comparison: { aheadBy: 2, behindBy: 41 },
  headRef: 'refunds',
  files: capped([
    ...Array.from({ length: 13 }, (_, i) => aFile(`src/module-${i}.ts`, 40, 0)),
    aFile('src/big.ts', 92, 0),
  ]),
  commits: capped([
    aCommit({ sha: '1'.repeat(40), subject: 'WIP', signature: null }),
    aCommit({
      sha: HEAD,
      subject: 'More',
      signature: { isValid: false, state: 'unknown_key', wasSignedByGitHub: false },
    }),
  ]),
  reviews: capped([aReview('bob', 'changes_requested', { commitSha: HEAD })]),
  teams: { 'acme/payments': ['alice', 'bob'] },
  base: { ...codeowners('* @acme/payments\n/src/big.ts @lead\n'), pullRequestTemplates: [template] },
});

const cfg = (over: (c: QualityGatesConfig) => void = () => {}): QualityGatesConfig => {
  const c = structuredClone(DEFAULT_CONFIG);
  over(c);
  return c;
};

const evaluated = (pr: PullRequestSnapshot, config: QualityGatesConfig): Verdict => ({
  kind: 'evaluated',
  outcomes: runGates(pr, config),
  notes: [],
});
const markdown = (v: Verdict) => {
  const out = renderCheckRun(v);
  return `<!-- conclusion: ${out.conclusion} -->\n# ${out.title}\n\n${out.summary}\n`;
};
const golden = (name: string) => `./__golden__/${name}.md`;
/** A gate's own goldens live in its folder: `gates/<id>/__golden__/<case>.md`. */
const gateGolden = (id: string, name: string) => `../../gates/${id}/__golden__/${name}.md`;

describe('golden check-run Markdown', () => {
  it('every gate passes', async () => {
    await expect(markdown(evaluated(good, cfg()))).toMatchFileSnapshot(golden('all-pass'));
  });

  it('every gate fails (block)', async () => {
    await expect(
      markdown(
        evaluated(
          bad,
          cfg((c) => (c.gates['signed-commits'].require = 'both')),
        ),
      ),
    ).toMatchFileSnapshot(golden('all-fail'));
  });

  it('every gate warns (mode warn)', async () => {
    await expect(
      markdown(
        evaluated(
          bad,
          cfg((c) => (c.defaults.mode = 'warn')),
        ),
      ),
    ).toMatchFileSnapshot(golden('all-warn'));
  });

  it('skipped gates: no CODEOWNERS on the base branch', async () => {
    await expect(
      markdown(evaluated({ ...good, base: { codeowners: null, gitattributes: null } }, cfg())),
    ).toMatchFileSnapshot(gateGolden('codeowners-review', 'skipped'));
  });

  it.each([
    [
      'skipped-draft',
      {
        kind: 'skipped',
        title: 'Skipped: draft pull request',
        reason: 'This pull request is a draft; the gates run when it is marked ready for review.',
      },
    ],
    [
      'config-error',
      {
        kind: 'config-error',
        problems: [
          {
            file: 'acme/api:.github/quality-gates.yml@0a1b2c3',
            line: 5,
            column: 5,
            path: 'gates.batch-size.max_line',
            message: 'unknown key "max_line"; allowed here: mode, max_lines, max_files, exclude, default_excludes',
          },
        ],
      },
    ],
    [
      'evaluation-error',
      {
        kind: 'error',
        conclusion: 'failure',
        errorClass: 'HTTP 502',
        message: 'the pull request could not be read from GitHub',
      },
    ],
  ] as [string, Verdict][])('%s', async (name, verdict) => {
    await expect(markdown(verdict)).toMatchFileSnapshot(golden(name));
  });

  it('each gate on its own, pass and fail', async () => {
    for (const id of GATE_IDS) {
      const only = cfg((c) => {
        c.defaults.mode = 'off';
        for (const other of GATE_IDS) c.gates[other].mode = 'off';
        c.gates[id].mode = 'block';
        c.gates['pr-description'].sections = ['What', 'Why', 'Testing'];
        c.gates['branch-age'].max_behind = 10;
      });
      await expect(markdown(evaluated(good, only))).toMatchFileSnapshot(gateGolden(id, 'pass'));
      // The description left as the template, with a comment left open (it hides the rest).
      const failing = id === 'pr-description' ? { ...bad, body: `${TEMPLATE}<!-- unclosed comment: @everyone` } : bad;
      await expect(markdown(evaluated(failing, only))).toMatchFileSnapshot(gateGolden(id, 'fail'));
    }
  });

  it('the gates added later, on their edges', async () => {
    const later = (over: (c: QualityGatesConfig) => void) =>
      cfg((c) => {
        for (const id of GATE_IDS) c.gates[id].mode = 'off';
        over(c);
      });
    const description = later(
      (c) => (c.gates['pr-description'] = { mode: 'block', min_length: 30, sections: ['What', 'Why'] }),
    );
    await expect(markdown(evaluated({ ...good, body: TEMPLATE }, description))).toMatchFileSnapshot(
      gateGolden('pr-description', 'untouched-template'),
    );
    const age = later((c) => (c.gates['branch-age'] = { mode: 'block', max_days: 14, max_behind: 10 }));
    await expect(markdown(evaluated({ ...bad, comparison: null, isCrossRepository: true }, age))).toMatchFileSnapshot(
      gateGolden('branch-age', 'not-compared'),
    );
    const title = later(
      (c) =>
        (c.gates['conventional-title'] = {
          mode: 'block',
          types: ['feat', 'fix'],
          scopes: ['api', 'web'],
          require_scope: true,
          max_length: 50,
        }),
    );
    const wrong = { ...good, title: '✨ Feature(payments/refunds): Add the refunds endpoint with partial amounts' };
    await expect(markdown(evaluated(wrong, title))).toMatchFileSnapshot(
      gateGolden('conventional-title', 'wrong-parts'),
    );
  });
});
