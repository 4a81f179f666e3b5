/**
 * Renders the organisation policy preview (src/pipeline/policy-preview.ts) as a section of the
 * check run's summary, after the gate table (docs/policy-preview.md).
 *
 * Privacy: the run may be read by anyone who can read its repository (an organisation's
 * `.github` repository is often public). Only repositories the preview marks `visible` (the run's
 * own, and those the history knows to be public) are named, with their pull requests' titles and
 * links; the others are counted together, never named.
 *
 * Size: the section is built to fit `maxChars`; repositories past it are counted in a closing line
 * that says the list was cut.
 */
import { CONFIG_PATH } from '../../gates/config.js';
import type { AffectedPull, BlockingKey, PolicyPreview, RepositoryPreview } from '../pipeline/policy-preview.js';
import { CHECK_LIMITS, codeSpan, escapeMarkdown, renderProblem } from './render.js';

/** Longest PR title shown, in characters. */
export const PREVIEW_TITLE_CHARS = 80;
/** Open pull requests the history holds no snapshot of, listed by name at most. */
export const UNSEEN_LISTED = 20;
/** Most characters the section takes by default (GitHub allows 65,535 for the whole summary). */
export const POLICY_PREVIEW_CHARS = 40_000;

const num = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`) => `${num(n)} ${n === 1 ? one : many}`;

/** A PR title, cut and made inert: no mention, link, autolinked reference or HTML survives. */
export function previewTitle(title: string): string {
  const cut = title.length > PREVIEW_TITLE_CHARS ? `${title.slice(0, PREVIEW_TITLE_CHARS - 1)}…` : title;
  // `#12` and `GH-12` would link to this repository's issues; a zero-width space breaks the reference.
  return escapeMarkdown(cut)
    .replace(/#/g, '#\u200b')
    .replace(/\b(gh)-(\d)/gi, '$1-\u200b$2');
}

const BLOCKING_NAMES: Partial<Record<BlockingKey, string>> = {
  configuration: 'configuration error',
  error: 'evaluation error',
};
const gateName = (key: BlockingKey): string => BLOCKING_NAMES[key] ?? key;

function byGate(repo: Pick<RepositoryPreview, 'byGate'>): string {
  const parts = [...repo.byGate]
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([key, c]) => [
      ...(c.block > 0 ? [`${codeSpan(gateName(key), true)} +${num(c.block)}`] : []),
      ...(c.unblock > 0 ? [`${codeSpan(gateName(key), true)} −${num(c.unblock)}`] : []),
    ]);
  return parts.length > 0 ? parts.join(', ') : '—';
}

