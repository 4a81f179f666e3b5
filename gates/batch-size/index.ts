/**
 * batch-size: small pull requests are reviewed better and roll back cleanly (docs/gates/batch-size.md).
 *
 * Counted files = changed files not matching `exclude` (plus the default list
 * unless `default_excludes: false`) and not `linguist-generated` in the base
 * branch's `.gitattributes`. Counted lines = additions + deletions over counted
 * files; a pure rename has 0 of each, so it counts 0. When GitHub truncates the
 * file list, GitHub's own PR totals decide.
 *
 * What is not counted is never hidden: every verdict says how many lines were left
 * out, the details name the rule that left out each file, and `max_excluded_lines`
 * can cap them, so a hand-written file named `*.generated.ts` cannot carry a change
 * past the limit unseen.
 */
import { BatchSizeConfig, DEFAULT_BATCH_EXCLUDE_KINDS, type DefaultExcludeKind } from '../config-fields.js';
import {
  defineGate,
  result,
  withNumbers,
  type DetailBlock,
  type GateNumbers,
  type GateResult,
  type Inline,
  type Prepared,
  type Text,
} from '../gate.js';
import { MAX_GITATTRIBUTES_RULES, parseLinguistGenerated } from '../lib/gitattributes.js';
import {
  compileGlobs,
  GlobWork,
  GlobWorkExceeded,
  SIMPLER_GLOBS,
  type GlobMatcher,
  type PathParts,
} from '../lib/glob.js';
import { plural } from '../lib/words.js';
import { NO_MEMORY, type GateContext } from '../context.js';
import type { ChangedFile, PullRequestSnapshot } from '../snapshot.js';

/** How many of the largest files the details list. */
export const LARGEST_FILES_SHOWN = 10;
/** How many excluded paths the details list. */
export const EXCLUDED_FILES_SHOWN = 10;

/** batch-size's globs, compiled once per config. */
export interface BatchSizePrepared extends Prepared {
  /** The default list, one matcher per kind, in order (compiled even with `default_excludes: false`, for the history's what-if). */
  readonly defaults: readonly { readonly kind: DefaultExcludeKind; readonly match: GlobMatcher }[];
  /** Whether the default list leaves files out (`default_excludes`). */
  readonly useDefaults: boolean;
  readonly exclude: GlobMatcher;
}

export function prepareBatchSize(cfg: Pick<BatchSizeConfig, 'default_excludes' | 'exclude'>): BatchSizePrepared {
  const kinds = Object.entries(DEFAULT_BATCH_EXCLUDE_KINDS) as [DefaultExcludeKind, readonly string[]][];
  const defaults = kinds.map(([kind, globs]) => ({ kind, match: compileGlobs(globs, { filesOnly: true }) }));
  const exclude = compileGlobs(cfg.exclude);
  return {
    defaults,
    useDefaults: cfg.default_excludes,
    exclude,
    bytes: defaults.reduce((sum, d) => sum + d.match.bytes, exclude.bytes),
  };
}

/** Why a file is not counted. */
type Why =
  | { readonly rule: 'default'; readonly kind: DefaultExcludeKind }
  | { readonly rule: 'exclude' }
  | { readonly rule: 'linguist-generated'; readonly pattern: string };

interface Skipped {
  readonly file: ChangedFile;
  readonly parts: PathParts;
  readonly why: Why;
}

interface Sorted {
  readonly counted: ChangedFile[];
  readonly skipped: Skipped[];
  /** `linguist-generated` lines of `.gitattributes` not read (over `MAX_GITATTRIBUTES_RULES`). */
  readonly droppedAttributes: number;
  /** The count with the default list on, and off, whatever the config says (the history's what-if). */
  readonly withDefaults: Tally;
  readonly withoutDefaults: Tally;
}

/** Lines and files counted and left out under one choice of `default_excludes`. */
interface Tally {
  lines: number;
  files: number;
  skippedLines: number;
  skipped: number;
}

const emptyTally = (): Tally => ({ lines: 0, files: 0, skippedLines: 0, skipped: 0 });

function tally(t: Tally, size: number, skip: boolean): void {
  if (skip) {
    t.skippedLines += size;
    t.skipped++;
  } else {
    t.lines += size;
    t.files++;
  }
}

