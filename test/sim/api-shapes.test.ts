import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startSim, scenarioPath, type RunningSim } from '../helpers/sim';
import { SimApi } from './api-client';

let sim: RunningSim;
let api: SimApi;

beforeAll(async () => {
  sim = await startSim({ scenario: scenarioPath('small'), timing: { timeScale: 20 } });
  api = new SimApi(sim.authUrl, sim.novaUrl, sim.glanceUrl);
  await api.login();
});
afterAll(async () => {
  await sim.stop();
});

describe('Keystone v3', () => {
  test('version discovery at the identity root (300) and at /v3', async () => {
    const root = await api.raw('GET', sim.authUrl.replace(/\/v3$/, ''));
    expect(root.status).toBe(300);
    expect(root.body.versions.values[0]).toMatchObject({ id: 'v3.14', status: 'stable' });
    const v3 = await api.raw('GET', sim.authUrl);
    expect(v3.body.version.links[0].href).toBe(`${sim.authUrl}/`);
  });

  test('a wrong password is 401 with Keystone\'s error body', async () => {
    const other = new SimApi(sim.authUrl, sim.novaUrl, sim.glanceUrl);
    const r = await other.login('admin', 'wrong');
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
  });

  test('the token carries a catalog with compute and image on three interfaces', async () => {
    const other = new SimApi(sim.authUrl, sim.novaUrl, sim.glanceUrl);
    const r = await other.login();
    const types = r.body.token.catalog.map((s: any) => s.type).sort();
    expect(types).toEqual(['compute', 'identity', 'image']);
    const compute = r.body.token.catalog.find((s: any) => s.type === 'compute');
    expect(compute.endpoints.map((e: any) => e.interface).sort()).toEqual(['admin', 'internal', 'public']);
    expect(compute.endpoints[0]).toMatchObject({ region: 'RegionOne', url: sim.novaUrl });
    expect(r.body.token.project.name).toBe('admin');
  });

  test('application credentials by id and by name + user; a bad secret is 401', async () => {
    const byId = await api.raw('POST', `${sim.authUrl}/auth/tokens`, {
      auth: { identity: { methods: ['application_credential'], application_credential: { id: '0f1e2d3c4b5a69788796a5b4c3d2e1f0', secret: 's3cret-app' } } },
    });
    expect(byId.status).toBe(201);
    expect(byId.body.token.project.name).toBe('admin');
    const byName = await api.raw('POST', `${sim.authUrl}/auth/tokens`, {
      auth: { identity: { methods: ['application_credential'], application_credential: { name: 'ha-agents', user: { name: 'admin', domain: { name: 'Default' } }, secret: 's3cret-app' } } },
    });
    expect(byName.status).toBe(201);
    const bad = await api.raw('POST', `${sim.authUrl}/auth/tokens`, {
      auth: { identity: { methods: ['application_credential'], application_credential: { id: '0f1e2d3c4b5a69788796a5b4c3d2e1f0', secret: 'nope' } } },
    });
    expect(bad.status).toBe(401);
  });

  test('Nova without a token, or with an expired one, is 401', async () => {
    const anon = await fetch(`${sim.novaUrl}/os-services`);
    expect(anon.status).toBe(401);
    const other = new SimApi(sim.authUrl, sim.novaUrl, sim.glanceUrl);
    await other.login();
    expect((await other.nova('GET', '/os-services')).status).toBe(200);
    await sim.expireTokens();
    expect((await other.nova('GET', '/os-services')).status).toBe(401);
    await api.login();
  });
});

