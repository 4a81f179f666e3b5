/**
 * Reading the stored open-PR snapshots back, for the organisation policy preview: every open
 * pull request of an organisation (or of some repositories), whole again (`snapshot-codec.ts`),
 * read in pages so that 5,000 snapshots never sit in one message or one result.
 */
import { sql, type Kysely } from 'kysely';
import type { PullRequestSnapshot } from '../../gates/snapshot.js';
import { decodeSnapshot } from './snapshot-codec.js';
import type { HistoryTables } from './tables.js';

export interface StoredOpenPullRequest {
  readonly repositoryId: number;
  readonly repository: string;
  readonly number: number;
  readonly headSha: string;
  /** When the snapshot was taken (the evaluation's time). */
  readonly capturedAt: Date;
  readonly snapshot: PullRequestSnapshot;
  /** The repository's own config file on the base branch, when it was stored. */
  readonly repoConfig: string | null;
  readonly bodyTruncated: boolean;
}

/** An organisation (owner login, any case), or some repositories. */
export type OpenPullRequestFilter = { readonly owner: string } | { readonly repositoryIds: readonly number[] };

const where = (filter: OpenPullRequestFilter) =>
  'owner' in filter ? sql`o.owner = ${filter.owner.toLowerCase()}` : sql`o.repository_id = ANY (${[...filter.repositoryIds]}::bigint[])`;

/** Every stored open PR matching `filter`, in repository and number order. A snapshot that cannot be read is skipped and reported. */
export async function loadOpenPullRequests(
  db: Kysely<HistoryTables>,
  filter: OpenPullRequestFilter,
  options: { readonly pageSize?: number; readonly onUnreadable?: (repositoryId: number, number: number, error: unknown) => void } = {},
): Promise<StoredOpenPullRequest[]> {
  const pageSize = options.pageSize ?? 500;
  const files = new Map<string, string>();
  const out: StoredOpenPullRequest[] = [];
  let after: [number, number] = [0, 0];
  for (;;) {
    const { rows } = await sql<{ repository_id: number; repository: string; pr_number: number; head_sha: string; captured_at: Date; snapshot: unknown; file_hashes: string[] }>`
      SELECT o.repository_id, o.repository, o.pr_number, o.head_sha, o.captured_at, o.snapshot, o.file_hashes
      FROM open_pull_requests o
      WHERE ${where(filter)} AND (o.repository_id, o.pr_number) > (${after[0]}::bigint, ${after[1]}::integer)
      ORDER BY o.repository_id, o.pr_number
      LIMIT ${pageSize}`.execute(db);
    const missing = [...new Set(rows.flatMap((r) => r.file_hashes))].filter((h) => !files.has(h));
    if (missing.length > 0) {
      const found = await db.selectFrom('snapshot_files').select(['hash', 'text']).where('hash', 'in', missing).execute();
      for (const f of found) files.set(f.hash, f.text);
    }
    for (const r of rows) {
      try {
        const decoded = decodeSnapshot(r.snapshot, files);
        out.push({ repositoryId: r.repository_id, repository: r.repository, number: r.pr_number, headSha: r.head_sha, capturedAt: r.captured_at, snapshot: decoded.pr, repoConfig: decoded.repoConfig, bodyTruncated: decoded.bodyTruncated });
      } catch (error) {
        options.onUnreadable?.(r.repository_id, r.pr_number, error);
      }
    }
    if (rows.length < pageSize) return out;
    const last = rows[rows.length - 1]!;
    after = [last.repository_id, last.pr_number];
  }
}

/** Stored open PRs per repository (cheap: no snapshot is read). */
export async function openPullRequestCounts(db: Kysely<HistoryTables>, filter: OpenPullRequestFilter): Promise<{ repositoryId: number; repository: string; open: number }[]> {
  const { rows } = await sql<{ repositoryId: number; repository: string; open: number }>`
    SELECT o.repository_id AS "repositoryId", max(o.repository) AS repository, count(*) AS open
    FROM open_pull_requests o WHERE ${where(filter)}
    GROUP BY o.repository_id ORDER BY repository`.execute(db);
  return rows;
}
