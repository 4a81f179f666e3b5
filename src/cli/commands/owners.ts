/**
 * `quality-gates owners [--codeowners FILE] [PATH ...]`: the code owners of each path,
 * with the same CODEOWNERS parser and matcher as the codeowners-review gate.
 *
 * One line per path: the path, a tab, its owners as written in CODEOWNERS separated by
 * single spaces, or `-` when unowned. Paths come from the arguments, or one per line on
 * standard input, streamed, so thousands of paths cost one process.
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import path from 'node:path';
import { stat } from 'node:fs/promises';
import { compileCodeowners, type CompiledCodeowners } from '../../../gates/lib/codeowners/match.js';
import { createGit } from '../../load/git.js';
import { CODEOWNERS_PATHS, repositoryRoot } from '../../load/git-loader.js';
import { CliError, EXIT, fsReason, parseCommandArgs, readTextFile, write, type CliContext } from '../io.js';

export const OWNERS_HELP = `Usage: quality-gates owners [--codeowners FILE] [PATH ...]

Prints the code owners of each PATH, one line per path:

  <path><TAB><owners as written in CODEOWNERS, separated by single spaces>

or "-" after the tab when the path has no owner (no line matches it, or the last
matching line lists no owners). Paths are relative to the repository root, as in
a pull request. Without PATH arguments, paths are read from standard input, one
per line, so a long list costs one process:

  git diff --name-only main... | quality-gates owners

Without --codeowners, the repository's CODEOWNERS is used, found the way GitHub
finds it: the first of .github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS at the top
of the working tree. Lines GitHub would skip (negation, [ ] ranges, malformed
owners, ...) are reported on standard error as "file:line: reason: text".

Exit status: 0 done; 2 no CODEOWNERS file, an unreadable file, or a usage error.

Options:
      --codeowners FILE   the CODEOWNERS file to use
  -h, --help              show this help
`;

/** Output lines buffered before a write. */
const FLUSH_LINES = 512;

export async function runOwners(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'owners',
    args,
    { codeowners: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help) {
    await write(ctx.stdout, OWNERS_HELP);
    return EXIT.ok;
  }
  const file =
    values.codeowners !== undefined
      ? { abs: path.resolve(ctx.cwd, values.codeowners), label: values.codeowners }
      : await findCodeowners(ctx);
  const compiled = compileCodeowners(await readTextFile(file.abs, file.label));
  await write(
    ctx.stderr,
    compiled.problems.map((p) => `${file.label}:${p.line}: skipped: ${p.reason}: ${p.text}\n`).join(''),
  );

  let buffer: string[] = [];
  const flush = async () => {
    if (buffer.length === 0) return;
    const text = buffer.join('');
    buffer = [];
    await write(ctx.stdout, text);
  };
  const emit = async (p: string) => {
    buffer.push(ownersLine(compiled, p));
    if (buffer.length >= FLUSH_LINES) await flush();
  };

  if (positionals.length > 0) {
    for (const p of positionals) await emit(p);
  } else if (ctx.stdin) {
    if (ctx.stdin.isTTY)
      await write(ctx.stderr, 'quality-gates: reading paths from standard input, one per line (end with Ctrl-D)\n');
    const lines = createInterface({ input: Readable.from(ctx.stdin), crlfDelay: Infinity });
    for await (const line of lines) {
      const p = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (p.trim() === '') continue;
      await emit(p);
    }
  }
  await flush();
  return EXIT.ok;
}

/** `path<TAB>owner owner` or `path<TAB>-`; the path as given, matched from the repository root. */
export function ownersLine(compiled: CompiledCodeowners, given: string): string {
  const owners = compiled.ownersOf(normalizePath(given));
  return `${given}\t${owners.length > 0 ? owners.map((o) => o.text).join(' ') : '-'}\n`;
}

/** `./docs/a.md` and `/docs/a.md` name `docs/a.md`: paths are matched from the repository root. */
export function normalizePath(p: string): string {
  let out = p;
  while (out.startsWith('./')) out = out.slice(2);
  return out.replace(/^\/+/, '');
}

/** The CODEOWNERS GitHub would use: the first of the three places, in the working tree. */
async function findCodeowners(ctx: CliContext): Promise<{ abs: string; label: string }> {
  let root = ctx.cwd;
  try {
    root = await repositoryRoot(createGit(ctx.cwd, ctx.env));
  } catch {
    // Outside a repository, the current directory is the root.
  }
  for (const candidate of CODEOWNERS_PATHS) {
    const abs = path.join(root, candidate);
    try {
      if ((await stat(abs)).isFile()) return { abs, label: path.relative(ctx.cwd, abs) || abs };
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT' && (error as { code?: string }).code !== 'ENOTDIR') {
        throw new CliError(`cannot read ${abs}: ${fsReason(error)}`);
      }
    }
  }
  throw new CliError(
    `no CODEOWNERS file in ${root} (looked for ${CODEOWNERS_PATHS.join(', ')}); pass --codeowners FILE`,
  );
}
