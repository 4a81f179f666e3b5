/**
 * batch-size (SPEC §5): small pull requests are reviewed better and roll back cleanly.
 *
 * Counted files = changed files not matching `exclude` (plus the default list
 * unless `default_excludes: false`) and not `linguist-generated` in the base
 * branch's `.gitattributes`. Counted lines = additions + deletions over counted
 * files; a pure rename has 0 of each, so it counts 0. When GitHub truncates the
 * file list, GitHub's own PR totals decide.
 */
import { BatchSizeConfig, DEFAULT_BATCH_EXCLUDES } from './config.js';
import { defineGate, result, withNumbers, type DetailBlock, type GateNumbers, type Text } from './gate.js';
import { parseLinguistGenerated } from './gitattributes.js';
import { compileGlobs, pathPartsOf } from './glob.js';
import { plural } from './words.js';
import type { ChangedFile } from '../src/snapshot.js';

/** How many of the largest files the details list. */
export const LARGEST_FILES_SHOWN = 10;
/** How many excluded paths the details list. */
export const EXCLUDED_FILES_SHOWN = 10;

export const batchSize = defineGate({
  id: 'batch-size',
  title: 'Small batch size',
  needs: ['files', 'gitattributes'],
  config: BatchSizeConfig,
  evaluate(pr, cfg) {
    const userExcluded = compileGlobs(cfg.exclude);
    const defaultExcluded = compileGlobs(DEFAULT_BATCH_EXCLUDES);
    const generated = parseLinguistGenerated(pr.base.gitattributes?.text);

    const counted: ChangedFile[] = [];
    const skipped: { file: ChangedFile; why: string }[] = [];
    // The count with the default list on and off, whatever the config says (the history's what-if).
    const on = { lines: 0, files: 0, skippedLines: 0, skipped: 0 };
    const off = { lines: 0, files: 0, skippedLines: 0, skipped: 0 };
    const paths = pathPartsOf(pr.files.nodes);
    pr.files.nodes.forEach((file, i) => {
      const path = paths[i]!;
      const size = file.additions + file.deletions;
      const byUser = userExcluded.parts(path);
      const byDefault = defaultExcluded.parts(path);
      const isGenerated = generated(path);
      tally(on, size, byUser || byDefault || isGenerated);
      tally(off, size, byUser || isGenerated);
      if (byUser || (cfg.default_excludes && byDefault)) skipped.push({ file, why: 'excluded' });
      else if (isGenerated) skipped.push({ file, why: 'linguist-generated' });
      else counted.push(file);
    });

    const details: DetailBlock[] = [];
    // When GitHub listed only part of the files, its totals for the whole PR decide, so a huge PR
    // can never pass because its tail was invisible. Excluded files seen in the listed part are
    // subtracted from the totals; the unlisted part counts in full.
    const whole = (t: typeof on) =>
      pr.files.truncated
        ? { lines: Math.max(t.lines, pr.totals.additions + pr.totals.deletions - t.skippedLines), files: Math.max(t.files, pr.totals.changedFiles - t.skipped) }
        : t;
    const withDefaults = whole(on);
    const withoutDefaults = whole(off);
    const { lines, files } = cfg.default_excludes ? withDefaults : withoutDefaults;
    if (pr.files.truncated) {
      details.push({
        kind: 'paragraph',
        text: `GitHub lists only the first ${plural(pr.files.nodes.length, 'file')} of ${plural(pr.totals.changedFiles, 'changed file')}; GitHub's totals for the whole pull request were used.`,
      });
    }
    const numbers: GateNumbers = {
      countedLines: lines,
      countedFiles: files,
      excludedLines: skipped.reduce((sum, s) => sum + s.file.additions + s.file.deletions, 0),
      excludedFiles: skipped.length,
      linesDefaultExcludesOn: withDefaults.lines,
      filesDefaultExcludesOn: withDefaults.files,
      linesDefaultExcludesOff: withoutDefaults.lines,
      filesDefaultExcludesOff: withoutDefaults.files,
      maxLines: cfg.max_lines,
      maxFiles: cfg.max_files,
      truncated: pr.files.truncated,
    };

    const limits = `(limit ${plural(cfg.max_lines, 'line')}, ${plural(cfg.max_files, 'file')})`;
    const reason = `${plural(lines, 'line')} in ${plural(files, 'file')} ${limits}`;

    if (counted.length > 0) {
      details.push({
        kind: 'table',
        header: ['Largest files', 'Lines'],
        rows: largestFiles(counted, LARGEST_FILES_SHOWN).map((f): Text[] => [[{ code: f.path }], `+${f.additions} −${f.deletions}`]),
        total: counted.length,
      });
    }
    if (skipped.length > 0) {
      details.push({
        kind: 'list',
        title: `Not counted (${plural(skipped.length, 'file')}):`,
        items: skipped.slice(0, EXCLUDED_FILES_SHOWN).map((s): Text => [{ code: s.file.path }, ` — ${s.why}`]),
        total: skipped.length,
      });
    }

    const overLines = lines > cfg.max_lines;
    const overFiles = files > cfg.max_files;
    if (!overLines && !overFiles) return withNumbers(result.pass(reason, details), numbers);

    const over: string[] = [];
    if (overLines) over.push(`${plural(lines, 'line')}; the limit is ${plural(cfg.max_lines, 'line')}`);
    if (overFiles) over.push(`${plural(files, 'file')}; the limit is ${plural(cfg.max_files, 'file')}`);
    const parts = Math.max(Math.ceil(lines / Math.max(cfg.max_lines, 1)), Math.ceil(files / Math.max(cfg.max_files, 1)), 2);
    const failure = result.fail(
      reason,
      [{ kind: 'paragraph', text: `This pull request changes ${over.join(', and ')}.` }, ...details],
      [
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
          text: `git switch -c ${pr.headRef || 'my-branch'}-part-1 origin/${pr.baseRef || 'main'}\ngit checkout ${pr.headRef || 'my-branch'} -- <paths that belong together>\ngit commit -m "<first part>" && git push -u origin HEAD`,
        },
        {
          kind: 'paragraph',
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
      ],
    );
    return withNumbers(failure, numbers);
  },
});

/** Adds a file to a count: counted, or skipped. */
function tally(t: { lines: number; files: number; skippedLines: number; skipped: number }, size: number, skip: boolean): void {
  if (skip) {
    t.skippedLines += size;
    t.skipped++;
  } else {
    t.lines += size;
    t.files++;
  }
}

/** Larger change first; equal changes by path. */
const bySize = (a: ChangedFile, b: ChangedFile) => b.additions + b.deletions - (a.additions + a.deletions) || a.path.localeCompare(b.path);

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
