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
import { defineGate, result, type DetailBlock, type Text } from './gate.js';
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
    const excluded = compileGlobs([...(cfg.default_excludes ? DEFAULT_BATCH_EXCLUDES : []), ...cfg.exclude]);
    const generated = parseLinguistGenerated(pr.base.gitattributes?.text);

    const counted: ChangedFile[] = [];
    const skipped: { file: ChangedFile; why: string }[] = [];
    const paths = pathPartsOf(pr.files.nodes);
    pr.files.nodes.forEach((file, i) => {
      const path = paths[i]!;
      if (excluded.parts(path)) skipped.push({ file, why: 'excluded' });
      else if (generated(path)) skipped.push({ file, why: 'linguist-generated' });
      else counted.push(file);
    });

    let lines = counted.reduce((sum, f) => sum + f.additions + f.deletions, 0);
    let files = counted.length;
    const details: DetailBlock[] = [];
    if (pr.files.truncated) {
      // GitHub listed only part of the files: its totals for the whole PR decide, so a
      // huge PR can never pass because its tail was invisible. Excluded files seen in
      // the listed part are subtracted from the totals; the unlisted part counts in full.
      const skippedLines = skipped.reduce((sum, s) => sum + s.file.additions + s.file.deletions, 0);
      lines = Math.max(lines, pr.totals.additions + pr.totals.deletions - skippedLines);
      files = Math.max(files, pr.totals.changedFiles - skipped.length);
      details.push({
        kind: 'paragraph',
        text: `GitHub lists only the first ${plural(pr.files.nodes.length, 'file')} of ${plural(pr.totals.changedFiles, 'changed file')}; GitHub's totals for the whole pull request were used.`,
      });
    }

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
    if (!overLines && !overFiles) return result.pass(reason, details);

    const over: string[] = [];
    if (overLines) over.push(`${plural(lines, 'line')}; the limit is ${plural(cfg.max_lines, 'line')}`);
    if (overFiles) over.push(`${plural(files, 'file')}; the limit is ${plural(cfg.max_files, 'file')}`);
    const parts = Math.max(Math.ceil(lines / Math.max(cfg.max_lines, 1)), Math.ceil(files / Math.max(cfg.max_files, 1)), 2);
    return result.fail(
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
  },
});

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
