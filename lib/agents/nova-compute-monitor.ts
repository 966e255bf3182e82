/**
 * NovaCompute / nova-compute-wait monitor, by OCF_CHECK_LEVEL:
 *  0  NovaCompute: nova-compute alive (a probe answers 7 when it is not); one that died under
 *     a started resource is restarted in place up to nova_compute_restart_limit per window,
 *     then the depth-0 monitor fails (Pacemaker's on-fail decides: restart, or fence). A deeper
 *     monitor past the limit leaves that failure to the depth-0 one: its own on-fail is
 *     Pacemaker's default restart, which would stop and start the resource instead of fencing.
 *     nova-compute-wait: the state file. Both: owed unfencing is attempted once per monitor.
 * 10  Nova's view of the service (up — NovaCompute only —, not forced down) → degraded when not, never a failure:
 *     a control-plane outage must not fail every compute at once; the libvirt daemons alive
 *     when nova.conf uses libvirt → a failure (this node cannot run instances).
 * 20  instance health: protected instances that crashed are restarted through Nova, within
 *     instance_restart_limit per window.
 * Keystone or Nova unreachable never fails a monitor: it is logged and the deeper checks wait.
 */
import { attemptUnfence } from '../fence-compute/unfence';
import { libvirtDaemonsRunning } from '../nova-compute/libvirt';
import { unfenceDeps } from '../nova-compute/link';
import { listNovaConfFiles, usesLibvirt } from '../nova-compute/nova-conf';
import { openRestartLedger } from '../nova-compute/restart-ledger';
import { readState, writeState, type ComputeAgentState } from '../nova-compute/state';
import type { NovaComputeProcess, NovaComputeStatus } from '../nova-compute/supervisor';
import { isTransientCloudError } from '../nova-compute/transient';
import type { OcfResult } from '../ocf/exit-codes';
import { AgentError, errorMessage } from '../runtime/errors';
import type { NovaComputeMode } from './nova-compute';
import { watchHostInstances } from './nova-compute-instances';
import {
  computeSettings,
  novaComputeProcess,
  openSession,
  publisherFor,
  type ComputeCtx,
  type ComputeSession,
  type ComputeSettings,
} from './nova-compute-setup';

const COMPUTE_KEY = 'nova-compute';

export async function monitor(ctx: ComputeCtx, mode: NovaComputeMode): Promise<OcfResult> {
  const settings = computeSettings(ctx, mode);
  const state = readState(settings.statePath);
  let restartedAt: number[] | undefined;

  if (mode === 'NovaCompute') {
    const proc = novaComputeProcess(ctx, settings);
    const status = await proc.status();
    if (ctx.isProbe) return status.running ? 'success' : 'not-running';
    if (!status.running) {
      if (state === undefined) return 'not-running';
      restartedAt = await restartInPlace(ctx, settings, proc, status, state);
      if (restartedAt === undefined) return 'success';
    }
  } else if (ctx.isProbe || state === undefined) {
    return state === undefined ? 'not-running' : 'success';
  }
  if (state === undefined) return 'success'; // running, but not started by this agent here: nothing more to say
  if (ctx.checkLevel < 10 && !state.unfencePending && restartedAt === undefined) return 'success';

  let session: ComputeSession;
  try {
    session = await openSession(ctx, settings, { retryTransient: false });
  } catch (error) {
    if (!isTransientCloudError(error)) throw error;
    ctx.log.warn(`monitor: Nova not consulted (${errorMessage(error)}); local checks only`);
    if (ctx.checkLevel >= 10) checkLibvirt(ctx, settings);
    return 'success';
  }
  const publisher = publisherFor(ctx, settings, session.link);
  const notes: string[] = [];
  let result: OcfResult = 'success';

  if (state.unfencePending) notes.push(await finishUnfencing(ctx, settings, session, state));
  if (ctx.checkLevel >= 10) {
    const concern = await serviceConcern(session, mode);
    if (concern !== undefined && !readState(settings.statePath)?.unfencePending) {
      ctx.log.warn(`monitor: ${concern}`);
      notes.push(concern);
      result = 'degraded';
    }
    checkLibvirt(ctx, settings);
  }
  let instances;
  if (ctx.checkLevel >= 20) {
    const report = await watchHostInstances(ctx, settings, session);
    instances = report.records;
    if (report.restarted.length > 0 || report.gaveUp.length > 0 || report.errors.length > 0) notes.push(report.summary);
  }
  const { ledgerPath, limit, windowMs } = settings.computeRestarts;
  const ledger = await openRestartLedger(ledgerPath, limit, windowMs);
  await publisher.publish({
    phase: 'running',
    detail: notes.length > 0 ? notes.join('; ') : `${session.link.host} is in service`,
    computeRestarts: restartedAt ?? ledger.recent(COMPUTE_KEY, Date.now()),
    ...(instances !== undefined ? { instances } : {}),
  });
  return result;
}

