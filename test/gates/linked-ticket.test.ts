import { describe, expect, it } from 'vitest';
import { LinkedTicketConfig } from '../../gates/config-fields.js';
import { plain } from '../../gates/gate.js';
import { linkedTicket } from '../../gates/linked-ticket/index.js';
import { findTicket } from '../../gates/linked-ticket/ticket-refs.js';
import { blocksText } from '../support/blocks.js';
import { aCommit, aSnapshot, capped } from '../support/builders.js';
import type { PullRequestSnapshot } from '../../gates/snapshot.js';

type Input = Parameters<typeof LinkedTicketConfig.parse>[0];
const cfg = (c: Input = {}) => LinkedTicketConfig.parse(c);
const run = (pr: PullRequestSnapshot, c: Input = {}) => linkedTicket.evaluate(pr, cfg(c));

/** A PR with nothing in it but the given text in one place. */
const empty = { title: 'Update the thing', headRef: 'feature/thing', body: '' };

describe('linked-ticket', () => {
  it('declares its id and needs', () => {
    expect(linkedTicket.id).toBe('linked-ticket');
    expect(linkedTicket.needs).toEqual(['commits', 'closingIssues']);
  });

  describe('Jira-style keys', () => {
    it.each`
      case                                | text                                       | found
      ${'plain key'}                      | ${'PAY-42: add refunds'}                   | ${'PAY-42'}
      ${'key with digits in the project'} | ${'ABC2-45 fix rounding'}                  | ${'ABC2-45'}
      ${'key in brackets'}                | ${'[OPS-7] rotate keys'}                   | ${'OPS-7'}
      ${'key at the end'}                 | ${'rotate keys (OPS-7)'}                   | ${'OPS-7'}
      ${'key followed by a dash'}         | ${'OPS-7-rotate'}                          | ${'OPS-7'}
      ${'key inside a Jira URL'}          | ${'see https://jira.acme.io/browse/OPS-7'} | ${'OPS-7'}
      ${'key in front of an underscore'}  | ${'OPS-7_rotate'}                          | ${'OPS-7'}
      ${'key after a false positive'}     | ${'UTF-8 handling for OPS-7'}              | ${'OPS-7'}
    `('finds $case', ({ text, found }) => {
      const r = run(aSnapshot({ ...empty, title: text }));
      expect(r.status).toBe('pass');
      expect(plain(r.reason)).toBe(`Found ${found} in the title`);
    });

    it.each`
      case                                   | title
      ${'UTF-8'}                             | ${'Read files as UTF-8'}
      ${'UTF-16 and UTF-32'}                 | ${'Support UTF-16 and UTF-32'}
      ${'SHA-1, SHA-224, SHA-256'}           | ${'Drop SHA-1, use SHA-224 or SHA-256'}
      ${'SHA-384 and SHA-512'}               | ${'Hash with SHA-384/SHA-512'}
      ${'ISO-8601 and ISO-27001'}            | ${'ISO-8601 dates, ISO-27001 audit'}
      ${'AES-128, AES-192, AES-256'}         | ${'AES-128, AES-192 and AES-256 ciphers'}
      ${'RSA-2048 and RSA-4096'}             | ${'Move from RSA-2048 to RSA-4096'}
      ${'HTTP-2 and TLS-1'}                  | ${'HTTP-2 over TLS-1'}
      ${'RFC-7231 (a standard, see docs)'}   | ${'Follow RFC-7231 for caching'}
      ${'a CVE id'}                          | ${'Patch CVE-2024-3094'}
      ${'PEP-8 and PSR-12'}                  | ${'PEP-8 and PSR-12 style'}
      ${'BASE-64'}                           | ${'BASE-64 encode tokens'}
      ${'a lower-case key'}                  | ${'fix pay-42 rounding'}
      ${'a mixed-case key'}                  | ${'fix Pay-42 rounding'}
      ${'a single-letter project'}           | ${'Retire the T-1000 and B-52'}
      ${'a key glued to a word'}             | ${'xPAY-42 and PAY-42x'}
      ${'a key glued to a non-Latin letter'} | ${'éPAY-42 and PAY-42é'}
      ${'a number without a project'}        | ${'-42 and 2024-05-01'}
    `('does not count $case without projects', ({ title }) => {
      const r = run(aSnapshot({ ...empty, title }));
      expect(r.status).toBe('fail');
    });

    it.each`
      case                   | branch
      ${'a date'}            | ${'2024-05-01-cleanup'}
      ${'a lower-case key'}  | ${'feature/pay-42-refunds'}
      ${'a version'}         | ${'release/1-2-3'}
      ${'a bare number'}     | ${'123-fix-login'}
      ${'a runtime version'} | ${'chore/node-20'}
    `('does not count $case in the branch name without projects', ({ branch }) => {
      expect(run(aSnapshot({ ...empty, headRef: branch })).status).toBe('fail');
    });

    it.each`
      case                                       | place       | text                        | status
      ${'an upper-case key in the title'}        | ${'title'}  | ${'PAY-42: refunds'}        | ${'pass'}
      ${'a lower-case key in the branch'}        | ${'branch'} | ${'feature/pay-42-refunds'} | ${'pass'}
      ${'a mixed-case key in the branch'}        | ${'branch'} | ${'feature/Pay-42-refunds'} | ${'pass'}
      ${'an upper-case key in the branch'}       | ${'branch'} | ${'PAY-42'}                 | ${'pass'}
      ${'a lower-case key in the title'}         | ${'title'}  | ${'pay-42: refunds'}        | ${'fail'}
      ${'a lower-case key in the body'}          | ${'body'}   | ${'see pay-42'}             | ${'fail'}
      ${'another project'}                       | ${'title'}  | ${'ABC-123: refunds'}       | ${'fail'}
      ${'another project in the branch'}         | ${'branch'} | ${'feature/abc-1-refunds'}  | ${'fail'}
      ${'a configured standard-looking project'} | ${'title'}  | ${'ISO-12: audit'}          | ${'pass'}
      ${'a date in the branch'}                  | ${'branch'} | ${'2024-05-01-cleanup'}     | ${'fail'}
    `('with projects [PAY, OPS, ISO]: $case → $status', ({ place, text, status }) => {
      const field = { title: 'title', branch: 'headRef' }[place as string] ?? 'body';
      const pr = aSnapshot({ ...empty, [field]: text });
      expect(run(pr, { projects: ['PAY', 'OPS', 'ISO'] }).status).toBe(status);
    });

    it('says why keys near misses were not counted', () => {
      const r = run(aSnapshot({ ...empty, title: 'UTF-8 for ABC-1, pay-42' }), { projects: ['PAY'] });
      expect(r.status).toBe('fail');
      const text = blocksText(r.details);
      expect(text).toContain('ABC-1 — not one of the configured projects');
      expect(text).toContain('pay-42 — lower case; project keys count in lower case only in the branch name');
      const r2 = run(aSnapshot({ ...empty, title: 'UTF-8 and SHA-256' }));
      expect(blocksText(r2.details)).toContain('UTF-8 — a standard name, not a ticket');
      expect(blocksText(r2.details)).toContain('SHA-256 — a standard name, not a ticket');
    });
  });

  describe('GitHub references', () => {
    it.each`
      case                               | body                                                     | found
      ${'#123'}                          | ${'Part of #123.'}                                       | ${'#123'}
      ${'a closing keyword'}             | ${'Fixes #123'}                                          | ${'#123'}
      ${'a closing keyword, cross-repo'} | ${'Closes acme/web#9'}                                   | ${'acme/web#9'}
      ${'owner/repo#123'}                | ${'see acme/api.js#77'}                                  | ${'acme/api.js#77'}
      ${'GH-123'}                        | ${'GH-123'}                                              | ${'GH-123'}
      ${'an issue URL on github.com'}    | ${'https://github.com/acme/api/issues/5'}                | ${'https://github.com/acme/api/issues/5'}
      ${'a pull request URL'}            | ${'after https://github.com/acme/api/pull/6#discussion'} | ${'https://github.com/acme/api/pull/6'}
      ${'an Enterprise Server URL'}      | ${'https://git.corp.example:8443/acme/api/issues/7'}     | ${'https://git.corp.example:8443/acme/api/issues/7'}
      ${'a URL inside Markdown'}         | ${'[issue](https://github.com/acme/api/issues/8)'}       | ${'https://github.com/acme/api/issues/8'}
    `('finds $case in the description', ({ body, found }) => {
      const r = run(aSnapshot({ ...empty, body }));
      expect(r.status).toBe('pass');
      expect(plain(r.reason)).toBe(`Found ${found} in the description`);
    });

    it.each`
      case                        | body
      ${'an HTML entity'}         | ${'&#123; is a brace'}
      ${'a hash glued to a word'} | ${'C#12 and x#12'}
      ${'a hash before letters'}  | ${'#123abc'}
      ${'a heading'}              | ${'# 123'}
      ${'a non-issue URL'}        | ${'https://github.com/acme/api/blob/main/x.ts'}
      ${'an empty body'}          | ${''}
    `('does not count $case', ({ body }) => {
      expect(run(aSnapshot({ ...empty, body })).status).toBe('fail');
    });

    it.each`
      branch              | status
      ${'issue-77-login'} | ${'pass'}
      ${'fix/issues/77'}  | ${'pass'}
      ${'gh-77-login'}    | ${'pass'}
      ${'GH-77'}          | ${'pass'}
      ${'77-login'}       | ${'fail'}
      ${'tissue-77'}      | ${'fail'}
    `('branch $branch → $status', ({ branch, status }) => {
      expect(run(aSnapshot({ ...empty, headRef: branch })).status).toBe(status);
    });

    it('counts issue-123 only in the branch name', () => {
      expect(run(aSnapshot({ ...empty, title: 'issue-77 login' })).status).toBe('fail');
    });

    it('passes on GitHub linked closing issues, whatever the text says', () => {
      const r = run(aSnapshot({ ...empty, closingIssues: [{ number: 7, repository: 'acme/api' }] }));
      expect(r.status).toBe('pass');
      expect(plain(r.reason)).toBe('Linked to issue #7 on GitHub');
      const r2 = run(
        aSnapshot({
          ...empty,
          closingIssues: [
            { number: 7, repository: 'acme/api' },
            { number: 8, repository: 'acme/web' },
          ],
        }),
      );
      expect(plain(r2.reason)).toBe('Linked to 2 issues on GitHub (#7, acme/web#8)');
    });
  });

  describe('places', () => {
    it.each`
      case                                             | in_            | over                                                                         | status
      ${'title by default'}                            | ${undefined}   | ${{ title: 'OPS-1 x' }}                                                      | ${'pass'}
      ${'branch by default'}                           | ${undefined}   | ${{ headRef: 'OPS-1-x' }}                                                    | ${'pass'}
      ${'body by default'}                             | ${undefined}   | ${{ body: 'OPS-1' }}                                                         | ${'pass'}
      ${'not commits by default'}                      | ${undefined}   | ${{ commits: capped([aCommit({ message: 'OPS-1 x' })]) }}                    | ${'fail'}
      ${'commits when asked'}                          | ${['commits']} | ${{ commits: capped([aCommit(), aCommit({ message: 'x\n\nRefs OPS-1' })]) }} | ${'pass'}
      ${'not the title when only the body is asked'}   | ${['body']}    | ${{ title: 'OPS-1 x' }}                                                      | ${'fail'}
      ${'not the branch when only the title is asked'} | ${['title']}   | ${{ headRef: 'OPS-1-x' }}                                                    | ${'fail'}
    `('looks in the $case', ({ in_, over, status }) => {
      const c: Input = in_ ? { in: in_ } : {};
      expect(run(aSnapshot({ ...empty, ...over }), c).status).toBe(status);
    });

    it('names the commit it found the ticket in', () => {
      const pr = aSnapshot({
        ...empty,
        commits: capped([aCommit({ sha: 'abcdef0123'.padEnd(40, '0'), message: 'Refs OPS-9' })]),
      });
      expect(plain(run(pr, { in: ['commits'] }).reason)).toBe('Found OPS-9 in the message of commit abcdef0');
    });
  });

  describe('patterns', () => {
    it.each`
      case                               | patterns                  | over                            | status
      ${'matches the title'}             | ${['\\bTKT[0-9]{4}\\b']}  | ${{ title: 'TKT1234 retry' }}   | ${'pass'}
      ${'matches the branch'}            | ${['tkt[0-9]+']}          | ${{ headRef: 'feature/tkt99' }} | ${'pass'}
      ${'matches the body'}              | ${['(?i)story:\\s*\\d+']} | ${{ body: 'STORY: 12' }}        | ${'pass'}
      ${'does not match'}                | ${['TKT[0-9]{4}']}        | ${{ title: 'TKT12 retry' }}     | ${'fail'}
      ${'second of two matches'}         | ${['NOPE', 'ZD#[0-9]+']}  | ${{ body: 'customer ZD#55' }}   | ${'pass'}
      ${'matches only the empty string'} | ${['x*', '$']}            | ${{ title: 'nothing here' }}    | ${'fail'}
    `('a pattern that $case', ({ patterns, over, status }) => {
      expect(run(aSnapshot({ ...empty, ...over }), { patterns }).status).toBe(status);
    });

    it('lists the patterns it tried in the failure', () => {
      const r = run(aSnapshot(empty), { patterns: ['TKT[0-9]{4}'] });
      expect(blocksText(r.details)).toContain('or text matching TKT[0-9]{4}');
    });

    it('ignores (and reports) a pattern RE2 cannot compile', () => {
      const r = linkedTicket.evaluate(aSnapshot(empty), { ...cfg(), patterns: ['(?<=x)y'] });
      expect(r.status).toBe('fail');
      expect(blocksText(r.details)).toContain('Patterns that could not be compiled (ignored):\n(?<=x)y');
    });

    it('survives a hostile pattern on a large body', () => {
      const body = `${'a'.repeat(64 * 1024)}!`;
      const r = run(aSnapshot({ ...empty, body }), { patterns: ['(a+)+$'] });
      expect(r.status).toBe('fail');
    });
  });

  describe('failure', () => {
    it('says where it looked and what each place held', () => {
      const body = `A long description ${'x'.repeat(400)}`;
      const r = run(aSnapshot({ title: 'Update the thing', headRef: 'feature/thing', body }), {
        in: ['title', 'branch', 'body', 'commits'],
      });
      expect(r.status).toBe('fail');
      expect(plain(r.reason)).toBe(
        'No ticket reference in the title, branch name, description or commit messages, and no linked issue',
      );
      const table = r.details.find((b) => b.kind === 'table');
      expect(table && table.kind === 'table' ? table.rows.map((row) => row.map(plain)) : null).toEqual([
        ['Title', 'Update the thing'],
        ['Branch', 'feature/thing'],
        ['Description', `${body.slice(0, 119)}… (${body.length} characters)`],
        ['Commit messages', '1 commit'],
      ]);
      expect(blocksText(r.details)).toContain('Commit subjects:');
    });

    it('gives an example title with the first configured project', () => {
      const r = run(aSnapshot(empty), { projects: ['PAY', 'OPS'] });
      const code = r.fix.find((b) => b.kind === 'code');
      expect(code && code.kind === 'code' ? code.text : '').toBe('PAY-123: Update the thing');
      expect(blocksText(r.fix)).toContain('feature/pay-123-short-name');
      expect(blocksText(r.fix)).toContain('Fixes PAY-123');
    });

    it('gives ABC-123 and #123 examples without projects', () => {
      const r = run(aSnapshot(empty));
      const code = r.fix.find((b) => b.kind === 'code');
      expect(code && code.kind === 'code' ? code.text : '').toBe('ABC-123: Update the thing\nUpdate the thing (#123)');
      expect(blocksText(r.fix)).toContain('Fixes #123');
    });

    it('keeps user text in code parts, never as Markdown', () => {
      const r = run(aSnapshot({ ...empty, title: '**bold** `x` <b>' }));
      const table = r.details.find((b) => b.kind === 'table');
      expect(table && table.kind === 'table' ? table.rows[0]?.[1] : null).toEqual([{ code: '**bold** `x` <b>' }]);
    });

    it('explains that closing keywords do not link on other base branches', () => {
      const r = run(aSnapshot({ ...empty, baseRef: 'release/1.2' }));
      expect(blocksText(r.details)).toContain('targets release/1.2, not the default branch main');
    });

    it('says when commit messages were cut short by GitHub', () => {
      const r = run(aSnapshot({ ...empty, commits: capped([aCommit()], true, 300) }), { in: ['commits'] });
      expect(r.status).toBe('fail');
      expect(blocksText(r.details)).toContain(
        'GitHub lists only 1 commit of 300; the other commit messages were not read.',
      );
      expect(blocksText(r.fix)).toContain("git commit --amend -m 'ABC-123: Update the thing'");
    });
  });

  it('handles a 64 KB body of arbitrary text', () => {
    const body = 'ü-1 Ω#x 2024-05-01 '.repeat(4000).slice(0, 64 * 1024);
    expect(run(aSnapshot({ ...empty, body })).status).toBe('fail');
    expect(findTicket(`${body} OPS-1`, { projects: [], patterns: [] }).ref?.text).toBe('OPS-1');
  });
});
