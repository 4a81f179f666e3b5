/**
 * `quality-gates check`: evaluates the current branch as the pull request it would open,
 * with the app's config resolution, gates and renderer, and prints what the check run
 * would say.
 *
 * Exit status: 0 nothing blocks (success or skipped); 1 a gate blocks; 2 a usage,
 * repository or configuration error.
 */
import path from 'node:path';
import { plain, type DetailBlock, type Text } from '../../../gates/gate.js';
import { renderCheckRun, codeSpan, escapeMarkdown } from '../../checks/render.js';
import { conclusionOf, titleOf, type CheckConclusion, type Verdict } from '../../checks/verdict.js';
import type { ConfigProblem } from '../../load/config/parse.js';
import { resolveConfig, type ConfigResult, type ConfigSource, type ExtendsTarget } from '../../load/config/resolve.js';
import { CONFIG_PATH, type QualityGatesConfig } from '../../../gates/config.js';
import { enabledGates, verdictFor } from '../../pipeline/run-gates.js';
import { createGit, requireGitVersion } from '../../load/git.js';
import {
  loadLocalPullRequest,
  openLocalRepository,
  repositoryRoot,
  type LocalPullRequest,
  type LocalRepository,
} from '../../load/git-loader.js';
import { CliError, EXIT, parseCommandArgs, readTextFile, useColor, write, type CliContext } from '../io.js';

export const CHECK_HELP = `Usage: quality-gates check [--base REF] [--config FILE] [--title TEXT] [--body TEXT] [--json]

Evaluates the current branch as the pull request it would open, with the same
config, gates and renderer as the app, and prints what the check run would say:
its title, the table of gates, and how to fix what fails.

  - Changes: the commits on HEAD that are not on REF, and the files they change
    from the merge base with REF (rename-aware; binary files count 0 lines).
    Uncommitted changes are not evaluated.
  - Config: ${CONFIG_PATH} read at REF, the way the app reads the pull
    request's base branch (a change to it on this branch does not apply), or
    --config FILE. The organisation's .github repository and _extends targets in
    other repositories cannot be read offline: their keys are left out, and a
    note says so.
  - Commits: the first 250, as GitHub lists them; signature status as local git
    can verify it (a signature git cannot check here is "cannot_verify_locally",
    not "unsigned"); Signed-off-by trailers.
  - Title: --title, else HEAD's subject. Body: --body, else empty; the pull
    request templates are read at REF, as the app reads the base branch's.
  - Age: the pull request is not open yet, so branch-age reports its age as
    not known and counts the commits HEAD is behind REF with git.
  - Reviews: none are known locally, so codeowners-review lists whose approval
    each group of changed files will need.

Options:
      --base REF      branch, tag or commit the pull request would target
                      (default: the remote's default branch, origin/HEAD, else main)
      --config FILE   read the config from FILE instead of REF
      --title TEXT    the pull request title (default: HEAD's subject)
      --body TEXT     the pull request description (default: empty)
      --json          print a JSON report instead of Markdown
  -h, --help          show this help

Needs git 2.30 or later.

Exit status: 0 nothing blocks; 1 a gate blocks; 2 usage, repository or configuration error.
`;

