import { describe, expect, it } from 'vitest';
import { SignedCommitsConfig } from '../../gates/config-fields.js';
import { plain, type GateResult } from '../../gates/gate.js';
import { canonicalEmail, signedCommits, signoffEmails } from '../../gates/signed-commits/index.js';
import { blocksText } from '../support/blocks.js';
import { aCommit, aSnapshot, capped } from '../support/builders.js';
import type { CommitInfo } from '../../gates/snapshot.js';

type Require = 'signature' | 'signoff' | 'both' | 'either';
const run = (
  commits: readonly CommitInfo[],
  require: Require = 'signature',
  opts: { truncated?: boolean; total?: number; host?: string } = {},
) =>
  signedCommits.evaluate(
    aSnapshot({
      commits: capped(commits, opts.truncated ?? false, opts.total ?? commits.length),
      repository: { owner: 'acme', name: 'api', defaultBranch: 'main', host: opts.host ?? 'github.com' },
    }),
    SignedCommitsConfig.parse({ require }),
  );

const rowsOf = (r: GateResult) => {
  const t = r.details.find((b) => b.kind === 'table');
  return t && t.kind === 'table' ? t.rows.map((row) => row.map(plain)) : [];
};
const codeOf = (r: GateResult) => r.fix.filter((b) => b.kind === 'code').map((b) => (b.kind === 'code' ? b.text : ''));

const sha = (n: number) => `${n}`.repeat(40).slice(0, 40);
const signed = (over: Partial<CommitInfo> = {}) =>
  aCommit({ signature: { isValid: true, state: 'valid', wasSignedByGitHub: false }, ...over });
const unsigned = (over: Partial<CommitInfo> = {}) => aCommit({ signature: null, ...over });
const badKey = (over: Partial<CommitInfo> = {}) =>
  aCommit({ signature: { isValid: false, state: 'unknown_key', wasSignedByGitHub: false }, ...over });
const byGitHub = (over: Partial<CommitInfo> = {}) =>
  aCommit({ signature: { isValid: true, state: 'valid', wasSignedByGitHub: true }, ...over });
const so = (email = 'dana@example.com', name = 'Dana Developer') => `Change\n\nSigned-off-by: ${name} <${email}>`;
const signedOff = (over: Partial<CommitInfo> = {}) => aCommit({ signature: null, message: so(), ...over });

