/** `quality-gates validate [FILE]`: checks a config file against the app's schema, locating every problem. */
import path from 'node:path';
import { formatProblem, parseConfigText } from '../../load/config/parse.js';
import { CONFIG_PATH } from '../../../gates/config.js';
import { createGit } from '../../load/git.js';
import { repositoryRoot } from '../../load/git-loader.js';
import { CliError, EXIT, parseCommandArgs, readTextFile, write, type CliContext } from '../io.js';

export const VALIDATE_HELP = `Usage: quality-gates validate [FILE]

Validates a Quality Gates config file with the app's own schema and prints
its problems, sorted by line, as "file:line:column key.path: message": the
first 25, then how many more. The messages are those of the check run's
"Configuration error", listed in docs/configuration.md.

FILE defaults to ${CONFIG_PATH} at the top of the git repository you are in
(or in the current directory outside a repository). The file is checked on its
own: an _extends target is not read.

Exit status: 0 valid; 1 invalid; 2 the file cannot be read, or a usage error.

Options:
  -h, --help   show this help
`;

export async function runValidate(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('validate', args, { help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    await write(ctx.stdout, VALIDATE_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 1) throw new CliError(`validate takes one file, not ${positionals.length}`);
  const given = positionals[0];
  const file = given !== undefined ? path.resolve(ctx.cwd, given) : path.join(await defaultRoot(ctx), CONFIG_PATH);
  const label = given ?? (path.relative(ctx.cwd, file) || file);

  const text = await readTextFile(file, label);
  const parsed = parseConfigText(text, label);
  if (parsed.kind === 'invalid') {
    // Sorted by line; the first 25 listed, the rest counted in a last line ("and 1,475 more problems").
    await write(ctx.stdout, parsed.problems.map((p) => `${formatProblem(p)}\n`).join(''));
    const n = parsed.total;
    await write(
      ctx.stderr,
      `quality-gates: ${label} is invalid (${n.toLocaleString('en-US')} ${n === 1 ? 'problem' : 'problems'})\n`,
    );
    return EXIT.blocked;
  }
  await write(ctx.stdout, `${label}: valid\n`);
  const ext = parsed.raw._extends;
  if (typeof ext === 'string') {
    await write(ctx.stderr, `quality-gates: note: ${label} extends "${ext}", which validate does not read\n`);
  }
  return EXIT.ok;
}

/** The repository's top level, or the working directory outside a repository. */
async function defaultRoot(ctx: CliContext): Promise<string> {
  try {
    return await repositoryRoot(createGit(ctx.cwd, ctx.env));
  } catch {
    return ctx.cwd;
  }
}
