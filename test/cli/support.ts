/**
 * End-to-end support for the CLI tests: hermetic temporary git repositories (real
 * `git`, no system or user config, identities through `-c`) and an in-process run
 * of the command (`runCli`) that captures stdout, stderr and the exit code.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/run.js';
import { FINGERPRINT, PUBLIC_KEY } from '../fixtures/openpgp-fixture.js';

const created: string[] = [];

/** A scratch directory, removed by `cleanup()`. */
export function scratch(prefix = 'qg-cli-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function cleanup(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The environment git and the command see: nothing from the developer's machine but PATH. */
export function hermeticEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GNUPGHOME: path.join(home, '.gnupg'),
    TZ: 'UTC',
    ...extra,
  };
}

export interface Identity {
  readonly name: string;
  readonly email: string;
}

export const DANA: Identity = { name: 'Dana Developer', email: 'dana@example.com' };

export class Repo {
  readonly env: NodeJS.ProcessEnv;
  constructor(
    readonly dir: string,
    readonly home: string,
  ) {
    this.env = hermeticEnv(home);
  }

  /** A new repository on branch `main`. */
  static init(): Repo {
    const root = scratch();
    const home = path.join(root, 'home');
    const dir = path.join(root, 'repo');
    mkdirSync(home);
    mkdirSync(dir);
    const repo = new Repo(dir, home);
    repo.git('init', '-q', '-b', 'main');
    return repo;
  }

  git(...args: string[]): string {
    return execFileSync('git', args, {
      cwd: this.dir,
      env: this.env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  write(files: Record<string, string | Buffer>): this {
    for (const [file, content] of Object.entries(files)) {
      const abs = path.join(this.dir, file);
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, content);
    }
    return this;
  }

  /** Writes the files, stages everything and commits; returns the new commit's sha. */
  commit(
    message: string,
    files: Record<string, string | Buffer> = {},
    options: { signoff?: boolean; author?: Identity; config?: string[] } = {},
  ): string {
    this.write(files);
    this.git('add', '-A');
    const who = options.author ?? DANA;
    const config = [
      '-c',
      `user.name=${who.name}`,
      '-c',
      `user.email=${who.email}`,
      ...(options.config ?? []).flatMap((c) => ['-c', c]),
    ];
    this.git(...config, 'commit', '-q', '--allow-empty', '-m', message, ...(options.signoff ? ['-s'] : []));
    return this.git('rev-parse', 'HEAD').trim();
  }

  branch(name: string): this {
    this.git('checkout', '-q', '-b', name);
    return this;
  }

  checkout(name: string): this {
    this.git('checkout', '-q', name);
    return this;
  }
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `quality-gates <argv>` in-process, as a user would in `cwd`. */
export async function cli(
  argv: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string; tty?: boolean },
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    cwd: options.cwd,
    env: options.env,
    stdin: options.stdin === undefined ? undefined : Readable.from([options.stdin]),
    stdout: {
      write: (s: string) => {
        out.push(s);
        return true;
      },
      isTTY: options.tty === true,
    },
    stderr: {
      write: (s: string) => {
        err.push(s);
        return true;
      },
    },
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** `n` numbered lines. */
export const lines = (n: number, prefix = 'line') =>
  Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`).join('\n') + '\n';

/** Config that lets a small, signed-off change pass everything but code owners. */
export const SIGNOFF_CONFIG = 'gates:\n  signed-commits:\n    require: signoff\n';

/** True when `gpg` runs here (Debian's `gnupg`); tests that need it are skipped without. */
export const hasGpg = (() => {
  try {
    execFileSync('gpg', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * A `gpg.program` that counts the signatures git asks gpg to verify, then runs gpg: `env` is the
 * repository's environment with it configured; `verifications()` the count so far.
 */
export function countingGpg(repo: Repo): { env: NodeJS.ProcessEnv; verifications: () => number } {
  const log = path.join(repo.home, 'gpg-verify.log');
  const wrapper = path.join(repo.home, 'gpg-wrapper');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nfor a in "$@"; do [ "$a" = "--verify" ] && echo verify >> '${log}'; done\nexec gpg "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  return {
    env: { ...repo.env, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'gpg.program', GIT_CONFIG_VALUE_0: wrapper },
    verifications: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0),
  };
}

/** Imports the fixture's public key into the repository's keyring, trusted, so its signatures verify. */
export function importFixtureKey(repo: Repo): void {
  execFileSync('gpg', ['--batch', '--import'], {
    env: repo.env,
    input: PUBLIC_KEY,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  execFileSync('gpg', ['--batch', '--import-ownertrust'], {
    env: repo.env,
    input: `${FINGERPRINT}:6:\n`,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
}
