/**
 * Everything one reconcile pass needs: every host's `evacuate` attribute, Nova's compute
 * services, and for each host that needs evacuation its servers and evacuation records — read
 * fresh every pass. Facts that do not change while a recovery runs (aggregates, flavor and image
 * tags, segment attributes) are read once per cache (one monitor). Free room is read only when
 * asked for (`room: true`, or `withRoom` once a pass knows it will place something).
 */
import { fencedByUs, FENCED_REASON_PREFIX, isReserved } from '../fence-compute/service-state';
import type { Aggregate, ComputeService, Hypervisor, Migration, Server } from '../openstack/nova-types';
import { parseEvacuateValue } from '../pacemaker/evacuate-attribute';
import type { HostView, InstanceSize, Room, ScopeFacts } from './model';
import type { EvacuationPorts, FlavorSpecsView, ImageLabelsView } from './ports';
import { buildScopeFacts } from './scope';
import { assignSegments, type SegmentSource } from './segments';

const SEGMENT_READS_AT_ONCE = 8;

export type SegmentSourceConfig =
  | { readonly kind: 'none' }
  | { readonly kind: 'node-attribute'; readonly attribute: string }
  | { readonly kind: 'aggregate'; readonly metadataKey: string };

export interface SnapshotConfig {
  readonly segments: SegmentSourceConfig;
  readonly defaultSegment: string;
}

/**
 * Kept across the passes of one monitor: what an operator changes rarely and a recovery never
 * does. The next monitor (one Pacemaker interval later) starts with an empty cache.
 */
export interface SnapshotCache {
  readonly segmentAttributes: Map<string, string | undefined>;
  aggregates: readonly Aggregate[] | undefined;
  flavorSpecs: readonly FlavorSpecsView[] | undefined;
  imageLabels: readonly ImageLabelsView[] | undefined;
  /**
   * Reserved hosts this loop enabled for evacuations: Nova clears the disabled reason that
   * marked them, but they stay reserved for the rest of this recovery.
   */
  readonly enabledReserved: Set<string>;
}

export function newSnapshotCache(): SnapshotCache {
  return { segmentAttributes: new Map(), enabledReserved: new Set(), aggregates: undefined, flavorSpecs: undefined, imageLabels: undefined };
}

/** Why a host is in the pass's evacuation list. */
export type NeedReason = 'marked' | 'in-progress' | 'fenced-by-us';

export interface FailedHost {
  readonly host: HostView;
  readonly reason: NeedReason;
  readonly servers: readonly Server[];
  readonly migrations: readonly Migration[];
}

export interface Snapshot {
  readonly takenAt: number;
  readonly marks: ReadonlyMap<string, string>;
  readonly hosts: readonly HostView[];
  readonly failed: readonly FailedHost[];
  readonly aggregates: readonly Aggregate[];
  /** Undefined when no host needs evacuation (not read then). */
  readonly scopeFacts: ScopeFacts | undefined;
  readonly flavors: ReadonlyMap<string, FlavorSpecsView>;
  readonly resumedAt: number | undefined;
}

/** Epoch ms from our disabled reason "fence_compute: fenced at <ISO>[; previously …]". */
export function fencedAtFromReason(reason: string | null | undefined): number | undefined {
  if (!fencedByUs(reason) || !reason) return undefined;
  const rest = reason.slice(FENCED_REASON_PREFIX.length);
  const end = rest.indexOf(';');
  const at = Date.parse(end < 0 ? rest : rest.slice(0, end));
  return Number.isNaN(at) ? undefined : at;
}

export function roomOf(hypervisor: Hypervisor | undefined): Room | undefined {
  if (!hypervisor || hypervisor.vcpus === null || hypervisor.memoryMb === null) return undefined;
  return {
    vcpus: Math.max(0, hypervisor.vcpus - (hypervisor.vcpusUsed ?? 0)),
    ramMb: Math.max(0, hypervisor.memoryMb - (hypervisor.memoryMbUsed ?? 0)),
    // Hypervisor stats carry no usable disk figure from 2.88 on: disk is not the limit we plan by.
    diskGb: Number.MAX_SAFE_INTEGER,
  };
}

/** The size of a server: its embedded flavor (2.47+), else the flavor list. */
export function sizeOf(server: Server, flavors: ReadonlyMap<string, FlavorSpecsView>): InstanceSize | undefined {
  const { vcpus, ram, disk } = server.flavor;
  if (vcpus !== null && ram !== null) return { vcpus, ramMb: ram, diskGb: disk ?? 0 };
  const flavor = server.flavor.id === null ? undefined : flavors.get(server.flavor.id);
  if (!flavor || flavor.vcpus === null || flavor.ramMb === null) return undefined;
  return { vcpus: flavor.vcpus, ramMb: flavor.ramMb, diskGb: flavor.diskGb ?? 0 };
}

/** Does this host need a look this pass? The mark says so, or Nova shows our fence. */
export function needReason(service: ComputeService, mark: string | undefined): NeedReason | undefined {
  const state = parseEvacuateValue(mark);
  if (state.kind === 'needed') return 'marked';
  if (state.kind === 'in-progress') return 'in-progress';
  // Pacemaker wipes a remote node's transient attributes when it reconnects: Nova's record is durable.
  if (service.status === 'disabled' && service.forcedDown && fencedByUs(service.disabledReason)) return 'fenced-by-us';
  return undefined;
}

