/**
 * Pure readings of Nova's records for fencing decisions: the classic power-state mapping of a
 * compute service, the disabled reason we write (and the reserved-host marker it keeps), and
 * which evacuation migration statuses mean "not over".
 */
import type { ComputeService, Migration } from '../openstack/nova-types';

/** The classic fence_compute states: on = up+enabled, off = down+disabled. */
export type ServiceState = 'on' | 'off' | 'failed' | 'running';

export function serviceState(service: Pick<ComputeService, 'state' | 'status'>): ServiceState {
  if (service.state === 'up') return service.status === 'enabled' ? 'on' : 'running';
  return service.status === 'disabled' ? 'off' : 'failed';
}

/** What the fencer sees: only down+disabled is OFF (status exits 2), as the classic agent. */
export function powerState(service: Pick<ComputeService, 'state' | 'status'>): 'on' | 'off' {
  return serviceState(service) === 'off' ? 'off' : 'on';
}

/**
 * A reserved host (kept disabled until instance HA needs it) is marked by its Nova disabled
 * reason containing the word "reserved", e.g. RESERVED_HOST_REASON, which the planner writes.
 * Unfencing never enables such a host.
 */
export const RESERVED_HOST_REASON = 'reserved host for instance HA';
const RESERVED_WORD = /\breserved\b/i;

export const FENCED_REASON_PREFIX = 'fence_compute: fenced at ';
const PREVIOUS = '; previously disabled: ';
/** Nova's column is 255 characters. */
const REASON_MAX = 255;

/**
 * The disabled reason `off` writes: when we fenced, and the reason the host was already
 * disabled with (so a reserved host stays recognisable and unfencing can restore it).
 */
export function fencedReason(at: Date, previous: string | null | undefined): string {
  const base = `${FENCED_REASON_PREFIX}${at.toISOString()}`;
  const before = fencedByUs(previous) ? previousReason(previous) : previous || undefined;
  const reason = before ? `${base}${PREVIOUS}${before}` : base;
  return reason.length > REASON_MAX ? reason.slice(0, REASON_MAX) : reason;
}

/** The reason a host had before we fenced it, when `reason` is one of ours that recorded it. */
export function previousReason(reason: string | null | undefined): string | undefined {
  if (!reason?.startsWith(FENCED_REASON_PREFIX)) return undefined;
  const at = reason.indexOf(PREVIOUS);
  return at < 0 ? undefined : reason.slice(at + PREVIOUS.length);
}

export function fencedByUs(reason: string | null | undefined): boolean {
  return reason?.startsWith(FENCED_REASON_PREFIX) ?? false;
}

export function isReserved(service: Pick<ComputeService, 'status' | 'disabledReason'>): boolean {
  return service.status === 'disabled' && RESERVED_WORD.test(service.disabledReason ?? '');
}

/**
 * Evacuation migration statuses that mean the rebuild elsewhere is still under way, so the
 * host must not come back yet. `done` is not among them: the instance runs on its new host
 * and only the source's cleanup is pending (nova-compute on the source turns `done` into
 * `completed` when it starts); Nova itself refuses to clear forced-down while `done` records
 * remain, and unfencing retries that within its deadline. Every other status (completed,
 * failed, error, cancelled…) is over.
 */
export const EVACUATION_IN_FLIGHT: readonly string[] = [
  'queued',
  'accepted',
  'pre-migrating',
  'preparing',
  'migrating',
  'running',
  'post-migrating',
];

export function isEvacuationInFlight(migration: Pick<Migration, 'status'>): boolean {
  return EVACUATION_IN_FLIGHT.includes(migration.status.toLowerCase());
}

/** Attribute values after which a host may be unfenced: absent, "" (cleared) or "no" (done). */
export function evacuationMarkAllowsUnfence(value: string | undefined): boolean {
  return value === undefined || value.trim() === '' || value.trim() === 'no';
}
