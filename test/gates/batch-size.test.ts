import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchSize, largestFiles, prepareBatchSize } from '../../gates/batch-size/index.js';
import { readFileSync } from 'node:fs';
import {
  BatchSizeConfig,
  DEFAULT_BATCH_EXCLUDE_KINDS,
  MAX_GLOBS_PER_CONFIG,
  MAX_GLOBS_PER_LIST,
} from '../../gates/config-fields.js';
import { MAX_GITATTRIBUTES_RULES } from '../../gates/lib/gitattributes.js';
import { MAX_GLOB_LENGTH, MAX_GLOB_WORK } from '../../gates/lib/glob.js';
import { plain, type DetailBlock } from '../../gates/gate.js';
import { aFile, aSnapshot, capped } from '../support/builders.js';
import type { ChangedFile } from '../../gates/snapshot.js';

const cfg = (over: Record<string, unknown> = {}) => BatchSizeConfig.parse(over);
const run = (files: ChangedFile[], over: Record<string, unknown> = {}, gitattributes?: string) =>
  batchSize.evaluate(
    aSnapshot({
      files: capped(files),
      base: {
        codeowners: null,
        gitattributes: gitattributes
          ? { path: '.gitattributes', oid: 'x', byteSize: gitattributes.length, text: gitattributes, truncated: false }
          : null,
      },
    }),
    cfg(over),
  );
const many = (n: number, lines: number) => Array.from({ length: n }, (_, i) => aFile(`src/f${i}.ts`, lines, 0));
const blocksText = (blocks: readonly DetailBlock[]) => JSON.stringify(blocks);

