/**
 * The pull-request snapshot: everything a gate may look at, as plain data.
 *
 * Built by exactly one place (`src/load/loader.ts`, or the CLI's git reader),
 * read by the pure gates in `gates/`. It is readonly and JSON-serialisable (ISO
 * strings, no Dates, no methods), so it can be saved as a fixture, replayed in a
 * test, or attached to a debug log.
 *
 * Wherever GitHub caps a list, the list carries an explicit `truncated` flag so
 * a gate never mistakes "GitHub did not tell us" for "there is none".
 */

/** GitHub's caps on the lists it returns for one pull request. */
export const GITHUB_LIMITS = {
  /** https://docs.github.com/en/rest/pulls/pulls#list-pull-requests-files — "Responses include a maximum of 3000 files." */
  maxFiles: 3000,
  /** https://docs.github.com/en/rest/pulls/pulls#list-commits-on-a-pull-request — "a maximum of 250 commits". */
  maxCommits: 250,
  /** GraphQL connections return at most 100 nodes a page. */
  pageSize: 100,
  /** Above this size GitHub's GraphQL `Blob.text` is truncated. */
  blobTextLimitBytes: 512 * 1024,
  /** GitHub ignores CODEOWNERS files larger than 3 MB. */
  codeownersMaxBytes: 3 * 1024 * 1024,
} as const;

/** A list that GitHub may have cut short. */
export interface Capped<T> {
  readonly nodes: readonly T[];
  /** GitHub's own count of the full list (may exceed `nodes.length`). */
  readonly totalCount: number;
  /** True when `nodes` is not the whole list (GitHub's cap was reached). */
  readonly truncated: boolean;
}

/** How a file changed, as GitHub's GraphQL `PatchStatus` says, in lower case. */
export type ChangeType = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'changed';

export interface ChangedFile {
  /** Path from the repository root after the change. */
  readonly path: string;
  readonly changeType: ChangeType;
  readonly additions: number;
  readonly deletions: number;
}

/** GitHub's verdict on a commit signature. */
export interface CommitSignature {
  /** True when GitHub shows the commit as "Verified". */
  readonly isValid: boolean;
  /** GitHub's reason in lower case: `valid`, `unsigned`, `unknown_key`, `bad_email`, … */
  readonly state: string;
  /**
   * True when GitHub itself signed the commit (web edits, merges in the UI). Set by the command
   * line only, to explain a signature local git cannot check; GitHub's own verdict (`isValid`)
   * needs no such hint, so the app does not ask for it.
   */
  readonly wasSignedByGitHub?: boolean;
}

export interface CommitInfo {
  readonly sha: string;
  /** First line of the message. */
  readonly subject: string;
  /** The whole message, trailers included. */
  readonly message: string;
  readonly authorName: string;
  readonly authorEmail: string;
  /** GitHub login of the author, when GitHub could map the email to an account. */
  readonly authorLogin: string | null;
  /**
   * True when the commit is a bot's: the pull request was opened by a `Bot` account, GitHub
   * links the commit to no user, and its author email is that bot's noreply address. Never
   * decided from the git author name or email alone, which the committer sets freely.
   */
  readonly authorIsBot: boolean;
  /** Number of parents; 2 or more is a merge commit. */
  readonly parentCount: number;
  /** `null` when the commit carries no signature at all (GitHub: `unsigned`). */
  readonly signature: CommitSignature | null;
}

export type ReviewState = 'approved' | 'changes_requested' | 'commented' | 'dismissed' | 'pending';

export interface Review {
  /** Reviewer login; `null` for a deleted account ("ghost"). */
  readonly author: string | null;
  readonly state: ReviewState;
  /** ISO timestamp. */
  readonly submittedAt: string | null;
  /** Head commit the review was given on. */
  readonly commitSha: string | null;
}

