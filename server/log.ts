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

type Level = 'debug' | 'info' | 'warn' | 'error';
type Fields = Readonly<Record<string, unknown>>;

/** The logging a session or control link does: one line at a level, with or without fields. */
export interface LineLog {
  debug(objOrMsg: object | string, msg?: string, ...args: unknown[]): void;
  info(objOrMsg: object | string, msg?: string, ...args: unknown[]): void;
  warn(objOrMsg: object | string, msg?: string, ...args: unknown[]): void;
  error(objOrMsg: object | string, msg?: string, ...args: unknown[]): void;
}

/**
 * A logger that adds fixed fields (sid, callId, peer…) to each line it writes, merged at
 * write time, instead of a pino child per session. A child costs every session its own
 * Logger, formatter object and pre-rendered bindings string (~200 bytes each, three per
 * session) and the CPU to make them, although an idle session at the usual level writes one
 * or two lines in its life. A line below the level costs nothing but the level check.
 * Output: the fields come where a child's bindings would (after pid), then the line's own.
 */
export class FieldLogger implements LineLog {
  constructor(
    private readonly base: Logger,
    private readonly fields: Fields,
  ) {}

  /** Whether a line at `level` would be written: lets a caller skip building fields and text. */
  enabled(level: Level): boolean {
    return this.base.isLevelEnabled(level);
  }

  /** The same logger with more fields (e.g. `user` once it is known). */
  with(more: Fields): FieldLogger {
    return new FieldLogger(this.base, { ...this.fields, ...more });
  }

  debug(objOrMsg: object | string, msg?: string, ...args: unknown[]): void {
    this.write('debug', objOrMsg, msg, args);
  }
  info(objOrMsg: object | string, msg?: string, ...args: unknown[]): void {
    this.write('info', objOrMsg, msg, args);
  }
  warn(objOrMsg: object | string, msg?: string, ...args: unknown[]): void {
    this.write('warn', objOrMsg, msg, args);
  }
  error(objOrMsg: object | string, msg?: string, ...args: unknown[]): void {
    this.write('error', objOrMsg, msg, args);
  }

  private write(level: Level, objOrMsg: object | string, msg: string | undefined, args: unknown[]): void {
    const base = this.base;
    if (!base.isLevelEnabled(level)) return;
    if (typeof objOrMsg === 'string') {
      // (msg, ...interpolation args): the message text moves after the fields object.
      const rest = msg === undefined ? args : [msg, ...args];
      base[level](this.fields, objOrMsg, ...rest);
      return;
    }
    // pino logs an Error given first under `err` (its serializer); keep that.
    const obj = objOrMsg instanceof Error ? { ...this.fields, err: objOrMsg } : { ...this.fields, ...objOrMsg };
    if (msg === undefined) base[level](obj);
    else base[level](obj, msg, ...args);
  }
}