async function segmentSource(
  ports: EvacuationPorts,
  config: SnapshotConfig,
  cache: SnapshotCache,
  hosts: readonly string[],
  aggregates: readonly Aggregate[],
): Promise<SegmentSource> {
  switch (config.segments.kind) {
    case 'none':
      return { kind: 'none' };
    case 'aggregate':
      return { kind: 'aggregate', aggregates, metadataKey: config.segments.metadataKey };
    case 'node-attribute': {
      const { attribute } = config.segments;
      // One crm_attribute per host, the first pass only: a few at a time, not 500 in a row.
      const unread = hosts.filter((host) => !cache.segmentAttributes.has(host));
      for (let i = 0; i < unread.length; i += SEGMENT_READS_AT_ONCE) {
        const batch = unread.slice(i, i + SEGMENT_READS_AT_ONCE);
        const read = await Promise.all(batch.map((host) => ports.cluster.readNodeAttribute(attribute, host)));
        batch.forEach((host, j) => cache.segmentAttributes.set(host, read[j]));
      }
      const values = new Map<string, string>();
      for (const host of hosts) {
        const value = cache.segmentAttributes.get(host);
        if (value !== undefined && value.trim() !== '') values.set(host, value.trim());
      }
      return { kind: 'node-attribute', values };
    }
  }
}

export interface SnapshotOptions {
  /** Read os-hypervisors for each host's free room (default true). */
  readonly room?: boolean;
}

async function cachedAggregates(ports: EvacuationPorts, cache: SnapshotCache): Promise<readonly Aggregate[]> {
  cache.aggregates ??= await ports.nova.listAggregates();
  return cache.aggregates;
}

async function cachedScopeSources(ports: EvacuationPorts, cache: SnapshotCache): Promise<[readonly FlavorSpecsView[], readonly ImageLabelsView[]]> {
  if (!cache.flavorSpecs || !cache.imageLabels) {
    const [flavorList, images] = await Promise.all([ports.nova.listFlavorSpecs(), ports.nova.listImageLabels()]);
    cache.flavorSpecs = flavorList;
    cache.imageLabels = images;
  }
  return [cache.flavorSpecs, cache.imageLabels];
}

/** The snapshot with every host's free room from os-hypervisors (one request). */
export async function withRoom(ports: EvacuationPorts, snapshot: Snapshot): Promise<Snapshot> {
  const hypervisors = await ports.nova.listHypervisors();
  const byServiceHost = new Map(hypervisors.map((h) => [h.serviceHost ?? h.hostname, h]));
  const withFree = (host: HostView): HostView => ({ ...host, free: roomOf(byServiceHost.get(host.name)) });
  const hosts = snapshot.hosts.map(withFree);
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const failed = snapshot.failed.map((f) => ({ ...f, host: byName.get(f.host.name) ?? withFree(f.host) }));
  return { ...snapshot, hosts, failed };
}

export async function readSnapshot(
  ports: EvacuationPorts,
  config: SnapshotConfig,
  cache: SnapshotCache,
  options: SnapshotOptions = {},
): Promise<Snapshot> {
  const [marks, services, aggregates, resumedAt] = await Promise.all([
    ports.cluster.readMarks(),
    ports.nova.listComputeServices(),
    cachedAggregates(ports, cache),
    ports.cluster.readResumedAt(),
  ]);
  const names = services.map((s) => s.host);
  const segments = assignSegments(names, await segmentSource(ports, config, cache, names, aggregates), config.defaultSegment);

  const hosts: HostView[] = services.map((service) => ({
    name: service.host,
    service,
    mark: parseEvacuateValue(marks.get(service.host)),
    fencedAt: fencedAtFromReason(service.disabledReason),
    segment: segments.get(service.host) ?? config.defaultSegment,
    reserved: isReserved(service) || /\breserved\b/i.test(service.disabledReason ?? '') || cache.enabledReserved.has(service.host),
    free: undefined,
    aggregates: aggregates.filter((a) => a.hosts.includes(service.host)).map((a) => a.name),
  }));

  const needing = hosts.flatMap((host) => {
    const reason = needReason(host.service, marks.get(host.name));
    return reason ? [{ host, reason }] : [];
  });
  const failed: FailedHost[] = await Promise.all(
    needing.map(async ({ host, reason }) => {
      const [servers, migrations] = await Promise.all([
        ports.nova.listServersOnHost(host.name),
        ports.nova.listEvacuationsFrom(host.name),
      ]);
      return { host, reason, servers, migrations };
    }),
  );

  let scopeFacts: ScopeFacts | undefined;
  let flavors = new Map<string, FlavorSpecsView>();
  if (failed.some((f) => f.servers.length > 0)) {
    const [flavorList, images] = await cachedScopeSources(ports, cache);
    flavors = new Map(flavorList.map((f) => [f.id, f]));
    scopeFacts = buildScopeFacts(flavorList, images);
  }
  const snapshot: Snapshot = { takenAt: ports.now(), marks, hosts, failed, aggregates, scopeFacts, flavors, resumedAt };
  return options.room === false ? snapshot : withRoom(ports, snapshot);
}
