/**
 * A small wrapper around the `git` executable for the command line: arguments
 * as arrays (never a shell), English messages (`LC_ALL=C`) so failures can be
 * classified, and errors that say what went wrong in words a user can act on
 * ("not a git repository", "unknown revision").
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Enough for the numstat of a very large branch; git output above this is refused, not truncated. */
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

export type GitErrorKind =
  'not-a-repository' | 'bad-revision' | 'no-commits' | 'git-missing' | 'git-too-old' | 'failed';

/** A git failure, with a message meant for the user (no stack trace is ever shown). */
export class GitError extends Error {
  constructor(
    readonly kind: GitErrorKind,
    message: string,
    readonly stderr = '',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GitError';
  }
}

export interface GitResult {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

export interface Git {
  /** The directory git runs in. */
  readonly cwd: string;
  /** The environment git runs with (for programs git would run itself, such as gpg). */
  readonly env: NodeJS.ProcessEnv;
  /** Runs git; resolves with any exit code (it rejects only when git cannot be started). */
  exec(args: readonly string[], options?: { input?: string }): Promise<GitResult>;
  /** Runs git and returns stdout as UTF-8; a non-zero exit becomes a `GitError`. */
  text(args: readonly string[], options?: { input?: string }): Promise<string>;
  /** Like `text`, but `null` on a non-zero exit (for questions whose "no" is an exit code). */
  maybe(args: readonly string[]): Promise<string | null>;
}

export function createGit(cwd: string, env: NodeJS.ProcessEnv = process.env): Git {
  const gitEnv: NodeJS.ProcessEnv = {
    ...env,
    LC_ALL: 'C', // English messages, so failures can be classified
    LANGUAGE: 'C',
    GIT_TERMINAL_PROMPT: '0', // never wait for credentials
    GIT_OPTIONAL_LOCKS: '0', // `git status` must not take the index lock
    GIT_PAGER: 'cat',
  };
  const exec = (args: readonly string[], options: { input?: string } = {}): Promise<GitResult> =>
    new Promise((resolve, reject) => {
      const child = execFile(
        'git',
        [...args],
        { cwd, env: gitEnv, encoding: 'buffer', maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true },
        (error, stdout, stderr) => {
          const err = error as (NodeJS.ErrnoException & { code?: unknown }) | null;
          if (err && (err.code === 'ENOENT' || err.code === 'EACCES')) {
            // Node reports a missing working directory as a missing program; tell them apart.
            reject(
              existsSync(cwd)
                ? new GitError('git-missing', 'git is not installed or not on PATH', '', { cause: err })
                : new GitError('failed', `no such directory: ${cwd}`, '', { cause: err }),
            );
            return;
          }
          if (err && err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
            reject(
              new GitError(
                'failed',
                `git ${args[0] ?? ''} printed more than ${MAX_OUTPUT_BYTES / (1024 * 1024)} MB`,
                '',
                { cause: err },
              ),
            );
            return;
          }
          let code = 0;
          if (err) code = typeof err.code === 'number' ? err.code : 1;
          resolve({ code, stdout: stdout as Buffer, stderr: (stderr as Buffer).toString('utf8') });
        },
      );
      child.stdin?.on('error', () => {}); // git may exit before reading all input
      child.stdin?.end(options.input ?? '');
    });

  const text = async (args: readonly string[], options?: { input?: string }): Promise<string> => {
    const result = await exec(args, options);
    if (result.code !== 0) throw classify(args, result.stderr, cwd);
    return result.stdout.toString('utf8');
  };
  const maybe = async (args: readonly string[]): Promise<string | null> => {
    const result = await exec(args);
    return result.code === 0 ? result.stdout.toString('utf8') : null;
  };
  return { cwd, env: gitEnv, exec, text, maybe };
}

/** Turns git's stderr into a `GitError` a user can act on. */
export function classify(args: readonly string[], stderr: string, cwd: string): GitError {
  const first = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('fatal:') || l.startsWith('error:'));
  const said = (first ?? stderr.trim().split('\n')[0] ?? '').replace(/^(fatal|error):\s*/, '');
  if (/not a git repository/i.test(stderr)) {
    return new GitError(
      'not-a-repository',
      `not a git repository: ${cwd} (run this inside a clone, or use git init)`,
      stderr,
    );
  }
  if (/does not have any commits yet|ambiguous argument 'HEAD'|bad default revision 'HEAD'/i.test(stderr)) {
    return new GitError('no-commits', 'the current branch has no commits yet; commit something first', stderr);
  }
  if (
    /unknown revision|bad revision|not a valid object name|needed a single revision|invalid object name|bad object/i.test(
      stderr,
    )
  ) {
    return new GitError('bad-revision', said || 'unknown revision', stderr);
  }
  return new GitError('failed', `git ${args[0] ?? ''} failed${said ? `: ${said}` : ''}`, stderr);
}

// ---- version ---------------------------------------------------------------------------

/**
 * The oldest git `check` supports: 2.30 taught `git rev-parse` `--end-of-options`, which
 * keeps a ref given on the command line (`--base`) from being read as an option.
 */
export const MIN_GIT_VERSION = [2, 30] as const;

/**
 * `git --version` as numbers: `git version 2.39.5` → [2, 39, 5]; vendor suffixes are ignored
 * (`2.45.1.windows.1`, `2.39.3 (Apple Git-146)`, `2.30.0.rc1`). `null` when it is not git's answer.
 */
export function parseGitVersion(out: string): [number, number, number] | null {
  const match = /^git version (\d+)\.(\d+)(?:\.(\d+))?/.exec(out.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : null;
}

/** Why this git is too old for `check`, or null when it is recent enough (or says an unknown version). */
export function gitVersionProblem(out: string): string | null {
  const version = parseGitVersion(out);
  if (!version) return null; // a build that names itself differently: let it try
  const [major, minor] = version;
  const [minMajor, minMinor] = MIN_GIT_VERSION;
  if (major > minMajor || (major === minMajor && minor >= minMinor)) return null;
  return `git ${version.join('.')} is too old: quality-gates check needs git ${MIN_GIT_VERSION.join('.')} or later; upgrade the git on PATH`;
}

/** Fails with a `GitError` when the git on PATH is older than `MIN_GIT_VERSION`. */
export async function requireGitVersion(git: Git): Promise<void> {
  const result = await git.exec(['--version']);
  const problem = result.code === 0 ? gitVersionProblem(result.stdout.toString('utf8')) : null;
  if (problem) throw new GitError('git-too-old', problem);
}
