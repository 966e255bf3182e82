/**
 * The logger every module writes through. The OCF and fence runtimes configure the real
 * destinations (lib/runtime/log-setup.ts: ocf-shellfuncs-like tag, HA_LOGFILE, HA_DEBUGLOG,
 * HA_LOGFACILITY, HA_debug); until then lines go to stderr. Writes are synchronous so that
 * nothing is lost when Pacemaker kills the process group at an operation timeout.
 */
import { redactSecrets } from './secrets';

export type LogLevel = 'debug' | 'info' | 'notice' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface LogSink {
  write(level: LogLevel, message: string, fields: LogFields): void;
}

export interface Log {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  notice(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` (host, instance…) to every line. */
  child(fields: LogFields): Log;
}

const stderrSink: LogSink = {
  write(level, message, fields) {
    if (level === 'debug') return;
    process.stderr.write(`${level.toUpperCase()}: ${message}${formatFields(fields)}\n`);
  },
};

let sink: LogSink = stderrSink;

export function setLogSink(next: LogSink): void {
  sink = next;
}

/** Sends every line to `extra` as well as to the current sink (the JSON log). */
export function teeLogSink(extra: LogSink): void {
  const first = sink;
  sink = {
    write(level, message, fields) {
      first.write(level, message, fields);
      extra.write(level, message, fields);
    },
  };
}

export function formatFields(fields: LogFields): string {
  const parts = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${String(value)}`);
  return parts.length ? ` (${parts.join(' ')})` : '';
}

function makeLog(bound: LogFields): Log {
  const emit = (level: LogLevel) => (message: string, fields: LogFields = {}) =>
    sink.write(level, redactSecrets(message), redactFields({ ...bound, ...fields }));
  return {
    debug: emit('debug'),
    info: emit('info'),
    notice: emit('notice'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => makeLog({ ...bound, ...fields }),
  };
}

function redactFields(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = typeof value === 'string' ? redactSecrets(value) : value;
  }
  return out;
}

export const log: Log = makeLog({});
