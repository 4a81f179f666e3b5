import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatProblem, parseConfigText } from '../../src/config/parse.js';
import { mergeConfig, parseExtends, resolveConfig } from '../../src/config/resolve.js';
import { DEFAULT_CONFIG, QualityGatesConfig } from '../../src/config/schema.js';

const FILE = 'acme/api:.github/quality-gates.yml';
const problems = (text: string) => {
  const r = parseConfigText(text, FILE);
  return r.kind === 'invalid' ? r.problems.map(formatProblem) : [];
};

describe('config schema', () => {
  it('has SPEC §4 defaults: all five gates on, mode block', () => {
    expect(DEFAULT_CONFIG.defaults.mode).toBe('block');
    expect(Object.keys(DEFAULT_CONFIG.gates)).toEqual(['batch-size', 'linked-ticket', 'tests-touched', 'signed-commits', 'codeowners-review']);
    expect(DEFAULT_CONFIG).toMatchObject({
      checks: { name: 'Quality Gates', per_gate: false },
      skip: { drafts: true, authors: [], labels: [] },
      on_error: 'failure',
      gates: {
        'batch-size': { max_lines: 400, max_files: 50, exclude: [], default_excludes: true },
        'linked-ticket': { in: ['title', 'branch', 'body'], projects: [], patterns: [] },
        'signed-commits': { require: 'signature' },
        'codeowners-review': { require: 'any-owner', dismiss_stale: false },
      },
    });
  });

  it('accepts the annotated example of SPEC §4', () => {
    const text = `_extends: .github
defaults:
  mode: block
checks:
  name: Quality Gates
  per_gate: false
skip:
  drafts: true
  authors: ["dependabot[bot]"]
  labels: []
on_error: failure
gates:
  batch-size: { mode: block, max_lines: 400, max_files: 50, exclude: [], default_excludes: true }
  linked-ticket: { mode: block, in: [title, branch, body], projects: [PAY, OPS], patterns: ['JIRA-\\d+'] }
  tests-touched: { mode: warn, source: ['src/**'], tests: ['test/'], exclude: [] }
  signed-commits: { mode: block, require: signature }
  codeowners-review: { mode: off, require: any-owner, dismiss_stale: false }
`;
    expect(parseConfigText(text, FILE)).toMatchObject({ kind: 'ok' });
  });

  it('describes every field (for the JSON Schema and docs)', () => {
    const missing: string[] = [];
    const walk = (schema: Record<string, unknown>, path: string) => {
      if (!schema.description && path) missing.push(path);
      for (const [key, sub] of Object.entries((schema.properties as Record<string, Record<string, unknown>>) ?? {})) walk(sub, path ? `${path}.${key}` : key);
    };
    const schema = z.toJSONSchema(QualityGatesConfig, { io: 'input' }) as Record<string, unknown>;
    walk(schema, '');
    expect(Object.keys((schema.properties as object) ?? {})).toHaveLength(6);
    expect(missing).toEqual([]);
  });
});

describe('parseConfigText', () => {
  it.each([
    ['an empty file is the defaults', ''],
    ['a comment-only file is the defaults', '# nothing here\n'],
  ])('%s', (_name, text) => {
    expect(parseConfigText(text, FILE)).toEqual({ kind: 'ok', file: FILE, raw: {} });
  });

  it.each([
    ['unknown top-level key', 'gatez: {}\n', `${FILE}:1:1 gatez: unknown key "gatez"; allowed here: _extends, defaults, checks, skip, on_error, gates`],
    ['unknown gate', 'gates:\n  batch_size: {}\n', `${FILE}:2:3 gates.batch_size: unknown key "batch_size"; allowed here: batch-size, linked-ticket, tests-touched, signed-commits, codeowners-review`],
    ['wrong enum', 'defaults:\n  mode: strict\n', `${FILE}:2:9 defaults.mode: must be one of: "block", "warn", "off"`],
    ['wrong type', 'gates:\n  batch-size:\n    max_files: "ten"\n', `${FILE}:3:16 gates.batch-size.max_files: must be a number`],
    ['negative number', 'gates:\n  batch-size:\n    max_lines: -1\n', `${FILE}:3:16 gates.batch-size.max_lines: must be at least 0`],
    ['list expected', 'skip:\n  labels: hotfix\n', `${FILE}:2:11 skip.labels: must be a list`],
    ['bad require', 'gates:\n  signed-commits:\n    require: gpg\n', `${FILE}:3:14 gates.signed-commits.require: must be one of: "signature", "signoff", "both", "either"`],
    ['not a mapping', '- a\n- b\n', `${FILE}:1:1: the file must be a YAML mapping of keys (defaults, checks, skip, on_error, gates)`],
    ['duplicate key', 'on_error: failure\non_error: neutral\n', `${FILE}:2:1: not valid YAML: Map keys must be unique`],
    ['broken YAML', 'gates: [\n', `${FILE}:2:1: not valid YAML`],
    ['invalid RE2 pattern', 'gates:\n  linked-ticket:\n    patterns: ["(a)\\\\1"]\n', `${FILE}:3:16 gates.linked-ticket.patterns.0: not a valid RE2 regular expression`],
  ])('%s', (_name, text, expected) => {
    const found = problems(text);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toContain(expected);
  });

  it('reports every problem, not only the first', () => {
    expect(problems('defaults:\n  mode: x\nchecks:\n  nme: y\non_error: z\n')).toHaveLength(3);
  });

  it('survives an alias bomb', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)}]`);
    const r = parseConfigText(bomb.join('\n'), FILE);
    expect(r.kind).toBe('invalid');
  });

  it('refuses huge files', () => {
    expect(problems(`# ${'x'.repeat(300 * 1024)}\n`)[0]).toContain('larger than 256 KB');
  });
});

