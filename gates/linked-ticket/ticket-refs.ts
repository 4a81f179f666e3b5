/**
 * Finds ticket references in free text (PR title, branch name, description,
 * commit messages) for the linked-ticket gate (docs/gates/linked-ticket.md).
 *
 * Input is user text up to 64 KB of arbitrary Unicode, so every expression here
 * runs in linear time: each one is a chain of character classes separated by
 * delimiters the classes do not contain, and each can only start at a word
 * start (a look-behind on one character). A failed attempt therefore gives up
 * after one run of letters or digits, never after trying other splits of it.
 * User `patterns` run on RE2 (re2js), which is linear by construction.
 *
 * References recognised (a reference is not looked up: it counts whether or not
 * the issue exists):
 * - Jira-style keys `ABC-123`, `ABC2-45`: a project key that starts with a
 *   letter, a dash, a number, as a whole word (letters and digits may not touch
 *   it; `_`, `/`, `-`, punctuation and spaces may).
 *   - `projects` empty: the key is upper case, at least two characters, and not
 *     a well-known standard name (`UTF-8`, `SHA-256`, `ISO-8601`, `RFC-7231`, …).
 *   - `projects` set: only those project keys; in the branch name in any case
 *     (`feature/pay-42-refunds`), elsewhere in upper case only.
 * - GitHub references: `#123`, `owner/repo#123`, `GH-123` (any case), issue and
 *   pull-request URLs on any host (`https://<host>/owner/repo/issues/123`,
 *   `…/pull/123`), which covers closing keywords (`Fixes #123`) and GitHub
 *   Enterprise hosts. In the branch name also `issue-123`, `issues/123`.
 *   A bare number (`123-fix-login`) is not a reference: it cannot be told from
 *   a date (`2024-05-01-cleanup`), a year or a version.
 * - Extra `patterns` (RE2 syntax), anywhere; a match must hold at least one character.
 */
import { RE2JS } from 're2js';

export type TicketKind = 'jira' | 'github' | 'url' | 'pattern';

export interface TicketRef {
  readonly kind: TicketKind;
  /** The text that matched, e.g. `PAY-42`, `#123`, or what a pattern matched. */
  readonly text: string;
}

/** Why a Jira-shaped word was not counted as a ticket. */
export type IgnoredWhy = 'standard-name' | 'not-a-project' | 'lower-case';

export interface IgnoredKey {
  readonly text: string;
  readonly why: IgnoredWhy;
}

export interface TicketScan {
  /** The first reference found, or `null`. */
  readonly ref: TicketRef | null;
  /**
   * Jira-shaped words that were not counted, for the failure's details (at most
   * `MAX_IGNORED`, first seen first). Lower-case words are reported only when they
   * name a configured project, so `node-20` or `step-2` never show up here.
   */
  readonly ignored: readonly IgnoredKey[];
  /** User patterns that RE2 could not compile (config validation normally prevents this). */
  readonly badPatterns: readonly string[];
}

/** A user pattern compiled once (`compileTicketPatterns`); `re` is null when RE2 cannot compile it. */
export interface TicketPattern {
  readonly source: string;
  readonly re: RE2JS | null;
}

export interface TicketOptions {
  /** Jira project keys allowed (upper case); empty means any key. */
  readonly projects: readonly string[];
  /** Extra ticket expressions, compiled once per config (`compileTicketPatterns`). */
  readonly patterns: readonly TicketPattern[];
  /** True for the branch name: lower-case project keys and `issue-123` count there. */
  readonly branch?: boolean;
}

/** Most ignored words one scan reports. */
export const MAX_IGNORED = 10;

/**
 * Standard names shaped like Jira keys, not counted when `projects` is empty.
 * A project key here is never a ticket (every `SHA-*`, `ISO-*`, `RFC-*`, `CVE-*`).
 *
 * RFC-7231 is read as the IETF standard, not a ticket: with `projects` empty the
 * gate would otherwise pass on any PR that cites a standard. A team whose tracker
 * really has an `RFC` project lists it in `projects`, which always wins.
 */
export const STANDARD_PROJECTS: ReadonlySet<string> = new Set([
  // encodings, hashes, ciphers
  'UTF',
  'UCS',
  'SHA',
  'CRC',
  'AES',
  'RSA',
  // standards bodies and series
  'ISO',
  'IEC',
  'IEEE',
  'ECMA',
  'RFC',
  'BCP',
  // vulnerability and weakness ids (CVE-2024-3094 holds the key shape CVE-2024)
  'CVE',
  'CWE',
  // language and platform proposals
  'PEP',
  'PSR',
  'JSR',
  'JEP',
  'KEP',
  // protocols and guidelines
  'HTTP',
  'TLS',
  'SSL',
  'DTLS',
  'IPV',
  'WCAG',
  'COVID',
]);

/** Single standard names whose project part may be a real project elsewhere (`BASE-64`, but not `BASE-12`). */
export const STANDARD_KEYS: ReadonlySet<string> = new Set([
  'MD-4',
  'MD-5',
  'BASE-16',
  'BASE-32',
  'BASE-58',
  'BASE-62',
  'BASE-64',
  'BASE-85',
  'SOC-1',
  'SOC-2',
  'SOC-3',
  'ED-448',
  'ED-25519',
  'CURVE-25519',
  'WIN-32',
  'WIN-64',
  'ARM-64',
  'AMD-64',
  'X86-64',
  'X86-32',
  'INT-8',
  'INT-16',
  'INT-32',
  'INT-64',
  'INT-128',
  'UINT-8',
  'UINT-16',
  'UINT-32',
  'UINT-64',
  'FLOAT-16',
  'FLOAT-32',
  'FLOAT-64',
  'MP-3',
  'MP-4',
  'MPEG-2',
  'MPEG-4',
  'OAUTH-1',
  'OAUTH-2',
  'ES-5',
  'ES-6',
  'ES-2015',
  'ES-2016',
  'ES-2017',
  'ES-2018',
  'ES-2019',
  'ES-2020',
  'ES-2021',
  'ES-2022',
  'ES-2023',
  'ES-2024',
  'ES-2025',
]);

