/**
 * Nova: version documents, os-services (legacy per-action PUTs before 2.53, by UUID from
 * 2.53, `forced_down` from 2.11) with Nova's validation and errors, and os-hypervisors.
 */
import type { Cloud } from './cloud';
import { SimHttpError } from './errors';
import { atLeast, type Version } from './microversion';
import type { Service } from './model';
import { novaTime, objectField, ok, route, type RequestContext, type Route } from './router';

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function novaVersionEntry(cloud: Cloud, base: string) {
  return {
    id: 'v2.1',
    status: 'CURRENT',
    version: cloud.config.nova.maxVersion,
    min_version: cloud.config.nova.minVersion,
    updated: '2013-07-23T11:33:21Z',
    links: [{ rel: 'self', href: `${base}/v2.1/` }],
  };
}

export function serviceView(cloud: Cloud, svc: Service, v: Version) {
  const host = cloud.hosts.get(svc.host);
  return {
    id: atLeast(v, '2.53') ? svc.uuid : svc.intId,
    binary: svc.binary,
    disabled_reason: svc.disabledReason,
    host: svc.host,
    state: cloud.serviceIsUp(svc) ? 'up' : 'down',
    status: svc.disabled ? 'disabled' : 'enabled',
    updated_at: novaTime(cloud.serviceUpdatedAt(svc)),
    zone: host?.availabilityZone ?? 'nova',
    ...(atLeast(v, '2.11') ? { forced_down: svc.forcedDown } : {}),
  };
}

/** Nova refuses to un-force a host while `done` evacuations from it remain. */
function assertNoDoneEvacuations(cloud: Cloud, host: string): void {
  if (cloud.migrations.some((m) => m.sourceCompute === host && m.status === 'done')) {
    throw new SimHttpError(
      400,
      `Unable to force up host ${host} as \`done\` evacuation migration records remain associated with the host. ` +
        'Ensure the compute service has been restarted, allowing these records to move to `completed` before retrying this request.',
    );
  }
}

function boolField(value: unknown, field: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false|yes|no|on|off|1|0|t|f|y|n)$/i.test(value)) return /^(true|yes|on|1|t|y)$/i.test(value);
  throw new SimHttpError(400, `Invalid input for field/attribute ${field}. Value: ${String(value)}. ${JSON.stringify(value)} is not of type 'boolean'`);
}

function requireStrings(body: Record<string, unknown>, keys: string[]): void {
  for (const k of keys) {
    if (!(k in body)) throw new SimHttpError(400, `Invalid input for field/attribute service. Value: ${JSON.stringify(body)}. '${k}' is a required property`);
    if (typeof body[k] !== 'string' || (body[k] as string).length === 0 || (body[k] as string).length > 255) {
      throw new SimHttpError(400, `Invalid input for field/attribute ${k}. Value: ${JSON.stringify(body[k])}.`);
    }
  }
}

