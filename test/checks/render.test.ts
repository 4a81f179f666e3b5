import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../gates/gate.js';
import {
  CHECK_LIMITS,
  codeSpan,
  escapeMarkdown,
  inertLinks,
  renderBlock,
  renderCheckRun,
  renderGateRun,
  renderRow,
} from '../../src/checks/render.js';
import { outcomeOf, titleOf, type Verdict } from '../../src/checks/verdict.js';
import { parseConfigText } from '../../src/load/config/parse.js';
import { autolinks } from '../support/autolinks.js';

const res = (status: GateResult['status'], reason: GateResult['reason'] = 'r'): GateResult => ({
  status,
  reason,
  details: [],
  fix: [],
});

describe('verdicts', () => {
  it.each([
    [[['batch-size', 'pass', 'block']], 'success', '1 gate passed'],
    [
      [
        ['batch-size', 'pass', 'block'],
        ['linked-ticket', 'pass', 'block'],
      ],
      'success',
      'All 2 gates passed',
    ],
    [
      [
        ['batch-size', 'fail', 'block'],
        ['linked-ticket', 'fail', 'block'],
      ],
      'failure',
      'Blocked: batch-size, linked-ticket',
    ],
    [
      [
        ['batch-size', 'fail', 'warn'],
        ['linked-ticket', 'pass', 'block'],
      ],
      'success',
      'Passed with warnings: batch-size',
    ],
    [
      [
        ['batch-size', 'fail', 'block'],
        ['linked-ticket', 'fail', 'warn'],
      ],
      'failure',
      'Blocked: batch-size (warnings: linked-ticket)',
    ],
    [
      [
        ['batch-size', 'pass', 'block'],
        ['codeowners-review', 'skipped', 'block'],
      ],
      'success',
      '1 gate passed, 1 skipped',
    ],
  ] as const)('%j → %s, "%s"', (rows, conclusion, title) => {
    const verdict: Verdict = {
      kind: 'evaluated',
      outcomes: rows.map(([id, status, mode]) => outcomeOf(id, id, mode, res(status))),
      notes: [],
    };
    expect(renderCheckRun(verdict).conclusion).toBe(conclusion);
    expect(titleOf(verdict)).toBe(title);
  });

  it('renders the SPEC row format, with warn for a failure in mode warn', () => {
    expect(
      renderRow(
        outcomeOf('batch-size', 'Small batch size', 'block', res('fail', '612 lines in 14 files (limit 400 lines)')),
      ),
    ).toBe('| `batch-size` | ❌ fail | 612 lines in 14 files (limit 400 lines) |');
    expect(renderRow(outcomeOf('batch-size', 'x', 'warn', res('fail')))).toBe('| `batch-size` | ⚠️ warn | r |');
  });

  it('renders skipped, config-error and error verdicts without a gate table', () => {
    const skipped = renderCheckRun({ kind: 'skipped', title: 'Skipped: draft pull request', reason: 'draft' });
    expect(skipped).toMatchObject({ conclusion: 'neutral', title: 'Skipped: draft pull request' });
    expect(skipped.summary).not.toContain('| Gate |');
    const err = renderCheckRun({ kind: 'error', conclusion: 'neutral', errorClass: 'HTTP 502', message: 'boom' });
    expect(err).toMatchObject({ conclusion: 'neutral', title: 'Evaluation error' });
    const config = renderCheckRun({
      kind: 'config-error',
      problems: [{ file: 'f.yml', line: 3, column: 5, path: 'gates.x', message: 'unknown key "x"' }],
    });
    expect(config).toMatchObject({ conclusion: 'failure', title: 'Configuration error' });
    expect(config.summary).toContain('- `f.yml:3:5` `gates.x`: unknown key "x"');
  });
});

describe('escaping user text', () => {
  const hostile = [
    'a|b',
    '`code`',
    '<img src=x onerror=alert(1)>',
    'line1\nline2\r\n| x | y |',
    '[click](https://evil.example)',
    '**bold** _it_',
    '@octocat and @org/team',
    '# heading',
    '<!-- comment -->',
    '```fence',
  ];

  it.each(hostile)('keeps %j inside its table cell and inert', (text) => {
    for (const reason of [text, [{ code: text }], [text, { code: text }, text]] as const) {
      const row = renderRow(outcomeOf('batch-size', 't', 'block', res('fail', reason)));
      // exactly the four unescaped pipes of a 3-column row
      expect(row.replace(/\\\|/g, '').match(/\|/g)).toHaveLength(4);
      expect(row).not.toContain('\n');
    }
    const plainRow = renderRow(outcomeOf('batch-size', 't', 'block', res('fail', text)));
    expect(plainRow).not.toMatch(/<img|<!--/);
    expect(plainRow).not.toMatch(/(^|[^\\])\[click\]\(/);
    expect(plainRow).not.toMatch(/(^|[^\\])\*\*bold/);
  });

  it('escapes inline Markdown and HTML', () => {
    expect(escapeMarkdown('<b>*x*</b> [y](z) @dana _a_ snake_case')).toBe(
      '&lt;b&gt;\\*x\\*&lt;/b&gt; \\[y\\](z) @\u200bdana \\_a\\_ snake_case',
    );
  });

  it('builds code spans that backticks cannot break', () => {
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('`x`')).toBe('`` `x` ``');
    expect(codeSpan('a|b', true)).toBe('`a\\|b`');
  });

  it('fences code blocks longer than any backtick run inside', () => {
    expect(renderBlock({ kind: 'code', text: 'echo ```', lang: 'sh' })).toBe('````sh\necho ```\n````');
  });

  it('bounds long lists with "and N more"', () => {
    const out = renderBlock({ kind: 'list', items: Array.from({ length: 237 }, (_, i) => `item ${i}`) });
    expect(out.split('\n')).toHaveLength(26);
    expect(out).toContain('and 212 more');
  });
});

