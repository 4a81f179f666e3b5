/**
 * Property tests for the parts of the gates that read user input: ticket
 * matching and glob classification never throw on arbitrary Unicode up to
 * 64 KB, and a hostile user pattern cannot hang an evaluation (RE2 is linear).
 * Speed itself is measured in the benchmarks; the time guards here are generous.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinkedTicketConfig, SignedCommitsConfig, TestsTouchedConfig } from '../../gates/config-fields.js';
import { linkedTicket } from '../../gates/linked-ticket/index.js';
import { canonicalEmail, signedCommits, signoffEmails } from '../../gates/signed-commits/index.js';
import { classifyChanges, matchersFor, testsTouched } from '../../gates/tests-touched/index.js';
import {
  compileTicketPatterns,
  findTicket,
  STANDARD_KEYS,
  STANDARD_PROJECTS,
} from '../../gates/linked-ticket/ticket-refs.js';
import { aCommit, aFile, aSnapshot, capped } from '../support/builders.js';
import type { ChangeType } from '../../gates/snapshot.js';

const MAX = 64 * 1024;
const RUNS = 40;

/** Arbitrary text (any code unit, lone surrogates included), stretched up to 64 KB by repetition. */
const bigText = fc
  .tuple(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: 0, max: MAX }))
  .map(([s, size]) => (s.length === 0 ? s : s.repeat(Math.ceil(size / s.length)).slice(0, size)));
/** Text built from the characters that matter to the matchers, so near misses are common. */
const trickyText = fc
  .array(
    fc.constantFrom(
      'A',
      'B',
      'Z',
      'a',
      'x',
      '2',
      '0',
      '9',
      '-',
      '#',
      '/',
      '_',
      '.',
      ':',
      ' ',
      '\n',
      'é',
      '&',
      'https://',
      'issues/',
      'GH-',
      'PAY',
    ),
    { maxLength: 2000 },
  )
  .map((parts) => parts.join(''));
const anyProjects = fc.array(fc.stringMatching(/^[A-Z][A-Z0-9]{0,5}$/), { maxLength: 3 });