describe('batch-size', () => {
  it.each([
    {
      name: 'small PR passes',
      files: [aFile('a.ts', 100, 20)],
      over: {},
      status: 'pass',
      reason: '120 lines in 1 file (limit 400 lines, 50 files)',
    },
    {
      name: 'exactly at the line limit passes',
      files: [aFile('a.ts', 400, 0)],
      over: {},
      status: 'pass',
      reason: '400 lines in 1 file (limit 400 lines, 50 files)',
    },
    {
      name: 'one line over fails',
      files: [aFile('a.ts', 401, 0)],
      over: {},
      status: 'fail',
      reason: '401 lines in 1 file (limit 400 lines, 50 files)',
    },
    {
      name: 'too many files fails',
      files: many(51, 1),
      over: {},
      status: 'fail',
      reason: '51 lines in 51 files (limit 400 lines, 50 files)',
    },
    {
      name: 'custom limits',
      files: many(3, 10),
      over: { max_lines: 20, max_files: 2 },
      status: 'fail',
      reason: '30 lines in 3 files (limit 20 lines, 2 files)',
    },
    {
      name: 'lockfiles are excluded by default',
      files: [aFile('package-lock.json', 5000, 3000), aFile('a/yarn.lock', 900, 0), aFile('src/a.ts', 10, 0)],
      over: {},
      status: 'pass',
      reason: '10 lines in 1 file (limit 400 lines, 50 files); 8,900 lines not counted',
    },
    {
      name: 'default excludes can be dropped',
      files: [aFile('package-lock.json', 5000, 0)],
      over: { default_excludes: false },
      status: 'fail',
      reason: '5,000 lines in 1 file (limit 400 lines, 50 files)',
    },
    {
      name: 'snapshots, minified and generated files are excluded',
      files: [
        aFile('src/__snapshots__/a.test.ts.snap', 900),
        aFile('dist/app.min.js', 9000),
        aFile('api/v1/svc.pb.go', 800),
        aFile('src/x.ts', 1),
      ],
      over: {},
      status: 'pass',
      reason: '1 line in 1 file (limit 400 lines, 50 files); 10,700 lines not counted',
    },
    {
      name: 'extra exclude globs add to the defaults',
      files: [aFile('vendor/lib/a.go', 900), aFile('go.sum', 300), aFile('main.go', 5)],
      over: { exclude: ['vendor/'] },
      status: 'pass',
      reason: '5 lines in 1 file (limit 400 lines, 50 files); 1,200 lines not counted',
    },
    {
      name: 'a pure rename counts 0',
      files: [aFile('src/new-name.ts', 0, 0, 'renamed')],
      over: {},
      status: 'pass',
      reason: '0 lines in 1 file (limit 400 lines, 50 files)',
    },
    {
      name: 'deletions count',
      files: [aFile('old.ts', 0, 450, 'deleted')],
      over: {},
      status: 'fail',
      reason: '450 lines in 1 file (limit 400 lines, 50 files)',
    },
  ])('$name', ({ files, over, status, reason }) => {
    const res = run(files, over);
    expect(res.status).toBe(status);
    expect(plain(res.reason)).toBe(reason);
  });

  it('does not count linguist-generated files from the base .gitattributes, and honours unsetting', () => {
    const attrs =
      '# generated\napi/generated/** linguist-generated=true\napi/generated/keep.ts -linguist-generated\n*.gen.ts linguist-generated\n';
    const res = run(
      [
        aFile('api/generated/a.ts', 900),
        aFile('api/generated/keep.ts', 10),
        aFile('src/b.gen.ts', 500),
        aFile('src/c.ts', 5),
      ],
      {},
      attrs,
    );
    expect(plain(res.reason)).toBe('15 lines in 2 files (limit 400 lines, 50 files); 1,400 lines not counted');
    expect(blocksText(res.details)).toContain('linguist-generated');
  });

  it('names both numbers and limits, lists the largest files and suggests a split', () => {
    const res = run([...many(13, 40), aFile('src/big.ts', 92)]);
    expect(res.status).toBe('fail');
    expect(plain(res.reason)).toBe('612 lines in 14 files (limit 400 lines, 50 files)');
    const details = res.details.map((b) => (b.kind === 'paragraph' ? plain(b.text) : '')).join('\n');
    expect(details).toContain('This pull request changes 612 lines; the limit is 400 lines.');
    const table = res.details.find((b) => b.kind === 'table');
    expect(table && table.kind === 'table' && table.rows[0]).toEqual([[{ code: 'src/big.ts' }], '+92 −0']);
    expect(blocksText(res.fix)).toContain('Split it into at least 2 pull requests');
    expect(res.fix.some((b) => b.kind === 'code' && b.text.includes('git switch -c'))).toBe(true);
  });

  it('uses GitHub’s totals when the file list is truncated, so a huge PR never passes', () => {
    const listed = many(3000, 0);
    const pr = aSnapshot({
      files: capped(listed, true, 3500),
      totals: { changedFiles: 3500, additions: 90_000, deletions: 10 },
    });
    const res = batchSize.evaluate(pr, cfg({ max_files: 5000, max_lines: 100_000 }));
    expect(plain(res.reason)).toBe('90,010 lines in 3,500 files (limit 100,000 lines, 5,000 files)');
    expect(blocksText(res.details)).toContain('GitHub lists only the first 3,000 files of 3,500 changed files');
    const strict = batchSize.evaluate(pr, cfg());
    expect(strict.status).toBe('fail');
  });

  it('bounds the lists it returns', () => {
    const res = run(many(200, 3));
    const table = res.details.find((b) => b.kind === 'table');
    expect(table?.kind === 'table' && table.rows.length).toBe(10);
    expect(table?.kind === 'table' && table.total).toBe(200);
  });
});

