/**
 * linked-ticket (docs/gates/linked-ticket.md): every change can be traced to the issue or ticket it serves.
 *
 * Passes when GitHub links a closing issue to the pull request, or when one of the
 * places named by `in` (title, branch, body, commits) holds a ticket reference
 * (see `ticket-refs.ts` for what counts). GitHub links closing issues only for
 * pull requests that target the default branch, so the text is always read too.
 */
import type { PullRequestSnapshot } from '../snapshot.js';
import { LinkedTicketConfig } from '../config-fields.js';
import { defineGate, result, withNumbers, type DetailBlock, type Inline, type Prepared, type Text } from '../gate.js';
import {
  compileTicketPatterns,
  findTicket,
  MAX_IGNORED,
  type IgnoredKey,
  type IgnoredWhy,
  type TicketOptions,
  type TicketPattern,
  type TicketRef,
} from './ticket-refs.js';
import { joinWords, oneLine, plural } from '../lib/words.js';

type Place = LinkedTicketConfig['in'][number];

/** How each place is named in sentences. */
const PLACE_NAMES: Record<Place, string> = {
  title: 'title',
  branch: 'branch name',
  body: 'description',
  commits: 'commit messages',
};
/** Longest excerpt of a place's content shown in the details. */
export const EXCERPT_CHARS = 120;
/** Most commit subjects listed in the details. */
export const COMMITS_SHOWN = 10;

const IGNORED_WHY: Record<IgnoredWhy, string> = {
  'standard-name': 'a standard name, not a ticket',
  'not-a-project': 'not one of the configured projects',
  'lower-case': 'lower case; project keys count in lower case only in the branch name',
};

interface Found {
  readonly ref: TicketRef;
  readonly where: Text;
  readonly place: Place;
}

const short = (sha: string) => sha.slice(0, 7);

function issueName(pr: PullRequestSnapshot, issue: { number: number; repository: string }): string {
  const here = `${pr.repository.owner}/${pr.repository.name}`.toLowerCase();
  return issue.repository === '' || issue.repository.toLowerCase() === here
    ? `#${issue.number}`
    : `${issue.repository}#${issue.number}`;
}

/** linked-ticket's `patterns`, compiled once per config. */
export interface LinkedTicketPrepared extends Prepared {
  readonly patterns: readonly TicketPattern[];
}

/** What a compiled RE2 pattern holds, estimated per character of its source, plus a fixed part (measured, rounded up). */
const PATTERN_BYTES_PER_CHAR = 256;
const PATTERN_BYTES = 4096;

export function prepareLinkedTicket(cfg: Pick<LinkedTicketConfig, 'patterns'>): LinkedTicketPrepared {
  const patterns = compileTicketPatterns(cfg.patterns);
  return {
    patterns,
    bytes: cfg.patterns.reduce((sum, p) => sum + PATTERN_BYTES + p.length * PATTERN_BYTES_PER_CHAR, 0),
  };
}

export const linkedTicket = defineGate({
  id: 'linked-ticket',
  title: 'Linked ticket',
  // Needs are static: `commits` is declared always, though it is read only when `in` names it.
  needs: ['commits', 'closingIssues'],
  config: LinkedTicketConfig,
  prepare: prepareLinkedTicket,
  evaluate(pr, cfg, prepared = prepareLinkedTicket(cfg)) {
    if (pr.closingIssues.length > 0) {
      const names = pr.closingIssues.map((i) => issueName(pr, i));
      const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? ', …' : '');
      const linked = result.pass(
        names.length === 1
          ? `Linked to issue ${shown} on GitHub`
          : `Linked to ${plural(names.length, 'issue')} on GitHub (${shown})`,
      );
      return withNumbers(linked, { ticketFound: true, ticketWhere: 'linked-issue' });
    }

    const places = [...new Set(cfg.in)];
    const opts = { projects: cfg.projects, patterns: prepared.patterns };
    const ignored: IgnoredKey[] = [];
    const badPatterns = new Set<string>();
    const look = (text: string, branch: boolean): TicketRef | null => {
      const scan = findTicket(text, { ...opts, branch } satisfies TicketOptions);
      for (const p of scan.badPatterns) badPatterns.add(p);
      for (const i of scan.ignored)
        if (ignored.length < MAX_IGNORED && !ignored.some((k) => k.text === i.text)) ignored.push(i);
      return scan.ref;
    };

    let found: Found | null = null;
    for (const place of places) {
      if (place === 'commits') {
        for (const c of pr.commits.nodes) {
          const ref = look(c.message, false);
          if (ref) {
            found = { ref, where: ['the message of commit ', { code: short(c.sha) }], place };
            break;
          }
        }
      } else {
        const text = { title: pr.title, branch: pr.headRef, body: pr.body }[place];
        const ref = look(text, place === 'branch');
        if (ref) found = { ref, where: `the ${PLACE_NAMES[place]}`, place };
      }
      if (found) break;
    }

    if (found) {
      const where: readonly Inline[] = typeof found.where === 'string' ? [found.where] : found.where;
      return withNumbers(result.pass(['Found ', { code: oneLine(found.ref.text, 80) }, ' in ', ...where]), {
        ticketFound: true,
        ticketWhere: found.place,
      });
    }
    return withNumbers(fail(pr, cfg, places, ignored, [...badPatterns]), { ticketFound: false });
  },
});

