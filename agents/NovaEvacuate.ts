/**
 * ocf:openstack:NovaEvacuate — one active instance on a controller; its monitor evacuates the
 * hosts fence_compute marked in the `evacuate` attribute. A drop-in for the classic agent:
 * the same name, parameters (upstream and RHEL variants) and operation timeouts.
 *
 * For now it answers meta-data, validate-all and usage; start, stop and monitor arrive with the
 * reconcile loop and answer OCF_ERR_UNIMPLEMENTED (3) until then rather than pretend.
 */
import { credentialParameters } from '../lib/agents/credentials';
import { nonNegative, requireBinary, validateCredentials } from '../lib/agents/validate-credentials';
import { defineAgent, main, notImplemented } from '../lib/ocf';

const PENDING = 'evacuation is not part of this release yet';

// Not exported: importing an agent entry would run it; share pieces through lib/agents instead.
const novaEvacuate = defineAgent({
  name: 'NovaEvacuate',
  version: '1.0',
  shortdesc: 'Evacuate instances from failed compute nodes',
  longdesc: [
    'Runs on one controller and evacuates the instances of compute nodes that fence_compute marked in the',
    "'evacuate' node attribute, then marks them done. Credentials come from the parameters, a clouds.yaml",
    'cloud, a credentials file or an application credential.',
    'This release implements meta-data, validate-all and usage only: start, stop and monitor exit 3',
    '(unimplemented).',
  ].join('\n'),
  parameters: {
    ...credentialParameters,
    no_shared_storage: {
      type: 'boolean',
      default: false,
      shortdesc: 'Instances are not on shared storage',
      longdesc: 'Set when instance disks are local to the compute nodes, so an evacuation rebuilds them from their image.',
    },
    verbose: {
      type: 'boolean',
      default: false,
      shortdesc: 'Verbose logging',
      longdesc: 'Log each step of an evacuation at info level (debug output needs HA_debug).',
    },
    evacuate_delay: {
      type: 'integer',
      default: 0,
      shortdesc: 'Delay before evacuating (s)',
      longdesc: 'Seconds to wait, after a host is marked for evacuation, before its instances are evacuated.',
    },
  },
  actions: {
    start: { timeout: 20, handler: notImplemented(PENDING) },
    stop: { timeout: 20, handler: notImplemented(PENDING) },
    monitor: { timeout: 600, interval: 10, depth: 0, handler: notImplemented(PENDING) },
    'validate-all': {
      timeout: 20,
      handler: async ({ params, env }) => {
        validateCredentials(params);
        nonNegative('evacuate_delay', params.evacuate_delay);
        requireBinary('attrd_updater', env, 'install pacemaker-cli-utils');
        return 'success';
      },
    },
    'meta-data': { timeout: 5 },
  },
});

main(novaEvacuate);
