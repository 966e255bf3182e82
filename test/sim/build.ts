/**
 * Turn a scenario into a populated Cloud: defaults for every knob, deterministic ids from
 * the seed, the services, aggregates (segments are aggregates too), flavors, images,
 * projects, users and instances with their resources claimed.
 */
import { Cloud } from './cloud';
import { expandGenerated, type Scenario } from './scenario';
import type { Host, Instance, Timing, NovaConfig, Flavor } from './model';

export const DEFAULT_TIMING: Timing = {
  timeScale: 1,
  serviceDownTimeSec: 3,
  rebuildSec: { dist: 'uniform', min: 1, max: 3 },
  schedulingSec: 0.2,
  finishEvacuationSec: 0.2,
  reviveCleanupSec: 2,
  apiLatencyMs: 0,
  tokenTtlSec: 3600,
};

export const DEFAULT_NOVA: NovaConfig = {
  minVersion: '2.1',
  maxVersion: '2.93',
  maxLimit: 1000,
  enableInstancePassword: true,
};

export interface BuildOverrides {
  timing?: Partial<Timing>;
  nova?: Partial<NovaConfig>;
  seed?: number;
  sharedStorage?: boolean;
}

const DOMAIN_ID = 'default';
const DOMAIN_NAME = 'Default';

