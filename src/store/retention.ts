/**
 * Retention: rows older than `HISTORY_RETENTION_DAYS` are deleted, in batches of a few thousand
 * rows so that no statement holds locks or the embedded database for long, and recording goes on
 * between them. Base-branch files no open snapshot refers to any more are deleted too.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { HistoryTables } from './tables.js';
import { SYSTEM_CLOCK } from '../ops/clock.js';

/** Each table and its "older than the cutoff" condition (identifiers are code, never input). */
const EXPIRY: readonly {
  readonly table: keyof HistoryTables;
  readonly expired: (cutoff: string) => RawBuilder<boolean>;
}[] = [
  { table: 'gate_results', expired: (c) => sql`evaluated_at < ${c}::timestamptz` },
  { table: 'evaluations', expired: (c) => sql`evaluated_at < ${c}::timestamptz` },
  { table: 'overrides', expired: (c) => sql`recorded_at < ${c}::timestamptz` },
  // A week goes once all of it is older than the cutoff.
  { table: 'pull_request_weeks', expired: (c) => sql`week + 7 <= (${c}::timestamptz AT TIME ZONE 'UTC')::date` },
  // A pull request goes when nothing happened to it for the whole period (open or not).
  { table: 'pull_requests', expired: (c) => sql`updated_at < ${c}::timestamptz` },
  { table: 'open_pull_requests', expired: (c) => sql`captured_at < ${c}::timestamptz` },
  // Names and failure patterns last recorded before the cutoff (`seen_at` is kept to within a day).
  { table: 'repositories', expired: (c) => sql`seen_at < ${c}::timestamptz` },
  { table: 'failure_patterns', expired: (c) => sql`seen_at < ${c}::timestamptz` },
];

/** Files younger than this are kept even when unreferenced: a snapshot may be about to refer to one. */
const FILE_GRACE_MS = 24 * 60 * 60 * 1000;

export interface RetentionOptions {
  /** Rows per DELETE (default 5,000). */
  readonly batchSize?: number;
  /** Called after each batch, e.g. for a metric. */
  readonly onDeleted?: (table: string, rows: number) => void;
  /** Stops between batches when it returns true (shutdown). */
  readonly stopped?: () => boolean;
}

/** Deletes what is older than `cutoff`. Returns the rows deleted per table. */
export async function deleteExpired(
  db: Kysely<HistoryTables>,
  cutoff: Date,
  options: RetentionOptions = {},
): Promise<Record<string, number>> {
  const batchSize = options.batchSize ?? 5000;
  const deleted: Record<string, number> = {};
  const at = cutoff.toISOString();
  for (const { table, expired } of EXPIRY) {
    deleted[table] = 0;
    for (;;) {
      if (options.stopped?.()) return deleted;
      const result = await sql`
        DELETE FROM ${sql.table(table)}
        WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${sql.table(table)} WHERE ${expired(at)} LIMIT ${batchSize}))`.execute(
        db,
      );
      const rows = Number(result.numAffectedRows ?? 0);
      deleted[table] += rows;
      if (rows > 0) options.onDeleted?.(table, rows);
      if (rows < batchSize) break;
      // Let recording and queries run between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const grace = new Date(SYSTEM_CLOCK.now() - FILE_GRACE_MS).toISOString();
  const files = await sql`
    DELETE FROM snapshot_files f
    WHERE f.stored_at < ${grace}::timestamptz
      AND NOT EXISTS (SELECT 1 FROM open_pull_requests o WHERE f.hash = ANY (o.file_hashes))`.execute(db);
  deleted.snapshot_files = Number(files.numAffectedRows ?? 0);
  if (deleted.snapshot_files > 0) options.onDeleted?.('snapshot_files', deleted.snapshot_files);
  return deleted;
}

/**
 * `VACUUM (ANALYZE)` of every history table, one at a time. The embedded database has no
 * autovacuum (PGlite runs no background workers): without this its statistics go stale, the space
 * of deleted and updated rows is not reused, and index-only scans stop being possible. A server's
 * autovacuum does the same on its own.
 */
export async function vacuum(db: Kysely<HistoryTables>): Promise<void> {
  for (const { table } of EXPIRY) await sql`VACUUM (ANALYZE) ${sql.table(table)}`.execute(db);
  // The rollups: every write updates their rows (and their statistics decide the plans that read them).
  for (const table of ['snapshot_files', 'repository_weeks', 'repository_activity', 'repository_reasons'] as const)
    await sql`VACUUM (ANALYZE) ${sql.table(table)}`.execute(db);
}

/** The cutoff for `days` of retention at `now`. */
export function retentionCutoff(days: number, now: number = SYSTEM_CLOCK.now()): Date {
  return new Date(now - days * 24 * 60 * 60 * 1000);
}
