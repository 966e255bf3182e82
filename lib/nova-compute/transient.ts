/**
 * Cloud errors that say "not now" rather than "never": Keystone or Nova unreachable, slow or
 * answering 5xx. Start keeps waiting through them (starting nova-compute without knowing
 * whether evacuations are in flight is not safe); monitors log them and carry on (a control
 * plane outage must not make every compute node fail its monitor at once).
 */
import {
  KeystoneUnreachableError,
  ServerError,
  ServiceUnreachableError,
  TimeoutError,
} from '../openstack/errors';

export function isTransientCloudError(error: unknown): boolean {
  return (
    error instanceof KeystoneUnreachableError ||
    error instanceof ServiceUnreachableError ||
    error instanceof ServerError ||
    error instanceof TimeoutError
  );
}