describe('limits', () => {
  it('keeps the summary within GitHub’s 65,535 characters whatever the results hold', () => {
    const huge: GateResult = {
      status: 'fail',
      reason: 'x'.repeat(10_000),
      details: Array.from({ length: 400 }, () => ({ kind: 'paragraph' as const, text: 'y'.repeat(2_000) })),
      fix: [{ kind: 'code', text: 'z'.repeat(70_000) }],
    };
    const verdict: Verdict = {
      kind: 'evaluated',
      outcomes: (['batch-size', 'linked-ticket', 'tests-touched'] as const).map((id) =>
        outcomeOf(id, id, 'block', huge),
      ),
      notes: [],
    };
    const out = renderCheckRun(verdict);
    expect(out.summary.length).toBeLessThanOrEqual(CHECK_LIMITS.summary);
    expect(out.summary.startsWith('| Gate | Result | Details |')).toBe(true);
    expect(out.title.length).toBeLessThanOrEqual(CHECK_LIMITS.title);
  });
});

describe('mentions and links in user text are inert (issue 14)', () => {
  const HOSTILE = [
    '@octocat',
    'ping @acme/security-team now',
    'log in at https://evil.example/login',
    'HTTP://EVIL.EXAMPLE',
    'ftp://files.example/x',
    'www.evil.example/reset',
    'mail dana@example.com',
    '[docs](https://evil.example)',
    '\\@escaped and &#64;entity',
    '`@in-code` then @outside',
  ];
  const everyPlace = (text: string): string[] => {
    const result: GateResult = {
      status: 'fail',
      reason: [text, ' ', { code: text }],
      details: [
        { kind: 'paragraph', text },
        { kind: 'list', title: text, items: [text, [{ code: text }, ' ', text]] },
        { kind: 'table', header: ['a', 'b'], rows: [[text, [{ code: text }]]] },
      ],
      fix: [
        { kind: 'paragraph', text: ['Ask ', text, '.'] },
        { kind: 'code', text: `git commit -m "${text}"` },
      ],
    };
    const outcome = outcomeOf('linked-ticket', 'Linked ticket', 'block', result);
    const evaluated: Verdict = { kind: 'evaluated', outcomes: [outcome], notes: [text] };
    const problem = {
      file: `acme/api:.github/quality-gates.yml@${text}`,
      line: 2,
      column: 3,
      path: `gates.${text}`,
      message: `unknown key "${text}"`,
    };
    const outputs = [
      renderCheckRun(evaluated, { kind: 'unavailable', message: text, removed: false }),
      renderCheckRun({ kind: 'skipped', title: `Skipped: label ${text}`, reason: [text, { code: text }] }),
      renderCheckRun(
        { kind: 'config-error', problems: [problem] },
        { kind: 'invalid', problems: [problem], removed: false },
      ),
      renderCheckRun(
        { kind: 'error', conclusion: 'failure', errorClass: text, message: text },
        { kind: 'verdict', verdict: evaluated, removed: false },
      ),
      renderGateRun(outcome),
      renderGateRun(outcomeOf('batch-size', 'x', 'block', { ...result, status: 'pass' })),
    ];
    return outputs.flatMap((o) => [o.title, o.summary]);
  };

  it.each(HOSTILE)('%j: nothing GitHub would link or mention, in any place', (text) => {
    for (const out of everyPlace(text)) expect(autolinks(out), out).toEqual([]);
  });

  it('the oracle sees what the text held before it was made inert', () => {
    expect(autolinks('@octocat, https://evil.example, www.x.example, a@b.example')).toEqual([
      '@octocat,',
      'https://evil.example,',
      'www.x.example,',
      '@b.example',
    ]);
    expect(autolinks('`@octocat` and ``https://x` ``')).toEqual([]);
    expect(autolinks('&#64;octocat')).toEqual(['@octocat']);
  });

  it('reads the same: only invisible zero-width spaces are added', () => {
    const text = 'Fix @dana/team bug, see https://example.com and www.example.com or a@b.example';
    const escaped = escapeMarkdown(text);
    expect(escaped).not.toBe(text);
    expect(escaped.replace(/\u200b/g, '')).toBe(text);
    expect(inertLinks('a@b').length).toBe(4);
  });
});

describe('"Configuration error" shows the messages of validate', () => {
  it('each problem as file:line:column, key path and message; 25 listed and the rest counted', () => {
    const parsed = parseConfigText(
      Array.from({ length: 1_500 }, (_, i) => `k${i}: 1`).join('\n'),
      'acme/api:.github/quality-gates.yml@0a1b2c3',
    );
    expect(parsed.kind).toBe('invalid');
    const problems = parsed.kind === 'invalid' ? parsed.problems : [];
    const { summary } = renderCheckRun({ kind: 'config-error', problems });
    expect(summary).toContain(
      '- `acme/api:.github/quality-gates.yml@0a1b2c3:1:1` `k0`: unknown key "k0"; allowed here: \\_extends, defaults, checks, skip, on_error, gates',
    );
    expect(summary).toContain('- `acme/api:.github/quality-gates.yml@0a1b2c3`: and 1,475 more problems');
    expect(summary).not.toContain('…and');
    expect(summary.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(26);
  });
});