const linesOf = (f: ChangedFile) => f.additions + f.deletions;
const sum = (files: readonly ChangedFile[]) => files.reduce((n, f) => n + linesOf(f), 0);

/** Sorts the changed files into counted and not counted, with the rule that leaves each out. */
function sortFiles(pr: PullRequestSnapshot, prepared: BatchSizePrepared, work: GlobWork, context: GateContext): Sorted {
  const generated = parseLinguistGenerated(pr.base.gitattributes?.text);
  const counted: ChangedFile[] = [];
  const skipped: Skipped[] = [];
  const withDefaults = emptyTally();
  const withoutDefaults = emptyTally();
  const paths = context.pathParts(pr.files.nodes);
  pr.files.nodes.forEach((file, i) => {
    const parts = paths[i]!;
    const byDefault = prepared.defaults.find((d) => d.match.parts(parts, work));
    const byRule: Why | undefined = prepared.exclude.parts(parts, work)
      ? { rule: 'exclude' }
      : generatedWhy(generated(parts, work));
    tally(withDefaults, linesOf(file), byDefault !== undefined || byRule !== undefined);
    tally(withoutDefaults, linesOf(file), byRule !== undefined);
    const why = prepared.useDefaults && byDefault ? ({ rule: 'default', kind: byDefault.kind } as const) : byRule;
    if (why) skipped.push({ file, parts, why });
    else counted.push(file);
  });
  return { counted, skipped, droppedAttributes: generated.dropped, withDefaults, withoutDefaults };
}

const generatedWhy = (pattern: string | undefined): Why | undefined =>
  pattern === undefined ? undefined : { rule: 'linguist-generated', pattern };

/** The reason a listed file is not counted; an `exclude` file names its first matching glob. */
function whyText(skipped: Skipped, firstGlob: (parts: PathParts) => string | undefined): Inline[] {
  const { why } = skipped;
  if (why.rule === 'default') return [`default list (${why.kind})`];
  if (why.rule === 'linguist-generated')
    return [{ code: 'linguist-generated' }, ' in ', { code: '.gitattributes' }, ' (', { code: why.pattern }, ')'];
  const glob = firstGlob(skipped.parts);
  return glob === undefined ? [{ code: 'exclude' }] : [{ code: 'exclude' }, ' glob ', { code: glob }];
}

/** The first `exclude` glob that matches, compiling single globs only for the files listed. */
function firstExcludeGlob(globs: readonly string[], work: GlobWork): (parts: PathParts) => string | undefined {
  const single = new Map<string, GlobMatcher>();
  return (parts) =>
    globs.find((glob) => {
      let match = single.get(glob);
      if (!match) single.set(glob, (match = compileGlobs([glob])));
      return match.parts(parts, work);
    });
}

export const batchSize = defineGate({
  id: 'batch-size',
  title: 'Small batch size',
  needs: ['files', 'gitattributes'],
  config: BatchSizeConfig,
  prepare: prepareBatchSize,
  evaluate(pr, cfg, prepared = prepareBatchSize(cfg), context = NO_MEMORY) {
    const work = new GlobWork();
    try {
      const sorted = sortFiles(pr, prepared, work, context);
      return verdict(pr, cfg, sorted, notCountedList(sorted.skipped, firstExcludeGlob(cfg.exclude, work)));
    } catch (error) {
      if (error instanceof GlobWorkExceeded) return tooMuchGlobWork(error);
      throw error;
    }
  },
});

/** The details' list of files not counted, largest first, each with the rule that leaves it out. */
function notCountedList(
  skipped: readonly Skipped[],
  firstGlob: (parts: PathParts) => string | undefined,
): DetailBlock[] {
  if (skipped.length === 0) return [];
  const byFile = new Map(skipped.map((s) => [s.file, s]));
  const shown = largestFiles(
    skipped.map((s) => s.file),
    EXCLUDED_FILES_SHOWN,
  ).map((f) => byFile.get(f)!);
  const lines = sum(skipped.map((s) => s.file));
  return [
    {
      kind: 'list',
      title: `Not counted (${plural(skipped.length, 'file')}, ${plural(lines, 'line')}):`,
      items: shown.map((s): Text => [
        { code: s.file.path },
        ` — ${plural(linesOf(s.file), 'line')}; `,
        ...whyText(s, firstGlob),
      ]),
      total: skipped.length,
    },
  ];
}