describe('ticket matching', () => {
  it('never throws on arbitrary text up to 64 KB, in any place, with any projects', () => {
    fc.assert(
      fc.property(fc.oneof(bigText, trickyText), anyProjects, fc.boolean(), (text, projects, branch) => {
        const scan = findTicket(text, { projects, patterns: [], branch });
        if (scan.ref) expect(text).toContain(scan.ref.text);
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws through the gate either, with every place on', () => {
    const cfg = LinkedTicketConfig.parse({ in: ['title', 'branch', 'body', 'commits'], patterns: ['TKT-[0-9]+'] });
    fc.assert(
      fc.property(bigText, trickyText, (body, title) => {
        const pr = aSnapshot({
          title,
          body,
          headRef: title.slice(0, 200),
          commits: capped([aCommit({ message: body })]),
        });
        expect(['pass', 'fail']).toContain(linkedTicket.evaluate(pr, cfg).status);
      }),
      { numRuns: RUNS },
    );
  });

  it('finds any upper-case key that is not a standard name, wherever it sits among spaces', () => {
    const key = fc
      .tuple(fc.stringMatching(/^[A-Z][A-Z0-9]{1,9}$/), fc.integer({ min: 1, max: 999_999 }))
      .filter(([p, n]) => !STANDARD_PROJECTS.has(p) && !STANDARD_KEYS.has(`${p}-${n}`))
      .map(([p, n]) => `${p}-${n}`);
    fc.assert(
      fc.property(key, fc.string({ maxLength: 50 }), fc.string({ maxLength: 50 }), (k, before, after) => {
        const text = `${before} ${k} ${after}`;
        expect(findTicket(text, { projects: [], patterns: [] }).ref).not.toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it('finds nothing in text made only of digits, dashes, dots, slashes and spaces (dates, versions)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('0', '1', '2', '9', '-', '.', '/', ' ', '_'), { maxLength: 500 }),
        anyProjects,
        fc.boolean(),
        (parts, projects, branch) => {
          expect(findTicket(parts.join(''), { projects, patterns: [], branch }).ref).toBeNull();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('finds no Jira key in lower-case text without projects', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'z', '1', '4', '-', ' ', '/'), { maxLength: 500 }), (parts) => {
        const text = parts.join('');
        fc.pre(!/gh-?[0-9]|issues?[-_/]?[0-9]/.test(text));
        expect(findTicket(text, { projects: [], patterns: [], branch: true }).ref).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it('runs a hostile pattern against a 64 KB body of a’s followed by “!” and returns', () => {
    const body = `${'a'.repeat(MAX)}!`;
    const started = performance.now();
    const scan = findTicket(body, { projects: [], patterns: compileTicketPatterns(['(a+)+$', '(a|aa)*b', '(a*)*$']) });
    expect(scan.ref).toBeNull();
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('runs arbitrary RE2 patterns on arbitrary text without throwing', () => {
    const pattern = fc.constantFrom(
      '(a+)+$',
      '\\p{L}+-\\d+',
      '(?i)ticket\\s*#?\\d+',
      '^$',
      '.*',
      '[^\\x00-\\x7f]+',
      '\\bx\\b',
    );
    fc.assert(
      fc.property(bigText, pattern, (text, p) => {
        findTicket(text, { projects: [], patterns: compileTicketPatterns([p]) });
      }),
      { numRuns: RUNS },
    );
  });
});

describe('glob classification', () => {
  const changeType = fc.constantFrom<ChangeType>('added', 'modified', 'deleted', 'renamed', 'copied', 'changed');
  const path = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 400 }),
    fc
      .array(
        fc.constantFrom(
          'src',
          'test',
          'a.ts',
          'b.test.ts',
          '__tests__',
          'x_test.go',
          '..',
          '.',
          '',
          '*',
          '**',
          'ü.py',
          '[a]',
          '{b,c}',
          '!x',
        ),
        { maxLength: 12 },
      )
      .map((s) => s.join('/')),
  );

  it('never throws on arbitrary paths and partitions them', () => {
    const m = matchersFor(TestsTouchedConfig.parse({}));
    fc.assert(
      fc.property(fc.array(fc.tuple(path, changeType), { maxLength: 50 }), (entries) => {
        const files = entries.map(([p, t]) => aFile(p, 1, 1, t));
        const c = classifyChanges(files, m);
        // A file is never both a source and a test change.
        for (const f of c.sources) expect(c.tests).not.toContain(f);
        expect(c.sources.every((f) => f.changeType !== 'deleted')).toBe(true);
        expect(c.tests.every((f) => f.changeType !== 'deleted' && f.changeType !== 'changed')).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws through the gate on a path up to 64 KB, with arbitrary globs', () => {
    const glob = fc.string({ minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(bigText, fc.array(glob, { maxLength: 4 }), fc.boolean(), (p, globs, truncated) => {
        // Unvalidated globs too: the schema refuses some shapes, the matcher must still never throw.
        const cfg = { ...TestsTouchedConfig.parse({}), exclude: globs };
        const pr = aSnapshot({
          files: capped([aFile(p || 'x', 1, 1), aFile('src/a.ts')], truncated, truncated ? 4000 : 2),
        });
        expect(['pass', 'fail']).toContain(testsTouched.evaluate(pr, cfg).status);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('sign-off parsing', () => {
  it('never throws on arbitrary messages and emails up to 64 KB', () => {
    const cfg = SignedCommitsConfig.parse({ require: 'both' });
    fc.assert(
      fc.property(bigText, fc.string({ unit: 'binary', maxLength: 200 }), (message, email) => {
        signoffEmails(message);
        canonicalEmail(email);
        const pr = aSnapshot({ commits: capped([aCommit({ message, authorEmail: email })]) });
        expect(['pass', 'fail']).toContain(signedCommits.evaluate(pr, cfg).status);
      }),
      { numRuns: RUNS },
    );
  });
});
