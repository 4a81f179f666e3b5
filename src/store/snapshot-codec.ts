/**
 * The compact snapshot of an open pull request, kept so that the organisation policy preview can
 * re-run the pure gates under a proposed config without a GitHub request per pull request.
 *
 * It is the one place the history keeps text a user wrote, and only what the gates read: title,
 * branch names, labels, file paths and counts, reviews, commit subjects with their `Signed-off-by`
 * trailers (the rest of each commit message is dropped), signatures, and the PR body cut to
 * `SNAPSHOT_BODY_CHARS`. Base-branch files (CODEOWNERS, .gitattributes, the repository's own
 * config) are stored once by content hash in `snapshot_files`, however many PRs share them. The
 * row is deleted when the pull request closes (docs/deploy.md, "What is stored").
 */
import { createHash } from 'node:crypto';
import type { BaseFile, CommitInfo, PullRequestSnapshot } from '../../gates/snapshot.js';
import { cleanText, jsonText, type EncodedSnapshot } from './records.js';

/** The longest PR body kept (ticket references sit near the top). */
export const SNAPSHOT_BODY_CHARS = 4000;
/** Format version, stored in the JSON. */
const VERSION = 1;

/** A base-branch file, its text replaced by the hash of the `snapshot_files` row. */
interface StoredFile extends Omit<BaseFile, 'text'> {
  readonly hash: string | null;
}

interface StoredSnapshot {
  readonly v: typeof VERSION;
  readonly pr: Omit<PullRequestSnapshot, 'base'> & {
    readonly base: {
      readonly codeowners: StoredFile | null;
      readonly gitattributes: StoredFile | null;
      readonly pullRequestTemplates?: readonly StoredFile[];
    };
  };
  /** The PR body's length before it was cut. */
  readonly bodyChars: number;
  /** The repository's own `.github/quality-gates.yml` on the base branch, by hash; null when absent. */
  readonly config: string | null;
}

/** A snapshot read back, whole again. */
export interface DecodedSnapshot {
  readonly pr: PullRequestSnapshot;
  /** The repository's config file text on the base branch, when it was stored. */
  readonly repoConfig: string | null;
  /** True when the body was longer than `SNAPSHOT_BODY_CHARS` and was cut. */
  readonly bodyTruncated: boolean;
}

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');

/** Only the subject and the `Signed-off-by` trailers of a commit message. */
export function compactMessage(commit: Pick<CommitInfo, 'subject' | 'message'>): string {
  const trailers = commit.message.split('\n').filter((line) => /^\s*signed-off-by:/i.test(line));
  return trailers.length > 0 ? `${commit.subject}\n\n${trailers.map((t) => t.trim()).join('\n')}` : commit.subject;
}

/**
 * Encodes `pr` compactly. `repoConfig`: the repository's config file text on the base branch
 * (the loader reads it anyway), kept for previews of org-wide changes through `_extends`.
 */
export function encodeSnapshot(
  pr: PullRequestSnapshot,
  options: { readonly repoConfig?: string | null } = {},
): EncodedSnapshot {
  const files = new Map<string, string>();
  const keep = (text: string | null): string | null => {
    if (text === null) return null;
    const cleaned = cleanText(text);
    const hash = hashOf(cleaned);
    files.set(hash, cleaned);
    return hash;
  };
  const storedFile = (file: BaseFile | null): StoredFile | null =>
    file && {
      path: file.path,
      oid: file.oid,
      byteSize: file.byteSize,
      truncated: file.truncated,
      hash: keep(file.text),
    };
  const stored: StoredSnapshot = {
    v: VERSION,
    pr: {
      ...pr,
      body: pr.body.slice(0, SNAPSHOT_BODY_CHARS),
      commits: { ...pr.commits, nodes: pr.commits.nodes.map((c) => ({ ...c, message: compactMessage(c) })) },
      base: {
        codeowners: storedFile(pr.base.codeowners),
        gitattributes: storedFile(pr.base.gitattributes),
        ...(pr.base.pullRequestTemplates
          ? { pullRequestTemplates: pr.base.pullRequestTemplates.map((t) => storedFile(t)!) }
          : {}),
      },
    },
    bodyChars: pr.body.length,
    config: keep(options.repoConfig ?? null),
  };
  const json = jsonText(stored);
  return { json, files: [...files].map(([hash, text]) => ({ hash, text })), headSha: pr.headSha };
}

/** Thrown for a stored value this version cannot read. */
export class SnapshotFormatError extends Error {}

/** Rebuilds the snapshot from the stored JSON and the texts of its files (by hash). */
export function decodeSnapshot(value: unknown, files: ReadonlyMap<string, string>): DecodedSnapshot {
  const stored = value as StoredSnapshot;
  if (stored?.v !== VERSION || typeof stored.pr !== 'object')
    throw new SnapshotFormatError(`unknown snapshot format ${String(stored?.v)}`);
  const text = (hash: string | null) => (hash === null ? null : (files.get(hash) ?? null));
  const baseFile = (file: StoredFile | null): BaseFile | null => {
    if (!file) return null;
    const { hash, ...rest } = file;
    const body = text(hash);
    // A missing text reads as GitHub's "truncated": the gates then fail rather than guess.
    return { ...rest, text: body, truncated: rest.truncated || (hash !== null && body === null) };
  };
  const templates = stored.pr.base.pullRequestTemplates;
  const pr: PullRequestSnapshot = {
    ...stored.pr,
    base: {
      codeowners: baseFile(stored.pr.base.codeowners),
      gitattributes: baseFile(stored.pr.base.gitattributes),
      ...(templates ? { pullRequestTemplates: templates.flatMap((t) => baseFile(t) ?? []) } : {}),
    },
  };
  return { pr, repoConfig: text(stored.config), bodyTruncated: stored.bodyChars > SNAPSHOT_BODY_CHARS };
}
