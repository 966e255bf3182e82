/**
 * The real log destinations, the way ocf-shellfuncs writes them, for both agent runtimes:
 * tag `Agent(instance)[pid]`; ERROR/WARNING/NOTICE/INFO/DEBUG; DEBUG only when HA_debug is
 * non-zero; HA_LOGFILE and HA_DEBUGLOG appended synchronously; HA_LOGFACILITY → syslog via
 * `logger`; stderr only when neither a log file nor a facility is set, as ocf-shellfuncs
 * does: execd copies an agent's stderr into pacemaker.log, which is usually HA_LOGFILE
 * already, and every line would appear there twice. The fence runtime asks for stderr
 * always (`stderrAlways`), because the fencer's log is where fence-agent output belongs.
 *
 * Why not pino here: HA_LOGFILE is usually Pacemaker's own text log, read by people and by
 * crm_report, where JSON lines would be out of place; appendFileSync gives the same
 * "nothing lost at SIGKILL" guarantee as pino's sync destination without loading pino on
 * every cold start. Secret values are blanked by lib/runtime/log.ts; fields whose NAME says
 * secret are blanked here, like pino's `redact` paths.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { formatFields, setLogSink, type LogFields, type LogLevel, type LogSink } from './log';

export interface LoggingOptions {
  agent: string;
  instance?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** Where stderr lines go (tests capture them); default process.stderr. */
  stderr?: (line: string) => void;
  /** Write to stderr even when HA_LOGFILE or HA_LOGFACILITY takes the lines. */
  stderrAlways?: boolean;
  /** Field names always blanked, in addition to DEFAULT_REDACTED_FIELDS. */
  redactFields?: readonly string[];
  now?: () => Date;
  pid?: number;
}

export const DEFAULT_REDACTED_FIELDS: readonly string[] = [
  'password',
  'passwd',
  'application_credential_secret',
  'token',
  'secret',
];

const LABELS: Record<LogLevel, string> = {
  error: 'ERROR',
  warn: 'WARNING',
  notice: 'NOTICE',
  info: 'INFO',
  debug: 'DEBUG',
};

const SYSLOG_PRIORITIES: Record<LogLevel, string> = {
  error: 'err',
  warn: 'warning',
  notice: 'notice',
  info: 'info',
  debug: 'debug',
};

const DEFAULT_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

// `logger` must not hold up an action that Pacemaker times: a wedged syslog costs one second.
const LOGGER_TIMEOUT_MS = 1000;

export function logTag(agent: string, instance: string | undefined, pid: number): string {
  return instance ? `${agent}(${instance})[${pid}]` : `${agent}[${pid}]`;
}

export function debugEnabled(env: NodeJS.ProcessEnv): boolean {
  const value = env.HA_debug ?? '';
  return value !== '' && value !== '0';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** ocf-shellfuncs' default HA_DATEFMT "%b %d %T " (local time). */
export function haDate(date: Date): string {
  const time = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  return `${MONTHS[date.getMonth()]} ${two(date.getDate())} ${time} `;
}

/** False when the file cannot be written: that must not fail the action. */
function appendQuietly(file: string, text: string): boolean {
  try {
    appendFileSync(file, text);
    return true;
  } catch {
    return false;
  }
}

function syslog(facility: string, tag: string, level: LogLevel, text: string, path: string): void {
  // The message goes on stdin, not argv, so it never shows in a process listing; the child
  // gets only PATH, not the agent's environment with its OCF_RESKEY_password.
  spawnSync('logger', ['-t', tag, '-p', `${facility}.${SYSLOG_PRIORITIES[level]}`], {
    input: text,
    env: { PATH: path },
    timeout: LOGGER_TIMEOUT_MS,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
}

/** The sink, without installing it (tests use it directly). */
export function createLogSink(options: LoggingOptions): LogSink {
  const env = options.env;
  const tag = logTag(options.agent, options.instance, options.pid ?? process.pid);
  const debug = debugEnabled(env);
  const logFile = env.HA_LOGFILE || undefined;
  const debugLog = env.HA_DEBUGLOG || undefined;
  const facility = env.HA_LOGFACILITY && env.HA_LOGFACILITY !== 'none' ? env.HA_LOGFACILITY : undefined;
  const toStderr = options.stderr ?? ((line: string) => void process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const stderrToo = options.stderrAlways === true || (logFile === undefined && facility === undefined);
  const redacted = new Set([...DEFAULT_REDACTED_FIELDS, ...(options.redactFields ?? [])]);

  const redact = (fields: LogFields): LogFields =>
    Object.fromEntries(
      Object.entries(fields).map(([key, value]) => [key, redacted.has(key) && value !== undefined ? '****' : value]),
    );

  return {
    write(level, message, fields) {
      if (level === 'debug' && !debug) return;
      const text = `${LABELS[level]}: ${message}${formatFields(redact(fields))}`;
      const date = haDate(now());
      if (stderrToo) toStderr(`${tag}: ${text}\n`);
      if (facility !== undefined) syslog(facility, tag, level, text, env.PATH || DEFAULT_PATH);
      const logged = logFile === undefined || level === 'debug' || appendQuietly(logFile, `${date}${tag}:    ${text}\n`);
      // A log file we cannot write must not swallow the line: stderr gets it instead.
      if (!logged && !stderrToo) toStderr(`${tag}: ${text}\n`);
      if (debugLog !== undefined && (level === 'debug' || debugLog !== logFile)) {
        appendQuietly(debugLog, `${tag}:\t${date}${text}\n`);
      }
    },
  };
}

/** Installs the sink for every module's `log`; returns the tag it writes with. */
export function setupLogging(options: LoggingOptions): { tag: string } {
  setLogSink(createLogSink(options));
  return { tag: logTag(options.agent, options.instance, options.pid ?? process.pid) };
}
