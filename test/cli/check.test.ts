/**
 * `quality-gates check` end to end: real temporary git repositories, the command run
 * in-process from source, assertions on its output and exit code.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeHistory } from '../fixtures/git-history.js';
import { SIGNATURE } from '../fixtures/openpgp-fixture.js';
import {
  DANA,
  Repo,
  SIGNOFF_CONFIG,
  cleanup,
  cli,
  countingGpg,
  hasGpg,
  hermeticEnv,
  importFixtureKey,
  lines,
  scratch,
} from './support.js';

afterAll(cleanup);

/** `main` with a config and a source file; returns the repo on a new feature branch. */
function featureRepo(
  config: string | null = SIGNOFF_CONFIG,
  branch = 'feature/refunds',
  extra: Record<string, string> = {},
): Repo {
  const repo = Repo.init();
  repo.commit(
    'Initial commit',
    {
      ...(config === null ? {} : { '.github/quality-gates.yml': config }),
      'src/app.ts': 'export const app = 1;\n',
      ...extra,
    },
    { signoff: true },
  );
  return repo.branch(branch);
}

const check = (repo: Repo, ...args: string[]) => cli(['check', ...args], { cwd: repo.dir, env: repo.env });
const row = (id: string, status: string) => new RegExp(`^\\| \`${id}\` \\| \\S+ ${status} \\|`, 'm');

