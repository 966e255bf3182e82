/** ocf:openstack:nova-compute-wait — see lib/agents/nova-compute.ts (shared with NovaCompute). */
import { defineNovaComputeAgent } from '../lib/agents/nova-compute';
import { main } from '../lib/ocf';

main(defineNovaComputeAgent('nova-compute-wait'));
