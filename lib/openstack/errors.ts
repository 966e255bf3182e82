/**
 * The few ways an OpenStack call can fail, each with a message that says what to fix.
 * All extend AgentError so the OCF and fence runtimes map them to exit codes in one place.
 *
 * Kinds are chosen for an HA agent: Keystone or Nova being unreachable or refusing a
 * request is 'generic' (Pacemaker retries in place) rather than 'configured' (which stops
 * the resource everywhere), because a flapping Keystone must not disable instance HA.
 */
import { AgentError } from '../runtime/errors';

/** Node's TLS verification failures (self-signed, unknown CA, expired, wrong name). */
function isTlsProblem(detail: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|Hostname\/IP does not match/i.test(detail);
}

/** A connection to Keystone failed (refused, reset, DNS, TLS, timeout within the call cap). */
export class KeystoneUnreachableError extends AgentError {
  constructor(
    readonly url: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      'generic',
      `cannot reach Keystone at ${url} (${detail}): ${isTlsProblem(detail) ? 'check ca_bundle (or insecure)' : 'check auth_url / the network'}`,
      options,
    );
  }
}

/** A connection to a service endpoint from the catalog failed. */
export class ServiceUnreachableError extends AgentError {
  constructor(
    readonly service: string,
    readonly url: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      'generic',
      `cannot reach ${service} at ${url} (${detail}): ${
        isTlsProblem(detail) ? 'check ca_bundle (or insecure)' : 'check endpoint_type / region_name / the network'
      }`,
      options,
    );
  }
}

/** Keystone answered 401 to an authentication request. */
export class AuthenticationError extends AgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('generic', message, options);
  }
}

/** The service answered 403: the user lacks a role or the policy forbids the call. */
export class ForbiddenError extends AgentError {
  constructor(
    readonly service: string,
    serviceMessage: string,
    what: string,
  ) {
    super('perm', `${service} refused ${what} (403: ${serviceMessage}): the user needs the admin role`);
  }
}

export class NotFoundError extends AgentError {
  constructor(
    readonly service: string,
    readonly serviceMessage: string,
    what: string,
  ) {
    super('generic', `${service}: ${what} not found (404: ${serviceMessage})`);
  }
}

/** 409: the resource is in a state that does not allow the request (e.g. an instance mid-task). */
export class ConflictError extends AgentError {
  constructor(
    readonly service: string,
    readonly serviceMessage: string,
    what: string,
  ) {
    super('generic', `${service} refused ${what} (409 conflict: ${serviceMessage})`);
  }
}

/** 400: Nova's own explanation is kept, it usually names the rule that was broken. */
export class BadRequestError extends AgentError {
  constructor(
    readonly service: string,
    readonly serviceMessage: string,
    what: string,
  ) {
    super('generic', `${service} rejected ${what} (400: ${serviceMessage})`);
  }
}

/** 5xx, or 429 after the retries allowed by the deadline. */
export class ServerError extends AgentError {
  constructor(
    readonly service: string,
    readonly status: number,
    readonly serviceMessage: string,
    what: string,
  ) {
    super(
      'generic',
      `${service} failed ${what} (HTTP ${status}${serviceMessage ? `: ${serviceMessage}` : ''}); check the ${service} service logs`,
    );
  }
}

/** One call exceeded its own time cap while the action's deadline still had time left. */
export class TimeoutError extends AgentError {
  constructor(
    readonly service: string,
    readonly url: string,
    timeoutMs: number,
  ) {
    super('generic', `${service} did not answer ${url} within ${Math.round(timeoutMs / 100) / 10} s; check the service`);
  }
}

/** The service does not offer what this client needs (API version, microversion). */
export class UnsupportedError extends AgentError {
  constructor(message: string) {
    super('generic', message);
  }
}

/** Any other status we did not expect. */
export class UnexpectedResponseError extends AgentError {
  constructor(
    readonly service: string,
    readonly status: number,
    what: string,
    serviceMessage: string,
  ) {
    super('generic', `${service} answered HTTP ${status} to ${what}${serviceMessage ? `: ${serviceMessage}` : ''}`);
  }
}