describe('quality-gates check', () => {
  it('passes a small, tested, signed-off change with a ticket in the title: exit 0', async () => {
    const repo = featureRepo();
    repo.commit(
      'PAY-42 Add refunds',
      { 'src/refunds.ts': 'export const refund = () => 1;\n', 'src/refunds.test.ts': 'test;\n' },
      { signoff: true },
    );

    const run = await check(repo);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(/^# Quality Gates — .*passed/);
    expect(run.stdout).not.toContain('Blocked');
    expect(run.stdout).toMatch(row('batch-size', 'pass'));
    expect(run.stdout).toContain('| `linked-ticket` | ✅ pass | Found `PAY-42` in the title |');
    expect(run.stdout).toMatch(row('tests-touched', 'pass'));
    expect(run.stdout).toMatch(row('signed-commits', 'pass'));
    expect(run.stdout).toMatch(row('codeowners-review', 'skipped'));
    expect(run.stdout).toContain('Local run: `feature/refunds` against `main`');
    expect(run.stdout).not.toContain('\u001b['); // no colour when stdout is not a terminal
  });

  it('blocks a 600-line change on batch-size: exit 1, with the numbers and how to fix', async () => {
    const repo = featureRepo();
    repo.commit(
      'PAY-42 Add a big table',
      { 'src/table.ts': lines(600), 'src/table.test.ts': 'test;\n' },
      { signoff: true },
    );

    const run = await check(repo);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')[0]).toBe('# Quality Gates — Blocked: batch-size');
    expect(run.stdout).toContain('| `batch-size` | ❌ fail | 601 lines in 2 files (limit 400 lines, 50 files) |');
    expect(run.stdout).toContain('This pull request changes 601 lines; the limit is 400 lines.');
    expect(run.stdout).toContain('**How to fix**');
  });

  it('counts a pure rename as 0 lines and a binary file as 0 lines (rename-aware numstat)', async () => {
    const repo = featureRepo(SIGNOFF_CONFIG, 'feature/PAY-7-move', { 'docs/big.md': lines(800) });
    repo.git('mv', 'docs/big.md', 'docs/large.md');
    repo.commit(
      'Move big',
      { 'assets/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 0, 0, 0]) },
      { signoff: true },
    );

    const run = await check(repo, '--json');
    const report = JSON.parse(run.stdout);
    const batch = report.gates.find((g: { id: string }) => g.id === 'batch-size');
    expect(batch).toMatchObject({ status: 'pass', reason: '0 lines in 2 files (limit 400 lines, 50 files)' });
    expect(run.code).toBe(0);
  });

  it('prints a JSON report with --json', async () => {
    const repo = featureRepo();
    const sha = repo.commit(
      'Add refunds without tests',
      { 'src/refunds.ts': 'export const refund = 1;\n' },
      { signoff: true },
    );

    const run = await check(repo, '--json');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      conclusion: 'failure',
      title: 'Blocked: linked-ticket, tests-touched',
      exitCode: 1,
      base: { ref: 'main' },
      head: { ref: 'feature/refunds', sha },
      config: { file: '.github/quality-gates.yml@main', sources: ['.github/quality-gates.yml@main'] },
    });
    expect(report.gates.map((g: { id: string; status: string }) => [g.id, g.status])).toEqual([
      ['batch-size', 'pass'],
      ['linked-ticket', 'fail'],
      ['tests-touched', 'fail'],
      ['signed-commits', 'pass'],
      ['codeowners-review', 'skipped'],
    ]);
    const tests = report.gates.find((g: { id: string }) => g.id === 'tests-touched');
    expect(tests).toMatchObject({
      title: 'Tests touched',
      mode: 'block',
      reason: '1 source file changed, no test files',
    });
    expect(Array.isArray(tests.details)).toBe(true);
    expect(tests.fix.length).toBeGreaterThan(0);
    expect(report.summary).toMatch(/^\| Gate \| Result \| Details \|/);
    expect(report.notes[0]).toMatch(
      /^Local run: feature\/refunds against main \(merge base [0-9a-f]{7}\): 1 commit, 1 changed file\.$/,
    );
    // the comments that hold overrides are on GitHub (docs/overrides.md)
    expect(report.notes).toContain(
      'Overrides are not evaluated locally (overrides.allowed is empty in this configuration, so none would apply on GitHub either).',
    );
  });

  it('uses --title and --body instead of the commit subject', async () => {
    const repo = featureRepo();
    repo.commit('Add refunds', { 'src/refunds.ts': 'x;\n', 'src/refunds.test.ts': 'x;\n' }, { signoff: true });

    expect((await check(repo)).code).toBe(1); // no ticket anywhere
    expect((await check(repo, '--title', 'Refunds (OPS-9)')).code).toBe(0);
    const body = await check(repo, '--body', 'Fixes #12', '--json');
    expect(body.code).toBe(0);
    expect(JSON.parse(body.stdout).gates[1].reason).toContain('#12');
  });

  it('reads the config at the base ref: a config changed only on the branch does not apply', async () => {
    const repo = featureRepo('gates:\n  signed-commits:\n    require: signoff\n  batch-size:\n    max_lines: 10\n');
    repo.commit(
      'PAY-1 Raise the limit and add code',
      {
        '.github/quality-gates.yml':
          'gates:\n  signed-commits:\n    require: signoff\n  batch-size:\n    max_lines: 100000\n',
        'src/more.ts': lines(30),
        'src/more.test.ts': 'x;\n',
      },
      { signoff: true },
    );

    const run = await check(repo);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/\| `batch-size` \| ❌ fail \| \d+ lines in 3 files \(limit 10 lines, 50 files\) \|/);
  });

  it('reads the config from --config FILE instead', async () => {
    const repo = featureRepo('gates:\n  batch-size:\n    max_lines: 10\n');
    repo.commit('PAY-1 Add code', { 'src/more.ts': lines(30), 'src/more.test.ts': 'x;\n' });
    const file = path.join(scratch(), 'relaxed.yml');
    writeFileSync(file, 'gates:\n  signed-commits:\n    mode: "off"\n');

    const run = await check(repo, '--config', file, '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.config.file).toBe(file);
    expect(report.gates.map((g: { id: string }) => g.id)).not.toContain('signed-commits');
    expect(report.gates[0]).toMatchObject({
      id: 'batch-size',
      reason: '31 lines in 2 files (limit 400 lines, 50 files)',
    });
  });

  it('says that overrides are not evaluated locally, and shows the gates’ own verdict', async () => {
    const repo = featureRepo('gates:\n  batch-size:\n    max_lines: 10\noverrides:\n  allowed: [lead]\n');
    repo.commit('PAY-1 Add code', { 'src/more.ts': lines(30), 'src/more.test.ts': 'x;\n' });
    const run = await check(repo, '--json');
    const report = JSON.parse(run.stdout);
    expect(run.code).toBe(1);
    expect(report.notes).toContain(
      'Overrides are not evaluated locally: /gates override comments live on the pull request on GitHub, so a gate that fails here may be overridden there.',
    );
  });

  it('reports an invalid config at the base ref with file, line, column and key: exit 2', async () => {
    const repo = featureRepo('gates:\n  batch-size:\n    max_line: 10\n');
    repo.commit('PAY-1 Add code', { 'src/more.ts': 'x;\n' });

    const run = await check(repo);
    expect(run.code).toBe(2);
    expect(run.stdout.split('\n')[0]).toBe('# Quality Gates — Configuration error');
    expect(run.stdout).toMatch(/quality\\?-gates\.yml@main:3:5\W+gates\.batch\\?-size\.max\\?_line\W+unknown key/);

    expect(run.stdout).not.toContain('re-run this check');
    expect(run.stdout).toContain(
      'Fix `.github/quality-gates.yml` on `main`: the configuration is read at the base, as the app reads the base branch, never from this branch. To try a fixed copy first, pass it with `--config FILE`.',
    );

    const json = JSON.parse((await check(repo, '--json')).stdout);
    expect(json).toMatchObject({ conclusion: 'failure', title: 'Configuration error', exitCode: 2, gates: [] });
    expect(json.problems[0]).toMatchObject({
      file: '.github/quality-gates.yml@main',
      line: 3,
      column: 5,
      path: 'gates.batch-size.max_line',
    });
  });

  it('an invalid --config FILE says to fix that file, not the one on the base branch', async () => {
    const repo = featureRepo();
    repo.commit('PAY-1 Add code', { 'src/more.ts': 'x;\n' });
    writeFileSync(path.join(repo.dir, 'local.yml'), 'gates:\n  batch-size:\n    max_line: 10\n');

    const run = await check(repo, '--config', 'local.yml');
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/local\.yml:3:5\W+gates\.batch\\?-size\.max\\?_line\W+unknown key/);
    expect(run.stdout).not.toContain('base branch');
    expect(run.stdout).not.toContain('re-run this check');
    expect(run.stdout).toContain(
      'Fix `local.yml`, then run `quality-gates check` again; `quality-gates validate local.yml` lists every problem with its line.',
    );
  });

  it('uses the built-in defaults, and says so, when the base has no config', async () => {
    const repo = featureRepo(null);
    repo.commit('PAY-1 Add code', { 'src/more.ts': 'x;\n', 'src/more.test.ts': 'x;\n' }, { signoff: true });

    const run = await check(repo);
    expect(run.code).toBe(1); // the default signed-commits requires signatures
    expect(run.stdout).toContain('No `.github/quality-gates.yml` at `main`: the built-in defaults apply.');
    expect(run.stdout).toContain('| `signed-commits` | ❌ fail | The commit is not signed |');
    expect(run.stdout).toContain('`unsigned` — no signature');
  });

  it('evaluates with the file’s own keys when _extends cannot be read offline, with a note', async () => {
    const repo = featureRepo('_extends: .github\ngates:\n  signed-commits:\n    require: signoff\n');
    repo.commit('PAY-1 Add code', { 'src/more.ts': 'x;\n', 'src/more.test.ts': 'x;\n' }, { signoff: true });

    const run = await check(repo, '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.notes.join('\n')).toContain(
      'The config extends <owner>/.github:.github/quality-gates.yml, which cannot be read offline',
    );
  });

  it('follows _extends within the same repository, at the base ref', async () => {
    const repo = featureRepo('_extends: repo:.github/base.yml\n', 'feature/refunds', {
      '.github/base.yml': SIGNOFF_CONFIG + '  batch-size:\n    max_lines: 5\n',
    });
    repo.git('remote', 'add', 'origin', 'git@github.com:acme/repo.git');
    repo.commit('PAY-1 Add code', { 'src/more.ts': lines(10), 'src/more.test.ts': 'x;\n' }, { signoff: true });

    const run = await check(repo, '--json');
    const report = JSON.parse(run.stdout);
    expect(report.repository).toEqual({ owner: 'acme', name: 'repo' });
    expect(report.config.sources).toEqual(['.github/quality-gates.yml@main', '.github/base.yml@main']);
    expect(report.gates[0]).toMatchObject({
      id: 'batch-size',
      status: 'fail',
      reason: '11 lines in 2 files (limit 5 lines, 50 files)',
    });
    expect(run.code).toBe(1);
  });

  describe('sign-off (require: signoff)', () => {
    it('passes signed-off commits and lists the ones that are not', async () => {
      const repo = featureRepo(SIGNOFF_CONFIG, 'feature/PAY-3-signoff');
      repo.commit('Signed off', { 'docs/a.md': 'a\n' }, { signoff: true });
      expect((await check(repo)).code).toBe(0);

      const missing = repo.commit('Not signed off', { 'docs/b.md': 'b\n' });
      const run = await check(repo);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('| `signed-commits` | ❌ fail | 1 of 2 commits is not signed off |');
      expect(run.stdout).toMatch(
        new RegExp(
          `\\| \`${missing.slice(0, 7)}\` \\| Not signed off \\| no Signed.*off.*by matching \`dana@example.com\` \\|`,
        ),
      );
      expect(run.stdout).toContain('git rebase --signoff HEAD~2');
    });

    it('does not accept a sign-off by someone other than the author', async () => {
      const repo = featureRepo(SIGNOFF_CONFIG, 'feature/PAY-3-signoff');
      repo.commit('Signed off by Eve\n\nSigned-off-by: Eve <eve@example.com>', { 'docs/a.md': 'a\n' });
      const run = await check(repo);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('`eve@example.com` does not match the author `dana@example.com`');
    });
  });

  describe('signatures', () => {
    const hasSshKeygen = (() => {
      try {
        execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
        return true;
      } catch (error) {
        return (error as { code?: string }).code !== 'ENOENT';
      }
    })();

    it.skipIf(!hasSshKeygen)(
      'keeps "cannot verify locally" apart from unsigned, and verifies with an allowed-signers file',
      async () => {
        const repo = featureRepo('gates:\n  signed-commits:\n    require: signature\n', 'feature/PAY-5-signing');
        const key = path.join(repo.home, 'signing_key');
        execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dana', '-f', key], { env: repo.env });
        const signed = repo.commit(
          'Signed',
          { 'docs/a.md': 'a\n' },
          { config: ['gpg.format=ssh', `user.signingkey=${key}`, 'commit.gpgsign=true'] },
        );
        const unsigned = repo.commit('Unsigned', { 'docs/b.md': 'b\n' });

        // No gpg.ssh.allowedSignersFile: git cannot check the SSH signature here.
        const run = await check(repo);
        expect(run.code).toBe(1);
        expect(run.stdout).toContain(
          '| `signed-commits` | ❌ fail | 1 of 2 commits is not signed; 1 more cannot be verified here |',
        );
        expect(run.stdout).toContain(
          `| \`${signed.slice(0, 7)}\` | Signed | \`cannot_verify_locally\` — signed, but git cannot verify it here`,
        );
        expect(run.stdout).toContain(`| \`${unsigned.slice(0, 7)}\` | Unsigned | \`unsigned\` — no signature |`);
        expect(run.stdout).toContain('1 more carries a signature that git cannot verify on this machine.');
        expect(run.stdout).toContain('git config gpg.ssh.allowedSignersFile ~/.ssh/allowed_signers');

        expect(run.stdout).toContain('Sign every commit that is not signed.');

        // With the key in an allowed-signers file, git verifies it: only the unsigned commit fails.
        const allowed = path.join(repo.home, 'allowed_signers');
        writeFileSync(allowed, `${DANA.email} ${readFileSync(`${key}.pub`, 'utf8')}`);
        const env = {
          ...repo.env,
          GIT_CONFIG_COUNT: '1',
          GIT_CONFIG_KEY_0: 'gpg.ssh.allowedSignersFile',
          GIT_CONFIG_VALUE_0: allowed,
        };
        const verified = await cli(['check'], { cwd: repo.dir, env });
        expect(verified.stdout).toContain('| `signed-commits` | ❌ fail | 1 of 2 commits is not signed |');
        expect(verified.stdout).not.toContain('cannot_verify_locally');
        expect(verified.stdout).not.toContain(`| \`${signed.slice(0, 7)}\``);
      },
    );
  });

  it('lists whose approval each group of changed files will need (codeowners-review)', async () => {
    const repo = featureRepo(SIGNOFF_CONFIG, 'feature/PAY-8-owners', {
      '.github/CODEOWNERS': '*.ts @acme/backend\n/docs/ @doc-writer\n',
    });
    repo.commit(
      'Add docs and code',
      { 'docs/guide.md': 'guide\n', 'src/pay.ts': 'x;\n', 'src/pay.test.ts': 'x;\n' },
      { signoff: true },
    );

    const run = await check(repo);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'No reviews are known locally, so codeowners-review lists whose approval each group of changed files will need',
    );
    expect(run.stdout).toContain('| `codeowners-review` | ❌ fail | 3 files wait for code-owner review |');
    expect(run.stdout).toContain('Waiting on @\u200bacme/backend (any member) for 2 files:');
    expect(run.stdout).toContain('Waiting on @\u200bdoc-writer for 1 file:');
    expect(run.stdout).toContain('gh pr edit --add-reviewer acme/backend,doc-writer');
    expect(run.stdout).not.toContain('Members (read)');
    expect(run.stdout).not.toContain('re-run this check');
  });

  it('uses the remote default branch (origin/HEAD) by default, and owner/name from its URL', async () => {
    const upstream = featureRepo(SIGNOFF_CONFIG, 'unused').checkout('main');
    const clone = path.join(path.dirname(upstream.dir), 'clone');
    upstream.git('clone', '-q', upstream.dir, clone);
    const repo = new Repo(clone, upstream.home);
    repo.git('remote', 'set-url', 'origin', 'https://github.com/acme/payments.git');
    repo.branch('feature/PAY-9');
    repo.commit('Add docs', { 'docs/x.md': 'x\n' }, { signoff: true });

    const run = await check(repo, '--json');
    const report = JSON.parse(run.stdout);
    expect(report.base.ref).toBe('origin/main');
    expect(report.repository).toEqual({ owner: 'acme', name: 'payments' });
    expect(run.code).toBe(0);
  });

  it('compares with --base REF', async () => {
    const repo = featureRepo();
    repo.commit('PAY-1 First', { 'docs/a.md': lines(300) }, { signoff: true });
    repo.git('branch', 'stacked-base');
    repo.commit('PAY-1 Second', { 'docs/b.md': lines(300) }, { signoff: true });

    expect((await check(repo)).code).toBe(1); // 600 lines against main
    const run = await check(repo, '--base', 'stacked-base', '--json');
    expect(run.code).toBe(0); // 300 lines against the stacked base
    expect(JSON.parse(run.stdout).base.ref).toBe('stacked-base');
  });

  it('says when there are uncommitted changes (not evaluated), and names a detached HEAD from GITHUB_HEAD_REF', async () => {
    const repo = featureRepo(SIGNOFF_CONFIG, 'feature/OPS-4-detached');
    const sha = repo.commit('Docs', { 'docs/a.md': 'a\n' }, { signoff: true });
    repo.git('checkout', '-q', '--detach', sha);
    repo.write({ 'docs/uncommitted.md': lines(1000) });

    const detached = JSON.parse((await check(repo, '--json')).stdout);
    expect(detached.head.ref).toBe('');
    expect(detached.notes).toContain(
      'Uncommitted changes are not evaluated: like a pull request, the check sees commits only.',
    );
    expect(detached.notes).toContain('HEAD is detached, so there is no branch name to look for a ticket in.');
    expect(detached.gates[0].reason).toBe('1 line in 1 file (limit 400 lines, 50 files)');

    const actions = await cli(['check', '--json'], {
      cwd: repo.dir,
      env: { ...repo.env, GITHUB_HEAD_REF: 'feature/OPS-4-detached' },
    });
    expect(actions.code).toBe(0);
    expect(JSON.parse(actions.stdout).head.ref).toBe('feature/OPS-4-detached');
  });

  describe('the base branch, with the git on this machine', () => {
    /** A clone of an upstream `main` (so origin/HEAD is origin/main), on a branch with a merge commit and no ticket. */
    function cloneOnBranchWithMerge(): Repo {
      const upstream = featureRepo(null, 'unused').checkout('main');
      const clone = path.join(path.dirname(upstream.dir), 'clone');
      upstream.git('clone', '-q', upstream.dir, clone);
      const repo = new Repo(clone, upstream.home);
      repo.branch('feature/refunds');
      repo.commit('Add refunds', { 'src/refunds.ts': 'x;\n', 'src/refunds.test.ts': 'x;\n' });
      repo.branch('side');
      repo.commit('Side work', { 'docs/side.md': 'x\n' });
      repo.checkout('feature/refunds');
      repo.git(
        '-c',
        `user.name=${DANA.name}`,
        '-c',
        `user.email=${DANA.email}`,
        'merge',
        '-q',
        '--no-ff',
        '-m',
        'Merge side',
        'side',
      );
      return repo;
    }

    it.each([[[] as string[]], [['--base', 'origin/main']], [['--base', 'main']]])(
      'check %j: the base is main, the default branch',
      async (args) => {
        const run = await check(cloneOnBranchWithMerge(), ...args);
        expect(run.code).toBe(1);
        expect(run.stdout).toMatch(row('linked-ticket', 'fail'));
        expect(run.stdout).not.toContain('not the default branch');
        expect(run.stdout).toMatch(row('signed-commits', 'fail'));
        expect(run.stdout).toContain(
          "git fetch origin\ngit rebase --exec 'git commit --amend --no-edit -S' origin/main\n",
        );
        expect(run.stdout).not.toContain('origin/origin/');
      },
    );

    it('refuses a git older than 2.30, naming its version: exit 2', async () => {
      const repo = featureRepo();
      repo.commit('PAY-1 Docs', { 'docs/a.md': 'a\n' }, { signoff: true });
      const realGit = execFileSync('sh', ['-c', 'command -v git'], { env: repo.env, encoding: 'utf8' }).trim();
      const bin = path.join(repo.home, 'old-git');
      mkdirSync(bin);
      writeFileSync(
        path.join(bin, 'git'),
        `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "git version 2.25.1"; exit 0; fi\nexec '${realGit}' "$@"\n`,
      );
      chmodSync(path.join(bin, 'git'), 0o755);

      const run = await cli(['check'], { cwd: repo.dir, env: { ...repo.env, PATH: `${bin}:${repo.env.PATH}` } });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        'quality-gates: git 2.25.1 is too old: quality-gates check needs git 2.30 or later; upgrade the git on PATH\n',
      );
    });
  });

  describe('a branch longer than GitHub lists (250 commits)', () => {
    it.skipIf(!hasGpg)(
      'titles it with HEAD’s subject, and verifies the signatures of the listed commits only',
      async () => {
        const repo = featureRepo(null, 'feature/long');
        importFixtureKey(repo); // the signatures below are bad, but gpg would be asked about each
        const gitHub = { name: 'GitHub', email: 'noreply@github.com' };
        writeHistory({
          dir: repo.dir,
          env: repo.env,
          count: 300,
          // The 250 oldest (the ones GitHub lists) are unsigned; the 50 newest carry a signature.
          commit: (i) => ({
            message: i === 299 ? 'PAY-77 Newest\n' : `Step ${i}\n`,
            author: DANA,
            ...(i >= 250 ? { committer: gitHub, gpgsig: SIGNATURE } : {}),
          }),
        });
        const gpg = countingGpg(repo);

        const run = await cli(['check'], { cwd: repo.dir, env: gpg.env });
        expect(run.stdout).toContain('| `linked-ticket` | ✅ pass | Found `PAY-77` in the title |');
        expect(run.stdout).toContain(
          '| `signed-commits` | ❌ fail | GitHub lists only 250 commits of 300; the rest cannot be verified |',
        );
        expect(run.stdout).toContain('300 commits');
        expect(gpg.verifications()).toBe(0);
      },
    );
  });

  describe('commits GitHub signed (squash merges), without GitHub’s key here', () => {
    it.skipIf(!hasGpg)(
      'says they cannot be verified here, not that they are unsigned, and runs no gpg verification',
      async () => {
        const repo = featureRepo(null, 'feature/PAY-8-merged');
        const gitHub = { name: 'GitHub', email: 'noreply@github.com' };
        writeHistory({
          dir: repo.dir,
          env: repo.env,
          count: 3,
          commit: (i) => ({
            message: `PAY-8 Part ${i} (#${10 + i})\n`,
            author: DANA,
            committer: gitHub,
            gpgsig: SIGNATURE,
          }),
        });
        const gpg = countingGpg(repo);

        const run = await cli(['check'], { cwd: repo.dir, env: gpg.env });
        expect(run.stdout).toContain(
          '| `signed-commits` | ❌ fail | 3 of 3 commits have signatures that cannot be verified here |',
        );
        expect(run.stdout).toContain(
          '`cannot_verify_locally` — signed by GitHub; git cannot check GitHub’s signature without GitHub’s public key',
        );
        expect(run.stdout).toContain('curl -fsSL https://github.com/web-flow.gpg | gpg --import');
        expect(run.stdout).not.toContain('not signed');
        expect(run.stdout).not.toContain('git rebase');
        expect(gpg.verifications()).toBe(0);
      },
    );
  });

  describe('errors: one line on stderr, exit 2, never a stack trace', () => {
    it('a bad --base ref', async () => {
      const repo = featureRepo();
      repo.commit('x', { 'a.md': 'a\n' });
      const run = await check(repo, '--base', 'no-such-branch');
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^quality-gates: unknown revision "no-such-branch" for --base/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });

    it('not a git repository', async () => {
      const dir = scratch();
      const run = await cli(['check'], {
        cwd: dir,
        env: hermeticEnv(dir, { GIT_CEILING_DIRECTORIES: path.dirname(dir) }),
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `quality-gates: not a git repository: ${dir} (run this inside a clone, or use git init)\n`,
      );
    });

    it('a repository without commits', async () => {
      const repo = Repo.init();
      const run = await check(repo);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe('quality-gates: the current branch has no commits yet; commit something first\n');
    });

    it('no base branch to compare with', async () => {
      const repo = Repo.init();
      repo.git('checkout', '-q', '-b', 'trunk');
      repo.commit('x', { 'a.md': 'a\n' });
      const run = await check(repo);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('no base branch');
      expect(run.stderr).toContain('pass --base REF');
    });

    it('an unreadable --config file', async () => {
      const repo = featureRepo();
      repo.commit('x', { 'a.md': 'a\n' });
      const run = await check(repo, '--config', 'missing.yml');
      expect(run.code).toBe(2);
      expect(run.stderr).toBe('quality-gates: cannot read missing.yml: no such file\n');
    });

    it('unknown options and commands', async () => {
      const repo = featureRepo();
      const bad = await check(repo, '--frobnicate');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe(
        'quality-gates: unknown option --frobnicate\nRun "quality-gates check --help" for usage.\n',
      );
      const missing = await check(repo, '--base');
      expect(missing.stderr).toContain('option --base needs a value');
      const unknown = await cli(['chekc'], { cwd: repo.dir, env: repo.env });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('unknown command "chekc"');
    });
  });

  it('colours the status words only on a terminal', async () => {
    const repo = featureRepo();
    repo.commit('PAY-1 Docs', { 'docs/a.md': 'a\n' }, { signoff: true });
    const tty = await cli(['check'], { cwd: repo.dir, env: repo.env, tty: true });
    expect(tty.stdout).toContain('\u001b[32mpass\u001b[0m');
    const noColor = await cli(['check'], { cwd: repo.dir, env: { ...repo.env, NO_COLOR: '1' }, tty: true });
    expect(noColor.stdout).not.toContain('\u001b[');
  });
});
