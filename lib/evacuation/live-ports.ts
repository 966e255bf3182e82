/**
 * The real ports of a reconcile pass: Keystone + Nova (+ Glance for image tags) through
 * lib/openstack, the `evacuate` attribute through attrd_updater, node attributes and the
 * resume property through crm_attribute. Every call is capped and honours the deadline.
 */
import { hostname } from 'node:os';
import type { Cloud } from '../openstack/connect';
import { parseMicroversion } from '../openstack/microversion';
import { connectNova, type NovaClient } from '../openstack/nova';
import { queryAttributeAllNodes, updateAttribute } from '../pacemaker/attrd';
import { getClusterProperty, getNodeAttribute } from '../pacemaker/crm-attribute';
import { EVACUATE_ATTRIBUTE } from '../pacemaker/evacuate-attribute';
import type { Deadline } from '../runtime/deadline';
import { errorMessage } from '../runtime/errors';
import type { Log } from '../runtime/log';
import { RESUMED_AT_PROPERTY, type ClusterPort, type EvacuationPorts, type NovaPort } from './ports';

const TOOL_CALL_MS = 15_000;
const HTTP_CALL_MS = 30_000;

export interface LivePortOptions {
  readonly deadline: Deadline;
  readonly log: Log;
  /** no_shared_storage: sent to Nova below microversion 2.14 only (later ones detect it). */
  readonly sharedStorage: boolean;
  readonly thisNode?: string;
}

/** Hypervisor room (vCPUs, RAM used) is gone from os-hypervisors at 2.88: ask at 2.87. */
const ROOM_MICROVERSION = '2.87';

/** A second Nova client capped below 2.88, for room only; created on first use. */
function roomClient(nova: NovaClient, cloud: Cloud, options: LivePortOptions): () => Promise<NovaClient> {
  let client: Promise<NovaClient> | undefined;
  return () => {
    if (!nova.supports('2.88')) return Promise.resolve(nova);
    client ??= cloud.endpoint('compute').then((endpoint) =>
      connectNova({
        endpoint,
        deadline: options.deadline,
        tls: { insecure: cloud.spec.insecure, ...(cloud.spec.caBundle ? { caBundle: cloud.spec.caBundle } : {}) },
        auth: cloud.keystone,
        ceiling: parseMicroversion(ROOM_MICROVERSION),
        callTimeoutMs: HTTP_CALL_MS,
      }),
    );
    client.catch(() => {
      client = undefined;
    });
    return client;
  };
}

export function novaPort(nova: NovaClient, cloud: Cloud, options: LivePortOptions): NovaPort {
  const forRoom = roomClient(nova, cloud, options);
  return {
    listComputeServices: () => nova.listComputeServices(),
    listHypervisors: async () => (await forRoom()).listHypervisors(),
    listAggregates: () => nova.listAggregates(),
    listServersOnHost: (host) => nova.listServers({ host, allTenants: true }),
    getServer: (id) => nova.getServer(id),
    listEvacuationsFrom: (host) => nova.listMigrations({ sourceCompute: host, migrationType: 'evacuation' }),
    async listFlavorSpecs() {
      const flavors = await nova.listFlavors({ isPublic: 'none' });
      const out = [];
      for (const flavor of flavors) {
        // Embedded from 2.61; below that one extra-specs call per flavor.
        const extraSpecs = flavor.extraSpecs ?? (await nova.getFlavorExtraSpecs(flavor.id));
        out.push({ id: flavor.id, extraSpecs, vcpus: flavor.vcpus, ramMb: flavor.ram, diskGb: flavor.disk });
      }
      return out;
    },
    async listImageLabels() {
      let glance;
      try {
        glance = await cloud.glance();
      } catch (error) {
        // A cloud without an image service in the catalog: only flavor tags then.
        options.log.debug(`no image service: ${errorMessage(error)}`);
        return [];
      }
      const images = await glance.listImages();
      return images.map((image) => ({ id: image.id, tags: image.tags, properties: image.properties }));
    },
    async evacuate(id, target) {
      await nova.evacuate(id, { ...(target ? { host: target } : {}), onSharedStorage: options.sharedStorage });
    },
    async enableService(service) {
      await nova.enableService(service);
    },
  };
}

export function clusterPort(options: LivePortOptions): ClusterPort {
  const call = { deadline: options.deadline, capMs: TOOL_CALL_MS };
  return {
    readMarks: () => queryAttributeAllNodes(EVACUATE_ATTRIBUTE, call),
    writeMark: (host, value) => updateAttribute(EVACUATE_ATTRIBUTE, host, value, { ...call, private: true }),
    readNodeAttribute: (name, node) => getNodeAttribute(name, node, call),
    async readResumedAt() {
      const raw = await getClusterProperty(RESUMED_AT_PROPERTY, call);
      const seconds = raw === undefined ? Number.NaN : Number(raw.trim());
      return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
    },
  };
}

export async function livePorts(cloud: Cloud, options: LivePortOptions): Promise<EvacuationPorts> {
  const nova = await cloud.nova();
  return {
    nova: novaPort(nova, cloud, options),
    cluster: clusterPort(options),
    now: () => Date.now(),
    thisNode: options.thisNode ?? hostname(),
  };
}
