import { describe, expect, it } from 'vitest';
import { codeownersReview, teamsNeeded } from '../../gates/codeowners-review/index.js';
import { CodeownersReviewConfig } from '../../gates/config-fields.js';
import { plain, type GateResult } from '../../gates/gate.js';
import { blocksText } from '../support/blocks.js';
import { aFile, aReview, aSnapshot, capped } from '../support/builders.js';
import type { BaseFile, ChangedFile, PullRequestSnapshot, Review } from '../../gates/snapshot.js';

const HEAD = 'f'.repeat(40);
const OLD = 'e'.repeat(40);

let oids = 0;
const codeowners = (text: string, over: Partial<BaseFile> = {}): BaseFile => ({
  path: '.github/CODEOWNERS',
  oid: `oid-${++oids}`,
  byteSize: Buffer.byteLength(text),
  text,
  truncated: false,
  ...over,
});

interface Case {
  readonly text?: string;
  readonly files?: readonly (string | ChangedFile)[];
  readonly reviews?: readonly Review[];
  readonly teams?: PullRequestSnapshot['teams'];
  readonly author?: string;
  readonly cfg?: Record<string, unknown>;
}

const snapshot = ({
  text = '',
  files = ['src/app.ts'],
  reviews = [],
  teams = {},
  author = 'dana',
}: Case): PullRequestSnapshot =>
  aSnapshot({
    author: { login: author, isBot: false },
    files: capped(files.map((f) => (typeof f === 'string' ? aFile(f) : f))),
    reviews: capped(reviews),
    teams,
    base: { codeowners: codeowners(text), gitattributes: null },
  });

const run = (c: Case): GateResult => codeownersReview.evaluate(snapshot(c), CodeownersReviewConfig.parse(c.cfg ?? {}));

const details = (r: GateResult) => blocksText(r.details);
const fix = (r: GateResult) => blocksText(r.fix);

const approved = (who: string, sha = HEAD) => aReview(who, 'approved', { commitSha: sha });
const changes = (who: string) => aReview(who, 'changes_requested');
const commented = (who: string) => aReview(who, 'commented');
const dismissed = (who: string) => aReview(who, 'dismissed');
const pending = (who: string) => aReview(who, 'pending', { submittedAt: null });

const PAYMENTS = { 'acme/payments': ['bob', 'carol', 'dana'] };

