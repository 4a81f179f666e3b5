import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCodeowners, patternToRegExp } from '../../gates/lib/codeowners/match.js';

/** Owners (as written) of `path` under `text`; `null` when no line matches. */
const owners = (text: string, path: string) => {
  const rule = compileCodeowners(text).ruleFor(path);
  return rule ? rule.owners.map((o) => o.text) : null;
};

/**
 * Every example of GitHub's "About code owners" documentation
 * (https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners),
 * each line on its own with the paths the docs describe.
 */
describe('GitHub’s documented examples, line by line', () => {
  it.each([
    // "These owners will be the default owners for everything in the repo."
    {
      text: '*       @global-owner1 @global-owner2',
      path: 'README.md',
      expected: ['@global-owner1', '@global-owner2'],
    },
    {
      text: '*       @global-owner1 @global-owner2',
      path: 'some/deeply/nested/file.rb',
      expected: ['@global-owner1', '@global-owner2'],
    },
    {
      text: '*       @global-owner1 @global-owner2',
      path: '.github/workflows/ci.yml',
      expected: ['@global-owner1', '@global-owner2'],
    },
    // "When someone opens a pull request that only modifies JS files, only @js-owner ..."
    { text: '*.js    @js-owner #This is an inline comment.', path: 'app.js', expected: ['@js-owner'] },
    { text: '*.js    @js-owner #This is an inline comment.', path: 'src/lib/app.js', expected: ['@js-owner'] },
    { text: '*.js    @js-owner #This is an inline comment.', path: 'src/app.ts', expected: null },
    // "You can also use email addresses if you prefer."
    { text: '*.go docs@example.com', path: 'main.go', expected: ['docs@example.com'] },
    { text: '*.go docs@example.com', path: 'cmd/server/main.go', expected: ['docs@example.com'] },
    // "the octocats team in the octo-org organization owns all .txt files."
    { text: '*.txt @octo-org/octocats', path: 'notes.txt', expected: ['@octo-org/octocats'] },
    { text: '*.txt @octo-org/octocats', path: 'docs/notes/todo.txt', expected: ['@octo-org/octocats'] },
    // "@doctocat owns any files in the build/logs directory at the root of the repository and any of its subdirectories."
    { text: '/build/logs/ @doctocat', path: 'build/logs/app.log', expected: ['@doctocat'] },
    { text: '/build/logs/ @doctocat', path: 'build/logs/2024/01/app.log', expected: ['@doctocat'] },
    { text: '/build/logs/ @doctocat', path: 'src/build/logs/app.log', expected: null },
    { text: '/build/logs/ @doctocat', path: 'build/app.log', expected: null },
    // "The docs/* pattern will match files like docs/getting-started.md but not further nested files like docs/build-app/troubleshooting.md."
    { text: 'docs/* docs@example.com', path: 'docs/getting-started.md', expected: ['docs@example.com'] },
    { text: 'docs/* docs@example.com', path: 'docs/build-app/troubleshooting.md', expected: null },
    // "@octocat owns any file in an apps directory anywhere in your repository."
    { text: 'apps/ @octocat', path: 'apps/web/index.js', expected: ['@octocat'] },
    { text: 'apps/ @octocat', path: 'services/apps/api/main.go', expected: ['@octocat'] },
    { text: 'apps/ @octocat', path: 'apps', expected: null },
    // "@doctocat owns any file in the /docs directory in the root of your repository and any of its subdirectories."
    { text: '/docs/ @doctocat', path: 'docs/getting-started.md', expected: ['@doctocat'] },
    { text: '/docs/ @doctocat', path: 'docs/build-app/troubleshooting.md', expected: ['@doctocat'] },
    { text: '/docs/ @doctocat', path: 'src/docs/readme.md', expected: null },
    // "any change inside the /scripts directory will require approval from @doctocat or @octocat."
    { text: '/scripts/ @doctocat @octocat', path: 'scripts/deploy.sh', expected: ['@doctocat', '@octocat'] },
    { text: '/scripts/ @doctocat @octocat', path: 'scripts/ci/lint.sh', expected: ['@doctocat', '@octocat'] },
    // "@octocat owns any file in a /logs directory such as /build/logs, /scripts/logs, and /deeply/nested/logs."
    { text: '**/logs @octocat', path: 'build/logs/app.log', expected: ['@octocat'] },
    { text: '**/logs @octocat', path: 'scripts/logs/run.log', expected: ['@octocat'] },
    { text: '**/logs @octocat', path: 'deeply/nested/logs/x/y.log', expected: ['@octocat'] },
    { text: '**/logs @octocat', path: 'logs/app.log', expected: ['@octocat'] },
    { text: '**/logs @octocat', path: 'build/logsarchive/app.log', expected: null },
    // "@octocat owns any file in the /apps directory ... except for the /apps/github subdirectory, as its owners are left empty."
    { text: '/apps/ @octocat\n/apps/github', path: 'apps/web/index.js', expected: ['@octocat'] },
    { text: '/apps/ @octocat\n/apps/github', path: 'apps/github/index.js', expected: [] },
    // "... except for the /apps/github subdirectory, as this subdirectory has its own owner @doctocat"
    { text: '/apps/ @octocat\n/apps/github @doctocat', path: 'apps/web/index.js', expected: ['@octocat'] },
    { text: '/apps/ @octocat\n/apps/github @doctocat', path: 'apps/github/index.js', expected: ['@doctocat'] },
  ])('$text → $path', ({ text, path, expected }) => {
    expect(owners(text, path)).toEqual(expected);
  });
});

