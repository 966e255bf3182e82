/**
 * Nova's resources as the agents see them: camelCase, one shape whatever the microversion,
 * with nulls where Nova sends nothing. Normalisers take Nova's raw JSON.
 */

export interface ComputeService {
  /** UUID from microversion 2.53, Nova's integer id (as a string) before. */
  readonly id: string;
  readonly host: string;
  readonly binary: string;
  readonly zone: string | null;
  readonly status: 'enabled' | 'disabled';
  readonly state: 'up' | 'down';
  readonly forcedDown: boolean;
  readonly disabledReason: string | null;
  readonly updatedAt: string | null;
}

export interface ServerFlavor {
  /** Below 2.47 only the id is known. */
  readonly id: string | null;
  /** From 2.47: the embedded copy Nova keeps with the instance. */
  readonly originalName: string | null;
  readonly vcpus: number | null;
  readonly ram: number | null;
  readonly disk: number | null;
  /** From 2.47, when policy shows them (admin does); null when not known. */
  readonly extraSpecs: Readonly<Record<string, string>> | null;
}

export interface Server {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly host: string | null;
  readonly hypervisorHostname: string | null;
  readonly vmState: string | null;
  readonly taskState: string | null;
  readonly powerState: number | null;
  readonly projectId: string | null;
  readonly userId: string | null;
  readonly flavor: ServerFlavor;
  /** null for a server booted from a volume (Nova sends ""). */
  readonly imageId: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  /** From 2.26; empty before. */
  readonly tags: readonly string[];
  readonly locked: boolean | null;
  readonly created: string | null;
  readonly updated: string | null;
}

export interface ServerAction {
  readonly action: string;
  readonly requestId: string;
  readonly userId: string | null;
  readonly projectId: string | null;
  readonly startTime: string | null;
  readonly updatedAt: string | null;
  readonly message: string | null;
}

export interface Migration {
  readonly id: number;
  /** From 2.59. */
  readonly uuid: string | null;
  readonly instanceUuid: string;
  readonly sourceCompute: string | null;
  readonly destCompute: string | null;
  readonly sourceNode: string | null;
  readonly destNode: string | null;
  readonly destHost: string | null;
  readonly status: string;
  /** From 2.23. */
  readonly migrationType: string | null;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
}

export interface Flavor {
  readonly id: string;
  readonly name: string;
  readonly vcpus: number | null;
  readonly ram: number | null;
  readonly disk: number | null;
  readonly isPublic: boolean;
  /** Embedded from 2.61; otherwise fetch with getFlavorExtraSpecs. */
  readonly extraSpecs: Readonly<Record<string, string>> | null;
}

export interface Aggregate {
  readonly id: number;
  readonly uuid: string | null;
  readonly name: string;
  readonly availabilityZone: string | null;
  readonly hosts: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
}

export interface Hypervisor {
  readonly id: string;
  readonly hostname: string;
  readonly state: string | null;
  readonly status: string | null;
  readonly serviceHost: string | null;
  readonly serviceId: string | null;
  /** Usage figures are gone from 2.88 (ask Placement); null then. */
  readonly vcpus: number | null;
  readonly vcpusUsed: number | null;
  readonly memoryMb: number | null;
  readonly memoryMbUsed: number | null;
  readonly runningVms: number | null;
}

type Raw = Record<string, unknown>;

export function asRecord(value: unknown): Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : {};
}

function str(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(asRecord(value))) {
    if (item !== undefined && item !== null) out[key] = String(item);
  }
  return out;
}

export function normaliseService(raw: unknown): ComputeService {
  const s = asRecord(raw);
  return {
    id: str(s.id) ?? '',
    host: str(s.host) ?? '',
    binary: str(s.binary) ?? '',
    zone: str(s.zone),
    status: s.status === 'disabled' ? 'disabled' : 'enabled',
    state: s.state === 'up' ? 'up' : 'down',
    forcedDown: s.forced_down === true,
    disabledReason: str(s.disabled_reason),
    updatedAt: str(s.updated_at),
  };
}

