/**
 * `npm run bench:cli`: `quality-gates check` on a branch of 3,500 commits (BENCH_CLI_COMMITS), the
 * shape that took 51 s on go-ethereum. Generates the repository (test/fixtures/git-history.ts), then runs
 * the built command (`node dist/src/cli/main.js check --base main --json`) five times per case and
 * prints the wall time of each run, from process start to exit:
 *
 *   1. every commit signed by GitHub (committer noreply@github.com, an OpenPGP signature whose key
 *      is not in the keyring) — squash merges, as on go-ethereum;
 *   2. the same, with the signing key in the keyring: gpg verifies each of the 250 listed commits;
 *   3. no commit signed;
 *   4. case 2 with `require: signoff`: no gate needs the signatures, so none is verified.
 *
 * Each commit adds one file, so the diff has 3,500 files (3,000 listed, as on GitHub). Git, gpg and
 * HOME come from a scratch directory; nothing from the developer's configuration is read.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeHistory, type Person } from '../test/fixtures/git-history.js';
import { FINGERPRINT, PUBLIC_KEY, SIGNATURE } from '../test/fixtures/openpgp-fixture.js';
import { ROOT } from './processes.js';
import { median, ms, table } from './stats.js';

const COMMITS = Number(process.env.BENCH_CLI_COMMITS ?? 3500);
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 5);
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const DANA: Person = { name: 'Dana Developer', email: 'dana@example.com' };
const GITHUB: Person = { name: 'GitHub', email: 'noreply@github.com' };

interface Case {
  readonly name: string;
  readonly signed: boolean;
  readonly keyInKeyring: boolean;
  readonly config?: string;
}

const CASES: readonly Case[] = [
  { name: 'signed by GitHub, key not in the keyring', signed: true, keyInKeyring: false },
  { name: 'signed, key in the keyring (250 verified)', signed: true, keyInKeyring: true },
  { name: 'unsigned', signed: false, keyInKeyring: false },
  {
    name: 'signed, key in the keyring, require: signoff',
    signed: true,
    keyInKeyring: true,
    config: 'gates:\n  signed-commits:\n    require: signoff\n',
  },
];

function prepare(root: string, c: Case): { dir: string; env: NodeJS.ProcessEnv; generateMs: number } {
  const home = path.join(root, 'home');
  const dir = path.join(root, 'repo');
  mkdirSync(path.join(home, '.gnupg'), { recursive: true, mode: 0o700 });
  mkdirSync(dir);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    GNUPGHOME: path.join(home, '.gnupg'),
    GIT_CONFIG_NOSYSTEM: '1',
    TZ: 'UTC',
  };
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', `user.name=${DANA.name}`, '-c', `user.email=${DANA.email}`, ...args], {
      cwd: dir,
      env,
      stdio: 'ignore',
    });
  git('init', '-q', '-b', 'main');
  if (c.config) {
    mkdirSync(path.join(dir, '.github'));
    writeFileSync(path.join(dir, '.github', 'quality-gates.yml'), c.config);
  }
  writeFileSync(path.join(dir, 'README.md'), 'bench\n');
  writeFileSync(path.join(dir, 'CODEOWNERS'), '* @acme/core\n/gen/ @acme/generated @tobias-\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'Initial commit');
  git('checkout', '-q', '-b', 'feature/PAY-1-long');
  if (c.keyInKeyring) {
    execFileSync('gpg', ['--batch', '--import'], { env, input: PUBLIC_KEY, stdio: ['pipe', 'ignore', 'ignore'] });
    execFileSync('gpg', ['--batch', '--import-ownertrust'], {
      env,
      input: `${FINGERPRINT}:6:\n`,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
  }
  const start = performance.now();
  writeHistory({
    dir,
    env,
    count: COMMITS,
    commit: (i) => ({
      message: `Change ${i} (#${1000 + i})\n`,
      author: DANA,
      ...(c.signed ? { committer: GITHUB, gpgsig: SIGNATURE } : {}),
    }),
  });
  return { dir, env, generateMs: performance.now() - start };
}

function timeCheck(dir: string, env: NodeJS.ProcessEnv): { ms: number; exit: number | null; conclusion: string } {
  const start = performance.now();
  const run = spawnSync(process.execPath, [CLI, 'check', '--base', 'main', '--json'], {
    cwd: dir,
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const elapsed = performance.now() - start;
  let conclusion = 'n/a';
  try {
    conclusion = (JSON.parse(run.stdout) as { title: string }).title;
  } catch {
    conclusion = `no JSON: ${run.stderr.trim().split('\n')[0] ?? ''}`;
  }
  return { ms: elapsed, exit: run.status, conclusion };
}

const rows: string[][] = [];
for (const c of CASES) {
  const root = mkdtempSync(path.join(tmpdir(), 'qg-bench-cli-'));
  try {
    const { dir, env, generateMs } = prepare(root, c);
    const times: number[] = [];
    let last = { ms: 0, exit: null as number | null, conclusion: '' };
    for (let i = 0; i < RUNS; i++) {
      last = timeCheck(dir, env);
      times.push(last.ms);
    }
    rows.push([
      c.name,
      ms(median(times)),
      ms(Math.min(...times)),
      ms(Math.max(...times)),
      String(last.exit),
      last.conclusion,
      ms(generateMs),
    ]);
    process.stderr.write(`done: ${c.name}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const git = execFileSync('git', ['--version'], { encoding: 'utf8' }).trim();
process.stdout.write(
  `quality-gates check --base main --json on ${COMMITS.toLocaleString('en-US')} commits (${git}, node ${process.version}, ${RUNS} runs each)\n\n`,
);
process.stdout.write(`${table(['case', 'median', 'min', 'max', 'exit', 'title', 'generate'], rows)}\n`);
