/**
 * Config schemas of every gate (docs/behaviour.md#configuration, `gates.*`). Strict: an unknown key is an
 * error. Every field carries a description that reaches the generated JSON
 * Schema and the configuration reference.
 *
 * These schemas are the single source of the gates' config types and defaults.
 */
import { z } from 'zod';
import { RE2JS } from 're2js';
import { globProblem, MAX_GLOB_LENGTH } from './lib/glob.js';

export const Mode = z
  .enum(['block', 'warn', 'off'])
  .describe(
    'block: a failure blocks the merge; warn: a failure is shown but does not block; off: the gate is not evaluated.',
  );
export type Mode = z.infer<typeof Mode>;

const mode = Mode.optional().describe('Overrides `defaults.mode` for this gate.');

/**
 * The mode of a gate added after the first five: `off` unless the gate's own `mode` says
 * otherwise (`defaults.mode` does not turn it on), so an upgrade never blocks a pull request
 * that passed before (docs/compatibility.md).
 */
const laterMode = Mode.default('off').describe(
  'block or warn turns this gate on; off (the default, whatever `defaults.mode` says) leaves it out.',
);

/** Most globs one list may hold (`batch-size.exclude`, `tests-touched.source`, `tests`, `exclude`). */
export const MAX_GLOBS_PER_LIST = 200;
/** Most globs all the lists of one config may hold together. */
export const MAX_GLOBS_PER_CONFIG = 500;
/** Most `linked-ticket.patterns`, and the longest one, in characters. */
export const MAX_TICKET_PATTERNS = 50;
export const MAX_TICKET_PATTERN_LENGTH = 500;

const GLOB_LIMITS = `At most ${MAX_GLOBS_PER_LIST} globs of at most ${MAX_GLOB_LENGTH} characters each; at most ${MAX_GLOBS_PER_CONFIG} globs in all the lists of one config.`;

/**
 * A glob that matches in bounded time, with picomatch's meaning (see `gates/glob.ts`); a refused
 * shape is a config error saying what to write instead. Lengths and counts are reported in the
 * config vocabulary ("must list at most 200 items; found 11,000").
 */
