import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SOURCE_GLOBS, DEFAULT_TEST_GLOBS, TestsTouchedConfig } from '../../gates/config-fields.js';
import { plain, type GateResult } from '../../gates/gate.js';
import { classifyChanges, matchersFor, suggestTestPath, testsTouched } from '../../gates/tests-touched/index.js';
import { blocksText } from '../support/blocks.js';
import { aFile, aSnapshot, capped } from '../support/builders.js';
import type { ChangedFile } from '../../gates/snapshot.js';

type Input = Parameters<typeof TestsTouchedConfig.parse>[0];
const cfg = (c: Input = {}) => TestsTouchedConfig.parse(c);
const run = (files: readonly ChangedFile[], c: Input = {}, truncated = false, totalCount = files.length) =>
  testsTouched.evaluate(aSnapshot({ files: capped(files, truncated, totalCount) }), cfg(c));

const listOf = (r: GateResult) => r.details.find((b) => b.kind === 'list');

const mod = (path: string) => aFile(path, 5, 1, 'modified');
const add = (path: string) => aFile(path, 5, 0, 'added');
const del = (path: string) => aFile(path, 0, 5, 'deleted');
const ren = (path: string) => aFile(path, 0, 0, 'renamed');

describe('tests-touched', () => {
  it('declares its id and needs', () => {
    expect(testsTouched.id).toBe('tests-touched');
    expect(testsTouched.needs).toEqual(['files']);
  });

  describe('default globs: source files of the main ecosystems', () => {
    const m = matchersFor(cfg());
    it.each([
      'src/app.ts',
      'web/App.tsx',
      'lib/index.js',
      'lib/mod.mjs',
      'ui/Button.vue',
      'pkg/api/server.py',
      'cmd/main.go',
      'src/main/java/com/acme/Pay.java',
      'app/src/main/kotlin/Pay.kt',
      'lib/acme/pay.rb',
      'src/lib.rs',
      'Acme/Pay.cs',
      'src/pay.c',
      'src/pay.cpp',
      'include/pay.hpp',
      'src/Pay.php',
      'Sources/Pay/Pay.swift',
    ])('%s is source', (path) => {
      expect(m.source(path) && !m.tests(path)).toBe(true);
    });

    it.each([
      'README.md',
      'docs/guide.md',
      'package.json',
      'tsconfig.json',
      '.github/workflows/ci.yml',
      'config/app.yaml',
      'Dockerfile',
      'build.gradle.kts',
      'pyproject.toml',
      'Cargo.toml',
      '.gitignore',
      'assets/logo.png',
    ])('%s is not source', (path) => {
      expect(m.source(path)).toBe(false);
    });

    it.each([
      'src/app.test.ts',
      'src/app.spec.js',
      'test/app.ts',
      'tests/test_api.py',
      'src/__tests__/app.ts',
      'spec/pay_spec.rb',
      'pkg/api/server_test.go',
      'pkg/test_server.py',
      'pkg/server_test.py',
      'src/test/java/com/acme/PayTest.java',
      'module/src/test/kotlin/PayTest.kt',
      'Acme.Tests/PayTests.cs',
      'PayTests.cs',
      'lib/pay_spec.rb',
      'tests/integration.rs',
      'Tests/PayTests/PayTests.swift',
      'src/pay_test.cc',
      'src/pay_unittest.cc',
      'tests/PayTest.php',
      'conftest.py',
    ])('%s is a test', (path) => {
      expect(m.tests(path)).toBe(true);
    });

    it('keeps the globs the acceptance criteria name', () => {
      for (const g of [
        '*.test.*',
        '*.spec.*',
        'test/',
        'tests/',
        '__tests__/',
        'spec/',
        '*_test.go',
        'test_*.py',
        '*_test.py',
        '*Test.java',
        '*Tests.cs',
        '*_spec.rb',
      ]) {
        expect(DEFAULT_TEST_GLOBS).toContain(g);
      }
      expect(DEFAULT_SOURCE_GLOBS).not.toContain('*.md');
    });
  });

  describe('verdicts', () => {
    it.each`
      case                                      | files                                                       | status    | reason
      ${'no files'}                             | ${[]}                                                       | ${'pass'} | ${'No source files changed'}
      ${'docs and config only'}                 | ${[mod('README.md'), mod('.github/workflows/ci.yml')]}      | ${'pass'} | ${'No source files changed'}
      ${'source with a test'}                   | ${[mod('src/app.ts'), mod('src/app.test.ts')]}              | ${'pass'} | ${'1 source file and 1 test file changed'}
      ${'source with a new test'}               | ${[mod('src/app.ts'), mod('src/b.ts'), add('test/b.ts')]}   | ${'pass'} | ${'2 source files and 1 test file changed'}
      ${'tests only'}                           | ${[mod('test/a.ts')]}                                       | ${'pass'} | ${'1 test file changed, no source files'}
      ${'source without a test'}                | ${[mod('src/app.ts')]}                                      | ${'fail'} | ${'1 source file changed, no test files'}
      ${'added source without a test'}          | ${[add('src/new.ts'), mod('README.md')]}                    | ${'fail'} | ${'1 source file changed, no test files'}
      ${'renamed source without a test'}        | ${[ren('src/moved.ts')]}                                    | ${'fail'} | ${'1 source file changed, no test files'}
      ${'copied source without a test'}         | ${[aFile('src/copy.ts', 1, 0, 'copied')]}                   | ${'fail'} | ${'1 source file changed, no test files'}
      ${'type-changed source without a test'}   | ${[aFile('src/link.ts', 0, 0, 'changed')]}                  | ${'fail'} | ${'1 source file changed, no test files'}
      ${'deleted source only'}                  | ${[del('src/old.ts')]}                                      | ${'pass'} | ${'No source files changed'}
      ${'deleted tests only'}                   | ${[del('src/app.test.ts')]}                                 | ${'pass'} | ${'No source files changed (1 test file deleted)'}
      ${'source with deleted tests only'}       | ${[mod('src/app.ts'), del('src/app.test.ts')]}              | ${'fail'} | ${'1 source file changed, no test files'}
      ${'source with a renamed test'}           | ${[mod('src/app.ts'), ren('test/app.ts')]}                  | ${'pass'} | ${'1 source file and 1 test file changed'}
      ${'source with a type-changed test'}      | ${[mod('src/app.ts'), aFile('test/x.ts', 0, 0, 'changed')]} | ${'fail'} | ${'1 source file changed, no test files'}
      ${'source in a test directory is a test'} | ${[mod('test/helpers.ts')]}                                 | ${'pass'} | ${'1 test file changed, no source files'}
    `('$case → $status', ({ files, status, reason }) => {
      const r = run(files);
      expect(r.status).toBe(status);
      expect(plain(r.reason)).toBe(reason);
    });

    it.each`
      case                                | config                             | files                                             | status
      ${'exclude drops a source file'}    | ${{ exclude: ['src/generated/'] }} | ${[mod('src/generated/api.ts')]}                  | ${'pass'}
      ${'exclude keeps other files'}      | ${{ exclude: ['src/generated/'] }} | ${[mod('src/generated/api.ts'), mod('src/a.ts')]} | ${'fail'}
      ${'source replaces the default'}    | ${{ source: ['lib/**'] }}          | ${[mod('src/a.ts')]}                              | ${'pass'}
      ${'custom source needs tests'}      | ${{ source: ['*.sql'] }}           | ${[mod('db/schema.sql')]}                         | ${'fail'}
      ${'tests replaces the default'}     | ${{ tests: ['checks/'] }}          | ${[mod('src/a.ts'), mod('checks/a.ts')]}          | ${'pass'}
      ${'old test globs no longer count'} | ${{ tests: ['checks/'] }}          | ${[mod('src/a.ts'), mod('src/a.test.ts')]}        | ${'fail'}
      ${'globs are case-sensitive'}       | ${{ source: ['*.TS'] }}            | ${[mod('src/a.ts')]}                              | ${'pass'}
    `('$case', ({ config, files, status }) => {
      expect(run(files, config).status).toBe(status);
    });
  });

  describe('failure', () => {
    it('lists the source files (bounded, with a total) and the test globs', () => {
      const files = Array.from({ length: 30 }, (_, i) => mod(`src/file${i}.ts`));
      const r = run([...files, mod('README.md')]);
      expect(plain(r.reason)).toBe('30 source files changed, no test files');
      const list = listOf(r);
      expect(list && list.kind === 'list' ? [list.items.length, list.total, plain(list.items[0] ?? '')] : null).toEqual(
        [25, 30, 'src/file0.ts'],
      );
      const text = blocksText(r.details);
      expect(text).toContain('This pull request changes 30 source files and no test files.');
      expect(text).toContain('Test files are files matching *.test.*, *.spec.*, test/');
      expect(blocksText(r.fix)).toContain('for src/file0.ts, for example src/file0.test.ts');
    });

    it('marks how a listed file changed, and mentions deleted tests', () => {
      const r = run([add('src/new.ts'), del('tests/test_old.py')]);
      const text = blocksText(r.details);
      expect(text).toContain('src/new.ts (added)');
      expect(text).toContain('It deletes 1 test file; deleting tests does not count as touching them.');
    });

    it('keeps paths in code parts', () => {
      const r = run([mod('src/**weird**`.ts')]);
      const list = listOf(r);
      expect(list && list.kind === 'list' ? list.items[0] : null).toEqual([{ code: 'src/**weird**`.ts' }]);
    });

    it('names exclude globs when set', () => {
      const r = run([mod('src/a.ts')], { exclude: ['gen/'] });
      expect(blocksText(r.details)).toContain('Never counted as source: gen/.');
      expect(blocksText(r.fix)).toContain('gates.tests-touched.exclude');
    });
  });

  describe('truncated file lists', () => {
    it.each`
      case                                       | files                                      | status    | reason
      ${'visible source and a visible test'}     | ${[mod('src/a.ts'), mod('src/a.test.ts')]} | ${'pass'} | ${'1 source file and 1 test file changed'}
      ${'visible source, no visible test'}       | ${[mod('src/a.ts')]}                       | ${'fail'} | ${'GitHub listed only 1 file of 3,412 changed files, and none of the listed files is a test change'}
      ${'no visible source and no visible test'} | ${[mod('README.md')]}                      | ${'fail'} | ${'GitHub listed only 1 file of 3,412 changed files, and none of the listed files is a test change'}
      ${'a visible test only'}                   | ${[mod('test/a.ts')]}                      | ${'pass'} | ${'1 test file changed, no source files'}
    `('$case → $status', ({ files, status, reason }) => {
      const r = run(files, {}, true, 3412);
      expect(r.status).toBe(status);
      expect(plain(r.reason)).toBe(reason);
      if (status === 'fail')
        expect(blocksText(r.fix)).toContain(
          'Split the pull request so that GitHub can list all of its files (at most 3,000)',
        );
      else expect(blocksText(r.details)).toContain('a test change is among them');
    });
  });

  describe('classifyChanges', () => {
    it('sorts files into sources, tests and deleted tests', () => {
      const c = classifyChanges(
        [mod('a.ts'), add('a.test.ts'), del('b.test.ts'), del('b.ts'), mod('x.md')],
        matchersFor(cfg()),
      );
      expect([c.sources.map((f) => f.path), c.tests.map((f) => f.path), c.deletedTests.map((f) => f.path)]).toEqual([
        ['a.ts'],
        ['a.test.ts'],
        ['b.test.ts'],
      ]);
    });
  });

  describe('suggestTestPath', () => {
    const m = matchersFor(cfg());
    it.each`
      source                               | test
      ${'src/app.ts'}                      | ${'src/app.test.ts'}
      ${'pkg/api/server.py'}               | ${'tests/test_server.py'}
      ${'cmd/main.go'}                     | ${'cmd/main_test.go'}
      ${'src/main/java/com/acme/Pay.java'} | ${'src/test/java/com/acme/PayTest.java'}
      ${'lib/acme/pay.rb'}                 | ${'spec/acme/pay_spec.rb'}
      ${'src/lib.rs'}                      | ${'tests/lib.rs'}
      ${'Acme/Pay.cs'}                     | ${'Acme/PayTests.cs'}
      ${'src/Pay.php'}                     | ${'tests/PayTest.php'}
      ${'Sources/Pay.swift'}               | ${'Tests/PayTests.swift'}
      ${'src/pay.cc'}                      | ${'src/pay_test.cc'}
    `('$source → $test, which the default test globs match', ({ source, test }) => {
      expect(suggestTestPath(source)).toBe(test);
      expect(m.tests(test)).toBe(true);
    });

    it('has no suggestion for unknown kinds of file', () => {
      expect(suggestTestPath('Makefile')).toBeNull();
      expect(suggestTestPath('a/b.zig')).toBeNull();
    });
  });
});