describe('batch-size: what is not counted', () => {
  const notCounted = (res: ReturnType<typeof run>) => {
    const list = res.details.find((b) => b.kind === 'list' && plain(b.title ?? '').startsWith('Not counted'));
    return list?.kind === 'list' ? { title: plain(list.title ?? ''), items: list.items.map(plain) } : undefined;
  };

  it('cannot be dodged by naming: a snapshot directory is not a snapshot, and every excluded line shows (issue 14)', () => {
    const files = [
      aFile('src/payments/core.generated.ts', 4000),
      aFile('src/__snapshots__/handler.ts', 3000),
      aFile('lib/app.min.js', 2000),
      aFile('src/a.ts', 10),
    ];
    const res = run(files);
    // Before: "10 lines in 1 file" — a pass.
    expect(res.status).toBe('fail');
    expect(plain(res.reason)).toBe('3,010 lines in 2 files (limit 400 lines, 50 files); 6,000 lines not counted');
  });

  it('a default pattern names files, never a directory of that name', () => {
    const res = run([
      aFile('lib/app.min.js/core.ts', 900),
      aFile('src/x.generated.d/pay.ts', 900),
      aFile('yarn.lock/a.ts', 900),
      aFile('src/__snapshots__/a.test.ts.snap', 50),
    ]);
    expect(plain(res.reason)).toBe('2,700 lines in 3 files (limit 400 lines, 50 files); 50 lines not counted');
  });

  it.each([
    ['a Jest snapshot', 'src/__snapshots__/a.test.ts.snap', true],
    ['an insta snapshot', 'tests/snapshots/parse__x.snap', true],
    ['a syrupy snapshot', 'tests/__snapshots__/test_api.ambr', true],
    ['source in a snapshot directory', 'src/__snapshots__/handler.ts', false],
    ['a helper beside the snapshots', 'test/__snapshots__/util.js', false],
  ])('snapshots: %s (%s) is left out: %s', (_name, path, excluded) => {
    expect(notCounted(run([aFile(path, 10)])) !== undefined).toBe(excluded);
  });

  it('names the rule that leaves out each file, largest first (issue 22)', () => {
    const attrs = 'api/generated/** linguist-generated\n';
    const res = run(
      [
        aFile('package-lock.json', 500, 100),
        aFile('src/__snapshots__/a.snap', 40),
        aFile('dist/app.min.js', 90),
        aFile('api/v1/svc.pb.go', 70),
        aFile('vendor/lib/a.go', 300),
        aFile('api/generated/b.ts', 200),
        aFile('src/x.ts', 1),
      ],
      { exclude: ['docs/', 'vendor/'] },
      attrs,
    );
    expect(notCounted(res)).toEqual({
      title: 'Not counted (6 files, 1,300 lines):',
      items: [
        '`package-lock.json` — 600 lines; default list (lock file)',
        '`vendor/lib/a.go` — 300 lines; `exclude` glob `vendor/`',
        '`api/generated/b.ts` — 200 lines; `linguist-generated` in `.gitattributes` (`api/generated/**`)',
        '`dist/app.min.js` — 90 lines; default list (minified file or source map)',
        '`api/v1/svc.pb.go` — 70 lines; default list (generated file)',
        '`src/__snapshots__/a.snap` — 40 lines; default list (snapshot)',
      ].map((t) => t.replaceAll('`', '')),
    });
    expect(plain(res.reason)).toBe('1 line in 1 file (limit 400 lines, 50 files); 1,300 lines not counted');
  });

  it('max_excluded_lines: off by default, and a failure with its own reason when set', () => {
    const files = [aFile('src/api.generated.ts', 1500), aFile('src/a.ts', 10)];
    expect(run(files).status).toBe('pass');
    const res = run(files, { max_excluded_lines: 1000 });
    expect(res.status).toBe('fail');
    expect(plain(res.reason)).toBe(
      '10 lines in 1 file (limit 400 lines, 50 files); 1,500 lines not counted (limit 1,000 lines)',
    );
    expect(blocksText(res.details)).toContain(
      'The files that are not counted change 1,500 lines; the limit is 1,000 lines (',
    );
    expect(blocksText(res.fix)).toContain('gates.batch-size.max_excluded_lines');
    expect(run(files, { max_excluded_lines: 1500 }).status).toBe('pass');
  });

  it('fails closed, saying what to simplify, when the globs cost more than the work bound', () => {
    // Unvalidated: the schema would accept this glob; its automaton multiplies states on these paths.
    const cfgHostile = {
      ...cfg(),
      exclude: Array.from({ length: 50 }, (_, i) => `**/${'?'.repeat(i % 5)}*a${'?'.repeat(200)}`),
    };
    const files = Array.from({ length: 3000 }, (_, i) => aFile(`${'ab'.repeat(150 + (i % 40))}/x${i}.ts`, 1));
    const res = batchSize.evaluate(aSnapshot({ files: capped(files) }), cfgHostile);
    expect(res.status).toBe('fail');
    expect(plain(res.reason)).toBe(
      'The exclude globs could not be matched against the changed files within the work limit',
    );
    expect(blocksText(res.fix)).toContain('gates.batch-size.exclude');
  });

  it('reads only the last 200 linguist-generated lines of .gitattributes, and says so (a 1,000-line file took 0.2 s per evaluation)', () => {
    const attrs = [
      ...Array.from({ length: 50 }, (_, i) => `old${i}/** linguist-generated`),
      ...Array.from({ length: 200 }, (_, i) => `new${i}/** linguist-generated`),
    ].join('\n');
    const res = run([aFile('old0/a.ts', 300), aFile('new0/a.ts', 300), aFile('new199/a.ts', 300)], {}, attrs);
    expect(plain(res.reason)).toBe('300 lines in 1 file (limit 400 lines, 50 files); 600 lines not counted');
    expect(blocksText(res.details)).toContain('were read; files that only the 50 lines before them mark are counted.');
    expect(blocksText(run([aFile('old0/a.ts', 300)], {}, 'old0/** linguist-generated\n').details)).not.toContain(
      'were read',
    );
  });

  it('answers the same from a prepared config as from the config alone', () => {
    const over = { exclude: ['docs/**/*.md', 'vendor/'] };
    const pr = aSnapshot({ files: capped([aFile('docs/a/b.md', 90), aFile('vendor/x.go', 9), aFile('src/a.ts', 3)]) });
    expect(batchSize.evaluate(pr, cfg(over), prepareBatchSize(cfg(over)))).toEqual(batchSize.evaluate(pr, cfg(over)));
  });
});

