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

export type GitErrorKind = 'not-a-repository' | 'bad-revision' | 'no-commits' | 'git-missing' | 'failed';

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
            reject(new GitError('failed', `git ${args[0] ?? ''} printed more than ${MAX_OUTPUT_BYTES / (1024 * 1024)} MB`, '', { cause: err }));
            return;
          }
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
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
  return { cwd, exec, text, maybe };
}

/** Turns git's stderr into a `GitError` a user can act on. */
export function classify(args: readonly string[], stderr: string, cwd: string): GitError {
  const first = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('fatal:') || l.startsWith('error:'));
  const said = (first ?? stderr.trim().split('\n')[0] ?? '').replace(/^(fatal|error):\s*/, '');
  if (/not a git repository/i.test(stderr)) {
    return new GitError('not-a-repository', `not a git repository: ${cwd} (run this inside a clone, or use git init)`, stderr);
  }
  if (/does not have any commits yet|ambiguous argument 'HEAD'|bad default revision 'HEAD'/i.test(stderr)) {
    return new GitError('no-commits', 'the current branch has no commits yet; commit something first', stderr);
  }
  if (/unknown revision|bad revision|not a valid object name|needed a single revision|invalid object name|bad object/i.test(stderr)) {
    return new GitError('bad-revision', said || 'unknown revision', stderr);
  }
  return new GitError('failed', `git ${args[0] ?? ''} failed${said ? `: ${said}` : ''}`, stderr);
}