/**
 * A dead nova-compute under a started resource: restart it here if the limit allows, else fail
 * (depth 0) or leave the failure to the depth-0 monitor (deeper levels: undefined).
 */
async function restartInPlace(
  ctx: ComputeCtx,
  settings: ComputeSettings,
  proc: NovaComputeProcess,
  status: NovaComputeStatus,
  state: ComputeAgentState,
): Promise<number[] | undefined> {
  const { limit, windowMs, ledgerPath } = settings.computeRestarts;
  const ledger = await openRestartLedger(ledgerPath, limit, windowMs);
  if (ledger.problem) ctx.log.warn(`nova-compute restart ledger: ${ledger.problem}`);
  const now = Date.now();
  const allowance = ledger.allowed(COMPUTE_KEY, now);
  const publisher = publisherFor(ctx, settings, state);
  if (!allowance.allowed) {
    const reason = `nova-compute died again after ${allowance.count} in-place restart(s) in ${windowMs / 1000} s (nova_compute_restart_limit=${limit}): ${status.detail}`;
    if (ctx.checkLevel > 0) {
      ctx.log.warn(`${reason}; the depth-0 monitor reports it (its on-fail applies, not this depth-${ctx.checkLevel} monitor's)`);
      return undefined;
    }
    await publisher.publish({ phase: 'failed', detail: reason, computeRestarts: ledger.recent(COMPUTE_KEY, Date.now()) });
    throw new AgentError('generic', reason);
  }
  await ledger.record(COMPUTE_KEY, now);
  ctx.log.warn(
    `nova-compute had stopped (${status.detail}): restarting it in place (${allowance.count + 1} of ${limit} per ${windowMs / 1000} s)`,
  );
  try {
    await proc.start(ctx.deadline, ctx.log);
  } catch (error) {
    const reason = `nova-compute had stopped and did not restart: ${errorMessage(error)}`;
    if (ctx.checkLevel > 0) {
      ctx.log.warn(`${reason}; the depth-0 monitor reports it`);
      return undefined;
    }
    await publisher.publish({ phase: 'failed', detail: reason, computeRestarts: ledger.recent(COMPUTE_KEY, Date.now()) });
    throw new AgentError('generic', reason);
  }
  await publisher.publish({
    phase: 'running',
    detail: `nova-compute restarted in place after it stopped (${status.detail})`,
    computeRestarts: ledger.recent(COMPUTE_KEY, Date.now()),
  });
  return ledger.recent(COMPUTE_KEY, Date.now());
}

/** One unfencing attempt; the note says what happened. */
async function finishUnfencing(ctx: ComputeCtx, settings: ComputeSettings, session: ComputeSession, state: ComputeAgentState): Promise<string> {
  const { link } = session;
  const reason = await attemptUnfence(ctx, unfenceDeps(link, settings.pollMs, { requireUp: true })).catch((error: unknown) => {
    if (isTransientCloudError(error)) return errorMessage(error);
    throw error;
  });
  if (reason !== undefined) {
    ctx.log.info(`monitor: ${link.host} not unfenced yet: ${reason}`);
    return `not unfenced yet: ${reason}`;
  }
  await link.clearMarks(await link.readMarks());
  writeState(settings.statePath, { ...state, unfencePending: false });
  return `${link.host} unfenced`;
}

/**
 * What is wrong with Nova's view of this host's service, or undefined when it is up and not
 * forced down. nova-compute-wait does not run nova-compute: another resource, started after
 * it, does (and monitors it), so a service that is down is not its concern — right after
 * its start it always is (every deep monitor of a new node reported OCF_DEGRADED).
 */
async function serviceConcern(session: ComputeSession, mode: NovaComputeMode): Promise<string | undefined> {
  const service = await session.link.service();
  if (service.forcedDown) return `Nova shows nova-compute on ${service.host} forced down`;
  if (service.state !== 'up' && mode === 'NovaCompute') return `Nova reports nova-compute on ${service.host} ${service.state} although it runs here`;
  return undefined;
}

function checkLibvirt(ctx: ComputeCtx, settings: ComputeSettings): void {
  if (settings.libvirtDaemons.length === 0) return;
  if (!usesLibvirt(listNovaConfFiles(settings.confPath, settings.confDir))) return;
  const running = libvirtDaemonsRunning(settings.libvirtDaemons);
  if (running.length === 0) {
    throw new AgentError('generic', `no libvirt daemon runs (looked for ${settings.libvirtDaemons.join(', ')}): instances cannot run here`);
  }
}
