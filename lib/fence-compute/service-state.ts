/**
 * Pure readings of Nova's records for fencing decisions: the classic power-state mapping of a
 * compute service, the disabled reason we write (and the reserved-host marker it keeps), and
 * which evacuation migration statuses mean "not over".
 */
import type { ComputeService, Migration } from '../openstack/nova-types';
import { novaTimeMs } from '../openstack/nova-time';

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

/** No `evacuate` mark: absent or cleared. */
export function markUnset(mark: string | undefined): boolean {
  return (mark ?? '').trim() === '';
}

/** When fence_compute fenced the host (epoch ms), read from the disabled reason it wrote. */
export function fencedAt(reason: string | null | undefined): number | undefined {
  if (!reason || !fencedByUs(reason)) return undefined;
  const rest = reason.slice(FENCED_REASON_PREFIX.length);
  const end = rest.indexOf(';');
  const at = Date.parse(end < 0 ? rest : rest.slice(0, end));
  return Number.isFinite(at) ? at : undefined;
}

/** Clock difference allowed between the node that fenced and Nova's database when matching records to a fence. */
export const FENCE_CLOCK_MARGIN_MS = 60_000;

/**
 * Whether the host's `evacuate` mark was lost before anything was evacuated: no mark, yet Nova
 * holds the host forced down with fence_compute's reason and has no evacuation from it since
 * that fence. Pacemaker clears a node's transient attributes when the node rejoins, and a power
 * fence followed at once by unfencing (the level's `on`) can bring it back within seconds —
 * before NovaEvacuate read `yes`. Unfencing then would leave its instances in Nova on a host
 * whose guests died. Callers also ask Nova whether any server is still on the host: an empty
 * host has nothing to lose.
 */
export function evacuationMarkLost(
  mark: string | undefined,
  service: Pick<ComputeService, 'forcedDown' | 'disabledReason'>,
  evacuations: readonly Pick<Migration, 'createdAt'>[],
): boolean {
  if (!markUnset(mark) || !service.forcedDown) return false;
  const at = fencedAt(service.disabledReason);
  if (at === undefined) return false;
  return !evacuations.some((m) => novaTimeMs(m.createdAt) >= at - FENCE_CLOCK_MARGIN_MS);
}

export const LOST_MARK_REASON =
  'it was fenced and nothing has been evacuated from it since, but its evacuate attribute is gone (Pacemaker clears a node\'s transient attributes when it rejoins): evacuate="yes" set again for NovaEvacuate';
