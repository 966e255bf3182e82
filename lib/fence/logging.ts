/**
 * Fence-agent logging on top of lib/runtime/log-setup: the classic options map onto it —
 * `verbose` (or `verbose_level` > 0) shows debug lines on stderr, `quiet` silences stderr,
 * `debug_file` receives every line including debug, whatever `verbose` says.
 */
import { setLogSink, type LogSink } from '../runtime/log';
import { createLogSink } from '../runtime/log-setup';

export interface FenceLoggingOptions {
  agent: string;
  env: NodeJS.ProcessEnv;
  verbose: boolean;
  quiet: boolean;
  debugFile: string | undefined;
  stderr: (text: string) => void;
  redactFields: readonly string[];
}

export function createFenceLogSink(options: FenceLoggingOptions): LogSink {
  const main = createLogSink({
    agent: options.agent,
    env: options.verbose ? { ...options.env, HA_debug: '1' } : options.env,
    stderr: options.quiet ? () => undefined : options.stderr,
    stderrAlways: true,
    redactFields: options.redactFields,
  });
  const debugFile = options.debugFile;
  if (debugFile === undefined || debugFile === '') return main;
  const file = createLogSink({
    agent: options.agent,
    env: { HA_debug: '1', HA_DEBUGLOG: debugFile },
    stderr: () => undefined,
    redactFields: options.redactFields,
  });
  return {
    write(level, message, fields) {
      main.write(level, message, fields);
      file.write(level, message, fields);
    },
  };
}

export function setupFenceLogging(options: FenceLoggingOptions): void {
  setLogSink(createFenceLogSink(options));
}
