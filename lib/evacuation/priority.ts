/**
 * Priority: the order in which a failed host's instances are evacuated, which matters
 * wherever concurrency or room is short (the first ones get the places). Pure.
 */
import type { InstanceView } from './model';

export const PRIORITY_METADATA_KEY = 'ha_priority';

/**
 * An instance's priority from its server metadata: a finite number (trimmed, may be negative
 * or fractional); absent or not a number is 0, so a typo never ranks an instance first.
 */
export function priorityFromMetadata(metadata: Readonly<Record<string, string>>, key: string = PRIORITY_METADATA_KEY): number {
  const text = metadata[key]?.trim();
  if (text === undefined || text === '') return 0;
  const value = Number(text);
  return Number.isFinite(value) ? value : 0;
}

/** Higher priority first; then larger (RAM, then vCPUs; unknown size counts as 0); then by id, so the order is stable. */
export function compareForEvacuation(a: InstanceView, b: InstanceView): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const ramA = a.size?.ramMb ?? 0;
  const ramB = b.size?.ramMb ?? 0;
  if (ramA !== ramB) return ramB - ramA;
  const cpuA = a.size?.vcpus ?? 0;
  const cpuB = b.size?.vcpus ?? 0;
  if (cpuA !== cpuB) return cpuB - cpuA;
  const idA = a.server.id;
  const idB = b.server.id;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

/** A new array in evacuation order; the input is left as it was. */
export function orderForEvacuation(instances: readonly InstanceView[]): InstanceView[] {
  return [...instances].sort(compareForEvacuation);
}
