/**
 * Config globs: gitignore conventions, matched in bounded time. The compiled matcher must answer
 * exactly as picomatch does on every glob it accepts and every path git can hold (the properties
 * below); the shapes it refuses get a message saying what to write; and hostile globs and paths
 * are answered, or stopped by the work bound, without backtracking.
 */
import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_EXCLUDES, DEFAULT_SOURCE_GLOBS, TestsTouchedConfig } from '../../gates/config-fields.js';
import {
  compileGlobs,
  globProblem,
  GlobWork,
  GlobWorkExceeded,
  MAX_GLOB_LENGTH,
  pathParts,
  toPicomatchGlobs,
} from '../../gates/lib/glob.js';

const DEFAULT_TEST_GLOBS = TestsTouchedConfig.parse({}).tests;

/** picomatch's answer for a list of gitignore-style globs: what a glob means. */
function referenceMatcher(patterns: readonly string[]): (path: string) => boolean {
  // `|` is plain text in a path; picomatch would leave it unescaped, as a regex alternation.
  const tests = patterns
    .flatMap(toPicomatchGlobs)
    .map((glob) => picomatch(glob.replaceAll('|', '\\|'), { dot: true, nocase: false, noextglob: true }));
  return (path) => tests.some((t) => t(path));
}

/** An empty, `.` or `..` segment: git cannot store such a path, so GitHub never lists one. */
const notAGitPath = (path: string) => /(?:^|\/)\.{0,2}(?:\/|$)/.test(path);

