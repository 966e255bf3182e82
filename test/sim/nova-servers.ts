/**
 * Nova servers: detail listing (all_tenants, host, limit/marker with servers_links),
 * show, instance actions, and the server actions agents use (evacuate, os-stop, os-start,
 * reboot), with the per-microversion shapes (flavor embedded from 2.47, host_status 2.16…).
 */
import { createHash } from 'node:crypto';
import type { Cloud } from './cloud';
import { SimHttpError } from './errors';
import { evacuate, inRaceWindow } from './evacuation';
import { atLeast, type Version } from './microversion';
import type { Instance } from './model';
import { novaTime, ok, iso, route, type RequestContext, type Route } from './router';

function statusOf(vm: Instance['vmState'], task: Instance['taskState']): string {
  const rebuild = task === 'rebuilding' || task === 'rebuild_block_device_mapping' || task === 'rebuild_spawning';
  if (rebuild) return 'REBUILD';
  switch (vm) {
    case 'active':
      return task === 'rebooting' ? 'REBOOT' : task === 'rebooting_hard' ? 'HARD_REBOOT' : 'ACTIVE';
    case 'stopped':
      return 'SHUTOFF';
    case 'error':
      return 'ERROR';
    case 'building':
      return 'BUILD';
  }
}

function hostStatus(cloud: Cloud, host: string): string {
  const svc = cloud.services.get(host);
  if (!svc) return 'UNKNOWN';
  if (svc.forcedDown) return 'DOWN';
  if (svc.disabled) return 'MAINTENANCE';
  return cloud.serviceIsUp(svc) ? 'UP' : 'UNKNOWN';
}

/** Statuses for which Nova's view carries `progress`. */
const WITH_PROGRESS = ['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING'];

/** `show`: GET /servers/{id} (server_groups from 2.71 is in the single view only). */
export function serverView(cloud: Cloud, inst: Instance, v: Version, base: string, show = false) {
  const flavor = cloud.flavors.get(inst.flavorId);
  // Nova's "ACTIVE on the old host" window (an injected fault): the task state reads null.
  const taskState = inRaceWindow(cloud, inst) ? null : inst.taskState;
  const self = `${base}/v2.1/servers/${inst.id}`;
  const flavorView = atLeast(v, '2.47')
    ? {
        vcpus: flavor?.vcpus ?? 0,
        ram: flavor?.ram ?? 0,
        disk: flavor?.disk ?? 0,
        ephemeral: flavor?.ephemeral ?? 0,
        swap: flavor?.swap ?? 0,
        original_name: flavor?.name ?? '',
        extra_specs: { ...(flavor?.extraSpecs ?? {}) },
      }
    : { id: inst.flavorId, links: [{ rel: 'bookmark', href: `${base}/flavors/${inst.flavorId}` }] };
  const status = statusOf(inst.vmState, taskState);
  return {
    id: inst.id,
    name: inst.name,
    status,
    ...(WITH_PROGRESS.includes(status) ? { progress: 0 } : {}),
    tenant_id: inst.projectId,
    user_id: inst.userId,
    metadata: { ...inst.metadata },
    hostId: createHash('sha224').update(inst.projectId + inst.host).digest('hex'),
    image: inst.imageId === null ? '' : { id: inst.imageId, links: [{ rel: 'bookmark', href: `${base}/images/${inst.imageId}` }] },
    flavor: flavorView,
    created: iso(inst.createdAt),
    updated: iso(inst.updatedAt),
    addresses: {},
    accessIPv4: '',
    accessIPv6: '',
    links: [
      { rel: 'self', href: self },
      { rel: 'bookmark', href: `${base}/servers/${inst.id}` },
    ],
    'OS-DCF:diskConfig': 'MANUAL',
    'OS-EXT-AZ:availability_zone': cloud.hosts.get(inst.host)?.availabilityZone ?? 'nova',
    config_drive: '',
    key_name: null,
    'OS-SRV-USG:launched_at': novaTime(inst.launchedAt),
    'OS-SRV-USG:terminated_at': null,
    'OS-EXT-SRV-ATTR:host': inst.host,
    'OS-EXT-SRV-ATTR:instance_name': `instance-${inst.seq.toString(16).padStart(8, '0')}`,
    'OS-EXT-SRV-ATTR:hypervisor_hostname': inst.host,
    'OS-EXT-STS:task_state': taskState,
    'OS-EXT-STS:vm_state': inst.vmState,
    'OS-EXT-STS:power_state': inst.powerState,
    'os-extended-volumes:volumes_attached': inst.imageId === null ? [{ id: `vol-${inst.id}`, ...(atLeast(v, '2.3') ? { delete_on_termination: false } : {}) }] : [],
    // No security_groups: they come from Neutron ports, and these servers have none (as in the lab).
    ...(atLeast(v, '2.3')
      ? {
          'OS-EXT-SRV-ATTR:reservation_id': `r-${inst.id.slice(0, 8)}`,
          'OS-EXT-SRV-ATTR:launch_index': 0,
          'OS-EXT-SRV-ATTR:hostname': inst.name,
          'OS-EXT-SRV-ATTR:kernel_id': '',
          'OS-EXT-SRV-ATTR:ramdisk_id': '',
          'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
          'OS-EXT-SRV-ATTR:user_data': null,
        }
      : {}),
    ...(inst.vmState === 'error' && inst.fault
      ? { fault: { code: inst.fault.code, message: inst.fault.message, created: iso(inst.fault.created) } }
      : {}),
    ...(atLeast(v, '2.9') ? { locked: false } : {}),
    ...(atLeast(v, '2.63') ? { trusted_image_certificates: null } : {}),
    ...(atLeast(v, '2.73') ? { locked_reason: null } : {}),
    ...(atLeast(v, '2.16') ? { host_status: hostStatus(cloud, inst.host) } : {}),
    ...(atLeast(v, '2.19') ? { description: null } : {}),
    ...(atLeast(v, '2.26') ? { tags: [] } : {}),
    ...(show && atLeast(v, '2.71') ? { server_groups: [] } : {}),
  };
}

