import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCodeowners } from '../../gates/lib/codeowners/parse.js';

const patterns = (text: string) => parseCodeowners(text).rules.map((r) => r.pattern);
const ownersOf = (text: string) => parseCodeowners(text).rules.map((r) => r.owners.map((o) => o.text));

describe('parseCodeowners: lines and comments', () => {
  it('skips comments and blank lines and numbers rules by their line', () => {
    const { rules, problems } = parseCodeowners(
      '# This is a comment.\n\n   \n*       @global-owner1 @global-owner2\n\t# indented comment\n*.js @js-owner\n',
    );
    expect(problems).toEqual([]);
    expect(rules.map((r) => [r.line, r.pattern])).toEqual([
      [4, '*'],
      [6, '*.js'],
    ]);
  });

  it('strips a trailing comment after whitespace, as in GitHub’s example', () => {
    expect(ownersOf('*.js    @js-owner #This is an inline comment.')).toEqual([['@js-owner']]);
    expect(ownersOf('*.js @a\t# tab before the comment @b')).toEqual([['@a']]);
  });

  it('keeps a # inside a pattern word (only a word-initial # starts a comment)', () => {
    expect(patterns('docs/c#/notes.md @a')).toEqual(['docs/c#/notes.md']);
    expect(patterns('issue#12.md @a')).toEqual(['issue#12.md']);
  });

  it('reads escaped spaces as part of the pattern', () => {
    const { rules } = parseCodeowners('docs/my\\ file.md @octocat\n/Program\\ Files/ @win');
    expect(rules.map((r) => r.pattern)).toEqual(['docs/my\\ file.md', '/Program\\ Files/']);
    expect(rules[0]!.owners.map((o) => o.text)).toEqual(['@octocat']);
  });

  it('handles CRLF and CR line endings, a BOM, tabs and repeated spaces', () => {
    const { rules, problems } = parseCodeowners('\uFEFF*.md\t\t@a   @b\r\n*.ts @c\r*.go @d');
    expect(problems).toEqual([]);
    expect(rules.map((r) => [r.line, r.pattern, r.owners.map((o) => o.key)])).toEqual([
      [1, '*.md', ['a', 'b']],
      [2, '*.ts', ['c']],
      [3, '*.go', ['d']],
    ]);
  });

  it('keeps a pattern with no owners: matching paths become unowned', () => {
    const { rules, problems } = parseCodeowners(
      '/apps/ @octocat\n/apps/github\n/apps/vendor   # no owners, comment only',
    );
    expect(problems).toEqual([]);
    expect(rules.map((r) => [r.pattern, r.owners.length])).toEqual([
      ['/apps/', 1],
      ['/apps/github', 0],
      ['/apps/vendor', 0],
    ]);
  });

  it('gives an owner named on many lines one object (a compiled file is kept; 500 lines name a few teams)', () => {
    const { rules } = parseCodeowners('/a/ @org/team @dev\n/b/ @dev @org/team\n/c/ @Dev\n');
    expect(rules[0]!.owners[0]).toBe(rules[1]!.owners[1]);
    expect(rules[0]!.owners[1]).toBe(rules[1]!.owners[0]);
    // Written differently, shown as written: its own object, the same key.
    expect(rules[2]!.owners[0]).not.toBe(rules[0]!.owners[1]);
    expect(rules[2]!.owners[0]).toMatchObject({ text: '@Dev', key: 'dev' });
  });

  it('returns nothing for an empty file', () => {
    expect(parseCodeowners('')).toEqual({ rules: [], problems: [] });
  });
});