describe('compileGlobs', () => {
  it.each([
    // [globs, path, matches]
    [['*.lock'], 'yarn.lock', true],
    [['*.lock'], 'deep/dir/Cargo.lock', true],
    [['*.lock'], 'yarn.lock.bak', false],
    [['yarn.lock'], 'packages/a/yarn.lock', true],
    [['yarn.lock'], 'packages/a/yarn.locks', false],
    [['__snapshots__/'], 'src/__snapshots__/a.snap', true],
    [['__snapshots__/'], '__snapshots__', false],
    [['vendor'], 'vendor/lib/a.go', true],
    [['vendor'], 'src/vendor', true],
    [['/docs/*.md'], 'docs/a.md', true],
    [['/docs/*.md'], 'src/docs/a.md', false],
    [['/docs/*.md'], 'docs/deep/a.md', false],
    [['src/generated/**'], 'src/generated/x/y.ts', true],
    [['src/generated/'], 'src/generated/y.ts', true],
    [['src/generated/'], 'lib/src/generated/y.ts', false],
    [['/README.md'], 'README.md', true],
    [['/README.md'], 'docs/README.md', false],
    [['test_*.py'], 'pkg/test_models.py', true],
    [['test_*.py'], 'pkg/models_test.py', false],
    [['*.test.*'], 'src/a.test.ts', true],
    [['*.test.*'], 'src/a.test', false],
    [['*.test.*'], 'src/test.ts', false],
    [['*.min.js'], 'public/app.min.js', true],
    [['*.min.js'], 'public/app.js', false],
    [['*.egg-info/'], 'build/x.egg-info/PKG-INFO', true],
    [['*.{ts,tsx}'], 'a/b.tsx', true],
    [['*.[ch]'], 'a/b.h', true],
    [['*.ts'], '.ts', true],
    [['*.ts'], 'src/.hidden/a.ts', true],
    [['?.go'], 'x/a.go', true],
    [['?.go'], 'x/ab.go', false],
    [['docs/**/*.md'], 'docs/a/b/c.md', true],
    [['docs/**/*.md'], 'docs/c.md', true],
    [['app/[id]/page.tsx'], 'app/[id]/page.tsx', true],
    [['app/\\(auth\\)/**'], 'app/(auth)/login.tsx', true],
    [['*.[^c]'], 'a/b.h', true],
    [['*.[^c]'], 'a/b.c', false],
    [[], 'anything', false],
  ])('%j matches %s: %s', (globs, path, expected) => {
    expect(compileGlobs(globs)(path)).toBe(expected);
    expect(referenceMatcher(globs)(path)).toBe(expected);
  });

  it('answers as picomatch does on the default lists, for paths of every shape', () => {
    // compiled once: picomatch over a hundred globs per path made this test take a minute
    const lists = [[...DEFAULT_BATCH_EXCLUDES], [...DEFAULT_SOURCE_GLOBS], [...DEFAULT_TEST_GLOBS]].map(
      (l) => [compileGlobs(l), referenceMatcher(l)] as const,
    );
    const segment = fc.constantFrom(
      'src',
      'test',
      'tests',
      'spec',
      '__tests__',
      '__snapshots__',
      'a.ts',
      'b.test.ts',
      'x_test.go',
      'test_y.py',
      'FooTest.java',
      'a_spec.rb',
      'yarn.lock',
      'app.min.js',
      'm.pb.go',
      'a.generated.cs',
      '.hidden',
      'x.snap',
      'Cargo.lock',
      'go.sum',
      'ü.py',
      'a.d.ts',
      'testdata',
      'db',
      'schema.rb',
      'q_schema.rb',
      '__generated__',
      'Q.graphql.ts',
      'm.g.dart',
      'M.gen.kt',
      'svc_pb.js',
      'androidTest',
      'A.UnitTests',
      '.openapi-generator',
    );
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (parts) => {
        const path = parts.join('/');
        for (const [fast, reference] of lists) expect(fast(path)).toBe(reference(path));
      }),
      { numRuns: 2_000 },
    );
  });

  // GLOB_RUNS=400000 npx vitest run test/gates/glob.test.ts -t arbitrary --testTimeout=2400000 runs a longer search.
  it('answers as picomatch does on arbitrary supported globs and paths', () => {
    const token = fc.constantFrom(
      ...[
        'a',
        'b',
        '.',
        '*',
        '**',
        '?',
        '/',
        '_',
        '-',
        'test',
        '.ts',
        'x.y',
        ' ',
        'ü',
        '😀',
        '$',
        '^',
        '|',
        '#',
        ',',
        '!',
        '+',
        '@',
      ],
      ...[
        '[a]',
        '[^a]',
        '[a-c]',
        '[a-]',
        '[.]',
        '[😀]',
        '[+-0]',
        '{a,b}',
        '{a,b*}',
        '{a?,[bc]}',
        '**/a',
        'a/**',
        '/**/',
      ],
      ...['\\', '\\*', '\\[', '\\(', '\\{', '\\}', '\\\\', '(', ')', '[', ']', '{', '}', '"', '[!a]', '{a,}', '{a,b}+'],
    );
    const glob = fc.array(token, { minLength: 1, maxLength: 7 }).map((t) => t.join(''));
    const pathToken = fc.constantFrom(
      'a',
      'b',
      '.',
      '/',
      '_',
      '-',
      'test',
      '.ts',
      'x.y',
      '*',
      '[a]',
      'ab',
      'a.b',
      ' ',
      'ü',
      '😀',
      '\uD83D',
      '$',
      '{a,b}',
      ',',
      '!',
      '^',
      '|',
      '#',
      '(',
      ')',
      '\\',
      '+',
      '@',
      '[',
      ']',
      '"',
    );
    const path = fc
      .array(pathToken, { minLength: 1, maxLength: 8 })
      .map((t) => t.join(''))
      .filter((p) => !notAGitPath(p));
    let compared = 0;
    fc.assert(
      fc.property(
        fc.array(glob, { minLength: 1, maxLength: 4 }),
        fc.array(path, { minLength: 1, maxLength: 8 }),
        (candidates, paths) => {
          // `**` touching a brace: picomatch reads it as a globstar (`**{a,b}` matches `x/a`) though it reads
          // `**a` as `*a`; git says "other consecutive asterisks are regular asterisks", and so do we (see below).
          const globs = candidates.filter((g) => globProblem(g) === undefined && !/\*\*\{|\}\*\*/.test(g));
          if (globs.length === 0) return;
          compared++;
          const fast = compileGlobs(globs);
          const reference = referenceMatcher(globs);
          for (const p of paths) expect([globs, p, fast(p)]).toEqual([globs, p, reference(p)]);
        },
      ),
      { numRuns: Number(process.env.GLOB_RUNS ?? 4_000) },
    );
    // Most generated lists hold a supported glob: the property is not vacuous.
    expect(compared).toBeGreaterThan(Number(process.env.GLOB_RUNS ?? 4_000) / 2);
  });

  it('reads `**` touching a brace as two regular asterisks, as it reads `**a` (where picomatch differs)', () => {
    for (const glob of ['/**{a,b}', '/**a']) {
      expect(compileGlobs([glob])('aa')).toBe(true);
      expect(compileGlobs([glob])('x/aa')).toBe(false);
    }
  });

  it('translates gitignore conventions into picomatch globs', () => {
    expect(toPicomatchGlobs('*.lock')).toEqual(['**/*.lock', '**/*.lock/**/*']);
    expect(toPicomatchGlobs('/docs/')).toEqual(['docs/**/*']);
    expect(toPicomatchGlobs('src/gen')).toEqual(['src/gen', 'src/gen/**/*']);
    expect(toPicomatchGlobs('src/gen/**')).toEqual(['src/gen/**/*']);
    expect(toPicomatchGlobs('   ')).toEqual([]);
  });

  it('filesOnly: a name matches files of that name, not everything below a directory of that name', () => {
    const files = compileGlobs(['*.min.js', 'yarn.lock', 'generated/'], { filesOnly: true });
    expect(files('public/app.min.js')).toBe(true);
    expect(files('lib/app.min.js/core.ts')).toBe(false);
    expect(files('a/yarn.lock')).toBe(true);
    expect(files('yarn.lock/x.ts')).toBe(false);
    expect(files('src/generated/x.ts')).toBe(true); // a trailing `/` still names a directory
    expect(compileGlobs(['*.min.js'])('lib/app.min.js/core.ts')).toBe(true);
  });
});