const glob = z
  .string()
  .min(1)
  .max(MAX_GLOB_LENGTH)
  .superRefine((pattern, ctx) => {
    const problem = pattern.length > MAX_GLOB_LENGTH ? undefined : globProblem(pattern);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

const globList = (description: string) =>
  z.array(glob).max(MAX_GLOBS_PER_LIST).describe(`${description} ${GLOB_LIMITS}`);

/**
 * Files batch-size does not count unless `default_excludes: false`, by kind: the details name the
 * kind of each file left out. Every entry names files as the ecosystem's tools write them, and
 * matches files only, never a directory of that name (`x.min.js/core.ts` is counted), so a
 * hand-written file needs a deliberate name to be left out, and the reason shows it.
 */
export const DEFAULT_BATCH_EXCLUDE_KINDS = {
  // npm, yarn, pnpm, bun, Cargo, Go, Poetry, Pipenv, uv, Bundler, Composer, NuGet, Swift, Gradle, Dart, Mix
  'lock file': [
    'package-lock.json',
    'npm-shrinkwrap.json',
    'yarn.lock',
    'pnpm-lock.yaml',
    'bun.lockb',
    'bun.lock',
    'Cargo.lock',
    'go.sum',
    'poetry.lock',
    'Pipfile.lock',
    'uv.lock',
    'Gemfile.lock',
    'composer.lock',
    'packages.lock.json',
    'Package.resolved',
    'gradle.lockfile',
    'pubspec.lock',
    'mix.lock',
    // Terraform, CocoaPods, Carthage, Nix, Deno, PDM, pixi, Go workspaces, Bazel
    '.terraform.lock.hcl',
    'Podfile.lock',
    'Cartfile.resolved',
    'flake.lock',
    'deno.lock',
    'pdm.lock',
    'pixi.lock',
    'go.work.sum',
    'MODULE.bazel.lock',
  ],
  // Snapshot files, not everything in a snapshot directory: Jest and Vitest (`__snapshots__/*.snap`),
  // insta (`snapshots/*.snap`), syrupy (`__snapshots__/*.ambr`).
  snapshot: ['*.snap', '*.ambr'],
  'minified file or source map': ['*.min.js', '*.min.css', '*.min.mjs', '*.js.map', '*.css.map'],
  // Each is an exact generator convention (docs/configuration.md, "Default lists"), never a loose
  // "generated" word a hand-written file could carry.
  'generated file': [
    '*.generated.*',
    '*.gen.go',
    '*.pb.go',
    '*_pb2.py',
    '*_pb2_grpc.py',
    '*.pb.cc',
    '*.pb.h',
    '*.g.dart',
    '*.freezed.dart',
    '*.Designer.cs',
    // Dart and Flutter: build_runner (json_serializable, mockito), Pigeon, auto_route.
    '*.gen.dart',
    '*.mocks.dart',
    '*.gr.dart',
    // Pigeon's host-side output (`.g.` or `.gen.` before the language's extension).
    '*.g.kt',
    '*.g.swift',
    '*.g.m',
    '*.g.h',
    '*.g.cc',
    '*.g.cpp',
    '*.gen.kt',
    '*.gen.swift',
    '*.gen.m',
    '*.gen.h',
    '*.gen.cc',
    '*.gen.cpp',
    // C# source generators and NSwag.
    '*.g.cs',
    // protobuf and gRPC: Go plugins, Python stubs, JavaScript and TypeScript, Ruby, Swift, Dart, Objective-C, C.
    '*.pb.gw.go',
    '*.pb.validate.go',
    '*_pb2.pyi',
    '*_pb2_grpc.pyi',
    '*_pb.js',
    '*_pb.d.ts',
    '*_grpc_pb.js',
    '*_grpc_pb.d.ts',
    '*_pb.ts',
    '*_pb.rb',
    '*_services_pb.rb',
    '*.pb.swift',
    '*.grpc.swift',
    '*.pb.dart',
    '*.pbenum.dart',
    '*.pbjson.dart',
    '*.pbgrpc.dart',
    '*.pbserver.dart',
    '*.pbobjc.h',
    '*.pbobjc.m',
    '*.pb-c.c',
    '*.pb-c.h',
    // OpenAPI Generator's record of what it wrote; GraphQL: Relay compiler artefacts.
    '.openapi-generator/',
    '**/__generated__/*.graphql.ts',
    '**/__generated__/*.graphql.js',
    // Rails: the schema dumped by migrations (one database or several).
    '**/db/schema.rb',
    '**/db/*_schema.rb',
    '**/db/structure.sql',
    '**/db/*_structure.sql',
  ],
} as const satisfies Record<string, readonly string[]>;

/** The kinds of file batch-size leaves out by default. */
export type DefaultExcludeKind = keyof typeof DEFAULT_BATCH_EXCLUDE_KINDS;

/** The default exclude list of batch-size, every kind together. */
export const DEFAULT_BATCH_EXCLUDES: readonly string[] = Object.values(DEFAULT_BATCH_EXCLUDE_KINDS).flat();

export const BatchSizeConfig = z
  .strictObject({
    mode,
    max_lines: z
      .number()
      .int()
      .min(0)
      .default(400)
      .describe('Most lines (additions + deletions, over counted files) a PR may change.'),
    max_files: z.number().int().min(0).default(50).describe('Most counted files a PR may change.'),
    exclude: globList(
      'More globs not counted, added to the default list (lock files, snapshots, minified and generated files).',
    ).default([]),
    default_excludes: z.boolean().default(true).describe('false drops the default exclude list.'),
    max_excluded_lines: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Most lines (additions + deletions) the files that are not counted may change; not set: no limit.'),
  })
  .describe('Small batch size: limits on lines and files changed.');
export type BatchSizeConfig = z.output<typeof BatchSizeConfig>;

/** Validates a user regex under RE2 syntax (linear time); an unsupported construct is a config error. */
const re2Pattern = z
  .string()
  .max(MAX_TICKET_PATTERN_LENGTH)
  .superRefine((pattern, ctx) => {
    if (pattern.length > MAX_TICKET_PATTERN_LENGTH) return;
    try {
      RE2JS.compile(pattern);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `not a valid RE2 regular expression (${error instanceof Error ? error.message : String(error)}); RE2 has no backreferences or lookaround`,
      });
    }
  });

export const LinkedTicketConfig = z
  .strictObject({
    mode,
    in: z
      .array(z.enum(['title', 'branch', 'body', 'commits']))
      .min(1, 'name at least one place to look')
      .default(['title', 'branch', 'body'])
      .describe('Where to look for a ticket reference: title, branch, body, commits.'),
    projects: z
      .array(
        z.string().regex(/^[A-Z][A-Z0-9]*$/, 'a project key is upper-case letters and digits, starting with a letter'),
      )
      .default([])
      .describe('Jira-style project keys allowed, e.g. [PAY, OPS]; empty means any key.'),
    patterns: z
      .array(re2Pattern)
      .max(MAX_TICKET_PATTERNS)
      .default([])
      .describe(
        `Extra ticket regular expressions, in RE2 syntax (linear time). At most ${MAX_TICKET_PATTERNS}, of at most ${MAX_TICKET_PATTERN_LENGTH} characters each.`,
      ),
  })
  .describe('Linked ticket: the PR references an issue or ticket.');