describe('parseCodeowners: owners', () => {
  it.each([
    { word: '@octocat', kind: 'user', key: 'octocat' },
    { word: '@OctoCat', kind: 'user', key: 'octocat' },
    { word: '@global-owner1', kind: 'user', key: 'global-owner1' },
    { word: '@jane_acme', kind: 'user', key: 'jane_acme' },
    // Grandfathered logins GitHub still has: a trailing hyphen, two hyphens in a row.
    { word: '@tobias-', kind: 'user', key: 'tobias-' },
    { word: '@Old--Name', kind: 'user', key: 'old--name' },
    { word: '@legacy-org-/web', kind: 'team', key: 'legacy-org-/web' },
    { word: '@octo-org/octocats', kind: 'team', key: 'octo-org/octocats' },
    { word: '@Octo-Org/Core_Team', kind: 'team', key: 'octo-org/core_team' },
    { word: 'docs@example.com', kind: 'email', key: 'docs@example.com' },
    { word: 'Jane.Doe+cr@Example.CO.uk', kind: 'email', key: 'jane.doe+cr@example.co.uk' },
  ])('$word is a $kind owner keyed $key, shown as written', ({ word, kind, key }) => {
    const { rules, problems } = parseCodeowners(`*.md ${word}`);
    expect(problems).toEqual([]);
    expect(rules[0]!.owners).toEqual([{ kind, key, text: word }]);
  });

  it('a line whose owner is a legacy login ending in "-" is used, not skipped', () => {
    const { rules, problems } = parseCodeowners('* @default\n/crypto/ @tobias- @acme/core\n');
    expect(problems).toEqual([]);
    expect(rules[1]!.owners.map((o) => o.text)).toEqual(['@tobias-', '@acme/core']);
  });

  it('removes duplicate owners, comparing case-insensitively, keeping the first spelling', () => {
    expect(parseCodeowners('* @Alice @alice @acme/Web @ACME/web').rules[0]!.owners.map((o) => o.text)).toEqual([
      '@Alice',
      '@acme/Web',
    ]);
  });
});

describe('parseCodeowners: lines GitHub skips are reported, never fatal', () => {
  it.each([
    { line: '!docs/*.md @a', reason: /negation/ },
    { line: '! directory/* @some-owner', reason: /negation/ },
    { line: 'Python/ceval*.[ch] @markshannon', reason: /character ranges/ },
    { line: 'file[0-9].txt @a', reason: /character ranges/ },
    { line: '\\#hash.md @a', reason: /leading "#"/ },
    { line: '*.md octocat', reason: /"octocat" is not a valid owner/ },
    { line: '*.md @', reason: /"@" is not a valid owner/ },
    { line: '*.md @org/', reason: /"@org\/" is not a valid owner/ },
    { line: '*.md @org/team/sub', reason: /not a valid owner/ },
    { line: '*.md @-dash', reason: /not a valid owner/ },
    { line: '*.md @good @bad!', reason: /"@bad!" is not a valid owner/ },
    { line: '*.md user@', reason: /not a valid owner/ },
    { line: 'a/***/b @a', reason: /three or more/ },
    { line: '/ @a', reason: /matches no file/ },
    { line: 'trailing\\', reason: /lone "\\"/ },
  ])('$line', ({ line, reason }) => {
    const { rules, problems } = parseCodeowners(`* @default\n${line}\n*.ts @ts`);
    expect(problems).toEqual([{ line: 2, text: line, reason: expect.stringMatching(reason) }]);
    expect(rules.map((r) => r.line)).toEqual([1, 3]);
  });

  it('accepts escaped brackets, which are literal characters', () => {
    const { rules, problems } = parseCodeowners('file\\[1\\].txt @a');
    expect(problems).toEqual([]);
    expect(rules[0]!.pattern).toBe('file\\[1\\].txt');
  });

  it('reports every bad line with its own number', () => {
    const { problems } = parseCodeowners('!a @x\n\n# ok\n[b] @y\n*.md nobody\n');
    expect(problems.map((p) => p.line)).toEqual([1, 4, 5]);
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (text) => {
        const { rules, problems } = parseCodeowners(text);
        for (const r of rules) expect(r.line).toBeGreaterThan(0);
        for (const p of problems) expect(p.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 100 },
    );
  });
});
