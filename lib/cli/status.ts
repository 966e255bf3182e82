/**
 * `nova-ha status`: NovaEvacuate's status file (hosts, marks, per-instance progress, errors,
 * the brake), or a live reading of Pacemaker and Nova with --live, or when no status file
 * exists on this node; in both, failed fencing (crm_mon's history: why nothing is evacuated
 * from a lost node) and what NovaCompute reports from every compute node.
 */
import { readStatusFile } from '../evacuation/status';
import { readComputes } from './computes';
import { formatComputes } from './computes-format';
import type { CommandContext } from './context';
import { readFencing } from './fencing';
import { formatFencing } from './fencing-format';
import { formatLiveStatus, readLiveStatus } from './live';
import { formatStatusDocument, isStale } from './status-format';

export interface StatusOptions {
  json?: boolean;
  live?: boolean;
  hostsOnly?: boolean;
}

async function live(ctx: CommandContext, options: StatusOptions): Promise<void> {
  const status = await readLiveStatus(ctx);
  ctx.io.out(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatLiveStatus(status, { instances: !options.hostsOnly }));
}

export async function runStatus(ctx: CommandContext, options: StatusOptions): Promise<void> {
  const path = ctx.options.statusFile;
  if (options.live) return live(ctx, options);
  const document = await readStatusFile(path);
  if (!document) {
    ctx.io.err(`nova-ha: no status file at ${path} (NovaEvacuate does not run here): reading Pacemaker and Nova live\n`);
    return live(ctx, options);
  }
  const [computes, fencing] = await Promise.all([readComputes(ctx.tools), readFencing(ctx.tools)]);
  const now = ctx.io.now();
  if (options.json) {
    const stale = isStale(document, now);
    const wrapped = { source: 'file', path, ageMs: now - document.lastPassAt, stale, status: document, fencing, computes };
    ctx.io.out(`${JSON.stringify(wrapped, null, 2)}\n`);
    return;
  }
  const instances = !options.hostsOnly;
  const fencingText = formatFencing(fencing, now);
  const sections = [formatStatusDocument(document, { path, now, instances }), ...(fencingText ? [`${fencingText}\n`] : [])];
  ctx.io.out(`${sections.join('\n')}\n${formatComputes(computes, { now, instances })}\n`);
}
