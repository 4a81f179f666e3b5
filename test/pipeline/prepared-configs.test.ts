/**
 * Prepared configs (compiled globs and patterns): the base branch's are kept in one cache with a
 * byte budget; a proposed config's are made for its preview and never kept (issue 14).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchSize } from '../../gates/batch-size/index.js';
import { BatchSizeConfig } from '../../gates/config-fields.js';
import { defineGate, result, type BoundGate, type Prepared } from '../../gates/registry.js';
import { DEFAULT_CONFIG } from '../../gates/config.js';
import { runGates } from '../../src/pipeline/run-gates.js';
import { BASE_CONFIGS, PREPARE_FRESH, PreparedConfigCache } from '../../src/pipeline/prepared-configs.js';
import type { FakeGitHub } from '../support/fake-github.js';
import { aFile, aSnapshot, capped } from '../support/builders.js';
import { freshApp, type Harness, HEAD, pullRequestPayload, resetNock } from '../support/harness.js';

/** A gate whose `prepare` counts its calls and claims `bytes`; `bound(exclude)` binds it to settings. */
function countingGate(bytes: number): { bound: (exclude: string[]) => BoundGate; calls: () => number } {
  let calls = 0;
  const gate = defineGate({
    id: 'counting',
    title: 'Counting',
    needs: [],
    config: BatchSizeConfig,
    prepare: (): Prepared => {
      calls++;
      return { bytes };
    },
    evaluate: () => result.pass('counted'),
  });
  return {
    bound: (exclude) => gate.bind({ counting: BatchSizeConfig.parse({ exclude }) }, 'block'),
    calls: () => calls,
  };
}

describe('PreparedConfigCache', () => {
  it('prepares a config once, and again for a different config', () => {
    const cache = new PreparedConfigCache(1_000_000);
    const { bound, calls } = countingGate(100);
    const first = cache.compiled(bound(['a/']));
    expect(cache.compiled(bound(['a/']))).toBe(first);
    expect(calls()).toBe(1);
    cache.compiled(bound(['b/']));
    expect(calls()).toBe(2);
    expect(cache.size).toBe(2);
  });

  it('keeps its estimated bytes under the budget, dropping the least recently used', () => {
    const cache = new PreparedConfigCache(10_000);
    const { bound } = countingGate(3_000);
    for (let i = 0; i < 20; i++) cache.compiled(bound([`d${i}/`]));
    expect(cache.bytes).toBeLessThanOrEqual(10_000);
    expect(cache.size).toBe(3);
    expect(cache.has(bound(['d19/']))).toBe(true);
    expect(cache.has(bound(['d0/']))).toBe(false);
  });

  it('uses, but does not keep, a prepared config larger than the whole budget', () => {
    const cache = new PreparedConfigCache(10_000);
    const { bound, calls } = countingGate(50_000);
    expect(cache.compiled(bound(['huge/'])).bytes).toBe(50_000);
    expect(cache.size).toBe(0);
    cache.compiled(bound(['huge/']));
    expect(calls()).toBe(2);
  });

  it('a list of 200 long globs, the most one list can hold, is estimated in megabytes, not more', () => {
    const exclude = Array.from({ length: 200 }, (_, i) => `src/${i}/${'a'.repeat(220)}/**/*.{ts,js}`);
    const prepared = batchSize.prepare!(BatchSizeConfig.parse({ exclude }));
    expect(prepared.bytes).toBeGreaterThan(100_000);
    expect(prepared.bytes).toBeLessThan(8 * 1024 * 1024);
  });
});

describe('runGates and the shared cache', () => {
  const pr = aSnapshot({ files: capped([aFile('src/a.ts', 10)]) });
  const withExclude = (exclude: string[]) => {
    const config = structuredClone(DEFAULT_CONFIG);
    config.gates['batch-size'].exclude = exclude;
    return config;
  };

  it('keeps what it prepares for a base config', () => {
    const config = withExclude(['base-only/**/*.gen.ts']);
    runGates(pr, config);
    expect(BASE_CONFIGS.has(batchSize.bind({ 'batch-size': config.gates['batch-size'] }, 'block'))).toBe(true);
  });

  it('keeps nothing it prepares for a proposed config', () => {
    const config = withExclude(['proposed-only/**/*.gen.ts']);
    const before = BASE_CONFIGS.size;
    runGates(pr, config, PREPARE_FRESH);
    expect(BASE_CONFIGS.size).toBe(before);
    expect(BASE_CONFIGS.has(batchSize.bind({ 'batch-size': config.gates['batch-size'] }, 'block'))).toBe(false);
  });
});

describe('a fork proposes hostile globs (issue 14)', () => {
  const CONFIG = '.github/quality-gates.yml';
  let fake: FakeGitHub;
  let h: Harness;
  beforeEach(async () => ({ fake, h } = await freshApp()));
  afterEach(() => resetNock());

  it('globs that backtracked in picomatch: the preview is evaluated at once, and not cached', async () => {
    const hostile = ['a*a*a*a*a*a*a?c', `${'**/a/'.repeat(10)}b`, `*a${'?'.repeat(30)}`];
    fake.setBlob(HEAD, CONFIG, `gates:\n  batch-size:\n    exclude: ${JSON.stringify(hostile)}\n`);
    const deep = Array.from({ length: 40 }, () => 'a').join('/');
    const files = [
      { path: CONFIG, additions: 1, deletions: 0 },
      ...Array.from({ length: 50 }, (_, i) => ({
        path: i % 2 ? `${deep}/b/c${i}` : `${'a'.repeat(60 + i)}/f${i}`,
        additions: 1,
        deletions: 0,
      })),
    ];
    const pull = fake.addPull({ number: 21, files });
    const started = performance.now();
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    expect(performance.now() - started).toBeLessThan(5_000); // before: over a minute
    const run = fake.runsOn(HEAD)[0]!;
    expect(run.output.summary).toContain('## Preview: the proposed configuration');
    expect(
      BASE_CONFIGS.has(batchSize.bind({ 'batch-size': BatchSizeConfig.parse({ exclude: hostile }) }, 'block')),
    ).toBe(false);
  });

  it.each([
    [
      '`{*,*}` seven times and 201 globs: a Configuration error in the preview, naming the keys',
      201,
      [
        '`gates.batch-size.exclude.0`: each alternative in braces must hold a character other than',
        '`gates.tests-touched.exclude`: must list at most 200 items; found 201',
      ],
    ],
    [
      '11,000 globs (the attack of issue 14): refused by size, before anything is parsed',
      11_000,
      ['the file is larger than 16 KB'],
    ],
  ])('%s', async (_name, count, expected) => {
    const many = Array.from({ length: count }, (_, i) => `g${i}/**`);
    fake.setBlob(
      HEAD,
      CONFIG,
      `gates:\n  batch-size:\n    exclude: ["${'{*,*}'.repeat(7)}"]\n  tests-touched:\n    exclude: ${JSON.stringify(many)}\n`,
    );
    const pull = fake.addPull({ number: 22, files: [{ path: CONFIG, additions: 2, deletions: 0 }] });
    await h.receive('pull_request', pullRequestPayload(fake, pull));
    const summary = fake.runsOn(HEAD)[0]!.output.summary;
    expect(summary).toContain('The proposed file is invalid');
    for (const text of expected) expect(summary).toContain(text);
  });
});
