/**
 * What every command gets: its working directory, environment and streams
 * (injected, so the end-to-end tests run the real command in-process), plus
 * argument parsing and errors that end as one line on stderr, never a stack.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface CliOutput {
  write(chunk: string): boolean;
  readonly isTTY?: boolean;
  once?(event: 'drain', listener: () => void): unknown;
}

export interface CliInput extends AsyncIterable<string | Buffer> {
  readonly isTTY?: boolean;
}

export interface CliContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdin: CliInput | undefined;
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
}

/** Exit codes of every command. */
export const EXIT = {
  /** Nothing blocks; the file is valid; the command did what was asked. */
  ok: 0,
  /** A gate blocks (`check`); the file is invalid (`validate`). */
  blocked: 1,
  /** Usage, configuration, repository or file errors. */
  error: 2,
} as const;

/** A mistake in the command line: reported with a pointer to `--help`, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/** A failure the user can act on (missing file, bad ref): reported as is, exit 2. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** `node:util` parseArgs with short, user-facing messages instead of Node's. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: readonly string[],
  options: T,
  allowPositionals: boolean,
) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (error) {
    const e = error as { code?: string; message?: string };
    const quoted = /'([^']+)'/.exec(e.message ?? '')?.[1] ?? '';
    switch (e.code) {
      case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
        throw new UsageError(`unknown option ${quoted.split(' ')[0]}`, command);
      case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
        throw new UsageError(
          /argument missing/.test(e.message ?? '')
            ? `option ${quoted.split(' ')[0]} needs a value`
            : (e.message ?? 'invalid option value'),
          command,
        );
      case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
        throw new UsageError(`unexpected argument ${quoted ? `"${quoted}"` : ''}`.trim(), command);
      default:
        throw new UsageError(e.message ?? String(error), command);
    }
  }
}

/** Writes, waiting for the stream to drain when it asks (large `owners` outputs). */
export async function write(out: CliOutput, text: string): Promise<void> {
  if (out.write(text) || !out.once) return;
  await new Promise<void>((resolve) => out.once!('drain', resolve));
}

/** Colour only for a terminal, never with NO_COLOR (https://no-color.org); FORCE_COLOR forces it. */
export function useColor(out: CliOutput, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0';
  return out.isTTY === true && env.TERM !== 'dumb';
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Reads a text file; an unreadable file is a CLI error (exit 2), with the reason in words. */
export async function readTextFile(file: string, label: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${label}: ${fsReason(error)}`);
  }
}

export function fsReason(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
