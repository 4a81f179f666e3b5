/**
 * codeowners-review (docs/gates/codeowners-review.md): the code owners of every changed file have approved.
 *
 * CODEOWNERS is read at the base branch (`pr.base.codeowners`) and matched with GitHub's
 * semantics (`./codeowners/match.ts`). A reviewer's state is their latest review that
 * approved, requested changes or was dismissed; comments and pending reviews do not change
 * it, and the PR author's own reviews never count. A user owner is satisfied by their
 * approval, a team owner by an approval from any member (`pr.teams`, filled by the loader
 * for the teams `teamsNeeded` names). Email owners, and teams the app cannot see, cannot be
 * satisfied here: they are reported by name.
 *
 * - `any-owner`: each owned changed file needs one satisfied owner; `all-owners`: all of them.
 * - An outstanding change request from an owner of a file (a user owner, or a member of a
 *   team owner) blocks the file.
 * - `dismiss_stale`: only approvals given on the current head commit count.
 * - Deleted files count: GitHub asks owners to review deletions too.
 * - Fails closed when GitHub listed only part of the files or reviews, or the CODEOWNERS
 *   text could not be read whole.
 *
 * A snapshot the command line built (`pr.source === 'local'`) has no reviews and no team
 * members: a team owner then waits for a review like a user owner, and the fix speaks of
 * requesting reviews, not of the app's permissions or re-running its check.
 */
import { CodeownersReviewConfig } from '../config-fields.js';
import type { CompiledCodeowners } from '../lib/codeowners/match.js';
import { NO_MEMORY, type GateContext } from '../context.js';
import type { Owner, Rule } from '../lib/codeowners/parse.js';
import { defineGate, result, withNumbers, type DetailBlock, type GateResult, type Text } from '../gate.js';
import { GITHUB_LIMITS, type BaseFile, type ChangedFile, type PullRequestSnapshot } from '../snapshot.js';

/** Most owner groups the details show one by one. */
export const GROUPS_SHOWN = 15;
/** Most files listed per owner group. */
export const FILES_SHOWN_PER_GROUP = 10;
/** Most skipped CODEOWNERS lines listed. */
export const PROBLEMS_SHOWN = 10;
/** GitHub takes at most 15 reviewers in one request; the suggested command stays under that. */
const REVIEWERS_IN_COMMAND = 15;

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const shortSha = (sha: string | null) => (sha ? sha.slice(0, 7) : 'unknown');
const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
const joinList = (items: readonly string[], last = 'and') =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;

// ---- CODEOWNERS on the base branch -------------------------------------------------

type Codeowners =
  | { readonly kind: 'none' }
  | { readonly kind: 'too-large'; readonly file: BaseFile }
  | { readonly kind: 'unreadable'; readonly file: BaseFile }
  | { readonly kind: 'ok'; readonly file: BaseFile; readonly compiled: CompiledCodeowners };

function readCodeowners(pr: PullRequestSnapshot, context: GateContext): Codeowners {
  const file = pr.base.codeowners;
  if (!file) return { kind: 'none' };
  // GitHub ignores a CODEOWNERS file over 3 MB: it requests no owner review at all.
  if (file.byteSize > GITHUB_LIMITS.codeownersMaxBytes) return { kind: 'too-large', file };
  if (file.text === null) return { kind: 'unreadable', file };
  return { kind: 'ok', file, compiled: context.codeowners({ oid: file.oid, text: file.text }) };
}

/**
 * The teams (`org/team`, lower case) that CODEOWNERS names as owners of the changed files,
 * sorted. The loader calls this to know whose members to fetch into `pr.teams`; it needs
 * `files` and `base.codeowners` of the snapshot only. `context`: as the gate's (gates/context.ts).
 */