function legacyAction(cloud: Cloud, ctx: RequestContext, action: string) {
  const body = (typeof ctx.body === 'object' && ctx.body !== null ? ctx.body : {}) as Record<string, unknown>;
  // The body schema is checked before the action is looked up, as Nova's decorators do.
  const allowed = ['host', 'binary', 'disabled_reason', ...(atLeast(ctx.version, '2.11') ? ['forced_down'] : [])];
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k)) throw new SimHttpError(400, `Invalid input for field/attribute service. Additional properties are not allowed ('${k}' was unexpected)`);
  }
  requireStrings(body, ['host', 'binary']);
  const known = ['enable', 'disable', 'disable-log-reason', ...(atLeast(ctx.version, '2.11') ? ['force-down'] : [])];
  if (!known.includes(action)) throw new SimHttpError(404, 'Unknown action');
  const host = body['host'] as string;
  const binary = body['binary'] as string;
  if (action === 'disable-log-reason' && body['disabled_reason'] === undefined) throw new SimHttpError(400, 'Missing disabled reason field');
  if (action === 'force-down' && body['forced_down'] === undefined) throw new SimHttpError(400, 'Missing forced_down field');
  if (action === 'force-down' && binary === 'nova-compute' && !boolField(body['forced_down'], 'forced_down')) {
    assertNoDoneEvacuations(cloud, host);
  }
  if (binary !== 'nova-compute') {
    throw new SimHttpError(400, `Updating a ${binary} service is not supported. Only nova-compute services can be updated.`);
  }
  const svc = cloud.services.get(host);
  if (!svc) throw new SimHttpError(404, `Could not find binary ${binary} on host ${host}.`);
  switch (action) {
    case 'enable':
      svc.disabled = false;
      svc.disabledReason = null;
      return ok({ service: { host, binary, status: 'enabled' } });
    case 'disable':
      svc.disabled = true;
      svc.disabledReason = null;
      return ok({ service: { host, binary, status: 'disabled' } });
    case 'disable-log-reason': {
      const reason = body['disabled_reason'];
      if (typeof reason !== 'string' || reason.length === 0 || reason.length > 255) {
        throw new SimHttpError(400, `Invalid input for field/attribute disabled_reason. Value: ${JSON.stringify(reason)}.`);
      }
      svc.disabled = true;
      svc.disabledReason = reason;
      return ok({ service: { host, binary, status: 'disabled', disabled_reason: reason } });
    }
    default: {
      const forced = boolField(body['forced_down'], 'forced_down');
      svc.forcedDown = forced;
      return ok({ service: { host, binary, forced_down: forced } });
    }
  }
}

function updateByUuid(cloud: Cloud, ctx: RequestContext, id: string) {
  if (!UUID_RE.test(id)) throw new SimHttpError(400, `Invalid uuid ${id}`);
  const svc = [...cloud.services.values()].find((s) => s.uuid === id);
  if (!svc) throw new SimHttpError(404, `Service ${id} could not be found.`);
  const body = (typeof ctx.body === 'object' && ctx.body !== null ? ctx.body : {}) as Record<string, unknown>;
  const allowed = ['status', 'disabled_reason', 'forced_down'];
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k)) throw new SimHttpError(400, `Invalid input for field/attribute service_update. Additional properties are not allowed ('${k}' was unexpected)`);
  }
  const status = body['status'];
  if (status !== undefined && status !== 'enabled' && status !== 'disabled') {
    throw new SimHttpError(400, `Invalid input for field/attribute status. Value: ${String(status)}. '${String(status)}' is not one of ['enabled', 'disabled']`);
  }
  const reason = body['disabled_reason'];
  if (reason !== undefined) {
    if (typeof reason !== 'string' || reason.length === 0 || reason.length > 255) throw new SimHttpError(400, 'Invalid input for field/attribute disabled_reason.');
    if (status === 'enabled') throw new SimHttpError(400, "Specifying 'disabled_reason' with status 'enabled' is invalid.");
  }
  if (status === undefined && !('forced_down' in body)) {
    throw new SimHttpError(400, "No updates were requested. Fields 'status' or 'forced_down' should be specified.");
  }
  let forced: boolean | undefined;
  if ('forced_down' in body) {
    forced = boolField(body['forced_down'], 'forced_down');
    if (!forced) assertNoDoneEvacuations(cloud, svc.host);
  }
  if (status === 'enabled') {
    svc.disabled = false;
    svc.disabledReason = null;
  } else if (status === 'disabled') {
    svc.disabled = true;
    svc.disabledReason = typeof reason === 'string' ? reason : null;
  }
  if (forced !== undefined) svc.forcedDown = forced;
  return ok({ service: serviceView(cloud, svc, ctx.version) });
}

