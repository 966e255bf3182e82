/**
 * `on` (unfencing): let a fenced compute host back only when its evacuations are over, then
 * clear forced-down and enable it (a reserved host stays disabled). Waits within the action
 * deadline; Nova's 400 while `done` evacuation records remain is a reason to wait, never a
 * success (the classic agent logged it and enabled a host Nova still held down).
 */
import { DeadlineError } from '../runtime/errors';
import { BadRequestError } from '../openstack/errors';
import type { ComputeService } from '../openstack/nova-types';
import type { PlugContext } from '../fence/agent';
import type { FenceComputeOptions } from './options';
import type { ComputeApi, EvacuationMarks } from './ports';
import { evacuationMarkAllowsUnfence, fencedByUs, isEvacuationInFlight, isReserved, previousReason } from './service-state';

export interface UnfenceDeps {
  nova: ComputeApi;
  marks: EvacuationMarks;
  /** The Nova host (after plug-name fixing) and a way to read its service afresh. */
  host: string;
  service(): Promise<ComputeService>;
  pollMs: number;
}

/** Why the host may not come back yet, or undefined when nothing is pending. */
async function pendingEvacuation(deps: UnfenceDeps): Promise<string | undefined> {
  const mark = await deps.marks.read(deps.host);
  if (!evacuationMarkAllowsUnfence(mark)) return `its evacuation is not finished (attribute evacuate="${mark ?? ''}")`;
  const inFlight = (await deps.nova.listEvacuations(deps.host)).filter(isEvacuationInFlight);
  if (inFlight.length > 0) {
    const statuses = [...new Set(inFlight.map((m) => m.status))].join(', ');
    return `${inFlight.length} evacuation(s) from it are still in progress in Nova (${statuses})`;
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

async function enableUnlessReserved(ctx: PlugContext<FenceComputeOptions>, deps: UnfenceDeps, service: ComputeService): Promise<void> {
  if (isReserved(service)) {
    const before = previousReason(service.disabledReason);
    if (fencedByUs(service.disabledReason) && before !== undefined) await deps.nova.disable(service, before);
    ctx.log.notice(`${deps.host} is a reserved host: forced-down cleared, left disabled`);
    return;
  }
  if (service.status === 'disabled') await deps.nova.enable(service);
  ctx.log.notice(`${deps.host} unfenced: forced-down cleared and nova-compute service enabled`);
}

export async function unfence(ctx: PlugContext<FenceComputeOptions>, deps: UnfenceDeps): Promise<void> {
  let lastReason = '';
  for (;;) {
    let reason = await pendingEvacuation(deps);
    if (reason === undefined) {
      const service = await deps.service();
      reason = await clearForcedDown(deps, service);
      if (reason === undefined) {
        await enableUnlessReserved(ctx, deps, service);
        return;
      }
    }
    if (reason !== lastReason) ctx.log.info(`Waiting to unfence ${deps.host}: ${reason}`);
    lastReason = reason;
    if (ctx.deadline.remainingMs() <= deps.pollMs) {
      throw new DeadlineError(
        `could not unfence ${deps.host} before the action deadline: ${reason}. Unfencing is retried by Pacemaker; raise action_timeout (and pcmk_on_timeout) if evacuations take longer`,
      );
    }
    await ctx.deadline.sleep(deps.pollMs);
  }
}
