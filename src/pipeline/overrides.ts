/**
 * Break-glass overrides (docs/overrides.md): `/gates override <gate-id|all|a,b> <reason>` in a
 * pull request comment marks failing gates as passed. Pure: the loader reads the comments and when
 * the head commit arrived (src/load/loader.ts `Conversation`), team members come through the team
 * cache into `pr.teams`, and this module decides, comment by comment and gate by gate, what
 * applies. Nothing is remembered between evaluations: the comments on GitHub are the record, and
 * every evaluation judges them again against the base branch's `overrides` settings.
 *
 * What a commenter can cost is bounded: the newest `MAX_OVERRIDE_COMMANDS` commands are judged,
 * `MAX_GATES_NAMED` gate names each, and what they wrote is shown clipped and escaped by the
 * renderer (src/checks/render.ts).
 */
import { GATE_IDS, type GateId } from '../../gates/registry.js';
import type { QualityGatesConfig } from '../../gates/config.js';
import type { PullRequestSnapshot } from '../../gates/snapshot.js';
import type { Inline, Text } from '../../gates/gate.js';
import type { GateOutcome, OverrideMark, Verdict } from '../checks/verdict.js';
import type { Conversation, PullComment } from '../load/loader.js';
import type { OverrideRecord } from '../store/index.js';
import { findCommand } from '../server/commands.js';

/** The shortest reason accepted, in characters (trimmed). */
export const MIN_REASON_CHARS = 10;
/** Override commands judged per pull request, newest first; older ones are not read. */
export const MAX_OVERRIDE_COMMANDS = 50;
/** Gate names read from one command; more are refused as one. */
export const MAX_GATES_NAMED = 20;
/** Longest gate name kept as written (an unknown one is shown and logged). */
const MAX_NAME_CHARS = 50;

export type OverrideSettings = QualityGatesConfig['overrides'];

/** Why an override does not apply. */
export type Refusal =
  | 'off'
  | 'not-allowed'
  | 'edited'
  | 'hidden'
  | 'no-reason'
  | 'short-reason'
  | 'no-gate'
  | 'too-many-gates'
  | 'unknown-gate'
  | 'not-overridable'
  | 'older-head'
  | 'head-unknown';

/** One gate of one override comment, as this evaluation judged it. */
export interface OverrideDecision {
  /** The commenter (`ghost` for a deleted account). */
  readonly login: string;
  readonly url: string;
  readonly createdAt: string;
  /** The reason as written (the start of the line; the renderer clips and escapes it). */
  readonly reason: string;
  /** A gate id, or a name as written (lower case, clipped) when it is none. */
  readonly gate: string;
  /** A known gate id (`gate` when it is one). */
  readonly gateId: GateId | undefined;
  readonly outcome: 'applied' | 'refused';
  readonly refusal?: Refusal;
  /** The commenter is the pull request's author. */
  readonly self: boolean;
}

interface ParsedCommand {
  readonly comment: PullComment;
  /** Gate names as written, lower case; `all` is kept as written. */
  readonly names: readonly string[];
  readonly tooMany: boolean;
  readonly reason: string;
}

/** The override command of a comment, or undefined when its first command is none. */
export function parseOverride(comment: PullComment): ParsedCommand | undefined {
  const command = findCommand(comment.body);
  if (command?.name !== 'override') return undefined;
  const { names, rest } = splitGates(command.args);
  return {
    comment,
    names: names.slice(0, MAX_GATES_NAMED).map((n) => n.slice(0, MAX_NAME_CHARS)),
    tooMany: names.length > MAX_GATES_NAMED,
    reason: rest,
  };
}

/**
 * `batch-size,tests-touched Hotfix …` → the names and the reason. The names are the first word,
 * split at commas; a word ending in a comma, or a comma starting the next word, continues the list
 * (`batch-size, tests-touched`).
 */
function splitGates(args: string): { names: string[]; rest: string } {
  let list = '';
  let rest = args.trim();
  for (;;) {
    const end = rest.search(/\s/);
    const word = end === -1 ? rest : rest.slice(0, end);
    if (word === '') break;
    if (list !== '' && !list.endsWith(',') && !word.startsWith(',')) break;
    list += word;
    rest = end === -1 ? '' : rest.slice(end).trimStart();
  }
  const names = list
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== '');
  return { names, rest: rest.trim() };
}

export interface JudgeInput {
  readonly conversation: Conversation;
  readonly settings: OverrideSettings;
  /** The gates the verdict evaluated (what `all` means). */
  readonly enabled: readonly GateId[];
  /** The pull request: its author, and the members of the teams `overrides.allowed` names. */
  readonly pr: Pick<PullRequestSnapshot, 'author' | 'teams'>;
}

