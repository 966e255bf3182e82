/** Hand-made Nova records and host views for the CLI's pure functions. */
import type { HostView } from '../../../lib/evacuation/model';
import type { ComputeService, Server } from '../../../lib/openstack/nova-types';

export function service(host: string, overrides: Partial<ComputeService> = {}): ComputeService {
  return {
    id: `id-${host}`,
    host,
    binary: 'nova-compute',
    zone: 'nova',
    status: 'enabled',
    state: 'up',
    forcedDown: false,
    disabledReason: null,
    updatedAt: null,
    ...overrides,
  };
}

export function hostView(name: string, overrides: Partial<HostView> = {}): HostView {
  return {
    name,
    service: service(name),
    mark: { kind: 'never' },
    fencedAt: undefined,
    segment: 'default',
    reserved: false,
    free: { vcpus: 8, ramMb: 8192, diskGb: 100 },
    aggregates: [],
    ...overrides,
  };
}

export function server(id: string, host: string, overrides: Partial<Server> = {}): Server {
  return {
    id,
    name: `vm-${id}`,
    status: 'ACTIVE',
    host,
    hypervisorHostname: host,
    vmState: 'active',
    taskState: null,
    powerState: 1,
    projectId: 'p1',
    userId: 'u1',
    flavor: { id: null, originalName: 'm1', vcpus: 2, ram: 2048, disk: 10, extraSpecs: { evacuable: 'true' } },
    imageId: 'img',
    metadata: {},
    tags: [],
    locked: false,
    created: null,
    updated: null,
    ...overrides,
  };
}