function affectedWhat(pull: AffectedPull): string {
  const names = (keys: readonly BlockingKey[]) => keys.map((k) => codeSpan(gateName(k))).join(', ');
  if (pull.change === 'block') return `would be blocked by ${names(pull.blocking)}`;
  if (pull.change === 'unblock') return `would no longer be blocked (${names(pull.unblocking)})`;
  return [
    pull.blocking.length > 0 ? `also blocked by ${names(pull.blocking)}` : '',
    pull.unblocking.length > 0 ? `no longer by ${names(pull.unblocking)}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

function affectedLine(pull: AffectedPull, repository: string): string {
  const what = affectedWhat(pull);
  return `- [${escapeMarkdown(repository)}#${pull.number}](${pull.url}) ${previewTitle(pull.title)}: ${what}`;
}

const USE_WORDS: Record<string, string> = {
  direct: 'no file of its own',
  extends: 'extends it',
};

/** The section, at most `maxChars` long. */
export function renderPolicyPreview(preview: PolicyPreview, maxChars = POLICY_PREVIEW_CHARS): string {
  const org = preview.scope === 'organisation';
  const head = org
    ? [
        '## Organisation policy preview',
        `This pull request changes the organisation's ${codeSpan(CONFIG_PATH)}. Every open pull request the history holds was judged again, from its latest stored snapshot, under the current and the proposed file. This preview never changes this check's conclusion.`,
      ]
    : [
        "## Preview for this repository's other open pull requests",
        `Every other open pull request into the same base branch was judged again, from its latest stored snapshot, under the current and the proposed ${codeSpan(CONFIG_PATH)}. This preview never changes this check's conclusion.`,
      ];
  switch (preview.kind) {
    case 'invalid':
      // A repository's own file: its problems are listed just above, in the preview of this pull request's verdict.
      if (!org)
        return fit(
          [
            ...head,
            'The proposed file is invalid (its problems are listed above): every other open pull request into this base branch would get "Configuration error".',
          ],
          [],
          maxChars,
        );
      return fit(
        [
          ...head,
          `The proposed file is invalid: every pull request that uses it would get "Configuration error":`,
          preview.problems.slice(0, 26).map(renderProblem).join('\n'),
        ],
        [],
        maxChars,
      );
    case 'unavailable':
      return fit([...head, `The preview is not available: ${escapeMarkdown(preview.message)}.`], [], maxChars);
    case 'ok':
      break;
  }
  const t = preview.totals;
  const where = org
    ? ` in ${num(t.blockedRepositories)} of ${plural(t.repositories, 'repository', 'repositories')}`
    : '';
  const total = `**Would newly block ${num(t.blocked)} of ${plural(t.open, 'open pull request')}${where}**; would unblock ${num(t.unblocked)}; ${num(t.stay)} stay as they are.`;
  const top: string[] = [...head, total];
  if (preview.partial) {
    top.push(
      `> Partial: the preview stopped after ${num(preview.partial.budgetMs / 1000)} s, having judged ${num(preview.partial.previewed)} of ${plural(preview.partial.stored, 'stored open pull request')}; the figures cover those only.`,
    );
  }

  const using = preview.repositories.filter((r) => r.use === 'direct' || r.use === 'extends');
  const named = using.filter((r) => r.visible);
  const hidden = using.filter((r) => !r.visible);
  const rows: string[] = [];
  const table = [
    '| Repository | Uses the file | Open PRs | Newly blocked | Unblocked | Stay | By gate (+ block, − unblock) |',
    '|---|---|---:|---:|---:|---:|---|',
  ];
  for (const r of named)
    rows.push(
      `| ${escapeMarkdown(r.repository)} | ${USE_WORDS[r.use] ?? r.use} | ${num(r.open)} | ${num(r.blocked)} | ${num(r.unblocked)} | ${num(r.stay)} | ${byGate(r)} |`,
    );
  if (hidden.length > 0) {
    const merged = { byGate: new Map<BlockingKey, { block: number; unblock: number }>() };
    for (const r of hidden)
      for (const [k, c] of r.byGate)
        merged.byGate.set(k, {
          block: (merged.byGate.get(k)?.block ?? 0) + c.block,
          unblock: (merged.byGate.get(k)?.unblock ?? 0) + c.unblock,
        });
    const s = (f: (r: RepositoryPreview) => number) => num(hidden.reduce((n, r) => n + f(r), 0));
    rows.push(
      `| ${plural(hidden.length, 'private repository', 'private repositories')} (not named here) | — | ${s((r) => r.open)} | ${s((r) => r.blocked)} | ${s((r) => r.unblocked)} | ${s((r) => r.stay)} | ${byGate(merged)} |`,
    );
  }

  // The most affected pull requests of each named repository with a change, in table order.
  const lists = named
    .filter((r) => r.mostAffected.length > 0)
    .map((r) =>
      [
        `**${escapeMarkdown(r.repository)}**: the ${r.mostAffected.length === 1 ? 'pull request' : `${r.mostAffected.length} most affected pull requests`}`,
        ...r.mostAffected.map((p) => affectedLine(p, r.repository)),
      ].join('\n'),
    );

  const tail: string[] = [];
  const notUsing = preview.repositories.filter((r) => r.use !== 'direct' && r.use !== 'extends');
  if (notUsing.length > 0) {
    const shown = notUsing.filter((r) => r.visible).slice(0, 50);
    const why = (r: RepositoryPreview) => {
      if (r.use === 'replaces') return 'its own file does not extend the organisation’s';
      if (r.use === 'outside') return `its ${codeSpan('_extends')} leads outside the organisation`;
      return `its ${codeSpan('_extends')} names a file the history holds no copy of; not previewed`;
    };
    const others = notUsing.length - shown.length;
    tail.push(
      [
        `**Not affected** (${plural(notUsing.length, 'repository', 'repositories')} with open pull requests):`,
        ...shown.map((r) => `- ${escapeMarkdown(r.repository)}: ${why(r)}`),
        ...(others > 0
          ? [`- and ${plural(others, 'more repository', 'more repositories')} (private ones are not named)`]
          : []),
      ].join('\n'),
    );
  }
  if (!org && preview.otherBranch > 0)
    tail.push(
      `${plural(preview.otherBranch, 'open pull request')} into other base branches ${preview.otherBranch === 1 ? 'is' : 'are'} not affected.`,
    );
  if (preview.unseen.total > 0) {
    const visible = preview.unseen.listed.filter((u) => u.visible);
    const listed = visible.slice(0, UNSEEN_LISTED).map((u) => `${escapeMarkdown(u.repository)}#${u.number}`);
    const rest = preview.unseen.total - listed.length;
    tail.push(
      `**Not previewed**: ${plural(preview.unseen.total, 'open pull request')} the history knows of but holds no snapshot of (not evaluated since the history was on, or the app was installed later)${listed.length > 0 ? `: ${listed.join(', ')}` : ''}${rest > 0 && listed.length > 0 ? `, and ${num(rest)} more` : ''}${rest > 0 ? ' (private repositories are not named)' : ''}. A new push, a re-run or ${codeSpan('/gates recheck')} on one records it.`,
    );
  }
  if (preview.unreadable > 0)
    tail.push(
      `${plural(preview.unreadable, 'stored snapshot')} could not be read and ${preview.unreadable === 1 ? 'is' : 'are'} not counted.`,
    );
  tail.push(
    '_Each pull request is judged on its snapshot as of its last evaluation; overrides are not applied, on either side. Team memberships are as last read._',
  );
  return fit(top, [table, rows, lists, tail], maxChars);
}

/**
 * Joins `top` and as much of the table rows, the lists and the tail as fits in `maxChars`,
 * saying what was left out.
 */
function fit(top: string[], parts: [string[], string[], string[], string[]] | [], maxChars: number): string {
  const cut = (text: string) => (text.length > maxChars ? `${text.slice(0, Math.max(0, maxChars - 1))}…` : text);
  if (parts.length === 0) return cut(top.join('\n\n'));
  const [tableHead, rows, lists, tail] = parts;
  const reserve = 400;
  let out = top.join('\n\n');
  const tailText = tail.join('\n\n');
  const budget = maxChars - reserve - tailText.length;
  if (rows.length > 0) {
    let table = `\n\n${tableHead.join('\n')}`;
    let shown = 0;
    for (const row of rows) {
      if (out.length + table.length + row.length + 1 > budget) break;
      table += `\n${row}`;
      shown++;
    }
    out += table;
    if (shown < rows.length)
      out += `\n\n_The table shows ${num(shown)} of ${num(rows.length)} rows (the most affected first); the rest did not fit in GitHub's 65,535-character limit._`;
  }
  let listed = 0;
  for (const list of lists) {
    if (out.length + list.length + 2 > budget) break;
    out += `\n\n${list}`;
    listed++;
  }
  if (listed < lists.length)
    out += `\n\n_The most affected pull requests of ${plural(lists.length - listed, 'more repository', 'more repositories')} did not fit in GitHub's 65,535-character limit._`;
  return cut(`${out}\n\n${tailText}`);
}

/** `summary` with the policy preview after it, in whatever room GitHub's limit leaves (a note when too little). */
export function withPolicyPreview(summary: string, preview: PolicyPreview): string {
  const room = CHECK_LIMITS.summary - summary.length - 2;
  const note =
    '_The organisation policy preview did not fit in what remains of GitHub’s 65,535-character limit; see the logs._';
  if (room < 1_000) return room > note.length ? `${summary}\n\n${note}` : summary;
  return `${summary}\n\n${renderPolicyPreview(preview, Math.min(POLICY_PREVIEW_CHARS, room))}`;
}
