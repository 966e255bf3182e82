/**
 * One declaration for ocf:openstack:NovaCompute and ocf:openstack:nova-compute-wait: the same
 * parameters and timeouts as the classic pair. The mode decides whether start runs nova-compute
 * itself (NovaCompute) or only waits for this host's evacuations (nova-compute-wait).
 *
 * For now both answer meta-data, validate-all and usage; start, stop and monitor exit 3
 * (unimplemented) until the compute-side issue completes them.
 */
import { defineAgent, notImplemented } from '../ocf';
import { credentialParameters } from './credentials';
import { nonNegative, requireBinary, validateCredentials } from './validate-credentials';

export type NovaComputeMode = 'NovaCompute' | 'nova-compute-wait';

const DESCRIPTIONS: Record<NovaComputeMode, { shortdesc: string; role: string }> = {
  NovaCompute: {
    shortdesc: 'Run nova-compute once evacuations of this host are over',
    role: 'Starts nova-compute on this compute node only when no evacuation of the node is pending or in flight, then unfences it.',
  },
  'nova-compute-wait': {
    shortdesc: 'Wait for evacuations of this host before nova-compute starts',
    role: 'Holds back nova-compute (a separate resource ordered after this one) until no evacuation of this node is pending or in flight, then unfences it.',
  },
};

const PENDING = 'the compute-side behaviour is not part of this release yet';

export function defineNovaComputeAgent(mode: NovaComputeMode) {
  const { shortdesc, role } = DESCRIPTIONS[mode];
  return defineAgent({
    name: mode,
    version: '1.0',
    shortdesc,
    longdesc: [
      role,
      'Credentials come from the parameters, a clouds.yaml cloud, a credentials file or an application credential.',
      'This release implements meta-data, validate-all and usage only: start, stop and monitor exit 3 (unimplemented).',
    ].join('\n'),
    parameters: {
      ...credentialParameters,
      no_shared_storage: {
        type: 'boolean',
        default: false,
        shortdesc: 'Instances are not on shared storage',
        longdesc: 'Set when instance disks are local to the compute nodes.',
      },
      evacuation_delay: {
        type: 'integer',
        default: 120,
        shortdesc: 'Delay after evacuations (s)',
        longdesc: "Seconds to wait after this node's evacuations completed before nova-compute may start.",
      },
    },
    actions: {
      start: { timeout: 600, handler: notImplemented(PENDING) },
      stop: { timeout: 300, handler: notImplemented(PENDING) },
      monitor: { timeout: 20, interval: 10, depth: 0, handler: notImplemented(PENDING) },
      'validate-all': {
        timeout: 20,
        handler: async ({ params, env }) => {
          validateCredentials(params);
          nonNegative('evacuation_delay', params.evacuation_delay);
          requireBinary('attrd_updater', env, 'install pacemaker-cli-utils');
          return 'success';
        },
      },
      'meta-data': { timeout: 5 },
    },
  });
}