describe('largestFiles', () => {
  it('gives what a full sort gives, head first, ties by path', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd/e', 'f'), fc.nat(5), fc.nat(5)), { maxLength: 40 }),
        fc.nat(12),
        (entries, count) => {
          const files = entries.map(([path, add, del], i) => aFile(`${path}${i % 3}`, add, del));
          const sorted = [...files].sort(
            (a, b) => b.additions + b.deletions - (a.additions + a.deletions) || a.path.localeCompare(b.path),
          );
          expect(largestFiles(files, count).map((f) => f.path)).toEqual(sorted.slice(0, count).map((f) => f.path));
        },
      ),
    );
  });
});

describe('batch-size default excludes: the ecosystems’ own conventions (issue 22)', () => {
  it.each([
    // lock files
    'infra/.terraform.lock.hcl',
    'ios/Podfile.lock',
    'Cartfile.resolved',
    'flake.lock',
    'deno.lock',
    'pdm.lock',
    'pixi.lock',
    'go.work.sum',
    'MODULE.bazel.lock',
    // Dart and Flutter (build_runner, mockito, Pigeon, auto_route)
    'lib/src/messages.g.dart',
    'lib/src/core_tests.gen.dart',
    'lib/model.freezed.dart',
    'test/api_test.mocks.dart',
    'lib/router.gr.dart',
    // Pigeon's host-side output, flutter/packages style
    'android/src/main/kotlin/io/flutter/Messages.g.kt',
    'ios/Classes/Messages.g.swift',
    'ios/Classes/messages.g.m',
    'ios/Classes/messages.g.h',
    'linux/messages.g.cc',
    'windows/messages.g.cpp',
    'platform_tests/CoreTests.gen.kt',
    'platform_tests/CoreTests.gen.swift',
    'platform_tests/CoreTests.gen.m',
    'platform_tests/CoreTests.gen.h',
    'platform_tests/core_tests.gen.cc',
    'platform_tests/core_tests.gen.cpp',
    // C#
    'src/Api/Client.g.cs',
    // protobuf and gRPC in several languages
    'api/v1/svc.pb.go',
    'api/v1/svc_grpc.pb.go',
    'api/v1/svc.pb.gw.go',
    'api/v1/svc.pb.validate.go',
    'gen/svc_pb2.py',
    'gen/svc_pb2.pyi',
    'gen/svc_pb2_grpc.py',
    'gen/svc_pb2_grpc.pyi',
    'web/gen/svc_pb.js',
    'web/gen/svc_pb.d.ts',
    'web/gen/svc_grpc_pb.js',
    'web/gen/svc_grpc_pb.d.ts',
    'web/gen/svc_pb.ts',
    'lib/svc_pb.rb',
    'lib/svc_services_pb.rb',
    'Sources/Gen/svc.pb.swift',
    'Sources/Gen/svc.grpc.swift',
    'lib/gen/svc.pb.dart',
    'lib/gen/svc.pbenum.dart',
    'lib/gen/svc.pbjson.dart',
    'lib/gen/svc.pbgrpc.dart',
    'lib/gen/svc.pbserver.dart',
    'objc/Svc.pbobjc.h',
    'objc/Svc.pbobjc.m',
    'c/svc.pb-c.c',
    'c/svc.pb-c.h',
    'cpp/svc.pb.cc',
    'cpp/svc.pb.h',
    // OpenAPI Generator's manifest, Relay's artefacts
    'clients/ts/.openapi-generator/FILES',
    'web/src/__generated__/AppQuery.graphql.ts',
    'web/src/__generated__/AppQuery.graphql.js',
    // Rails schema dumps
    'db/schema.rb',
    'services/billing/db/schema.rb',
    'db/queue_schema.rb',
    'db/structure.sql',
    'db/cache_structure.sql',
  ])('%s is not counted', (path) => {
    const res = run([aFile(path, 5000, 0), aFile('src/real.ts', 1, 0)]);
    expect(plain(res.reason)).toBe('1 line in 1 file (limit 400 lines, 50 files); 5,000 lines not counted');
    expect(blocksText(res.details)).toMatch(/default list \((lock file|generated file)\)/);
  });

  it.each([
    // look-alikes of ordinary source files stay counted: no loose by-name pattern was added
    'src/db_connect.ts',
    'lib/schema.rb',
    'app/models/schema.rb',
    'src/messages.dart',
    'src/gen.dart',
    'lib/g.kt',
    'src/pb.go',
    'src/protobuf.ts',
    'src/__generated__/payments.ts',
    'src/generated/api.ts',
    'db/migrate/20240101_add_users.rb',
    'testdata/input.tf',
  ])('%s is counted', (path) => {
    const res = run([aFile(path, 5000, 0)]);
    expect(plain(res.reason)).toBe('5,000 lines in 1 file (limit 400 lines, 50 files)');
  });
});

describe('docs/gates/batch-size.md', () => {
  const doc = readFileSync('docs/gates/batch-size.md', 'utf8').replace(/\s+/g, ' ');

  it('documents every key, every kind of the default list, and the limits as the code sets them', () => {
    expect(Object.keys(BatchSizeConfig.shape).filter((key) => !doc.includes(`| \`${key}\` |`))).toEqual([]);
    expect(Object.keys(DEFAULT_BATCH_EXCLUDE_KINDS).filter((kind) => !doc.includes(`**${kind}**`))).toEqual([]);
    for (const limit of [
      `at most ${MAX_GLOBS_PER_LIST} globs of at most ${MAX_GLOB_LENGTH} characters`,
      `at most ${MAX_GLOBS_PER_CONFIG}`,
      `${MAX_GLOB_WORK.toLocaleString('en-US')} matching steps`,
      `last ${MAX_GITATTRIBUTES_RULES} \`linguist-generated\` lines`,
    ]) {
      expect(doc).toContain(limit);
    }
  });
});
