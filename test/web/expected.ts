/**
 * The figures the insights must show, computed here in JavaScript from the stored rows (not with
 * the store's queries), for a user's repositories and the default period.
 */
import type { Kysely } from 'kysely';
import type { HistoryTables, PullRequestRow } from '../../src/store/tables.js';
import { NOW } from './support.js';

const DAY = 86_400_000;
/** The default period: the 90 UTC days up to NOW's, both included. */
export const PERIOD = {
  from: '2025-12-02',
  to: '2026-03-01',
  start: new Date(Date.parse('2025-12-02T00:00:00Z')),
  end: new Date(Date.parse('2026-03-01T00:00:00Z') + DAY),
};
if (PERIOD.end.getTime() - DAY !== Date.parse(`${new Date(NOW).toISOString().slice(0, 10)}T00:00:00Z`))
  throw new Error('PERIOD must end on NOW');

/** PostgreSQL's percentile_cont. */
export function percentile(values: readonly (number | null)[], p: number): number | null {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}
const one = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);
const pct = (part: number, whole: number) => (whole > 0 ? Math.round((1000 * part) / whole) / 10 : null);
const within = (d: Date | null) => d !== null && d >= PERIOD.start && d < PERIOD.end;

export async function pullRequests(db: Kysely<HistoryTables>, ids: readonly number[]): Promise<PullRequestRow[]> {
  const set = new Set(ids);
  return (await db.selectFrom('pull_requests').selectAll().execute()).filter((p) => set.has(Number(p.repository_id)));
}

/** PRs of the period: evaluated at least once in it. */
export const active = (rows: readonly PullRequestRow[]) =>
  rows.filter(
    (p) =>
      p.last_evaluated_at !== null &&
      p.first_evaluated_at !== null &&
      p.last_evaluated_at >= PERIOD.start &&
      p.first_evaluated_at < PERIOD.end,
  );

export function headline(rows: readonly PullRequestRow[]) {
  const inPeriod = active(rows);
  const merged = rows.filter((p) => within(p.merged_at));
  const blocked = inPeriod.filter((p) => p.gates_blocked !== 0).length;
  return {
    evaluated: inPeriod.length,
    merged: merged.length,
    blocked,
    blockedPct: pct(blocked, inPeriod.length),
    p50Lines: one(
      percentile(
        merged.map((p) => p.counted_lines),
        0.5,
      ),
    ),
    p90Lines: one(
      percentile(
        merged.map((p) => p.counted_lines),
        0.9,
      ),
    ),
  };
}

/** Per repository: PRs of the period and those blocked. */
export function perRepository(
  rows: readonly PullRequestRow[],
): Map<string, { prs: number; blocked: number; merged: number }> {
  const out = new Map<string, { prs: number; blocked: number; merged: number }>();
  for (const p of active(rows)) {
    const r = out.get(p.repository) ?? { prs: 0, blocked: 0, merged: 0 };
    out.set(p.repository, {
      prs: r.prs + 1,
      blocked: r.blocked + (p.gates_blocked !== 0 ? 1 : 0),
      merged: r.merged + (p.merged_at !== null ? 1 : 0),
    });
  }
  return out;
}

/** What the what-if must say per repository for a candidate. */
export function whatIf(
  rows: readonly PullRequestRow[],
  maxLines: number,
  maxFiles: number,
  defaultExcludes: boolean,
): Map<string, { prs: number; wouldFail: number }> {
  const out = new Map<string, { prs: number; wouldFail: number }>();
  for (const p of active(rows).filter((p) => p.counted_lines !== null)) {
    const lines = defaultExcludes ? p.lines_default_excludes_on : p.lines_default_excludes_off;
    const files = defaultExcludes ? p.files_default_excludes_on : p.files_default_excludes_off;
    const r = out.get(p.repository) ?? { prs: 0, wouldFail: 0 };
    out.set(p.repository, {
      prs: r.prs + 1,
      wouldFail: r.wouldFail + ((lines ?? 0) > maxLines || (files ?? 0) > maxFiles ? 1 : 0),
    });
  }
  return out;
}
