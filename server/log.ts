// Logging: pino, JSON by default (one object per line, logrotate-friendly), a human
// format for the terminal. Secrets are redacted by key wherever they appear.
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export type LogFormat = 'json' | 'human';

export interface LogOptions {
  level?: string;
  format?: LogFormat;
  /** File descriptor or path; default stdout. */
  destination?: string | number;
}

// Any key with one of these names is replaced with "[redacted]" at any depth we list.
const SECRET_KEYS = ['password', 'secret', 'bindPassword', 'ntHash', 'hash', 'key', 'sendKey', 'recvKey'];
const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export function createLogger(opts: LogOptions = {}): Logger {
  const base: LoggerOptions = {
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (opts.format === 'human') {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: {
          destination: opts.destination ?? 1,
          colorize: false,
          translateTime: 'SYS:standard',
          ignore: 'pid,hostname',
          singleLine: true,
        },
      },
    });
  }
  const dest = pino.destination({ dest: opts.destination ?? 1, sync: false });
  return pino(base, dest);
}

/** A logger that writes nothing (library default, tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
