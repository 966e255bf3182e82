/**
 * Unfencing: let a fenced compute host back only when its evacuations are over, then clear
 * forced-down and enable it (a reserved host stays disabled). fence_compute's `on` waits for
 * that within its deadline; NovaCompute makes the same attempt after it starts nova-compute
 * (and, in nova-compute-wait mode, once per monitor). Nova's 400 while `done` evacuation
 * records remain is a reason to wait, never a success (the classic agent logged it and
 * enabled a host Nova still held down).
 */
import type { Deadline } from '../runtime/deadline';
import { AgentError, DeadlineError } from '../runtime/errors';
import type { Log } from '../runtime/log';
import { BadRequestError } from '../openstack/errors';
import type { ComputeService } from '../openstack/nova-types';
import type { ComputeApi, EvacuationMarks } from './ports';
import {
  evacuationMarkAllowsUnfence,
  evacuationMarkLost,
  fencedByUs,
  isEvacuationInFlight,
  isReserved,
  LOST_MARK_REASON,
  markUnset,
  previousReason,
} from './service-state';

export interface UnfenceDeps {
  nova: Pick<ComputeApi, 'forceDown' | 'disable' | 'enable' | 'listEvacuations' | 'hasServers'>;
  marks: Pick<EvacuationMarks, 'read' | 'markNeeded'>;
  /** The Nova host (after plug-name fixing) and a way to read its service afresh. */
  host: string;
  service(): Promise<ComputeService>;
  /**
   * Why the host may not be enabled yet although forced-down is cleared (NovaCompute: Nova
   * does not report nova-compute up yet), or undefined when it may.
   */
  ready?(): Promise<string | undefined>;
  pollMs: number;
  /**
   * fence_compute: how long to keep trying while Nova refuses to clear forced-down and shows
   * nova-compute down. Only nova-compute starting on the host removes the `done` records Nova
   * objects to, and under Pacemaker that start waits for this very unfencing to end (a
   * transition aborted by the node's return holds until the fence action returns): waiting
   * longer only delays the node. Unset: wait until the deadline (NovaCompute, which starts
   * nova-compute itself).
   */
  blockedGiveUpMs?: number;
}

export interface UnfenceContext {
  readonly log: Log;
  readonly deadline: Deadline;
}

/**
 * Why the host may not come back yet, or undefined when nothing is pending. A mark lost before
 * anything was evacuated (service-state.ts, evacuationMarkLost) is set again, so NovaEvacuate
 * still recovers the host's instances.
 */
export async function pendingEvacuation(deps: Pick<UnfenceDeps, 'marks' | 'nova' | 'host' | 'service'>): Promise<string | undefined> {
  const mark = await deps.marks.read(deps.host);
  if (!evacuationMarkAllowsUnfence(mark)) return `its evacuation is not finished (attribute evacuate="${mark ?? ''}")`;
  const evacuations = await deps.nova.listEvacuations(deps.host);
  const inFlight = evacuations.filter(isEvacuationInFlight);
  if (inFlight.length > 0) {
    const statuses = [...new Set(inFlight.map((m) => m.status))].join(', ');
    return `${inFlight.length} evacuation(s) from it are still in progress in Nova (${statuses})`;
  }
  // Only an unset mark can be a lost one: the service is read for that case alone.
  if (markUnset(mark) && evacuationMarkLost(mark, await deps.service(), evacuations) && (await deps.nova.hasServers(deps.host))) {
    await deps.marks.markNeeded(deps.host);
    return LOST_MARK_REASON;
  }
  return undefined;
}

/** Clears forced-down; returns why Nova refused (400) or undefined once it is cleared. */
async function clearForcedDown(deps: UnfenceDeps, service: ComputeService): Promise<string | undefined> {
  if (!service.forcedDown) return undefined;
  try {
    await deps.nova.forceDown(service, false);
    return undefined;
  } catch (error) {
    if (!(error instanceof BadRequestError)) throw error;
    return `Nova refuses to clear forced-down (${error.serviceMessage}); nova-compute on the host removes the finished evacuation records when it starts`;
  }
}

async function enableUnlessReserved(ctx: UnfenceContext, deps: UnfenceDeps, service: ComputeService): Promise<void> {
  if (isReserved(service)) {
    const before = previousReason(service.disabledReason);
    if (fencedByUs(service.disabledReason) && before !== undefined) await deps.nova.disable(service, before);
    ctx.log.notice(`${deps.host} is a reserved host: forced-down cleared, left disabled`);
    return;
  }
  if (service.status === 'disabled') await deps.nova.enable(service);
  ctx.log.notice(`${deps.host} unfenced: forced-down cleared and nova-compute service enabled`);
}

/**
 * One attempt: undefined when the host is unfenced now (or already was), else the reason it
 * cannot be yet. Never waits.
 */
export async function attemptUnfence(ctx: UnfenceContext, deps: UnfenceDeps): Promise<string | undefined> {
  return (await tryUnfence(ctx, deps)).reason;
}

interface Attempt {
  readonly reason: string | undefined;
  /** Nova refused to clear forced-down while it shows nova-compute down: no wait here changes that. */
  readonly blocked: boolean;
}

async function tryUnfence(ctx: UnfenceContext, deps: UnfenceDeps): Promise<Attempt> {
  const pending = await pendingEvacuation(deps);
  if (pending !== undefined) return { reason: pending, blocked: false };
  const service = await deps.service();
  const refused = await clearForcedDown(deps, service);
  if (refused !== undefined) return { reason: refused, blocked: service.state === 'down' };
  const notReady = await deps.ready?.();
  if (notReady !== undefined) return { reason: notReady, blocked: false };
  await enableUnlessReserved(ctx, deps, service);
  return { reason: undefined, blocked: false };
}

/** Attempts until the host is unfenced; DeadlineError (with the last reason) when time runs out. */
export async function unfence(ctx: UnfenceContext, deps: UnfenceDeps, retryHint?: string): Promise<void> {
  let lastReason = '';
  let blockedSince: number | undefined;
  for (;;) {
    const { reason, blocked } = await tryUnfence(ctx, deps);
    if (reason === undefined) return;
    if (reason !== lastReason) ctx.log.info(`Waiting to unfence ${deps.host}: ${reason}`);
    lastReason = reason;
    blockedSince = blocked ? (blockedSince ?? Date.now()) : undefined;
    if (blockedSince !== undefined && deps.blockedGiveUpMs !== undefined && Date.now() - blockedSince >= deps.blockedGiveUpMs) {
      throw new AgentError(
        'generic',
        `could not unfence ${deps.host} yet: ${reason}, and Nova shows it down. NovaCompute's start unfences it once nova-compute runs there; Pacemaker retries unfencing`,
      );
    }
    if (ctx.deadline.remainingMs() <= deps.pollMs) {
      throw new DeadlineError(
        `could not unfence ${deps.host} before the action deadline: ${reason}. ${
          retryHint ??
          'Unfencing is retried by Pacemaker; raise action_timeout (and pcmk_on_timeout) if evacuations take longer'
        }`,
      );
    }
    await ctx.deadline.sleep(deps.pollMs);
  }
}