describe('globProblem', () => {
  it.each([
    ['*.{ts,tsx}', undefined],
    ['app/\\(auth\\)/**', undefined],
    ['src/[a-z]*.ts', undefined],
    ['docs/**/*.md', undefined],
    ['{*,*}{*,*}{*,*}{*,*}{*,*}{*,*}{*,*}', 'each alternative in braces must hold a character other than `*`'],
    ['app/(auth)/**', 'parentheses are not supported in globs: write `\\(` and `\\)` for the characters'],
    ['!vendor/', '`!` (negation) is not supported'],
    ['/!vendor', '`!` (negation) is not supported'],
    ['[!a]*.ts', 'write `[^…]` for "any character but"'],
    ['a[b', 'needs its `]` before the next `/`'],
    ['{a,{b,c}}', 'braces inside braces are not supported'],
    ['{src/a,lib}', 'a `/` inside braces is not supported'],
    ['{**,a}', '`**` inside braces is not supported'],
    ['{1..3}', '`..` inside braces is not supported'],
    ['{a}', 'braces need two alternatives or more'],
    ['a{b,c', 'a `{` needs its closing `}`'],
    ['{a,b}+', 'a `+` right after `]`, `{` or `}` is not supported'],
    ['a***b', 'three or more `*` in a row'],
    ['\\d*.ts', '`\\d` is not supported'],
    ['a$$', '`$$` is not supported'],
    ['"quoted"', 'double quotes are not supported'],
    ['src//a', 'a glob cannot hold an empty, `.` or `..` directory'],
    ['./src', 'a glob cannot hold an empty, `.` or `..` directory'],
    ['[z-a]', 'runs backwards: write `a-z`'],
    [
      `${'a'.repeat(MAX_GLOB_LENGTH + 1)}`,
      `a glob can be at most ${MAX_GLOB_LENGTH} characters (this one has ${MAX_GLOB_LENGTH + 1})`,
    ],
  ])('%s: %s', (glob, problem) => {
    if (problem === undefined) expect(globProblem(glob)).toBeUndefined();
    else expect(globProblem(glob)).toContain(problem);
  });

  it('a refused glob matches nothing (a .gitattributes line is not validated)', () => {
    expect(compileGlobs(['app/(auth)/**', '*.ts'])('app/(auth)/x.md')).toBe(false);
    expect(compileGlobs(['app/(auth)/**', '*.ts'])('app/x.ts')).toBe(true);
  });
});

