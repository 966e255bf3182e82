/**
 * The real ports: Keystone + Nova through lib/openstack, the `evacuate` attribute through
 * attrd_updater (lib/pacemaker). Each HTTP call is capped by shell_timeout (at most 30 s)
 * and the action's deadline; each attrd_updater call by the deadline.
 */
import { connect } from '../openstack/connect';
import { queryAttribute, updateAttribute } from '../pacemaker/attrd';
import { EVACUATE_ATTRIBUTE, EVACUATE_NEEDED } from '../pacemaker/evacuate-attribute';
import { authSpec } from './credentials';
import type { ComputeApi, EvacuationMarks, FenceComputeContext, FenceComputePorts } from './ports';

const MAX_CALL_MS = 30_000;
const ATTRD_CALL_MS = 15_000;

/** The OCF agents' state directory, so fence_compute and NovaEvacuate share the token cache. */
function stateDir(env: NodeJS.ProcessEnv): string {
  return env.HA_RSCTMP || '/run/resource-agents';
}

async function connectNova(ctx: FenceComputeContext): Promise<ComputeApi> {
  const cloud = await connect(authSpec(ctx), {
    deadline: ctx.deadline,
    stateDir: stateDir(process.env),
    callTimeoutMs: Math.min(ctx.timeouts.shellMs, MAX_CALL_MS),
  });
  const nova = await cloud.nova();
  ctx.log.debug(`connected to Nova, microversion ${nova.microversionText}`);
  return {
    listComputeServices: (host) => nova.listComputeServices(host === undefined ? {} : { host }),
    forceDown: async (service, forcedDown) => {
      await nova.forceDown(service, forcedDown);
    },
    disable: async (service, reason) => {
      await nova.disableService(service, reason);
    },
    enable: async (service) => {
      await nova.enableService(service);
    },
    listEvacuations: (host) => nova.listMigrations({ sourceCompute: host, migrationType: 'evacuation' }),
    hasServers: async (host) => (await nova.listServers({ host, allTenants: true })).length > 0,
  };
}

function attrdMarks(ctx: FenceComputeContext): EvacuationMarks {
  const options = { deadline: ctx.deadline, capMs: ATTRD_CALL_MS };
  return {
    read: (host) => queryAttribute(EVACUATE_ATTRIBUTE, host, options),
    markNeeded: (host) => updateAttribute(EVACUATE_ATTRIBUTE, host, EVACUATE_NEEDED, { ...options, private: true }),
  };
}

export const realPorts: FenceComputePorts = {
  connect: connectNova,
  marks: attrdMarks,
  now: () => new Date(),
  pollMs: 2_000,
  // Long enough for a nova-compute that is starting to report in and clean up (a few polls).
  blockedGiveUpMs: 10_000,
};