describe('tests-touched default test globs: the ecosystems’ own layouts (issue 22)', () => {
  it('a Go change with testdata fixtures (terraform) has its tests touched', () => {
    const r = run([
      mod('internal/command/plan.go'),
      add('internal/command/testdata/plan-vars/main.tf'),
      mod('internal/command/testdata/plan/output.json'),
    ]);
    expect(r.status).toBe('pass');
    expect(plain(r.reason)).toBe('1 source file and 2 test files changed');
  });

  it('a Go file under testdata is a fixture, not source needing tests', () => {
    expect(run([mod('cmd/testdata/script/main.go')]).status).toBe('pass');
  });

  const m = matchersFor(cfg());
  it.each([
    'internal/command/testdata/plan/main.tf',
    'testdata/golden.json',
    'integration_test/app_test_helpers.dart',
    'packages/camera/example/integration_test/driver.dart',
    'src/__mocks__/axios.js',
    'lib/src/testFixtures/kotlin/Fakes.kt',
    'app/src/androidTest/java/com/acme/PayUiTest.kt',
    'shared/src/commonTest/kotlin/PayTest.kt',
    'shared/src/jvmTest/kotlin/Helpers.kt',
    'Acme.UnitTests/PaySpec.cs',
    'Acme.IntegrationTests/Fixture.cs',
  ])('%s is a test', (path) => {
    expect(m.tests(path)).toBe(true);
  });

  it.each(['src/testdata.go', 'lib/mocks.ts', 'src/main/kotlin/Latest.kt', 'Acme.Unit/Pay.cs'])(
    '%s is still source',
    (path) => {
      expect(m.source(path) && !m.tests(path)).toBe(true);
    },
  );
});

