/**
 * signed-commits (docs/gates/signed-commits.md): every commit is verified by GitHub, signed off
 * (Developer Certificate of Origin), both, or either.
 *
 * - signature: GitHub shows the commit as Verified (`signature.isValid`): GPG,
 *   SSH or S/MIME, including commits GitHub signs itself (web edits, UI merges).
 * - signoff: a `Signed-off-by: Name <email>` line whose email is the author's,
 *   case-insensitively; GitHub's two noreply forms of one login match each other.
 *   Merge commits and commits authored by bots are exempt, as in the DCO app;
 *   they are not exempt from `signature`.
 *
 * When GitHub lists only part of the commits (over 250), the gate fails: the
 * unlisted commits cannot be verified (docs/behaviour.md#the-check-run).
 *
 * The command line (`quality-gates check`) adds states of its own for signatures
 * local git cannot judge (`LOCAL_ONLY_STATES`): the commit is signed, and only
 * GitHub can say whether it is verified. They count as not verified, but are
 * named apart — in the reason, the details and the fix — and never answered with
 * "sign the commit": a new signature would not change what git can check here.
 */
import type { CommitInfo, PullRequestSnapshot } from '../snapshot.js';
import { SignedCommitsConfig } from '../config-fields.js';
import { defineGate, result, withNumbers, type DetailBlock, type Inline, type Text } from '../gate.js';
import { oneLine, plural } from '../lib/words.js';

type Require = SignedCommitsConfig['require'];

/** Most offending commits the failure lists (the renderer also bounds tables). */
export const COMMITS_SHOWN = 25;

/** What GitHub's GitSignatureState values mean, for the author reading the failure. */
const SIGNATURE_STATES: Record<string, string> = {
  unsigned: 'no signature',
  unknown_key: 'the signing key is not on any GitHub account',
  bad_email: 'the email in the signature is not the committer email',
  unverified_email: 'the committer email is not verified on the signer’s GitHub account',
  no_user: 'no GitHub user has the committer email',
  invalid: 'the signature does not match the commit',
  malformed_sig: 'the signature cannot be parsed',
  unknown_sig_type: 'unknown signature type',
  not_signing_key: 'the key is not allowed to sign',
  expired_key: 'the signing key has expired',
  bad_cert: 'the S/MIME certificate is not valid',
  ocsp_revoked: 'the S/MIME certificate was revoked',
  ocsp_pending: 'GitHub is still checking the S/MIME certificate; re-run later',
  ocsp_error: 'GitHub could not check the S/MIME certificate; re-run later',
  gpgverify_unavailable: 'GitHub could not verify signatures at the time; re-run later',
  gpgverify_error: 'GitHub could not verify signatures at the time; re-run later',
  // States the command line reports from `git log %G?` (git's own verification).
  cannot_verify_locally:
    'signed, but git cannot verify it here (the key is not in the local keyring or allowed signers)',
  untrusted_key: 'signed with a key git does not trust here',
  not_checked_locally: 'signed; the signature was not checked here',
  expired_signature: 'the signature has expired',
  revoked_key: 'the signing key was revoked',
};

/**
 * States only the command line gives (`src/load/git-signatures.ts`, which must use these names): the
 * commit is signed, but local git cannot check the signature (no public key, no allowed-signers
 * file), does not trust the key, or was not asked. GitHub never reports them.
 */
export const LOCAL_ONLY_STATES: ReadonlySet<string> = new Set([
  'cannot_verify_locally',
  'untrusted_key',
  'not_checked_locally',
]);

/** GitHub's key for the commits it signs (web edits, merges in the UI): https://docs.github.com/en/authentication/managing-commit-signature-verification/about-commit-signature-verification */
const GITHUB_KEY_COMMANDS =
  'curl -fsSL https://github.com/web-flow.gpg | gpg --import\ngpg --edit-key noreply@github.com trust';

/**
 * The canonical form of an email for sign-off matching: lower case, and both of
 * GitHub's noreply forms of one login (`123+dave@users.noreply.github.com`,
 * `dave@users.noreply.github.com`) reduced to `dave@users.noreply.github.com`.
 * The same holds for `users.noreply.<host>` and `noreply.<host>` of a GitHub
 * Enterprise Server host.
 */
