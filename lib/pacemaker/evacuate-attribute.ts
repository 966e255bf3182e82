/**
 * The `evacuate` attribute protocol the classic instance-HA agents share, as values:
 *   absent or ""        never fenced (or cleared)
 *   "yes"               fenced; its instances need evacuating
 *   "<node>@<epoch>"    the evacuator on <node> started at <epoch> (seconds)
 *   "no"                evacuation done
 * Pure: reading and writing the attribute is attrd.ts.
 */

export const EVACUATE_ATTRIBUTE = 'evacuate';
export const EVACUATE_NEEDED = 'yes';
export const EVACUATE_DONE = 'no';

export type EvacuateState =
  | { kind: 'never' }
  | { kind: 'needed' }
  | { kind: 'in-progress'; by: string; since: number }
  | { kind: 'done' }
  | { kind: 'unknown'; raw: string };

const IN_PROGRESS = /^(.+)@(\d+)$/;

export function parseEvacuateValue(value: string | undefined): EvacuateState {
  const text = value?.trim() ?? '';
  if (text === '') return { kind: 'never' };
  if (text === EVACUATE_NEEDED) return { kind: 'needed' };
  if (text === EVACUATE_DONE) return { kind: 'done' };
  const marker = IN_PROGRESS.exec(text);
  if (marker?.[1] !== undefined && marker[2] !== undefined) {
    const since = Number(marker[2]);
    if (Number.isSafeInteger(since)) return { kind: 'in-progress', by: marker[1], since };
  }
  return { kind: 'unknown', raw: text };
}

/** The in-progress marker `<node>@<epoch seconds>`, as the classic NovaEvacuate writes it. */
export function formatInProgress(node: string, epochSeconds: number): string {
  if (node === '' || /\s/.test(node)) throw new RangeError(`not a node name: "${node}"`);
  if (!Number.isFinite(epochSeconds) || epochSeconds < 0) throw new RangeError(`not an epoch: ${epochSeconds}`);
  return `${node}@${Math.floor(epochSeconds)}`;
}

/** The value that stands for a state when written back (unknown values are written as read). */
export function formatEvacuateState(state: EvacuateState): string {
  switch (state.kind) {
    case 'never':
      return '';
    case 'needed':
      return EVACUATE_NEEDED;
    case 'done':
      return EVACUATE_DONE;
    case 'in-progress':
      return formatInProgress(state.by, state.since);
    case 'unknown':
      return state.raw;
  }
}
