/**
 * Issue 14, item 9: sign-off cannot be skipped by calling yourself a bot. Whether a
 * commit is a bot's is decided from the GitHub account linked to the pull request
 * (a `Bot` author) and that bot's own noreply address, never from the git author
 * name or email alone, which whoever commits sets freely.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeCommit, FakeGitHub, FakePull } from './support/fake-github.js';
import { BASE, freshApp, type Harness, HEAD, pullRequestPayload, resetNock } from './support/harness.js';

let fake: FakeGitHub;
let h: Harness;
beforeEach(async () => ({ fake, h } = await freshApp()));
afterEach(() => resetNock());

const row = (summary: string) => summary.split('\n').find((l) => l.startsWith('| `signed-commits`'));
const unsigned = { isValid: false, state: 'UNSIGNED' } as const;
/** Dependabot's account as GitHub's GraphQL API shows it: a `Bot` named without the `[bot]` suffix. */
const DEPENDABOT = { author: 'dependabot', authorType: 'Bot', authorDatabaseId: 49699333 } satisfies Partial<FakePull>;

async function signedCommitsRow(
  require: string,
  pull: Partial<FakePull>,
  commits: FakeCommit[],
): Promise<string | undefined> {
  fake.setBlob(BASE, '.github/quality-gates.yml', `gates:\n  signed-commits:\n    require: ${require}\n`);
  const pr = fake.addPull({ number: 2, ...pull, commits });
  await h.receive('pull_request', pullRequestPayload(fake, pr));
  return row(fake.runsOn(HEAD)[0]!.output.summary);
}

describe('a human who names themselves a bot', () => {
  it.each([
    ['signoff', 'a [bot] author name', { authorName: 'totally-human[bot]', authorEmail: 'dana@example.com' }],
    [
      'signoff',
      'a bot noreply email',
      { authorName: 'totally-human[bot]', authorEmail: '123+totally-human[bot]@users.noreply.github.com' },
    ],
    [
      'signoff',
      "Dependabot's own noreply email",
      { authorName: 'dependabot[bot]', authorEmail: '49699333+dependabot[bot]@users.noreply.github.com' },
    ],
    [
      'either',
      'a [bot] author name, unsigned',
      {
        authorName: 'totally-human[bot]',
        authorEmail: 'totally-human[bot]@users.noreply.github.com',
        signature: unsigned,
      },
    ],
  ] as const)('require %s, %s: the commit is not exempt', async (require, _name, author) => {
    const result = await signedCommitsRow(require, {}, [
      { oid: HEAD, message: 'Change things', authorLogin: null, ...author },
    ]);
    expect(result).toContain('❌ fail');
  });
});

describe('a bot account', () => {
  it('exempts commits of the bot that opened the pull request, from its own noreply address', async () => {
    const commit = {
      oid: HEAD,
      message: 'Bump x from 1 to 2',
      authorName: 'dependabot[bot]',
      authorEmail: '49699333+dependabot[bot]@users.noreply.github.com',
      authorLogin: null,
    };
    expect(await signedCommitsRow('signoff', DEPENDABOT, [commit])).toContain('✅ pass');
  });

  it('exempts the bot however its login is spelt, and its noreply address without the id', async () => {
    const commit = {
      oid: HEAD,
      message: 'Bump x',
      authorName: 'x',
      authorEmail: 'dependabot[bot]@users.noreply.github.com',
      authorLogin: null,
    };
    expect(await signedCommitsRow('signoff', { ...DEPENDABOT, author: 'dependabot[bot]' }, [commit])).toContain(
      '✅ pass',
    );
  });

  it.each([
    [
      'another bot’s noreply address',
      { authorEmail: '41898282+github-actions[bot]@users.noreply.github.com', authorLogin: null },
    ],
    [
      'the bot’s address with another id',
      { authorEmail: '1+dependabot[bot]@users.noreply.github.com', authorLogin: null },
    ],
    [
      'a commit linked to a user account',
      { authorEmail: '49699333+dependabot[bot]@users.noreply.github.com', authorLogin: 'mallory' },
    ],
    ['a human’s email', { authorEmail: 'mallory@example.com', authorLogin: null }],
  ] as const)('does not exempt a commit in its pull request with %s', async (_name, author) => {
    const commit: FakeCommit = { oid: HEAD, message: 'Sneak in', authorName: 'dependabot[bot]', ...author };
    expect(await signedCommitsRow('signoff', DEPENDABOT, [commit])).toContain('❌ fail');
  });
});
