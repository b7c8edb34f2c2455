import { format } from 'node:util';
import { CodeqError } from '../domain/errors.js';

/**
 * Leveled logging to stderr, one line per event, each with a timestamp: text
 * (`TIME LEVEL message key=value ...`) or JSON (`{"time":...,"level":...,"msg":...}`).
 */
export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

const LEVELS = ['error', 'warn', 'info', 'debug'] as const;
/** How much the log says: `error` only, up to `warn`, `info` (the default) or `debug`. */
export type LogLevel = (typeof LEVELS)[number];

const FORMATS = ['text', 'json'] as const;
/** How a log line is written: `text` for people, `json` for log collectors. */
export type LogFormat = (typeof FORMATS)[number];

/** True when `text` names a {@link LogLevel}. */
export function isLogLevel(text: string): text is LogLevel {
  return (LEVELS as readonly string[]).includes(text);
}

/** Whether `text` names a {@link LogFormat}. */
export function isLogFormat(text: string): text is LogFormat {
  return (FORMATS as readonly string[]).includes(text);
}

/**
 * An error as one log value. codeQ's own errors are expected conditions (Redis
 * unavailable, a stale lease): their message says it all, and a stack per occurrence
 * would bury the log. Anything else is a bug or a surprise: its stack goes in.
 */
function errorText(err: Error): string {
  return err instanceof CodeqError ? err.message : (err.stack ?? err.message);
}

/** Characters that end a line in some reader: C0 and C1 controls, LINE and PARAGRAPH SEPARATOR. */
const LINE_BREAKING = /[\p{Cc}\u2028\u2029]/gu;
/** A value holding any of these is quoted, so it reads as one value: spaces, quotes, '=', '\\'. */
const NEEDS_QUOTES = /[\s"=\\\p{Cc}\u2028\u2029]/u;

function escapeBreaks(text: string): string {
  return text.replace(LINE_BREAKING, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * One field value of a text line. Values come from callers (queue names, worker ids,
 * error messages): a value with a newline must not start a forged line, and one with
 * ` key=` must not forge a field, so such a value is written as a JSON string.
 */
function textValue(text: string): string {
  return text === '' || NEEDS_QUOTES.test(text) ? escapeBreaks(JSON.stringify(text)) : text;
}

function renderText(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    const text = v instanceof Error ? errorText(v) : typeof v === 'string' ? v : JSON.stringify(v);
    out += ` ${escapeBreaks(k)}=${textValue(text ?? 'undefined')}`;
  }
  return out;
}

function renderJson(
  time: string,
  level: LogLevel,
  message: string,
  fields: Record<string, unknown> | undefined,
): string {
  const record: Record<string, unknown> = { time, level, msg: message };
  for (const [k, v] of Object.entries(fields ?? {})) {
    if (!(k in record)) record[k] = v instanceof Error ? errorText(v) : v;
  }
  return JSON.stringify(record);
}

/** A logger printing events at `level` and above, in `format`, to `write` (default: stderr). */
export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (l) => process.stderr.write(l),
  format: LogFormat = 'text',
): Logger {
  const max = LEVELS.indexOf(level);
  const at =
    (l: LogLevel) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (LEVELS.indexOf(l) > max) return;
      const time = new Date().toISOString();
      write(
        format === 'json'
          ? `${renderJson(time, l, message, fields)}\n`
          : `${time} ${l} ${escapeBreaks(message)}${renderText(fields)}\n`,
      );
    };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

/** A logger that drops everything, for tests and embedding. */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };

/**
 * grpc-js's own log written through `logger`, for grpc-js's `setLogger`: without it grpc-js
 * writes `E …` lines to stderr, outside the server's log and its `--log-format`. grpc-js
 * still decides what to log (errors; more with `GRPC_VERBOSITY` and `GRPC_TRACE`), so its
 * info and debug lines, asked for by those variables, are written at info.
 */
export function grpcLog(logger: Logger): Pick<Console, 'error' | 'info' | 'debug'> {
  const line = (message: unknown, params: unknown[]): string => `grpc: ${format(message, ...params)}`;
  return {
    error: (message?: unknown, ...params: unknown[]) => logger.error(line(message, params)),
    info: (message?: unknown, ...params: unknown[]) => logger.info(line(message, params)),
    debug: (message?: unknown, ...params: unknown[]) => logger.info(line(message, params)),
  };
}
