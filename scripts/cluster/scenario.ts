/**
 * The simulated cloud behind the lab cluster: Nova hosts compute1..N (nova-compute stopped
 * until NovaCompute starts it) plus compute-spare, a reserved Nova host outside the cluster. Each compute carries three protected
 * instances (evacuable flavor) and one unprotected one.
 */
import type { Scenario } from '../../test/sim/scenario';
import { computeNames } from './cib';

export const SPARE_HOST = 'compute-spare';
export const PROTECTED_PER_COMPUTE = 3;

export function clusterScenario(computes: number, password: string): Scenario {
  const capacity = { vcpus: 64, ramMb: 65536, diskGb: 1000 };
  const names = computeNames(computes);
  return {
    name: `cluster-${computes}`,
    seed: 5,
    region: 'RegionOne',
    timing: {
      timeScale: 1,
      serviceDownTimeSec: 3,
      schedulingSec: 0.2,
      reviveCleanupSec: 1,
      rebuildSec: { dist: 'uniform', min: 0.5, max: 1.5 },
    },
    auth: { users: [{ name: 'admin', password, project: 'admin', domain: 'Default' }] },
    flavors: [
      { id: '1', name: 'ha.small', vcpus: 1, ram: 512, disk: 1, extraSpecs: { evacuable: 'true' } },
      { id: '2', name: 'plain.small', vcpus: 1, ram: 512, disk: 1 },
    ],
    hosts: [
      ...names.map((name) => ({ name, capacity, compute: false })),
      // Reserved (disabled in Nova): used by the reserved_host recovery method only, so with the
      // default method every compute's instances land on the other computes, and a later
      // drill on that compute still finds protected instances to move.
      { name: SPARE_HOST, capacity, reserved: true },
    ],
    instances: names.flatMap((host) => [
      ...Array.from({ length: PROTECTED_PER_COMPUTE }, (_, i) => ({ name: `${host}-ha-${i + 1}`, host, flavor: 'ha.small' })),
      { name: `${host}-plain-1`, host, flavor: 'plain.small' },
    ]),
  } as Scenario;
}