function truthy(value: string | null): boolean {
  if (value === null) return false;
  if (value === '') return true;
  if (/^(1|true|yes|on|t|y)$/i.test(value)) return true;
  if (/^(0|false|no|off|f|n)$/i.test(value)) return false;
  throw new SimHttpError(400, `Invalid value '${value}' for all_tenants`);
}

function parseLimit(cloud: Cloud, ctx: RequestContext): number {
  const max = cloud.config.nova.maxLimit;
  const raw = ctx.query.get('limit');
  if (raw === null) return max;
  if (!/^\d+$/.test(raw)) throw new SimHttpError(400, `Invalid input for query parameters limit. Value: ${raw}. '${raw}' does not match '^[0-9]*$'`);
  return Math.min(Number(raw), max);
}

function listServers(cloud: Cloud, ctx: RequestContext, detail = true) {
  const allTenants = truthy(ctx.query.get('all_tenants'));
  const host = ctx.query.get('host');
  const status = ctx.query.get('status')?.toUpperCase();
  const project = ctx.query.get('project_id') ?? ctx.query.get('tenant_id');
  const sinceRaw = ctx.query.get('changes-since');
  const since = sinceRaw === null ? null : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(sinceRaw) ? sinceRaw : `${sinceRaw}Z`);
  if (since !== null && Number.isNaN(since)) throw new SimHttpError(400, `Invalid filter field: changes-since.`);
  const limit = parseLimit(cloud, ctx);
  const marker = ctx.query.get('marker');
  let candidates: Instance[];
  if (host !== null) {
    candidates = [...(cloud.byHost.get(host) ?? [])].map((id) => cloud.instances.get(id)!).sort((a, b) => b.seq - a.seq);
  } else {
    candidates = [...cloud.ordered].reverse();
  }
  const wantedProject = allTenants ? project : (ctx.token?.projectId ?? null);
  const filtered = candidates.filter(
    (i) =>
      (wantedProject === null || wantedProject === undefined || i.projectId === wantedProject) &&
      (status === undefined || statusOf(i.vmState, inRaceWindow(cloud, i) ? null : i.taskState) === status) &&
      (since === null || i.updatedAt >= since),
  );
  let start = 0;
  if (marker !== null) {
    const at = filtered.findIndex((i) => i.id === marker);
    if (at < 0) throw new SimHttpError(400, `marker [${marker}] not found`);
    start = at + 1;
  }
  const page = filtered.slice(start, start + limit);
  const body: Record<string, unknown> = {
    servers: page.map((i) => {
      const view = serverView(cloud, i, ctx.version, ctx.base);
      return detail ? view : { id: view.id, name: view.name, links: view.links };
    }),
  };
  if (page.length === limit && limit > 0) {
    const next = new URLSearchParams(ctx.query);
    next.set('limit', String(limit));
    next.set('marker', page[page.length - 1]!.id);
    body['servers_links'] = [{ rel: 'next', href: `${ctx.base}/v2.1/servers${detail ? '/detail' : ''}?${next.toString()}` }];
  }
  return ok(body);
}

function actionView(inst: Instance, a: Instance['actions'][number], v: Version) {
  return {
    action: a.action,
    instance_uuid: inst.id,
    message: a.message,
    project_id: a.projectId,
    request_id: a.requestId,
    start_time: novaTime(a.startTime),
    user_id: a.userId,
    ...(atLeast(v, '2.58') ? { updated_at: novaTime(a.updatedAt) } : {}),
  };
}

const EVACUATE_KEYS: Array<[string, string[], string[]]> = [
  // [min version, allowed keys, required keys]
  ['2.1', ['host', 'onSharedStorage', 'adminPass'], ['onSharedStorage']],
  ['2.14', ['host', 'adminPass'], []],
  ['2.29', ['host', 'adminPass', 'force'], []],
  ['2.68', ['host', 'adminPass'], []],
];

