/**
 * The vocabulary of evacuation: what one reconcile pass knows about the cloud (a snapshot
 * rebuilt from the `evacuate` attributes and Nova on every pass), the policy the operator
 * configured, and the decisions the pure planners return. Planners take these and return
 * these; only the reconcile loop talks to Nova and Pacemaker.
 */
import type { ComputeService, Migration, Server } from '../openstack/nova-types';
import type { EvacuateState } from '../pacemaker/evacuate-attribute';

/** How a segment's instances find a new home (the names operators know from Masakari). */
export type RecoveryMethod = 'auto' | 'reserved_host' | 'auto_priority' | 'rh_priority';
export const RECOVERY_METHODS: readonly RecoveryMethod[] = ['auto', 'reserved_host', 'auto_priority', 'rh_priority'];

/** A compute host as one pass sees it: Nova's service, our attribute, its segment and room. */
export interface HostView {
  /** Nova's service host: also the key of the `evacuate` attribute. */
  readonly name: string;
  readonly service: ComputeService;
  readonly mark: EvacuateState;
  /** Epoch ms from our disabled reason ("fence_compute: fenced at …"), when fence_compute fenced it. */
  readonly fencedAt: number | undefined;
  readonly segment: string;
  /** Kept disabled in Nova until a failure needs it. */
  readonly reserved: boolean;
  /** Free room as Nova's hypervisor stats tell it; undefined when unknown. */
  readonly free: Room | undefined;
  /** Aggregates the host belongs to (names). */
  readonly aggregates: readonly string[];
}

export interface Room {
  readonly vcpus: number;
  readonly ramMb: number;
  readonly diskGb: number;
}

/** Size of one instance, from its (embedded or looked-up) flavor. */
export interface InstanceSize extends Room {}

/** What decides whether an instance is protected: the classic `evacuable` tags, then ours. */
export interface ScopeFacts {
  /** Flavor ids (public and private) whose extra spec `evacuable` is "true" (trimmed, any case). */
  readonly evacuableFlavorIds: ReadonlySet<string>;
  /** Image ids tagged `evacuable` in Glance (or with metadata evacuable=true on older clouds). */
  readonly evacuableImageIds: ReadonlySet<string>;
}

export type ScopeMode =
  /** The classic rule: tagged flavors/images when anything is tagged, else everything. */
  | 'classic'
  /** Only instances whose flavor, image or metadata opts in. */
  | 'tagged'
  | 'all'
  | 'none';

export interface ScopePolicy {
  readonly mode: ScopeMode;
  /** Server metadata key that opts an instance in ("true") or out ("false"); default `evacuable`. */
  readonly metadataKey: string;
  /** When non-empty, only these projects' instances are protected. */
  readonly includeProjects: readonly string[];
  readonly excludeProjects: readonly string[];
  /** When non-empty, only hosts in these aggregates have protected instances. */
  readonly includeAggregates: readonly string[];
}

export interface SegmentPolicy {
  readonly name: string;
  readonly recoveryMethod: RecoveryMethod;
  readonly scope: ScopePolicy;
}

export interface BrakePolicy {
  /** Trip when more than this many hosts are marked within the window (0 = no count limit). */
  readonly maxHosts: number;
  /** Trip when more than this fraction (0..1) of a segment's hosts are marked within the window (0 = none). */
  readonly maxSegmentFraction: number;
  readonly windowMs: number;
}

export interface ConcurrencyPolicy {
  /** Evacuations in flight at once, all hosts together; 0 = the cloud's build slots (targets × perTarget). */
  readonly overall: number;
  /** 0 = no limit of its own. */
  readonly perFailedHost: number;
  /** Builds in flight per target host (Nova's max_concurrent_builds defaults to 10). */
  readonly perTarget: number;
}

export interface RetryPolicy {
  /** Evacuation attempts per instance before it is given up (the first one included). */
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly backoffFactor: number;
  readonly maxBackoffMs: number;
}

/** Where an evacuation of one instance stands, derived from Nova alone (server + migrations). */
export type InstanceProgress =
  | { readonly kind: 'not-started' }
  /** An evacuation is accepted or running: never issue another. */
  | { readonly kind: 'in-flight'; readonly migration: Migration }
  | { readonly kind: 'evacuated'; readonly host: string }
  /** The last attempt failed; `attempts` failed so far; `lastTarget` to avoid next time. */
  | { readonly kind: 'failed'; readonly attempts: number; readonly lastFailedAt: number; readonly lastTarget: string | undefined }
  /** Nova cannot evacuate it (state PAUSED, SUSPENDED, SHELVED…), or retries are exhausted. */
  | { readonly kind: 'given-up'; readonly reason: string };

/** One instance of a failed host, with what the planners decided about it. */
export interface InstanceView {
  readonly server: Server;
  readonly size: InstanceSize | undefined;
  /** From server metadata (`ha_priority`, higher first); 0 when absent. */
  readonly priority: number;
  readonly migrations: readonly Migration[];
}

export interface ScopeDecision {
  readonly protected: boolean;
  /** Why, in words an operator reads in `nova-ha explain`. */
  readonly reason: string;
}

/** A planned evacuation: `target` undefined lets Nova's scheduler choose. */
export interface PlannedEvacuation {
  readonly instanceId: string;
  readonly sourceHost: string;
  readonly target: string | undefined;
}

export interface PlacementResult {
  readonly planned: readonly PlannedEvacuation[];
  /** Instances that found no room, with the reason. */
  readonly unplaced: readonly { readonly instanceId: string; readonly reason: string }[];
  /** Reserved hosts that must be enabled in Nova before the plan can run. */
  readonly reservedToEnable: readonly string[];
}

export interface BrakeDecision {
  readonly tripped: boolean;
  readonly reason: string | undefined;
}