const OPTIONS = {
  base: { type: 'string' },
  config: { type: 'string' },
  title: { type: 'string' },
  body: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runCheck(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs('check', args, OPTIONS, false);
  if (values.help) {
    await write(ctx.stdout, CHECK_HELP);
    return EXIT.ok;
  }
  await requireGitVersion(createGit(ctx.cwd, ctx.env));
  const root = await repositoryRoot(createGit(ctx.cwd, ctx.env));
  const git = createGit(root, ctx.env);
  const repo = await openLocalRepository(git, { base: values.base });
  // The config first: it says whether any gate needs the commits' signatures verified.
  const loaded = await loadConfig(repo, values.config, ctx);
  const local = await loadLocalPullRequest(git, repo, {
    title: values.title,
    body: values.body,
    env: ctx.env,
    verifySignatures: needsSignatures(loaded.result),
  });

  let verdict: Verdict;
  let config: QualityGatesConfig | undefined;
  if (loaded.result.kind === 'invalid') {
    verdict = { kind: 'config-error', problems: loaded.result.problems, fix: configFix(repo, values.config) };
  } else if (loaded.result.kind === 'load-error') {
    throw new CliError(loaded.result.message);
  } else {
    config = loaded.result.config;
    verdict = verdictFor(local.snapshot, config, { notes: false });
  }

  const notes = [...localNotes(local, config), ...loaded.notes];
  const output = renderCheckRun(verdict);
  const exitCode = exitCodeOf(verdict);
  if (values.json) {
    await write(
      ctx.stdout,
      `${JSON.stringify(jsonReport(local, verdict, output, notes, loaded, exitCode), null, 2)}\n`,
    );
  } else {
    const name = config?.checks.name ?? 'Quality Gates';
    const text = [
      `# ${escapeMarkdown(name)} — ${escapeMarkdown(output.title)}`,
      ...notes.map((n) => n.markdown),
      output.summary,
    ].join('\n\n');
    await write(ctx.stdout, `${useColor(ctx.stdout, ctx.env) ? colorize(text, output.conclusion) : text}\n`);
  }
  return exitCode;
}

/** Whether signed-commits will look at signatures: on, and requiring more than a sign-off. */
function needsSignatures(result: ConfigResult): boolean {
  if (result.kind !== 'ok' && result.kind !== 'missing') return false;
  const enabled = enabledGates(result.config).some((g) => g.gate.id === 'signed-commits');
  return enabled && result.config.gates['signed-commits'].require !== 'signoff';
}

export function exitCodeOf(verdict: Verdict): number {
  if (verdict.kind === 'config-error') return EXIT.error;
  return conclusionOf(verdict) === 'failure' ? EXIT.blocked : EXIT.ok;
}

// ---- config ---------------------------------------------------------------------------

interface Note {
  /** For the terminal (Markdown, user text escaped). */
  readonly markdown: string;
  /** For `--json`. */
  readonly text: string;
}

const note = (parts: readonly (string | { code: string })[]): Note => ({
  markdown: parts.map((p) => (typeof p === 'string' ? escapeMarkdown(p) : codeSpan(p.code))).join(''),
  text: parts.map((p) => (typeof p === 'string' ? p : p.code)).join(''),
});

interface LoadedConfig {
  readonly result: ConfigResult;
  /** Where the config came from, for the JSON report. */
  readonly file: string | null;
  readonly notes: Note[];
}

/** Marks a config file the command cannot read offline; it contributes no keys. */
const OFFLINE = ' (not read: offline)';

/**
 * The config as the app resolves it, from what a local repository holds: the file at the base
 * ref (or `--config`), and `_extends` targets in this same repository (read at the base ref).
 * The organisation's file and other repositories cannot be read offline: they stand in as empty
 * files, so the local file's own keys apply over the built-in defaults, and a note says so.
 */
async function loadConfig(
  local: LocalRepository,
  configFile: string | undefined,
  ctx: CliContext,
): Promise<LoadedConfig> {
  const notes: Note[] = [];
  const { owner, name } = local.repository;
  let repoFile: ConfigSource | null;
  if (configFile !== undefined) {
    repoFile = { file: configFile, text: await readTextFile(path.resolve(ctx.cwd, configFile), configFile) };
  } else {
    const blob = await local.readBaseFile(CONFIG_PATH);
    const label = `${CONFIG_PATH}@${local.base.ref}`;
    if (blob && blob.text === null) {
      return {
        result: { kind: 'invalid', problems: [problem(label, 'the file is not UTF-8 text')] },
        file: label,
        notes,
      };
    }
    repoFile = blob ? { file: label, text: blob.text ?? '' } : null;
  }

  const orgLabel = `${owner || '<owner>'}/.github:${CONFIG_PATH}${OFFLINE}`;
  const orgFile: ConfigSource | null = repoFile ? { file: orgLabel, text: '' } : null;
  const fetchFile = async (target: ExtendsTarget): Promise<ConfigSource | null> => {
    const sameRepo =
      target.owner.toLowerCase() === owner.toLowerCase() && target.repo.toLowerCase() === name.toLowerCase();
    if (!sameRepo) return { file: `${target.owner}/${target.repo}:${target.path}${OFFLINE}`, text: '' };
    const blob = await local.readBaseFile(target.path);
    return blob ? { file: `${target.path}@${local.base.ref}`, text: blob.text ?? '' } : null;
  };
  const result = await resolveConfig({ owner, repoFile, orgFile, fetchFile });

  if (result.kind === 'missing') {
    notes.push(
      note([
        'No ',
        { code: CONFIG_PATH },
        ' at ',
        { code: local.base.ref },
        ": the built-in defaults apply. On GitHub, the organisation's ",
        { code: '.github' },
        ' repository file would apply if it has one; it cannot be read offline (pass --config FILE to use a copy).',
      ]),
    );
  }
  if (result.kind === 'ok') {
    const offline = result.sources.filter((s) => s.endsWith(OFFLINE)).map((s) => s.slice(0, -OFFLINE.length));
    if (offline.length > 0) {
      notes.push(
        note([
          'The config extends ',
          ...offline.flatMap((s, i) => [...(i > 0 ? [', '] : []), { code: s }]),
          ', which cannot be read offline: it was evaluated with the keys of the local files over the built-in defaults, so the check on GitHub may differ.',
        ]),
      );
    }
  }
  return { result, file: repoFile?.file ?? null, notes };
}

/** How to fix an invalid config, for a local run: the file it read, and how to run again. */
function configFix(repo: LocalRepository, configFile: string | undefined): Text {
  if (configFile !== undefined) {
    return [
      'Fix ',
      { code: configFile },
      ', then run ',
      { code: 'quality-gates check' },
      ' again; ',
      { code: `quality-gates validate ${configFile}` },
      ' lists every problem with its line.',
    ];
  }
  return [
    'Fix ',
    { code: CONFIG_PATH },
    ' on ',
    { code: repo.base.ref },
    ': the configuration is read at the base, as the app reads the base branch, never from this branch. To try a fixed copy first, pass it with ',
    { code: '--config FILE' },
    '.',
  ];
}

function problem(file: string, message: string): ConfigProblem {
  return { file, line: 0, column: 0, path: '', message };
}

// ---- what a local run cannot know -------------------------------------------------------

function localNotes(local: LocalPullRequest, config: QualityGatesConfig | undefined): Note[] {
  const pr = local.snapshot;
  const notes: Note[] = [];
  const n = pr.commits.totalCount;
  const f = pr.totals.changedFiles;
  notes.push(
    note([
      'Local run: ',
      ...(pr.headRef ? [{ code: pr.headRef }] : ['the detached HEAD']),
      ' against ',
      { code: local.base.ref },
      ` (merge base ${local.base.mergeBase.slice(0, 7)}): ${n} ${n === 1 ? 'commit' : 'commits'}, ${f} changed ${f === 1 ? 'file' : 'files'}.`,
    ]),
  );
  if (n === 0)
    notes.push(
      note(['HEAD has no commits that are not on ', { code: local.base.ref }, ', so there is nothing to review yet.']),
    );
  if (local.dirty)
    notes.push(note(['Uncommitted changes are not evaluated: like a pull request, the check sees commits only.']));
  if (local.detached) notes.push(note(['HEAD is detached, so there is no branch name to look for a ticket in.']));
  if (!config) return notes;
  // The comments that hold overrides are on GitHub: the verdict here is the gates' own (docs/overrides.md).
  notes.push(
    note(
      config.overrides.allowed.length > 0
        ? [
            'Overrides are not evaluated locally: ',
            { code: '/gates override' },
            ' comments live on the pull request on GitHub, so a gate that fails here may be overridden there.',
          ]
        : [
            'Overrides are not evaluated locally (',
            { code: 'overrides.allowed' },
            ' is empty in this configuration, so none would apply on GitHub either).',
          ],
    ),
  );

  const enabled = new Set(enabledGates(config).map((g) => g.gate.id));
  if (enabled.has('branch-age')) {
    notes.push(
      note([
        'The pull request is not open yet, so branch-age cannot count its age; it counts the commits HEAD is behind ',
        { code: local.base.ref },
        ' with local git.',
      ]),
    );
  }
  if (enabled.has('codeowners-review') && pr.base.codeowners) {
    const teams = pr.base.codeowners.text !== null && /(^|\s)@[^\s/]+\/\S/m.test(pr.base.codeowners.text);
    notes.push(
      note([
        'No reviews are known locally, so codeowners-review lists whose approval each group of changed files will need',
        teams ? '; team members cannot be looked up offline, so a team is named, not its members.' : '.',
      ]),
    );
  }
  return notes;
}

// ---- output ------------------------------------------------------------------------------

/**
 * The `--json` report (documented in docs/cli.md). `reason` is plain text; `details` and `fix`
 * are the gate's blocks as data (`{ code }` parts are code spans); `summary` is the check run's
 * Markdown.
 */
export interface JsonReport {
  readonly conclusion: CheckConclusion;
  readonly title: string;
  readonly exitCode: number;
  readonly repository: { readonly owner: string; readonly name: string };
  readonly base: { readonly ref: string; readonly sha: string; readonly mergeBase: string };
  readonly head: { readonly ref: string; readonly sha: string };
  readonly config: { readonly file: string | null; readonly sources: readonly string[] };
  readonly notes: readonly string[];
  readonly gates: readonly {
    readonly id: string;
    readonly title: string;
    readonly mode: 'block' | 'warn';
    readonly status: string;
    readonly reason: string;
    readonly details: readonly DetailBlock[];
    readonly fix: readonly DetailBlock[];
  }[];
  readonly skipped?: { readonly reason: string };
  readonly problems?: readonly ConfigProblem[];
  readonly summary: string;
}

function jsonReport(
  local: LocalPullRequest,
  verdict: Verdict,
  output: { conclusion: CheckConclusion; title: string; summary: string },
  notes: readonly Note[],
  loaded: LoadedConfig,
  exitCode: number,
): JsonReport {
  const pr = local.snapshot;
  return {
    conclusion: output.conclusion,
    title: titleOf(verdict),
    exitCode,
    repository: { owner: pr.repository.owner, name: pr.repository.name },
    base: { ref: local.base.ref, sha: local.base.sha, mergeBase: local.base.mergeBase },
    head: { ref: pr.headRef, sha: pr.headSha },
    config: {
      file: loaded.file,
      sources: loaded.result.kind === 'ok' || loaded.result.kind === 'missing' ? loaded.result.sources : [],
    },
    notes: notes.map((n) => n.text),
    gates:
      verdict.kind === 'evaluated'
        ? verdict.outcomes.map((o) => ({
            id: o.id,
            title: o.title,
            mode: o.mode,
            status: o.status,
            reason: plain(o.result.reason),
            details: o.result.details,
            fix: o.result.fix,
          }))
        : [],
    ...(verdict.kind === 'skipped' ? { skipped: { reason: plain(verdict.reason) } } : {}),
    ...(verdict.kind === 'config-error' ? { problems: verdict.problems } : {}),
    summary: output.summary,
  };
}

const ANSI = {
  bold: '\u001b[1m',
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  dim: '\u001b[2m',
  reset: '\u001b[0m',
} as const;
const STATUS_COLOR: Record<string, string> = { pass: ANSI.green, fail: ANSI.red, warn: ANSI.yellow, skipped: ANSI.dim };
const CONCLUSION_COLOR: Record<CheckConclusion, string> = {
  success: ANSI.green,
  failure: ANSI.red,
  neutral: ANSI.yellow,
};

/** Colours the title and the status words of the table; the text is otherwise unchanged. */
export function colorize(markdown: string, conclusion: CheckConclusion): string {
  return markdown
    .split('\n')
    .map((line, i) => {
      if (i === 0) return `${ANSI.bold}${CONCLUSION_COLOR[conclusion]}${line}${ANSI.reset}`;
      return line.replace(
        /^(\| `[^`]+` \| \S+ )(pass|fail|warn|skipped)( \|)/u,
        (_m, pre: string, word: string, post: string) => `${pre}${STATUS_COLOR[word]}${word}${ANSI.reset}${post}`,
      );
    })
    .join('\n');
}
