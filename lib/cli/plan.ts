/**
 * `nova-ha plan HOST…`: a dry run of NovaEvacuate's decisions if these hosts failed now.
 * Reads only; nothing in Nova or Pacemaker changes.
 */
import type { Room } from '../evacuation/model';
import type { CommandContext } from './context';
import { findService } from './hosts';
import { resolvePolicy } from './cluster-config';
import type { PolicyOptions } from './policy-options';
import { readWorld } from './read-world';
import { table } from './table';
import { planWhatIf, type WhatIfPlan } from './what-if';

export interface PlanOptions extends PolicyOptions {
  json?: boolean;
  clusterConfig?: boolean;
}

function room(value: Room | undefined): string {
  if (value === undefined) return 'unknown';
  const disk = value.diskGb >= Number.MAX_SAFE_INTEGER / 2 ? '' : `/${value.diskGb} GB`;
  return `${value.vcpus} vCPU/${value.ramMb} MB${disk}`;
}

export function formatPlan(plan: WhatIfPlan, notes: readonly string[]): string {
  const lines: string[] = [];
  for (const note of notes) lines.push(`note: ${note}`);
  let moved = 0;
  let unplaced = 0;
  let unprotected = 0;
  for (const host of plan.hosts) {
    moved += host.planned.length;
    unplaced += host.unplaced.length + host.notEvacuable.length;
    unprotected += host.unprotected.length;
    lines.push(`If ${host.host} failed now (segment ${host.segment}, recovery ${host.method}):`);
    if (host.planned.length > 0) {
      lines.push(
        table(
          ['INSTANCE', 'NAME', 'PRIO', 'TARGET', 'WHY'],
          host.planned.map((item) => [item.instanceId, item.name, String(item.priority), item.target ?? '(scheduler)', item.why]),
          '  ',
        ),
      );
    } else {
      lines.push('  no protected instance to evacuate');
    }
    if (host.reservedToEnable.length > 0) lines.push(`  reserved hosts enabled for this: ${host.reservedToEnable.join(', ')}`);
    for (const item of host.unplaced) lines.push(`  NO ROOM   ${item.id} ${item.name}: ${item.reason}`);
    for (const item of host.notEvacuable) lines.push(`  CANNOT    ${item.id} ${item.name}: ${item.reason}`);
    for (const item of host.unprotected) lines.push(`  unprotected ${item.id} ${item.name}: ${item.reason}`);
    lines.push('');
  }
  if (plan.room.length > 0) {
    lines.push('Room taken on targets:');
    lines.push(table(['HOST', 'FREE NOW', 'PLANNED'], plan.room.map((r) => [r.host, room(r.before), room(r.claimed)]), '  '));
    lines.push('');
  }
  lines.push(`${moved} instance(s) would be evacuated, ${unplaced} would not (no room or state), ${unprotected} are not protected.`);
  return `${lines.join('\n')}\n`;
}

export async function runPlan(ctx: CommandContext, hostNames: string[], options: PlanOptions): Promise<void> {
  const { policy, note } = await resolvePolicy(ctx, options);
  const world = await readWorld(ctx, policy);
  const notes = [note, ...world.notes];
  const services = world.snapshot.hosts.map((host) => host.service);
  const failing = [...new Set(hostNames.map((name) => findService(services, name).host))];
  const servers = new Map(
    await Promise.all(failing.map(async (host) => [host, await world.ports.nova.listServersOnHost(host)] as const)),
  );
  const plan = planWhatIf({
    hosts: world.snapshot.hosts,
    failing,
    servers,
    facts: world.facts,
    flavors: world.flavors,
    policy: policy.scope,
    methodFor: policy.methodFor,
    perTarget: policy.perTarget,
  });
  if (options.json) {
    const json = { ...plan, notes };
    ctx.io.out(`${JSON.stringify(json, (_key, value: unknown) => (typeof value === 'number' && value >= Number.MAX_SAFE_INTEGER / 2 ? null : value), 2)}\n`);
    return;
  }
  ctx.io.out(formatPlan(plan, notes));
}