describe('hostile globs and paths', () => {
  const deep = (n: number, segment = 'a') => Array.from({ length: n }, () => segment).join('/');

  /** Each glob, on its own, against the path: an answer, or the work bound, within a generous time. */
  function answerOrStop(glob: string, path: string): boolean | 'stopped' {
    const started = performance.now();
    let answer: boolean | 'stopped';
    try {
      answer = compileGlobs([glob]).parts(pathParts(path), new GlobWork());
    } catch (error) {
      if (!(error instanceof GlobWorkExceeded)) throw error;
      answer = 'stopped';
    }
    expect(performance.now() - started).toBeLessThan(2_000);
    return answer;
  }

  it.each([
    // The attacks of issue 14, with the time they took before the fix (picomatch, on a loaded machine).
    [
      '`**/a/` ten times, then b, against 40 directories `a` and `b/c` (before: 84 s)',
      `${'**/a/'.repeat(10)}b`,
      `${deep(40)}/b/c`,
      true,
    ],
    [
      '`**/a/` ten times, then b, against 40 directories `a` and `c/b/c`',
      `${'**/a/'.repeat(10)}b`,
      `${deep(40)}/c/b/c`,
      false,
    ],
    ['`**/a/` 39 times, then `**`, against a 40-segment path', `${'**/a/'.repeat(39)}**`, deep(40), true],
    ['`a*a*a*a*a*a*a?c` against 60 a’s (before: 0.6 s)', 'a*a*a*a*a*a*a?c', 'a'.repeat(60), false],
    ['`{a*,*a}` six times, then `b`, against 28 a’s and a `!`', `${'{a*,*a}'.repeat(6)}b`, `${'a'.repeat(28)}!`, false],
    [
      '`*a` and 30 `?` against 250 a’s (an automaton that multiplies its states)',
      `*a${'?'.repeat(30)}`,
      'a'.repeat(250),
      true,
    ],
  ])('%s', (_name, glob, path, expected) => {
    expect(globProblem(glob)).toBeUndefined();
    expect(answerOrStop(glob, path)).toBe(expected);
  });

  it('every generated hostile glob is refused with a message, or answers (or stops) in bounded time', () => {
    const piece = fc.constantFrom(
      '*',
      '**',
      '?',
      '/',
      'a',
      'b',
      '{*,*}',
      '{a*,*a}',
      '{a,b}',
      '[a-z]',
      '[^/]',
      '**/a/',
      '*a',
      'a?',
      '(a+)+',
      '@(a|b)',
      '!(x)',
      '\\',
      '[!a]',
      '{',
      '}',
    );
    const glob = fc.array(piece, { minLength: 1, maxLength: 40 }).map((p) => p.join('').slice(0, MAX_GLOB_LENGTH + 8));
    const path = fc.oneof(
      fc.integer({ min: 1, max: 80 }).map((n) => deep(n)),
      fc.integer({ min: 1, max: 400 }).map((n) => `${'a'.repeat(n)}!`),
      fc.array(fc.constantFrom('a', 'b', '/', 'ab', 'a/b'), { minLength: 1, maxLength: 200 }).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(glob, path, (g, p) => {
        const problem = globProblem(g);
        if (problem !== undefined) {
          expect(problem.length).toBeGreaterThan(10);
          return;
        }
        answerOrStop(g, p);
      }),
      { numRuns: 300 },
    );
  });

  it('a list of 200 hostile globs against 3,000 deep paths: stopped by the work bound, not stalled', () => {
    const globs = Array.from({ length: 200 }, (_, i) => `**/${'?'.repeat(i % 7)}*a${'?'.repeat(240 - (i % 7))}`);
    const matcher = compileGlobs(globs);
    const paths = Array.from({ length: 3_000 }, (_, i) => pathParts(`${'ab'.repeat(100 + (i % 50))}/${deep(20)}`));
    const work = new GlobWork();
    const started = performance.now();
    expect(() => paths.forEach((p) => matcher.parts(p, work))).toThrow(GlobWorkExceeded);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('the automaton forgets its states past its bound, and answers the same', () => {
    const glob = `**/*a${'?'.repeat(12)}`;
    const matcher = compileGlobs([glob]);
    const reference = referenceMatcher([glob]);
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
    for (let i = 0; i < 300; i++) {
      const path = Array.from({ length: 40 }, () => (next() % 2 === 0 ? 'a' : 'b')).join('');
      expect(matcher(path)).toBe(reference(path));
    }
  });
});
