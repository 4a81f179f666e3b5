/**
 * branch-age: days since the pull request was opened against the snapshot's own "now" (`readAt`),
 * commits behind the base from GitHub's compare, "not compared" when there is none, and the fix.
 */
import { describe, expect, it } from 'vitest';
import { branchAge, shellWord } from '../../gates/branch-age/index.js';
import { plain, type DetailBlock } from '../../gates/gate.js';
import type { Comparison, PullRequestSnapshot } from '../../gates/snapshot.js';
import { aSnapshot } from '../support/builders.js';

const NOW = '2026-03-15T12:00:00.000Z';
const DAY = 86_400_000;
const ago = (ms: number) => new Date(Date.parse(NOW) - ms).toISOString();
const cfg = (over: Record<string, unknown> = {}) => branchAge.config.parse({ mode: 'block', ...over });
const run = (over: Partial<PullRequestSnapshot>, config: Record<string, unknown> = {}) =>
  branchAge.evaluate(aSnapshot({ readAt: NOW, ...over }), cfg(config));
const codes = (blocks: readonly DetailBlock[]) => blocks.flatMap((b) => (b.kind === 'code' ? [b.text] : []));
const behind = (behindBy: number, aheadBy = 1): Comparison => ({ aheadBy, behindBy });

describe('branch-age: age', () => {
  it.each([
    ['just opened', 0, 'pass', 'Open 0 hours (limit 14 days)'],
    ['5 hours ago', 5 * 3_600_000, 'pass', 'Open 5 hours (limit 14 days)'],
    ['3 days ago', 3 * DAY, 'pass', 'Open 3 days (limit 14 days)'],
    ['exactly max_days ago', 14 * DAY, 'pass', 'Open 14 days (limit 14 days)'],
    ['one second past max_days', 14 * DAY + 1000, 'fail', 'Open more than 14 days (limit 14 days)'],
    ['six hours past max_days', 14 * DAY + 6 * 3_600_000, 'fail', 'Open 14 days and 6 hours (limit 14 days)'],
    ['30 days ago', 30 * DAY, 'fail', 'Open 30 days (limit 14 days)'],
  ])('%s → %s', (_name, age, status, words) => {
    const res = run({ createdAt: ago(age), comparison: behind(0) });
    expect(res.status).toBe(status);
    expect(plain(res.reason)).toContain(words);
    expect(res.numbers?.ageDays).toBe(Math.floor(age / DAY));
  });

  it('max_days 0: a pull request passes the day it opens only at its first instant', () => {
    expect(run({ createdAt: NOW, comparison: behind(0) }, { max_days: 0 }).status).toBe('pass');
    expect(run({ createdAt: ago(60_000), comparison: behind(0) }, { max_days: 0 }).status).toBe('fail');
  });

  it('takes "now" from the snapshot, never the clock: the same snapshot gives the same verdict', () => {
    const pr = aSnapshot({ createdAt: '2020-01-01T00:00:00Z', readAt: '2020-01-02T00:00:00Z', comparison: null });
    expect(branchAge.evaluate(pr, cfg()).status).toBe('pass');
    expect(plain(branchAge.evaluate(pr, cfg()).reason)).toBe('Open 1 day (limit 14 days); behind main: not compared');
  });

  it.each([
    ['no createdAt (the command line)', { createdAt: null, source: 'local' as const }, 'Not open yet (age not known)'],
    ['no readAt', { createdAt: ago(DAY), readAt: undefined }, 'Opening date not known'],
    ['a date that does not parse', { createdAt: 'yesterday' }, 'Opening date not known'],
  ])('%s: skipped without max_behind', (_name, over, words) => {
    const res = branchAge.evaluate(aSnapshot({ readAt: NOW, comparison: behind(3), ...over }), cfg());
    expect(res.status).toBe('skipped');
    expect(plain(res.reason)).toContain(words);
    expect(plain(res.reason)).toContain('3 commits behind main (not limited)');
  });

  it('with max_behind, an unknown age still checks how far behind the head is', () => {
    const res = run({ createdAt: null, source: 'local', comparison: behind(9) }, { max_behind: 5 });
    expect(res.status).toBe('fail');
    expect(plain(res.reason)).toBe('Not open yet (age not known); 9 commits behind main (limit 5)');
  });
});