describe('codeowners-review: verdicts', () => {
  it.each<Case & { name: string; status: GateResult['status']; reason: string }>([
    // no owners at all
    {
      name: 'no changed file is owned',
      text: '/docs/ @writer',
      files: ['src/a.ts'],
      status: 'pass',
      reason: 'No changed file has a code owner',
    },
    {
      name: 'a line without owners makes the path unowned',
      text: '* @all\n/apps/ @octocat\n/apps/github',
      files: ['apps/github/x.js'],
      status: 'pass',
      reason: 'No changed file has a code owner',
    },
    { name: 'an empty CODEOWNERS owns nothing', text: '', status: 'pass', reason: 'No changed file has a code owner' },
    // users, any-owner
    {
      name: 'any-owner: one approving owner is enough',
      text: '* @alice @bob',
      reviews: [approved('bob')],
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
    {
      name: 'any-owner: no owner approved',
      text: '* @alice @bob',
      reviews: [approved('zed')],
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    {
      name: 'owners compare case-insensitively',
      text: '* @Alice',
      reviews: [approved('ALICE')],
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
    {
      name: 'every file needs its own owner',
      text: '*.ts @ts\n*.md @md',
      files: ['a.ts', 'b.md', 'c.md'],
      reviews: [approved('ts')],
      status: 'fail',
      reason: '2 files wait for code-owner review',
    },
    {
      name: 'the last matching line decides the owner',
      text: '* @all\n*.ts @ts',
      files: ['a.ts'],
      reviews: [approved('all')],
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    {
      name: 'several owned files pass',
      text: '*.ts @ts\n*.md @md',
      files: ['a.ts', 'b.md', 'c.md', 'README'],
      reviews: [approved('ts'), approved('md')],
      status: 'pass',
      reason: 'All 3 owned files approved by their owners',
    },
    // all-owners
    {
      name: 'all-owners: one of two is not enough',
      text: '* @alice @bob',
      reviews: [approved('bob')],
      cfg: { require: 'all-owners' },
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    {
      name: 'all-owners: both approve',
      text: '* @alice @bob',
      reviews: [approved('bob'), approved('alice')],
      cfg: { require: 'all-owners' },
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
    {
      name: 'all-owners: a team needs one member',
      text: '* @alice @acme/payments',
      reviews: [approved('alice'), approved('carol')],
      teams: PAYMENTS,
      cfg: { require: 'all-owners' },
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
    // teams
    {
      name: 'a team is satisfied by any member',
      text: '* @acme/payments',
      reviews: [approved('carol')],
      teams: PAYMENTS,
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
    {
      name: 'a non-member does not satisfy a team',
      text: '* @acme/payments',
      reviews: [approved('zed')],
      teams: PAYMENTS,
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    {
      name: 'team keys compare case-insensitively',
      text: '* @ACME/Payments',
      reviews: [approved('Carol')],
      teams: PAYMENTS,
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
    {
      name: 'a team the app cannot see is never satisfied',
      text: '* @acme/secret',
      reviews: [approved('carol')],
      teams: { 'acme/secret': null },
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    {
      name: 'a team not loaded is never satisfied',
      text: '* @acme/other',
      reviews: [approved('carol')],
      teams: {},
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    {
      name: 'any-owner: another owner can stand in for a hidden team',
      text: '* @acme/secret @alice',
      reviews: [approved('alice')],
      teams: { 'acme/secret': null },
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
    {
      name: 'all-owners: a hidden team blocks',
      text: '* @acme/secret @alice',
      reviews: [approved('alice')],
      teams: { 'acme/secret': null },
      cfg: { require: 'all-owners' },
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    // email owners
    {
      name: 'an email owner cannot be satisfied',
      text: '*.go docs@example.com',
      files: ['main.go'],
      reviews: [approved('docs')],
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    {
      name: 'any-owner: a user next to an email owner can approve',
      text: '*.go docs@example.com @gopher',
      files: ['main.go'],
      reviews: [approved('gopher')],
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
    {
      name: 'all-owners: an email owner blocks',
      text: '*.go docs@example.com @gopher',
      files: ['main.go'],
      reviews: [approved('gopher')],
      cfg: { require: 'all-owners' },
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    // change requests
    {
      name: 'an owner’s change request blocks despite another owner’s approval',
      text: '* @alice @bob',
      reviews: [approved('alice'), changes('bob')],
      status: 'fail',
      reason: '1 file waits for code-owner review (1 with changes requested)',
    },
    {
      name: 'a team member’s change request blocks the team’s files',
      text: '* @acme/payments',
      reviews: [approved('bob'), changes('carol')],
      teams: PAYMENTS,
      status: 'fail',
      reason: '1 file waits for code-owner review (1 with changes requested)',
    },
    {
      name: 'a non-owner’s change request does not block',
      text: '* @alice',
      reviews: [approved('alice'), changes('zed')],
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
    {
      name: 'a change request only blocks the files of its owner',
      text: '*.ts @ts\n*.md @md',
      files: ['a.ts', 'b.md'],
      reviews: [approved('ts'), changes('md')],
      status: 'fail',
      reason: '1 file waits for code-owner review (1 with changes requested)',
    },
    {
      name: 'a later approval replaces a change request',
      text: '* @alice',
      reviews: [changes('alice'), approved('alice')],
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
    {
      name: 'a later change request replaces an approval',
      text: '* @alice',
      reviews: [approved('alice'), changes('alice')],
      status: 'fail',
      reason: '1 file waits for code-owner review (1 with changes requested)',
    },
    {
      name: 'a dismissed change request no longer blocks',
      text: '* @alice @bob',
      reviews: [changes('bob'), dismissed('bob'), approved('alice')],
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
    // comments, dismissals, pending
    {
      name: 'a comment after an approval keeps the approval',
      text: '* @alice',
      reviews: [approved('alice'), commented('alice')],
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
    {
      name: 'a comment after a change request keeps the change request',
      text: '* @alice',
      reviews: [changes('alice'), commented('alice')],
      status: 'fail',
      reason: '1 file waits for code-owner review (1 with changes requested)',
    },
    {
      name: 'a pending review changes nothing',
      text: '* @alice',
      reviews: [approved('alice'), pending('alice')],
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
    {
      name: 'a dismissed approval does not count',
      text: '* @alice',
      reviews: [dismissed('alice')],
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    {
      name: 'an approval after a dismissal counts',
      text: '* @alice',
      reviews: [dismissed('alice'), approved('alice')],
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
    {
      name: 'a comment alone is not an approval',
      text: '* @alice',
      reviews: [commented('alice')],
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    {
      name: 'a deleted account’s review is ignored',
      text: '* @alice',
      reviews: [{ ...approved('x'), author: null }],
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    // the author
    {
      name: 'the author’s own approval never counts',
      text: '* @dana @alice',
      reviews: [approved('dana')],
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    {
      name: 'the author as the only owner cannot pass alone',
      text: '* @Dana',
      reviews: [approved('dana')],
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    {
      name: 'the author’s team needs another member',
      text: '* @acme/payments',
      reviews: [approved('dana')],
      teams: PAYMENTS,
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    {
      name: 'another member of the author’s team can approve',
      text: '* @acme/payments',
      reviews: [approved('bob')],
      teams: PAYMENTS,
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
    // stale approvals
    {
      name: 'by default, an approval of an older commit counts',
      text: '* @alice',
      reviews: [approved('alice', OLD)],
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
    {
      name: 'dismiss_stale: an approval of an older commit does not count',
      text: '* @alice',
      reviews: [approved('alice', OLD)],
      cfg: { dismiss_stale: true },
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    {
      name: 'dismiss_stale: an approval of the head commit counts',
      text: '* @alice',
      reviews: [approved('alice', OLD), approved('alice', HEAD)],
      cfg: { dismiss_stale: true },
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
    {
      name: 'dismiss_stale: a comment on the head keeps an older approval stale',
      text: '* @alice',
      reviews: [approved('alice', OLD), { ...commented('alice'), commitSha: HEAD }],
      cfg: { dismiss_stale: true },
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    // deleted files
    {
      name: 'a deleted owned file needs its owner too',
      text: '/legacy/ @alice',
      files: [aFile('legacy/old.ts', 0, 120, 'deleted')],
      status: 'fail',
      reason: '1 file waits for code-owner review',
    },
    {
      name: 'a deleted owned file passes with its owner',
      text: '/legacy/ @alice',
      files: [aFile('legacy/old.ts', 0, 120, 'deleted')],
      reviews: [approved('alice')],
      status: 'pass',
      reason: '1 owned file approved by its owners',
    },
  ])('$name', ({ name: _name, status, reason, ...c }) => {
    const r = run(c);
    expect(plain(r.reason)).toBe(reason);
    expect(r.status).toBe(status);
    if (status === 'fail') expect(r.fix.length).toBeGreaterThan(0);
    else expect(r.fix).toEqual([]);
  });
});

describe('codeowners-review: what it says', () => {
  it('groups waiting files by owner set, lists them bounded, and says whom to ask', () => {
    const files = [...Array.from({ length: 12 }, (_, i) => `services/payments/f${i}.ts`), 'docs/a.md'];
    const r = run({
      text: '* @acme/docs\n/services/payments/ @acme/payments',
      files,
      reviews: [approved('zed')],
      teams: { ...PAYMENTS, 'acme/docs': ['wendy'] },
    });
    expect(plain(r.reason)).toBe('13 files wait for code-owner review');
    const lists = r.details.filter((b) => b.kind === 'list');
    const payments = lists.find(
      (b) => b.kind === 'list' && plain(b.title ?? '') === 'Waiting on @acme/payments (any member) for 12 files:',
    );
    expect(payments).toMatchObject({ total: 12 });
    expect(payments?.kind === 'list' && payments.items).toHaveLength(10);
    expect(details(r)).toContain('Waiting on @acme/docs (any member) for 1 file:');
    expect(details(r)).toContain('@acme/payments (any member): no approval from a member yet');
    expect(details(r)).toContain('Approvals counted: @zed.');
    expect(details(r)).toContain('13 of 13 changed files have code owners in .github/CODEOWNERS');
    expect(fix(r)).toContain('Request a review from @acme/payments (any member) and @acme/docs (any member)');
    expect(r.fix).toContainEqual({
      kind: 'code',
      lang: 'sh',
      text: 'gh pr edit 42 --add-reviewer acme/payments,acme/docs',
    });
  });

  it('puts owner sets with change requests first and names who requested them', () => {
    const r = run({
      text: '*.ts @acme/payments\n*.md @alice',
      files: ['a.md', 'b.ts'],
      reviews: [changes('carol')],
      teams: PAYMENTS,
    });
    const first = r.details.find((b) => b.kind === 'list');
    expect(first?.kind === 'list' && plain(first.title ?? '')).toBe(
      'Changes requested by an owner on 1 file owned by @acme/payments (any member):',
    );
    expect(details(r)).toContain('@acme/payments (any member): changes requested by @carol');
    expect(fix(r)).toContain('Address the changes @carol requested, then ask for a re-review');
    expect(details(r)).toContain('Waiting on @alice for 1 file:');
    // another approval would not lift the change request: only the waiting owner is asked
    expect(r.fix).toContainEqual({ kind: 'code', lang: 'sh', text: 'gh pr edit 42 --add-reviewer alice' });
  });

  it('any-owner: waits on one of several owners; all-owners: on those still missing', () => {
    const any = run({ text: '* @alice @bob @acme/payments', teams: PAYMENTS });
    expect(details(any)).toContain('Waiting on one of @alice, @bob or @acme/payments (any member) for 1 file:');
    const all = run({
      text: '* @alice @bob @acme/payments',
      teams: { 'acme/payments': ['carol'] },
      reviews: [approved('bob')],
      cfg: { require: 'all-owners' },
    });
    expect(details(all)).toContain('Waiting on @alice and @acme/payments (any member) for 1 file:');
    expect(details(all)).toContain('@bob: approved');
    expect(fix(all)).not.toContain('bob');
  });

  it('all-owners: one approval satisfies every owner it belongs to (a user and their team)', () => {
    const r = run({
      text: '* @bob @acme/payments',
      teams: PAYMENTS,
      reviews: [approved('bob')],
      cfg: { require: 'all-owners' },
    });
    expect(r.status).toBe('pass');
  });

  it('shows who approved a team owner so far', () => {
    const r = run({
      text: '* @alice @acme/payments',
      teams: PAYMENTS,
      reviews: [approved('carol')],
      cfg: { require: 'all-owners' },
    });
    expect(details(r)).toContain('@acme/payments (any member): approved by @carol');
    expect(details(r)).toContain('@alice: no approval yet');
  });

  it('names an unresolvable team and says the file needs another owner', () => {
    const r = run({ text: '* @acme/secret', teams: { 'acme/secret': null } });
    expect(details(r)).toContain("@acme/secret (any member): the app cannot see this team's members");
    expect(fix(r)).toContain('The members of @acme/secret cannot be read');
    expect(fix(r)).toContain('need an approval from another owner');
    expect(fix(r)).toContain('Members (read)');
    expect(fix(r)).not.toContain('gh pr edit');
  });

  describe('built by the command line (source: local)', () => {
    const local = (c: Case, over: Partial<PullRequestSnapshot> = {}): GateResult =>
      codeownersReview.evaluate(
        { ...snapshot(c), source: 'local', number: 0, ...over },
        CodeownersReviewConfig.parse(c.cfg ?? {}),
      );

    it('a team owner waits for a review like any owner; nothing about the app, its permissions or re-running a check', () => {
      const r = local({ text: '* @acme/backend\ndocs/ @doc-writer', files: ['src/pay.ts', 'docs/guide.md'] });
      expect(r.status).toBe('fail');
      expect(plain(r.reason)).toBe('2 files wait for code-owner review');
      expect(details(r)).toContain('@acme/backend (any member): no approval from a member yet');
      expect(fix(r)).toContain('Request a review from @acme/backend (any member) and @doc-writer');
      expect(fix(r)).toContain('gh pr edit --add-reviewer acme/backend,doc-writer');
      for (const appOnly of [
        'Members (read)',
        'the app',
        'cannot be read',
        're-run this check',
        'The check runs again',
      ])
        expect(fix(r)).not.toContain(appOnly);
      expect(fix(r)).toContain('A local run sees no reviews');
    });

    it('the same snapshot from the app names the team it could not load, and the app’s permissions', () => {
      const r = run({ text: '* @acme/backend', teams: {} });
      expect(fix(r)).toContain('Members (read)');
      expect(fix(r)).toContain('The check runs again when a review is submitted or dismissed.');
    });

    it('a CODEOWNERS file git reads as binary: no word about GitHub returning it', () => {
      const r = local({ text: '' }, { base: { codeowners: codeowners('', { text: null }), gitattributes: null } });
      expect(r.status).toBe('fail');
      expect(details(r)).toContain('it contains binary data');
      expect(details(r)).not.toContain('GitHub');
      expect(fix(r)).not.toContain('Re-run this check');
    });
  });

  it('names an email owner and says how to fix it', () => {
    const r = run({ text: '*.go docs@example.com', files: ['main.go'] });
    expect(details(r)).toContain('docs@example.com: an email address cannot be matched to a GitHub account');
    expect(fix(r)).toContain('Owners written as email addresses (docs@example.com) cannot be matched');
    const all = run({
      text: '*.go docs@example.com @gopher',
      files: ['main.go'],
      reviews: [approved('gopher')],
      cfg: { require: 'all-owners' },
    });
    expect(fix(all)).toContain('cannot pass while require is all-owners');
  });

  it('explains when the author is the only possible owner', () => {
    const solo = run({ text: '/billing/ @dana', files: ['billing/x.ts'] });
    expect(details(solo)).toContain('@dana: the author of this pull request, who cannot approve it');
    expect(fix(solo)).toContain(
      '@dana, the author, is the only possible code owner of 1 file but cannot approve their own pull request. Add a second owner for these paths in .github/CODEOWNERS',
    );

    const team = run({ text: '/billing/ @acme/billing', files: ['billing/x.ts'], teams: { 'acme/billing': ['dana'] } });
    expect(details(team)).toContain(
      '@acme/billing (any member): its only member is @dana, the author of this pull request',
    );
    expect(fix(team)).toContain('Ask another person to join @acme/billing and approve, or add a second owner');
    expect(fix(team)).not.toContain('gh pr edit');
  });

  it('says nothing about the author when another owner can approve', () => {
    const r = run({ text: '* @dana @alice' });
    expect(fix(r)).not.toContain('only possible code owner');
    expect(r.fix).toContainEqual({ kind: 'code', lang: 'sh', text: 'gh pr edit 42 --add-reviewer alice' });
  });

  it('says that approvals of older commits do not count with dismiss_stale', () => {
    const r = run({ text: '* @alice', reviews: [approved('alice', OLD)], cfg: { dismiss_stale: true } });
    expect(details(r)).toContain(
      'Not counted, given on an older commit than the head fffffff (dismiss_stale: true): @alice (on eeeeeee).',
    );
    expect(details(r)).toContain('@alice: approved an older commit, which does not count');
    expect(fix(r)).toContain(
      'Ask @alice to approve again: with dismiss_stale: true only approvals of the head commit fffffff count.',
    );
  });

  it('marks deleted files in the list', () => {
    const r = run({ text: '/legacy/ @alice', files: [aFile('legacy/old.ts', 0, 10, 'deleted')] });
    const list = r.details.find((b) => b.kind === 'list');
    expect(list?.kind === 'list' && list.items[0]).toEqual([{ code: 'legacy/old.ts' }, ' (deleted)']);
  });

  it('reports the CODEOWNERS lines GitHub skips, with line numbers and reasons, and still evaluates', () => {
    const r = run({ text: '* @alice\n!docs/ @bob\n/src/[ab]/ @carol\n*.md nobody', reviews: [approved('alice')] });
    expect(r.status).toBe('pass');
    const problems = r.details.find(
      (b) => b.kind === 'list' && plain(b.title ?? '').includes('lines that GitHub skips'),
    );
    expect(problems).toBeDefined();
    expect(problems?.kind === 'list' && plain(problems.title ?? '')).toBe(
      '.github/CODEOWNERS has 3 lines that GitHub skips; the paths they name fall back to earlier lines:',
    );
    expect(problems?.kind === 'list' && problems.items.map(plain)).toEqual([
      expect.stringMatching(/^Line 2: !docs\/ @bob — negation/),
      expect.stringMatching(/^Line 3: \/src\/\[ab\]\/ @carol — character ranges/),
      expect.stringMatching(/^Line 4: \*\.md nobody — "nobody" is not a valid owner/),
    ]);
  });

  it('keeps user text out of Markdown: paths and CODEOWNERS lines are code spans', () => {
    const r = run({ text: '* @alice\n!x @y', files: ['src/*evil*_[x](y).ts'] });
    const waiting = r.details.find((b) => b.kind === 'list');
    expect(waiting?.kind === 'list' && waiting.items[0]).toEqual([{ code: 'src/*evil*_[x](y).ts' }]);
  });

  it('caps the number of owner groups shown', () => {
    const text = Array.from({ length: 20 }, (_, i) => `/d${i}/ @u${i}`).join('\n');
    const files = Array.from({ length: 20 }, (_, i) => `d${i}/f.ts`);
    const r = run({ text, files });
    expect(r.details.filter((b) => b.kind === 'list' && plain(b.title ?? '').startsWith('Waiting on'))).toHaveLength(
      15,
    );
    expect(details(r)).toContain('5 more owner sets wait on review, for 5 files.');
  });
});

describe('codeowners-review: missing, large and partial input', () => {
  it('is skipped when the base branch has no CODEOWNERS', () => {
    const r = codeownersReview.evaluate(aSnapshot(), CodeownersReviewConfig.parse({}));
    expect(r.status).toBe('skipped');
    expect(plain(r.reason)).toBe('The base branch has no CODEOWNERS file');
  });

  it('is skipped, like GitHub, when CODEOWNERS is over 3 MB', () => {
    const pr = aSnapshot({
      base: {
        codeowners: codeowners('* @alice', { byteSize: 3 * 1024 * 1024 + 1, text: null, truncated: true }),
        gitattributes: null,
      },
    });
    const r = codeownersReview.evaluate(pr, CodeownersReviewConfig.parse({}));
    expect(r.status).toBe('skipped');
    expect(plain(r.reason)).toBe("CODEOWNERS is over GitHub's 3 MB limit, so GitHub ignores it");
  });

  it('uses a file of exactly 3 MB', () => {
    const pr = aSnapshot({
      base: { codeowners: codeowners('* @alice', { byteSize: 3 * 1024 * 1024 }), gitattributes: null },
    });
    expect(codeownersReview.evaluate(pr, CodeownersReviewConfig.parse({})).status).toBe('fail');
  });

  it('fails closed when the CODEOWNERS text was truncated and not fetched whole', () => {
    const pr = aSnapshot({
      base: { codeowners: codeowners('', { byteSize: 900_000, text: null, truncated: true }), gitattributes: null },
    });
    const r = codeownersReview.evaluate(pr, CodeownersReviewConfig.parse({}));
    expect(r.status).toBe('fail');
    expect(plain(r.reason)).toBe('CODEOWNERS could not be read in full, so code-owner review cannot be checked');
    expect(details(r)).toContain('GitHub returned only part of its 0.9 MB');
    expect(r.fix.length).toBeGreaterThan(0);
  });

  it('fails when GitHub listed only part of the files, even if every listed file is approved', () => {
    const pr = aSnapshot({
      files: capped([aFile('a.ts')], true, 3500),
      totals: { changedFiles: 3500, additions: 1, deletions: 0 },
      reviews: capped([approved('alice')]),
      base: { codeowners: codeowners('* @alice'), gitattributes: null },
    });
    const r = codeownersReview.evaluate(pr, CodeownersReviewConfig.parse({}));
    expect(r.status).toBe('fail');
    expect(plain(r.reason)).toBe(
      'GitHub listed only 1 changed file of 3,500, so code-owner review cannot be checked for the rest',
    );
    expect(fix(r)).toContain('Split the pull request');
  });

  it('fails when GitHub listed only part of the reviews', () => {
    const pr = aSnapshot({
      reviews: capped([approved('alice')], true, 1200),
      base: { codeowners: codeowners('* @alice'), gitattributes: null },
    });
    const r = codeownersReview.evaluate(pr, CodeownersReviewConfig.parse({}));
    expect(r.status).toBe('fail');
    expect(plain(r.reason)).toBe('GitHub listed only 1 review of 1,200, so code-owner approvals cannot be confirmed');
  });

  it('still fails on truncation when no listed file is owned', () => {
    const pr = aSnapshot({
      files: capped([aFile('a.ts')], true, 4000),
      base: { codeowners: codeowners('/docs/ @w'), gitattributes: null },
    });
    expect(codeownersReview.evaluate(pr, CodeownersReviewConfig.parse({})).status).toBe('fail');
  });
});

describe('teamsNeeded', () => {
  it('lists the teams that own changed files, lower case, sorted, once', () => {
    const pr = snapshot({
      text: '* @acme/Everyone\n*.ts @Acme/Web @alice\n/docs/ @acme/docs docs@example.com\n/unused/ @acme/unused\n/apps/ @acme/apps\n/apps/github',
      files: ['src/a.ts', 'src/b.ts', 'docs/x.md', 'apps/github/y.js', aFile('README', 0, 3, 'deleted')],
    });
    expect(teamsNeeded(pr)).toEqual(['acme/docs', 'acme/everyone', 'acme/web']);
  });

  it('is empty without a usable CODEOWNERS', () => {
    expect(teamsNeeded(aSnapshot())).toEqual([]);
    const big = aSnapshot({
      base: { codeowners: codeowners('* @acme/x', { byteSize: 4 * 1024 * 1024 }), gitattributes: null },
    });
    expect(teamsNeeded(big)).toEqual([]);
    const partial = aSnapshot({
      base: { codeowners: codeowners('', { text: null, truncated: true }), gitattributes: null },
    });
    expect(teamsNeeded(partial)).toEqual([]);
  });

  it('declares the snapshot slices it reads', () => {
    expect(codeownersReview.id).toBe('codeowners-review');
    expect([...codeownersReview.needs].sort()).toEqual(['codeowners', 'files', 'reviews', 'teams']);
  });
});
