import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../gates/gate.js';
import { CHECK_LIMITS, codeSpan, escapeMarkdown, renderBlock, renderCheckRun, renderRow } from '../../src/checks/render.js';
import { outcomeOf, titleOf, type Verdict } from '../../src/checks/verdict.js';

const res = (status: GateResult['status'], reason: GateResult['reason'] = 'r'): GateResult => ({ status, reason, details: [], fix: [] });

describe('verdicts', () => {
  it.each([
    [[['batch-size', 'pass', 'block']], 'success', '1 gate passed'],
    [[['batch-size', 'pass', 'block'], ['linked-ticket', 'pass', 'block']], 'success', 'All 2 gates passed'],
    [[['batch-size', 'fail', 'block'], ['linked-ticket', 'fail', 'block']], 'failure', 'Blocked: batch-size, linked-ticket'],
    [[['batch-size', 'fail', 'warn'], ['linked-ticket', 'pass', 'block']], 'success', 'Passed with warnings: batch-size'],
    [[['batch-size', 'fail', 'block'], ['linked-ticket', 'fail', 'warn']], 'failure', 'Blocked: batch-size (warnings: linked-ticket)'],
    [[['batch-size', 'pass', 'block'], ['codeowners-review', 'skipped', 'block']], 'success', '1 gate passed, 1 skipped'],
  ] as const)('%j → %s, "%s"', (rows, conclusion, title) => {
    const verdict: Verdict = { kind: 'evaluated', outcomes: rows.map(([id, status, mode]) => outcomeOf(id, id, mode, res(status))), notes: [] };
    expect(renderCheckRun(verdict).conclusion).toBe(conclusion);
    expect(titleOf(verdict)).toBe(title);
  });

  it('renders the SPEC row format, with warn for a failure in mode warn', () => {
    expect(renderRow(outcomeOf('batch-size', 'Small batch size', 'block', res('fail', '612 lines in 14 files (limit 400 lines)')))).toBe(
      '| `batch-size` | ❌ fail | 612 lines in 14 files (limit 400 lines) |',
    );
    expect(renderRow(outcomeOf('batch-size', 'x', 'warn', res('fail')))).toBe('| `batch-size` | ⚠️ warn | r |');
  });

  it('renders skipped, config-error and error verdicts without a gate table', () => {
    const skipped = renderCheckRun({ kind: 'skipped', title: 'Skipped: draft pull request', reason: 'draft' });
    expect(skipped).toMatchObject({ conclusion: 'neutral', title: 'Skipped: draft pull request' });
    expect(skipped.summary).not.toContain('| Gate |');
    const err = renderCheckRun({ kind: 'error', conclusion: 'neutral', errorClass: 'HTTP 502', message: 'boom' });
    expect(err).toMatchObject({ conclusion: 'neutral', title: 'Evaluation error' });
    const config = renderCheckRun({ kind: 'config-error', problems: [{ file: 'f.yml', line: 3, column: 5, path: 'gates.x', message: 'unknown key "x"' }] });
    expect(config).toMatchObject({ conclusion: 'failure', title: 'Configuration error' });
    expect(config.summary).toContain('- `f.yml:3:5` `gates.x`: unknown key "x"');
  });
});

describe('escaping user text', () => {
  const hostile = ['a|b', '`code`', '<img src=x onerror=alert(1)>', 'line1\nline2\r\n| x | y |', '[click](https://evil.example)', '**bold** _it_', '@octocat and @org/team', '# heading', '<!-- comment -->', '```fence'];

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
    expect(escapeMarkdown('<b>*x*</b> [y](z) @dana _a_ snake_case')).toBe('&lt;b&gt;\\*x\\*&lt;/b&gt; \\[y\\](z) @dana \\_a\\_ snake_case');
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
    const verdict: Verdict = { kind: 'evaluated', outcomes: (['batch-size', 'linked-ticket', 'tests-touched'] as const).map((id) => outcomeOf(id, id, 'block', huge)), notes: [] };
    const out = renderCheckRun(verdict);
    expect(out.summary.length).toBeLessThanOrEqual(CHECK_LIMITS.summary);
    expect(out.summary.startsWith('| Gate | Result | Details |')).toBe(true);
    expect(out.title.length).toBeLessThanOrEqual(CHECK_LIMITS.title);
  });
});
