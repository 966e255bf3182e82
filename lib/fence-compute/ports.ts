/**
 * What fence_compute needs from the outside world, as interfaces: Nova's compute services and
 * evacuation records, and the `evacuate` node attribute. connect.ts provides the real ones
 * (lib/openstack, lib/pacemaker); tests may provide their own.
 */
import type { FenceContext } from '../fence/agent';
import type { ComputeService, Migration } from '../openstack/nova-types';
import type { FenceComputeOptions } from './options';

export type FenceComputeContext = FenceContext<FenceComputeOptions>;

export interface ComputeApi {
  /** nova-compute services, all of them or those of one host. */
  listComputeServices(host?: string): Promise<ComputeService[]>;
  forceDown(service: ComputeService, forcedDown: boolean): Promise<void>;
  disable(service: ComputeService, reason: string): Promise<void>;
  enable(service: ComputeService): Promise<void>;
  /** Evacuation migration records whose source is `host`. */
  listEvacuations(host: string): Promise<Migration[]>;
  /** Whether Nova still places any server (any project) on `host`. */
  hasServers(host: string): Promise<boolean>;
}

export interface EvacuationMarks {
  /** The `evacuate` attribute of `host`: undefined when absent. */
  read(host: string): Promise<string | undefined>;
  /** `attrd_updater -p -n evacuate -N host -U yes`. */
  markNeeded(host: string): Promise<void>;
}

export interface FenceComputePorts {
  connect(ctx: FenceComputeContext): Promise<ComputeApi>;
  marks(ctx: FenceComputeContext): EvacuationMarks;
  now(): Date;
  /** How long `on` waits between checks while evacuations are under way. */
  pollMs: number;
  /** How long `on` keeps trying once Nova refuses to clear forced-down for a host it shows down (unfence.ts). */
  blockedGiveUpMs: number;
}
