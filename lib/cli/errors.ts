/**
 * The CLI's own refusals, and the mapping from any error to an exit code. Library errors
 * (lib/runtime/errors.ts, lib/openstack/errors.ts, lib/pacemaker/errors.ts) keep their
 * messages, which already say what to fix; only their kind chooses the code here.
 */
import { AgentError } from '../runtime/errors';
import { EXIT, type ExitCode } from './exit-codes';

export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(EXIT.usage, message);
  }
}

/** Acting could break "never run an instance twice"; the message names the override, if any. */
export class RefusedError extends CliError {
  constructor(message: string) {
    super(EXIT.refused, message);
  }
}

export class NoSuchObjectError extends CliError {
  constructor(message: string) {
    super(EXIT.notFound, message);
  }
}

/** Ends the command with a code but nothing more to say (the output already said it). */
export class QuietExit extends CliError {
  constructor(exitCode: ExitCode) {
    super(exitCode, '');
  }
}

export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof AgentError) {
    switch (error.kind) {
      case 'configured':
      case 'args':
        return EXIT.usage;
      case 'timeout':
        return EXIT.timeout;
      default:
        return EXIT.failure;
    }
  }
  return EXIT.failure;
}