export function teamsNeeded(pr: PullRequestSnapshot, context: GateContext = NO_MEMORY): string[] {
  const codeowners = readCodeowners(pr, context);
  if (codeowners.kind !== 'ok') return [];
  const teams = new Set<string>();
  const seen = new Set<Rule>();
  for (const file of pr.files.nodes) {
    const rule = codeowners.compiled.ruleFor(file.path);
    if (!rule || seen.has(rule)) continue;
    seen.add(rule);
    for (const owner of rule.owners) if (owner.kind === 'team') teams.add(owner.key);
  }
  return [...teams].sort();
}

// ---- reviews -------------------------------------------------------------------------

interface Reviews {
  /** Logins (lower case) whose approval counts. */
  readonly approvers: ReadonlySet<string>;
  /** Logins whose latest state is an approval that does not count (older commit, `dismiss_stale`), with that commit. */
  readonly stale: ReadonlyMap<string, string | null>;
  /** Logins whose latest state is "changes requested". */
  readonly requesters: ReadonlySet<string>;
  /** Login as GitHub spells it, by lower-case login. */
  readonly names: ReadonlyMap<string, string>;
}

function reviewStates(pr: PullRequestSnapshot, cfg: CodeownersReviewConfig): Reviews {
  const author = pr.author.login.toLowerCase();
  const latest = new Map<string, { state: 'approved' | 'changes_requested' | 'dismissed'; commitSha: string | null }>();
  const names = new Map<string, string>();
  for (const review of pr.reviews.nodes) {
    if (!review.author) continue; // a deleted account
    const login = review.author.toLowerCase();
    if (login === author) continue; // the author's own reviews never count
    // Comments and pending reviews leave the state as it was.
    if (review.state !== 'approved' && review.state !== 'changes_requested' && review.state !== 'dismissed') continue;
    latest.set(login, { state: review.state, commitSha: review.commitSha });
    names.set(login, review.author);
  }
  const approvers = new Set<string>();
  const stale = new Map<string, string | null>();
  const requesters = new Set<string>();
  for (const [login, { state, commitSha }] of latest) {
    if (state === 'changes_requested') requesters.add(login);
    else if (state === 'approved') {
      if (!cfg.dismiss_stale || commitSha === pr.headSha) approvers.add(login);
      else stale.set(login, commitSha);
    }
  }
  return { approvers, stale, requesters, names };
}

// ---- owners --------------------------------------------------------------------------

/** Why an owner can never approve here. */
type Impossible = 'author' | 'author-only-team' | 'empty-team' | 'team-hidden' | 'team-not-loaded' | 'email';

interface OwnerVerdict {
  readonly owner: Owner;
  /** Logins whose approval satisfies this owner (the user, or members of the team). */
  readonly approvedBy: readonly string[];
  /** Owner (or team members) whose latest review requests changes. */
  readonly changesRequestedBy: readonly string[];
  /** Owner (or team members) whose approval is on an older commit (`dismiss_stale`). */
  readonly staleBy: readonly string[];
  /** Set when the owner cannot approve in this pull request. */
  readonly impossible?: Impossible;
}

function judgeOwner(owner: Owner, pr: PullRequestSnapshot, reviews: Reviews): OwnerVerdict {
  const author = pr.author.login.toLowerCase();
  const verdict = (logins: readonly string[], impossible?: Impossible): OwnerVerdict => ({
    owner,
    approvedBy: logins.filter((l) => reviews.approvers.has(l)),
    changesRequestedBy: logins.filter((l) => reviews.requesters.has(l)),
    staleBy: logins.filter((l) => reviews.stale.has(l)),
    ...(impossible ? { impossible } : {}),
  });
  switch (owner.kind) {
    case 'email':
      return verdict([], 'email');
    case 'user':
      return owner.key === author ? verdict([], 'author') : verdict([owner.key]);
    case 'team': {
      const members = Object.hasOwn(pr.teams, owner.key) ? pr.teams[owner.key] : undefined;
      // Locally, no member is known and no review either: the team waits, as a user owner does.
      if (members === undefined) return pr.source === 'local' ? verdict([]) : verdict([], 'team-not-loaded');
      if (members === null) return verdict([], 'team-hidden');
      const logins = members.map((m) => m.toLowerCase());
      const others = logins.filter((l) => l !== author);
      const v = verdict(others);
      if (v.approvedBy.length > 0 || others.length > 0) return v;
      return { ...v, impossible: logins.length === 0 ? 'empty-team' : 'author-only-team' };
    }
  }
}