export type LinkedTicketConfig = z.output<typeof LinkedTicketConfig>;

/**
 * Code files of the main ecosystems. Docs, config (JSON, YAML, TOML, Gradle and
 * Kotlin build scripts, `*.kts`) and CI files are not source.
 */
export const DEFAULT_SOURCE_GLOBS = [
  '*.ts',
  '*.tsx',
  '*.mts',
  '*.cts',
  '*.js',
  '*.jsx',
  '*.mjs',
  '*.cjs',
  '*.vue',
  '*.svelte',
  '*.py',
  '*.go',
  '*.java',
  '*.kt',
  '*.scala',
  '*.groovy',
  '*.rb',
  '*.rs',
  '*.cs',
  '*.fs',
  '*.vb',
  '*.c',
  '*.h',
  '*.cc',
  '*.cpp',
  '*.cxx',
  '*.hh',
  '*.hpp',
  '*.hxx',
  '*.m',
  '*.mm',
  '*.php',
  '*.swift',
  '*.dart',
  '*.ex',
  '*.exs',
  '*.erl',
  '*.clj',
  '*.hs',
  '*.lua',
  '*.pl',
  '*.pm',
] as const;

/** Test files of the main ecosystems. */
export const DEFAULT_TEST_GLOBS = [
  '*.test.*',
  '*.spec.*',
  'test/',
  'tests/',
  'Tests/',
  '__tests__/',
  'spec/',
  '**/src/test/',
  '*_test.go',
  'test_*.py',
  '*_test.py',
  'conftest.py',
  '*Test.java',
  '*Tests.java',
  '*IT.java',
  '*Test.kt',
  '*Tests.kt',
  '*Tests.cs',
  '*Test.cs',
  '*.Tests/',
  '*_spec.rb',
  '*_test.rb',
  '*_test.rs',
  '*_test.c',
  '*_test.cc',
  '*_test.cpp',
  '*_unittest.cc',
  '*_unittest.cpp',
  '*Test.php',
  '*Tests.swift',
  '*Test.swift',
  '*_test.dart',
  '*_test.exs',
  // Added from the ecosystems' own conventions (docs/gates/tests-touched.md).
  // Go (and Rust, Python): fixtures under testdata/ are read only by tests; `go build` ignores them.
  'testdata/',
  // Flutter's integration tests; Jest's manual mocks.
  'integration_test/',
  '__mocks__/',
  // Gradle: test fixtures; Android and Kotlin Multiplatform test source sets (androidTest, commonTest, jvmTest, …).
  '**/src/testFixtures/',
  '**/src/*Test/',
  // .NET test projects named *.UnitTests or *.IntegrationTests.
  '*.UnitTests/',
  '*.IntegrationTests/',
] as const;

export const TestsTouchedConfig = z
  .strictObject({
    mode,
    source: globList('Globs of code that needs tests; replaces the default (common source extensions).').default([
      ...DEFAULT_SOURCE_GLOBS,
    ]),
    tests: globList(
      'Globs of test files; replaces the default (*.test.*, *.spec.*, test/, tests/, __tests__/, spec/, src/test/, *_test.go, test_*.py, *_test.py, *Test.java, *Tests.cs, *_spec.rb, …).',
    ).default([...DEFAULT_TEST_GLOBS]),
    exclude: globList('Globs never counted as source.').default([]),
  })
  .describe('Tests touched: a PR that changes source also changes tests.');
export type TestsTouchedConfig = z.output<typeof TestsTouchedConfig>;

export const SignedCommitsConfig = z
  .strictObject({
    mode,
    require: z
      .enum(['signature', 'signoff', 'both', 'either'])
      .default('signature')
      .describe('signature: GitHub verifies each commit; signoff: a DCO Signed-off-by trailer; both; either.'),
  })
  .describe('Signed commits: every commit is verified, signed off, or both.');
export type SignedCommitsConfig = z.output<typeof SignedCommitsConfig>;

export const CodeownersReviewConfig = z
  .strictObject({
    mode,
    require: z
      .enum(['any-owner', 'all-owners'])
      .default('any-owner')
      .describe(
        'any-owner: each owned file needs one approving owner (GitHub rule); all-owners: every owner of the file.',
      ),
    dismiss_stale: z.boolean().default(false).describe('true: approvals given on an older head commit do not count.'),
  })
  .describe('CODEOWNERS review: owners of changed files have approved.');
export type CodeownersReviewConfig = z.output<typeof CodeownersReviewConfig>;

