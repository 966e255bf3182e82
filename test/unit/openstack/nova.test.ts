import { Deadline } from '../../../lib/runtime/deadline';
import { redactSecrets } from '../../../lib/runtime/secrets';
import { connect } from '../../../lib/openstack/connect';
import { resolveAuthSpec } from '../../../lib/openstack/credentials';
import { ServerError, UnsupportedError } from '../../../lib/openstack/errors';
import { closeHttpAgents } from '../../../lib/openstack/http';
import type { ComputeService, NovaClient } from '../../../lib/openstack/nova';
import { FakeOpenStack, PASSWORD, computePath, type Recorded } from './fake-openstack';

const cloud = new FakeOpenStack();
const nova = computePath();

beforeAll(() => cloud.start());
afterAll(async () => {
  closeHttpAgents();
  await cloud.stop();
});
beforeEach(() => {
  cloud.requests.length = 0;
  cloud.novaVersion = { min: '2.1', max: '2.93' };
});

async function novaAt(ceiling?: string): Promise<NovaClient> {
  const spec = resolveAuthSpec({ auth_url: `${cloud.base}/v3`, username: 'admin', password: PASSWORD, tenant_name: 'admin' });
  const connected = await connect(spec, { deadline: Deadline.in(10_000), ...(ceiling ? { novaMaxMicroversion: ceiling } : {}) });
  return connected.nova();
}

function lastTo(method: string, pathPrefix: string): Recorded {
  const found = cloud.requests.filter((request) => request.method === method && request.path.startsWith(pathPrefix)).at(-1);
  if (!found) throw new Error(`no ${method} ${pathPrefix}`);
  return found;
}

const uuidService = {
  id: '7d0b5f8e-1111-4c2a-9d3e-000000000001',
  host: 'cmp-a',
  binary: 'nova-compute',
  zone: 'nova',
  status: 'enabled',
  state: 'up',
  forced_down: false,
  disabled_reason: null,
  updated_at: '2026-11-25T12:00:00.000000',
};

describe('version negotiation against the endpoint', () => {
  it('speaks the server max below the ceiling, and sends both microversion headers', async () => {
    cloud.on('GET', `${nova}/os-services`, () => ({ body: { services: [uuidService] } }));
    const client = await novaAt();
    expect(client.microversionText).toBe('2.93');
    await client.listComputeServices({ host: 'cmp-a' });
    const request = lastTo('GET', `${nova}/os-services`);
    expect(request.headers['x-openstack-nova-api-version']).toBe('2.93');
    expect(request.headers['openstack-api-version']).toBe('compute 2.93');
    expect(Object.fromEntries(request.query)).toEqual({ binary: 'nova-compute', host: 'cmp-a' });
  });

  it('caps a newer Nova at 2.94 unless configured higher', async () => {
    cloud.novaVersion = { min: '2.1', max: '2.96' };
    expect((await novaAt()).microversionText).toBe('2.94');
    expect((await novaAt('2.96')).microversionText).toBe('2.96');
  });
});

