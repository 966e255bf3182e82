/** Hand-made Nova records and host views for the CLI's pure functions. */
import type { HostView } from '../../../lib/evacuation/model';
import type { Server } from '../../../lib/openstack/nova-types';
import { computeService as service } from '../../helpers/nova-records';

export { service };

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