describe('docs/gates/tests-touched.md', () => {
  it('names every default source and test glob', () => {
    const doc = readFileSync('docs/gates/tests-touched.md', 'utf8');
    expect([...DEFAULT_SOURCE_GLOBS, ...DEFAULT_TEST_GLOBS].filter((g) => !doc.includes(`\`${g}\``))).toEqual([]);
  });
});

describe('tests-touched: globs that cost more than the work bound (issue 14)', () => {
  it('fails closed, saying which globs to simplify, instead of stalling', () => {
    // Unvalidated: the schema accepts this list; its automaton multiplies its states on these paths.
    const hostile = {
      ...cfg(),
      tests: Array.from({ length: 50 }, (_, i) => `**/${'?'.repeat(i % 5)}*a${'?'.repeat(200)}`),
    };
    const files = Array.from({ length: 3000 }, (_, i) => aFile(`${'ab'.repeat(150 + (i % 40))}/x${i}.ts`, 1));
    const started = performance.now();
    const res = testsTouched.evaluate(aSnapshot({ files: capped(files) }), hostile);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(res.status).toBe('fail');
    expect(plain(res.reason)).toBe(
      'The source and test globs could not be matched against the changed files within the work limit',
    );
    expect(blocksText(res.fix)).toContain('gates.tests-touched');
  });
});
