/**
 * Database errors as the history logs them: the message, the SQLSTATE or system code, and the
 * causes' messages. Never the error object itself: `pg` attaches the whole client (connection
 * details and internal state, kilobytes of it) to some errors, and a refused row's values to others.
 */
export interface LoggedError {
  readonly type: string;
  readonly message: string;
  readonly code?: string;
  readonly cause?: LoggedError;
}

export function safeError(error: unknown, depth = 0): LoggedError {
  const e = error as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown } | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const cause = e?.cause !== undefined && depth < 3 ? safeError(e.cause, depth + 1) : undefined;
  return {
    type: typeof e?.name === 'string' ? e.name : typeof error,
    message: typeof e?.message === 'string' ? e.message : String(error),
    ...(code ? { code } : {}),
    ...(cause ? { cause } : {}),
  };
}
