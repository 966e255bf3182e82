/**
 * fence_compute: tells Nova a compute node is fenced (force-down + disable) and marks it for
 * evacuation; unfences it once its evacuations are over. A drop-in for the classic agent:
 * same options, same stdin protocol, same `evacuate` attribute, fabric-fencing semantics.
 */
import { defineFenceAgent, main } from '../lib/fence';
import { fenceComputeOptions, RECORD_ONLY_DISABLED } from '../lib/fence-compute/options';

const agent = defineFenceAgent({
  name: 'fence_compute',
  shortdesc: 'Fence agent for the automatic resurrection of OpenStack compute instances',
  longdesc:
    'Used to tell Nova that compute nodes are down and to reschedule flagged instances. ' +
    'off forces the nova-compute service down, disables it with a reason saying when it was fenced, ' +
    'and marks the host for evacuation (attribute evacuate=yes), even when Nova already shows it down. ' +
    'on (unfencing) waits until the evacuations from the host are over, then clears force-down and ' +
    'enables the service (a reserved host stays disabled).',
  vendorUrl: '',
  version: '0.1.0',
  fabricFencing: true,
  list: true,
  alwaysSetPower: true,
  standardDefaults: { shell_timeout: 180 },
  options: fenceComputeOptions,
  inactive: (options) =>
    RECORD_ONLY_DISABLED.includes(options.record_only) ? `record_only=${options.record_only} disables fence_compute` : undefined,
  handlers: async () => {
    const [{ createFenceComputeHandlers }, { realPorts }] = await Promise.all([
      import('../lib/fence-compute/handlers'),
      import('../lib/fence-compute/connect'),
    ]);
    return createFenceComputeHandlers(realPorts);
  },
});

main(agent);