/**
 * The count over the whole pull request. When GitHub listed only part of the files, its totals
 * for the whole PR decide, so a huge PR can never pass because its tail was invisible. Files left
 * out in the listed part are subtracted from the totals; the unlisted part counts in full.
 */
function whole(pr: PullRequestSnapshot, t: Tally): { lines: number; files: number } {
  if (!pr.files.truncated) return t;
  return {
    lines: Math.max(t.lines, pr.totals.additions + pr.totals.deletions - t.skippedLines),
    files: Math.max(t.files, pr.totals.changedFiles - t.skipped),
  };
}

/** The key figures the history keeps (docs/deploy.md). */
function numbersOf(
  pr: PullRequestSnapshot,
  cfg: BatchSizeConfig,
  sorted: Sorted,
  lines: number,
  files: number,
): GateNumbers {
  const on = whole(pr, sorted.withDefaults);
  const off = whole(pr, sorted.withoutDefaults);
  return {
    countedLines: lines,
    countedFiles: files,
    excludedLines: sum(sorted.skipped.map((s) => s.file)),
    excludedFiles: sorted.skipped.length,
    linesDefaultExcludesOn: on.lines,
    filesDefaultExcludesOn: on.files,
    linesDefaultExcludesOff: off.lines,
    filesDefaultExcludesOff: off.files,
    maxLines: cfg.max_lines,
    maxFiles: cfg.max_files,
    truncated: pr.files.truncated,
  };
}

function verdict(pr: PullRequestSnapshot, cfg: BatchSizeConfig, sorted: Sorted, notCounted: DetailBlock[]): GateResult {
  const { counted, skipped, droppedAttributes } = sorted;
  const skippedLines = sum(skipped.map((s) => s.file));
  const { lines, files } = whole(pr, {
    lines: sum(counted),
    files: counted.length,
    skippedLines,
    skipped: skipped.length,
  });
  const numbers = numbersOf(pr, cfg, sorted, lines, files);
  const details: DetailBlock[] = [];
  if (pr.files.truncated) {
    details.push({
      kind: 'paragraph',
      text: `GitHub lists only the first ${plural(pr.files.nodes.length, 'file')} of ${plural(pr.totals.changedFiles, 'changed file')}; GitHub's totals for the whole pull request were used.`,
    });
  }

  if (droppedAttributes > 0) {
    details.push({
      kind: 'paragraph',
      text: [
        `Only the last ${MAX_GITATTRIBUTES_RULES} `,
        { code: 'linguist-generated' },
        ' lines of ',
        { code: '.gitattributes' },
        ` were read; files that only the ${plural(droppedAttributes, 'line')} before them mark are counted.`,
      ],
    });
  }

  const cap = cfg.max_excluded_lines;
  const limits = `(limit ${plural(cfg.max_lines, 'line')}, ${plural(cfg.max_files, 'file')})`;
  const notCountedText =
    skipped.length === 0
      ? ''
      : `; ${plural(skippedLines, 'line')} not counted${cap === undefined ? '' : ` (limit ${plural(cap, 'line')})`}`;
  const reason = `${plural(lines, 'line')} in ${plural(files, 'file')} ${limits}${notCountedText}`;

  if (counted.length > 0) {
    details.push({
      kind: 'table',
      header: ['Largest files', 'Lines'],
      rows: largestFiles(counted, LARGEST_FILES_SHOWN).map((f): Text[] => [
        [{ code: f.path }],
        `+${f.additions} −${f.deletions}`,
      ]),
      total: counted.length,
    });
  }
  details.push(...notCounted);

  const over: string[] = [];
  if (lines > cfg.max_lines) over.push(`${plural(lines, 'line')}; the limit is ${plural(cfg.max_lines, 'line')}`);
  if (files > cfg.max_files) over.push(`${plural(files, 'file')}; the limit is ${plural(cfg.max_files, 'file')}`);
  const overExcluded = cap !== undefined && skippedLines > cap;
  if (over.length === 0 && !overExcluded) return withNumbers(result.pass(reason, details), numbers);
  const why: DetailBlock[] =
    over.length > 0 ? [{ kind: 'paragraph', text: `This pull request changes ${over.join(', and ')}.` }] : [];
  if (overExcluded) {
    why.push({
      kind: 'paragraph',
      text: [
        `The files that are not counted change ${plural(skippedLines, 'line')}; the limit is ${plural(cap, 'line')} (`,
        { code: 'max_excluded_lines' },
        ').',
      ],
    });
  }

  const parts = Math.max(
    Math.ceil(lines / Math.max(cfg.max_lines, 1)),
    Math.ceil(files / Math.max(cfg.max_files, 1)),
    overExcluded ? Math.ceil(skippedLines / Math.max(cap, 1)) : 0,
    2,
  );
  return withNumbers(result.fail(reason, [...why, ...details], fixFor(pr, parts, overExcluded)), numbers);
}

