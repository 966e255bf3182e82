/**
 * The only place that decides a fence agent's exit code. The fencer reads: 0 success (status:
 * ON), 2 status OFF, anything else failure; the classic library exits 1 for every failure,
 * and so do we, whatever the error kind — the kind only shapes the message.
 */
import { AgentError, errorMessage, type ErrorKind } from '../runtime/errors';

export const FENCE_EXIT = {
  success: 0,
  failure: 1,
  statusOff: 2,
} as const;

export type FenceExitCode = (typeof FENCE_EXIT)[keyof typeof FENCE_EXIT];

function exitCodeForKind(kind: ErrorKind): FenceExitCode {
  switch (kind) {
    case 'generic':
    case 'args':
    case 'unimplemented':
    case 'perm':
    case 'installed':
    case 'configured':
    case 'not-running':
    case 'timeout':
      return FENCE_EXIT.failure;
  }
}

export function exitCodeForError(error: unknown): FenceExitCode {
  return error instanceof AgentError ? exitCodeForKind(error.kind) : FENCE_EXIT.failure;
}

/** The stderr line for a failure: `Failed: <what happened and what to fix>`. */
export function failureLine(error: unknown): string {
  const message = errorMessage(error);
  if (message.startsWith('Failed:') || message.startsWith('Parse error:')) return message;
  if (!(error instanceof AgentError)) return `Failed: unexpected error: ${message}`;
  return `Failed: ${message}`;
}