export function buildCloud(input: Scenario, overrides: BuildOverrides = {}): Cloud {
  const s = expandGenerated(input);
  const timing: Timing = { ...DEFAULT_TIMING, ...(s.timing ?? {}), ...(overrides.timing ?? {}) } as Timing;
  const nova: NovaConfig = { ...DEFAULT_NOVA, ...(s.nova ?? {}), ...(overrides.nova ?? {}) } as NovaConfig;
  const cloud = new Cloud({
    seed: overrides.seed ?? s.seed ?? 42,
    region: s.region ?? 'RegionOne',
    timing,
    nova,
    sharedStorage: overrides.sharedStorage ?? false,
  });
  const now = cloud.now();

  // Projects and users: "admin" always exists.
  const projectNames = new Set<string>(['admin', ...(s.auth?.projects ?? [])]);
  for (const u of s.auth?.users ?? []) projectNames.add(u.project ?? 'admin');
  for (const i of s.instances ?? []) if (i.project) projectNames.add(i.project);
  for (const name of projectNames) {
    cloud.projects.push({ id: cloud.rng.uuid().replace(/-/g, ''), name, domainId: DOMAIN_ID, domainName: DOMAIN_NAME });
  }
  const projectId = (name: string): string => cloud.projects.find((p) => p.name === name)?.id ?? '';
  const users = s.auth?.users?.length ? s.auth.users : [{ name: 'admin', password: 'admin', project: 'admin' }];
  for (const u of users) {
    cloud.users.push({
      id: cloud.rng.uuid().replace(/-/g, ''),
      name: u.name,
      password: u.password,
      domainId: DOMAIN_ID,
      domainName: DOMAIN_NAME,
      projectId: projectId(u.project ?? 'admin'),
    });
  }
  for (const ac of s.auth?.applicationCredentials ?? []) {
    const user = cloud.users.find((u) => u.name === ac.user);
    if (!user) throw new Error(`application credential ${ac.name}: unknown user ${ac.user}`);
    cloud.appCredentials.push({ id: ac.id ?? cloud.rng.uuid().replace(/-/g, ''), name: ac.name, secret: ac.secret, userId: user.id, projectId: user.projectId });
  }
  const adminUser = cloud.users[0]!;

  // Flavors and images.
  let flavorNo = 1;
  for (const f of s.flavors ?? []) {
    const flavor: Flavor = {
      id: f.id ?? String(flavorNo),
      name: f.name,
      vcpus: f.vcpus ?? 1,
      ram: f.ram ?? 512,
      disk: f.disk ?? 1,
      ephemeral: 0,
      swap: 0,
      isPublic: f.public ?? true,
      extraSpecs: { ...(f.extraSpecs ?? {}) },
      description: null,
    };
    flavorNo++;
    cloud.flavors.set(flavor.id, flavor);
  }
  for (const im of s.images ?? []) {
    const id = im.id ?? cloud.rng.uuid();
    cloud.images.set(id, {
      id,
      name: im.name,
      tags: [...(im.tags ?? [])],
      properties: { ...(im.properties ?? {}) },
      visibility: im.visibility ?? 'public',
      ownerProjectId: projectId('admin'),
      createdAt: now,
    });
  }

  // Hosts, services, aggregates.
  let serviceNo = 1;
  for (const h of s.hosts ?? []) {
    if (cloud.hosts.has(h.name)) throw new Error(`host ${h.name} defined twice`);
    const host: Host = {
      name: h.name,
      capacity: { vcpus: h.capacity?.vcpus ?? 64, ramMb: h.capacity?.ramMb ?? 131072, diskGb: h.capacity?.diskGb ?? 2000 },
      used: { vcpus: 0, ramMb: 0, diskGb: 0 },
      alive: true,
      computeRunning: h.compute ?? true,
      // A host that starts without nova-compute last heartbeated long ago: down at once.
      heartbeatStoppedAt: h.compute === false ? cloud.now() - cloud.realMs(cloud.timing.serviceDownTimeSec) - 1 : null,
      epoch: 0,
      powerLost: false,
      guestsForgotten: false,
      computeHung: false,
      segment: h.segment ?? null,
      reserved: h.reserved ?? false,
      maxConcurrentBuilds: h.maxConcurrentBuilds ?? 10,
      activeBuilds: 0,
      buildQueue: [],
      availabilityZone: h.availabilityZone ?? 'nova',
    };
    cloud.hosts.set(host.name, host);
    // A reserved host is kept disabled until instance HA needs it.
    const disabled = h.disabled ?? host.reserved;
    cloud.services.set(host.name, {
      intId: serviceNo++,
      uuid: cloud.rng.uuid(),
      host: host.name,
      binary: 'nova-compute',
      disabled,
      disabledReason: disabled ? (h.disabledReason ?? (host.reserved ? 'reserved host for instance HA' : null)) : null,
      forcedDown: false,
      updatedAt: now,
    });
    const memberships = [...(h.aggregates ?? []), ...(host.segment ? [host.segment] : [])];
    for (const name of memberships) aggregate(cloud, name, now).hosts.push(host.name);
  }
  for (const a of s.aggregates ?? []) {
    const agg = aggregate(cloud, a.name, now);
    for (const hn of a.hosts ?? []) if (!agg.hosts.includes(hn)) agg.hosts.push(hn);
    Object.assign(agg.metadata, a.metadata ?? {});
    if (a.availabilityZone) {
      agg.availabilityZone = a.availabilityZone;
      agg.metadata['availability_zone'] = a.availabilityZone;
    }
  }
  for (const agg of cloud.aggregates) {
    if (cloud.hosts.size && agg.hosts.some((h) => !cloud.hosts.has(h))) throw new Error(`aggregate ${agg.name}: unknown host`);
  }

  // Instances.
  const flavorBy = (ref: string): Flavor | undefined =>
    cloud.flavors.get(ref) ?? [...cloud.flavors.values()].find((f) => f.name === ref);
  let n = 1;
  for (const i of s.instances ?? []) {
    const host = cloud.hosts.get(i.host);
    if (!host) throw new Error(`instance ${i.name ?? n}: unknown host ${i.host}`);
    const flavor = flavorBy(i.flavor);
    if (!flavor) throw new Error(`instance ${i.name ?? n}: unknown flavor ${i.flavor}`);
    let imageId: string | null = null;
    if (i.image) {
      const image = cloud.images.get(i.image) ?? [...cloud.images.values()].find((im) => im.name === i.image);
      if (!image) throw new Error(`instance ${i.name ?? n}: unknown image ${i.image}`);
      imageId = image.id;
    }
    const state = i.state ?? 'ACTIVE';
    const vmState = state === 'ACTIVE' ? 'active' : state === 'SHUTOFF' ? 'stopped' : 'error';
    const created = now - 3_600_000 + n;
    const inst: Instance = {
      id: i.id ?? cloud.rng.uuid(),
      name: i.name ?? `vm-${n}`,
      seq: cloud.nextSequence(),
      host: host.name,
      projectId: projectId(i.project ?? 'admin'),
      userId: adminUser.id,
      flavorId: flavor.id,
      imageId,
      vmState,
      taskState: null,
      powerState: vmState === 'active' ? 1 : 4,
      metadata: { ...(i.metadata ?? {}) },
      createdAt: created,
      updatedAt: created,
      launchedAt: created,
      actions: [],
      evacuation: null,
      fault: vmState === 'error' ? { code: 500, message: 'Scenario: instance created in ERROR', created } : null,
    };
    inst.actions.push({ action: 'create', requestId: cloud.requestId(), userId: inst.userId, projectId: inst.projectId, startTime: created, updatedAt: created, message: null });
    if (vmState === 'stopped') {
      inst.actions.push({ action: 'stop', requestId: cloud.requestId(), userId: inst.userId, projectId: inst.projectId, startTime: created + 1, updatedAt: created + 1, message: null });
    }
    cloud.claim(host, flavor, 1);
    cloud.addInstance(inst);
    n++;
  }
  return cloud;
}

function aggregate(cloud: Cloud, name: string, now: number) {
  let agg = cloud.aggregates.find((a) => a.name === name);
  if (!agg) {
    agg = { id: cloud.aggregates.length + 1, uuid: cloud.rng.uuid(), name, availabilityZone: null, hosts: [], metadata: {}, createdAt: now };
    cloud.aggregates.push(agg);
  }
  return agg;
}

