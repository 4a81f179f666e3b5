/**
 * Twin pull requests on one commit (issue 14, item 1), as data: which verdict decides,
 * the note naming the others (user text escaped), and the record kept in `external_id`.
 */
import { describe, expect, it } from 'vitest';
import { CHECK_LIMITS, renderCheckRun, renderTwinNote, type TwinLine } from '../../src/checks/render.js';
import { mostRestrictive, type CheckConclusion } from '../../src/checks/verdict.js';
import { fingerprint, recordedPulls } from '../../src/checks/writer.js';

describe('mostRestrictive', () => {
  const j = (number: number, conclusion: CheckConclusion) => ({ number, conclusion });

  it.each([
    [[j(1, 'success'), j(2, 'neutral')], 1],
    [[j(1, 'neutral'), j(2, 'success')], 2],
    [[j(3, 'success'), j(2, 'failure'), j(1, 'neutral')], 2],
    [[j(5, 'failure'), j(4, 'failure')], 4],
    [[j(7, 'neutral')], 7],
  ] as const)('%j → #%i', (list, expected) => {
    expect(mostRestrictive(list)?.number).toBe(expected);
  });

  it('is undefined for no pull request', () => {
    expect(mostRestrictive([])).toBeUndefined();
  });
});

describe('the twin note', () => {
  const line = (number: number, baseRef: string, conclusion: CheckConclusion, title: string): TwinLine => ({
    number,
    baseRef,
    conclusion,
    title,
  });

  it('names the deciding pull request and the others with their conclusions, user text inert', () => {
    const note = renderTwinNote({
      decidedBy: line(1, 'main', 'failure', 'Blocked: batch-size'),
      others: [
        line(2, 'x`|<img src=x onerror=alert(1)>', 'neutral', 'Skipped: label **[click](https://evil.example)**'),
      ],
      tooMany: false,
      limit: 11,
    });
    expect(note).toContain('This commit is the head of 2 open pull requests.');
    expect(note).toContain('that of #1 (into `main`)');
    expect(note).toContain(
      '- #2 (into ``x`|<img src=x onerror=alert(1)>``): **neutral**, Skipped: label \\*\\*\\[click\\](',
    );
    expect(note).not.toContain('](https://evil.example)');
  });

  it('blocks and tells how to fix when more pull requests share the commit than are judged', () => {
    const note = renderTwinNote({
      decidedBy: line(1, 'main', 'success', 'All 5 gates passed'),
      others: [],
      tooMany: true,
      limit: 11,
    });
    expect(note).toContain('More than 11 open pull requests have this commit as their head');
    expect(note).toContain('Close the pull requests that are not needed');
  });

  it('comes after the summary, which starts with the table, and keeps GitHub’s limit', () => {
    const huge = { kind: 'skipped' as const, title: 'Skipped', reason: 'x'.repeat(70_000) };
    const out = renderCheckRun(huge, undefined, {
      decidedBy: line(1, 'main', 'neutral', 'Skipped'),
      others: [line(2, 'dev', 'neutral', 'Skipped')],
      tooMany: false,
      limit: 11,
    });
    expect(out.summary.length).toBeLessThanOrEqual(CHECK_LIMITS.summary);
    expect(out.summary).toContain('### Other pull requests on this commit');
  });
});

describe('the record in external_id', () => {
  const run = { name: 'Quality Gates', conclusion: 'success' as const, title: 't', summary: 's' };

  it('round-trips the pull requests a run was judged over', () => {
    expect(recordedPulls(fingerprint({ ...run, pulls: [3, 12, 40] }))).toEqual([3, 12, 40]);
    expect(fingerprint({ ...run, pulls: [3] })).toMatch(/^qg1:[A-Za-z0-9_-]{32}:pr3$/);
  });

  it.each([
    null,
    '',
    'qg1:abc',
    fingerprint(run),
    'other-app:pr1',
    `${fingerprint(run)}:pr1.x`,
    `${fingerprint(run)}:pr-1`,
  ])('reads nothing from %j', (id) => {
    expect(recordedPulls(id)).toEqual([]);
  });
});
