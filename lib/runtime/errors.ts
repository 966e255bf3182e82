/**
 * The few error kinds an agent can end with. Handlers and libraries throw these;
 * only the OCF and fence runtimes turn a kind into an exit code (see lib/ocf/exit-codes.ts,
 * lib/fence/exit-codes.ts), so no module below them ever decides how the process ends.
 */
export type ErrorKind =
  | 'generic' // something failed; Pacemaker retries in place
  | 'args' // parameters invalid on this host
  | 'unimplemented'
  | 'perm'
  | 'installed' // software missing on this host
  | 'configured' // parameters invalid anywhere
  | 'not-running'
  | 'timeout'; // the action's deadline passed

export class AgentError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A parameter is wrong whatever the node: Pacemaker stops the resource everywhere (OCF 6). */
export class ConfigError extends AgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('configured', message, options);
  }
}

/** A parameter is wrong on this node only (OCF 2). */
export class ArgsError extends AgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('args', message, options);
  }
}

/** A tool or file this node needs is missing (OCF 5). */
export class NotInstalledError extends AgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('installed', message, options);
  }
}

export class PermissionError extends AgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('perm', message, options);
  }
}

/** The action ran out of time before Pacemaker's own timeout would kill it. */
export class DeadlineError extends AgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('timeout', message, options);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
