/**
 * How a fenced compute node rejoins: wait until no evacuation of it is pending (the `evacuate`
 * attribute) or in flight (Nova's evacuation migrations from it), hold nova-compute back for
 * the evacuation delay only when evacuations really happened, then — once nova-compute runs —
 * unfence. The decisions are pure functions; the waits take ports and a Deadline.
 *
 * Why both sources: the attribute says NovaEvacuate is not done with the host; Nova's records
 * say a rebuild elsewhere is still running. A nova-compute that starts while a rebuild of one
 * of its instances is `accepted` or `pre-migrating` deletes that instance's local disk and
 * races the destination (the classic agents only looked at the attribute). A deleted
 * attribute is "nothing pending", not a value to wait for (the classic nova-compute-wait
 * waited for `no` and hung until its timeout).
 */
import { evacuationMarkAllowsUnfence, evacuationMarkLost, fencedByUs, isEvacuationInFlight, LOST_MARK_REASON, markUnset } from '../fence-compute/service-state';
import { novaTimeMs } from '../evacuation/progress';
import type { ComputeService, Migration } from '../openstack/nova-types';
import type { Deadline } from '../runtime/deadline';
import { DeadlineError, errorMessage } from '../runtime/errors';
import type { Log } from '../runtime/log';
import { isTransientCloudError } from './transient';

/** One `evacuate` attribute value that concerns this node, and under which name it was read. */
export interface Mark {
  readonly name: string;
  readonly value: string | undefined;
}

/** Why start must keep waiting, or undefined when no evacuation is pending or in flight. */
export function evacuationBlocker(marks: readonly Mark[], migrations: readonly Migration[]): string | undefined {
  const pending = marks.find((mark) => !evacuationMarkAllowsUnfence(mark.value));
  if (pending !== undefined) return `its evacuation is not finished (attribute evacuate="${pending.value ?? ''}" for ${pending.name})`;
  const inFlight = migrations.filter(isEvacuationInFlight);
  if (inFlight.length === 0) return undefined;
  const statuses = [...new Set(inFlight.map((m) => m.status))].sort().join(', ');
  return `${inFlight.length} evacuation(s) from it are still in progress in Nova (${statuses})`;
}

/** When an evacuation migration last changed (Nova's updated_at, else created_at); NaN when unknown. */
function lastChange(migration: Migration): number {
  return novaTimeMs(migration.updatedAt ?? migration.createdAt);
}

/**
 * How long nova-compute must still be held back: the evacuation delay counted from the last
 * change of this host's most recent evacuation (or from the moment this start stopped waiting
 * for one), 0 when no evacuation from it happened within the delay.
 */
export function remainingDelayMs(input: {
  readonly migrations: readonly Migration[];
  readonly delaySec: number;
  readonly now: number;
  /** When this start saw its last blocker clear, if it waited at all. */
  readonly waitEndedAt?: number | undefined;
}): number {
  const delayMs = input.delaySec * 1000;
  if (delayMs <= 0) return 0;
  const times = input.migrations.map(lastChange).filter((t) => Number.isFinite(t));
  if (input.waitEndedAt !== undefined) times.push(input.waitEndedAt);
  if (times.length === 0) return 0;
  const latest = Math.max(...times);
  return Math.max(0, Math.min(delayMs, latest + delayMs - input.now));
}

/**
 * Whether this node was fenced and must be unfenced: an `evacuate` mark that is set (any value
 * but empty), or fence_compute's reason on the disabled service. A service forced down by
 * someone else (no mark, no reason of ours) is an operator's decision and is left alone.
 */
export function wasFenced(marks: readonly Mark[], service: Pick<ComputeService, 'disabledReason'>): boolean {
  return marks.some((mark) => !markUnset(mark.value)) || fencedByUs(service.disabledReason);
}

export interface EvacuationWatch {
  readMarks(): Promise<Mark[]>;
  listEvacuations(): Promise<Migration[]>;
  service(): Promise<Pick<ComputeService, 'forcedDown' | 'disabledReason'>>;
  /** Sets the host's `evacuate` mark to `yes` again (a mark lost before anything was evacuated). */
  markNeeded(): Promise<void>;
  /** Whether Nova still places any server on the host. */
  hasServers(): Promise<boolean>;
}

/** No mark set, yet fenced, nothing evacuated since and servers still on the host: the mark was lost (evacuationMarkLost). */
async function lostMark(watch: EvacuationWatch, marks: readonly Mark[], migrations: readonly Migration[]): Promise<boolean> {
  if (!marks.every((mark) => markUnset(mark.value))) return false;
  return evacuationMarkLost(undefined, await watch.service(), migrations) && (await watch.hasServers());
}

export interface WaitOutcome {
  /** How long this start waited for evacuations (0 when nothing was pending). */
  readonly waitedMs: number;
  readonly waitEndedAt?: number;
  /** The migrations seen on the last (clear) look, for the delay. */
  readonly migrations: readonly Migration[];
}

export interface WaitContext {
  readonly deadline: Deadline;
  readonly log: Log;
  readonly pollMs: number;
  readonly now: () => number;
  /** Called whenever the reason to wait changes (undefined: nothing pending any more). */
  onWaiting?(reason: string | undefined): Promise<void> | void;
}

/**
 * Polls until nothing is pending or in flight. Keystone or Nova being unreachable is a reason
 * to keep waiting (it is not safe to start without knowing); DeadlineError with the last
 * reason when the deadline comes first.
 */
export async function waitForEvacuations(ctx: WaitContext, watch: EvacuationWatch): Promise<WaitOutcome> {
  const startedAt = ctx.now();
  let lastReason: string | undefined;
  let waited = false;
  for (;;) {
    let reason: string | undefined;
    let migrations: Migration[] = [];
    try {
      const marks = await watch.readMarks();
      migrations = await watch.listEvacuations();
      reason = evacuationBlocker(marks, migrations);
      if (reason === undefined && (await lostMark(watch, marks, migrations))) {
        await watch.markNeeded();
        reason = LOST_MARK_REASON;
      }
    } catch (error) {
      if (!isTransientCloudError(error)) throw error;
      reason = `cannot tell whether evacuations are pending: ${errorMessage(error)}`;
    }
    if (reason === undefined) {
      if (waited) await ctx.onWaiting?.(undefined);
      const endedAt = ctx.now();
      return waited
        ? { waitedMs: endedAt - startedAt, waitEndedAt: endedAt, migrations }
        : { waitedMs: 0, migrations };
    }
    if (reason !== lastReason) {
      ctx.log.info(`Waiting for pending evacuations: ${reason}`);
      await ctx.onWaiting?.(reason);
      lastReason = reason;
    }
    waited = true;
    if (ctx.deadline.remainingMs() <= ctx.pollMs) {
      throw new DeadlineError(
        `still waiting for evacuations when the start deadline came: ${reason}. Raise the start timeout if evacuations take longer`,
      );
    }
    await ctx.deadline.sleep(ctx.pollMs);
  }
}