/** The override commands of the conversation, newest last, at most `MAX_OVERRIDE_COMMANDS`. */
export function overrideCommands(conversation: Conversation): ParsedCommand[] {
  const newestFirst: ParsedCommand[] = [];
  for (let i = conversation.comments.length - 1; i >= 0 && newestFirst.length < MAX_OVERRIDE_COMMANDS; i--) {
    const parsed = parseOverride(conversation.comments[i]!);
    if (parsed) newestFirst.push(parsed);
  }
  return newestFirst.reverse();
}

/**
 * The teams (`org/team`, lower case) whose members decide who may override, when the
 * conversation holds an override command by someone `overrides.allowed` does not list by login:
 * the loader reads them through the team cache.
 */
export function overrideTeams(conversation: Conversation, settings: OverrideSettings): string[] {
  if (settings.allowed.length === 0) return [];
  const unlisted = overrideCommands(conversation).some(
    (c) => c.comment.author !== null && !isAllowed(c.comment.author, settings.allowed, {}),
  );
  if (!unlisted) return [];
  return [
    ...new Set(settings.allowed.filter((p) => p.includes('/')).map((p) => p.replace(/^@/, '').toLowerCase())),
  ].sort();
}

/** Whether `login` is listed in `allowed`, directly or through a team whose members `teams` holds. */
export function isAllowed(login: string, allowed: readonly string[], teams: PullRequestSnapshot['teams']): boolean {
  const who = login.toLowerCase();
  return allowed.some((entry) => {
    const name = entry.replace(/^@/, '').toLowerCase();
    if (!name.includes('/')) return name === who;
    return teams[name]?.includes(who) === true;
  });
}

/** Every gate of every override command, applied or refused, oldest comment first. */
export function judgeOverrides(input: JudgeInput): OverrideDecision[] {
  const { settings, enabled, pr, conversation } = input;
  const author = pr.author.login.toLowerCase();
  return overrideCommands(conversation).flatMap((cmd) => {
    const { comment } = cmd;
    const login = comment.author ?? 'ghost';
    const all = cmd.names.includes('all');
    const named = all ? [...new Set([...enabled, ...cmd.names.filter((n) => n !== 'all')])] : [...new Set(cmd.names)];
    const base = {
      login,
      url: comment.url,
      createdAt: comment.createdAt,
      reason: cmd.reason,
      self: login.toLowerCase() === author,
    };
    const whole = commentRefusal(cmd, input);
    const decide = (gate: string, refusal: Refusal | undefined): OverrideDecision => {
      const gateId = (GATE_IDS as readonly string[]).includes(gate) ? (gate as GateId) : undefined;
      return refusal
        ? { ...base, gate, gateId, outcome: 'refused', refusal }
        : { ...base, gate, gateId, outcome: 'applied' };
    };
    if (named.length === 0) return [decide('', whole ?? 'no-gate')];
    if (whole === undefined && cmd.tooMany) return named.map((g) => decide(g, 'too-many-gates'));
    return named.map((gate) => {
      if (whole) return decide(gate, whole);
      if (!(GATE_IDS as readonly string[]).includes(gate)) return decide(gate, 'unknown-gate');
      if (settings.gates.length > 0 && !settings.gates.includes(gate as GateId)) return decide(gate, 'not-overridable');
      return decide(gate, undefined);
    });
  });
}

/** What refuses a whole comment, whatever gates it names. */
function commentRefusal(cmd: ParsedCommand, { settings, pr, conversation }: JudgeInput): Refusal | undefined {
  const { comment } = cmd;
  if (settings.allowed.length === 0) return 'off';
  if (comment.author === null || !isAllowed(comment.author, settings.allowed, pr.teams)) return 'not-allowed';
  if (comment.edited) return 'edited';
  if (comment.hidden) return 'hidden';
  if (cmd.reason === '') return 'no-reason';
  if ([...cmd.reason].length < MIN_REASON_CHARS) return 'short-reason';
  if (settings.expire_on_push) {
    if (conversation.headArrivedAt === null) return 'head-unknown';
    // Same second is not after: GitHub's times have whole seconds (docs/overrides.md).
    if (!(Date.parse(comment.createdAt) > Date.parse(conversation.headArrivedAt))) return 'older-head';
  }
  return undefined;
}

