/**
 * Scenario files: the cloud a test or benchmark starts from (hosts, flavors, images,
 * instances, aggregates, timing, faults over time), in JSON or YAML, with a generator for
 * large clouds. `loadScenario` reads a file; `normaliseScenario` fills every default.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Distribution } from './rng';
import type { FaultSpec } from './faults';

export interface ScenarioHost {
  name: string;
  capacity?: { vcpus?: number; ramMb?: number; diskGb?: number };
  segment?: string;
  aggregates?: string[];
  reserved?: boolean;
  disabled?: boolean;
  disabledReason?: string;
  maxConcurrentBuilds?: number;
  availabilityZone?: string;
  /** false: nova-compute is not running at start (its service already reads down), as on a node NovaCompute manages. */
  compute?: boolean;
}

export interface ScenarioFlavor {
  id?: string;
  name: string;
  vcpus?: number;
  ram?: number;
  disk?: number;
  public?: boolean;
  extraSpecs?: Record<string, string>;
}

export interface ScenarioImage {
  id?: string;
  name: string;
  tags?: string[];
  properties?: Record<string, string>;
  visibility?: 'public' | 'private' | 'shared' | 'community';
}

export interface ScenarioInstance {
  id?: string;
  name?: string;
  host: string;
  flavor: string;
  /** Image name or id; null or absent for a volume-booted server. */
  image?: string | null;
  state?: 'ACTIVE' | 'SHUTOFF' | 'ERROR';
  project?: string;
  metadata?: Record<string, string>;
}

export interface ScenarioGenerate {
  hosts: number;
  instancesPerHost: number;
  /** Hosts are spread round-robin over this many segments (aggregates `segment-N`). */
  segments?: number;
  /** How many hosts per segment are reserved (disabled until needed). */
  reservedPerSegment?: number;
  capacity?: { vcpus?: number; ramMb?: number; diskGb?: number };
  /** Fraction of instances on the `evacuable` flavor (the rest untagged). */
  taggedFraction?: number;
}

export interface Scenario {
  name?: string;
  seed?: number;
  region?: string;
  timing?: {
    timeScale?: number;
    serviceDownTimeSec?: number;
    rebuildSec?: Distribution;
    schedulingSec?: Distribution;
    finishEvacuationSec?: number;
    reviveCleanupSec?: number;
    apiLatencyMs?: Distribution;
    tokenTtlSec?: number;
  };
  nova?: { minVersion?: string; maxVersion?: string; maxLimit?: number; enableInstancePassword?: boolean };
  auth?: {
    users?: Array<{ name: string; password: string; project?: string; domain?: string }>;
    projects?: string[];
    applicationCredentials?: Array<{ id?: string; name: string; secret: string; user: string }>;
  };
  hosts?: ScenarioHost[];
  flavors?: ScenarioFlavor[];
  images?: ScenarioImage[];
  aggregates?: Array<{ name: string; hosts?: string[]; metadata?: Record<string, string>; availabilityZone?: string }>;
  instances?: ScenarioInstance[];
  generate?: ScenarioGenerate;
  /** Host deaths, revivals and guest crashes `atSec` simulated seconds after start. */
  events?: Array<{
    atSec: number;
    kill?: string;
    revive?: string;
    /** With `revive`: false boots the host without starting nova-compute. */
    compute?: boolean;
    /** With `revive`: the hypervisor forgot its guests (they stay ACTIVE with power_state NOSTATE). */
    forgetGuests?: boolean;
    stopCompute?: string;
    startCompute?: string;
    crash?: string;
  }>;
  /** Faults switched on `atSec` simulated seconds after start (0 = at once). */
  faults?: Array<{ atSec?: number } & FaultSpec>;
}

export function loadScenario(path: string): Scenario {
  const text = readFileSync(path, 'utf8');
  const parsed: unknown = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${path}: a scenario is an object`);
  return parsed as Scenario;
}

/** Expand `generate` into explicit hosts, flavors, images and instances (appended). */
export function expandGenerated(s: Scenario): Scenario {
  const g = s.generate;
  if (!g) return s;
  const segments = Math.max(1, g.segments ?? 1);
  const width = String(g.hosts).length;
  const hosts: ScenarioHost[] = [...(s.hosts ?? [])];
  const instances: ScenarioInstance[] = [...(s.instances ?? [])];
  const flavors: ScenarioFlavor[] = s.flavors?.length
    ? s.flavors
    : [
        { id: '1', name: 'ha.small', vcpus: 1, ram: 1024, disk: 10, extraSpecs: { evacuable: 'true' } },
        { id: '2', name: 'plain.small', vcpus: 1, ram: 1024, disk: 10 },
      ];
  const images: ScenarioImage[] = s.images?.length ? s.images : [{ name: 'cirros', tags: ['evacuable'] }];
  const tagged = flavors.find((f) => f.extraSpecs?.['evacuable'] === 'true') ?? flavors[0];
  const untagged = flavors.find((f) => f !== tagged) ?? tagged;
  const taggedFraction = g.taggedFraction ?? 0.8;
  const perSegmentSeen = new Map<number, number>();
  for (let h = 0; h < g.hosts; h++) {
    const seg = h % segments;
    const seen = perSegmentSeen.get(seg) ?? 0;
    perSegmentSeen.set(seg, seen + 1);
    const reserved = seen < (g.reservedPerSegment ?? 0);
    const name = `cmp-${String(h + 1).padStart(width, '0')}`;
    hosts.push({
      name,
      capacity: g.capacity ?? { vcpus: 128, ramMb: 262144, diskGb: 4000 },
      ...(segments > 1 || g.segments !== undefined ? { segment: `segment-${seg + 1}` } : {}),
      reserved,
    });
    if (reserved) continue;
    for (let i = 0; i < g.instancesPerHost; i++) {
      // Deterministic split between tagged and untagged flavors.
      const isTagged = (i + 1) / g.instancesPerHost <= taggedFraction;
      instances.push({
        name: `${name}-vm-${i + 1}`,
        host: name,
        flavor: (isTagged ? tagged : untagged)?.name ?? 'ha.small',
        image: images[0]?.name ?? null,
      });
    }
  }
  const { generate: _generated, ...rest } = s;
  return { ...rest, hosts, instances, flavors, images };
}
