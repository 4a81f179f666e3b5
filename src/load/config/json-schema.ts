/**
 * The JSON Schema of `.github/quality-gates.yml` and the configuration reference,
 * both generated from the zod schema (the single source). The committed copies —
 * `docs/quality-gates.schema.json` and `docs/configuration.md` — are regenerated
 * with `npm run generate`, and a test fails when they are stale.
 */
import { z } from 'zod';
import { DEFAULT_BATCH_EXCLUDES, type DefaultExcludeKind } from '../../../gates/config-fields.js';
import { MAX_CONFIG_BYTES, MAX_LISTED_PROBLEMS, PROBLEM_FORMS } from './parse.js';
import { QualityGatesConfig } from '../../../gates/config.js';

/** Where the committed JSON Schema lives (a stable path: editors point at it). */
export const SCHEMA_PATH = 'docs/quality-gates.schema.json';
export const REFERENCE_PATH = 'docs/configuration.md';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  [key: string]: unknown;
};

/** The JSON Schema (draft 2020-12) of the config file, as users write it (defaults shown, every key optional). */
export function configJsonSchema(): JsonSchema {
  const generated = z.toJSONSchema(QualityGatesConfig, { io: 'input', target: 'draft-2020-12' }) as JsonSchema;
  return {
    $schema: generated.$schema,
    title: 'Quality Gates configuration',
    ...stripNoise(generated),
  };
}

/** Drops JavaScript's safe-integer bounds, which say nothing to a user. */
function stripNoise(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$schema') continue;
    if (
      (key === 'maximum' && value === Number.MAX_SAFE_INTEGER) ||
      (key === 'minimum' && value === Number.MIN_SAFE_INTEGER)
    )
      continue;
    if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, stripNoise(v)]),
      );
    } else if (key === 'items' && value && typeof value === 'object') {
      out.items = stripNoise(value as JsonSchema);
    } else {
      out[key] = value;
    }
  }
  return out;
}

export function renderJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'values'}`;
  if (s.type === 'object') return 'mapping';
  if (s.type === 'integer') return `integer${s.minimum !== undefined ? ` ≥ ${s.minimum}` : ''}`;
  return String(s.type ?? 'any');
}

function defaultOf(s: JsonSchema): string {
  if (s.default === undefined || (s.type === 'object' && JSON.stringify(s.default) === '{}')) return '—';
  return `\`${JSON.stringify(s.default)}\``;
}

/** The configuration reference page, one table row per key. */
export function renderConfigReference(): string {
  const schema = configJsonSchema();
  const rows: string[] = [];
  const walk = (props: Record<string, JsonSchema> | undefined, prefix: string) => {
    for (const [key, sub] of Object.entries(props ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      rows.push(
        `| \`${path}\` | ${typeOf(sub)} | ${defaultOf(sub)} | ${(sub.description ?? '').replace(/\|/g, '\\|')} |`,
      );
      if (sub.type === 'object') walk(sub.properties, path);
    }
  };
  walk(schema.properties, '');
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from gates/config.ts by `npm run generate`; do not edit by hand. -->',
    '',
    "The file is `.github/quality-gates.yml`, read at the pull request's base commit (then the organisation's",
    '`.github` repository, then these defaults). Every key is optional; unknown keys and wrong types are errors.',
    '',
    `Editors that speak the YAML language server validate and complete the file with the JSON Schema in`,
    `[\`${SCHEMA_PATH.replace('docs/', '')}\`](${SCHEMA_PATH.replace('docs/', '')}): put this first line in the file:`,
    '',
    '```yaml',
    `# yaml-language-server: $schema=https://raw.githubusercontent.com/<org>/quality-gates/main/${SCHEMA_PATH}`,
    '```',
    '',
    '| key | type | default | meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
    ...WRITING_THE_FILE,
    '',
    ...problemMessages(),
    '',
    ...defaultLists(),
    '',
  ].join('\n');
}

