/**
 * The simulated cloud's records: what Nova, Glance and Keystone would keep in their
 * databases, reduced to the fields the agents and the safety oracle look at.
 */
import type { Distribution } from './rng';

export interface Capacity {
  vcpus: number;
  ramMb: number;
  diskGb: number;
}

export interface Host {
  name: string;
  capacity: Capacity;
  used: Capacity;
  /** Physically running, guests included (false after kill, until revive). */
  alive: boolean;
  /** nova-compute running and heartbeating (false after kill or stop-compute). */
  computeRunning: boolean;
  /** When the heartbeats stopped (ms epoch); the service reads `down` service_down_time later. */
  heartbeatStoppedAt: number | null;
  /** Bumped whenever nova-compute dies: work it had started never reports back. */
  epoch: number;
  /**
   * The host lost power and nova-compute has not yet run its post-boot sync there: the next
   * start cleans up evacuations AND stops the instances Nova still thinks active (their
   * guests died with the power). Cleared when that sync has run.
   */
  powerLost: boolean;
  /**
   * With powerLost: the hypervisor forgot its guests (Nova's fake driver, hosts with ephemeral
   * hypervisor state), so the post-boot power sync finds the instances Nova thought active in
   * NOSTATE and, as Nova does, ignores them: they stay ACTIVE with power_state 0, no `stop`.
   */
  guestsForgotten: boolean;
  /** nova-compute's process lives but does nothing (hang-compute): no heartbeats, no work; computeRunning is false. */
  computeHung: boolean;
  segment: string | null;
  reserved: boolean;
  maxConcurrentBuilds: number;
  activeBuilds: number;
  buildQueue: Array<() => void>;
  availabilityZone: string;
}

export interface Service {
  intId: number;
  uuid: string;
  host: string;
  binary: 'nova-compute';
  disabled: boolean;
  disabledReason: string | null;
  forcedDown: boolean;
  updatedAt: number;
}

export type VmState = 'active' | 'stopped' | 'error' | 'building';
export type TaskState =
  | null
  | 'rebuilding'
  | 'rebuild_block_device_mapping'
  | 'rebuild_spawning'
  | 'powering-off'
  | 'powering-on'
  | 'rebooting'
  | 'rebooting_hard';

export interface InstanceAction {
  action: string;
  requestId: string;
  /** null for Nova's own actions (the power-state sync runs with an admin context). */
  userId: string | null;
  projectId: string | null;
  startTime: number;
  updatedAt: number;
  message: string | null;
}

export interface Instance {
  id: string;
  name: string;
  seq: number;
  host: string;
  projectId: string;
  userId: string;
  flavorId: string;
  /** null: booted from volume (Nova shows image as ""). */
  imageId: string | null;
  vmState: VmState;
  taskState: TaskState;
  /** Nova power_state: 0 no state (the hypervisor does not know the guest), 1 running, 4 shutdown. */
  powerState: 0 | 1 | 4;
  metadata: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  launchedAt: number;
  actions: InstanceAction[];
  /** The evacuation in flight, if any (its migration id). */
  evacuation: number | null;
  /** The latest instance fault; Nova shows it while the instance is in ERROR. */
  fault: { code: number; message: string; created: number } | null;
}

export type MigrationStatus = 'accepted' | 'pre-migrating' | 'done' | 'completed' | 'failed' | 'error';

export interface Migration {
  id: number;
  uuid: string;
  instanceId: string;
  sourceCompute: string;
  destCompute: string | null;
  status: MigrationStatus;
  type: 'evacuation';
  createdAt: number;
  updatedAt: number;
  userId: string;
  projectId: string;
}

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  ephemeral: number;
  swap: number;
  isPublic: boolean;
  extraSpecs: Record<string, string>;
  description: string | null;
}

export interface Image {
  id: string;
  name: string;
  tags: string[];
  properties: Record<string, string>;
  visibility: 'public' | 'private' | 'shared' | 'community';
  ownerProjectId: string;
  createdAt: number;
}

export interface Aggregate {
  id: number;
  uuid: string;
  name: string;
  availabilityZone: string | null;
  hosts: string[];
  metadata: Record<string, string>;
  createdAt: number;
}

export interface User {
  id: string;
  name: string;
  password: string;
  domainId: string;
  domainName: string;
  /** The project the user has a role on (admin everywhere in this simulator). */
  projectId: string;
}

export interface Project {
  id: string;
  name: string;
  domainId: string;
  domainName: string;
}

export interface AppCredential {
  id: string;
  name: string;
  secret: string;
  userId: string;
  projectId: string;
}

export interface Timing {
  /** Simulated seconds per real second: 10 makes a 3 s rebuild take 0.3 s. */
  timeScale: number;
  serviceDownTimeSec: number;
  rebuildSec: Distribution;
  /** Conductor + scheduler time before the destination claims the instance. */
  schedulingSec: Distribution;
  /**
   * Between the rebuilt instance being saved ACTIVE (task null, host still the source) and
   * finish_evacuation moving it and marking the migration done — Nova's real window.
   */
  finishEvacuationSec: number;
  /** After revive, how long nova-compute takes to mark `done` evacuations `completed`. */
  reviveCleanupSec: number;
  /** Added to every API answer (real milliseconds, not scaled). */
  apiLatencyMs: Distribution;
  /** Keystone tokens live this long (real seconds). */
  tokenTtlSec: number;
}

export interface NovaConfig {
  minVersion: string;
  maxVersion: string;
  /** CONF.api.max_limit: the longest page Nova returns. */
  maxLimit: number;
  /** CONF.api.enable_instance_password: adminPass in evacuate answers before 2.14. */
  enableInstancePassword: boolean;
}
