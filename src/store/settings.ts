/**
 * The history's environment (README, "Environment"): `HISTORY`, `DATABASE_URL`, `DATA_DIR`,
 * `HISTORY_RETENTION_DAYS`. A value that cannot be meant (`HISTORY=of`) stops the start with the
 * fix, rather than recording, or not recording, by surprise.
 */

export interface HistorySettings {
  /** False with `HISTORY=off`: nothing is recorded and no database is opened. */
  readonly enabled: boolean;
  /** A PostgreSQL server shared by replicas; undefined: the embedded database in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** Rows older than this many days are deleted. */
  readonly retentionDays: number;
}

export const DEFAULT_DATA_DIR = './data';
export const DEFAULT_RETENTION_DAYS = 400;

export class HistorySettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistorySettingsError';
  }
}

export function historySettingsFromEnv(env: Readonly<Record<string, string | undefined>>): HistorySettings {
  const history = (env.HISTORY ?? '').trim().toLowerCase();
  if (!['', 'on', 'off'].includes(history)) {
    throw new HistorySettingsError(
      `HISTORY must be "on" or "off" (got "${env.HISTORY}"). Unset it to record history, or set HISTORY=off to record nothing.`,
    );
  }
  const days = (env.HISTORY_RETENTION_DAYS ?? '').trim();
  const retentionDays = days === '' ? DEFAULT_RETENTION_DAYS : Number(days);
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new HistorySettingsError(
      `HISTORY_RETENTION_DAYS must be a whole number of days, at least 1 (got "${env.HISTORY_RETENTION_DAYS}"). Unset it for the default, ${DEFAULT_RETENTION_DAYS}.`,
    );
  }
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(?:ql)?:\/\//i.test(databaseUrl)) {
    throw new HistorySettingsError(
      'DATABASE_URL must be a PostgreSQL URL: postgres://user:password@host:5432/database (add ?sslmode=require for TLS).',
    );
  }
  return { enabled: history !== 'off', databaseUrl, dataDir: env.DATA_DIR?.trim() || DEFAULT_DATA_DIR, retentionDays };
}