/** The documentation's example file as a whole: the last matching line wins. */
const DOC_EXAMPLE = `# This is a comment.
# Each line is a file pattern followed by one or more owners.
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/* docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github @doctocat
`;

describe('GitHub’s documented example file, whole', () => {
  it.each([
    { path: 'README.md', expected: ['@global-owner1', '@global-owner2'] },
    { path: 'src/index.js', expected: ['@js-owner'] },
    { path: 'cmd/main.go', expected: ['docs@example.com'] },
    { path: 'notes.txt', expected: ['@octo-org/octocats'] },
    { path: 'build/logs/app.log', expected: ['@octocat'] }, // **/logs comes after /build/logs/
    { path: 'docs/getting-started.md', expected: ['@doctocat'] }, // /docs/ comes after docs/*
    { path: 'docs/build-app/troubleshooting.md', expected: ['@doctocat'] },
    { path: 'scripts/deploy.sh', expected: ['@doctocat', '@octocat'] },
    { path: 'scripts/logs/run.log', expected: ['@octocat'] },
    { path: 'apps/web/index.js', expected: ['@octocat'] },
    { path: 'apps/github/index.js', expected: ['@doctocat'] },
    { path: 'lib/apps/util.rb', expected: ['@octocat'] },
  ])('$path', ({ path, expected }) => {
    expect(owners(DOC_EXAMPLE, path)).toEqual(expected);
  });

  it('skips no line of it', () => {
    expect(compileCodeowners(DOC_EXAMPLE).problems).toEqual([]);
    expect(compileCodeowners(DOC_EXAMPLE).rules).toHaveLength(12);
  });
});

