import type { LoggerService } from '@nestjs/common';
import type { Logger } from './logger.js';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's logger interface over pino, so Nest's own lines (bootstrap, route mapping, every
 * `new Logger(context)` in the code) are JSON lines like the rest. Nest passes the context last.
 * A string message may be followed by a stack; an object message (fields for the line, as in
 * `logger.warn({ reqId, code }, 'upstream failed')`) by the line's text. An error keeps its
 * message here (Nest's start-up errors are unreadable without it): request errors never come
 * this way, they go from `AllExceptionsFilter` to pino with `errorFields` only.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const last = params.at(-1);
    if (typeof last === 'string' && !isStack(last)) {
      fields.context = last;
      params = params.slice(0, -1);
    }
    const text = params.find((param): param is string => typeof param === 'string');
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, text ?? message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...message }, text);
    } else {
      if (text !== undefined) fields.stack = text;
      this.logger[level](fields, String(message));
    }
  }
}

const isStack = (text: string): boolean => text.includes('\n    at ');
