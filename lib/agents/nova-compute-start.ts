/**
 * NovaCompute / nova-compute-wait start and stop.
 *
 * start: this node's Nova host (checked against Nova) → wait until no evacuation of it is
 * pending or in flight → the evacuation delay, only if evacuations happened → nova-compute
 * (NovaCompute; nova-compute-wait leaves that to its own resource) → once Nova reports it up,
 * unfence (never enabling a reserved host) and clear the `evacuate` attribute. Every wait is
 * bounded by the start deadline. Idempotent: with nova-compute already running it only
 * finishes unfencing.
 *
 * stop: nova-compute TERM then KILL (NovaCompute), the state file removed; success when
 * already stopped.
 */
import { attemptUnfence, unfence } from '../fence-compute/unfence';
import { unfenceDeps, waitUntilServiceUp } from '../nova-compute/link';
import { remainingDelayMs, waitForEvacuations, wasFenced } from '../nova-compute/rejoin';
import { readState, removeState, writeState } from '../nova-compute/state';
import type { OcfResult } from '../ocf/exit-codes';
import { errorMessage } from '../runtime/errors';
import type { NovaComputeMode } from './nova-compute';
import { computeSettings, novaComputeProcess, openSession, publisherFor, type ComputeCtx } from './nova-compute-setup';

export async function start(ctx: ComputeCtx, mode: NovaComputeMode): Promise<OcfResult> {
  const settings = computeSettings(ctx, mode);
  const proc = mode === 'NovaCompute' ? novaComputeProcess(ctx, settings) : undefined;
  const running = proc ? (await proc.status()).running : readState(settings.statePath) !== undefined;
  const session = await openSession(ctx, settings);
  const { link } = session;
  const publisher = publisherFor(ctx, settings, link);

  if (!running) {
    const waited = await waitForEvacuations(
      {
        deadline: ctx.deadline,
        log: ctx.log,
        pollMs: settings.pollMs,
        now: Date.now,
        onWaiting: (reason) => (reason ? publisher.publish({ phase: 'waiting', detail: reason }) : undefined),
      },
      link,
    );
    const delayMs = remainingDelayMs({
      migrations: waited.migrations,
      delaySec: settings.delaySec,
      now: Date.now(),
      waitEndedAt: waited.waitEndedAt,
    });
    if (delayMs > 0) {
      const detail = `evacuations from ${link.host} finished recently: holding nova-compute back ${Math.ceil(delayMs / 1000)} s more (evacuation_delay)`;
      ctx.log.info(detail);
      await publisher.publish({ phase: 'delaying', detail });
      if (ctx.deadline.remainingMs() <= delayMs) {
        ctx.log.warn(`evacuation_delay does not fit in the start timeout: waiting only until the deadline`);
      }
      await ctx.deadline.sleep(delayMs);
      ctx.deadline.check('holding nova-compute back for evacuation_delay: raise the start timeout above evacuation_delay');
    }
  }

  const service = await link.service();
  const marks = await link.readMarks();
  const fenced = wasFenced(marks, service);
  writeState(settings.statePath, { v: 1, host: link.host, node: link.node, startedAt: Date.now(), unfencePending: fenced });

  if (proc) {
    if (!running) {
      await publisher.publish({ phase: 'starting', detail: `starting nova-compute (${proc.description})` });
      const { pid } = await proc.start(ctx.deadline, ctx.log);
      ctx.log.notice(`nova-compute started for ${link.host}${pid === undefined ? '' : ` (pid ${pid})`}`);
    }
    if (fenced) {
      await publisher.publish({ phase: 'unfencing', detail: `waiting for Nova to let ${link.host} back` });
      await unfence(ctx, unfenceDeps(link, settings.pollMs, { requireUp: true }), 'Raise the start timeout if nova-compute takes longer to report in');
      await link.clearMarks(await link.readMarks());
      writeState(settings.statePath, { v: 1, host: link.host, node: link.node, startedAt: Date.now(), unfencePending: false });
    } else if (service.forcedDown) {
      ctx.log.warn(`${link.host} is forced down in Nova but was not fenced by instance HA: left as it is`);
    } else {
      await waitUntilServiceUp(ctx, link, settings.pollMs);
    }
  } else if (fenced) {
    // nova-compute-wait: nova-compute starts after this resource; unfencing needs it running
    // (Nova keeps forced-down while `done` records remain), so the monitor finishes it.
    const attempt = await attemptUnfence(ctx, unfenceDeps(link, settings.pollMs, { requireUp: true })).catch((error: unknown) => errorMessage(error));
    if (attempt === undefined) {
      await link.clearMarks(await link.readMarks());
      writeState(settings.statePath, { v: 1, host: link.host, node: link.node, startedAt: Date.now(), unfencePending: false });
    } else {
      ctx.log.info(`${link.host} will be unfenced by the monitor once nova-compute runs: ${attempt}`);
    }
  }
  const state = readState(settings.statePath);
  await publisher.publish({
    phase: 'running',
    detail: state?.unfencePending ? `evacuations over; unfencing once nova-compute reports in` : `${link.host} is in service`,
  });
  return 'success';
}

export async function stop(ctx: ComputeCtx, mode: NovaComputeMode): Promise<OcfResult> {
  const settings = computeSettings(ctx, mode);
  const state = readState(settings.statePath);
  if (mode === 'NovaCompute') {
    const proc = novaComputeProcess(ctx, settings);
    await proc.stop(ctx.deadline, ctx.log);
  }
  removeState(settings.statePath);
  if (state) {
    await publisherFor(ctx, settings, { host: state.host, node: state.node }).publish({ phase: 'stopped', detail: 'stopped by Pacemaker' });
  }
  return 'success';
}