const isSatisfied = (v: OwnerVerdict) => v.approvedBy.length > 0;

// ---- files, grouped by owner set -----------------------------------------------------

type GroupStatus = 'approved' | 'changes-requested' | 'waiting';

interface Group {
  readonly owners: readonly OwnerVerdict[];
  readonly status: GroupStatus;
  readonly files: ChangedFile[];
}

export const codeownersReview = defineGate({
  id: 'codeowners-review',
  title: 'Code-owner review',
  needs: ['files', 'reviews', 'codeowners', 'teams'],
  config: CodeownersReviewConfig,
  teams: (pr, _cfg, context = NO_MEMORY) => teamsNeeded(pr, context),
  evaluate(pr, cfg, _prepared, context = NO_MEMORY): GateResult {
    const codeowners = readCodeowners(pr, context);
    switch (codeowners.kind) {
      case 'none':
        return result.skipped('The base branch has no CODEOWNERS file', [
          {
            kind: 'paragraph',
            text: [
              'GitHub looks for ',
              { code: '.github/CODEOWNERS' },
              ', ',
              { code: 'CODEOWNERS' },
              ' and ',
              { code: 'docs/CODEOWNERS' },
              ` on the base branch (${pr.baseRef || 'base'}); none of them exists, so no file has a code owner.`,
            ],
          },
        ]);
      case 'too-large':
        return result.skipped("CODEOWNERS is over GitHub's 3 MB limit, so GitHub ignores it", [
          {
            kind: 'paragraph',
            text: [
              { code: codeowners.file.path },
              ` on the base branch is ${mb(codeowners.file.byteSize)}. GitHub does not use a CODEOWNERS file larger than 3 MB, and neither does this gate. Use wildcard patterns or team owners to shrink it below 3 MB.`,
            ],
          },
        ]);
      case 'unreadable':
        return unreadable(codeowners.file, pr.source === 'local');
      case 'ok':
        return evaluateOwners(pr, cfg, codeowners.file, codeowners.compiled);
    }
  },
});

function unreadableWhy(file: BaseFile, local: boolean): string {
  if (local) return 'it contains binary data';
  if (file.truncated) return `GitHub returned only part of its ${mb(file.byteSize)}`;
  return 'GitHub did not return it as text (it may contain binary data)';
}

function unreadable(file: BaseFile, local: boolean): GateResult {
  const why = unreadableWhy(file, local);
  const fix = local
    ? 'Make sure the file is plain UTF-8 text: GitHub reads no owners from a binary file.'
    : 'Re-run this check. If the failure stays, make sure the file is plain UTF-8 text and shrink it: wildcard patterns and team owners keep CODEOWNERS small.';
  return result.fail(
    'CODEOWNERS could not be read in full, so code-owner review cannot be checked',
    [
      {
        kind: 'paragraph',
        text: [
          { code: file.path },
          ` on the base branch could not be read: ${why}. The gate does not pass on a partial file.`,
        ],
      },
    ],
    [{ kind: 'paragraph', text: fix }],
  );
}

