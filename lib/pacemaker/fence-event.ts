/**
 * Fencing history entries, as crm_mon (`<fence_history>`) and stonith_admin (`<list name="fencing
 * history">`) print them: `<fence_event action target status [completed] [delegate] …/>`.
 */
import { attr, type XmlElement } from './xml';

export type FenceStatus = 'success' | 'failed' | 'pending';

export interface FenceEvent {
  action: string;
  target: string;
  status: FenceStatus | string;
  /** As printed, e.g. "2026-11-25 12:08:42Z"; absent while pending. */
  completed?: string;
  /** `completed` as epoch milliseconds. */
  completedMs?: number;
  delegate?: string;
  client?: string;
  origin?: string;
  exitReason?: string;
  extendedStatus?: string;
}

/** "2026-11-25 12:08:42Z" (the tools print UTC) → epoch ms; undefined when unreadable. */
export function parsePacemakerTime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const iso = text.trim().replace(' ', 'T');
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

export function parseFenceEvent(element: XmlElement): FenceEvent | undefined {
  const action = attr(element, 'action');
  const target = attr(element, 'target');
  const status = attr(element, 'status');
  if (action === undefined || target === undefined || status === undefined) return undefined;
  const event: FenceEvent = { action, target, status };
  const completed = attr(element, 'completed');
  const completedMs = parsePacemakerTime(completed);
  if (completed !== undefined) event.completed = completed;
  if (completedMs !== undefined) event.completedMs = completedMs;
  const optional: Array<[keyof FenceEvent, string]> = [
    ['delegate', 'delegate'],
    ['client', 'client'],
    ['origin', 'origin'],
    ['exitReason', 'exit-reason'],
    ['extendedStatus', 'extended-status'],
  ];
  for (const [key, name] of optional) {
    const value = attr(element, name);
    if (value !== undefined) (event as unknown as Record<string, string>)[key] = value;
  }
  return event;
}

/**
 * The newest event per target, by `completed` (pending events, which have none, count as
 * newest). Not the tools' own pick: stonith_admin 2.1.5 without --verbose shows the OLDEST
 * success as "last-successful".
 */
export function newestPerTarget(events: readonly FenceEvent[], status?: FenceStatus): Map<string, FenceEvent> {
  const newest = new Map<string, FenceEvent>();
  for (const event of events) {
    if (status !== undefined && event.status !== status) continue;
    const seen = newest.get(event.target);
    const rank = event.completedMs ?? Number.POSITIVE_INFINITY;
    if (seen === undefined || rank > (seen.completedMs ?? Number.POSITIVE_INFINITY)) newest.set(event.target, event);
  }
  return newest;
}