export function canonicalEmail(email: string, host = 'github.com'): string {
  const e = email.trim().toLowerCase();
  const at = e.lastIndexOf('@');
  if (at < 0) return e;
  const domain = e.slice(at + 1);
  const h = host.toLowerCase();
  const noreply = domain === 'users.noreply.github.com' || domain === `users.noreply.${h}` || domain === `noreply.${h}`;
  if (!noreply) return e;
  const local = e.slice(0, at);
  const plus = local.indexOf('+');
  const login = plus >= 0 && /^[0-9]+$/.test(local.slice(0, plus)) ? local.slice(plus + 1) : local;
  return `${login}@${domain}`;
}

/** Emails of every `Signed-off-by: Name <email>` line of a commit message (a line-by-line scan, no regex on the whole text). */
export function signoffEmails(message: string): string[] {
  const emails: string[] = [];
  const prefix = 'signed-off-by:';
  for (const raw of message.split('\n')) {
    const line = raw.trim();
    if (line.length <= prefix.length || line.slice(0, prefix.length).toLowerCase() !== prefix) continue;
    if (!line.endsWith('>')) continue;
    const open = line.lastIndexOf('<');
    if (open < prefix.length) continue;
    const email = line.slice(open + 1, -1).trim();
    if (email !== '' && !email.includes('<')) emails.push(email);
  }
  return emails;
}

interface Verdict {
  readonly commit: CommitInfo;
  readonly signed: boolean;
  /** Signed, but not verifiable here (a `LOCAL_ONLY_STATES` state): only GitHub can tell. */
  readonly unverifiable: boolean;
  /** True when signed off, or exempt from sign-off. */
  readonly signedOff: boolean;
  readonly exempt: 'merge' | 'bot' | null;
  readonly signoffProblem: Text;
}

function exemption(c: CommitInfo): 'merge' | 'bot' | null {
  if (c.parentCount >= 2) return 'merge';
  return c.authorIsBot ? 'bot' : null;
}

function judge(c: CommitInfo, host: string): Verdict {
  const signed = c.signature?.isValid === true;
  const exempt = exemption(c);
  const author = canonicalEmail(c.authorEmail, host);
  const emails = signoffEmails(c.message);
  const signedOff = exempt !== null || (author !== '' && emails.some((e) => canonicalEmail(e, host) === author));
  const signoffProblem: Text =
    emails.length === 0 || c.authorEmail === ''
      ? ['no Signed-off-by matching ', { code: c.authorEmail || 'the author email' }]
      : ['Signed-off-by ', { code: emails[0] ?? '' }, ' does not match the author ', { code: c.authorEmail }];
  const unverifiable = !signed && c.signature !== null && LOCAL_ONLY_STATES.has(c.signature.state);
  return { commit: c, signed, unverifiable, signedOff, exempt, signoffProblem };
}

/** Fails only because its signature cannot be verified here: with a verified signature it would pass. */
const onlyUnverifiable = (v: Verdict, require: Require) => v.unverifiable && passes({ ...v, signed: true }, require);

function signatureProblem(c: CommitInfo): Text {
  const state = c.signature ? c.signature.state : 'unsigned';
  if (state === 'cannot_verify_locally' && c.signature?.wasSignedByGitHub) {
    return [{ code: state }, ' — signed by GitHub; git cannot check GitHub’s signature without GitHub’s public key'];
  }
  const meaning = SIGNATURE_STATES[state];
  return meaning ? [{ code: state }, ` — ${meaning}`] : [{ code: state }];
}

function passes(v: Verdict, require: Require): boolean {
  switch (require) {
    case 'signature':
      return v.signed;
    case 'signoff':
      return v.signedOff;
    case 'both':
      return v.signed && v.signedOff;
    case 'either':
      return v.signed || v.signedOff;
  }
}

/** Words per requirement: "are not signed" / "are signed". */
const WORDS: Record<Require, { bad: string; good: string }> = {
  signature: { bad: 'not signed', good: 'signed' },
  signoff: { bad: 'not signed off', good: 'signed off' },
  both: { bad: 'not both signed and signed off', good: 'signed and signed off' },
  either: { bad: 'neither signed nor signed off', good: 'signed or signed off' },
};

