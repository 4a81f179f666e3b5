/**
 * branch-age (docs/gates/branch-age.md): trunk-based work avoids long-lived branches. Fails when
 * the pull request has been open more than `max_days` days (opened exactly `max_days` days ago
 * passes), or, with `max_behind`, when its head is more than that many commits behind its base.
 *
 * "Now" is the snapshot's `readAt` (the reader's clock, injected), never the gate's own: the gate
 * is pure, and a saved snapshot evaluates the same when replayed. It needs no timer: every event
 * re-evaluates it. The behind count is GitHub's compare of the base branch's tip with the head
 * commit, read in the snapshot query; when GitHub gives none (base branch deleted, comparison
 * unavailable) the reason says "not compared" and only the age decides.
 */
import { BranchAgeConfig } from '../config-fields.js';
import { defineGate, result, withNumbers, type DetailBlock, type GateNumbers, type Inline } from '../gate.js';
import { plural } from '../lib/words.js';
import type { PullRequestSnapshot } from '../snapshot.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Milliseconds the pull request has been open, or null when its opening or the snapshot's time is unknown. */
export function openFor(pr: PullRequestSnapshot): number | null {
  if (!pr.createdAt || !pr.readAt) return null;
  const opened = Date.parse(pr.createdAt);
  const now = Date.parse(pr.readAt);
  if (Number.isNaN(opened) || Number.isNaN(now)) return null;
  return Math.max(0, now - opened);
}

/** "3 days", "14 days and 6 hours" (hours shown only when they decide), "5 hours". */
function duration(ms: number, withHours: boolean): string {
  const days = Math.floor(ms / DAY_MS);
  const hours = Math.floor((ms % DAY_MS) / HOUR_MS);
  if (days === 0) return plural(hours, 'hour');
  return withHours && hours > 0 ? `${plural(days, 'day')} and ${plural(hours, 'hour')}` : plural(days, 'day');
}

/** A word safe to paste into a POSIX shell: quoted when it holds anything but `[A-Za-z0-9._/-]`. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9._/-]+$/u.test(word) && !word.startsWith('-') ? word : `'${word.replace(/'/gu, `'\\''`)}'`;
}

export const branchAge = defineGate({
  id: 'branch-age',
  title: 'Branch age',
  needs: ['comparison'],
  config: BranchAgeConfig,
  evaluate(pr, cfg) {
    const open = openFor(pr);
    const comparison = pr.comparison ?? null;
    const tooOld = open !== null && open > cfg.max_days * DAY_MS;
    const checkBehind = cfg.max_behind > 0;
    const tooFarBehind = checkBehind && comparison !== null && comparison.behindBy > cfg.max_behind;
    const numbers: GateNumbers = {
      ...(open !== null ? { ageDays: Math.floor(open / DAY_MS) } : {}),
      ...(comparison !== null ? { behindBy: comparison.behindBy } : {}),
    };

    const base: Inline = { code: pr.baseRef };
    const agePart: Inline[] =
      open === null
        ? [pr.source === 'local' ? 'Not open yet (age not known)' : 'Opening date not known']
        : [
            `Open ${tooOld && open < (cfg.max_days + 1) * DAY_MS && open % DAY_MS < HOUR_MS ? `more than ${plural(cfg.max_days, 'day')}` : duration(open, tooOld)} (limit ${plural(cfg.max_days, 'day')})`,
          ];
    const behindPart: Inline[] =
      comparison === null
        ? ['behind ', base, ': not compared']
        : [
            `${plural(comparison.behindBy, 'commit')} behind `,
            base,
            checkBehind ? ` (limit ${cfg.max_behind.toLocaleString('en-US')})` : ' (not limited)',
          ];
    const reason: Inline[] = [...agePart, '; ', ...behindPart];

    if (open === null && !(checkBehind && comparison !== null)) {
      return withNumbers(result.skipped(reason, detailsFor(pr, comparison, checkBehind)), numbers);
    }
    if (!tooOld && !tooFarBehind)
      return withNumbers(result.pass(reason, detailsFor(pr, comparison, checkBehind)), numbers);
    return withNumbers(
      result.fail(reason, detailsFor(pr, comparison, checkBehind), fixFor(pr, cfg, tooOld, tooFarBehind)),
      numbers,
    );
  },
});

function detailsFor(
  pr: PullRequestSnapshot,
  comparison: PullRequestSnapshot['comparison'],
  checkBehind: boolean,
): DetailBlock[] {
  const details: DetailBlock[] = [];
  if (pr.createdAt && pr.readAt)
    details.push({ kind: 'paragraph', text: `Opened ${pr.createdAt}; evaluated ${pr.readAt}.` });
  if (comparison === null || comparison === undefined) {
    details.push({
      kind: 'paragraph',
      text: [
        'GitHub gave no comparison of the head with ',
        { code: pr.baseRef },
        ' (the base branch may have been deleted, or the comparison is unavailable)',
        checkBehind ? ', so how far behind it is was not checked.' : '.',
      ],
    });
  } else {
    details.push({
      kind: 'paragraph',
      text: [
        `The head is ${plural(comparison.aheadBy, 'commit')} ahead of `,
        { code: pr.baseRef },
        ` and ${plural(comparison.behindBy, 'commit')} behind it.`,
      ],
    });
  }
  return details;
}

function fixFor(pr: PullRequestSnapshot, cfg: BranchAgeConfig, tooOld: boolean, tooFarBehind: boolean): DetailBlock[] {
  const fix: DetailBlock[] = [];
  const head = shellWord(pr.headRef || 'HEAD');
  const base = shellWord(pr.baseRef);
  // A fork's clone knows the base repository under another remote; `upstream` by convention.
  const remote = pr.isCrossRepository ? 'upstream' : 'origin';
  const setup = pr.isCrossRepository
    ? [`git remote add upstream https://${pr.repository.host}/${pr.repository.owner}/${pr.repository.name}.git  # once`]
    : [];
  if (tooFarBehind) {
    fix.push({
      kind: 'paragraph',
      text: ['Bring the branch up to date with ', { code: pr.baseRef }, ' by rebasing it:'],
    });
    fix.push({
      kind: 'code',
      lang: 'sh',
      text: [
        ...setup,
        `git switch ${head}`,
        `git fetch ${remote} ${base}`,
        `git rebase ${remote}/${base}`,
        'git push --force-with-lease',
      ].join('\n'),
    });
    fix.push({ kind: 'paragraph', text: 'or, to keep the history as it is, by merging it:' });
    fix.push({
      kind: 'code',
      lang: 'sh',
      text: [
        ...setup,
        `git switch ${head}`,
        `git fetch ${remote} ${base}`,
        `git merge ${remote}/${base}`,
        'git push',
      ].join('\n'),
    });
    if (!pr.isCrossRepository && pr.source !== 'local')
      fix.push({ kind: 'paragraph', text: 'The "Update branch" button on the pull request does the merge on GitHub.' });
  }
  if (tooOld) {
    fix.push({
      kind: 'paragraph',
      text: `A pull request open more than ${plural(cfg.max_days, 'day')} is a long-lived branch, and its age does not reset. Merge what is ready and move the rest into smaller pull requests, each opened when its work is nearly done; or close this one and open a new one from an up-to-date branch.`,
    });
  }
  return fix;
}
