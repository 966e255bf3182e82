/**
 * ocf:openstack:NovaEvacuate — one active instance on a controller; its monitor evacuates the
 * hosts fence_compute marked in the `evacuate` attribute. A drop-in for the classic agent:
 * the same name, parameters (upstream and RHEL variants) and operation timeouts. Its monitor
 * is a bounded reconcile loop (lib/evacuation); the handlers are loaded on first use so that
 * meta-data stays fast.
 */
import { credentialParameters } from '../lib/agents/credentials';
import { novaEvacuateParameters } from '../lib/agents/nova-evacuate-params';
import { isStarted, removeStateFile } from '../lib/agents/nova-evacuate-state';
import { defineAgent, main } from '../lib/ocf';

const handlers = () => import('../lib/agents/nova-evacuate');

// Not exported: importing an agent entry would run it; share pieces through lib/agents instead.
const novaEvacuate = defineAgent({
  name: 'NovaEvacuate',
  version: '1.0',
  shortdesc: 'Evacuate instances from failed compute nodes',
  longdesc: [
    'Runs on one controller and evacuates the instances of compute nodes that fence_compute marked in the',
    "'evacuate' node attribute (or that Nova shows fenced by fence_compute), then marks them done.",
    'Each monitor is a bounded reconcile loop: it re-reads the attributes and Nova every pass_interval',
    'seconds, evacuates protected instances in parallel under the concurrency limits, tracks each one to',
    'its new host, retries failures with backoff, and returns before the operation timeout. It never',
    'evacuates a host Nova does not see forced down or down, and never evacuates an instance twice.',
    'Credentials come from the parameters, a clouds.yaml cloud, a credentials file or an application credential.',
  ].join('\n'),
  parameters: {
    ...credentialParameters,
    ...novaEvacuateParameters,
  },
  actions: {
    start: { timeout: 20, handler: async (ctx) => (await handlers()).start(ctx) },
    stop: {
      timeout: 20,
      handler: async (ctx) => {
        await removeStateFile(ctx);
        return 'success';
      },
    },
    monitor: {
      timeout: 600,
      interval: 10,
      depth: 0,
      // Stopped → 7; a probe of a started one → 0 without touching Nova; else the reconcile loop.
      handler: async (ctx) => {
        if (!isStarted(ctx)) return 'not-running';
        if (ctx.isProbe) return 'success';
        return (await handlers()).monitor(ctx);
      },
    },
    'validate-all': {
      timeout: 20,
      handler: async (ctx) => {
        (await handlers()).validate(ctx);
        return 'success';
      },
    },
    'meta-data': { timeout: 5 },
  },
});

main(novaEvacuate);