function problemOf(v: Verdict, require: Require): Text {
  const sig = signatureProblem(v.commit);
  if (require === 'signature') return sig;
  if (require === 'signoff') return v.signoffProblem;
  const parts: Inline[] = [];
  const add = (t: Text) => parts.push(...(parts.length > 0 ? ['; '] : []), ...(typeof t === 'string' ? [t] : t));
  if (!v.signed) add(['signature: ', ...(typeof sig === 'string' ? [sig] : sig)]);
  if (!v.signedOff) add(v.signoffProblem);
  return parts;
}

export const signedCommits = defineGate({
  id: 'signed-commits',
  title: 'Signed commits',
  needs: ['commits'],
  config: SignedCommitsConfig,
  evaluate(pr, cfg) {
    const require = cfg.require;
    const words = WORDS[require];
    const verdicts = pr.commits.nodes.map((c) => judge(c, pr.repository.host));
    const bad = verdicts.filter((v) => !passes(v, require));
    // Kept apart: commits that fail only because their signature cannot be verified here.
    const unsure = bad.filter((v) => onlyUnverifiable(v, require));
    const failing = bad.filter((v) => !onlyUnverifiable(v, require));
    const n = pr.commits.nodes.length;
    const total = Math.max(pr.commits.totalCount, n);

    const exemptNote = exemptions(verdicts, require);
    const numbers = { commits: n, unsignedCommits: bad.length, truncated: pr.commits.truncated };
    if (!pr.commits.truncated && bad.length === 0) {
      return withNumbers(result.pass(allGoodReason(n, words.good), exemptNote ? [exemptNote] : []), numbers);
    }

    const details: DetailBlock[] = [];
    let reason: string;
    const count = (k: number) => k.toLocaleString('en-US');
    const more = unsure.length > 0 ? `${count(unsure.length)} more cannot be verified here` : '';
    if (pr.commits.truncated) {
      reason = `GitHub lists only ${plural(n, 'commit')} of ${total.toLocaleString('en-US')}; the rest cannot be verified`;
      let listed = '';
      if (failing.length > 0)
        listed = ` Of the listed ones, ${count(failing.length)} ${failing.length === 1 ? 'is' : 'are'} ${words.bad}${more ? `; ${more}` : ''}.`;
      else if (more) listed = ` Of the listed ones, ${more.replace(' more', '')}.`;
      details.push({
        kind: 'paragraph',
        text: `This pull request has ${plural(total, 'commit')}; GitHub lists at most ${n.toLocaleString('en-US')}, so not every commit can be verified.${listed}`,
      });
    } else if (failing.length === 0) {
      const k = unsure.length;
      reason =
        n === 1
          ? 'The commit’s signature cannot be verified here'
          : `${count(k)} of ${plural(n, 'commit')} ${k === 1 ? 'has a signature' : 'have signatures'} that cannot be verified here`;
      details.push({ kind: 'paragraph', text: unverifiableDetail(k, n === 1) });
    } else {
      const f = failing.length;
      reason =
        n === 1
          ? `The commit is ${words.bad}`
          : `${count(f)} of ${plural(n, 'commit')} ${f === 1 ? 'is' : 'are'} ${words.bad}${more ? `; ${more}` : ''}`;
      details.push({
        kind: 'paragraph',
        text: [
          `This pull request has ${plural(n, 'commit')}; ${n === 1 ? 'it' : `${count(f)} of them`} ${n === 1 || f === 1 ? 'is' : 'are'} ${words.bad} (`,
          { code: `require: ${require}` },
          ').',
        ],
      });
      if (unsure.length > 0)
        details.push({
          kind: 'paragraph',
          text: `${count(unsure.length)} more ${unverifiableDetail(unsure.length, false, true)}`,
        });
    }
    if (bad.length > 0) {
      details.push({
        kind: 'table',
        header: ['Commit', 'Subject', 'Problem'],
        rows: bad
          .slice(0, COMMITS_SHOWN)
          .map((v): Text[] => [
            [{ code: v.commit.sha.slice(0, 7) }],
            oneLine(v.commit.subject, 100),
            problemOf(v, require),
          ]),
        total: bad.length,
      });
    }
    if (exemptNote) details.push(exemptNote);
    return withNumbers(result.fail(reason, details, fixFor(pr, require, failing, unsure)), numbers);
  },
});