export function novaServiceRoutes(cloud: Cloud): Route[] {
  return [
    route('nova', 'GET', '', (ctx) => ({
      status: 200,
      body: {
        versions: [
          { id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z', links: [{ rel: 'self', href: `${ctx.base}/v2/` }] },
          novaVersionEntry(cloud, ctx.base),
        ],
      },
    }), false),
    route('nova', 'GET', '/v2.1', (ctx) => ok({
      version: {
        ...novaVersionEntry(cloud, ctx.base),
        'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
      },
    }), false),
    route('nova', 'GET', '/v2.1/os-services', (ctx) => {
      const host = ctx.query.get('host');
      const binary = ctx.query.get('binary');
      let list = host !== null ? [cloud.services.get(host)].filter((s): s is Service => s !== undefined) : [...cloud.services.values()];
      if (binary !== null) list = list.filter((s) => s.binary === binary);
      return ok({ services: list.map((s) => serviceView(cloud, s, ctx.version)) });
    }),
    // The legacy per-action URLs get their own templates so call counts read like Nova's log.
    ...['enable', 'disable', 'disable-log-reason', 'force-down'].map((action) =>
      route('nova', 'PUT', `/v2.1/os-services/${action}`, (ctx) =>
        atLeast(ctx.version, '2.53') ? updateByUuid(cloud, ctx, action) : legacyAction(cloud, ctx, action),
      ),
    ),
    route('nova', 'PUT', '/v2.1/os-services/{service_id}', (ctx) => {
      const id = ctx.params['service_id'] ?? '';
      return atLeast(ctx.version, '2.53') ? updateByUuid(cloud, ctx, id) : legacyAction(cloud, ctx, id);
    }),
    route('nova', 'GET', '/v2.1/os-hypervisors', (ctx) => ok({ hypervisors: hypervisors(cloud, ctx, false) })),
    route('nova', 'GET', '/v2.1/os-hypervisors/detail', (ctx) => ok({ hypervisors: hypervisors(cloud, ctx, true) })),
  ];
}

function hypervisors(cloud: Cloud, ctx: RequestContext, detail: boolean) {
  const v = ctx.version;
  // From 2.53 `hypervisor_hostname_pattern` filters by substring, as Nova's DB query does.
  const pattern = atLeast(v, '2.53') ? ctx.query.get('hypervisor_hostname_pattern') : null;
  const services = [...cloud.services.values()].filter((s) => pattern === null || s.host.includes(pattern));
  if (pattern !== null && services.length === 0) throw new SimHttpError(404, `No hypervisor matching '${pattern}' could be found.`);
  return services.map((svc) => {
    const host = cloud.hosts.get(svc.host)!;
    const base = {
      id: atLeast(v, '2.53') ? svc.uuid : svc.intId,
      hypervisor_hostname: svc.host,
      state: cloud.serviceIsUp(svc) ? 'up' : 'down',
      status: svc.disabled ? 'disabled' : 'enabled',
    };
    if (!detail) return base;
    const resources = atLeast(v, '2.88')
      ? { uptime: host.alive ? ' 12:00:00 up 1 day,  0:00,  0 users,  load average: 0.10, 0.10, 0.10' : null }
      : {
          vcpus: host.capacity.vcpus,
          vcpus_used: host.used.vcpus,
          memory_mb: host.capacity.ramMb,
          memory_mb_used: host.used.ramMb,
          free_ram_mb: host.capacity.ramMb - host.used.ramMb,
          local_gb: host.capacity.diskGb,
          local_gb_used: host.used.diskGb,
          free_disk_gb: host.capacity.diskGb - host.used.diskGb,
          disk_available_least: host.capacity.diskGb - host.used.diskGb,
          running_vms: cloud.byHost.get(svc.host)?.size ?? 0,
          current_workload: host.activeBuilds,
          cpu_info: '{}',
        };
    return {
      ...base,
      hypervisor_type: 'fake',
      hypervisor_version: 1000,
      host_ip: '127.0.0.1',
      service: { host: svc.host, id: atLeast(v, '2.53') ? svc.uuid : svc.intId, disabled_reason: svc.disabledReason },
      ...resources,
    };
  });
}

