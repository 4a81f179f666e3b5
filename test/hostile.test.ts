/**
 * Hostile input (fast-check): generated configs, CODEOWNERS files and PR text up to
 * 64 KB with arbitrary Unicode never crash anything, stay bounded in time, and every
 * invalid config is answered with a located message.
 */
import fc from 'fast-check';
import { parse as parseYaml, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compileCodeowners } from '../gates/lib/codeowners/match.js';
import { renderCheckRun, renderGateRun, renderText, CHECK_LIMITS } from '../src/checks/render.js';
import { outcomeOf } from '../src/checks/verdict.js';
import { parseConfigText, PROBLEM_FORMS } from '../src/load/config/parse.js';
import { DEFAULT_CONFIG } from '../gates/config.js';
import { runGates } from '../src/pipeline/run-gates.js';
import { autolinks, autolinksInTitle } from './support/autolinks.js';
import { aCommit, aFile, aReview, aSnapshot, capped } from './support/builders.js';

const FILE = 'acme/api:.github/quality-gates.yml';

/** Config-shaped values: real keys with wrong, odd or right values, plus noise. */
const key = fc.constantFrom(
  'defaults',
  'checks',
  'skip',
  'on_error',
  'gates',
  '_extends',
  'mode',
  'max_lines',
  'batch-size',
  'linked-ticket',
  'patterns',
  'require',
  'name',
  'labels',
  'x',
);
const leaf = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('block', 'warn', 'off', 'signoff', '(a+)+$', '[', '\\1', Number.POSITIVE_INFINITY, -1),
);
const configish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** The parser's answer, `ok` or `invalid`, where every problem is located and worded as documented. */
function assertLocated(text: string): 'ok' | 'invalid' {
  const result = parseConfigText(text, FILE);
  if (result.kind === 'invalid') {
    expect(result.problems.length).toBeGreaterThan(0);
    for (const p of result.problems) {
      expect(p.message.length).toBeGreaterThan(0);
      expect(p.file).toBe(FILE);
      // located: a line in the file, or a key path; only the size limit and the count of unlisted problems have no place
      expect(
        p.line > 0 || p.path.length > 0 || /^(the file is larger than|and [\d,]+ more problems?$)/.test(p.message),
      ).toBe(true);
      // in the words of docs/configuration.md, never the YAML library's or zod's
      expect(
        PROBLEM_FORMS.some((f) => f.pattern.test(p.message)),
        p.message,
      ).toBe(true);
    }
  }
  return result.kind;
}

/** Nothing but `null` or `{}` is valid both as `gates` and as `defaults`: they share no key. */
const isEmptyMapping = (value: unknown) =>
  value === null || (typeof value === 'object' && !Array.isArray(value) && Object.keys(value as object).length === 0);

/** What plain YAML makes of a text: `not-a-mapping` (an error, a scalar or a list) cannot be a valid config. */
function yamlShape(text: string): 'nothing' | 'mapping' | 'not-a-mapping' {
  try {
    const value: unknown = parseYaml(text);
    if (value === null || value === undefined) return 'nothing';
    return typeof value === 'object' && !Array.isArray(value) ? 'mapping' : 'not-a-mapping';
  } catch {
    return 'not-a-mapping';
  }
}