// Word characters for "whole word": letters and digits of any script. `_` is a
// separator so that `feature/PAY-42_refunds` holds `PAY-42`.
// Without the `g` flag, so that no `lastIndex` is shared between calls (eslint/gates-state.js);
// `scanJira` makes its own global copy of JIRA to walk every key.
const JIRA = /(?<![\p{L}\p{N}])([A-Za-z][A-Za-z0-9]*)-([0-9]+)(?![\p{L}\p{N}])/u;
const HASH = /(?<![\p{L}\p{N}_&#])#([0-9]+)(?![\p{L}\p{N}_])/u;
const REPO_HASH = /(?<![\p{L}\p{N}_./-])[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+#([0-9]+)(?![\p{L}\p{N}_])/u;
const GH = /(?<![\p{L}\p{N}])gh-([0-9]+)(?![\p{L}\p{N}])/iu;
const URL =
  /(?<![\p{L}\p{N}])https?:\/\/[A-Za-z0-9.-]+(?::[0-9]+)?\/[A-Za-z0-9-]+\/[A-Za-z0-9._-]+\/(?:issues|pull)\/([0-9]+)(?![\p{L}\p{N}_])/iu;
const BRANCH_ISSUE = /(?<![\p{L}\p{N}])issues?[-_/]?([0-9]+)(?![\p{L}\p{N}])/iu;

/** How many empty matches of one pattern are skipped before giving up on it. */
const MAX_EMPTY_MATCHES = 16;

/** Compiles user patterns once, for every text one evaluation scans (linked-ticket's prepared config). */
export function compileTicketPatterns(patterns: readonly string[]): TicketPattern[] {
  return patterns.map((source) => {
    try {
      return { source, re: RE2JS.compile(source) };
    } catch {
      return { source, re: null };
    }
  });
}

/** First match of a (non-global) expression, or null. */
function firstMatch(re: RegExp, text: string): string | null {
  return re.exec(text)?.[0] ?? null;
}

/** Jira-style keys: the first accepted one, and the ignored ones seen before it. */
function scanJira(text: string, opts: TicketOptions, ignored: IgnoredKey[]): TicketRef | null {
  const projects = opts.projects;
  const seen = new Set<string>();
  const ignore = (key: string, why: IgnoredWhy) => {
    if (ignored.length < MAX_IGNORED && !seen.has(key)) {
      seen.add(key);
      ignored.push({ text: key, why });
    }
  };
  const jira = new RegExp(JIRA, 'gu');
  for (let m = jira.exec(text); m !== null; m = jira.exec(text)) {
    const key = m[0];
    const project = m[1] ?? '';
    const upper = project.toUpperCase();
    const isUpper = project === upper;
    if (projects.length > 0) {
      if (!projects.includes(upper)) {
        if (isUpper) ignore(key, 'not-a-project');
        continue;
      }
      if (isUpper || opts.branch) return { kind: 'jira', text: key };
      ignore(key, 'lower-case');
      continue;
    }
    // No projects: upper case, two characters or more, and not a standard name.
    if (!isUpper || project.length < 2) continue;
    if (STANDARD_PROJECTS.has(project) || STANDARD_KEYS.has(`${project}-${m[2] ?? ''}`)) {
      ignore(key, 'standard-name');
      continue;
    }
    return { kind: 'jira', text: key };
  }
  return null;
}

/** GitHub references (`#123`, `owner/repo#123`, `GH-123`, issue/PR URLs; `issue-123` in a branch). */
function scanGitHub(text: string, branch: boolean): TicketRef | null {
  // Cheap guards keep the common case (no `#`, no URL) to one indexOf each.
  if (text.includes('#')) {
    const hash = firstMatch(HASH, text) ?? firstMatch(REPO_HASH, text);
    if (hash) return { kind: 'github', text: hash };
  }
  const gh = firstMatch(GH, text);
  if (gh) return { kind: 'github', text: gh };
  if (text.includes('://')) {
    const url = firstMatch(URL, text);
    if (url) return { kind: 'url', text: url };
  }
  if (branch) {
    const issue = firstMatch(BRANCH_ISSUE, text);
    if (issue) return { kind: 'github', text: issue };
  }
  return null;
}

function scanPatterns(text: string, patterns: readonly TicketPattern[], bad: string[]): TicketRef | null {
  for (const { source, re } of patterns) {
    if (re === null) {
      bad.push(source);
      continue;
    }
    // An empty match (`x*`, `$`) is not a reference: it would pass every pull request.
    // Later matches are tried a bounded number of times, each linear.
    const matcher = re.matcher(text);
    for (let attempt = 0; attempt < MAX_EMPTY_MATCHES && matcher.find(); attempt++) {
      const found = matcher.group() ?? '';
      if (found !== '') return { kind: 'pattern', text: found };
    }
  }
  return null;
}

/** Looks for a ticket reference in one piece of text. Never throws on any string. */
export function findTicket(text: string, opts: TicketOptions): TicketScan {
  const ignored: IgnoredKey[] = [];
  const badPatterns: string[] = [];
  const branch = opts.branch === true;
  const ref =
    scanJira(text, opts, ignored) ?? scanGitHub(text, branch) ?? scanPatterns(text, opts.patterns, badPatterns);
  return { ref, ignored: ref ? [] : ignored, badPatterns };
}