function evaluateOwners(
  pr: PullRequestSnapshot,
  cfg: CodeownersReviewConfig,
  file: BaseFile,
  compiled: CompiledCodeowners,
): GateResult {
  const reviews = reviewStates(pr, cfg);

  // One verdict per owner and one group per owner set: satisfaction depends only on the owners.
  const ownerVerdicts = new Map<string, OwnerVerdict>();
  const judge = (owner: Owner) => {
    const key = `${owner.kind}:${owner.key}`;
    let v = ownerVerdicts.get(key);
    if (!v) ownerVerdicts.set(key, (v = judgeOwner(owner, pr, reviews)));
    return v;
  };
  const groups = new Map<string, Group>();
  const groupOfRule = new Map<Rule, Group>();
  let owned = 0;
  for (const changed of pr.files.nodes) {
    const rule = compiled.ruleFor(changed.path);
    if (!rule || rule.owners.length === 0) continue;
    owned++;
    let group = groupOfRule.get(rule);
    if (!group) {
      const key = rule.owners
        .map((o) => `${o.kind}:${o.key}`)
        .sort()
        .join(' ');
      group = groups.get(key);
      if (!group) {
        const owners = rule.owners.map(judge);
        groups.set(key, (group = { owners, status: groupStatus(owners, cfg), files: [] }));
      }
      groupOfRule.set(rule, group);
    }
    group.files.push(changed);
  }

  const pending = [...groups.values()]
    .filter((g) => g.status !== 'approved')
    .sort((a, b) => rank(a) - rank(b) || b.files.length - a.files.length);
  const waitingFiles = pending.reduce((n, g) => n + g.files.length, 0);
  const blockedFiles = pending.filter((g) => g.status === 'changes-requested').reduce((n, g) => n + g.files.length, 0);

  const details: DetailBlock[] = [];
  const truncation = truncationNotes(pr);
  details.push(...truncation.map((t): DetailBlock => ({ kind: 'paragraph', text: t.detail })));
  details.push({
    kind: 'paragraph',
    text: [
      `${owned.toLocaleString('en-US')} of ${plural(pr.files.nodes.length, 'changed file')} ${owned === 1 ? 'has' : 'have'} code owners in `,
      { code: file.path },
      ` (base branch). Required: ${cfg.require === 'all-owners' ? 'every owner of a file' : 'one owner of each file'}${cfg.dismiss_stale ? ', on the head commit' : ''}.`,
    ],
  });
  details.push(...approvalNotes(reviews, pr));
  for (const group of pending.slice(0, GROUPS_SHOWN)) details.push(...groupBlocks(group, cfg, pr, reviews));
  if (pending.length > GROUPS_SHOWN) {
    const rest = pending.slice(GROUPS_SHOWN);
    details.push({
      kind: 'paragraph',
      text: `${plural(rest.length, 'more owner set')} ${rest.length === 1 ? 'waits' : 'wait'} on review, for ${plural(
        rest.reduce((n, g) => n + g.files.length, 0),
        'file',
      )}.`,
    });
  }
  details.push(...problemBlocks(file, compiled));

  const numbers = {
    ownedFiles: owned,
    ownersPending: pending.length,
    filesAwaitingReview: waitingFiles,
    truncated: truncation.length > 0,
  };
  if (truncation.length > 0) {
    const fix = [
      ...truncation.map((t): DetailBlock => ({ kind: 'paragraph', text: t.fix })),
      ...fixBlocks(pending, pr, reviews, cfg, file),
    ];
    return withNumbers(result.fail(truncation[0]!.reason, details, fix), numbers);
  }
  if (owned === 0) return withNumbers(result.pass('No changed file has a code owner', details), numbers);
  if (pending.length === 0) {
    return withNumbers(
      result.pass(
        owned === 1
          ? '1 owned file approved by its owners'
          : `All ${plural(owned, 'owned file')} approved by their owners`,
        details,
      ),
      numbers,
    );
  }
  const reason = `${plural(waitingFiles, 'file')} ${waitingFiles === 1 ? 'waits' : 'wait'} for code-owner review${blockedFiles > 0 ? ` (${blockedFiles.toLocaleString('en-US')} with changes requested)` : ''}`;
  return withNumbers(result.fail(reason, details, fixBlocks(pending, pr, reviews, cfg, file)), numbers);
}

