/**
 * Exact percentiles computed here rather than by the database (docs/deploy.md, "Indexes and
 * queries"). The embedded database is 32-bit WebAssembly, where PostgreSQL passes `double
 * precision` values by reference: its `percentile_cont` sorts cost most of an insights view. The
 * queries instead send each group's values packed in one `bytea` (`packedInts`, `packedDoubles`:
 * 4 or 8 bytes each, no text formatting), and this module sorts them natively and interpolates
 * exactly as `percentile_cont` does, with the same IEEE double operations, so the figures are the
 * database's own (tested against it on both backends).
 */
import { sql, type RawBuilder } from 'kysely';

/** An integer column's non-null values in the group, 4 bytes each (big-endian `int4send`). */
export const packedInts = (column: RawBuilder<unknown>) =>
  sql<Uint8Array | null>`string_agg(int4send(${column}), ''::bytea)`;
/** A double expression's non-null values in the group, 8 bytes each (big-endian `float8send`). */
export const packedDoubles = (expression: RawBuilder<unknown>) =>
  sql<Uint8Array | null>`string_agg(float8send(${expression}), ''::bytea)`;

/** Packed big-endian values of `width` bytes, unsorted (none for a group without one: `null`). */
function unpack(bytes: Uint8Array | null, width: 4 | 8): Float64Array {
  if (!bytes) return new Float64Array(0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float64Array(bytes.byteLength / width);
  for (let i = 0; i < values.length; i++) values[i] = width === 4 ? view.getInt32(i * 4) : view.getFloat64(i * 8);
  return values;
}
/** The values of `packedInts`, unsorted. */
export const unpackInts = (bytes: Uint8Array | null) => unpack(bytes, 4);
/** The values of `packedDoubles`, unsorted. */
export const unpackDoubles = (bytes: Uint8Array | null) => unpack(bytes, 8);

/**
 * `percentile_cont(fraction)` over `sorted` (ascending, no NaN): the value at rank
 * `fraction × (n − 1)`, interpolated between its neighbours as PostgreSQL does
 * (`lo + (hi − lo) × proportion`); null for no values.
 */
export function percentileCont(sorted: Float64Array, fraction: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const rank = fraction * (n - 1);
  const first = Math.floor(rank);
  const second = Math.ceil(rank);
  const lo = sorted[first]!;
  if (first === second) return lo;
  const hi = sorted[second]!;
  return lo + (hi - lo) * (rank - first);
}

/**
 * Rows per week, in week order with each series sorted, then the period's row (`week` null): the
 * counts summed and each series the union of the weeks'. Each row's percentiles are then
 * `percentileCont` over its series.
 */
export function weeksThenPeriod<C extends string, S extends string>(
  rows: readonly ({ readonly week: string } & Record<C, number> & Record<S, Float64Array>)[],
  counts: readonly C[],
  series: readonly S[],
): ({ readonly week: string | null } & Record<C, number> & Record<S, Float64Array>)[] {
  const weeks = [...rows].sort((a, b) => (a.week < b.week ? -1 : 1));
  for (const w of weeks) for (const s of series) w[s].sort();
  const period = { week: null } as { week: string | null } & Record<C, number> & Record<S, Float64Array>;
  const counted = (row: object) => row as Record<C, number>;
  const valued = (row: object) => row as Record<S, Float64Array>;
  for (const c of counts) counted(period)[c] = weeks.reduce<number>((n, w) => n + counted(w)[c], 0);
  for (const s of series) valued(period)[s] = sortedUnion(weeks.map((w) => valued(w)[s]));
  return [...weeks, period];
}

/** Every group's values in one array, sorted (the period's total of per-week groups). */
export function sortedUnion(groups: readonly Float64Array[]): Float64Array {
  const all = new Float64Array(groups.reduce((n, g) => n + g.length, 0));
  let at = 0;
  for (const g of groups) {
    all.set(g, at);
    at += g.length;
  }
  return all.sort();
}
