/**
 * What the demo and the benchmarks measure: which instances a failed host's recovery must
 * bring back (the classic `evacuable` rule), how far each has got, read straight from the
 * in-process simulator's model, and the physical limit a perfect evacuator could reach on
 * that cloud. Pure functions over the model; the callers poll.
 */
import type { Cloud } from '../../test/sim/cloud';
import type { Instance, Migration } from '../../test/sim/model';

/**
 * The classic fence_evacuate scope: flavors with `evacuable=true` or images tagged
 * `evacuable`; when nothing in the cloud is tagged, every instance.
 */
export function protectedInstances(cloud: Cloud, hosts: readonly string[]): Map<string, string[]> {
  const taggedFlavors = new Set([...cloud.flavors.values()].filter((f) => f.extraSpecs['evacuable']?.trim().toLowerCase() === 'true').map((f) => f.id));
  const taggedImages = new Set([...cloud.images.values()].filter((i) => i.tags.includes('evacuable')).map((i) => i.id));
  const anyTagged = taggedFlavors.size + taggedImages.size > 0;
  const result = new Map<string, string[]>();
  for (const host of hosts) {
    const ids = [...(cloud.byHost.get(host) ?? [])].filter((id) => {
      const instance = cloud.instances.get(id);
      if (!instance) return false;
      return !anyTagged || taggedFlavors.has(instance.flavorId) || (instance.imageId !== null && taggedImages.has(instance.imageId));
    });
    result.set(host, ids);
  }
  return result;
}

export type Phase = 'evacuated' | 'inFlight' | 'pending' | 'failed';

/**
 * Where one instance stands: evacuated only when it is on another host, its evacuation
 * migration is done (or completed) and it has no task — "ACTIVE, no task" alone is Nova's
 * finish window, not the end.
 */
export function phaseOf(cloud: Cloud, instance: Instance, source: string, lastMigrations = lastEvacuations(cloud)): Phase {
  const last = lastMigrations.get(`${instance.id} ${source}`);
  if (instance.host !== source && instance.taskState === null && (last?.status === 'done' || last?.status === 'completed')) {
    return 'evacuated';
  }
  if (instance.evacuation !== null || last?.status === 'accepted' || last?.status === 'pre-migrating') return 'inFlight';
  if (instance.vmState === 'error' && (last?.status === 'failed' || last?.status === 'error')) return 'failed';
  return 'pending';
}

/** The latest evacuation of each instance from each source, keyed `instance source`. */
export function lastEvacuations(cloud: Cloud): Map<string, Migration> {
  const last = new Map<string, Migration>();
  for (const migration of cloud.migrations) last.set(`${migration.instanceId} ${migration.sourceCompute}`, migration);
  return last;
}

export interface HostProgress {
  host: string;
  total: number;
  evacuated: number;
  inFlight: number;
  pending: number;
  failed: number;
}

export function progressOf(cloud: Cloud, protectedByHost: Map<string, string[]>): HostProgress[] {
  const last = lastEvacuations(cloud);
  return [...protectedByHost].map(([host, ids]) => {
    const row: HostProgress = { host, total: ids.length, evacuated: 0, inFlight: 0, pending: 0, failed: 0 };
    for (const id of ids) {
      const instance = cloud.instances.get(id);
      if (instance) row[phaseOf(cloud, instance, host, last)] += 1;
    }
    return row;
  });
}

export function allEvacuated(rows: readonly HostProgress[]): boolean {
  return rows.every((row) => row.evacuated === row.total);
}

/** Evacuation attempts per instance (accepted migrations), to show retries. */
export function evacuationsAccepted(cloud: Cloud, sources: readonly string[]): number {
  const set = new Set(sources);
  return cloud.migrations.filter((m) => set.has(m.sourceCompute)).length;
}

export interface PhysicalLimit {
  /** Hosts that could take the instances (up, enabled or a reserved host the method would use). */
  targets: number;
  buildsPerTarget: number;
  waves: number;
  /** Simulated seconds: scheduling + waves × (rebuild + Nova's finish window). */
  simSec: number;
  /** Wall seconds on this simulator: simSec ÷ timeScale, plus one API round trip (not scaled). */
  wallSec: number;
  formula: string;
}

/** A representative value of a timing distribution: its fixed value, median, or mean of a uniform. */
export function typicalSec(d: unknown): number {
  if (typeof d === 'number') return d;
  const dist = d as { dist?: string; value?: number; median?: number; min?: number; max?: number };
  if (dist.dist === 'fixed' && dist.value !== undefined) return dist.value;
  if (dist.median !== undefined) return dist.median;
  if (dist.min !== undefined && dist.max !== undefined) return (dist.min + dist.max) / 2;
  return dist.value ?? 0;
}

/**
 * The fastest any evacuator could bring `instances` back: every target building at its limit
 * from the first second, each wave one rebuild long.
 */
export function physicalLimit(cloud: Cloud, instances: number, targets: readonly string[]): PhysicalLimit {
  const hosts = targets.map((name) => cloud.hosts.get(name)).filter((h) => h !== undefined);
  const slots = hosts.reduce((sum, host) => sum + host.maxConcurrentBuilds, 0);
  const buildsPerTarget = hosts[0]?.maxConcurrentBuilds ?? 10;
  const waves = slots === 0 ? Infinity : Math.ceil(instances / slots);
  const timing = cloud.timing;
  const rebuild = typicalSec(timing.rebuildSec);
  const scheduling = typicalSec(timing.schedulingSec);
  const simSec = scheduling + waves * (rebuild + timing.finishEvacuationSec);
  const latencySec = typicalSec(timing.apiLatencyMs) / 1000;
  return {
    targets: hosts.length,
    buildsPerTarget,
    waves,
    simSec,
    wallSec: simSec / timing.timeScale + latencySec,
    formula: `${scheduling}s scheduling + ${waves} wave(s) x (${rebuild}s rebuild + ${timing.finishEvacuationSec}s finish), ${hosts.length} targets x ${buildsPerTarget} builds`,
  };
}
