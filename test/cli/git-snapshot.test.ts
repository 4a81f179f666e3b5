/** The pure parts of the git reader: `%G?` mapping, numstat / name-status / log parsing, remote URLs. */
import { describe, expect, it } from 'vitest';
import { loginFromEmail, parseLog, parseNameStatus, parseNumstat, parseRemoteUrl, signatureFromGit } from '../../src/cli/git-snapshot.js';

describe('signatureFromGit (%G?)', () => {
  it.each([
    ['G', true, { isValid: true, state: 'valid' }],
    ['U', true, { isValid: false, state: 'untrusted_key' }],
    ['B', true, { isValid: false, state: 'invalid' }],
    ['X', true, { isValid: false, state: 'expired_signature' }],
    ['Y', true, { isValid: false, state: 'expired_key' }],
    ['R', true, { isValid: false, state: 'revoked_key' }],
    ['E', true, { isValid: false, state: 'cannot_verify_locally' }],
    // git says N for an SSH signature without gpg.ssh.allowedSignersFile: the commit still carries one.
    ['N', true, { isValid: false, state: 'cannot_verify_locally' }],
  ])('%s → %o', (status, hasSignature, expected) => {
    expect(signatureFromGit(status, hasSignature)).toEqual({ ...expected, wasSignedByGitHub: false });
  });

  it('N without a signature header is unsigned (null), never "cannot verify"', () => {
    expect(signatureFromGit('N', false)).toBeNull();
  });

  it('marks commits GitHub signed (committer noreply@github.com)', () => {
    expect(signatureFromGit('E', true, 'noreply@github.com')).toEqual({ isValid: false, state: 'cannot_verify_locally', wasSignedByGitHub: true });
  });
});

describe('parsers', () => {
  it('numstat -z: plain, renamed (new path), binary (0)', () => {
    expect(parseNumstat('3\t1\tsrc/a.ts\x000\t0\t\x00old/name.md\x00new/name.md\x00-\t-\tlogo.png\x00')).toEqual([
      { path: 'src/a.ts', additions: 3, deletions: 1 },
      { path: 'new/name.md', additions: 0, deletions: 0 },
      { path: 'logo.png', additions: 0, deletions: 0 },
    ]);
  });

  it('name-status -z: change types keyed by the new path', () => {
    expect([...parseNameStatus('M\x00src/a.ts\x00R087\x00old.md\x00new.md\x00A\x00b.ts\x00D\x00c.ts\x00T\x00link\x00')]).toEqual([
      ['src/a.ts', 'modified'],
      ['new.md', 'renamed'],
      ['b.ts', 'added'],
      ['c.ts', 'deleted'],
      ['link', 'changed'],
    ]);
  });

  it('paths with tabs and newlines survive -z', () => {
    expect(parseNumstat('1\t0\ta\tb\nc.md\x00')).toEqual([{ path: 'a\tb\nc.md', additions: 1, deletions: 0 }]);
  });

  it('log -z records', () => {
    const record = (sha: string, parents: string, status: string, message: string) => [sha, parents, 'Dana', 'dana@example.com', 'dana@example.com', status, message].join('\0') + '\0';
    const rows = parseLog(record('a'.repeat(40), 'b'.repeat(40), 'N', 'Subject\n\nSigned-off-by: Dana <dana@example.com>\n') + record('c'.repeat(40), `${'a'.repeat(40)} ${'d'.repeat(40)}`, 'G', 'Merge\n'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ parents: 1, status: 'N', message: 'Subject\n\nSigned-off-by: Dana <dana@example.com>\n' });
    expect(rows[1]).toMatchObject({ parents: 2, status: 'G' });
  });
});

describe('parseRemoteUrl', () => {
  it.each([
    ['git@github.com:acme/api.git', { owner: 'acme', name: 'api', host: 'github.com' }],
    ['https://github.com/acme/api.git', { owner: 'acme', name: 'api', host: 'github.com' }],
    ['https://github.com/acme/api', { owner: 'acme', name: 'api', host: 'github.com' }],
    ['ssh://git@ghe.example.com:2222/Acme/Api.git', { owner: 'Acme', name: 'Api', host: 'ghe.example.com' }],
    ['https://user:token@GHE.example.com/acme/api.git/', { owner: 'acme', name: 'api', host: 'ghe.example.com' }],
    ['/srv/git/api.git', undefined],
    ['file:///srv/git/team/api.git', undefined],
  ])('%s', (url, expected) => {
    expect(parseRemoteUrl(url)).toEqual(expected);
  });

  it('reads a login from GitHub noreply addresses only', () => {
    expect(loginFromEmail('123+dana@users.noreply.github.com')).toBe('dana');
    expect(loginFromEmail('dana@users.noreply.github.com')).toBe('dana');
    expect(loginFromEmail('dana@example.com')).toBeUndefined();
  });
});