describe('pattern semantics', () => {
  it.each([
    // `*` stays within a segment
    ['*', 'a', true],
    ['*', 'a/b/c.txt', true],
    ['*', '.hidden', true],
    ['*.md', 'README.md', true],
    ['*.md', 'docs/a/b/README.md', true],
    ['*.md', 'README.mdx', false],
    ['*.md', 'notes.md/inside.txt', true], // a directory named *.md and everything below
    ['/*.md', 'README.md', true],
    ['/*.md', 'docs/README.md', false],
    ['src/*.ts', 'src/a.ts', true],
    ['src/*.ts', 'src/sub/a.ts', false],
    ['src/*.ts', 'lib/src/a.ts', false],
    ['a*b', 'axxb', true],
    ['a*b', 'ax/xb', false],
    // `?` is one character, never `/`
    ['?.js', 'a.js', true],
    ['?.js', 'ab.js', false],
    ['a?c', 'a/c', false],
    ['file?.txt', 'dir/file1.txt', true],
    // leading `**/`
    ['**/logs', 'logs', true],
    ['**/logs', 'a/b/logs/c', true],
    ['**/logs/*.log', 'x/logs/a.log', true],
    ['**/logs/*.log', 'logs/a.log', true],
    ['**/logs/*.log', 'x/logs/sub/a.log', false],
    ['**/foo/bar', 'foo/bar', true],
    ['**/foo/bar', 'a/foo/bar/baz', true],
    ['**/foo/bar', 'a/foo/x/bar', false],
    // trailing `/**`
    ['abc/**', 'abc/a', true],
    ['abc/**', 'abc/a/b/c', true],
    ['abc/**', 'abc', false],
    ['abc/**', 'x/abc/a', false],
    ['/abc/**', 'abc/a', true],
    // inner `/**/`
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/b', true],
    ['a/**/b', 'a/x/y/z/b', true],
    ['a/**/b', 'a/x/y/z/b/c.txt', true],
    ['a/**/b', 'a/xb', false],
    ['a/**/b', 'x/a/b', false],
    ['src/**/*.test.ts', 'src/a.test.ts', true],
    ['src/**/*.test.ts', 'src/x/y/a.test.ts', true],
    ['src/**/*.test.ts', 'src/x/y/a.ts', false],
    ['**', 'anything/at/all', true],
    // anchoring
    ['/README.md', 'README.md', true],
    ['/README.md', 'docs/README.md', false],
    ['README.md', 'docs/README.md', true],
    ['docs/guide', 'docs/guide/intro.md', true],
    ['docs/guide', 'x/docs/guide/intro.md', false],
    ['/build/logs', 'build/logs', true],
    ['/build/logs', 'build/logs/a/b.log', true],
    ['/build/logs', 'build/logsx', false],
    // a name without a slash matches at any depth, as a file or a directory
    ['apps', 'apps', true],
    ['apps', 'apps/a.js', true],
    ['apps', 'x/y/apps/z/a.js', true],
    ['apps', 'myapps/a.js', false],
    ['Makefile', 'tools/Makefile', true],
    // trailing `/`: a directory and everything below, never a file
    ['apps/', 'apps/a.js', true],
    ['apps/', 'x/apps/a.js', true],
    ['apps/', 'apps', false],
    ['/docs/', 'docs/a/b/c.md', true],
    ['/docs/', 'x/docs/a.md', false],
    ['docs/api/', 'docs/api/v1.md', true],
    ['docs/api/', 'x/docs/api/v1.md', false],
    // GitHub's exception: a trailing `/*` is direct children only
    ['docs/*', 'docs/a.md', true],
    ['docs/*', 'docs/a/b.md', false],
    ['docs/*', 'x/docs/a.md', false],
    ['/*', 'README.md', true],
    ['/*', 'src/index.ts', false],
    ['**/docs/*', 'a/docs/x.md', true],
    ['**/docs/*', 'a/docs/x/y.md', false],
    ['src/*/', 'src/a/b.ts', true],
    ['src/*/', 'src/b.ts', false],
    ['a/**/*', 'a/b/c/d', true],
    // case-sensitive paths
    ['/Docs/', 'docs/a.md', false],
    ['*.MD', 'README.md', false],
    ['readme.md', 'README.md', false],
    // escapes
    ['my\\ file.md', 'docs/my file.md', true],
    ['my\\ file.md', 'docs/my\\ file.md', false],
    ['\\*.md', '*.md', true],
    ['\\*.md', 'a.md', false],
    ['file\\[1\\].txt', 'file[1].txt', true],
    ['a\\?', 'a?', true],
    ['a\\?', 'ab', false],
    // regex metacharacters in names are literal
    ['a+b(c).md', 'a+b(c).md', true],
    ['a.b', 'axb', false],
    ['$HOME', 'x/$HOME/y', true],
    ['^x|y', '^x|y', true],
    ['{a,b}', 'a', false],
    ['{a,b}', '{a,b}', true],
    // unicode names
    ['*.ü', 'dir/ä.ü', true],
    ['?.txt', 'é.txt', true],
    ['?.txt', '😀.txt', true],
  ] as const)('%s ~ %s → %s', (pattern, path, matches) => {
    expect(patternToRegExp(pattern).test(path)).toBe(matches);
    // The compiled file (with its index) agrees with the bare pattern.
    expect(compileCodeowners(`${pattern} @o`).ruleFor(path) !== undefined).toBe(matches);
  });
});

