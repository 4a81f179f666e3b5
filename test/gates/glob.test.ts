/**
 * Config globs: gitignore conventions on top of picomatch, compiled into lookups for the
 * common shapes. The compiled matcher must answer exactly as picomatch does on every glob and
 * path (the property below), and the table pins the conventions the docs promise.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_EXCLUDES, DEFAULT_SOURCE_GLOBS, TestsTouchedConfig } from '../../gates/config.js';
import { compileGlobs, referenceMatcher, toPicomatchGlobs } from '../../gates/glob.js';

const DEFAULT_TEST_GLOBS = TestsTouchedConfig.parse({}).tests;

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
    [[], 'anything', false],
  ])('%j matches %s: %s', (globs, path, expected) => {
    expect(compileGlobs(globs)(path)).toBe(expected);
    expect(referenceMatcher(globs)(path)).toBe(expected);
  });

  it('answers as picomatch does on the default lists, for paths of every shape', () => {
    // compiled once: picomatch over a hundred globs per path made this test take a minute
    const lists = [[...DEFAULT_BATCH_EXCLUDES], [...DEFAULT_SOURCE_GLOBS], [...DEFAULT_TEST_GLOBS]].map((l) => [compileGlobs(l), referenceMatcher(l)] as const);
    const segment = fc.constantFrom('src', 'test', 'tests', 'spec', '__tests__', '__snapshots__', 'a.ts', 'b.test.ts', 'x_test.go', 'test_y.py', 'FooTest.java', 'a_spec.rb', 'yarn.lock', 'app.min.js', 'm.pb.go', 'a.generated.cs', '.hidden', 'x.snap', 'Cargo.lock', 'go.sum', 'ü.py', 'a.d.ts',
      'testdata', 'db', 'schema.rb', 'q_schema.rb', '__generated__', 'Q.graphql.ts', 'm.g.dart', 'M.gen.kt', 'svc_pb.js', 'androidTest', 'A.UnitTests', '.openapi-generator');
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (parts) => {
        const path = parts.join('/');
        for (const [fast, reference] of lists) expect(fast(path)).toBe(reference(path));
      }),
      { numRuns: 2_000 },
    );
  });

  // GLOB_RUNS=150000 npx vitest run test/gates/glob.test.ts -t arbitrary --testTimeout=800000 runs a longer search.
  it('answers as picomatch does on arbitrary globs and paths', () => {
    const token = fc.constantFrom('a', 'b', '.', '*', '**', '?', '/', '_', '-', 'test', '.ts', 'x.y', '[a]', '{a,b}', '!', '\\', '+', '@', '(', ')', ' ', 'ü', '$', '^', '|', '#');
    // Runs of three or more `*` are left out: picomatch itself leaves the next character unescaped
    // there (`****$.*` matches `$a`), where the literal prefilter reads it as plain text.
    const glob = fc
      .array(token, { minLength: 1, maxLength: 7 })
      .map((t) => t.join(''))
      .filter((g) => !g.includes('***'));
    const pathToken = fc.constantFrom('a', 'b', '.', '/', '_', '-', 'test', '.ts', 'x.y', '*', '[a]', 'ab', 'a.b', ' ', 'ü', '$', '..', '//');
    const path = fc.array(pathToken, { minLength: 1, maxLength: 8 }).map((t) => t.join(''));
    fc.assert(
      fc.property(fc.array(glob, { minLength: 1, maxLength: 4 }), fc.array(path, { minLength: 1, maxLength: 8 }), (globs, paths) => {
        const fast = compileGlobs(globs);
        const reference = referenceMatcher(globs);
        for (const p of paths) expect([globs, p, fast(p)]).toEqual([globs, p, reference(p)]);
      }),
      { numRuns: Number(process.env.GLOB_RUNS ?? 3_000) },
    );
  });

  it('translates gitignore conventions into picomatch globs', () => {
    expect(toPicomatchGlobs('*.lock')).toEqual(['**/*.lock', '**/*.lock/**/*']);
    expect(toPicomatchGlobs('/docs/')).toEqual(['docs/**/*']);
    expect(toPicomatchGlobs('src/gen')).toEqual(['src/gen', 'src/gen/**/*']);
    expect(toPicomatchGlobs('src/gen/**')).toEqual(['src/gen/**/*']);
    expect(toPicomatchGlobs('   ')).toEqual([]);
  });
});