export function normaliseServer(raw: unknown): Server {
  const s = asRecord(raw);
  const flavor = asRecord(s.flavor);
  const image = s.image;
  return {
    id: str(s.id) ?? '',
    name: str(s.name) ?? '',
    status: str(s.status) ?? 'UNKNOWN',
    host: str(s['OS-EXT-SRV-ATTR:host']),
    hypervisorHostname: str(s['OS-EXT-SRV-ATTR:hypervisor_hostname']),
    vmState: str(s['OS-EXT-STS:vm_state']),
    taskState: str(s['OS-EXT-STS:task_state']),
    powerState: num(s['OS-EXT-STS:power_state']),
    projectId: str(s.tenant_id),
    userId: str(s.user_id),
    flavor: {
      id: str(flavor.id),
      originalName: str(flavor.original_name),
      vcpus: num(flavor.vcpus),
      ram: num(flavor.ram),
      disk: num(flavor.disk),
      extraSpecs: flavor.extra_specs === undefined ? null : stringMap(flavor.extra_specs),
    },
    imageId: str(asRecord(image).id),
    metadata: stringMap(s.metadata),
    tags: Array.isArray(s.tags) ? s.tags.filter((tag): tag is string => typeof tag === 'string') : [],
    locked: typeof s.locked === 'boolean' ? s.locked : null,
    created: str(s.created),
    updated: str(s.updated),
  };
}

export function normaliseAction(raw: unknown): ServerAction {
  const a = asRecord(raw);
  return {
    action: str(a.action) ?? '',
    requestId: str(a.request_id) ?? '',
    userId: str(a.user_id),
    projectId: str(a.project_id),
    startTime: str(a.start_time),
    updatedAt: str(a.updated_at),
    message: str(a.message),
  };
}

export function normaliseMigration(raw: unknown): Migration {
  const m = asRecord(raw);
  return {
    id: num(m.id) ?? Number(m.id),
    uuid: str(m.uuid),
    instanceUuid: str(m.instance_uuid) ?? '',
    sourceCompute: str(m.source_compute),
    destCompute: str(m.dest_compute),
    sourceNode: str(m.source_node),
    destNode: str(m.dest_node),
    destHost: str(m.dest_host),
    status: str(m.status) ?? '',
    migrationType: str(m.migration_type),
    createdAt: str(m.created_at),
    updatedAt: str(m.updated_at),
  };
}

export function normaliseFlavor(raw: unknown): Flavor {
  const f = asRecord(raw);
  return {
    id: str(f.id) ?? '',
    name: str(f.name) ?? '',
    vcpus: num(f.vcpus),
    ram: num(f.ram),
    disk: num(f.disk),
    isPublic: f['os-flavor-access:is_public'] !== false,
    extraSpecs: f.extra_specs === undefined ? null : stringMap(f.extra_specs),
  };
}

export function normaliseAggregate(raw: unknown): Aggregate {
  const a = asRecord(raw);
  return {
    id: num(a.id) ?? Number(a.id),
    uuid: str(a.uuid),
    name: str(a.name) ?? '',
    availabilityZone: str(a.availability_zone),
    hosts: Array.isArray(a.hosts) ? a.hosts.filter((host): host is string => typeof host === 'string') : [],
    metadata: stringMap(a.metadata),
  };
}

export function normaliseHypervisor(raw: unknown): Hypervisor {
  const h = asRecord(raw);
  const service = asRecord(h.service);
  return {
    id: str(h.id) ?? '',
    hostname: str(h.hypervisor_hostname) ?? '',
    state: str(h.state),
    status: str(h.status),
    serviceHost: str(service.host),
    serviceId: str(service.id),
    vcpus: num(h.vcpus),
    vcpusUsed: num(h.vcpus_used),
    memoryMb: num(h.memory_mb),
    memoryMbUsed: num(h.memory_mb_used),
    runningVms: num(h.running_vms),
  };
}