describe('branch-age: behind', () => {
  it.each([
    ['ahead only', behind(0, 4), 5, 'pass', '0 commits behind main (limit 5)'],
    ['behind within the limit', behind(5, 2), 5, 'pass', '5 commits behind main (limit 5)'],
    ['ahead and behind past the limit', behind(6, 2), 5, 'fail', '6 commits behind main (limit 5)'],
    ['behind, not checked (max_behind 0)', behind(600, 2), 0, 'pass', '600 commits behind main (not limited)'],
    ['not compared (base deleted)', null, 5, 'pass', 'behind main: not compared'],
    ['not compared, snapshot of an older release', undefined, 5, 'pass', 'behind main: not compared'],
  ])('%s → %s', (_name, comparison, maxBehind, status, words) => {
    const res = run(
      { createdAt: ago(DAY), ...(comparison === undefined ? {} : { comparison }) },
      { max_behind: maxBehind },
    );
    expect(res.status).toBe(status);
    expect(plain(res.reason)).toBe(`Open 1 day (limit 14 days); ${words}`);
    expect(res.numbers?.behindBy).toBe(comparison ? comparison.behindBy : undefined);
  });

  it('the details give commits ahead and behind', () => {
    const res = run({ createdAt: ago(DAY), comparison: behind(3, 7) });
    expect(res.details.map((b) => (b.kind === 'paragraph' ? plain(b.text) : ''))).toContain(
      'The head is 7 commits ahead of main and 3 commits behind it.',
    );
  });
});

describe('branch-age: the fix', () => {
  it('gives the exact commands to rebase or merge the base', () => {
    const res = run({ createdAt: ago(DAY), comparison: behind(9), headRef: 'feature/refunds' }, { max_behind: 2 });
    expect(codes(res.fix)).toEqual([
      'git switch feature/refunds\ngit fetch origin main\ngit rebase origin/main\ngit push --force-with-lease',
      'git switch feature/refunds\ngit fetch origin main\ngit merge origin/main\ngit push',
    ]);
    expect(res.fix.some((b) => b.kind === 'paragraph' && plain(b.text).includes('smaller pull requests'))).toBe(false);
  });

  it('for a fork, through an upstream remote; names quoted for the shell', () => {
    const res = run(
      {
        createdAt: ago(DAY),
        comparison: behind(9),
        isCrossRepository: true,
        headRef: "x';rm -rf ~;'",
        baseRef: 'release/$(id)',
      },
      { max_behind: 2 },
    );
    const [rebase] = codes(res.fix);
    expect(rebase).toBe(
      [
        'git remote add upstream https://github.com/acme/api.git  # once',
        `git switch 'x'\\'';rm -rf ~;'\\'''`,
        "git fetch upstream 'release/$(id)'",
        "git rebase upstream/'release/$(id)'",
        'git push --force-with-lease',
      ].join('\n'),
    );
  });

  it('suggests splitting an old pull request, without commands when it is not behind', () => {
    const res = run({ createdAt: ago(20 * DAY), comparison: behind(0) }, { max_behind: 2 });
    expect(codes(res.fix)).toEqual([]);
    expect(res.fix.some((b) => b.kind === 'paragraph' && plain(b.text).includes('smaller pull requests'))).toBe(true);
  });

  it.each([
    ['main', 'main'],
    ['feature/PAY-42_x.y', 'feature/PAY-42_x.y'],
    ['-rf', "'-rf'"],
    ["it's", `'it'\\''s'`],
    ['a b', "'a b'"],
  ])('shellWord(%j) = %s', (word, quoted) => {
    expect(shellWord(word)).toBe(quoted);
  });

  it('declares the comparison it reads', () => {
    expect(branchAge.needs).toEqual(['comparison']);
  });
});