describe('services', () => {
  beforeEach(() => {
    cloud.on('GET', `${nova}/os-services`, () => ({ body: { services: [uuidService] } }));
    cloud.on('PUT', new RegExp(`^${nova}/os-services/`), (request) => ({
      body: request.path.endsWith(uuidService.id) ? { service: { ...uuidService, ...(request.body as object) } } : { service: request.body },
    }));
  });

  it('normalises the listing', async () => {
    const [service] = await (await novaAt()).listComputeServices();
    expect(service).toEqual({
      id: uuidService.id,
      host: 'cmp-a',
      binary: 'nova-compute',
      zone: 'nova',
      status: 'enabled',
      state: 'up',
      forcedDown: false,
      disabledReason: null,
      updatedAt: '2026-11-25T12:00:00.000000',
    });
  });

  it('at 2.53+ updates the service by its UUID', async () => {
    const client = await novaAt('2.53');
    const [service] = await client.listComputeServices({ host: 'cmp-a' });
    const s = service as ComputeService;
    await client.forceDown(s, true);
    expect(lastTo('PUT', `${nova}/os-services/`)).toMatchObject({ path: `${nova}/os-services/${uuidService.id}`, body: { forced_down: true } });
    const disabled = await client.disableService(s, 'fenced by fence_compute at 2026-11-25T13:00Z');
    expect(lastTo('PUT', `${nova}/os-services/`).body).toEqual({ status: 'disabled', disabled_reason: 'fenced by fence_compute at 2026-11-25T13:00Z' });
    expect(disabled).toMatchObject({ status: 'disabled', disabledReason: 'fenced by fence_compute at 2026-11-25T13:00Z' });
    await client.enableService(s);
    expect(lastTo('PUT', `${nova}/os-services/`).body).toEqual({ status: 'enabled' });
    await client.forceDown(s, false);
    expect(lastTo('PUT', `${nova}/os-services/`).body).toEqual({ forced_down: false });
  });

  it('below 2.53 uses the legacy host+binary calls', async () => {
    const client = await novaAt('2.11');
    const service: ComputeService = { ...(await client.listComputeServices())[0]!, id: '12' };
    const downed = await client.forceDown(service, true);
    expect(lastTo('PUT', `${nova}/os-services/`)).toMatchObject({
      path: `${nova}/os-services/force-down`,
      body: { host: 'cmp-a', binary: 'nova-compute', forced_down: true },
    });
    expect(downed.forcedDown).toBe(true);
    await client.disableService(service, 'fenced');
    expect(lastTo('PUT', `${nova}/os-services/`)).toMatchObject({
      path: `${nova}/os-services/disable-log-reason`,
      body: { host: 'cmp-a', binary: 'nova-compute', disabled_reason: 'fenced' },
    });
    await client.disableService(service, '');
    expect(lastTo('PUT', `${nova}/os-services/`).path).toBe(`${nova}/os-services/disable`);
    await client.enableService(service);
    expect(lastTo('PUT', `${nova}/os-services/`)).toMatchObject({ path: `${nova}/os-services/enable`, body: { host: 'cmp-a', binary: 'nova-compute' } });
  });

  it('force-down below 2.11 is refused with the versions involved', async () => {
    const client = await novaAt('2.10');
    const [service] = await client.listComputeServices();
    await expect(client.forceDown(service as ComputeService, true)).rejects.toThrow(
      new UnsupportedError('force-down needs Nova microversion 2.11 but 2.10 was negotiated (server max 2.93)'),
    );
  });

  it('retries an idempotent service update on 503', async () => {
    let failures = 1;
    cloud.on('PUT', `${nova}/os-services/${uuidService.id}`, () => (failures-- > 0 ? { status: 503, body: 'busy' } : undefined));
    const client = await novaAt();
    await client.forceDown((await client.listComputeServices())[0] as ComputeService, true);
    expect(cloud.count('PUT', `${nova}/os-services/${uuidService.id}`)).toBe(2);
  });
});

function rawServer(index: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `srv-${index}`,
    name: `vm${index}`,
    status: 'ACTIVE',
    'OS-EXT-SRV-ATTR:host': 'cmp-a',
    'OS-EXT-SRV-ATTR:hypervisor_hostname': 'cmp-a.example',
    'OS-EXT-STS:vm_state': 'active',
    'OS-EXT-STS:task_state': null,
    'OS-EXT-STS:power_state': 1,
    tenant_id: 'p1',
    user_id: 'u1',
    flavor: { id: 'f1', links: [] },
    image: index % 2 ? { id: 'img-1', links: [] } : '',
    metadata: { ha: 'true' },
    tags: ['gold'],
    ...extra,
  };
}

