/**
 * Renders a verdict as check-run output (docs/behaviour.md#the-check-run). The only place that writes
 * Markdown: every string that came from users (titles, branches, paths, commit
 * subjects, owners) is escaped here so it cannot break the table or inject
 * markup, long lists are bounded, and the output stays inside GitHub's limits.
 */
import { plain, type DetailBlock, type Inline, type Text } from '../../gates/gate.js';
import { MAX_LISTED_PROBLEMS, type ConfigProblem } from '../load/config/parse.js';
import {
  conclusionOf,
  titleOf,
  type CheckConclusion,
  type GateOutcome,
  type OverrideMark,
  type Preview,
  type RowStatus,
  type Verdict,
} from './verdict.js';

/**
 * GitHub's documented limits for check-run output
 * (https://docs.github.com/en/rest/checks/runs#create-a-check-run): `summary` and
 * `text` take at most 65,535 characters. Titles are kept short by us.
 */
export const CHECK_LIMITS = { summary: 65_535, text: 65_535, title: 255 } as const;

/** Longest user string shown in one place; longer ones are cut with an ellipsis. */
export const MAX_INLINE = 300;
/** Most list items or table rows shown; the rest is counted ("and 212 more"). */
export const MAX_ITEMS = 25;

export interface CheckOutput {
  readonly conclusion: CheckConclusion;
  readonly title: string;
  readonly summary: string;
}

const ICONS: Record<RowStatus, string> = { pass: '✅', fail: '❌', warn: '⚠️', skipped: '⏭️', overridden: '☑️' };

/** Longest override reason shown in the table's third cell (the gate's section shows up to `MAX_INLINE`). */
export const MAX_REASON_IN_ROW = 120;

/** U+200B ZERO WIDTH SPACE: invisible, and neither GitHub's mention filter nor its autolinker crosses it. */
const JOINER = '\u200b';

/**
 * Makes mentions and bare links in plain user text inert, the text reading the same: a zero-width
 * space after every `@` (no `@user` or `@org/team` mention, no e-mail link), inside every
 * `://` (no `https://…` link, whatever the scheme) and between `www` and `.` (no `www.…` link).
 * Code spans need none of this: GitHub links nothing inside code.
 */
export function inertLinks(text: string): string {
  return text
    .replace(/@/g, `@${JOINER}`)
    .replace(/:\/\//g, `:${JOINER}//`)
    .replace(/(www)\./gi, `$1${JOINER}.`);
}

/**
 * A check-run title is plain text, but inert whether or not a viewer renders it as Markdown:
 * links and mentions as in `inertLinks`, no `&` that could start an entity (`&#64;` is `@`)
 * and no `\` that could start an escape (`https:\/\/` is `https://`).
 */
export function inertTitle(text: string): string {
  return inertLinks(text).replace(/[&\\]/g, `$&${JOINER}`);
}

/** Escapes user text for inline Markdown, table cells included (`|` is always escaped); mentions and links are inert. */
export function escapeMarkdown(text: string): string {
  const oneLine = clip(text.replace(/[\r\n\u2028\u2029]+/g, ' '));
  // Only what Markdown would act on inline is escaped, so the text stays readable as
  // plain text too ("612 lines in 14 files (limit 400 lines)").
  return (
    inertLinks(oneLine)
      .replace(/\\/g, '\\\\')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/([`*[\]|~])/g, '\\$1')
      // `_` inside a word (max_lines) never emphasises in GitHub's Markdown; only at a word's edge
      .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_')
      .replace(/^(\s*)([#+=-])/, '$1\\$2')
      .replace(/^(\s*\d+)([.)])/, '$1\\$2')
  );
}

/** A code span that no backtick, newline or pipe in `code` can break out of. */
export function codeSpan(code: string, inTable = false): string {
  let text = clip(code.replace(/[\r\n\u2028\u2029]+/g, ' '));
  if (inTable) text = text.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || text.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

function clip(text: string): string {
  return text.length > MAX_INLINE ? `${text.slice(0, MAX_INLINE - 1)}…` : text;
}

export function renderText(text: Text, inTable = false): string {
  const parts: readonly Inline[] = typeof text === 'string' ? [text] : text;
  return parts.map((p) => (typeof p === 'string' ? escapeMarkdown(p) : codeSpan(p.code, inTable))).join('');
}

function more(shown: number, total: number | undefined): string {
  const rest = (total ?? shown) - shown;
  return rest > 0 ? `and ${rest.toLocaleString('en-US')} more` : '';
}

export function renderBlock(block: DetailBlock): string {
  switch (block.kind) {
    case 'paragraph':
      return renderText(block.text);
    case 'list': {
      const items = block.items.slice(0, MAX_ITEMS);
      const lines = items.map((i) => `- ${renderText(i)}`);
      const rest = more(items.length, Math.max(block.total ?? 0, block.items.length));
      if (rest) lines.push(`- …${rest}`);
      return [block.title ? renderText(block.title) : '', ...lines].filter(Boolean).join('\n');
    }
    case 'table': {
      const rows = block.rows.slice(0, MAX_ITEMS);
      const lines = [
        `| ${block.header.map((h) => escapeMarkdown(h)).join(' | ')} |`,
        `|${block.header.map(() => '---').join('|')}|`,
        ...rows.map((r) => `| ${r.map((c) => renderText(c, true)).join(' | ')} |`),
      ];
      const rest = more(rows.length, Math.max(block.total ?? 0, block.rows.length));
      return rest ? `${lines.join('\n')}\n\n…${rest}` : lines.join('\n');
    }
    case 'code': {
      const longest = Math.max(2, ...[...block.text.matchAll(/`+/g)].map((m) => m[0].length));
      const fence = '`'.repeat(longest + 1);
      return `${fence}${block.lang ?? ''}\n${block.text}\n${fence}`;
    }
  }
}