/** YAML as the app reads it: what works besides plain keys and values. */
const WRITING_THE_FILE = [
  '## Writing the file',
  '',
  '- **An empty section means the defaults.** `tests-touched:` with nothing under it (YAML null) is the same as',
  '  `tests-touched: {}`, for every gate and every section (`defaults`, `checks`, `skip`, `gates`). With `_extends`, an',
  '  empty section in the extending file keeps what the extended file set. An empty value where a list or a value is',
  '  needed is still a problem (`skip.labels:` → "must be a list; found an empty value"): write `[]` for an empty list.',
  '- **Anchors, aliases and merge keys work**: set `&name` on a value and repeat it with `*name`; `<<: *name` merges a',
  '  mapping into another, and keys written beside it win. Aliases may be used 100 times at most (nested ones count).',
  '- One YAML document per file (no second `---`), and each key once per mapping.',
  `- The file is at most ${MAX_CONFIG_BYTES / 1024} KB.`,
];

/** The vocabulary of `validate` and the check run's "Configuration error", from `PROBLEM_FORMS`. */
function problemMessages(): string[] {
  return [
    '## Problem messages',
    '',
    'A file with problems gets a "Configuration error" check run (and `quality-gates validate` exits 1). Each problem is',
    'one line: the file, the line and column, the key path, and what is wrong and what is allowed, e.g.',
    '',
    '```text',
    '.github/quality-gates.yml:3:16 gates.batch-size.max_lines: must be a whole number; found "many"',
    '```',
    '',
    `Problems are sorted by line; the first ${MAX_LISTED_PROBLEMS} are listed and the rest counted ("and 1,475 more problems").`,
    'Every message has one of these forms (`V` is the value found, quoted when it is text):',
    '',
    '| form | example |',
    '|---|---|',
    ...PROBLEM_FORMS.map((f) => `| ${cell(f.form)} | ${cell(f.example)} |`),
  ];
}

/** Notes on the default glob lists that are not part of the schema (batch-size's excludes). */
function defaultLists(): string[] {
  return [
    '## Default lists',
    '',
    "Each default follows an ecosystem's own convention for a file name or layout, never a loose word such as",
    '"generated" that a hand-written file could carry. Anything else generated is best marked `linguist-generated` in',
    "the base branch's `.gitattributes` (batch-size does not count it), or listed in `exclude`.",
    '',
    '`gates.batch-size` does not count (unless `default_excludes: false`) the files below; its details name each',
    'file left out with its kind ("default list (lock file)"), and every verdict says how many lines were not counted.',
    'A default names files only: `*.min.js` leaves out `app.min.js`, not the files in a directory named so, and',
    'snapshots are snapshot files, not whatever sits in a snapshot directory. See [gates/batch-size.md](gates/batch-size.md).',
    '',
    ...Object.entries(BATCH_EXCLUDE_NOTES).flatMap(([kind, notes]) =>
      notes.length === 1 ? [`- ${kind}: ${notes[0]}`] : [`- ${kind}:`, ...notes.map((n) => `  - ${n}`)],
    ),
    '',
    `The whole list: ${DEFAULT_BATCH_EXCLUDES.map((g) => `\`${g}\``).join(', ')}.`,
    '',
    "`gates.tests-touched.tests` (its default is in the table above) also counts as tests: Go's `testdata/` fixtures",
    "(`go build` ignores them; a `.go` change with `testdata/*.tf` changes has its tests touched), Flutter's",
    "`integration_test/`, Jest's `__mocks__/`, Gradle's `src/testFixtures/`, Android and Kotlin Multiplatform test source",
    'sets (`src/androidTest/`, `src/commonTest/`, `src/jvmTest/`: `**/src/*Test/`), and .NET projects named',
    '`*.UnitTests` or `*.IntegrationTests`. See [gates/tests-touched.md](gates/tests-touched.md).',
  ];
}

/**
 * One line per convention in `DEFAULT_BATCH_EXCLUDE_KINDS`, by the kind the check run names (a test
 * holds every glob of a kind to a line of that kind, and every glob named to the list).
 */