describe('hostile configs', () => {
  it('10,000 generated config documents: no crash, each with the expected verdict, every invalid one located', () => {
    fc.assert(
      fc.property(configish, (value) => {
        expect(assertLocated(stringify({ gates: value, defaults: value }))).toBe(
          isEmptyMapping(value) ? 'ok' : 'invalid',
        );
      }),
      { numRuns: 5_000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        const verdict = assertLocated(text);
        const shape = yamlShape(text);
        if (shape === 'not-a-mapping') expect(verdict, JSON.stringify(text)).toBe('invalid');
        if (shape === 'nothing') expect(verdict, JSON.stringify(text)).toBe('ok');
      }),
      { numRuns: 5_000 },
    );
  }, 60_000); // 10,000 parses: seconds on a loaded machine

  it.each([
    ['deep nesting', `${'a: '.repeat(1)}${'['.repeat(5000)}${']'.repeat(5000)}`],
    ['deep mappings', Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')],
    [
      'an alias bomb',
      [
        'a: &a [x,x,x,x,x,x,x,x,x,x]',
        'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
        'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
        'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
        'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      ].join('\n'),
    ],
    ['huge numbers', 'gates:\n  batch-size:\n    max_lines: 1e309\n    max_files: 99999999999999999999999\n'],
    ['a hostile user regex', 'gates:\n  linked-ticket:\n    patterns: ["(a+)+$", "(?=x)", "\\\\1"]\n'],
    ['tags and binary', '!!binary AAAA\n--- !!set\n? a\n'],
    ['NUL and BOM', '\uFEFFdefaults:\n  mode: "\u0000"\n'],
  ])('%s is refused', (_name, text) => {
    const started = Date.now();
    expect(assertLocated(text)).toBe('invalid');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('hostile CODEOWNERS files', () => {
  const line = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc
      .tuple(
        fc.stringMatching(/^[!/*a-z\\[\] #.?-]{1,20}$/),
        fc.array(fc.stringMatching(/^@?[a-z@./_-]{0,15}$/), { maxLength: 3 }),
      )
      .map(([p, o]) => `${p} ${o.join(' ')}`),
  );
  it('parse, compile and match without throwing', () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 40 }),
        fc.array(fc.string({ maxLength: 60 }), { maxLength: 20 }),
        (lines, paths) => {
          const compiled = compileCodeowners(lines.join('\n'));
          for (const p of paths) compiled.ownersOf(p);
          for (const problem of compiled.problems) expect(problem.line).toBeGreaterThan(0);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

describe('hostile globs and CODEOWNERS patterns', () => {
  const path = `${'a'.repeat(100)}/${'a'.repeat(100)}`;
  it.each([
    ['an extglob in exclude', { 'batch-size': { exclude: ['@(a+)+c', '+(a|aa)+c', '*(a*)*c'] } }],
    ['an extglob in tests globs', { 'tests-touched': { tests: ['@(a+)+c/'], source: ['!(a+)+c'] } }],
  ] as [string, Record<string, Record<string, unknown> | undefined>][])(
    '%s: no catastrophic backtracking',
    (_name, gates) => {
      const config = structuredClone(DEFAULT_CONFIG);
      Object.assign(config.gates['batch-size'], gates['batch-size'] ?? {});
      Object.assign(config.gates['tests-touched'], gates['tests-touched'] ?? {});
      const pr = aSnapshot({ files: capped([aFile(`${'a'.repeat(40)}!`), aFile(path)]) });
      const started = Date.now();
      runGates(pr, config);
      expect(Date.now() - started).toBeLessThan(1_000);
    },
  );

  it('a CODEOWNERS line with many wildcards against long paths', () => {
    const compiled = compileCodeowners('*a*a*a*a*a*a*a*a*c @x\n**/a*a*a*/**/*a*a*a*b/** @y\n');
    const started = Date.now();
    for (let n = 20; n <= 200; n += 20) compiled.ownersOf(`${'a'.repeat(n)}/${'a'.repeat(n)}`);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(compiled.ownersOf('xaaaaaaaac').map((o) => o.text)).toEqual(['@x']);
  });
});

describe('hostile pull requests', () => {
  const big = fc
    .string({ unit: 'binary', maxLength: 2_000 })
    .map((s) => s.repeat(1 + Math.floor(65_536 / Math.max(s.length, 1) / 8)).slice(0, 65_536));
  it('titles, bodies, branches, paths and subjects up to 64 KB of arbitrary Unicode: every gate answers, the output stays in limits', () => {
    const config = structuredClone(DEFAULT_CONFIG);
    config.gates['linked-ticket'].patterns = ['(a+)+$', 'TICKET-\\d+'];
    config.gates['linked-ticket'].in = ['title', 'branch', 'body', 'commits'];
    fc.assert(
      fc.property(
        big,
        big,
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }), { maxLength: 20 }),
        (title, body, branch, paths) => {
          const pr = aSnapshot({
            title,
            body,
            headRef: branch,
            files: capped(paths.map((p) => aFile(p, 3, 1))),
            commits: capped([aCommit({ subject: title.slice(0, 500), message: body })]),
            base: {
              codeowners: {
                path: 'CODEOWNERS',
                oid: 'x',
                byteSize: 10,
                text: `* @a\n${paths[0] ?? ''} @b\n`,
                truncated: false,
              },
              gitattributes: {
                path: '.gitattributes',
                oid: 'y',
                byteSize: 10,
                text: `${paths[1] ?? ''} linguist-generated\n`,
                truncated: false,
              },
            },
          });
          const outcomes = runGates(pr, config);
          for (const o of outcomes) expect(JSON.stringify(o.result.details)).not.toContain('Internal error');
          const out = renderCheckRun({ kind: 'evaluated', outcomes, notes: [] });
          expect(out.summary.length).toBeLessThanOrEqual(CHECK_LIMITS.summary);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a pathological user pattern against a 64 KB body completes (linear time)', () => {
    const config = structuredClone(DEFAULT_CONFIG);
    config.gates['linked-ticket'].patterns = ['(a+)+$', '(a|aa)*b', '(x+x+)+y'];
    const pr = aSnapshot({ title: 'none', body: `${'a'.repeat(65_536)}!`, headRef: 'x'.repeat(200) });
    const started = Date.now();
    const outcomes = runGates(pr, config);
    expect(outcomes.find((o) => o.id === 'linked-ticket')?.status).toBe('fail');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('mentions and links from user text (issue 14)', () => {
  const piece = fc.constantFrom(
    '@',
    'octocat',
    'acme/team',
    'https',
    'HTTP',
    'ftp',
    '://',
    ':',
    '/',
    '//',
    'www',
    'WWW',
    '.',
    'example',
    'com',
    ' ',
    '`',
    '``',
    '\\',
    '&',
    '#64;',
    '#x40;',
    '|',
    '[',
    ']',
    '(',
    ')',
    '_',
    '*',
    '<',
    '>',
    '\n',
    'mailto:',
    'a@b.co',
    '\u200b',
  );
  const hostile = fc.array(piece, { minLength: 1, maxLength: 24 }).map((p) => p.join(''));

  it('generated text is inert as plain text, code, list, table and title', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const result = {
          status: 'fail' as const,
          reason: text,
          details: [
            { kind: 'list' as const, title: text, items: [text, [{ code: text }]] },
            { kind: 'table' as const, header: ['x'], rows: [[[text, { code: text }]]] },
          ],
          fix: [{ kind: 'paragraph' as const, text }],
        };
        const outcome = outcomeOf('tests-touched', 'Tests touched', 'block', result);
        const run = renderCheckRun({ kind: 'evaluated', outcomes: [outcome], notes: [text] });
        const gateRun = renderGateRun(outcome);
        for (const out of [renderText(text), renderText([{ code: text }], true), run.summary, gateRun.summary]) {
          expect(autolinks(out)).toEqual([]);
        }
        for (const title of [run.title, gateRun.title]) expect(autolinksInTitle(title)).toEqual([]);
      }),
      { numRuns: 2_000 },
    );
  });

  it('a pull request full of mentions and links: every gate, its details and fixes, and a config problem, render inert', () => {
    const bait = '@octocat @acme/security https://evil.example/login www.evil.example dana@evil.example';
    const config = structuredClone(DEFAULT_CONFIG);
    config.gates['signed-commits'].require = 'both';
    config.gates['linked-ticket'].in = ['title', 'branch', 'body', 'commits'];
    const pr = aSnapshot({
      title: `Refactor ${bait}`,
      body: bait,
      headRef: 'feature/@octocat-https://evil.example',
      author: { login: 'mallory', isBot: false },
      files: capped([
        ...Array.from({ length: 30 }, (_, i) => aFile(`src/@octocat/www.evil.example/https:/x${i}.ts`, 40, 0)),
        aFile('docs/@admin.md', 1000, 0),
      ]),
      commits: capped([
        aCommit({
          subject: `Add ${bait}`,
          message: `Add ${bait}`,
          signature: null,
          authorName: '@octocat',
          authorEmail: 'x@evil.example',
        }),
      ]),
      reviews: capped([aReview('bob', 'changes_requested')]),
      base: {
        codeowners: {
          path: 'CODEOWNERS',
          oid: 'x',
          byteSize: 40,
          text: '* @acme/owners\n/src/ @octocat\n',
          truncated: false,
        },
        gitattributes: null,
      },
    });
    const outcomes = runGates(pr, config);
    expect(outcomes.filter((o) => o.status === 'fail')).toHaveLength(5);
    const parsed = parseConfigText(
      `gates:\n  "${bait}": 1\n  batch-size:\n    exclude: ${bait}\n`,
      `acme/api:.github/quality-gates.yml@${bait}`,
    );
    expect(parsed.kind).toBe('invalid');
    const outputs = [
      renderCheckRun(
        { kind: 'evaluated', outcomes, notes: [] },
        { kind: 'invalid', problems: parsed.kind === 'invalid' ? parsed.problems : [], removed: false },
      ),
      renderCheckRun({ kind: 'config-error', problems: parsed.kind === 'invalid' ? parsed.problems : [] }),
      renderCheckRun({ kind: 'skipped', title: `Skipped: label ${bait}`, reason: bait }),
      ...outcomes.map(renderGateRun),
    ];
    for (const out of outputs) {
      expect(autolinks(out.title)).toEqual([]);
      expect(autolinks(out.summary)).toEqual([]);
    }
    // the user text is still there to read
    expect(outputs[0]!.summary.replace(/\u200b/g, '')).toContain('src/@octocat/www.evil.example/https:/x0.ts');
  });
});
