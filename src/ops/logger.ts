/**
 * The process logger: pino, JSON by default (`LOG_FORMAT=pretty` for humans),
 * with secrets redacted wherever they could appear: private key, installation
 * tokens, webhook secret and `authorization` headers never reach a log.
 */
import { getTransformStream } from '@probot/pino';
import { pino, type Logger, type LoggerOptions } from 'pino';

export const REDACT_PATHS = [
  'privateKey',
  'private_key',
  'token',
  'secret',
  'webhookSecret',
  'authorization',
  'headers.authorization',
  '*.headers.authorization',
  '*.*.headers.authorization',
  'request.headers.authorization',
  'err.request.headers.authorization',
  'err.response.headers.authorization',
  'err.cause.request.headers.authorization',
  '*.token',
  '*.privateKey',
  '*.secret',
  'env.PRIVATE_KEY',
  'env.WEBHOOK_SECRET',
  'req.headers["x-hub-signature"]',
  'req.headers["x-hub-signature-256"]',
  // The access log's request and response headers: the insights' sealed session is a credential.
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  // Probot logs a received webhook at debug with its whole payload; keep the name, drop the payload.
  'event.payload',
  // Probot's error handler logs a failed event's error, with the event attached.
  'err.event.payload',
];

export type LogFormat = 'json' | 'pretty';
type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export function loggerOptions(level: string | undefined): LoggerOptions {
  const levels: Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
  return {
    level: levels.includes(level as Level) ? (level as Level) : 'info',
    messageKey: 'msg',
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

export async function createLogger(env: NodeJS.ProcessEnv = process.env): Promise<Logger> {
  const options = loggerOptions(env.LOG_LEVEL);
  if (env.LOG_FORMAT === 'pretty') {
    const transform = await getTransformStream({
      logFormat: 'pretty',
      logLevelInString: env.LOG_LEVEL_IN_STRING === 'true',
    });
    transform.pipe(pino.destination(1) as unknown as NodeJS.WritableStream);
    return pino(options, transform);
  }
  return pino(options, pino.destination({ dest: 1, sync: false }));
}
