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
  'owner' in filter
    ? sql`o.owner = ${filter.owner.toLowerCase()}`
    : sql`o.repository_id = ANY (${[...filter.repositoryIds]}::bigint[])`;

/** Every stored open PR matching `filter`, in repository and number order. A snapshot that cannot be read is skipped and reported. */
export async function loadOpenPullRequests(
  db: Kysely<HistoryTables>,
  filter: OpenPullRequestFilter,
  options: OpenPullRequestPageOptions = {},
): Promise<StoredOpenPullRequest[]> {
  const out: StoredOpenPullRequest[] = [];
  for await (const page of openPullRequestPages(db, filter, options)) out.push(...page);
  return out;
}

export interface OpenPullRequestPageOptions {
  readonly pageSize?: number;
  readonly onUnreadable?: (repositoryId: number, number: number, error: unknown) => void;
}

/**
 * The stored open PRs matching `filter`, a page at a time (repository and number order), so that a
 * caller can work on one page while holding no other: the policy preview over 5,000 open pull
 * requests never holds them all. Reads only the columns a snapshot needs; base-branch files shared by
 * many pull requests are read once per call.
 */
export async function* openPullRequestPages(
  db: Kysely<HistoryTables>,
  filter: OpenPullRequestFilter,
  options: OpenPullRequestPageOptions = {},
): AsyncGenerator<StoredOpenPullRequest[]> {
  const pageSize = options.pageSize ?? 1000;
  const files = new Map<string, string>();
  // The keys first (read from the index), then the rows by key: a keyset page over the owner's
  // index sorted every remaining row, snapshots included, for each page (docs/performance.md).
  const { rows: keys } = await sql<{ repository_id: number; pr_number: number }>`
    SELECT o.repository_id, o.pr_number FROM open_pull_requests o WHERE ${where(filter)} ORDER BY o.repository_id, o.pr_number`.execute(
    db,
  );
  for (let i = 0; i < keys.length; i += pageSize) {
    const chunk = keys.slice(i, i + pageSize);
    // The snapshot as JSON text: one string per row crosses from the database (or the embedded
    // database's worker) and is parsed here, cheaper than a tree of objects.
    const { rows } = await sql<{
      repository_id: number;
      repository: string;
      pr_number: number;
      head_sha: string;
      captured_at: Date;
      snapshot: string;
      file_hashes: string[];
    }>`
      SELECT o.repository_id, o.repository, o.pr_number, o.head_sha, o.captured_at, o.snapshot::text AS snapshot, o.file_hashes
      FROM unnest(${chunk.map((k) => k.repository_id)}::bigint[], ${chunk.map((k) => k.pr_number)}::integer[]) AS k(repository_id, pr_number)
      JOIN open_pull_requests o ON o.repository_id = k.repository_id AND o.pr_number = k.pr_number
      ORDER BY o.repository_id, o.pr_number`.execute(db);
    const missing = [...new Set(rows.flatMap((r) => r.file_hashes))].filter((h) => !files.has(h));
    if (missing.length > 0) {
      const found = await db
        .selectFrom('snapshot_files')
        .select(['hash', 'text'])
        .where('hash', 'in', missing)
        .execute();
      for (const f of found) files.set(f.hash, f.text);
    }
    const page: StoredOpenPullRequest[] = [];
    for (const r of rows) {
      try {
        const decoded = decodeSnapshot(JSON.parse(r.snapshot), files);
        page.push({
          repositoryId: Number(r.repository_id),
          repository: r.repository,
          number: r.pr_number,
          headSha: r.head_sha,
          capturedAt: r.captured_at,
          snapshot: decoded.pr,
          repoConfig: decoded.repoConfig,
          bodyTruncated: decoded.bodyTruncated,
        });
      } catch (error) {
        options.onUnreadable?.(Number(r.repository_id), r.pr_number, error);
      }
    }
    if (page.length > 0) yield page;
  }
}

/** A repository the history knows: its name and visibility (null: never said). */
export interface KnownRepository {
  readonly id: number;
  readonly fullName: string;
  readonly private: boolean | null;
}

/** The repositories of `owner` (any case) the history knows, by id. */
export async function knownRepositories(
  db: Kysely<HistoryTables>,
  owner: string,
): Promise<Map<number, KnownRepository>> {
  const rows = await db
    .selectFrom('repositories')
    .select(['id', 'full_name', 'private'])
    .where('owner', '=', owner.toLowerCase())
    .execute();
  return new Map(rows.map((r) => [Number(r.id), { id: Number(r.id), fullName: r.full_name, private: r.private }]));
}

/** An open pull request the history knows from webhooks but holds no snapshot of. */
export interface UnseenPullRequest {
  readonly repositoryId: number;
  readonly repository: string;
  readonly number: number;
}

/**
 * Open pull requests the history knows (from their webhooks) without a stored snapshot: never
 * evaluated since the history was on, or their snapshot was dropped. At most `limit` listed,
 * with the total.
 */
export async function unseenOpenPullRequests(
  db: Kysely<HistoryTables>,
  filter: OpenPullRequestFilter,
  limit = 1000,
): Promise<{ total: number; listed: UnseenPullRequest[] }> {
  const scope =
    'owner' in filter
      ? sql`p.owner = ${filter.owner.toLowerCase()}`
      : sql`p.repository_id = ANY (${[...filter.repositoryIds]}::bigint[])`;
  const missing = sql`p.state = 'open' AND ${scope} AND NOT EXISTS (SELECT 1 FROM open_pull_requests o WHERE o.repository_id = p.repository_id AND o.pr_number = p.pr_number)`;
  const [{ rows: counted }, { rows }] = await Promise.all([
    sql<{ n: number }>`SELECT count(*)::integer AS n FROM pull_requests p WHERE ${missing}`.execute(db),
    sql<{ repository_id: number; repository: string; pr_number: number }>`
      SELECT p.repository_id, p.repository, p.pr_number FROM pull_requests p WHERE ${missing}
      ORDER BY p.repository, p.pr_number LIMIT ${limit}`.execute(db),
  ]);
  return {
    total: Number(counted[0]?.n ?? 0),
    listed: rows.map((r) => ({ repositoryId: Number(r.repository_id), repository: r.repository, number: r.pr_number })),
  };
}

/** Stored open PRs per repository (cheap: no snapshot is read). */
export async function openPullRequestCounts(
  db: Kysely<HistoryTables>,
  filter: OpenPullRequestFilter,
): Promise<{ repositoryId: number; repository: string; open: number }[]> {
  const { rows } = await sql<{ repositoryId: number; repository: string; open: number }>`
    SELECT o.repository_id AS "repositoryId", max(o.repository) AS repository, count(*) AS open
    FROM open_pull_requests o WHERE ${where(filter)}
    GROUP BY o.repository_id ORDER BY repository`.execute(db);
  return rows;
}