describe('servers', () => {
  it('follows servers_links across pages, keeping the filters', async () => {
    const all = [1, 2, 3, 4, 5].map((index) => rawServer(index));
    cloud.on('GET', `${nova}/servers/detail`, (request) => {
      const marker = request.query.get('marker');
      const start = marker ? all.findIndex((server) => server.id === marker) + 1 : 0;
      const page = all.slice(start, start + 2);
      const last = page.at(-1);
      const links =
        start + 2 < all.length && last
          ? [{ rel: 'next', href: `http://public.example:8774/v2.1/servers/detail?all_tenants=1&host=cmp-a&limit=2&marker=${String(last.id)}` }]
          : undefined;
      return { body: { servers: page, ...(links ? { servers_links: links } : {}) } };
    });
    const servers = await (await novaAt()).listServers({ host: 'cmp-a', allTenants: true });
    expect(servers.map((server) => server.id)).toEqual(['srv-1', 'srv-2', 'srv-3', 'srv-4', 'srv-5']);
    const pages = cloud.requests.filter((request) => request.path === `${nova}/servers/detail`);
    expect(pages).toHaveLength(3);
    expect(pages.map((request) => request.query.get('host'))).toEqual(['cmp-a', 'cmp-a', 'cmp-a']);
    expect(pages.map((request) => request.query.get('all_tenants'))).toEqual(['1', '1', '1']);
    expect(servers[1]).toMatchObject({ host: 'cmp-a', vmState: 'active', taskState: null, imageId: null, tags: ['gold'] });
    expect(servers[0]).toMatchObject({ imageId: 'img-1', flavor: { id: 'f1', extraSpecs: null } });
  });

  it('exposes the embedded flavor and its extra specs from 2.47', async () => {
    cloud.on('GET', `${nova}/servers/srv-9`, () => ({
      body: {
        server: rawServer(9, {
          flavor: { original_name: 'evac.small', vcpus: 1, ram: 512, disk: 1, ephemeral: 0, swap: 0, extra_specs: { evacuable: 'true' } },
        }),
      },
    }));
    const server = await (await novaAt()).getServer('srv-9');
    expect(server.flavor).toEqual({ id: null, originalName: 'evac.small', vcpus: 1, ram: 512, disk: 1, extraSpecs: { evacuable: 'true' } });
  });

  it('lists instance actions, and starts and hard-reboots servers', async () => {
    cloud.on('GET', `${nova}/servers/srv-1/os-instance-actions`, () => ({
      body: { instanceActions: [{ action: 'stop', request_id: 'req-1', user_id: 'u', project_id: 'p', start_time: '2026-11-25T12:00:00.000000', message: null }] },
    }));
    cloud.on('POST', `${nova}/servers/srv-1/action`, () => ({ status: 202 }));
    const client = await novaAt();
    expect(await client.listServerActions('srv-1')).toEqual([
      { action: 'stop', requestId: 'req-1', userId: 'u', projectId: 'p', startTime: '2026-11-25T12:00:00.000000', updatedAt: null, message: null },
    ]);
    await client.startServer('srv-1');
    expect(lastTo('POST', `${nova}/servers/srv-1/action`).body).toEqual({ 'os-start': null });
    await client.rebootServer('srv-1', 'HARD');
    expect(lastTo('POST', `${nova}/servers/srv-1/action`).body).toEqual({ reboot: { type: 'HARD' } });
  });
});

describe('evacuate', () => {
  beforeEach(() => {
    cloud.on('POST', `${nova}/servers/srv-1/action`, (request) =>
      (request.headers['x-openstack-nova-api-version'] as string).startsWith('2.11')
        ? { body: { adminPass: 'generated-admin-pass' } }
        : { status: 200 },
    );
  });

  it.each([
    ['2.11', {}, { evacuate: { onSharedStorage: false } }, true],
    ['2.11', { host: 'cmp-b', onSharedStorage: true }, { evacuate: { host: 'cmp-b', onSharedStorage: true } }, false],
    ['2.14', { onSharedStorage: false }, { evacuate: {} }, true],
    ['2.28', { host: 'cmp-b' }, { evacuate: { host: 'cmp-b' } }, false],
    ['2.29', { host: 'cmp-b' }, { evacuate: { host: 'cmp-b' } }, true],
    ['2.93', { host: 'cmp-b', onSharedStorage: false }, { evacuate: { host: 'cmp-b' } }, true],
  ])('at %s, options %j send %j (host checked by scheduler: %s)', async (version, options, body, checked) => {
    const client = await novaAt(version);
    const result = await client.evacuate('srv-1', options);
    expect(lastTo('POST', `${nova}/servers/srv-1/action`).body).toEqual(body);
    expect(result).toEqual({ microversion: version, hostCheckedByScheduler: checked });
  });

  it('keeps the admin password Nova returns below 2.14 out of logs', async () => {
    await (await novaAt('2.11')).evacuate('srv-1');
    expect(redactSecrets('adminPass=generated-admin-pass')).toBe('adminPass=****');
  });

  it('is never retried, even on 503', async () => {
    cloud.on('POST', `${nova}/servers/srv-2/action`, () => ({ status: 503, body: { computeFault: { message: 'busy' } } }));
    await expect((await novaAt()).evacuate('srv-2')).rejects.toBeInstanceOf(ServerError);
    expect(cloud.count('POST', `${nova}/servers/srv-2/action`)).toBe(1);
  });
});

