/**
 * fence_compute's handlers. off: force the nova-compute service down, disable it with a
 * reason saying we fenced it and when, and mark the host for evacuation — every time, also
 * when Nova already shows it down and disabled (the classic agent returned early there and
 * the host was never evacuated). on: unfence.ts. status/list: the classic mapping.
 */
import { AgentError } from '../runtime/errors';
import type { FenceHandlers, PlugContext } from '../fence/agent';
import type { ComputeService } from '../openstack/nova-types';
import { authSpec } from './credentials';
import type { FenceComputeOptions } from './options';
import { resolvePlug, shortName } from './plug-name';
import type { ComputeApi, FenceComputeContext, FenceComputePorts } from './ports';
import { fencedReason, powerState } from './service-state';
import { unfence } from './unfence';

type Ctx = PlugContext<FenceComputeOptions>;

/** `domain`, or the deprecated `compute_domain` when domain is not set (no classic bug B5). */
export function configuredDomain(options: FenceComputeContext['options']): string | undefined {
  if (options.domain !== undefined) return options.domain;
  return options.compute_domain !== undefined && options.compute_domain !== '' ? options.compute_domain : undefined;
}

export function createFenceComputeHandlers(ports: FenceComputePorts): FenceHandlers<FenceComputeOptions> {
  let api: Promise<ComputeApi> | undefined;
  const hosts = new Map<string, Promise<string>>();
  const nova = (ctx: FenceComputeContext): Promise<ComputeApi> => (api ??= ports.connect(ctx));

  async function resolveHost(ctx: Ctx): Promise<string> {
    const services = await (await nova(ctx)).listComputeServices();
    const resolution = resolvePlug(ctx.plug, configuredDomain(ctx.options), services.map((s) => s.host));
    for (const note of resolution.notes) ctx.log[note.level](note.message);
    if (resolution.host !== ctx.plug) ctx.log.info(`fence target ${ctx.plug} is Nova compute host ${resolution.host}`);
    return resolution.host;
  }

  const novaHost = (ctx: Ctx): Promise<string> => {
    let host = hosts.get(ctx.plug);
    if (host === undefined) hosts.set(ctx.plug, (host = resolveHost(ctx)));
    return host;
  };

  async function serviceOf(ctx: Ctx): Promise<ComputeService> {
    const host = await novaHost(ctx);
    const service = (await (await nova(ctx)).listComputeServices(host)).find((s) => s.host === host);
    if (service === undefined) {
      throw new AgentError(
        'generic',
        `Nova has no nova-compute service on host '${host}' (fence target '${ctx.plug}'); check the node name, pcmk_host_map or domain=`,
      );
    }
    return service;
  }

  async function fence(ctx: Ctx): Promise<void> {
    const compute = await nova(ctx);
    const service = await serviceOf(ctx);
    const host = service.host;
    if (service.forcedDown) ctx.log.info(`${host} is already forced down in Nova`);
    else await compute.forceDown(service, true);
    const previous = service.status === 'disabled' ? service.disabledReason : null;
    await compute.disable(service, fencedReason(ports.now(), previous));
    await ports.marks(ctx).markNeeded(host);
    ctx.log.notice(`fenced ${host}: nova-compute forced down and disabled, host marked for evacuation (evacuate=yes)`);
  }

  return {
    async getStatus(ctx) {
      return powerState(await serviceOf(ctx));
    },

    async setPower(ctx, target) {
      if (target === 'off') {
        await fence(ctx);
        return 'poll'; // confirm down+disabled through Nova
      }
      const compute = await nova(ctx);
      const host = await novaHost(ctx);
      await unfence(ctx, {
        nova: compute,
        marks: ports.marks(ctx),
        host,
        service: () => serviceOf(ctx),
        pollMs: ports.pollMs,
        blockedGiveUpMs: ports.blockedGiveUpMs,
      });
      // A host back from fencing may be down until nova-compute reports in: no power polling.
      return 'confirmed';
    },

    async list(ctx) {
      const services = await (await nova(ctx)).listComputeServices();
      return services.map((service) => ({ id: service.host, alias: shortName(service.host), status: powerState(service) }));
    },

    async monitor(ctx) {
      // Keystone answers and Nova lists its compute services.
      await (await nova(ctx)).listComputeServices();
    },

    async validate(ctx) {
      authSpec(ctx);
    },
  };
}