function renderBlocks(blocks: readonly DetailBlock[]): string {
  return blocks.map(renderBlock).join('\n\n');
}

/** The table row of docs/behaviour.md#format: | `batch-size` | ❌ fail | 612 lines in 14 files (limit 400 lines) | */
export function renderRow(o: GateOutcome): string {
  const third = o.status === 'overridden' && o.override ? overrideCell(o.override) : renderText(o.result.reason, true);
  return `| \`${o.id}\` | ${ICONS[o.status]} ${o.status} | ${third} |`;
}

/**
 * Who overrode and why, in the third cell: the login in a code span (no mention), the reason
 * escaped as any user text (no link, mention, HTML or table break) and cut short.
 */
function overrideCell(mark: OverrideMark): string {
  const reason =
    mark.reason.length > MAX_REASON_IN_ROW ? `${mark.reason.slice(0, MAX_REASON_IN_ROW - 1)}…` : mark.reason;
  return `by ${codeSpan(`@${mark.login}`, true)}: ${escapeMarkdown(reason)}`;
}

/** A link to a comment, only for an address on the GitHub host that Markdown cannot break out of. */
function commentLink(url: string): string {
  return /^https:\/\/[A-Za-z0-9.-]+(?::\d+)?\/[A-Za-z0-9._~/#%+-]*$/.test(url) && url.length <= 500
    ? ` ([comment](${url}))`
    : '';
}

/** The override lines under a gate's heading: the one that applies, and those that did not. */
function renderOverrides(o: GateOutcome): string[] {
  const parts: string[] = [];
  if (o.status === 'overridden' && o.override) {
    parts.push(
      `**Overridden** by ${codeSpan(`@${o.override.login}`)}${commentLink(o.override.url)}: ${escapeMarkdown(o.override.reason)}\n\nThe gate's own result, kept for review: ${renderText(o.result.reason)}. The conclusion counts the gate as passed.`,
    );
  }
  const refused = o.refusedOverrides ?? [];
  if (refused.length > 0) {
    const shown = refused
      .slice(0, MAX_REFUSED_SHOWN)
      .map((m) => `- ${codeSpan(`@${m.login}`)}${commentLink(m.url)}: ${m.refusal ? renderText(m.refusal) : ''}`);
    const rest = more(shown.length, refused.length);
    parts.push(['Overrides not applied:', ...shown, ...(rest ? [`- …${rest}`] : [])].join('\n'));
  }
  return parts;
}

/** Refused overrides listed under one gate at most. */
export const MAX_REFUSED_SHOWN = 5;

export function renderTable(outcomes: readonly GateOutcome[]): string {
  return ['| Gate | Result | Details |', '|---|---|---|', ...outcomes.map(renderRow)].join('\n');
}

export function renderGateSection(o: GateOutcome): string {
  const overrides = renderOverrides(o);
  if (o.status === 'pass') {
    // Passing gates keep their details out of the way, one click away.
    const inner = [...overrides, ...(o.result.details.length > 0 ? [renderBlocks(o.result.details)] : [])].join('\n\n');
    return `<details><summary>${ICONS.pass} <code>${o.id}</code> — ${o.title}: details</summary>\n\n${inner}\n\n</details>`;
  }
  const parts = [
    `### ${ICONS[o.status]} \`${o.id}\` — ${o.title}${o.status === 'overridden' ? ' (overridden)' : ''}`,
    ...overrides,
  ];
  if (o.mode === 'warn' && o.status === 'warn')
    parts.push('_Mode `warn`: this failure is reported but does not block the merge._');
  if (o.result.details.length > 0) parts.push(renderBlocks(o.result.details));
  if (o.result.fix.length > 0 && (o.status === 'fail' || o.status === 'warn' || o.status === 'overridden'))
    parts.push(`**How to fix**\n\n${renderBlocks(o.result.fix)}`);
  return parts.join('\n\n');
}

const RERUN_HINT = 'Use **Re-run** on this check, or comment `/gates recheck` on the pull request, to evaluate again.';

export function renderSummary(verdict: Verdict): string {
  switch (verdict.kind) {
    case 'skipped':
      return `${renderText(verdict.reason)}\n\nNo gate was evaluated.`;
    case 'config-error': {
      return [
        'The Quality Gates configuration is invalid, so no gate was evaluated.',
        renderProblems(verdict.problems),
        verdict.fix
          ? renderText(verdict.fix)
          : 'Fix the file on the base branch (configuration is always read from the base branch, never from the pull request), then re-run this check. `npx quality-gates validate` checks a file locally.',
      ].join('\n\n');
    }
    case 'error':
      return [
        `GitHub could not be read after retries, so the gates could not be evaluated (${escapeMarkdown(verdict.errorClass)}: ${escapeMarkdown(verdict.message)}).`,
        RERUN_HINT,
      ].join('\n\n');
    case 'evaluated': {
      const head = renderTable(verdict.outcomes);
      const notes = verdict.notes.map((n) => `> ${renderText(n)}`).join('\n>\n');
      const sections = verdict.outcomes
        .filter((o) => o.status !== 'pass' || o.result.details.length > 0 || (o.refusedOverrides?.length ?? 0) > 0)
        .map(renderGateSection);
      return fitSummary(head, notes, sections);
    }
  }
}

/** Joins table, notes and gate sections, dropping the tail of sections that would break GitHub's limit. */
function fitSummary(head: string, notes: string, sections: readonly string[]): string {
  const budget = CHECK_LIMITS.summary - 200;
  let out = notes ? `${head}\n\n${notes}` : head;
  for (let i = 0; i < sections.length; i++) {
    const next = `${out}\n\n${sections[i]}`;
    if (next.length > budget) {
      return `${out}\n\n_The details of ${sections.length - i} more gate(s) did not fit in GitHub's 65,535-character limit; see the table above._`;
    }
    out = next;
  }
  return out.length > CHECK_LIMITS.summary ? `${out.slice(0, CHECK_LIMITS.summary - 1)}…` : out;
}

/** `- `file:line:col` `key.path`: message` — the place and key in code spans, so they read exactly. */
export function renderProblem(p: ConfigProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return `- ${codeSpan(where)}${p.path ? ` ${codeSpan(p.path)}` : ''}: ${escapeMarkdown(p.message)}`;
}

function renderProblems(problems: readonly ConfigProblem[]): string {
  // parseConfigText lists 25 problems and counts the rest in one more entry, shown as it is.
  const lines = problems.slice(0, MAX_LISTED_PROBLEMS + 1).map(renderProblem);
  const rest = more(lines.length, problems.length);
  return [...lines, ...(rest ? [`- …${rest}`] : [])].join('\n');
}

/** The preview section for a PR that changes `.github/quality-gates.yml`. */
export function renderPreview(preview: Preview): string {
  const head = [
    '## Preview: the proposed configuration',
    preview.removed
      ? "This pull request removes `.github/quality-gates.yml`. It is judged by the base branch's file; after merge, the organisation's file or the built-in defaults apply."
      : "This pull request changes `.github/quality-gates.yml`. It is judged by the base branch's file; the proposed file applies after merge.",
  ];
  switch (preview.kind) {
    case 'invalid':
      return [
        ...head,
        'The proposed file is invalid; after merge, every pull request would get "Configuration error":',
        renderProblems(preview.problems),
      ].join('\n\n');
    case 'unavailable':
      return [...head, `The proposed file could not be previewed (${escapeMarkdown(preview.message)}).`].join('\n\n');
    case 'verdict': {
      const v = preview.verdict;
      const verdictLine = `With the proposed file, this pull request would conclude **${conclusionOf(v)}** (${escapeMarkdown(titleOf(v))}).`;
      return [...head, verdictLine, ...(v.kind === 'evaluated' ? [renderTable(v.outcomes)] : [])].join('\n\n');
    }
  }
}

export function renderCheckRun(verdict: Verdict, preview?: Preview, twins?: TwinNote): CheckOutput {
  // An evaluated verdict's title holds gate ids, fixed words and GitHub logins only ("Passed with
  // override: batch-size (by @lead)"), never text a user wrote: it is shown as it reads.
  const title = verdict.kind === 'evaluated' ? titleOf(verdict) : inertTitle(titleOf(verdict));
  let summary = renderSummary(verdict);
  if (twins) summary = withTwinNote(summary, twins);
  if (preview) {
    const section = renderPreview(preview);
    // The preview is the first thing dropped when the limit is near.
    if (summary.length + section.length + 2 <= CHECK_LIMITS.summary) summary = `${summary}\n\n${section}`;
  }
  return {
    conclusion: conclusionOf(verdict),
    title: title.length > CHECK_LIMITS.title ? `${title.slice(0, CHECK_LIMITS.title - 1)}…` : title,
    summary,
  };
}

/** A pull request as the twin note names it. */
export interface TwinLine {
  readonly number: number;
  /** Its base branch (user text). */
  readonly baseRef: string;
  readonly conclusion: CheckConclusion;
  /** Its own run's title, e.g. "Skipped: draft pull request" (may hold user text). */
  readonly title: string;
}

/** The open pull requests that share a head commit, for the note under the run's summary. */
export interface TwinNote {
  /** The pull request whose verdict the run shows (the most restrictive). */
  readonly decidedBy: TwinLine;
  /** The other open pull requests judged on this commit, by number. */
  readonly others: readonly TwinLine[];
  /** True when more open pull requests share the commit than Quality Gates judges: the run is blocked. */
  readonly tooMany: boolean;
  /** How many pull requests Quality Gates judges on one commit at most. */
  readonly limit: number;
}

const twinLine = (t: TwinLine) =>
  `#${t.number} (into ${codeSpan(t.baseRef)}): **${t.conclusion}**, ${escapeMarkdown(t.title)}`;

/** The note on a run whose commit is the head of several open pull requests. */
export function renderTwinNote(note: TwinNote): string {
  const count = note.others.length + 1;
  const head = '### Other pull requests on this commit';
  if (note.tooMany) {
    return [
      head,
      `More than ${note.limit} open pull requests have this commit as their head. A check run belongs to the commit, and Quality Gates judges at most ${note.limit} pull requests on one commit, so it cannot tell which verdict is the most restrictive, and blocks the commit.`,
      'Close the pull requests that are not needed (several pull requests from one branch, or from branches at the same commit), then re-run this check. Judged so far:',
      [note.decidedBy, ...note.others].map((t) => `- ${twinLine(t)}`).join('\n'),
    ].join('\n\n');
  }
  return [
    head,
    `This commit is the head of ${count} open pull requests. A check run belongs to the commit, so each pull request is judged by its own base branch's configuration, and every check run on the commit shows the most restrictive verdict: here that of #${note.decidedBy.number} (into ${codeSpan(note.decidedBy.baseRef)}), shown above. The others:`,
    note.others.map((t) => `- ${twinLine(t)}`).join('\n'),
  ].join('\n\n');
}

/** `summary` with the twin note after it, cutting the summary if both would pass GitHub's limit. */
export function withTwinNote(summary: string, note: TwinNote): string {
  const section = renderTwinNote(note);
  const room = CHECK_LIMITS.summary - section.length - 3;
  const body = summary.length > room ? `${summary.slice(0, Math.max(0, room - 1))}…` : summary;
  return `${body}\n\n${section}`;
}

/** Output of the per-gate run "<name> / <gate-id>". */
export function renderGateRun(o: GateOutcome): { title: string; summary: string } {
  const status = o.status === 'overridden' ? `Passed with override (by @${o.override?.login ?? 'ghost'})` : o.status;
  const title = `${status}: ${inertTitle(clip(plain(o.result.reason)))}`;
  return {
    title: title.length > CHECK_LIMITS.title ? `${title.slice(0, CHECK_LIMITS.title - 1)}…` : title,
    summary: `${renderTable([o])}\n\n${renderGateSection(o)}`.slice(0, CHECK_LIMITS.summary),
  };
}
