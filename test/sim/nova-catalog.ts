/**
 * Nova's read-only inventories: flavors (with extra specs, public and private),
 * aggregates, and os-migrations (filters, changes-since, fields per microversion).
 */
import type { Cloud } from './cloud';
import { SimHttpError } from './errors';
import { atLeast, type Version } from './microversion';
import type { Flavor, Migration } from './model';
import { novaTime, ok, route, type RequestContext, type Route } from './router';

function flavorView(f: Flavor, v: Version, base: string, detail: boolean) {
  const links = [
    { rel: 'self', href: `${base}/v2.1/flavors/${f.id}` },
    { rel: 'bookmark', href: `${base}/flavors/${f.id}` },
  ];
  if (!detail) return { id: f.id, name: f.name, links, ...(atLeast(v, '2.55') ? { description: f.description } : {}) };
  return {
    id: f.id,
    name: f.name,
    ram: f.ram,
    disk: f.disk,
    vcpus: f.vcpus,
    // Before 2.75 a zero swap reads "" (a quirk of Nova's view).
    swap: f.swap === 0 && !atLeast(v, '2.75') ? '' : f.swap,
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeral,
    'OS-FLV-DISABLED:disabled': false,
    'os-flavor-access:is_public': f.isPublic,
    rxtx_factor: 1.0,
    links,
    ...(atLeast(v, '2.55') ? { description: f.description } : {}),
    ...(atLeast(v, '2.61') ? { extra_specs: { ...f.extraSpecs } } : {}),
  };
}

function listFlavors(cloud: Cloud, ctx: RequestContext, detail: boolean) {
  const raw = ctx.query.get('is_public');
  // Admin: absent → public only; "none" → all; otherwise a boolean.
  let isPublic: boolean | null = true;
  if (raw !== null) {
    if (/^none$/i.test(raw)) isPublic = null;
    else if (/^(1|true|yes|on|t|y)$/i.test(raw)) isPublic = true;
    else if (/^(0|false|no|off|f|n)$/i.test(raw)) isPublic = false;
    else throw new SimHttpError(400, `Invalid is_public filter [${raw}]`);
  }
  const all = [...cloud.flavors.values()]
    .filter((f) => isPublic === null || f.isPublic === isPublic)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const marker = ctx.query.get('marker');
  let start = 0;
  if (marker !== null) {
    const at = all.findIndex((f) => f.id === marker);
    if (at < 0) throw new SimHttpError(400, `marker [${marker}] not found`);
    start = at + 1;
  }
  const limitRaw = ctx.query.get('limit');
  const limit = Math.min(limitRaw === null ? cloud.config.nova.maxLimit : Number(limitRaw), cloud.config.nova.maxLimit);
  const page = all.slice(start, start + limit);
  const body: Record<string, unknown> = { flavors: page.map((f) => flavorView(f, ctx.version, ctx.base, detail)) };
  if (page.length === limit && limit > 0) {
    const next = new URLSearchParams(ctx.query);
    next.set('marker', page[page.length - 1]!.id);
    body['flavors_links'] = [{ rel: 'next', href: `${ctx.base}/v2.1/flavors${detail ? '/detail' : ''}?${next.toString()}` }];
  }
  return ok(body);
}

function flavor(cloud: Cloud, id: string): Flavor {
  const f = cloud.flavors.get(id);
  if (!f) throw new SimHttpError(404, `Flavor ${id} could not be found.`);
  return f;
}

function migrationView(cloud: Cloud, m: Migration, v: Version) {
  const inst = cloud.instances.get(m.instanceId);
  const flavorNo = Number(inst?.flavorId ?? 0) || 1;
  return {
    created_at: novaTime(m.createdAt),
    dest_compute: m.destCompute,
    dest_host: m.destCompute === null ? null : '127.0.0.1',
    dest_node: m.destCompute,
    id: m.id,
    instance_uuid: m.instanceId,
    new_instance_type_id: flavorNo,
    old_instance_type_id: flavorNo,
    source_compute: m.sourceCompute,
    source_node: m.sourceCompute,
    status: m.status,
    updated_at: novaTime(m.updatedAt),
    ...(atLeast(v, '2.23') ? { migration_type: m.type } : {}),
    ...(atLeast(v, '2.59') ? { uuid: m.uuid } : {}),
    ...(atLeast(v, '2.80') ? { user_id: m.userId, project_id: m.projectId } : {}),
  };
}

function parseTime(raw: string, name: string): number {
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(raw) ? raw : `${raw}Z`);
  if (Number.isNaN(ms)) throw new SimHttpError(400, `Invalid input for query parameters ${name}. Value: ${raw}. '${raw}' is not a 'date-time'`);
  return ms;
}