function groupStatus(owners: readonly OwnerVerdict[], cfg: CodeownersReviewConfig): GroupStatus {
  if (owners.some((o) => o.changesRequestedBy.length > 0)) return 'changes-requested';
  const satisfied = cfg.require === 'all-owners' ? owners.every(isSatisfied) : owners.some(isSatisfied);
  return satisfied ? 'approved' : 'waiting';
}

const rank = (g: Group) => (g.status === 'changes-requested' ? 0 : 1);

function truncationNotes(pr: PullRequestSnapshot): { reason: string; detail: string; fix: string }[] {
  const notes: { reason: string; detail: string; fix: string }[] = [];
  if (pr.files.truncated) {
    const total = Math.max(pr.files.totalCount, pr.totals.changedFiles);
    notes.push({
      reason: `GitHub listed only ${plural(pr.files.nodes.length, 'changed file', 'changed files')} of ${total.toLocaleString('en-US')}, so code-owner review cannot be checked for the rest`,
      detail: `GitHub lists at most ${GITHUB_LIMITS.maxFiles.toLocaleString('en-US')} files of a pull request; this one changes ${total.toLocaleString('en-US')}. The owners of the unlisted files are unknown, so the gate does not pass.`,
      fix: `Split the pull request so that each part changes fewer than ${GITHUB_LIMITS.maxFiles.toLocaleString('en-US')} files.`,
    });
  }
  if (pr.reviews.truncated) {
    notes.push({
      reason: `GitHub listed only ${plural(pr.reviews.nodes.length, 'review')} of ${pr.reviews.totalCount.toLocaleString('en-US')}, so code-owner approvals cannot be confirmed`,
      detail: `GitHub returned ${plural(pr.reviews.nodes.length, 'review')} of ${pr.reviews.totalCount.toLocaleString('en-US')}; a later review may have changed an owner's approval, so the gate does not pass.`,
      fix: 'Open a new pull request from the same branch, so its review history is complete, and request the code owners’ review there.',
    });
  }
  return notes;
}

const at = (login: string, reviews: Reviews) => `@${reviews.names.get(login) ?? login}`;

function approvalNotes(reviews: Reviews, pr: PullRequestSnapshot): DetailBlock[] {
  const blocks: DetailBlock[] = [];
  const approvers = [...reviews.approvers].sort().map((l) => at(l, reviews));
  blocks.push({
    kind: 'paragraph',
    text: approvers.length > 0 ? `Approvals counted: ${approvers.join(', ')}.` : 'No approval counts yet.',
  });
  if (reviews.stale.size > 0) {
    const stale = [...reviews.stale]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([l, sha]) => `${at(l, reviews)} (on ${shortSha(sha)})`);
    blocks.push({
      kind: 'paragraph',
      text: [
        `Not counted, given on an older commit than the head ${shortSha(pr.headSha)} (`,
        { code: 'dismiss_stale: true' },
        `): ${stale.join(', ')}.`,
      ],
    });
  }
  return blocks;
}

/** "@alice", "@acme/payments (any member)", "docs@example.com". */
const ownerLabel = (o: Owner) => (o.kind === 'team' ? `${o.text} (any member)` : o.text);

function ownerState(v: OwnerVerdict, pr: PullRequestSnapshot, reviews: Reviews): string {
  const names = (logins: readonly string[]) => joinList(logins.map((l) => at(l, reviews)));
  const parts: string[] = [];
  const team = v.owner.kind === 'team';
  if (v.changesRequestedBy.length > 0)
    parts.push(team ? `changes requested by ${names(v.changesRequestedBy)}` : 'requested changes');
  if (v.approvedBy.length > 0) parts.push(team ? `approved by ${names(v.approvedBy)}` : 'approved');
  if (v.staleBy.length > 0)
    parts.push(`${team ? `${names(v.staleBy)} approved` : 'approved'} an older commit, which does not count`);
  switch (v.impossible) {
    case 'author':
      parts.push(`the author of this pull request, who cannot approve it`);
      break;
    case 'author-only-team':
      parts.push(`its only member is @${pr.author.login}, the author of this pull request`);
      break;
    case 'empty-team':
      parts.push('the team has no members');
      break;
    case 'team-hidden':
      parts.push("the app cannot see this team's members, so their approvals cannot be counted");
      break;
    case 'team-not-loaded':
      parts.push("the team's members were not loaded, so their approvals cannot be counted");
      break;
    case 'email':
      parts.push('an email address cannot be matched to a GitHub account here, so approvals cannot be counted');
      break;
    case undefined:
      if (parts.length === 0) parts.push(team ? 'no approval from a member yet' : 'no approval yet');
  }
  return `${ownerLabel(v.owner)}: ${parts.join('; ')}`;
}

