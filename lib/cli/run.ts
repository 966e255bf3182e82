/**
 * The one place that decides how `nova-ha` ends: parse, run the command, map whatever it
 * threw to an exit code (exit-codes.ts) and print one `nova-ha: error:` line. Returns the
 * code; the entry point sets process.exitCode, nothing calls process.exit.
 */
import { CommanderError } from 'commander';
import { setLogSink, type LogLevel } from '../runtime/log';
import { redactSecrets } from '../runtime/secrets';
import { errorMessage } from '../runtime/errors';
import { exitCodeFor } from './errors';
import { EXIT, type ExitCode } from './exit-codes';
import type { CliIo } from './io';
import { buildProgram } from './program';

function installLogSink(io: CliIo, verbose: boolean): void {
  const shown: readonly LogLevel[] = verbose ? ['debug', 'info', 'notice', 'warn', 'error'] : ['warn', 'error'];
  setLogSink({
    write(level, message) {
      if (shown.includes(level)) io.err(`nova-ha: ${level}: ${message}\n`);
    },
  });
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  installLogSink(io, argv.includes('-v') || argv.includes('--verbose'));
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end "with an error" in commander; they are successes here.
      if (error.exitCode === 0) return EXIT.ok;
      return EXIT.usage;
    }
    const code = exitCodeFor(error);
    const message = errorMessage(error);
    if (message !== '') io.err(`nova-ha: error: ${redactSecrets(message)}\n`);
    return code;
  }
}
