/**
 * The effects a reconcile pass uses, as interfaces: Nova (through lib/openstack), the
 * `evacuate` attribute and node attributes (through lib/pacemaker), and the clock. The loop
 * takes them as an argument, so tests can hand it fakes and `nova-ha` can reuse the reads.
 * live-ports.ts provides the real ones.
 */
import type { Aggregate, ComputeService, Hypervisor, Migration, Server } from '../openstack/nova-types';

export interface FlavorSpecsView {
  readonly id: string;
  readonly extraSpecs: Readonly<Record<string, string>>;
  readonly vcpus: number | null;
  readonly ramMb: number | null;
  readonly diskGb: number | null;
}

export interface ImageLabelsView {
  readonly id: string;
  readonly tags: readonly string[];
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface NovaPort {
  listComputeServices(): Promise<ComputeService[]>;
  listHypervisors(): Promise<Hypervisor[]>;
  listAggregates(): Promise<Aggregate[]>;
  /** Every server recorded on `host`, all projects. */
  listServersOnHost(host: string): Promise<Server[]>;
  getServer(id: string): Promise<Server>;
  /** Evacuation migration records whose source is `host` (also the re-check before evacuate calls). */
  listEvacuationsFrom(host: string): Promise<Migration[]>;
  /** Every flavor (private ones too) with its extra specs. */
  listFlavorSpecs(): Promise<FlavorSpecsView[]>;
  /** Glance images with tags and properties; [] when the cloud has no image service. */
  listImageLabels(): Promise<ImageLabelsView[]>;
  /** One evacuate POST, never retried; `target` undefined lets the scheduler choose. */
  evacuate(instanceId: string, target: string | undefined): Promise<void>;
  enableService(service: ComputeService): Promise<void>;
}

export interface ClusterPort {
  /** Every node's `evacuate` value (attrd_updater -Q -A), keyed by Nova host name. */
  readMarks(): Promise<Map<string, string>>;
  /** Writes the private `evacuate` attribute of `host`. */
  writeMark(host: string, value: string): Promise<void>;
  /** A permanent node attribute (crm_attribute), e.g. the segment; undefined when unset. */
  readNodeAttribute(name: string, node: string): Promise<string | undefined>;
  /** The cluster property `nova-ha-resumed-at` (epoch seconds) → epoch ms; undefined when unset. */
  readResumedAt(): Promise<number | undefined>;
}

export interface EvacuationPorts {
  readonly nova: NovaPort;
  readonly cluster: ClusterPort;
  /** Epoch ms. */
  now(): number;
  /** This controller's node name, for the `<node>@<epoch>` in-progress marker. */
  readonly thisNode: string;
}

/** The cluster property `nova-ha resume` writes (epoch seconds). */
export const RESUMED_AT_PROPERTY = 'nova-ha-resumed-at';