describe('signed-commits', () => {
  it('declares its id and needs', () => {
    expect(signedCommits.id).toBe('signed-commits');
    expect(signedCommits.needs).toEqual(['commits']);
  });

  describe('require: signature', () => {
    it.each`
      case                              | commits                                                 | status    | reason
      ${'all signed'}                   | ${[signed(), signed()]}                                 | ${'pass'} | ${'All 2 commits are signed'}
      ${'one signed commit'}            | ${[signed()]}                                           | ${'pass'} | ${'The commit is signed'}
      ${'signed by GitHub'}             | ${[byGitHub()]}                                         | ${'pass'} | ${'The commit is signed'}
      ${'no commits'}                   | ${[]}                                                   | ${'pass'} | ${'No commits to check'}
      ${'one unsigned'}                 | ${[signed(), unsigned()]}                               | ${'fail'} | ${'1 of 2 commits is not signed'}
      ${'one unsigned of one'}          | ${[unsigned()]}                                         | ${'fail'} | ${'The commit is not signed'}
      ${'unknown key'}                  | ${[badKey(), badKey(), signed(), unsigned(), signed()]} | ${'fail'} | ${'3 of 5 commits are not signed'}
      ${'signed off but not signed'}    | ${[signedOff()]}                                        | ${'fail'} | ${'The commit is not signed'}
      ${'merge commits are not exempt'} | ${[unsigned({ parentCount: 2 })]}                       | ${'fail'} | ${'The commit is not signed'}
      ${'bot commits are not exempt'}   | ${[unsigned({ authorIsBot: true })]}                    | ${'fail'} | ${'The commit is not signed'}
    `('$case → $status', ({ commits, status, reason }) => {
      const r = run(commits, 'signature');
      expect(r.status).toBe(status);
      expect(plain(r.reason)).toBe(reason);
    });

    it.each`
      state                 | shown
      ${'unknown_key'}      | ${'unknown_key — the signing key is not on any GitHub account'}
      ${'bad_email'}        | ${'bad_email — the email in the signature is not the committer email'}
      ${'unverified_email'} | ${'unverified_email — the committer email is not verified'}
      ${'expired_key'}      | ${'expired_key — the signing key has expired'}
      ${'some_new_state'}   | ${'some_new_state'}
    `('shows GitHub reason $state', ({ state, shown }) => {
      const r = run([
        aCommit({ sha: sha(1), subject: 'Fix it', signature: { isValid: false, state, wasSignedByGitHub: false } }),
      ]);
      const [row] = rowsOf(r);
      expect(row?.[0]).toBe('1111111');
      expect(row?.[1]).toBe('Fix it');
      expect(row?.[2]).toContain(shown);
    });

    it('lists each offending commit: short SHA, subject, reason', () => {
      const r = run([
        signed({ sha: sha(1) }),
        unsigned({ sha: sha(2), subject: 'Add **refunds**' }),
        badKey({ sha: sha(3), subject: 'Tidy' }),
      ]);
      expect(rowsOf(r)).toEqual([
        ['2222222', 'Add **refunds**', 'unsigned — no signature'],
        ['3333333', 'Tidy', 'unknown_key — the signing key is not on any GitHub account'],
      ]);
      const table = r.details.find((b) => b.kind === 'table');
      expect(table && table.kind === 'table' ? [table.header, table.total] : null).toEqual([
        ['Commit', 'Subject', 'Problem'],
        2,
      ]);
    });

    it('fixes with a rebase over the PR commits, a force push and signing setup', () => {
      const r = run([signed(), unsigned(), signed()]);
      expect(codeOf(r)[0]).toBe(
        "git rebase --exec 'git commit --amend --no-edit -S' HEAD~3\ngit push --force-with-lease",
      );
      const fix = blocksText(r.fix);
      expect(fix).toContain('git config --global gpg.format ssh');
      expect(fix).toContain('git config --global user.signingkey');
      expect(fix).toContain('git config --global commit.gpgsign true');
      expect(fix).toContain('as a signing key');
      expect(fix).not.toMatch(/https?:\/\//);
      expect(fix).not.toContain('--signoff');
    });

    it('rebases onto the base branch when the PR holds merge commits', () => {
      const r = run([unsigned(), signed({ parentCount: 2 }), signed()]);
      expect(codeOf(r)[0]).toBe(
        "git fetch origin\ngit rebase --exec 'git commit --amend --no-edit -S' origin/main\ngit push --force-with-lease",
      );
      expect(blocksText(r.fix)).toContain('flattens its merge commits');
    });
  });

  describe('require: signoff', () => {
    it.each`
      case                                  | commit                                                                                                                 | status
      ${'matching sign-off'}                | ${signedOff()}                                                                                                         | ${'pass'}
      ${'email case differs'}               | ${signedOff({ message: so('Dana@Example.COM') })}                                                                      | ${'pass'}
      ${'trailer key case differs'}         | ${signedOff({ message: 'x\n\nsigned-off-by: Dana <dana@example.com>' })}                                               | ${'pass'}
      ${'CRLF line endings'}                | ${signedOff({ message: 'x\r\n\r\nSigned-off-by: Dana <dana@example.com>\r\n' })}                                       | ${'pass'}
      ${'one of several sign-offs'}         | ${signedOff({ message: `${so('other@example.com')}\nSigned-off-by: Dana <dana@example.com>` })}                        | ${'pass'}
      ${'noreply with id vs without'}       | ${signedOff({ authorEmail: '123+dana@users.noreply.github.com', message: so('dana@users.noreply.github.com') })}       | ${'pass'}
      ${'noreply without id vs with'}       | ${signedOff({ authorEmail: 'dana@users.noreply.github.com', message: so('123+Dana@users.noreply.github.com') })}       | ${'pass'}
      ${'noreply of another login'}         | ${signedOff({ authorEmail: '123+dana@users.noreply.github.com', message: so('123+eve@users.noreply.github.com') })}    | ${'fail'}
      ${'noreply vs a real email'}          | ${signedOff({ authorEmail: '123+dana@users.noreply.github.com', message: so('dana@example.com') })}                    | ${'fail'}
      ${'another email'}                    | ${signedOff({ message: so('eve@example.com') })}                                                                       | ${'fail'}
      ${'no sign-off'}                      | ${aCommit({ message: 'Change' })}                                                                                      | ${'fail'}
      ${'sign-off without an email'}        | ${aCommit({ message: 'x\n\nSigned-off-by: Dana' })}                                                                    | ${'fail'}
      ${'sign-off in the middle of a line'} | ${aCommit({ message: 'x I Signed-off-by: Dana <dana@example.com>' })}                                                  | ${'fail'}
      ${'a merge commit without sign-off'}  | ${aCommit({ message: 'Merge main', parentCount: 2 })}                                                                  | ${'pass'}
      ${'a bot commit without sign-off'}    | ${aCommit({ message: 'Bump x', authorIsBot: true, authorEmail: '49699333+dependabot[bot]@users.noreply.github.com' })} | ${'pass'}
      ${'a signed commit without sign-off'} | ${signed({ message: 'Change' })}                                                                                       | ${'fail'}
    `('$case → $status', ({ commit, status }) => {
      expect(run([commit], 'signoff').status).toBe(status);
    });

    it('matches the noreply forms of a GitHub Enterprise Server host', () => {
      const c = signedOff({
        authorEmail: '7+dana@users.noreply.ghe.acme.io',
        message: so('dana@users.noreply.ghe.acme.io'),
      });
      expect(run([c], 'signoff', { host: 'ghe.acme.io' }).status).toBe('pass');
    });

    it('reports the missing or mismatched sign-off', () => {
      const r = run(
        [
          aCommit({ sha: sha(4), subject: 'A', message: 'A' }),
          aCommit({ sha: sha(5), subject: 'B', message: so('eve@example.com') }),
        ],
        'signoff',
      );
      expect(plain(r.reason)).toBe('2 of 2 commits are not signed off');
      expect(blocksText(r.details)).toContain(
        'This pull request has 2 commits; 2 of them are not signed off (require: signoff).',
      );
      expect(rowsOf(r)).toEqual([
        ['4444444', 'A', 'no Signed-off-by matching dana@example.com'],
        ['5555555', 'B', 'Signed-off-by eve@example.com does not match the author dana@example.com'],
      ]);
    });

    it('passes with the DCO wording and notes exemptions', () => {
      const r = run(
        [
          signedOff(),
          signedOff(),
          aCommit({ parentCount: 2, message: 'Merge' }),
          aCommit({ authorIsBot: true }),
          signedOff(),
        ],
        'signoff',
      );
      expect(r.status).toBe('pass');
      expect(plain(r.reason)).toBe('All 5 commits are signed off');
      expect(blocksText(r.details)).toBe(
        'Exempt from sign-off, as in the DCO app: 1 merge commit and 1 commit by bots.',
      );
    });

    it('fixes with rebase --signoff and no signing setup', () => {
      const r = run([aCommit({ message: 'x' }), signedOff()], 'signoff');
      expect(codeOf(r)).toEqual(['git rebase --signoff HEAD~2\ngit push --force-with-lease']);
      const fix = blocksText(r.fix);
      expect(fix).toContain('it must be the commits’ author email (dana@example.com)');
      expect(fix).not.toContain('gpg.format');
    });
  });

  describe('require: both / either', () => {
    it.each`
      case                              | require     | commit                             | status    | reason
      ${'signed and signed off'}        | ${'both'}   | ${signed({ message: so() })}       | ${'pass'} | ${'The commit is signed and signed off'}
      ${'signed only'}                  | ${'both'}   | ${signed()}                        | ${'fail'} | ${'The commit is not both signed and signed off'}
      ${'signed off only'}              | ${'both'}   | ${signedOff()}                     | ${'fail'} | ${'The commit is not both signed and signed off'}
      ${'signed merge commit (exempt)'} | ${'both'}   | ${signed({ parentCount: 2 })}      | ${'pass'} | ${'The commit is signed and signed off'}
      ${'signed only, either'}          | ${'either'} | ${signed()}                        | ${'pass'} | ${'The commit is signed or signed off'}
      ${'signed off only, either'}      | ${'either'} | ${signedOff()}                     | ${'pass'} | ${'The commit is signed or signed off'}
      ${'neither'}                      | ${'either'} | ${unsigned()}                      | ${'fail'} | ${'The commit is neither signed nor signed off'}
      ${'unsigned bot commit, either'}  | ${'either'} | ${unsigned({ authorIsBot: true })} | ${'pass'} | ${'The commit is signed or signed off'}
    `('$require: $case → $status', ({ require, commit, status, reason }) => {
      const r = run([commit], require);
      expect(r.status).toBe(status);
      expect(plain(r.reason)).toBe(reason);
    });

    it('both: names both problems and fixes both at once', () => {
      const r = run([unsigned({ sha: sha(6), subject: 'S', message: 'S' })], 'both');
      expect(rowsOf(r)[0]?.[2]).toBe('signature: unsigned — no signature; no Signed-off-by matching dana@example.com');
      expect(codeOf(r)[0]).toBe(
        "git rebase --exec 'git commit --amend --no-edit --signoff -S' HEAD~1\ngit push --force-with-lease",
      );
    });

    it('both: only the missing half is fixed', () => {
      const r = run([signed({ message: 'x' })], 'both');
      expect(codeOf(r)).toEqual(['git rebase --signoff HEAD~1\ngit push --force-with-lease']);
    });

    it('either: offers sign-off first, then signing', () => {
      const r = run([unsigned(), unsigned()], 'either');
      expect(codeOf(r)).toEqual([
        'git rebase --signoff HEAD~2\ngit push --force-with-lease',
        "git rebase --exec 'git commit --amend --no-edit -S' HEAD~2\ngit push --force-with-lease",
        'git config --global gpg.format ssh\ngit config --global user.signingkey ~/.ssh/id_ed25519.pub\ngit config --global commit.gpgsign true',
      ]);
    });
  });

  describe('signatures the command line cannot verify here', () => {
    // States only `quality-gates check` gives (src/load/git-signatures.ts): the commit is signed, but
    // local git cannot tell whether GitHub will verify it. Re-signing would not change that.
    const here = (state: string, over: Partial<CommitInfo> = {}) =>
      aCommit({ signature: { isValid: false, state, wasSignedByGitHub: false }, ...over });
    const squash = (over: Partial<CommitInfo> = {}) =>
      aCommit({
        subject: 'Add refunds (#42)',
        signature: { isValid: false, state: 'cannot_verify_locally', wasSignedByGitHub: true },
        ...over,
      });

    it.each`
      case                                | commits                                                | require        | reason
      ${'one GitHub-signed squash merge'} | ${[squash()]}                                          | ${'signature'} | ${'The commit’s signature cannot be verified here'}
      ${'all of them'}                    | ${[squash(), here('cannot_verify_locally'), signed()]} | ${'signature'} | ${'2 of 3 commits have signatures that cannot be verified here'}
      ${'one of several'}                 | ${[squash(), signed(), signed()]}                      | ${'signature'} | ${'1 of 3 commits has a signature that cannot be verified here'}
      ${'a key not trusted here'}         | ${[here('untrusted_key')]}                             | ${'signature'} | ${'The commit’s signature cannot be verified here'}
      ${'mixed with unsigned'}            | ${[squash(), unsigned(), unsigned(), signed()]}        | ${'signature'} | ${'2 of 4 commits are not signed; 1 more cannot be verified here'}
      ${'both, signed off'}               | ${[squash({ message: so() })]}                         | ${'both'}      | ${'The commit’s signature cannot be verified here'}
      ${'both, not signed off'}           | ${[squash()]}                                          | ${'both'}      | ${'The commit is not both signed and signed off'}
    `('$case ($require): $reason', ({ commits, require, reason }) => {
      const r = run(commits, require);
      expect(r.status).toBe('fail');
      expect(plain(r.reason)).toBe(reason);
    });

    it('never tells the author to re-sign a commit that is only unverifiable here', () => {
      const r = run([squash({ sha: sha(1) }), signed()]);
      expect(rowsOf(r)).toEqual([
        [
          '1111111',
          'Add refunds (#42)',
          'cannot_verify_locally — signed by GitHub; git cannot check GitHub’s signature without GitHub’s public key',
        ],
      ]);
      const fix = blocksText(r.fix);
      expect(fix).not.toContain('git rebase');
      expect(fix).not.toContain('Sign every commit');
      expect(fix).not.toContain('To set up signing once');
      expect(fix).toContain('1 commit carries a signature that git cannot verify on this machine');
      expect(fix).toContain('it needs no new signature if GitHub verifies it');
      expect(codeOf(r)).toEqual([
        'curl -fsSL https://github.com/web-flow.gpg | gpg --import\ngpg --edit-key noreply@github.com trust',
      ]);
    });

    it('re-signs only what is not signed, and names the rest apart', () => {
      const r = run([squash(), unsigned({ sha: sha(2) }), signed()]);
      expect(blocksText(r.details)).toContain('This pull request has 3 commits; 1 of them is not signed (');
      expect(blocksText(r.details)).toContain('1 more carries a signature that git cannot verify on this machine');
      expect(codeOf(r)[0]).toBe(
        "git rebase --exec 'git commit --amend --no-edit -S' HEAD~3\ngit push --force-with-lease",
      );
      const fix = blocksText(r.fix);
      expect(fix).toContain('Sign every commit that is not signed.');
      expect(fix).toContain('1 commit carries a signature that git cannot verify on this machine');
    });

    it('a signature someone else made, not trusted here: the key, not a new signature', () => {
      const r = run([here('untrusted_key', { sha: sha(3) })]);
      expect(rowsOf(r)[0]?.[2]).toBe('untrusted_key — signed with a key git does not trust here');
      expect(codeOf(r)).toEqual([]);
      expect(blocksText(r.fix)).toContain('gpg.ssh.allowedSignersFile');
    });

    it('a truncated list counts them apart too', () => {
      const r = run([squash(), unsigned()], 'signature', { truncated: true, total: 300 });
      expect(blocksText(r.details)).toContain('Of the listed ones, 1 is not signed; 1 more cannot be verified here.');
    });
  });

  describe('truncated commit lists', () => {
    it.each`
      require        | commits
      ${'signature'} | ${[signed()]}
      ${'signoff'}   | ${[signedOff()]}
      ${'either'}    | ${[signed()]}
    `('$require: fails even when every listed commit is fine', ({ require, commits }) => {
      const r = run(commits, require, { truncated: true, total: 312 });
      expect(r.status).toBe('fail');
      expect(plain(r.reason)).toBe('GitHub lists only 1 commit of 312; the rest cannot be verified');
      expect(blocksText(r.fix)).toContain('Split the pull request into smaller ones, or squash its commits');
    });

    it('still lists the offending listed commits, and rebases onto the base branch', () => {
      const r = run([unsigned({ sha: sha(7) }), signed()], 'signature', { truncated: true, total: 300 });
      expect(blocksText(r.details)).toContain(
        'This pull request has 300 commits; GitHub lists at most 2, so not every commit can be verified. Of the listed ones, 1 is not signed.',
      );
      expect(rowsOf(r)[0]?.[0]).toBe('7777777');
      expect(codeOf(r)[0]).toContain('origin/main');
    });
  });

  describe('helpers', () => {
    it.each`
      email                                  | canonical
      ${'Dana@Example.com'}                  | ${'dana@example.com'}
      ${'123+Dana@users.noreply.github.com'} | ${'dana@users.noreply.github.com'}
      ${'dana@users.noreply.github.com'}     | ${'dana@users.noreply.github.com'}
      ${'a+b@example.com'}                   | ${'a+b@example.com'}
      ${'x+dana@users.noreply.github.com'}   | ${'x+dana@users.noreply.github.com'}
      ${'not-an-email'}                      | ${'not-an-email'}
    `('canonicalEmail($email) = $canonical', ({ email, canonical }) => {
      expect(canonicalEmail(email)).toBe(canonical);
    });

    it('reads every Signed-off-by line', () => {
      expect(
        signoffEmails(
          'x\n\nSigned-off-by: A <a@x.io>\nSigned-off-by: B <b@x.io>  \nSigned-off-by: C\nCo-authored-by: D <d@x.io>',
        ),
      ).toEqual(['a@x.io', 'b@x.io']);
    });
  });
});
