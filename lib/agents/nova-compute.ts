/**
 * One declaration for ocf:openstack:NovaCompute and ocf:openstack:nova-compute-wait: the classic
 * pair's parameters and timeouts plus ours. The mode decides whether start runs nova-compute
 * itself (NovaCompute) or only waits for this host's evacuations before a separate
 * nova-compute resource starts (nova-compute-wait). The handlers are loaded on first use so
 * that meta-data stays fast.
 */
import { defineAgent } from '../ocf';
import { novaComputeDeclaration } from './nova-compute-params';

export type NovaComputeMode = 'NovaCompute' | 'nova-compute-wait';

const DESCRIPTIONS: Record<NovaComputeMode, { shortdesc: string; role: string }> = {
  NovaCompute: {
    shortdesc: 'Run nova-compute once evacuations of this host are over',
    role: [
      'Starts nova-compute on this compute node (its systemd unit, or the command as the nova user) only when no',
      'evacuation of the node is pending (evacuate attribute) or in flight (Nova migration records), then unfences',
      'it in Nova and clears the attribute. The monitor checks that nova-compute runs (restarting it in place within',
      'limits); OCF_CHECK_LEVEL=10 adds the Nova view of the service and libvirt; 20 restarts crashed protected instances.',
    ].join('\n'),
  },
  'nova-compute-wait': {
    shortdesc: 'Wait for evacuations of this host before nova-compute starts',
    role: [
      'Holds back nova-compute (a separate resource ordered after this one) until no evacuation of this node is',
      'pending (evacuate attribute) or in flight (Nova migration records); the monitor unfences the node once',
      'nova-compute reports in. OCF_CHECK_LEVEL=10 adds the Nova view of the service and libvirt; 20 restarts crashed',
      'protected instances.',
    ].join('\n'),
  },
};

const start = () => import('./nova-compute-start');
const monitor = () => import('./nova-compute-monitor');

export function defineNovaComputeAgent(mode: NovaComputeMode) {
  const { shortdesc, role } = DESCRIPTIONS[mode];
  return defineAgent({
    name: mode,
    version: '1.0',
    shortdesc,
    longdesc: [
      role,
      'Credentials come from the parameters, a clouds.yaml cloud, a credentials file or an application credential.',
    ].join('\n'),
    parameters: novaComputeDeclaration,
    actions: {
      start: { timeout: 600, handler: async (ctx) => (await start()).start(ctx, mode) },
      stop: { timeout: 300, handler: async (ctx) => (await start()).stop(ctx, mode) },
      monitor: { timeout: 20, interval: 10, depth: 0, handler: async (ctx) => (await monitor()).monitor(ctx, mode) },
      'validate-all': {
        timeout: 20,
        handler: async (ctx) => {
          const { computeSettings } = await import('./nova-compute-setup');
          computeSettings(ctx, mode);
          return 'success';
        },
      },
      'meta-data': { timeout: 5 },
    },
  });
}
