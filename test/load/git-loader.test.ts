/** The pure parts of the git reader: the parsing of every git output it relies on, remote URLs. */
import { describe, expect, it } from 'vitest';
import {
  branchNameFrom,
  comparisonFrom,
  countFrom,
  defaultBranchFrom,
  headCommitFrom,
  loginFromEmail,
  parseLog,
  parseLsTree,
  parseNameStatus,
  parseNumstat,
  parseRemoteUrl,
  shaFrom,
} from '../../src/load/git-loader.js';

const SHA = 'a'.repeat(40);

describe('refs (git rev-parse, git symbolic-ref)', () => {
  it.each([
    ['refs/heads/main\n', 'main', 'main'],
    ['refs/remotes/origin/main\n', 'origin/main', 'main'],
    ['refs/remotes/upstream/release/2.x\n', 'upstream/release/2.x', 'release/2.x'],
    ['refs/tags/v1.2\n', 'v1.2', 'v1.2'],
    // git 2.30 to 2.39 echo `--end-of-options` when it is not preceded by --verify: never the branch name.
    ['--end-of-options\nrefs/remotes/origin/main\n', 'origin/main', 'main'],
    ['--end-of-options\n', 'origin/main', 'origin/main'],
    // a commit or an expression names no branch: the ref as given
    ['', 'HEAD~3', 'HEAD~3'],
    [`${SHA}\n`, SHA, SHA],
  ])('--symbolic-full-name %j for %s → %s', (out, ref, expected) => {
    expect(branchNameFrom(out, ref)).toBe(expected);
  });

  it('--verify: the object name, never another line', () => {
    expect(shaFrom(`${SHA}\n`)).toBe(SHA);
    expect(shaFrom(`--end-of-options\n${SHA}\n`)).toBe(SHA);
    expect(shaFrom(`${'b'.repeat(64)}\n`)).toBe('b'.repeat(64)); // SHA-256 repositories
    expect(shaFrom('')).toBeUndefined();
    expect(shaFrom('--end-of-options\n')).toBeUndefined();
  });

  it('symbolic-ref of origin/HEAD: the branch it points at', () => {
    expect(defaultBranchFrom('refs/remotes/origin/main\n')).toBe('main');
    expect(defaultBranchFrom('refs/remotes/origin/release/v2\n')).toBe('release/v2');
    expect(defaultBranchFrom('refs/remotes/upstream/main\n')).toBeUndefined();
    expect(defaultBranchFrom('refs/remotes/origin/\n')).toBeUndefined();
    expect(defaultBranchFrom('')).toBeUndefined();
  });
});

describe('parsers', () => {
  it('rev-list --left-right --count base...head: behind, then ahead', () => {
    expect(comparisonFrom('3\t5\n')).toEqual({ behindBy: 3, aheadBy: 5 });
    expect(comparisonFrom('0\t0')).toEqual({ behindBy: 0, aheadBy: 0 });
    expect(comparisonFrom('fatal: bad revision')).toBeNull();
  });

  it('numstat -z: plain, renamed (new path), binary (0)', () => {
    expect(parseNumstat('3\t1\tsrc/a.ts\x000\t0\t\x00old/name.md\x00new/name.md\x00-\t-\tlogo.png\x00')).toEqual([
      { path: 'src/a.ts', additions: 3, deletions: 1 },
      { path: 'new/name.md', additions: 0, deletions: 0 },
      { path: 'logo.png', additions: 0, deletions: 0 },
    ]);
  });

  it('name-status -z: change types keyed by the new path', () => {
    expect([
      ...parseNameStatus('M\x00src/a.ts\x00R087\x00old.md\x00new.md\x00A\x00b.ts\x00D\x00c.ts\x00T\x00link\x00'),
    ]).toEqual([
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
    const record = (sha: string, parents: string, message: string) =>
      [sha, parents, 'Dana', 'dana@example.com', 'noreply@github.com', message].join('\0') + '\0';
    const rows = parseLog(
      record(SHA, 'b'.repeat(40), 'Subject\n\nSigned-off-by: Dana <dana@example.com>\n') +
        record('c'.repeat(40), `${SHA} ${'d'.repeat(40)}`, 'Merge\n'),
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({
      sha: SHA,
      parents: 1,
      authorName: 'Dana',
      authorEmail: 'dana@example.com',
      committerEmail: 'noreply@github.com',
      message: 'Subject\n\nSigned-off-by: Dana <dana@example.com>\n',
    });
    expect(rows[1]).toMatchObject({ parents: 2, message: 'Merge\n' });
    expect(parseLog('')).toEqual([]);
  });

  it('rev-list --count', () => {
    expect(countFrom('3517\n')).toBe(3517);
    expect(countFrom('0\n')).toBe(0);
    expect(countFrom('')).toBe(0);
  });

  it('log -1 -z of HEAD: subject and author', () => {
    expect(headCommitFrom('Dana\0dana@example.com\0PAY-9 Newest\n\nBody\n')).toEqual({
      subject: 'PAY-9 Newest',
      authorName: 'Dana',
      authorEmail: 'dana@example.com',
    });
    expect(headCommitFrom('')).toEqual({ subject: '', authorName: '', authorEmail: '' });
  });

  it('ls-tree -l -z: regular files only, paths with spaces and tabs kept', () => {
    const out = [
      `100644 blob ${SHA}     120\t.github/CODEOWNERS`,
      `100755 blob ${'b'.repeat(40)}       7\tdocs/run me\t.sh`,
      `120000 blob ${'c'.repeat(40)}      10\tCODEOWNERS`,
      `040000 tree ${'d'.repeat(40)}       -\tdocs`,
      `160000 commit ${'e'.repeat(40)}       -\tvendor/lib`,
    ].join('\0');
    expect(parseLsTree(`${out}\0`)).toEqual([
      { path: '.github/CODEOWNERS', oid: SHA, size: 120 },
      { path: 'docs/run me\t.sh', oid: 'b'.repeat(40), size: 7 },
    ]);
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