/**
 * Directory patterns (a trailing `/`, a whole `**` segment) as `git check-ignore` reads them: a
 * directory pattern never matches a file of that name, and `**\/` names directories only, so no
 * file at the root. Every row is checked against the git on this machine too (below), so the
 * table states git's semantics, not ours. (GitHub's one documented difference, a last `*` segment
 * matching direct children only, is in the table above.)
 */
const DIRECTORY_PATTERNS: readonly (readonly [pattern: string, path: string, matches: boolean])[] = [
  ['**/', 'README.md', false],
  ['**/', 'src/a.ts', true],
  ['**/', 'src/x/y.ts', true],
  ['/**/', 'README.md', false],
  ['/**/', 'src/a.ts', true],
  ['/**/', 'a/b/c/d.txt', true],
  ['**/*/', 'README.md', false],
  ['**/*/', 'src/a.ts', true],
  ['*/', 'README.md', false],
  ['*/', 'src/a.ts', true],
  ['/*/', 'README.md', false],
  ['/*/', 'src/x/y.ts', true],
  ['a/**/', 'a', false],
  ['a/**/', 'a/f.txt', false],
  ['a/**/', 'a/b/g.txt', true],
  ['a/**/', 'a/b/c/d.txt', true],
  ['a/**/', 'x/a/b/g.txt', false],
  ['/a/**/', 'a/f.txt', false],
  ['/a/**/', 'a/b/g.txt', true],
  ['a/**/b/', 'a/b', false],
  ['a/**/b/', 'a/b/c', true],
  ['a/**/b/', 'a/x/b', false],
  ['a/**/b/', 'a/x/y/b/c', true],
  ['**/logs/', 'logs', false],
  ['**/logs/', 'logs/a', true],
  ['**/logs/', 'x/logs/a', true],
  ['**/logs/', 'x/logs', false],
  ['src/', 'src', false],
  ['src/', 'src/a.ts', true],
  ['src/', 'lib/src/a.ts', true],
  ['**', 'README.md', true],
  ['**', 'src/a.ts', true],
  ['/**', 'README.md', true],
  ['a/**', 'a', false],
  ['a/**', 'a/f.txt', true],
  ['a/**', 'a/b/g.txt', true],
];

