// A child logger that is made only when a line is actually written. The chain binds the
// peer's name, address and call id to every line of one attempt, and each plugin its own
// name; with pino, child() copies and serialises those bindings (and sets up redaction)
// at once, per attempt and per plugin, even when the level throws every line away — the
// usual case at the default level for the debug lines of a successful attempt.
//
// Only what the chain and the plugins use is provided: the level methods, child(),
// isLevelEnabled() and level. The result is typed as a pino Logger for them.
import type { Logger } from 'pino';

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
type LogFn = (...args: unknown[]) => void;

class LazyChild {
  readonly #parent: Logger;
  readonly #bindings: Record<string, unknown>;
  #child: Logger | undefined;

  constructor(parent: Logger, bindings: Record<string, unknown>) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  get level(): string {
    return this.#parent.level;
  }

  isLevelEnabled(level: string): boolean {
    return this.#parent.isLevelEnabled(level);
  }

  child(bindings: Record<string, unknown>): Logger {
    return lazyChild(this.#logger(), bindings);
  }

  trace(...args: unknown[]): void { this.#write('trace', args); }
  debug(...args: unknown[]): void { this.#write('debug', args); }
  info(...args: unknown[]): void { this.#write('info', args); }
  warn(...args: unknown[]): void { this.#write('warn', args); }
  error(...args: unknown[]): void { this.#write('error', args); }
  fatal(...args: unknown[]): void { this.#write('fatal', args); }

  #write(level: Level, args: unknown[]): void {
    if (!this.#parent.isLevelEnabled(level)) return;
    const log = this.#logger();
    (log[level] as LogFn).apply(log, args);
  }

  #logger(): Logger {
    return (this.#child ??= this.#parent.child(this.#bindings));
  }
}

/** `parent.child(bindings)`, deferred until the first line at an enabled level. */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  return new LazyChild(parent, bindings) as unknown as Logger;
}
