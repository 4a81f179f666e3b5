/**
 * Commands in pull request comments (`/gates recheck`), found before the webhook is answered.
 *
 * A comment is up to 65,536 characters of anyone's text, so finding a command must cost time
 * linear in a bounded prefix of it, whatever the text: a multiline regex such as
 * `/^\s*\/gates\s+recheck\s*$/im` retries every line start against every run of line
 * breaks after it, and took 2.8 s on 64 KB of `\n`. Here the body is cut to
 * `COMMAND_LIMITS.scanChars` and at most `COMMAND_LIMITS.lines` lines; each line is found with
 * `indexOf`, lines longer than `COMMAND_LIMITS.lineChars` are skipped unread, and a line is a
 * command when, trimmed, its first word is `/gates` and its second names a command (case
 * ignored). Quoted (`> /gates recheck`) and inline mentions are not commands.
 *
 * A command is a row of `COMMANDS`: its name and what may follow it on the line; the caller
 * routes on `name`. Only the first command of a comment counts.
 *
 * A line longer than `COMMAND_LIMITS.lineChars` is read only that far: such a line holds no
 * `args: 'none'` command, and an `args: 'rest'` command on it gets its first characters as
 * arguments (`truncated`), so a 64 KB override reason costs what a short one does.
 */

/** Bounds on the text a command is looked for in. */
export const COMMAND_LIMITS = {
  /** Only the first 16 KiB of a comment are read. */
  scanChars: 16 * 1024,
  /** Only the first 100 lines. */
  lines: 100,
  /** A longer line is not a command (and is not read). */
  lineChars: 1024,
} as const;

export type CommandLimits = { readonly [K in keyof typeof COMMAND_LIMITS]: number };

/** `none`: nothing may follow the command word; `rest`: the rest of the line is its argument text. */
type ArgumentShape = 'none' | 'rest';

/** The commands the app knows, by the word after `/gates`. */
export const COMMANDS = {
  recheck: { args: 'none' },
  /** `/gates override <gate-id|all|a,b> <reason>` (docs/overrides.md). */
  override: { args: 'rest' },
} as const satisfies Record<string, { readonly args: ArgumentShape }>;

export type CommandName = keyof typeof COMMANDS;

export interface Command {
  readonly name: CommandName;
  /** What followed the command word on its line, trimmed ('' for `args: 'none'`). */
  readonly args: string;
  /** True when the line was longer than `lineChars` and `args` holds only its start. */
  readonly truncated?: boolean;
}

/** The prefix every command starts with. */
export const COMMAND_PREFIX = '/gates';

/**
 * The first command in a comment body, or undefined. Linear in
 * `min(body.length, limits.scanChars)`; never throws, whatever `body` is.
 */
export function findCommand(body: unknown, limits: CommandLimits = COMMAND_LIMITS): Command | undefined {
  if (typeof body !== 'string') return undefined;
  const text = body.length > limits.scanChars ? body.slice(0, limits.scanChars) : body;
  let start = 0;
  for (let line = 0; line < limits.lines && start <= text.length; line++) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const long = end - start > limits.lineChars;
    const command = commandOnLine(text.slice(start, long ? start + limits.lineChars : end), long);
    if (command) return command;
    if (newline === -1) break;
    start = newline + 1;
  }
  return undefined;
}

function commandOnLine(line: string, truncated: boolean): Command | undefined {
  const trimmed = line.trim();
  if (
    trimmed.length <= COMMAND_PREFIX.length ||
    trimmed.slice(0, COMMAND_PREFIX.length).toLowerCase() !== COMMAND_PREFIX
  )
    return undefined;
  const afterPrefix = trimmed.slice(COMMAND_PREFIX.length);
  // `/gatesrecheck` is not a command: the prefix is a word of its own.
  if (afterPrefix.trimStart().length === afterPrefix.length) return undefined;
  const rest = afterPrefix.trimStart();
  const wordEnd = firstSpace(rest);
  const word = rest.slice(0, wordEnd).toLowerCase();
  if (!Object.hasOwn(COMMANDS, word)) return undefined;
  const name = word as CommandName;
  const args = rest.slice(wordEnd).trim();
  if (COMMANDS[name].args === 'none' && (args !== '' || truncated)) return undefined;
  return truncated ? { name, args, truncated } : { name, args };
}

function firstSpace(text: string): number {
  for (let i = 0; i < text.length; i++) if (text[i]!.trim() === '') return i;
  return text.length;
}
