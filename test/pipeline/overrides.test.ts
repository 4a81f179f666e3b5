/**
 * Overrides, pure: parsing `/gates override`, who may override (users, teams, bots, the PR's
 * author), what refuses a comment or a gate, expiry on push, and the verdict and history rows.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, QualityGatesConfig } from '../../gates/config.js';
import type { Conversation, PullComment } from '../../src/load/loader.js';
import {
  isAllowed,
  judgeOverrides,
  MAX_OVERRIDE_COMMANDS,
  overrideRecords,
  overrideTeams,
  parseOverride,
  withOverrides,
  type OverrideSettings,
} from '../../src/pipeline/overrides.js';
import { conclusionOf, titleOf, type Verdict } from '../../src/checks/verdict.js';
import { runGates } from '../../src/pipeline/run-gates.js';
import { aFile, aSnapshot, capped } from '../support/builders.js';

const ARRIVED = '2026-03-01T10:00:00Z';
const AFTER = '2026-03-01T10:05:00Z';
const HEAD = 'a'.repeat(40);

const comment = (body: string, over: Partial<PullComment> = {}): PullComment => ({
  author: 'lead',
  body,
  createdAt: AFTER,
  edited: false,
  hidden: false,
  url: `https://github.com/acme/api/pull/7#issuecomment-${body.length}`,
  ...over,
});
const conversation = (comments: PullComment[], headArrivedAt: string | null = ARRIVED): Conversation => ({
  comments,
  truncated: false,
  headArrivedAt,
});
const settings = (over: Partial<OverrideSettings> = {}): OverrideSettings => ({
  ...QualityGatesConfig.parse({ overrides: { allowed: ['lead', '@acme/release'] } }).overrides,
  ...over,
});
const pr = { author: { login: 'dana', isBot: false }, teams: { 'acme/release': ['rel1', 'dana'] } };
const ENABLED = ['batch-size', 'linked-ticket', 'tests-touched', 'signed-commits', 'codeowners-review'] as const;

const judge = (comments: PullComment[], over: Partial<OverrideSettings> = {}, arrived: string | null = ARRIVED) =>
  judgeOverrides({ conversation: conversation(comments, arrived), settings: settings(over), enabled: ENABLED, pr });
const only = (comments: PullComment[], over: Partial<OverrideSettings> = {}, arrived: string | null = ARRIVED) => {
  const decisions = judge(comments, over, arrived);
  expect(decisions).toHaveLength(1);
  return decisions[0]!;
};

describe('parseOverride', () => {
  it.each([
    ['/gates override batch-size Hotfix for INC-1234', ['batch-size'], 'Hotfix for INC-1234'],
    ['  /Gates OVERRIDE Batch-Size Hotfix for INC-1234  ', ['batch-size'], 'Hotfix for INC-1234'],
    [
      '/gates override batch-size,tests-touched Hotfix for INC-1234',
      ['batch-size', 'tests-touched'],
      'Hotfix for INC-1234',
    ],
    [
      '/gates override batch-size, tests-touched Hotfix for INC-1234',
      ['batch-size', 'tests-touched'],
      'Hotfix for INC-1234',
    ],
    [
      '/gates override batch-size ,tests-touched Hotfix for INC-1234',
      ['batch-size', 'tests-touched'],
      'Hotfix for INC-1234',
    ],
    ['/gates override all Hotfix for INC-1234', ['all'], 'Hotfix for INC-1234'],
    ['/gates override batch-size', ['batch-size'], ''],
    [
      'Context first.\n/gates override batch-size Hotfix for INC-1234\nmore text',
      ['batch-size'],
      'Hotfix for INC-1234',
    ],
  ])('%j', (body, names, reason) => {
    const parsed = parseOverride(comment(body));
    expect(parsed?.names).toEqual(names);
    expect(parsed?.reason).toBe(reason);
  });

  it.each([
    ['not at line start', 'please /gates override batch-size Hotfix for INC-1234'],
    ['quoted', '> /gates override batch-size Hotfix for INC-1234'],
    ['glued to the prefix', '/gatesoverride batch-size Hotfix for INC-1234'],
    ['a recheck first', '/gates recheck\n/gates override batch-size Hotfix for INC-1234'],
    ['another word', '/gates overrides batch-size Hotfix for INC-1234'],
  ])('is no override: %s', (_name, body) => {
    expect(parseOverride(comment(body))).toBeUndefined();
  });

  it('reads only the start of a 64 KB line', () => {
    const parsed = parseOverride(comment(`/gates override batch-size ${'x'.repeat(64 * 1024)}`));
    expect(parsed?.names).toEqual(['batch-size']);
    expect(parsed!.reason.length).toBeLessThan(1024);
  });
});

describe('who may override', () => {
  it.each([
    ['a listed user', 'lead', ['lead'], true],
    ['a listed user, any case, with @', 'LEAD', ['@Lead'], true],
    ['a member of a listed team', 'rel1', ['@acme/release'], true],
    ['a member of a listed team, any case', 'Rel1', ['@ACME/Release'], true],
    ['someone not listed', 'mallory', ['lead', '@acme/release'], false],
    ['someone who left the team (not in the members read)', 'gone', ['@acme/release'], false],
    ['the old login of a renamed user (GitHub names the new one)', 'lead-renamed', ['lead'], false],
    ['a bot listed with [bot]', 'deploy[bot]', ['deploy[bot]'], true],
    ['a bot not listed', 'deploy[bot]', ['lead'], false],
    ['a team the app cannot see', 'rel1', ['@acme/secret'], false],
    ['a login that is a prefix', 'lea', ['lead'], false],
  ])('%s', (_name, login, allowed, expected) => {
    expect(isAllowed(login, allowed, { 'acme/release': ['rel1'], 'acme/secret': null })).toBe(expected);
  });

  it.each([
    ['the PR author listed directly', ['dana'], 'applied'],
    ['the PR author through a team', ['@acme/release'], 'applied'],
    ['the PR author not listed', ['lead'], 'refused'],
  ])('%s: %s', (_name, allowed, outcome) => {
    const d = only([comment('/gates override batch-size Hotfix for INC-1234', { author: 'dana' })], { allowed });
    expect(d.outcome).toBe(outcome);
    expect(d.self).toBe(true);
  });
});

describe('judgeOverrides', () => {
  it('applies a listed user’s override to the gate named', () => {
    expect(only([comment('/gates override batch-size Hotfix for INC-1234')])).toMatchObject({
      outcome: 'applied',
      gate: 'batch-size',
      login: 'lead',
      reason: 'Hotfix for INC-1234',
    });
  });

  it('expands `all` to every evaluated gate', () => {
    const decisions = judge([comment('/gates override all Hotfix for INC-1234')]);
    expect(decisions.map((d) => [d.gate, d.outcome])).toEqual(ENABLED.map((g) => [g, 'applied']));
  });

  it('with `overrides.gates`, `all` still names every gate, and the others are refused', () => {
    const decisions = judge([comment('/gates override all Hotfix for INC-1234')], { gates: ['batch-size'] });
    expect(decisions.filter((d) => d.outcome === 'applied').map((d) => d.gate)).toEqual(['batch-size']);
    expect(new Set(decisions.filter((d) => d.outcome === 'refused').map((d) => d.refusal))).toEqual(
      new Set(['not-overridable']),
    );
  });

  it.each([
    [
      'overrides off (allowed empty)',
      comment('/gates override batch-size Hotfix for INC-1234'),
      { allowed: [] },
      'off',
    ],
    [
      'not allowed',
      comment('/gates override batch-size Hotfix for INC-1234', { author: 'mallory' }),
      {},
      'not-allowed',
    ],
    [
      'a deleted account',
      comment('/gates override batch-size Hotfix for INC-1234', { author: null }),
      {},
      'not-allowed',
    ],
    ['edited after posting', comment('/gates override batch-size Hotfix for INC-1234', { edited: true }), {}, 'edited'],
    ['hidden', comment('/gates override batch-size Hotfix for INC-1234', { hidden: true }), {}, 'hidden'],
    ['no reason', comment('/gates override batch-size'), {}, 'no-reason'],
    ['a short reason', comment('/gates override batch-size too short'.slice(0, 36)), {}, 'short-reason'],
    ['an unknown gate', comment('/gates override batch-sise Hotfix for INC-1234'), {}, 'unknown-gate'],
    [
      'a gate not in overrides.gates',
      comment('/gates override signed-commits Hotfix for INC-1234'),
      { gates: ['batch-size'] },
      'not-overridable',
    ],
    [
      'given before the head arrived',
      comment('/gates override batch-size Hotfix for INC-1234', { createdAt: '2026-03-01T09:59:00Z' }),
      {},
      'older-head',
    ],
    [
      'given in the second the head arrived',
      comment('/gates override batch-size Hotfix for INC-1234', { createdAt: ARRIVED }),
      {},
      'older-head',
    ],
  ] as [string, PullComment, Partial<OverrideSettings>, string][])('refuses %s', (_name, c, over, refusal) => {
    expect(only([c], over)).toMatchObject({ outcome: 'refused', refusal });
  });

  it('refuses when GitHub recorded no arrival of the head, and applies then with expire_on_push false', () => {
    expect(only([comment('/gates override batch-size Hotfix for INC-1234')], {}, null)).toMatchObject({
      outcome: 'refused',
      refusal: 'head-unknown',
    });
    expect(
      only(
        [comment('/gates override batch-size Hotfix for INC-1234', { createdAt: '2020-01-01T00:00:00Z' })],
        { expire_on_push: false },
        null,
      ).outcome,
    ).toBe('applied');
  });

  it('refuses the unknown names of a comment and applies the others', () => {
    const decisions = judge([comment('/gates override batch-size,nope Hotfix for INC-1234')]);
    expect(decisions.map((d) => [d.gate, d.outcome, d.refusal])).toEqual([
      ['batch-size', 'applied', undefined],
      ['nope', 'refused', 'unknown-gate'],
    ]);
  });

  it('judges the newest commands only', () => {
    const many = Array.from({ length: MAX_OVERRIDE_COMMANDS + 30 }, (_, i) =>
      comment(`/gates override batch-size Hotfix number ${i}`, { url: `u${i}` }),
    );
    const decisions = judge(many);
    expect(decisions).toHaveLength(MAX_OVERRIDE_COMMANDS);
    expect(decisions.at(-1)!.url).toBe(`u${MAX_OVERRIDE_COMMANDS + 29}`);
  });

  it('reads teams only when there is an override command', () => {
    expect(overrideTeams(conversation([]), settings())).toEqual([]);
    expect(
      overrideTeams(conversation([comment('/gates override all Hotfix for INC-1234', { author: 'rel1' })]), settings()),
    ).toEqual(['acme/release']);
    // a commenter listed by login needs no team read
    expect(
      overrideTeams(conversation([comment('/gates override all Hotfix for INC-1234', { author: 'Lead' })]), settings()),
    ).toEqual([]);
    expect(
      overrideTeams(
        conversation([comment('/gates override all Hotfix for INC-1234', { author: 'rel1' })]),
        settings({ allowed: [] }),
      ),
    ).toEqual([]);
  });
});

describe('the verdict with overrides', () => {
  const big = aSnapshot({
    title: 'PAY-1 big',
    files: capped([aFile('src/a.ts', 900, 0), aFile('src/a.test.ts', 1, 0)]),
  });
  const config = QualityGatesConfig.parse({
    gates: { 'signed-commits': { mode: 'off' }, 'codeowners-review': { mode: 'off' } },
  });
  const verdict: Verdict = { kind: 'evaluated', outcomes: runGates(big, config), notes: [] };

  it('fails without an override', () => {
    expect(titleOf(verdict)).toBe('Blocked: batch-size');
  });

  it('passes with one, keeping the gate’s own result', () => {
    const v = withOverrides(verdict, judge([comment('/gates override batch-size Hotfix for INC-1234')]), HEAD);
    expect(conclusionOf(v)).toBe('success');
    expect(titleOf(v)).toBe('Passed with override: batch-size (by @lead)');
    const o = v.kind === 'evaluated' ? v.outcomes.find((x) => x.id === 'batch-size')! : undefined;
    expect(o?.status).toBe('overridden');
    expect(o?.result.status).toBe('fail');
    expect(o?.override).toMatchObject({ login: 'lead', reason: 'Hotfix for INC-1234' });
  });

  it('leaves a passing gate as it is', () => {
    const v = withOverrides(verdict, judge([comment('/gates override linked-ticket Hotfix for INC-1234')]), HEAD);
    expect(v.kind === 'evaluated' && v.outcomes.find((x) => x.id === 'linked-ticket')!.status).toBe('pass');
    expect(conclusionOf(v)).toBe('failure');
  });

  it('keeps a refusal under its gate, and unknown names in the notes', () => {
    const v = withOverrides(
      verdict,
      judge([comment('/gates override batch-size,nope Hotfix', { author: 'mallory' })]),
      HEAD,
    );
    expect(conclusionOf(v)).toBe('failure');
    if (v.kind !== 'evaluated') throw new Error('evaluated');
    expect(v.outcomes.find((x) => x.id === 'batch-size')!.refusedOverrides).toHaveLength(1);
    expect(JSON.stringify(v.notes)).toContain('nope');
  });

  it('gives the history one row per comment and outcome', () => {
    const rows = overrideRecords(judge([comment('/gates override batch-size,nope Hotfix for INC-1234')]), HEAD);
    expect(rows).toEqual([
      expect.objectContaining({
        outcome: 'applied',
        gates: ['batch-size'],
        refusal: null,
        headSha: HEAD,
        login: 'lead',
      }),
      expect.objectContaining({ outcome: 'refused', gates: ['nope'], refusal: 'nope: unknown-gate' }),
    ]);
  });

  it('the default config has overrides off', () => {
    expect(DEFAULT_CONFIG.overrides).toEqual({ allowed: [], gates: [], expire_on_push: true });
  });
});

describe('config errors in overrides', () => {
  it.each([
    [{ allowed: 'lead' }, 'overrides.allowed'],
    [{ allowed: ['not a login'] }, 'overrides.allowed.0'],
    [{ allowed: ['@acme/'] }, 'overrides.allowed.0'],
    [{ gates: ['batch-sise'] }, 'overrides.gates.0'],
    [{ expire_on_push: 'yes' }, 'overrides.expire_on_push'],
    [{ alowed: [] }, 'overrides'],
  ])('%j', (overrides, path) => {
    const parsed = QualityGatesConfig.safeParse({ overrides });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});