/** Why an override did not apply, in the words the check run shows. */
export function refusalText(d: Pick<OverrideDecision, 'refusal' | 'gate' | 'login'>, headSha: string): Text {
  switch (d.refusal) {
    case 'off':
      return ['overrides are off: ', { code: 'overrides.allowed' }, " in the base branch's configuration lists nobody"];
    case 'not-allowed':
      return [
        { code: d.login },
        ' is not listed in ',
        { code: 'overrides.allowed' },
        " of the base branch's configuration, directly or through a team",
      ];
    case 'edited':
      return 'the comment was edited after it was posted; an override must be a new, unedited comment';
    case 'hidden':
      return 'the comment is hidden';
    case 'no-reason':
      return ['no reason was given: ', { code: '/gates override <gate-id|all> <reason>' }];
    case 'short-reason':
      return `the reason is shorter than ${MIN_REASON_CHARS} characters`;
    case 'no-gate':
      return ['no gate was named: ', { code: '/gates override <gate-id|all> <reason>' }];
    case 'too-many-gates':
      return `more than ${MAX_GATES_NAMED} gates were named`;
    case 'unknown-gate':
      return [{ code: d.gate }, ' is not a gate id'];
    case 'not-overridable':
      return [
        { code: d.gate },
        ' is not listed in ',
        { code: 'overrides.gates' },
        " of the base branch's configuration",
      ];
    case 'older-head':
      return [
        'it was given before the head commit ',
        { code: headSha.slice(0, 7) },
        ' arrived; a push needs a new override',
      ];
    case 'head-unknown':
      return [
        'GitHub has not recorded when the head commit ',
        { code: headSha.slice(0, 7) },
        ' arrived yet; comment again',
      ];
    case undefined:
      return 'applied';
  }
}

const inlines = (text: Text): readonly Inline[] => (typeof text === 'string' ? [text] : text);

/** Refusals shown under one gate at most; the rest are counted. */
export const MAX_REFUSALS_SHOWN = 5;

/**
 * The verdict with the overrides applied: a gate that fails (or warns) and has an applied override
 * becomes `overridden` (the newest override is shown), keeping its result, so the details still
 * show what was overridden. Refusals are shown under their gate, or in the notes when they name
 * no evaluated gate.
 */
export function withOverrides(verdict: Verdict, decisions: readonly OverrideDecision[], headSha: string): Verdict {
  if (verdict.kind !== 'evaluated' || decisions.length === 0) return verdict;
  const mark = (d: OverrideDecision): OverrideMark => ({
    login: d.login,
    reason: d.reason,
    url: d.url,
    ...(d.refusal ? { refusal: refusalText(d, headSha) } : {}),
  });
  const ids = new Set<string>(verdict.outcomes.map((o) => o.id));
  const outcomes = verdict.outcomes.map((o): GateOutcome => {
    const mine = decisions.filter((d) => d.gateId === o.id);
    const applied = mine.filter((d) => d.outcome === 'applied').at(-1);
    const refused = mine.filter((d) => d.outcome === 'refused').reverse();
    const overridden = applied !== undefined && (o.status === 'fail' || o.status === 'warn');
    if (!overridden && refused.length === 0) return o;
    return {
      ...o,
      ...(overridden ? { status: 'overridden' as const, override: mark(applied) } : {}),
      ...(refused.length > 0 ? { refusedOverrides: refused.map(mark) } : {}),
    };
  });
  const elsewhere = decisions.filter((d) => d.outcome === 'refused' && !ids.has(d.gate)).reverse();
  const notes: Text[] = elsewhere
    .slice(0, MAX_REFUSALS_SHOWN)
    .map((d): Text => [
      'An override by ',
      { code: `@${d.login}` },
      ...(d.gate ? [' naming ', { code: d.gate }] : []),
      ' was not applied: ',
      ...inlines(refusalText(d, headSha)),
    ]);
  if (elsewhere.length > MAX_REFUSALS_SHOWN)
    notes.push(`${elsewhere.length - MAX_REFUSALS_SHOWN} more overrides were not applied.`);
  return { ...verdict, outcomes, notes: [...verdict.notes, ...notes] };
}

/**
 * The history's rows: one per comment and outcome (applied gates, or refused gates with their
 * reasons), as `src/store/` keeps them.
 */
export function overrideRecords(decisions: readonly OverrideDecision[], headSha: string): OverrideRecord[] {
  const byComment = new Map<string, OverrideDecision[]>();
  for (const d of decisions) byComment.set(d.url, [...(byComment.get(d.url) ?? []), d]);
  return [...byComment.values()].flatMap((list) => {
    const first = list[0]!;
    const base = {
      login: first.login,
      reason: first.reason,
      commentUrl: first.url,
      headSha,
      commentedAt: first.createdAt,
    };
    const applied = list.filter((d) => d.outcome === 'applied');
    const refused = list.filter((d) => d.outcome === 'refused');
    const refusals = [...new Set(refused.map((d) => (d.gate ? `${d.gate}: ${d.refusal}` : `${d.refusal}`)))].join('; ');
    return [
      ...(applied.length > 0
        ? [{ ...base, outcome: 'applied' as const, gates: applied.map((d) => d.gate), refusal: null }]
        : []),
      ...(refused.length > 0
        ? [
            {
              ...base,
              outcome: 'refused' as const,
              gates: refused.map((d) => d.gate).filter(Boolean),
              refusal: refusals,
            },
          ]
        : []),
    ];
  });
}