function listMigrations(cloud: Cloud, ctx: RequestContext) {
  const q = ctx.query;
  const v = ctx.version;
  const host = q.get('host');
  const filters: Array<(m: Migration) => boolean> = [];
  const eq = (key: string, get: (m: Migration) => string | null) => {
    const want = q.get(key);
    if (want !== null) filters.push((m) => get(m) === want);
  };
  eq('status', (m) => m.status);
  eq('migration_type', (m) => m.type);
  eq('source_compute', (m) => m.sourceCompute);
  eq('instance_uuid', (m) => m.instanceId);
  if (host !== null) filters.push((m) => m.sourceCompute === host || m.destCompute === host);
  if (atLeast(v, '2.59')) {
    const since = q.get('changes-since');
    if (since !== null) {
      const t = parseTime(since, 'changes-since');
      filters.push((m) => m.updatedAt >= t);
    }
  }
  if (atLeast(v, '2.66')) {
    const before = q.get('changes-before');
    if (before !== null) {
      const t = parseTime(before, 'changes-before');
      filters.push((m) => m.updatedAt <= t);
    }
  }
  let list = cloud.migrations.filter((m) => filters.every((f) => f(m))).sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
  const body: Record<string, unknown> = {};
  if (atLeast(v, '2.59')) {
    const marker = q.get('marker');
    if (marker !== null) {
      const at = list.findIndex((m) => m.uuid === marker);
      if (at < 0) throw new SimHttpError(400, `Marker ${marker} could not be found.`);
      list = list.slice(at + 1);
    }
    const limitRaw = q.get('limit');
    if (limitRaw !== null) {
      const limit = Math.min(Number(limitRaw), cloud.config.nova.maxLimit);
      if (list.length > limit) {
        list = list.slice(0, limit);
        const next = new URLSearchParams(q);
        next.set('marker', list[list.length - 1]!.uuid);
        body['migrations_links'] = [{ rel: 'next', href: `${ctx.base}/v2.1/os-migrations?${next.toString()}` }];
      }
    }
  }
  return ok({ migrations: list.map((m) => migrationView(cloud, m, v)), ...body });
}

function aggregateView(cloud: Cloud, id: number, v: Version) {
  const a = cloud.aggregates.find((x) => x.id === id);
  if (!a) throw new SimHttpError(404, `Aggregate ${id} could not be found.`);
  return {
    availability_zone: a.availabilityZone,
    created_at: novaTime(a.createdAt),
    deleted: false,
    deleted_at: null,
    hosts: [...a.hosts],
    id: a.id,
    metadata: { ...a.metadata },
    name: a.name,
    updated_at: null,
    ...(atLeast(v, '2.41') ? { uuid: a.uuid } : {}),
  };
}

export function novaCatalogRoutes(cloud: Cloud): Route[] {
  return [
    route('nova', 'GET', '/v2.1/flavors', (ctx) => listFlavors(cloud, ctx, false)),
    route('nova', 'GET', '/v2.1/flavors/detail', (ctx) => listFlavors(cloud, ctx, true)),
    route('nova', 'GET', '/v2.1/flavors/{flavor_id}', (ctx) =>
      ok({ flavor: flavorView(flavor(cloud, ctx.params['flavor_id'] ?? ''), ctx.version, ctx.base, true) }),
    ),
    route('nova', 'GET', '/v2.1/flavors/{flavor_id}/os-extra_specs', (ctx) =>
      ok({ extra_specs: { ...flavor(cloud, ctx.params['flavor_id'] ?? '').extraSpecs } }),
    ),
    route('nova', 'GET', '/v2.1/flavors/{flavor_id}/os-extra_specs/{key}', (ctx) => {
      const f = flavor(cloud, ctx.params['flavor_id'] ?? '');
      const key = ctx.params['key'] ?? '';
      const value = f.extraSpecs[key];
      if (value === undefined) throw new SimHttpError(404, `Flavor ${f.id} has no extra specs with key ${key}.`);
      return ok({ [key]: value });
    }),
    route('nova', 'GET', '/v2.1/os-aggregates', (ctx) =>
      ok({ aggregates: cloud.aggregates.map((a) => aggregateView(cloud, a.id, ctx.version)) }),
    ),
    route('nova', 'GET', '/v2.1/os-aggregates/{aggregate_id}', (ctx) =>
      ok({ aggregate: aggregateView(cloud, Number(ctx.params['aggregate_id']), ctx.version) }),
    ),
    route('nova', 'GET', '/v2.1/os-migrations', (ctx) => listMigrations(cloud, ctx)),
  ];
}
