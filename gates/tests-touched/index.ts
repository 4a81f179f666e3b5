/**
 * tests-touched (docs/gates/tests-touched.md): a pull request that changes code also changes tests.
 *
 * Source changes = files added, modified, renamed, copied or changed (type change)
 * that match `source`, match no `tests` glob and no `exclude` glob. Deleting source
 * needs no test.
 * Test changes = files added, modified, renamed or copied that match `tests`.
 * Deleting a test is not touching tests.
 *
 * When GitHub truncates the file list (over 3,000 files), a visible test change
 * still proves the point and passes; otherwise the gate fails with the
 * truncation as its reason, since the unlisted files may hold source (docs/behaviour.md#the-check-run).
 */
import { GITHUB_LIMITS, type ChangedFile, type ChangeType } from '../snapshot.js';
import { TestsTouchedConfig } from '../config-fields.js';
import {
  defineGate,
  result,
  withNumbers,
  type DetailBlock,
  type GateResult,
  type Inline,
  type Prepared,
  type Text,
} from '../gate.js';
import { compileGlobs, GlobWork, GlobWorkExceeded, SIMPLER_GLOBS, type GlobMatcher } from '../lib/glob.js';
import { plural } from '../lib/words.js';
import { NO_MEMORY, type GateContext } from '../context.js';

/** Change types that make a source file need a test (everything but a deletion). */
const SOURCE_CHANGES: ReadonlySet<ChangeType> = new Set(['added', 'modified', 'renamed', 'copied', 'changed']);
/** Change types that count as touching a test: new or edited test content (a copy is a new file). */
const TEST_CHANGES: ReadonlySet<ChangeType> = new Set(['added', 'modified', 'renamed', 'copied']);

/** Most source files the failure lists (the renderer also bounds lists). */
export const SOURCE_FILES_SHOWN = 25;
/** Most globs named in a sentence. */
const GLOBS_SHOWN = 40;

export interface Classification {
  /** Source files that need a test (added, modified, renamed, copied, changed). */
  readonly sources: readonly ChangedFile[];
  /** Test files added, modified, renamed or copied. */
  readonly tests: readonly ChangedFile[];
  /** Test files deleted (they do not count). */
  readonly deletedTests: readonly ChangedFile[];
}

/** tests-touched's glob lists, compiled once per config (its prepared config). */
export interface Matchers extends Prepared {
  readonly source: GlobMatcher;
  readonly tests: GlobMatcher;
  readonly exclude: GlobMatcher;
}

export function matchersFor(cfg: Pick<TestsTouchedConfig, 'source' | 'tests' | 'exclude'>): Matchers {
  const source = compileGlobs(cfg.source);
  const tests = compileGlobs(cfg.tests);
  const exclude = compileGlobs(cfg.exclude);
  return { source, tests, exclude, bytes: source.bytes + tests.bytes + exclude.bytes };
}

/** Sorts changed files into source changes, test changes and deleted tests; `work` bounds the glob matching. */
export function classifyChanges(
  files: readonly ChangedFile[],
  m: Matchers,
  work = new GlobWork(),
  context: GateContext = NO_MEMORY,
): Classification {
  const sources: ChangedFile[] = [];
  const tests: ChangedFile[] = [];
  const deletedTests: ChangedFile[] = [];
  const parts = context.pathParts(files);
  files.forEach((file, i) => {
    const path = parts[i]!;
    if (m.tests.parts(path, work)) {
      if (TEST_CHANGES.has(file.changeType)) tests.push(file);
      else if (file.changeType === 'deleted') deletedTests.push(file);
    } else if (SOURCE_CHANGES.has(file.changeType) && m.source.parts(path, work) && !m.exclude.parts(path, work)) {
      sources.push(file);
    }
  });
  return { sources, tests, deletedTests };
}

/**
 * A conventional test path for a source file in its ecosystem, or null.
 * Used only as an example in the fix, and only when it matches the `tests` globs.
 */
export function suggestTestPath(path: string): string | null {
  const slash = path.lastIndexOf('/');
  const dir = slash >= 0 ? path.slice(0, slash + 1) : '';
  const file = path.slice(slash + 1);
  const dot = file.lastIndexOf('.');
  if (dot <= 0) return null;
  const name = file.slice(0, dot);
  const ext = file.slice(dot + 1);
  switch (ext) {
    case 'ts':
    case 'tsx':
    case 'mts':
    case 'cts':
    case 'js':
    case 'jsx':
    case 'mjs':
    case 'cjs':
      return `${dir}${name}.test.${ext}`;
    case 'vue':
    case 'svelte':
      return `${dir}${name}.test.ts`;
    case 'py':
      return `tests/test_${name}.py`;
    case 'go':
      return `${dir}${name}_test.go`;
    case 'java':
    case 'kt':
    case 'scala':
    case 'groovy': {
      const testDir = dir.includes('src/main/') ? dir.replace('src/main/', 'src/test/') : dir;
      return `${testDir}${name}Test.${ext}`;
    }
    case 'rb':
      return `spec/${dir.replace(/^(?:lib|app)\//, '')}${name}_spec.rb`;
    case 'rs':
      return `tests/${name}.rs`;
    case 'cs':
      return `${dir}${name}Tests.cs`;
    case 'php':
      return `tests/${name}Test.php`;
    case 'swift':
      return `Tests/${name}Tests.swift`;
    case 'c':
    case 'cc':
    case 'cpp':
    case 'cxx':
      return `${dir}${name}_test.${ext}`;
    default:
      return null;
  }
}