function groupBlocks(
  group: Group,
  cfg: CodeownersReviewConfig,
  pr: PullRequestSnapshot,
  reviews: Reviews,
): DetailBlock[] {
  const labels = group.owners.map((v) => ownerLabel(v.owner));
  const unsatisfied = group.owners.filter((v) => !isSatisfied(v)).map((v) => ownerLabel(v.owner));
  const files = plural(group.files.length, 'file');
  let title: string;
  if (group.status === 'changes-requested')
    title = `Changes requested by an owner on ${files} owned by ${joinList(labels)}:`;
  else if (cfg.require === 'all-owners') title = `Waiting on ${joinList(unsatisfied)} for ${files}:`;
  else title = `Waiting on ${labels.length === 1 ? labels[0] : `one of ${joinList(labels, 'or')}`} for ${files}:`;
  return [
    {
      kind: 'list',
      title,
      items: group.files
        .slice(0, FILES_SHOWN_PER_GROUP)
        .map((f): Text => (f.changeType === 'deleted' ? [{ code: f.path }, ' (deleted)'] : [{ code: f.path }])),
      total: group.files.length,
    },
    { kind: 'list', title: 'Owners of these files:', items: group.owners.map((v) => ownerState(v, pr, reviews)) },
  ];
}

function problemBlocks(file: BaseFile, compiled: CompiledCodeowners): DetailBlock[] {
  const problems = compiled.problems;
  if (problems.length === 0) return [];
  return [
    {
      kind: 'list',
      title: [
        { code: file.path },
        ` has ${plural(problems.length, 'line')} that GitHub skips; the paths ${problems.length === 1 ? 'it names fall' : 'they name fall'} back to earlier lines:`,
      ],
      items: problems
        .slice(0, PROBLEMS_SHOWN)
        .map((p): Text => [`Line ${p.line}: `, { code: p.text }, ` — ${p.reason}`]),
      total: problems.length,
    },
  ];
}

