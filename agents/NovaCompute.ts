/** ocf:openstack:NovaCompute — see lib/agents/nova-compute.ts (shared with nova-compute-wait). */
import { defineNovaComputeAgent } from '../lib/agents/nova-compute';
import { main } from '../lib/ocf';

main(defineNovaComputeAgent('NovaCompute'));