/** A file read from the base branch (config, CODEOWNERS, .gitattributes). */
export interface BaseFile {
  /** Path from the repository root. */
  readonly path: string;
  /** Blob id; stable cache key for compiled forms. */
  readonly oid: string;
  readonly byteSize: number;
  /** `null` when binary or truncated by GitHub. */
  readonly text: string | null;
  readonly truncated: boolean;
}

export interface PullRequestSnapshot {
  /**
   * Who built the snapshot, so gates can word a fix for where it is read: absent (or `github`)
   * for the app's loader; `local` for the command line (`quality-gates check`), which reads a
   * git repository and knows no reviews, no team members, and only the signatures local git
   * can check. Gates never evaluate differently for it, except where the local snapshot holds
   * less (`teams` is empty because members cannot be looked up, not because they were not asked for).
   */
  readonly source?: 'github' | 'local';
  readonly repository: {
    readonly owner: string;
    readonly name: string;
    readonly defaultBranch: string;
    /** `github.com`, or the GitHub Enterprise Server host (for issue URLs). */
    readonly host: string;
  };
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly author: { readonly login: string; readonly isBot: boolean };
  readonly isDraft: boolean;
  readonly state: 'open' | 'closed' | 'merged';
  readonly baseRef: string;
  readonly baseSha: string;
  readonly headRef: string;
  readonly headSha: string;
  /** True when the head branch lives in a fork. */
  readonly isCrossRepository: boolean;
  readonly labels: readonly string[];
  /** GitHub's own totals for the whole PR (they stay right when `files` is truncated). */
  readonly totals: { readonly changedFiles: number; readonly additions: number; readonly deletions: number };
  readonly files: Capped<ChangedFile>;
  readonly commits: Capped<CommitInfo>;
  readonly reviews: Capped<Review>;
  /** Issues GitHub links as closed by this PR (closing keywords or manual links). */
  readonly closingIssues: readonly { readonly number: number; readonly repository: string }[];
  /**
   * Members (logins, lower case) of the teams that CODEOWNERS names for the changed
   * files, keyed `org/team` in lower case; `null` when the app cannot see the team.
   * Filled by the loader only when codeowners-review is on; a missing key means the
   * team was not asked about.
   */
  readonly teams: Readonly<Record<string, readonly string[] | null>>;
  /** Files read at the base commit. `null` when absent. */
  readonly base: {
    readonly codeowners: BaseFile | null;
    readonly gitattributes: BaseFile | null;
    /**
     * The base branch's pull-request templates found in GitHub's locations (`PULL_REQUEST_TEMPLATE_PATHS`),
     * every one found; their text is boilerplate to pr-description. Never the head's (a fork's own
     * template is not read). Absent in snapshots made before it was read: no template known.
     */
    readonly pullRequestTemplates?: readonly BaseFile[];
  };
  /** When the pull request was opened (ISO); `null` when unknown (the command line: it is not open yet). */
  readonly createdAt?: string | null;
  /**
   * When the snapshot was read (ISO), from the reader's injected clock: the "now" of gates that
   * count time (branch-age), so a saved snapshot evaluates the same when replayed.
   */
  readonly readAt?: string;
  /**
   * The head commit compared with the base branch's tip, as GitHub's compare counts commits:
   * `behindBy` commits of the base are not in the head, `aheadBy` commits of the head are not in
   * the base. `null` when not compared (the base branch was deleted, or GitHub could not compare).
   */
  readonly comparison?: Comparison | null;
}

export interface Comparison {
  readonly aheadBy: number;
  readonly behindBy: number;
}

/**
 * Where GitHub looks for a pull-request template, in the case spellings used in practice (git
 * paths are case-sensitive; GitHub accepts the name in any case). Read at the base commit.
 */
export const PULL_REQUEST_TEMPLATE_PATHS = [
  '.github/pull_request_template.md',
  '.github/PULL_REQUEST_TEMPLATE.md',
  'pull_request_template.md',
  'PULL_REQUEST_TEMPLATE.md',
  'docs/pull_request_template.md',
  'docs/PULL_REQUEST_TEMPLATE.md',
] as const;