describe('Nova microversions', () => {
  test('no header means 2.1; headers are echoed both ways; latest is the maximum', async () => {
    const none = await api.raw('GET', `${sim.novaUrl}/os-services?host=cmp-a`);
    expect(none.headers.get('x-openstack-nova-api-version')).toBe('2.1');
    expect(none.body.services[0].forced_down).toBeUndefined();
    const latest = await api.raw('GET', `${sim.novaUrl}/os-services?host=cmp-a`, undefined, { 'OpenStack-API-Version': 'compute latest' });
    expect(latest.headers.get('openstack-api-version')).toBe('compute 2.93');
    const root = await api.raw('GET', sim.novaUrl.replace(/\/v2\.1$/, '/'));
    expect(root.body.versions.find((v: any) => v.id === 'v2.1')).toMatchObject({ version: '2.93', min_version: '2.1' });
  });

  test('406 above the maximum, 400 for a malformed version', async () => {
    const high = await api.nova('GET', '/os-services', '2.200');
    expect(high.status).toBe(406);
    expect(high.body.computeFault.message).toContain('is not supported by the API');
    expect((await api.nova('GET', '/os-services', '2.x')).status).toBe(400);
  });

  test('services: integer ids and forced_down at 2.11, UUIDs at 2.53', async () => {
    const v211 = (await api.nova('GET', '/os-services?binary=nova-compute', '2.11')).body.services;
    expect(v211).toHaveLength(4);
    expect(typeof v211[0].id).toBe('number');
    expect(v211[0]).toMatchObject({ binary: 'nova-compute', forced_down: false, state: 'up', zone: 'nova' });
    const reserved = v211.find((s: any) => s.host === 'cmp-d');
    expect(reserved).toMatchObject({ status: 'disabled', disabled_reason: 'reserved host for instance HA' });
    const v253 = (await api.nova('GET', '/os-services?host=cmp-b', '2.53')).body.services[0];
    expect(v253.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('legacy service PUTs below 2.53, by UUID from 2.53, each refused in the other era', async () => {
    const legacy = await api.nova('PUT', '/os-services/disable-log-reason', '2.11', { host: 'cmp-c', binary: 'nova-compute', disabled_reason: 'maint' });
    expect(legacy.body).toEqual({ service: { host: 'cmp-c', binary: 'nova-compute', status: 'disabled', disabled_reason: 'maint' } });
    expect((await api.nova('PUT', '/os-services/enable', '2.11', { host: 'cmp-c' })).status).toBe(400);
    expect((await api.nova('PUT', '/os-services/enable', '2.11', { host: 'nope', binary: 'nova-compute' })).status).toBe(404);
    expect((await api.nova('PUT', '/os-services/force-down', '2.10', { host: 'cmp-c', binary: 'nova-compute' })).status).toBe(404);
    expect((await api.nova('PUT', '/os-services/force-down', '2.10', { host: 'cmp-c', binary: 'nova-compute', forced_down: true })).status).toBe(400);
    expect((await api.nova('PUT', '/os-services/disable', '2.11', { host: 'cmp-c', binary: 'nova-scheduler' })).status).toBe(400);
    const at253 = await api.nova('PUT', '/os-services/enable', '2.53', { host: 'cmp-c', binary: 'nova-compute' });
    expect(at253.status).toBe(400);
    expect(at253.body.badRequest.message).toBe('Invalid uuid enable');
    const uuid = (await api.nova('GET', '/os-services?host=cmp-c', '2.53')).body.services[0].id;
    expect((await api.nova('PUT', `/os-services/${uuid}`, '2.11', { host: 'cmp-c', binary: 'nova-compute' })).status).toBe(404);
    expect((await api.nova('PUT', `/os-services/${uuid}`, '2.11', { status: 'enabled' })).status).toBe(400);
    expect((await api.nova('PUT', `/os-services/${uuid}`, '2.53', {})).body.badRequest.message).toContain('No updates were requested');
    const reasonWithEnabled = await api.nova('PUT', `/os-services/${uuid}`, '2.53', { status: 'enabled', disabled_reason: 'x' });
    expect(reasonWithEnabled.status).toBe(400);
    const enabled = await api.nova('PUT', `/os-services/${uuid}`, '2.53', { status: 'enabled' });
    expect(enabled.body.service).toMatchObject({ id: uuid, status: 'enabled', disabled_reason: null });
  });

  test('servers: flavor as {id, links} before 2.47, embedded with extra_specs from 2.47; volume-booted image ""', async () => {
    const id = 'aaaaaaa1-0000-4000-8000-000000000005';
    const old = (await api.nova('GET', `/servers/${id}`, '2.11')).body.server;
    expect(old.flavor).toEqual({ id: '1', links: expect.any(Array) });
    expect(old.image).toBe('');
    expect(old.host_status).toBeUndefined();
    const v247 = (await api.nova('GET', `/servers/${id}`, '2.47')).body.server;
    expect(v247.flavor).toMatchObject({ original_name: 'ha.small', vcpus: 1, extra_specs: { evacuable: 'true' } });
    expect(v247.flavor.id).toBeUndefined();
    expect(v247).toMatchObject({ status: 'ACTIVE', 'OS-EXT-SRV-ATTR:host': 'cmp-a', 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:task_state': null, host_status: 'UP' });
  });

  test('os-migrations fields per version', async () => {
    await sim.killHost('cmp-b');
    const uuid = (await api.nova('GET', '/os-services?host=cmp-b', '2.53')).body.services[0].id;
    await api.nova('PUT', `/os-services/${uuid}`, '2.53', { forced_down: true });
    expect((await api.nova('POST', '/servers/bbbbbbb2-0000-4000-8000-000000000001/action', '2.68', { evacuate: {} })).status).toBe(200);
    const v21 = (await api.nova('GET', '/os-migrations', '2.1')).body.migrations[0];
    expect(v21.migration_type).toBeUndefined();
    expect(v21.uuid).toBeUndefined();
    const v280 = (await api.nova('GET', '/os-migrations?migration_type=evacuation&source_compute=cmp-b', '2.80')).body.migrations[0];
    expect(v280).toMatchObject({ migration_type: 'evacuation', source_compute: 'cmp-b', instance_uuid: 'bbbbbbb2-0000-4000-8000-000000000001' });
    expect(v280.uuid).toEqual(expect.any(String));
    expect(v280.user_id).toEqual(expect.any(String));
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await api.nova('GET', `/os-migrations?changes-since=${future}`, '2.59')).body.migrations).toHaveLength(0);
    expect((await api.nova('GET', '/os-migrations?changes-since=2000-01-01T00:00:00Z', '2.59')).body.migrations).toHaveLength(1);
  });

  test('flavors: public only by default, all with is_public=None; extra specs per flavor', async () => {
    const pub = (await api.nova('GET', '/flavors/detail')).body.flavors.map((f: any) => f.name);
    expect(pub).toEqual(['ha.small', 'plain.small']);
    const all = (await api.nova('GET', '/flavors/detail?is_public=None')).body.flavors;
    expect(all.map((f: any) => f.name)).toEqual(['ha.small', 'plain.small', 'ha.private']);
    expect(all[2]['os-flavor-access:is_public']).toBe(false);
    expect((await api.nova('GET', '/flavors/3/os-extra_specs')).body).toEqual({ extra_specs: { evacuable: 'True ' } });
    expect((await api.nova('GET', '/flavors/2/os-extra_specs')).body).toEqual({ extra_specs: {} });
    expect((await api.nova('GET', '/flavors/99/os-extra_specs')).status).toBe(404);
  });

  test('aggregates and hypervisors', async () => {
    const aggs = (await api.nova('GET', '/os-aggregates', '2.41')).body.aggregates;
    expect(aggs[0]).toMatchObject({ name: 'segment-1', hosts: ['cmp-a', 'cmp-b', 'cmp-c', 'cmp-d'], metadata: { recovery_method: 'auto' } });
    const hv = (await api.nova('GET', '/os-hypervisors/detail', '2.11')).body.hypervisors;
    expect(hv.find((h: any) => h.hypervisor_hostname === 'cmp-a')).toMatchObject({ vcpus: 16, vcpus_used: 8, running_vms: 7 });
  });

  test('unknown routes are 404, a wrong method 405', async () => {
    expect((await api.nova('GET', '/os-nothing')).status).toBe(404);
    expect((await api.nova('DELETE', '/os-services')).status).toBe(405);
  });
});

describe('pagination and scoping', () => {
  test('servers/detail pages with limit/marker and servers_links; all_tenants widens the scope', async () => {
    const mine = (await api.nova('GET', '/servers/detail')).body.servers;
    expect(mine.length).toBe(10); // the admin project's; 2 belong to "demo"
    const seen: string[] = [];
    let url: string | undefined = `${sim.novaUrl}/servers/detail?all_tenants=1&limit=5`;
    let pages = 0;
    while (url) {
      const r: any = await api.raw('GET', url);
      seen.push(...r.body.servers.map((s: any) => s.id));
      url = r.body.servers_links?.find((l: any) => l.rel === 'next')?.href;
      pages++;
    }
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
    expect(pages).toBe(3);
    expect((await api.nova('GET', '/servers/detail?marker=nope')).status).toBe(400);
    const host = (await api.nova('GET', '/servers/detail?all_tenants=1&host=cmp-c')).body.servers;
    const truth = (await sim.state({ full: true, host: 'cmp-c' })).instanceList!.map((i) => i.name).sort();
    expect(host.map((s: any) => s.name).sort()).toEqual(truth);
    expect(truth).toEqual(expect.arrayContaining(['c-tagged', 'c-untagged']));
  });

  test('GET /servers (ids, names, links), changes-since, and request ids on every Nova answer', async () => {
    const brief = await api.nova('GET', '/servers?all_tenants=1&limit=2');
    expect(Object.keys(brief.body.servers[0]).sort()).toEqual(['id', 'links', 'name']);
    expect(brief.body.servers_links[0].href).toContain('/v2.1/servers?');
    expect(brief.headers.get('x-openstack-request-id')).toMatch(/^req-[0-9a-f-]{36}$/);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await api.nova('GET', `/servers/detail?all_tenants=1&changes-since=${future}`)).body.servers).toHaveLength(0);
    await sim.crashInstance('ccccccc3-0000-4000-8000-000000000002');
    const since = new Date(Date.now() - 1_000).toISOString();
    const changed = (await api.nova('GET', `/servers/detail?all_tenants=1&changes-since=${since}`)).body.servers.map((x: any) => x.id);
    expect(changed).toContain('ccccccc3-0000-4000-8000-000000000002');
  });

  test('Glance: tag filter, properties as keys, next links', async () => {
    const tagged = (await api.glance('/v2/images?tag=evacuable')).body.images;
    expect(tagged.map((i: any) => i.name)).toEqual(['cirros-ha']);
    const page1 = (await api.glance('/v2/images?limit=1')).body;
    expect(page1.images).toHaveLength(1);
    expect(page1.next).toMatch(/^\/v2\/images\?/);
    const page2 = (await api.glance(page1.next.replace(/^\/v2/, '/v2'))).body;
    expect(page2.images[0].id).not.toBe(page1.images[0].id);
    const withProp = (await api.glance('/v2/images?evacuable=true')).body.images;
    expect(withProp.map((i: any) => i.name)).toEqual(['cirros']);
    expect(withProp[0].evacuable).toBe('true');
  });
});
