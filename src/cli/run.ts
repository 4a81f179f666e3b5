/**
 * The `quality-gates` command line, callable in-process: `runCli(argv, io)` resolves
 * to the exit code and never throws or prints a stack trace. `main.ts` wires it to the
 * process; the end-to-end tests call it with a temporary repository as `cwd`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GitError } from '../load/git.js';
import { LocalRunError } from '../load/git-loader.js';
import { CliError, EXIT, UsageError, messageOf, type CliContext, type CliInput, type CliOutput } from './io.js';

export interface RunOptions {
  /** Default `process.cwd()`. */
  readonly cwd?: string;
  /** Default `process.env`; git runs with it. */
  readonly env?: NodeJS.ProcessEnv;
  readonly stdin?: CliInput;
  readonly stdout?: CliOutput;
  readonly stderr?: CliOutput;
}

type Command = (args: readonly string[], ctx: CliContext) => Promise<number>;

/** Loaded on use: `owners` and `--help` do not pay for the gates, zod and the YAML parser. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  check: async () => (await import('./commands/check.js')).runCheck,
  validate: async () => (await import('./commands/validate.js')).runValidate,
  owners: async () => (await import('./commands/owners.js')).runOwners,
  schema: async () => (await import('./commands/schema.js')).runSchema,
};

export const MAIN_HELP = `Usage: quality-gates <command> [options]

Quality Gates on the command line: the app's config schema, gates and renderer,
run against a local git repository.

Commands:
  check      evaluate the current branch as the pull request it would open
  validate   validate a .github/quality-gates.yml file
  owners     print the CODEOWNERS owners of paths
  schema     print the JSON Schema of the config file

Run "quality-gates <command> --help" for a command's options.

Options:
  -h, --help      show this help
  -V, --version   print the version

Exit status: 0 ok; 1 a gate blocks (check) or the file is invalid (validate);
2 usage, repository, file or configuration error.
`;

export async function runCli(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const ctx: CliContext = {
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? process.env,
    stdin: options.stdin,
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
  };
  try {
    return await dispatch(argv, ctx);
  } catch (error) {
    return report(error, ctx);
  }
}

async function dispatch(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    ctx.stderr.write(MAIN_HELP);
    return EXIT.error;
  }
  if (first === '-h' || first === '--help') {
    ctx.stdout.write(MAIN_HELP);
    return EXIT.ok;
  }
  if (first === '-V' || first === '--version') {
    ctx.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  if (first === 'help') {
    const [topic] = rest;
    if (topic === undefined) {
      ctx.stdout.write(MAIN_HELP);
      return EXIT.ok;
    }
    const load = Object.hasOwn(COMMANDS, topic) ? COMMANDS[topic] : undefined;
    if (!load) throw new UsageError(`unknown command "${topic}"`);
    return (await load())(['--help'], ctx);
  }
  const load = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!load) {
    throw new UsageError(
      first.startsWith('-')
        ? `unknown option ${first}`
        : `unknown command "${first}"; commands: ${Object.keys(COMMANDS).join(', ')}`,
    );
  }
  return (await load())(rest, ctx);
}

/** One line on stderr, exit 2. Unexpected errors name the error class, but never print a stack. */
function report(error: unknown, ctx: CliContext): number {
  if (error instanceof UsageError) {
    const help = error.command ? `quality-gates ${error.command} --help` : 'quality-gates --help';
    ctx.stderr.write(`quality-gates: ${error.message}\nRun "${help}" for usage.\n`);
  } else if (error instanceof CliError || error instanceof GitError || error instanceof LocalRunError) {
    ctx.stderr.write(`quality-gates: ${error.message}\n`);
  } else {
    const name = error instanceof Error && error.name !== 'Error' ? `${error.name}: ` : '';
    ctx.stderr.write(`quality-gates: unexpected error: ${name}${messageOf(error)}\n`);
  }
  return EXIT.error;
}

/** The package version, from the package.json above this file (in src/ or dist/src/). */
function version(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'quality-gates' && pkg.version) return pkg.version;
      } catch {
        // keep looking
      }
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}