function fixFor(pr: PullRequestSnapshot, parts: number, overExcluded: boolean): DetailBlock[] {
  const head = pr.headRef || 'my-branch';
  return [
    {
      kind: 'paragraph',
      text: `Split it into at least ${parts} pull requests that can each be reviewed and reverted on their own: for example, land refactors and renames first, then the behaviour change, then its follow-ups.`,
    },
    {
      kind: 'paragraph',
      text: 'To move part of the change to a new branch: create it from the base branch, bring over the files that belong together, and open a pull request for it.',
    },
    {
      kind: 'code',
      lang: 'sh',
      text: `git switch -c ${head}-part-1 origin/${pr.baseRef || 'main'}\ngit checkout ${head} -- <paths that belong together>\ngit commit -m "<first part>" && git push -u origin HEAD`,
    },
    ...(overExcluded
      ? [
          {
            kind: 'paragraph' as const,
            text: [
              'Files are left out by their names alone: a hand-written file named like generated code (',
              { code: '*.generated.*' },
              ', ',
              { code: '*.min.js' },
              ') is left out too. If these files really are generated, a maintainer can raise ',
              { code: 'gates.batch-size.max_excluded_lines' },
              ' in ',
              { code: '.github/quality-gates.yml' },
              ' on the base branch.',
            ],
          },
        ]
      : [
          {
            kind: 'paragraph' as const,
            text: [
              'Generated or vendored files can be left out with ',
              { code: 'gates.batch-size.exclude' },
              ' in ',
              { code: '.github/quality-gates.yml' },
              ' or marked ',
              { code: 'linguist-generated' },
              ' in ',
              { code: '.gitattributes' },
              ' (read from the base branch).',
            ],
          },
        ]),
  ];
}

/** The globs could not be matched within the work bound: fail closed, saying what to change. */
function tooMuchGlobWork(error: GlobWorkExceeded): GateResult {
  return result.fail(
    'The exclude globs could not be matched against the changed files within the work limit',
    [
      {
        kind: 'paragraph',
        text: [
          'Matching the globs of ',
          { code: 'gates.batch-size.exclude' },
          ', the default list and ',
          { code: '.gitattributes' },
          ` against this pull request's paths took more than ${error.limit.toLocaleString('en-US')} steps, so which files to leave out is unknown.`,
        ],
      },
    ],
    [
      {
        kind: 'paragraph',
        text: [
          'Simplify the globs in ',
          { code: 'gates.batch-size.exclude' },
          ' and the ',
          { code: 'linguist-generated' },
          ' lines of ',
          { code: '.gitattributes' },
          ' on the base branch: ',
          ...SIMPLER_GLOBS,
        ],
      },
    ],
  );
}

/** Larger change first; equal changes by path. */
const bySize = (a: ChangedFile, b: ChangedFile) => linesOf(b) - linesOf(a) || a.path.localeCompare(b.path);

/**
 * The `count` largest files, largest first: what sorting all of them and taking the head gives,
 * without sorting 3,000 files to show ten.
 */
export function largestFiles(files: readonly ChangedFile[], count: number): ChangedFile[] {
  const top: ChangedFile[] = [];
  if (count <= 0) return top;
  for (const file of files) {
    if (top.length === count && bySize(file, top[count - 1]!) >= 0) continue;
    let at = top.length;
    while (at > 0 && bySize(file, top[at - 1]!) < 0) at--;
    top.splice(at, 0, file);
    if (top.length > count) top.pop();
  }
  return top;
}