/** The pass reason when every one of the `n` commits is `good`. */
function allGoodReason(n: number, good: string): string {
  if (n === 0) return 'No commits to check';
  return n === 1 ? `The commit is ${good}` : `All ${plural(n, 'commit')} are ${good}`;
}

/** "1 commit carries a signature that git cannot verify on this machine; …" (`continued`: without the count and noun). */
function unverifiableDetail(k: number, only: boolean, continued = false): string {
  const carries = k === 1 ? 'carries a signature' : 'carry signatures';
  let subject = `${plural(k, 'commit')} ${carries}`;
  if (only) subject = 'The commit carries a signature';
  else if (continued) subject = carries;
  return `${subject} that git cannot verify on this machine. ${k === 1 ? 'It counts' : 'They count'} as not verified here; GitHub verifies signatures against the keys on the signer's account, so the check on GitHub may pass ${k === 1 ? 'it' : 'them'}.`;
}

function exemptions(verdicts: readonly Verdict[], require: Require): DetailBlock | null {
  if (require === 'signature') return null;
  const merges = verdicts.filter((v) => v.exempt === 'merge').length;
  const bots = verdicts.filter((v) => v.exempt === 'bot').length;
  if (merges + bots === 0) return null;
  const parts = [
    merges > 0 ? plural(merges, 'merge commit') : '',
    bots > 0 ? plural(bots, 'commit') + ' by bots' : '',
  ].filter(Boolean);
  return { kind: 'paragraph', text: `Exempt from sign-off, as in the DCO app: ${parts.join(' and ')}.` };
}

/** `bad`: the commits that need rewriting; `unsure`: those that fail only because they cannot be verified here. */
function fixFor(
  pr: PullRequestSnapshot,
  require: Require,
  bad: readonly Verdict[],
  unsure: readonly Verdict[],
): DetailBlock[] {
  const fix: DetailBlock[] = [];
  const n = pr.commits.nodes.length;
  if (pr.commits.truncated) {
    fix.push({
      kind: 'paragraph',
      text: 'Split the pull request into smaller ones, or squash its commits, so that GitHub lists every commit (at most 250).',
    });
  }
  if (bad.length > 0) fix.push(...rewriteFix(pr, require, bad, n, unsure.length > 0));
  if (unsure.length > 0) fix.push(...verifyHereFix(unsure));
  return fix;
}

/** How to see, on this machine, what GitHub will say of signatures git cannot check here. */
function verifyHereFix(unsure: readonly Verdict[]): DetailBlock[] {
  const k = unsure.length;
  const them = k === 1 ? 'it' : 'them';
  const blocks: DetailBlock[] = [
    {
      kind: 'paragraph',
      text: [
        `${plural(k, 'commit')} ${k === 1 ? 'carries a signature' : 'carry signatures'} that git cannot verify on this machine: ${k === 1 ? 'it needs' : 'they need'} no new signature if GitHub verifies ${them}. To verify ${them} here, import ${k === 1 ? "the signer's public key" : "the signers' public keys"} into gpg and trust ${k === 1 ? 'it' : 'them'}; for SSH signatures, list the keys in an allowed-signers file (`,
        { code: 'git config gpg.ssh.allowedSignersFile ~/.ssh/allowed_signers' },
        ').',
      ],
    },
  ];
  if (unsure.some((v) => v.commit.signature?.wasSignedByGitHub)) {
    blocks.push({
      kind: 'paragraph',
      text: 'Commits GitHub signed (web edits, merges in the UI) verify with GitHub’s own key:',
    });
    blocks.push({ kind: 'code', lang: 'sh', text: GITHUB_KEY_COMMANDS });
  }
  return blocks;
}

