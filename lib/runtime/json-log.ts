/**
 * An optional second log, one JSON object a line, for log shippers: set NOVA_HA_JSON_LOG to a
 * file path in the environment Pacemaker gives its agents (or the operator's shell for nova-ha).
 * Every line the text log gets goes here too, with its fields (host, instance, …) as keys.
 *
 * pino writes it: a synchronous destination, so nothing is lost when Pacemaker kills the
 * process group, and `redact` paths from the parameters declared secret. pino costs ~75 ms to
 * load, so it is imported only when the variable is set.
 */
import { errorMessage } from './errors';
import { log, teeLogSink, type LogLevel } from './log';

export const JSON_LOG_VARIABLE = 'NOVA_HA_JSON_LOG';

export interface JsonLogOptions {
  agent: string;
  instance?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** Field names whose values are replaced (the declared secrets). */
  redactFields?: readonly string[];
}

const PINO_LEVELS: Record<LogLevel, 'debug' | 'info' | 'notice' | 'warn' | 'error'> = {
  debug: 'debug',
  info: 'info',
  notice: 'notice',
  warn: 'warn',
  error: 'error',
};

/** Adds the JSON log when NOVA_HA_JSON_LOG names a file; a file we cannot open only costs a warning. */
export async function attachJsonLog(options: JsonLogOptions): Promise<boolean> {
  const path = options.env[JSON_LOG_VARIABLE];
  if (!path) return false;
  try {
    const { default: pino } = await import('pino');
    const debug = (options.env.HA_debug ?? '0') !== '0' && options.env.HA_debug !== '';
    const logger = pino(
      {
        level: debug ? 'debug' : 'info',
        customLevels: { notice: 35 },
        base: { agent: options.agent, resource: options.instance, pid: process.pid },
        redact: { paths: [...(options.redactFields ?? []), 'password', 'passwd', 'token'], censor: '****' },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      pino.destination({ dest: path, sync: true, append: true, mkdir: true }),
    );
    teeLogSink({
      write(level, message, fields) {
        logger[PINO_LEVELS[level]](fields, message);
      },
    });
    return true;
  } catch (error) {
    log.warn(`cannot write the JSON log ${path}: ${errorMessage(error)}`);
    return false;
  }
}