/** Most `pr-description.sections`, and the longest heading, in characters. */
export const MAX_SECTIONS = 20;
export const MAX_SECTION_LENGTH = 100;

export const PrDescriptionConfig = z
  .strictObject({
    mode: laterMode,
    min_length: z
      .number()
      .int()
      .min(0)
      .max(65536)
      .default(30)
      .describe(
        "Fewest characters of the body's own text: HTML comments, the base branch's pull-request template, headings and unchecked checkboxes do not count.",
      ),
    sections: z
      .array(z.string().trim().min(1).max(MAX_SECTION_LENGTH))
      .max(MAX_SECTIONS)
      .default([])
      .describe(
        `Headings that must be present with text under them, e.g. [What, Why, Testing]; any heading level or a bold line, case-insensitive. At most ${MAX_SECTIONS}.`,
      ),
  })
  .describe('PR description: the body says what the change is, in its own words.');
export type PrDescriptionConfig = z.output<typeof PrDescriptionConfig>;

/** The Conventional Commits types of commitlint's conventional config. */
export const DEFAULT_TITLE_TYPES = [
  'feat',
  'fix',
  'docs',
  'style',
  'refactor',
  'perf',
  'test',
  'build',
  'ci',
  'chore',
  'revert',
] as const;
/** Most types and scopes listed, and the longest one, in characters. */
export const MAX_TITLE_WORDS = 200;
export const MAX_TITLE_WORD_LENGTH = 50;

export const ConventionalTitleConfig = z
  .strictObject({
    mode: laterMode,
    types: z
      .array(
        z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a type is a word: letters, digits, - and _, starting with a letter')
          .max(MAX_TITLE_WORD_LENGTH),
      )
      .min(1, 'list at least one type')
      .max(MAX_TITLE_WORDS)
      .default([...DEFAULT_TITLE_TYPES])
      .describe('Types a title may start with (compared case-insensitively).'),
    scopes: z
      .array(
        z
          .string()
          .regex(/^[^\s()]+$/, 'a scope has no spaces or parentheses')
          .max(MAX_TITLE_WORD_LENGTH),
      )
      .max(MAX_TITLE_WORDS)
      .default([])
      .describe('Allowed scopes (e.g. api, web, deps/npm); empty means any scope. Compared case-insensitively.'),
    require_scope: z.boolean().default(false).describe('true: every title names a scope, `type(scope): subject`.'),
    max_length: z.number().int().min(10).max(1000).default(72).describe('Most characters the whole title may have.'),
  })
  .describe('Conventional title: the title reads `type(scope)!: subject` (Conventional Commits 1.0).');
export type ConventionalTitleConfig = z.output<typeof ConventionalTitleConfig>;

export const BranchAgeConfig = z
  .strictObject({
    mode: laterMode,
    max_days: z
      .number()
      .int()
      .min(0)
      .max(3650)
      .default(14)
      .describe('Most whole days a pull request may be open (opened exactly that many days ago passes).'),
    max_behind: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Most commits the head may be behind its base branch; 0 means not checked.'),
  })
  .describe('Branch age: the pull request is not long-lived, nor far behind its base.');
export type BranchAgeConfig = z.output<typeof BranchAgeConfig>;

/** The glob lists of a config's gates, by key path under `gates` (`batch-size.exclude`, …). */
function globLists(gates: {
  readonly 'batch-size': BatchSizeConfig;
  readonly 'tests-touched': TestsTouchedConfig;
}): [string, readonly string[]][] {
  return [
    ['batch-size.exclude', gates['batch-size'].exclude],
    ['tests-touched.source', gates['tests-touched'].source],
    ['tests-touched.tests', gates['tests-touched'].tests],
    ['tests-touched.exclude', gates['tests-touched'].exclude],
  ];
}

/**
 * Refines the `gates` mapping: all its glob lists together hold at most `MAX_GLOBS_PER_CONFIG`
 * globs (defaults included, when a list is not set).
 */
export function limitGlobsPerConfig(gates: Parameters<typeof globLists>[0], ctx: z.core.$RefinementCtx): void {
  const lists = globLists(gates);
  const total = lists.reduce((sum, [, list]) => sum + list.length, 0);
  if (total <= MAX_GLOBS_PER_CONFIG) return;
  const counts = lists
    .filter(([, list]) => list.length > 0)
    .map(([key, list]) => `${key} ${list.length.toLocaleString('en-US')}`);
  ctx.addIssue({
    code: 'custom',
    input: total,
    message: `all glob lists together hold at most ${MAX_GLOBS_PER_CONFIG} globs (here: ${counts.join(', ')}): use broader globs, such as a directory for its files`,
  });
}