describe('migrations', () => {
  const records = [
    { id: 1, uuid: 'm1', instance_uuid: 'srv-1', source_compute: 'cmp-a', dest_compute: 'cmp-b', status: 'done', migration_type: 'evacuation', created_at: '2026-11-25T12:00:00.000000', updated_at: '2026-11-25T12:00:05.000000' },
    { id: 2, uuid: 'm2', instance_uuid: 'srv-2', source_compute: 'cmp-a', dest_compute: 'cmp-c', status: 'accepted', migration_type: 'evacuation', created_at: '2026-11-25T12:10:00.000000', updated_at: '2026-11-25T12:10:00.000000' },
  ];

  it('at 2.59+ passes changes-since to Nova and follows migrations_links', async () => {
    cloud.on('GET', `${nova}/os-migrations`, (request) =>
      request.query.get('marker')
        ? { body: { migrations: [records[1]] } }
        : { body: { migrations: [records[0]], migrations_links: [{ rel: 'next', href: `${cloud.base}/x/os-migrations?marker=m1&source_compute=cmp-a` }] } },
    );
    const list = await (await novaAt()).listMigrations({ sourceCompute: 'cmp-a', migrationType: 'evacuation', changesSince: '2026-11-25T11:00:00Z' });
    expect(list.map((migration) => migration.uuid)).toEqual(['m1', 'm2']);
    const first = cloud.requests.find((request) => request.path === `${nova}/os-migrations`);
    expect(Object.fromEntries(first?.query ?? [])).toEqual({
      source_compute: 'cmp-a',
      migration_type: 'evacuation',
      'changes-since': '2026-11-25T11:00:00Z',
    });
    expect(list[0]).toMatchObject({ instanceUuid: 'srv-1', sourceCompute: 'cmp-a', destCompute: 'cmp-b', status: 'done', migrationType: 'evacuation' });
  });

  it('below 2.59 filters changes-since itself (Nova ignores it there)', async () => {
    cloud.on('GET', `${nova}/os-migrations`, () => ({ body: { migrations: records } }));
    const list = await (await novaAt('2.23')).listMigrations({ sourceCompute: 'cmp-a', changesSince: '2026-11-25T12:05:00Z' });
    expect(list.map((migration) => migration.id)).toEqual([2]);
    expect(lastTo('GET', `${nova}/os-migrations`).query.has('changes-since')).toBe(false);
  });
});

describe('flavors, aggregates, hypervisors', () => {
  it('lists all flavors (is_public=None) and their extra specs', async () => {
    cloud.on('GET', `${nova}/flavors/detail`, () => ({
      body: { flavors: [{ id: 'f1', name: 'evac.small', vcpus: 1, ram: 512, disk: 1, 'os-flavor-access:is_public': false }] },
    }));
    cloud.on('GET', `${nova}/flavors/f1/os-extra_specs`, () => ({ body: { extra_specs: { evacuable: 'true', 'hw:cpu_policy': 'dedicated' } } }));
    const client = await novaAt();
    expect(await client.listFlavors({ isPublic: 'none' })).toEqual([
      { id: 'f1', name: 'evac.small', vcpus: 1, ram: 512, disk: 1, isPublic: false, extraSpecs: null },
    ]);
    expect(lastTo('GET', `${nova}/flavors/detail`).query.get('is_public')).toBe('None');
    expect(await client.getFlavorExtraSpecs('f1')).toEqual({ evacuable: 'true', 'hw:cpu_policy': 'dedicated' });
  });

  it('normalises aggregates and hypervisors', async () => {
    cloud.on('GET', `${nova}/os-aggregates`, () => ({
      body: { aggregates: [{ id: 3, uuid: 'ag-3', name: 'ha-segment-1', availability_zone: null, hosts: ['cmp-a', 'cmp-b'], metadata: { ha_segment: '1' } }] },
    }));
    cloud.on('GET', `${nova}/os-hypervisors/detail`, () => ({
      body: { hypervisors: [{ id: 'hv-1', hypervisor_hostname: 'cmp-a', state: 'down', status: 'disabled', service: { host: 'cmp-a', id: 'svc-1', disabled_reason: 'fenced' } }] },
    }));
    const client = await novaAt();
    expect(await client.listAggregates()).toEqual([
      { id: 3, uuid: 'ag-3', name: 'ha-segment-1', availabilityZone: null, hosts: ['cmp-a', 'cmp-b'], metadata: { ha_segment: '1' } },
    ]);
    expect(await client.listHypervisors()).toEqual([
      { id: 'hv-1', hostname: 'cmp-a', state: 'down', status: 'disabled', serviceHost: 'cmp-a', serviceId: 'svc-1', vcpus: null, vcpusUsed: null, memoryMb: null, memoryMbUsed: null, runningVms: null },
    ]);
  });
});