function fail(
  pr: PullRequestSnapshot,
  cfg: LinkedTicketConfig,
  places: readonly Place[],
  ignored: readonly IgnoredKey[],
  badPatterns: readonly string[],
) {
  const reason = `No ticket reference in the ${joinWords(places.map((p) => PLACE_NAMES[p]))}, and no linked issue`;

  const rows: Text[][] = places.map((place): Text[] => {
    switch (place) {
      case 'title':
        return ['Title', pr.title.trim() === '' ? 'empty' : [{ code: oneLine(pr.title, EXCERPT_CHARS) }]];
      case 'branch':
        return ['Branch', pr.headRef === '' ? 'unknown' : [{ code: oneLine(pr.headRef, EXCERPT_CHARS) }]];
      case 'body':
        return [
          'Description',
          pr.body.trim() === ''
            ? 'empty'
            : [{ code: oneLine(pr.body, EXCERPT_CHARS) }, ` (${plural(pr.body.length, 'character')})`],
        ];
      case 'commits':
        return ['Commit messages', plural(pr.commits.nodes.length, 'commit')];
    }
  });
  const details: DetailBlock[] = [
    {
      kind: 'paragraph',
      text: `This pull request has no ticket reference in the places this gate reads, and GitHub links no issue to it.`,
    },
    { kind: 'table', header: ['Looked in', 'Content'], rows },
  ];
  if (places.includes('commits') && pr.commits.nodes.length > 0) {
    details.push({
      kind: 'list',
      title: 'Commit subjects:',
      items: pr.commits.nodes
        .slice(0, COMMITS_SHOWN)
        .map((c): Text => [{ code: short(c.sha) }, ` ${oneLine(c.subject, EXCERPT_CHARS)}`]),
      total: pr.commits.nodes.length,
    });
  }
  if (places.includes('commits') && pr.commits.truncated) {
    details.push({
      kind: 'paragraph',
      text: `GitHub lists only ${plural(pr.commits.nodes.length, 'commit')} of ${pr.commits.totalCount.toLocaleString('en-US')}; the other commit messages were not read.`,
    });
  }
  if (ignored.length > 0) {
    details.push({
      kind: 'list',
      title: 'Not counted as tickets:',
      items: ignored.map((i): Text => [{ code: i.text }, ` — ${IGNORED_WHY[i.why]}`]),
    });
  }
  details.push({ kind: 'paragraph', text: recognised(cfg) });
  if (badPatterns.length > 0) {
    details.push({
      kind: 'list',
      title: 'Patterns that could not be compiled (ignored):',
      items: badPatterns.map((p): Text => [{ code: p }]),
    });
  }
  if (pr.baseRef !== '' && pr.baseRef !== pr.repository.defaultBranch) {
    details.push({
      kind: 'paragraph',
      text: [
        'This pull request targets ',
        { code: pr.baseRef },
        ', not the default branch ',
        { code: pr.repository.defaultBranch },
        ', so GitHub does not link issues from closing keywords; the gate still reads the reference in the text.',
      ],
    });
  }
  return result.fail(reason, details, fixFor(pr, cfg, places));
}

/** "References recognised: …" for the details, naming the configured projects and patterns. */
function recognised(cfg: LinkedTicketConfig): Text {
  const key = cfg.projects.length > 0 ? `${cfg.projects[0]}-123` : 'ABC-123';
  const parts: Inline[] = ['References recognised: Jira-style keys such as ', { code: key }];
  if (cfg.projects.length > 0) {
    parts.push(' (projects ');
    cfg.projects.forEach((p, i) => parts.push(...(i > 0 ? [', '] : []), { code: p }));
    parts.push(')');
  }
  parts.push(
    ', ',
    { code: '#123' },
    ', ',
    { code: 'owner/repo#123' },
    ', ',
    { code: 'GH-123' },
    ', and issue or pull request URLs',
  );
  if (cfg.patterns.length > 0) {
    parts.push(', or text matching ');
    cfg.patterns.slice(0, 5).forEach((p, i) => parts.push(...(i > 0 ? [', '] : []), { code: p }));
    if (cfg.patterns.length > 5) parts.push(` and ${plural(cfg.patterns.length - 5, 'more pattern')}`);
  }
  parts.push('.');
  return parts;
}

function fixFor(pr: PullRequestSnapshot, cfg: LinkedTicketConfig, places: readonly Place[]): DetailBlock[] {
  const project = cfg.projects[0];
  const key = project ? `${project}-123` : 'ABC-123';
  const title = oneLine(pr.title, 100) || 'Describe the change';
  const fix: DetailBlock[] = [];
  if (places.includes('title')) {
    fix.push({ kind: 'paragraph', text: 'Add the ticket to the title, for example:' });
    fix.push({ kind: 'code', lang: 'text', text: project ? `${key}: ${title}` : `${key}: ${title}\n${title} (#123)` });
  }
  if (places.includes('body')) {
    fix.push({
      kind: 'paragraph',
      text: ['Or name it in the description, for example ', { code: project ? `Fixes ${key}` : 'Fixes #123' }, '.'],
    });
  }
  if (places.includes('branch')) {
    const branchKey = project ? `${project.toLowerCase()}-123` : key;
    fix.push({
      kind: 'paragraph',
      text: ['New branches can carry it in their name, for example ', { code: `feature/${branchKey}-short-name` }, '.'],
    });
  }
  if (places.length === 1 && places[0] === 'commits') {
    fix.push({ kind: 'paragraph', text: 'Add the ticket to a commit message, then update the branch:' });
    fix.push({
      kind: 'code',
      lang: 'sh',
      text: `git commit --amend -m '${key}: ${title.replace(/'/g, '')}'\ngit push --force-with-lease`,
    });
  }
  fix.push({
    kind: 'paragraph',
    text: 'Linking an issue to the pull request on GitHub (the Development section of its sidebar) also passes this gate. Editing the title or description re-evaluates it.',
  });
  return fix;
}
