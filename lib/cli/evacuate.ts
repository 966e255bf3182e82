/**
 * `nova-ha evacuate HOST`: the manual trigger, with the automatic path's safety rule. It does
 * not evacuate anything itself: it marks the host `evacuate=yes` (private attribute, as
 * fence_compute does) so the running NovaEvacuate does the work with its planners, limits,
 * retries and status file; --wait follows that file until the host is done.
 *
 * Safety: a host Nova does not see forced down may still run its instances. Unless the
 * operator says `--i-know-the-host-is-dead-unsafe`, such a host is refused (exit 3). With
 * it, the host is forced down and disabled in Nova exactly as fence_compute would, since
 * NovaEvacuate itself never evacuates a host Nova sees up.
 */
import { fencedReason } from '../fence-compute/service-state';
import type { ComputeService } from '../openstack/nova-types';
import { EVACUATE_ATTRIBUTE, EVACUATE_NEEDED, parseEvacuateValue } from '../pacemaker/evacuate-attribute';
import { Deadline } from '../runtime/deadline';
import { errorMessage } from '../runtime/errors';
import { log } from '../runtime/log';
import type { CommandContext } from './context';
import { CliError, RefusedError } from './errors';
import { EXIT } from './exit-codes';
import { findService } from './hosts';

export const UNSAFE_FLAG = '--i-know-the-host-is-dead-unsafe';

export interface EvacuateCommandOptions {
  iKnowTheHostIsDeadUnsafe?: boolean;
  wait?: boolean;
  waitTimeout?: number;
  json?: boolean;
}

export const DEFAULT_WAIT_TIMEOUT_S = 900;

export type SafetyVerdict =
  | { readonly kind: 'fenced'; readonly note: string }
  | { readonly kind: 'refused'; readonly reason: string }
  /** Only with the unsafe flag: force the host down in Nova first. */
  | { readonly kind: 'force-down'; readonly note: string };

/** Pure: may HOST be handed to NovaEvacuate, given what Nova says about it? */
export function evacuateSafety(service: ComputeService, unsafe: boolean): SafetyVerdict {
  if (service.forcedDown) {
    return { kind: 'fenced', note: `Nova shows ${service.host} forced down (${service.state}, ${service.status})` };
  }
  const seen =
    service.state === 'up'
      ? `Nova sees ${service.host} up and not forced down: it may still run its instances, and evacuating would run them twice`
      : `Nova sees ${service.host} down but it was never fenced (not forced down): it may be cut off from Nova yet still run its instances`;
  if (!unsafe) {
    return {
      kind: 'refused',
      reason: `${seen}. Fence it first (pcs stonith fence ${service.host}, which runs fence_compute), or, if you have powered it off yourself, repeat with ${UNSAFE_FLAG}`,
    };
  }
  return { kind: 'force-down', note: `UNSAFE: ${seen}; forcing it down in Nova on the operator's word (${UNSAFE_FLAG})` };
}

async function markNeeded(ctx: CommandContext, host: string): Promise<{ previous: string | undefined; written: boolean }> {
  const { queryAttribute, updateAttribute } = await import('../pacemaker/attrd');
  const tool = { ...ctx.tools, capMs: 10_000 };
  const previous = await queryAttribute(EVACUATE_ATTRIBUTE, host, tool);
  const state = parseEvacuateValue(previous);
  // An evacuation already requested or running is left alone: rewriting `yes` over the
  // in-progress marker would only restart the evacuator's clock.
  if (state.kind === 'needed' || state.kind === 'in-progress') return { previous, written: false };
  await updateAttribute(EVACUATE_ATTRIBUTE, host, EVACUATE_NEEDED, { ...tool, private: true });
  return { previous, written: true };
}

/** A tripped brake holds every evacuation back, manual ones included: say so now. */
async function brakeNote(ctx: CommandContext): Promise<string | undefined> {
  try {
    const { readStatusFile } = await import('../evacuation/status');
    const document = await readStatusFile(ctx.options.statusFile);
    if (document?.brake.tripped) {
      return `NOTE: the mass-failure brake is tripped (${document.brake.reason ?? 'too many hosts failed'}): NovaEvacuate evacuates nothing until \`nova-ha resume\``;
    }
  } catch (error) {
    log.debug(`status file not read: ${errorMessage(error)}`);
  }
  return undefined;
}

export async function runEvacuate(ctx: CommandContext, hostName: string, options: EvacuateCommandOptions): Promise<void> {
  const unsafe = options.iKnowTheHostIsDeadUnsafe === true;
  const nova = await (await ctx.cloud()).nova();
  const service = findService(await nova.listComputeServices(), hostName);
  const host = service.host;
  const verdict = evacuateSafety(service, unsafe);
  if (verdict.kind === 'refused') throw new RefusedError(verdict.reason);

  const said: string[] = [];
  if (verdict.kind === 'force-down') {
    log.warn(verdict.note, { host });
    const down = await nova.forceDown(service, true);
    const previous = service.status === 'disabled' ? service.disabledReason : null;
    await nova.disableService(down, fencedReason(new Date(ctx.io.now()), previous));
    said.push(`forced ${host} down and disabled it in Nova (unsafe override)`);
  } else {
    said.push(verdict.note);
  }

  const mark = await markNeeded(ctx, host);
  said.push(
    mark.written
      ? `marked ${host} evacuate=yes (was ${mark.previous === undefined || mark.previous === '' ? 'unset' : mark.previous}); NovaEvacuate picks it up at its next monitor`
      : `${host} is already marked (evacuate=${mark.previous ?? ''}); NovaEvacuate is on it`,
  );
  const brake = await brakeNote(ctx);
  if (brake) said.push(brake);
  if (options.json && !options.wait) {
    ctx.io.out(`${JSON.stringify({ host, forcedDown: verdict.kind === 'force-down', marked: mark.written, previous: mark.previous ?? null })}\n`);
    return;
  }
  if (!options.json) ctx.io.out(`${said.join('\n')}\n`);
  if (options.wait) {
    const { waitForHost } = await import('./wait');
    const seconds = options.waitTimeout ?? DEFAULT_WAIT_TIMEOUT_S;
    const deadline = Deadline.in(seconds * 1000, ctx.io.now);
    const outcome = await waitForHost(ctx, host, { json: options.json === true, deadline, seconds });
    if (outcome.givenUp.length > 0) {
      throw new CliError(EXIT.failure, `${host}: ${outcome.givenUp.length} instance(s) given up: ${outcome.givenUp.join('; ')}`);
    }
  }
}