function fixBlocks(
  pending: readonly Group[],
  pr: PullRequestSnapshot,
  reviews: Reviews,
  cfg: CodeownersReviewConfig,
  file: BaseFile,
): DetailBlock[] {
  const fix: DetailBlock[] = [];
  const owners = new Map<string, OwnerVerdict>();
  for (const group of pending) for (const v of group.owners) owners.set(`${v.owner.kind}:${v.owner.key}`, v);
  const all = [...owners.values()];

  // Owners of files that only wait for approval, who could approve but have not: ask them.
  // (Another approval does not lift a change request; the fix for those is below.)
  const askable = [
    ...new Map(
      pending
        .filter((g) => g.status === 'waiting')
        .flatMap((g) => g.owners)
        .filter((v) => !v.impossible && !isSatisfied(v))
        .map((v) => [`${v.owner.kind}:${v.owner.key}`, v] as const),
    ).values(),
  ];
  if (askable.length > 0) {
    const names = askable.map((v) => v.owner.text.replace(/^@/, ''));
    fix.push({
      kind: 'paragraph',
      text: `Request a review from ${joinList(askable.map((v) => ownerLabel(v.owner)))}: in the Reviewers menu of the pull request, or with the GitHub CLI:`,
    });
    fix.push({
      kind: 'code',
      lang: 'sh',
      text: `gh pr edit ${pr.number > 0 ? `${pr.number} ` : ''}--add-reviewer ${names.slice(0, REVIEWERS_IN_COMMAND).join(',')}`,
    });
  }

  const requesters = [...new Set(all.flatMap((v) => v.changesRequestedBy))].sort();
  if (requesters.length > 0) {
    const who = joinList(requesters.map((l) => at(l, reviews)));
    fix.push({
      kind: 'paragraph',
      text: `Address the changes ${who} requested, then ask for a re-review: a new approval replaces the change request. A maintainer can also dismiss the review with a reason.`,
    });
  }

  const stale = [...new Set(all.filter((v) => !isSatisfied(v)).flatMap((v) => v.staleBy))].sort();
  if (cfg.dismiss_stale && stale.length > 0) {
    fix.push({
      kind: 'paragraph',
      text: [
        `Ask ${joinList(stale.map((l) => at(l, reviews)))} to approve again: with `,
        { code: 'dismiss_stale: true' },
        ` only approvals of the head commit ${shortSha(pr.headSha)} count.`,
      ],
    });
  }

  const authorOnly = pending.filter((g) => onlyAuthorCanApprove(g, cfg));
  if (authorOnly.length > 0) {
    const teams = [
      ...new Set(
        authorOnly.flatMap((g) => g.owners.filter((v) => v.impossible === 'author-only-team').map((v) => v.owner.text)),
      ),
    ];
    const count = authorOnly.reduce((n, g) => n + g.files.length, 0);
    fix.push({
      kind: 'paragraph',
      text: [
        `@${pr.author.login}, the author, is the only possible code owner of ${plural(count, 'file')} but cannot approve their own pull request. `,
        teams.length > 0 ? `Ask another person to join ${joinList(teams)} and approve, or add` : 'Add',
        ' a second owner for these paths in ',
        { code: file.path },
        ' on the base branch (a change to CODEOWNERS applies to pull requests once it is merged).',
      ],
    });
  }

  const otherOwner =
    cfg.require === 'all-owners'
      ? 'the files they own cannot pass while require is all-owners'
      : 'the files they own need an approval from another owner';
  const hidden = all
    .filter((v) => v.impossible === 'team-hidden' || v.impossible === 'team-not-loaded')
    .map((v) => v.owner.text);
  if (hidden.length > 0) {
    const orgs = [...new Set(hidden.map((t) => t.replace(/^@/, '').split('/')[0]!))];
    fix.push({
      kind: 'paragraph',
      text: `The members of ${joinList(hidden)} cannot be read, so approvals from them cannot be counted; ${otherOwner}. Check that the team exists in ${joinList(orgs)}, that the app is installed on that organisation with the Members (read) permission, and re-run this check.`,
    });
  }

  const emails = all.filter((v) => v.impossible === 'email').map((v) => v.owner.text);
  if (emails.length > 0) {
    fix.push({
      kind: 'paragraph',
      text: [
        `Owners written as email addresses (${joinList(emails)}) cannot be matched to GitHub accounts by this check. Write them as @login or @org/team in `,
        { code: file.path },
        `; until then, ${otherOwner}.`,
      ],
    });
  }

  if (fix.length > 0) {
    fix.push({
      kind: 'paragraph',
      text:
        pr.source === 'local'
          ? 'A local run sees no reviews: on GitHub, the check counts them and runs again when a review is submitted or dismissed.'
          : 'The check runs again when a review is submitted or dismissed.',
    });
  }
  return fix;
}

/** True when no owner of the group other than the author could ever approve, and the author is why. */
function onlyAuthorCanApprove(group: Group, cfg: CodeownersReviewConfig): boolean {
  const authorBound = (v: OwnerVerdict) => v.impossible === 'author' || v.impossible === 'author-only-team';
  if (cfg.require === 'all-owners') return group.owners.some(authorBound);
  return group.owners.some(authorBound) && group.owners.every((v) => v.impossible !== undefined);
}