/** `a`, `b`, `c` as inline code, comma-separated, bounded. */
function codeList(items: readonly string[], max = GLOBS_SHOWN): Inline[] {
  const parts: Inline[] = [];
  items.slice(0, max).forEach((item, i) => parts.push(...(i > 0 ? [', '] : []), { code: item }));
  if (items.length > max) parts.push(` and ${plural(items.length - max, 'more')}`);
  return parts;
}

export const testsTouched = defineGate({
  id: 'tests-touched',
  title: 'Tests touched',
  needs: ['files'],
  config: TestsTouchedConfig,
  prepare: matchersFor,
  evaluate(pr, cfg, m = matchersFor(cfg), context = NO_MEMORY) {
    let classification: Classification;
    try {
      classification = classifyChanges(pr.files.nodes, m, new GlobWork(), context);
    } catch (error) {
      if (error instanceof GlobWorkExceeded) return tooMuchGlobWork(error);
      throw error;
    }
    const { sources, tests, deletedTests } = classification;
    const listed = pr.files.nodes.length;
    const total = Math.max(pr.files.totalCount, pr.totals.changedFiles, listed);
    const truncation = pr.files.truncated
      ? `GitHub listed only ${plural(listed, 'file')} of ${plural(total, 'changed file')}`
      : null;
    const numbers = { sourceFiles: sources.length, testFiles: tests.length, truncated: pr.files.truncated };

    if (tests.length > 0) {
      const reason =
        sources.length === 0
          ? `${plural(tests.length, 'test file')} changed, no source files`
          : `${plural(sources.length, 'source file')} and ${plural(tests.length, 'test file')} changed`;
      const details: DetailBlock[] = truncation
        ? [{ kind: 'paragraph', text: `${truncation}; a test change is among them.` }]
        : [];
      return withNumbers(result.pass(reason, details), numbers);
    }
    if (sources.length === 0 && truncation === null) {
      return withNumbers(
        result.pass(
          deletedTests.length > 0
            ? `No source files changed (${plural(deletedTests.length, 'test file')} deleted)`
            : 'No source files changed',
        ),
        numbers,
      );
    }

    const details: DetailBlock[] = [];
    if (truncation) {
      details.push({
        kind: 'paragraph',
        text: `${truncation} (GitHub lists at most ${GITHUB_LIMITS.maxFiles.toLocaleString('en-US')}). None of the listed files is a test change, and the unlisted ones cannot be checked, so this gate cannot pass.`,
      });
    }
    if (sources.length > 0) {
      details.push({
        kind: 'paragraph',
        text: `This pull request changes ${plural(sources.length, 'source file')} and no test files${truncation ? ' among the listed files' : ''}.`,
      });
      details.push({
        kind: 'list',
        title: 'Source files without a test change:',
        items: sources
          .slice(0, SOURCE_FILES_SHOWN)
          .map((f): Text => [{ code: f.path }, ...(f.changeType === 'modified' ? [] : [` (${f.changeType})`])]),
        total: sources.length,
      });
    }
    if (deletedTests.length > 0) {
      details.push({
        kind: 'paragraph',
        text: `It deletes ${plural(deletedTests.length, 'test file')}; deleting tests does not count as touching them.`,
      });
    }
    details.push({ kind: 'paragraph', text: ['Test files are files matching ', ...codeList(cfg.tests), '.'] });
    if (cfg.exclude.length > 0)
      details.push({ kind: 'paragraph', text: ['Never counted as source: ', ...codeList(cfg.exclude), '.'] });

    const reason = truncation
      ? `${truncation}, and none of the listed files is a test change`
      : `${plural(sources.length, 'source file')} changed, no test files`;
    return withNumbers(result.fail(reason, details, fixFor(sources, m, truncation !== null)), numbers);
  },
});

function fixFor(sources: readonly ChangedFile[], m: Matchers, truncated: boolean): DetailBlock[] {
  const fix: DetailBlock[] = [];
  if (truncated) {
    fix.push({
      kind: 'paragraph',
      text: `Split the pull request so that GitHub can list all of its files (at most ${GITHUB_LIMITS.maxFiles.toLocaleString('en-US')}), or include a test change in it.`,
    });
  }
  const example = sources
    .map((f) => ({ source: f.path, test: suggestTestPath(f.path) }))
    .find((s) => s.test !== null && m.tests(s.test));
  if (sources.length > 0) {
    fix.push({
      kind: 'paragraph',
      text: example?.test
        ? [
            'Add or update tests that cover the change, in a file matching one of the test globs; for ',
            { code: example.source },
            ', for example ',
            { code: example.test },
            '.',
          ]
        : 'Add or update tests that cover the change, in a file matching one of the test globs.',
    });
  }
  fix.push({
    kind: 'paragraph',
    text: [
      'If these files need no tests of their own (generated code, configuration written as code), a maintainer can list them in ',
      { code: 'gates.tests-touched.exclude' },
      ' in ',
      { code: '.github/quality-gates.yml' },
      ' on the base branch.',
    ],
  });
  return fix;
}

/** The globs could not be matched within the work bound: fail closed, saying what to change. */
function tooMuchGlobWork(error: GlobWorkExceeded): GateResult {
  return result.fail(
    'The source and test globs could not be matched against the changed files within the work limit',
    [
      {
        kind: 'paragraph',
        text: `Matching the globs of this gate against this pull request's paths took more than ${error.limit.toLocaleString('en-US')} steps, so which files are source and which are tests is unknown.`,
      },
    ],
    [
      {
        kind: 'paragraph',
        text: [
          'Simplify the globs of ',
          { code: 'gates.tests-touched' },
          ' (',
          { code: 'source' },
          ', ',
          { code: 'tests' },
          ', ',
          { code: 'exclude' },
          ') in ',
          { code: '.github/quality-gates.yml' },
          ' on the base branch: ',
          ...SIMPLER_GLOBS,
        ],
      },
    ],
  );
}
