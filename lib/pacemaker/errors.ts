/**
 * What can go wrong when we ask Pacemaker's command-line tools something. Missing binaries are
 * NotInstalledError and timeouts DeadlineError (lib/runtime/errors.ts); these three cover the rest.
 */
import { AgentError } from '../runtime/errors';

/** How much of a tool's output an error message quotes. */
export const QUOTE_CHARS = 200;

export function quote(text: string): string {
  const flat = text.trim().replace(/\s+/g, ' ');
  return flat.length > QUOTE_CHARS ? `${flat.slice(0, QUOTE_CHARS)}…` : flat;
}

/**
 * The tool ran but could not reach the cluster daemons (exit 102, "Not connected"). Generic, so
 * Pacemaker retries in place: on a healthy node this is a daemon restarting.
 */
export class ClusterUnavailableError extends AgentError {
  constructor(
    readonly tool: string,
    detail: string,
  ) {
    super(
      'generic',
      `${tool} could not reach the cluster (${quote(detail) || 'not connected'}); check that corosync and ` +
        `pacemakerd run on this node (crm_mon -1), or pacemaker-remoted on a remote node`,
    );
  }
}

/** The tool exited with a code its caller does not expect. */
export class ToolFailedError extends AgentError {
  constructor(
    readonly tool: string,
    readonly args: readonly string[],
    readonly exitCode: number,
    output: string,
  ) {
    super('generic', `${tool} ${args.join(' ')} failed with exit code ${exitCode}: ${quote(output) || '(no output)'}`);
  }
}

/** The tool printed something we cannot read (malformed XML, an unknown text form). */
export class ToolOutputError extends AgentError {
  constructor(
    readonly tool: string,
    problem: string,
    output: string,
  ) {
    super('generic', `${tool} printed output we cannot read (${problem}): "${quote(output)}"`);
  }
}