describe('resolveConfig', () => {
  const repoFile = (text: string) => ({ file: FILE, text });
  const orgFile = (text: string) => ({ file: 'acme/.github:.github/quality-gates.yml', text });

  it('is missing (defaults) when there is no file anywhere', async () => {
    expect(await resolveConfig({ owner: 'acme', repoFile: null, orgFile: null })).toMatchObject({ kind: 'missing', config: DEFAULT_CONFIG });
  });

  it('uses the org file when the repository has none', async () => {
    const r = await resolveConfig({ owner: 'acme', repoFile: null, orgFile: orgFile('defaults: { mode: warn }') });
    expect(r.kind === 'ok' && r.config.defaults.mode).toBe('warn');
  });

  it('a repository file replaces the org file unless it extends it', async () => {
    const org = orgFile('skip: { labels: [a] }\ngates: { batch-size: { max_lines: 10, exclude: [x] } }');
    const replaced = await resolveConfig({ owner: 'acme', repoFile: repoFile('gates: { batch-size: { max_files: 3 } }'), orgFile: org });
    expect(replaced.kind === 'ok' && replaced.config.gates['batch-size']).toMatchObject({ max_lines: 400, max_files: 3 });

    const extended = await resolveConfig({ owner: 'acme', repoFile: repoFile('_extends: .github\ngates: { batch-size: { max_files: 3, exclude: [y] } }'), orgFile: org });
    expect(extended.kind === 'ok' && extended.config.gates['batch-size']).toMatchObject({ max_lines: 10, max_files: 3, exclude: ['y'] });
    expect(extended.kind === 'ok' && extended.config.skip.labels).toEqual(['a']);
    expect(extended.kind === 'ok' && extended.sources).toEqual([FILE, 'acme/.github:.github/quality-gates.yml']);
  });

  it('reads other _extends targets through fetchFile, and detects cycles', async () => {
    const calls: string[] = [];
    const r = await resolveConfig({
      owner: 'acme',
      repoFile: repoFile('_extends: shared/policies:gates.yml'),
      orgFile: null,
      fetchFile: async (t) => {
        calls.push(`${t.owner}/${t.repo}:${t.path}`);
        return { file: 'shared', text: 'on_error: neutral\n' };
      },
    });
    expect(calls).toEqual(['shared/policies:gates.yml']);
    expect(r.kind === 'ok' && r.config.on_error).toBe('neutral');

    const loop = await resolveConfig({ owner: 'acme', repoFile: repoFile('_extends: other'), orgFile: null, fetchFile: async () => ({ file: 'other', text: '_extends: other\n' }) });
    expect(loop.kind).toBe('invalid');
  });

  it('reports a missing _extends target and a failing read', async () => {
    expect((await resolveConfig({ owner: 'acme', repoFile: repoFile('_extends: nope'), orgFile: null, fetchFile: async () => null })).kind).toBe('invalid');
    const failed = await resolveConfig({ owner: 'acme', repoFile: repoFile('_extends: nope'), orgFile: null, fetchFile: async () => Promise.reject(new Error('502')) });
    expect(failed.kind).toBe('load-error');
  });

  it('parses _extends forms', () => {
    expect(parseExtends('.github', 'acme')).toEqual({ owner: 'acme', repo: '.github', path: '.github/quality-gates.yml' });
    expect(parseExtends('other/repo:conf/gates.yml', 'acme')).toEqual({ owner: 'other', repo: 'repo', path: 'conf/gates.yml' });
    expect(parseExtends('not a repo', 'acme')).toBeUndefined();
  });

  it('merges objects key by key; lists and scalars replace', () => {
    expect(mergeConfig({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: 2 })).toEqual({ a: { b: 1, c: [3] }, d: 2 });
  });
});