/** Body validation first, then the instance lookup (404) inside evacuate(): Nova's order. */
function evacuateAction(cloud: Cloud, ctx: RequestContext, id: string, body: unknown) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SimHttpError(400, `Invalid input for field/attribute evacuate. Value: ${JSON.stringify(body)}. ${JSON.stringify(body)} is not of type 'object'`);
  }
  const b = body as Record<string, unknown>;
  const schema = [...EVACUATE_KEYS].reverse().find(([min]) => atLeast(ctx.version, min))!;
  for (const k of Object.keys(b)) {
    if (!schema[1].includes(k)) {
      throw new SimHttpError(400, `Invalid input for field/attribute evacuate. Value: ${JSON.stringify(b)}. Additional properties are not allowed ('${k}' was unexpected)`);
    }
  }
  for (const k of schema[2]) {
    if (!(k in b)) throw new SimHttpError(400, `Invalid input for field/attribute evacuate. Value: ${JSON.stringify(b)}. '${k}' is a required property`);
  }
  const host = b['host'];
  if (host !== undefined && (typeof host !== 'string' || host.length === 0 || host.length > 255)) {
    throw new SimHttpError(400, `Invalid input for field/attribute host. Value: ${JSON.stringify(host)}.`);
  }
  const flag = (key: string): boolean | undefined => {
    const value = b[key];
    if (value === undefined) return undefined;
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string' && /^(true|false|yes|no|on|off|1|0)$/i.test(value)) return /^(true|yes|on|1)$/i.test(value);
    throw new SimHttpError(400, `Invalid input for field/attribute ${key}. Value: ${JSON.stringify(value)}.`);
  };
  const onSharedStorage = flag('onSharedStorage');
  const force = flag('force');
  const adminPass = typeof b['adminPass'] === 'string' ? b['adminPass'] : undefined;
  if (force === true && host === undefined) throw new SimHttpError(400, "Can't force to a non-provided destination");
  if (onSharedStorage === true && adminPass !== undefined) {
    throw new SimHttpError(400, "admin password can't be changed on existing disk");
  }
  const result = evacuate(cloud, {
    instanceId: id,
    ...(typeof host === 'string' ? { host } : {}),
    ...(force !== undefined ? { force } : {}),
    ...(onSharedStorage !== undefined ? { onSharedStorage } : {}),
    ...(adminPass !== undefined ? { adminPass } : {}),
    version: ctx.version,
    userId: ctx.token?.userId ?? '',
    projectId: ctx.token?.projectId ?? '',
  });
  return result.adminPass !== undefined ? ok({ adminPass: result.adminPass }) : ok();
}

export function novaServerRoutes(cloud: Cloud): Route[] {
  return [
    route('nova', 'GET', '/v2.1/servers', (ctx) => listServers(cloud, ctx, false)),
    route('nova', 'GET', '/v2.1/servers/detail', (ctx) => listServers(cloud, ctx)),
    route('nova', 'GET', '/v2.1/servers/{server_id}', (ctx) =>
      ok({ server: serverView(cloud, cloud.instance(ctx.params['server_id'] ?? ''), ctx.version, ctx.base, true) }),
    ),
    route('nova', 'GET', '/v2.1/servers/{server_id}/os-instance-actions', (ctx) => {
      const inst = cloud.instance(ctx.params['server_id'] ?? '');
      return ok({ instanceActions: [...inst.actions].reverse().map((a) => actionView(inst, a, ctx.version)) });
    }),
    route('nova', 'GET', '/v2.1/servers/{server_id}/os-instance-actions/{request_id}', (ctx) => {
      const inst = cloud.instance(ctx.params['server_id'] ?? '');
      const a = inst.actions.find((x) => x.requestId === ctx.params['request_id']);
      if (!a) throw new SimHttpError(404, `Action for request_id ${ctx.params['request_id'] ?? ''} on instance ${inst.id} not found`);
      return ok({ instanceAction: { ...actionView(inst, a, ctx.version), events: [] } });
    }),
    route('nova', 'POST', '/v2.1/servers/{server_id}/action', (ctx) => {
      const id = ctx.params['server_id'] ?? '';
      const body = ctx.body;
      if (typeof body !== 'object' || body === null || Object.keys(body).length !== 1) {
        throw new SimHttpError(400, 'Malformed request body');
      }
      const [name, arg] = Object.entries(body as Record<string, unknown>)[0]!;
      const user = ctx.token?.userId ?? '';
      const project = ctx.token?.projectId ?? '';
      switch (name) {
        case 'evacuate':
          return evacuateAction(cloud, ctx, id, arg);
        case 'os-stop':
          cloud.powerAction(id, 'stop', user, project);
          return { status: 202 };
        case 'os-start':
          cloud.powerAction(id, 'start', user, project);
          return { status: 202 };
        case 'reboot': {
          const type = (arg as Record<string, unknown> | null)?.['type'];
          if (type !== 'HARD' && type !== 'SOFT') throw new SimHttpError(400, `Invalid input for field/attribute type. Value: ${String(type)}.`);
          cloud.powerAction(id, type === 'HARD' ? 'reboot-hard' : 'reboot', user, project);
          return { status: 202 };
        }
        default:
          throw new SimHttpError(400, `There is no such action: ${name}`);
      }
    }),
  ];
}
