/**
 * One structured logger for all functions: a JSON object per line on stdout (CloudWatch Logs keeps
 * one event per line), with level, service, message and fields. No timestamps of its own: Lambda
 * adds them. Never log secrets, tokens, keys or object contents.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line (request ID, object key, ...). */
  with(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  /** Minimum level written. @default - $LOG_LEVEL, else "info" */
  readonly level?: LogLevel;
  /** Where lines go. @default - process.stdout */
  readonly write?: (line: string) => void;
}

function errorFields(value: unknown): unknown {
  return value instanceof Error
    ? {
        name: value.name,
        message: value.message,
        ...(value.cause !== undefined ? { cause: errorFields(value.cause) } : {}),
      }
    : value;
}

export function createLogger(service: string, options: LoggerOptions = {}, base: Record<string, unknown> = {}): Logger {
  const envLevel = process.env.LOG_LEVEL as LogLevel | undefined;
  const min = ORDER[options.level ?? (envLevel !== undefined && envLevel in ORDER ? envLevel : "info")];
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const log = (level: LogLevel, message: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[level] < min) return;
    const merged = Object.fromEntries(Object.entries({ ...base, ...fields }).map(([k, v]) => [k, errorFields(v)]));
    write(`${JSON.stringify({ level, service, message, ...merged })}\n`);
  };
  return {
    debug: (m, f) => log("debug", m, f),
    info: (m, f) => log("info", m, f),
    warn: (m, f) => log("warn", m, f),
    error: (m, f) => log("error", m, f),
    with: (fields) => createLogger(service, options, { ...base, ...fields }),
  };
}
