/**
 * OCF exit codes (OCF 1.1; Pacemaker's reaction in the comments) and the one place where an
 * error kind becomes an exit code. Handlers return a result name or throw; nothing else exits.
 */
import { AgentError, type ErrorKind } from '../runtime/errors';

export const OCF_EXIT = {
  SUCCESS: 0,
  ERR_GENERIC: 1, // soft: restart in place
  ERR_ARGS: 2, // hard: invalid on this node, try elsewhere
  ERR_UNIMPLEMENTED: 3,
  ERR_PERM: 4,
  ERR_INSTALLED: 5, // hard: software missing here
  ERR_CONFIGURED: 6, // fatal: invalid anywhere, stop everywhere
  NOT_RUNNING: 7,
  RUNNING_PROMOTED: 8,
  FAILED_PROMOTED: 9,
  DEGRADED: 190,
  DEGRADED_PROMOTED: 191,
} as const;

export type OcfExitCode = (typeof OCF_EXIT)[keyof typeof OCF_EXIT];

/** What a handler may return: the non-error outcomes. Failures are thrown as AgentError. */
export type OcfResult =
  | 'success'
  | 'not-running'
  | 'running-promoted'
  | 'failed-promoted'
  | 'degraded'
  | 'degraded-promoted';

const RESULT_CODES: Record<OcfResult, OcfExitCode> = {
  success: OCF_EXIT.SUCCESS,
  'not-running': OCF_EXIT.NOT_RUNNING,
  'running-promoted': OCF_EXIT.RUNNING_PROMOTED,
  'failed-promoted': OCF_EXIT.FAILED_PROMOTED,
  degraded: OCF_EXIT.DEGRADED,
  'degraded-promoted': OCF_EXIT.DEGRADED_PROMOTED,
};

const ERROR_CODES: Record<ErrorKind, OcfExitCode> = {
  generic: OCF_EXIT.ERR_GENERIC,
  args: OCF_EXIT.ERR_ARGS,
  unimplemented: OCF_EXIT.ERR_UNIMPLEMENTED,
  perm: OCF_EXIT.ERR_PERM,
  installed: OCF_EXIT.ERR_INSTALLED,
  configured: OCF_EXIT.ERR_CONFIGURED,
  'not-running': OCF_EXIT.NOT_RUNNING,
  // Running out of time is a failure Pacemaker may retry in place.
  timeout: OCF_EXIT.ERR_GENERIC,
};

/** Undefined for a value that is not an OcfResult (a handler written without the types). */
export function exitCodeForResult(result: OcfResult): OcfExitCode | undefined {
  return Object.hasOwn(RESULT_CODES, result) ? RESULT_CODES[result] : undefined;
}

/** Any thrown value → exit code; an unexpected exception is a generic failure. */
export function exitCodeForError(error: unknown): OcfExitCode {
  return error instanceof AgentError ? ERROR_CODES[error.kind] : OCF_EXIT.ERR_GENERIC;
}

/** An action this agent declares but does not (yet) carry out: OCF 3, stated honestly. */
export class UnimplementedError extends AgentError {
  constructor(message: string) {
    super('unimplemented', message);
  }
}