export const BATCH_EXCLUDE_NOTES: Record<DefaultExcludeKind, readonly string[]> = {
  'lock file': [
    'npm (`package-lock.json`, `npm-shrinkwrap.json`), Yarn (`yarn.lock`), pnpm (`pnpm-lock.yaml`), Bun (`bun.lockb`, `bun.lock`), Deno (`deno.lock`), Cargo (`Cargo.lock`), Go (`go.sum`, `go.work.sum`), Poetry (`poetry.lock`), Pipenv (`Pipfile.lock`), uv (`uv.lock`), PDM (`pdm.lock`), pixi (`pixi.lock`), Bundler (`Gemfile.lock`), Composer (`composer.lock`), NuGet (`packages.lock.json`), SwiftPM (`Package.resolved`), CocoaPods (`Podfile.lock`), Carthage (`Cartfile.resolved`), Gradle (`gradle.lockfile`), Dart (`pubspec.lock`), Mix (`mix.lock`), Nix flakes (`flake.lock`), Bazel modules (`MODULE.bazel.lock`) and Terraform providers (`.terraform.lock.hcl`).',
  ],
  snapshot: [
    'snapshot files of Jest, Vitest and insta (`*.snap`) and of syrupy (`*.ambr`); other files in a snapshot directory are counted.',
  ],
  'minified file or source map': [
    'minified files (`*.min.js`, `*.min.css`, `*.min.mjs`) and source maps (`*.js.map`, `*.css.map`).',
  ],
  'generated file': [
    "Dart and Flutter code generators: build_runner's `*.g.dart` (json_serializable and others), `*.freezed.dart`, mockito's `*.mocks.dart`, auto_route's `*.gr.dart`, and `*.gen.dart` (Pigeon, flutter_gen).",
    "Pigeon's host-side output, which flutter/packages names like `Messages.g.kt` or `CoreTests.gen.kt`: Kotlin (`*.g.kt`, `*.gen.kt`), Swift (`*.g.swift`, `*.gen.swift`), Objective-C (`*.g.m`, `*.g.h`, `*.gen.m`, `*.gen.h`) and C++ (`*.g.cc`, `*.g.cpp`, `*.gen.cc`, `*.gen.cpp`).",
    "protobuf and gRPC output: Go (`*.pb.go`, `*_grpc.pb.go`, grpc-gateway's `*.pb.gw.go`, protoc-gen-validate's `*.pb.validate.go`), Python (`*_pb2.py`, `*_pb2_grpc.py` and their stubs `*_pb2.pyi`, `*_pb2_grpc.pyi`), C++ (`*.pb.cc`, `*.pb.h`), JavaScript and TypeScript (`*_pb.js`, `*_pb.d.ts`, `*_grpc_pb.js`, `*_grpc_pb.d.ts`, protobuf-es `*_pb.ts`), Ruby (`*_pb.rb`, `*_services_pb.rb`), Swift (`*.pb.swift`, `*.grpc.swift`), Dart (`*.pb.dart`, `*.pbenum.dart`, `*.pbjson.dart`, `*.pbgrpc.dart`, `*.pbserver.dart`), Objective-C (`*.pbobjc.h`, `*.pbobjc.m`) and C (`*.pb-c.c`, `*.pb-c.h`).",
    "Other generators: `*.gen.go` (oapi-codegen and others), C# `*.g.cs` (source generators, NSwag) and `*.Designer.cs`, OpenAPI Generator's `.openapi-generator/` manifest, Relay's `__generated__/*.graphql.ts` and `__generated__/*.graphql.js`, and `*.generated.*`.",
    'Rails schema dumps, written by migrations: `db/schema.rb`, `db/structure.sql`, and for several databases `db/*_schema.rb`, `db/*_structure.sql`, at any depth.',
  ],
};

const cell = (text: string) => `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
