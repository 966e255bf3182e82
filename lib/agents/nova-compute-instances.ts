/**
 * The level-20 monitor's instance pass wired to the real cloud: Nova's servers on this host,
 * NovaEvacuate's scope (flavor extra specs, Glance tags, aggregates, read through the same
 * readers), and the per-instance restart ledger in the state directory.
 */
import { novaPort } from '../evacuation/live-ports';
import { instanceNovaPort, scopeFilterLoader, watchInstances, type InstanceWatchReport } from '../nova-compute/instance-watch';
import { openRestartLedger } from '../nova-compute/restart-ledger';
import type { ComputeCtx, ComputeSession, ComputeSettings } from './nova-compute-setup';

export async function watchHostInstances(ctx: ComputeCtx, settings: ComputeSettings, session: ComputeSession): Promise<InstanceWatchReport> {
  const { limit, windowMs, ledgerPath } = settings.instanceRestarts;
  const ledger = await openRestartLedger(ledgerPath, limit, windowMs);
  if (ledger.problem) ctx.log.warn(`instance restart ledger: ${ledger.problem}`);
  const { link, cloud } = session;
  const readers = novaPort(link.nova, cloud, {
    deadline: ctx.deadline,
    log: ctx.log,
    sharedStorage: !ctx.params.no_shared_storage,
  });
  const report = await watchInstances({
    host: link.host,
    nova: instanceNovaPort(link.nova),
    loadProtectedFilter: scopeFilterLoader(readers, link.host, settings.scope),
    ledger,
    now: Date.now,
    log: ctx.log,
    // Leave the monitor time to publish the report after the pass.
    deadline: ctx.deadline.withMargin(2_000),
  });
  (report.restarted.length > 0 || report.gaveUp.length > 0 ? ctx.log.notice : ctx.log.debug)(`monitor: ${report.summary}`);
  return report;
}