describe('directory patterns agree with git check-ignore', () => {
  it.each(DIRECTORY_PATTERNS)('%s ~ %s → %s', (pattern, path, matches) => {
    expect(patternToRegExp(pattern).test(path)).toBe(matches);
    // The compiled file (its index and fast paths) agrees with the bare pattern.
    expect(owners(`* @all\n${pattern} @dirs`, path)).toEqual([matches ? '@dirs' : '@all']);
  });

  it('the table is what git check-ignore says', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qg-check-ignore-'));
    try {
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, GIT_CONFIG_NOSYSTEM: '1' };
      execFileSync('git', ['init', '-q'], { cwd: dir, env });
      const byPattern = new Map<string, string[]>();
      for (const [pattern, file] of DIRECTORY_PATTERNS)
        byPattern.set(pattern, [...(byPattern.get(pattern) ?? []), file]);
      const actual: (readonly [string, string, boolean])[] = [];
      for (const [pattern, files] of byPattern) {
        writeFileSync(path.join(dir, '.git', 'info', 'exclude'), `${pattern}\n`);
        // Nothing exists on disk: git takes a path with children for a directory, the rest for files.
        const out = spawnSync('git', ['check-ignore', '--no-index', '--stdin'], {
          cwd: dir,
          env,
          input: `${files.join('\n')}\n`,
          encoding: 'utf8',
        });
        expect(out.status === 0 || out.status === 1, out.stderr).toBe(true);
        const ignored = new Set(out.stdout.split('\n').filter(Boolean));
        for (const file of files) actual.push([pattern, file, ignored.has(file)]);
      }
      expect(actual).toEqual(DIRECTORY_PATTERNS.map((row) => [...row]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('compiled CODEOWNERS', () => {
  it('the last matching line wins, whatever index bucket each line is in', () => {
    const text = [
      '* @all',
      '*.ts @ts',
      '/src/ @src',
      'src/**/*.ts @deep',
      'generated @gen',
      '/src/legacy/ @legacy',
      '*.gen.ts @gents',
    ].join('\n');
    expect(owners(text, 'src/a.ts')).toEqual(['@deep']);
    expect(owners(text, 'src/legacy/a.ts')).toEqual(['@legacy']);
    expect(owners(text, 'src/legacy/a.gen.ts')).toEqual(['@gents']);
    expect(owners(text, 'src/generated/a.ts')).toEqual(['@gen']);
    expect(owners(text, 'lib/a.ts')).toEqual(['@ts']);
    expect(owners(text, 'README')).toEqual(['@all']);
  });

  it('tells an unowned path (a line without owners) from an unmatched one', () => {
    const c = compileCodeowners('/vendor/\n/src/ @src');
    expect(c.ruleFor('vendor/lib.c')?.owners).toEqual([]);
    expect(c.ownersOf('vendor/lib.c')).toEqual([]);
    expect(c.ruleFor('README.md')).toBeUndefined();
    expect(c.ownersOf('README.md')).toEqual([]);
  });

  it('ignores skipped lines, so paths fall back to earlier lines', () => {
    const c = compileCodeowners('* @all\n!secret/ @sec\n/secret/[ab] @sec');
    expect(c.problems.map((p) => p.line)).toEqual([2, 3]);
    expect(c.ownersOf('secret/a').map((o) => o.text)).toEqual(['@all']);
  });

  it('agrees with testing every line in order (the index never changes an answer)', () => {
    const segment = fc.constantFrom(
      'a',
      'b',
      'src',
      'docs',
      'logs',
      'x.ts',
      'y.md',
      'a.b.ts',
      '*',
      '**',
      '?',
      '*.ts',
      'a*',
      '*.md',
      'doc?',
    );
    const pattern = fc
      .tuple(fc.boolean(), fc.array(segment, { minLength: 1, maxLength: 4 }), fc.boolean())
      .map(([lead, segs, trail]) => `${lead ? '/' : ''}${segs.join('/')}${trail ? '/' : ''}`)
      .filter((p) => !p.includes('***'));
    const pathSegment = fc.constantFrom(
      'a',
      'b',
      'src',
      'docs',
      'logs',
      'x.ts',
      'y.md',
      'a.b.ts',
      'ab',
      'doc1',
      'c.ts',
    );
    const path = fc.array(pathSegment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/'));
    fc.assert(
      fc.property(
        fc.array(pattern, { minLength: 1, maxLength: 12 }),
        fc.array(path, { minLength: 1, maxLength: 20 }),
        (pats, paths) => {
          const text = pats.map((p, i) => `${p} @o${i}`).join('\n');
          const c = compileCodeowners(text);
          const regexes = c.rules.map((r) => patternToRegExp(r.pattern));
          for (const p of paths) {
            let expected: number | undefined;
            for (let i = regexes.length - 1; i >= 0; i--) {
              if (regexes[i]!.test(p)) {
                expected = c.rules[i]!.line;
                break;
              }
            }
            expect(c.ruleFor(p)?.line).toBe(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
