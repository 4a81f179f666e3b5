/**
 * The period of a view: `from` and `to` as calendar days in UTC (`YYYY-MM-DD`), both included,
 * 90 days up to today by default. The store's queries take `[from, to + 1 day)`.
 */
export interface Period {
  /** First day, `YYYY-MM-DD`. */
  readonly from: string;
  /** Last day, included, `YYYY-MM-DD`. */
  readonly to: string;
  /** The store's range: from 00:00 UTC of `from` to 00:00 UTC after `to`. */
  readonly start: Date;
  readonly end: Date;
}

export const DEFAULT_PERIOD_DAYS = 90;
/** The longest period asked at once: two years (retention keeps 400 days by default). */
export const MAX_PERIOD_DAYS = 731;
const DAY = 86_400_000;

export class PeriodError extends Error {
  override readonly name = 'PeriodError';
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function parseDay(name: string, text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms) || isoDay(ms) !== text)
    throw new PeriodError(`"${name}" must be a date as YYYY-MM-DD; got "${text.slice(0, 40)}".`);
  return ms;
}

/** The period asked in `query` (`from`, `to`), or the default one ending today. Throws `PeriodError` with the fix. */
export function periodFrom(query: URLSearchParams, now: number): Period {
  const today = Date.parse(`${isoDay(now)}T00:00:00Z`);
  const to = query.get('to') ? parseDay('to', query.get('to')!) : today;
  const from = query.get('from') ? parseDay('from', query.get('from')!) : to - (DEFAULT_PERIOD_DAYS - 1) * DAY;
  if (from > to)
    throw new PeriodError(
      `"from" (${isoDay(from)}) is after "to" (${isoDay(to)}); choose a start on or before the end.`,
    );
  if ((to - from) / DAY + 1 > MAX_PERIOD_DAYS)
    throw new PeriodError(`The period spans more than ${MAX_PERIOD_DAYS} days; choose a shorter one.`);
  return { from: isoDay(from), to: isoDay(to), start: new Date(from), end: new Date(to + DAY) };
}