/** Rewriting the commits that are not signed or signed off, and setting up signing. */
function rewriteFix(
  pr: PullRequestSnapshot,
  require: Require,
  bad: readonly Verdict[],
  n: number,
  someUnsure: boolean,
): DetailBlock[] {
  const fix: DetailBlock[] = [];
  const needSign = bad.some((v) => !v.signed) && require !== 'signoff';
  const needSignoff = bad.some((v) => !v.signedOff) && require !== 'signature';
  // With merge commits in the branch, HEAD~N does not reach the branch point along
  // first parents; rebasing onto the base branch replays exactly the PR's commits.
  // The same holds when GitHub did not list every commit: N is unknown.
  const hasMerges = pr.commits.nodes.some((c) => c.parentCount >= 2);
  const onBase = hasMerges || pr.commits.truncated;
  const base = pr.baseRef || 'main';
  const upstream = onBase ? `origin/${base}` : `HEAD~${n}`;
  const prelude = onBase ? 'git fetch origin\n' : '';
  const range: Inline[] = onBase
    ? [
        'Rewrite the pull request’s commits (rebasing onto ',
        { code: `origin/${base}` },
        hasMerges ? ', which also flattens its merge commits), then update the branch:' : '), then update the branch:',
      ]
    : [`Rewrite the pull request’s ${plural(n, 'commit')}, then update the branch:`];

  const signoffCmd = `${prelude}git rebase --signoff ${upstream}\ngit push --force-with-lease`;
  const signCmd = `${prelude}git rebase --exec 'git commit --amend --no-edit -S' ${upstream}\ngit push --force-with-lease`;
  const bothCmd = `${prelude}git rebase --exec 'git commit --amend --no-edit --signoff -S' ${upstream}\ngit push --force-with-lease`;

  if (require === 'either') {
    fix.push({
      kind: 'paragraph',
      text: ['Each commit needs a signature or a sign-off. Signing off needs no key: ', ...range],
    });
    fix.push({ kind: 'code', lang: 'sh', text: signoffCmd });
    fix.push({ kind: 'paragraph', text: 'Or sign them, once signing is set up (below):' });
    fix.push({ kind: 'code', lang: 'sh', text: signCmd });
  } else if (needSign && needSignoff) {
    fix.push({ kind: 'paragraph', text: ['Sign and sign off every commit. ', ...range] });
    fix.push({ kind: 'code', lang: 'sh', text: bothCmd });
  } else if (needSignoff) {
    fix.push({ kind: 'paragraph', text: ['Sign off every commit. ', ...range] });
    fix.push({ kind: 'code', lang: 'sh', text: signoffCmd });
  } else {
    fix.push({
      kind: 'paragraph',
      text: [someUnsure ? 'Sign every commit that is not signed. ' : 'Sign every commit. ', ...range],
    });
    fix.push({ kind: 'code', lang: 'sh', text: signCmd });
  }

  if (needSignoff || require === 'either') {
    const authors = [
      ...new Set(
        bad
          .filter((v) => !v.signedOff)
          .map((v) => v.commit.authorEmail)
          .filter((e) => e !== ''),
      ),
    ];
    fix.push({
      kind: 'paragraph',
      text: [
        'A sign-off uses your ',
        { code: 'user.email' },
        '; it must be the commits’ author email',
        ...(authors.length === 1 ? [' (', { code: authors[0] ?? '' }, ')'] : []),
        '. Add ',
        { code: '-s' },
        ' to ',
        { code: 'git commit' },
        ' to sign off new commits.',
      ],
    });
  }
  if (needSign || require === 'either') {
    fix.push({
      kind: 'paragraph',
      text: 'To set up signing once, with an SSH key (or a GPG key: skip the first line and use the GPG key id):',
    });
    fix.push({
      kind: 'code',
      lang: 'sh',
      text: 'git config --global gpg.format ssh\ngit config --global user.signingkey ~/.ssh/id_ed25519.pub\ngit config --global commit.gpgsign true',
    });
    fix.push({
      kind: 'paragraph',
      text: 'Then add the public key to your GitHub account as a signing key (Settings, SSH and GPG keys: a new SSH key of type "Signing Key", or a new GPG key), and commit with an email address verified on that account.',
    });
  }
  return fix;
}
