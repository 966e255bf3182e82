/**
 * lib/openstack against the simulated cloud (test/sim): Keystone discovery and auth, the
 * catalog, the token cache, Nova services at 2.53 and at the classic 2.11, servers across
 * pages, evacuation with its migration records, flavors, Glance images.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deadline } from '../../lib/runtime/deadline';
import { connect, type Cloud } from '../../lib/openstack/connect';
import { resolveAuthSpec, type AuthParams } from '../../lib/openstack/credentials';
import { AuthenticationError, BadRequestError } from '../../lib/openstack/errors';
import { closeHttpAgents } from '../../lib/openstack/http';
import { forgetProcessTokens } from '../../lib/openstack/keystone';
import type { ComputeService, NovaClient } from '../../lib/openstack/nova';
import { scenarioPath, startSim, type RunningSim } from '../helpers/sim';

const A1 = 'aaaaaaa1-0000-4000-8000-000000000001';
const A2 = 'aaaaaaa1-0000-4000-8000-000000000002';

let sim: RunningSim;
let stateDir: string;

beforeEach(async () => {
  forgetProcessTokens();
  stateDir = mkdtempSync(join(tmpdir(), 'os-sim-state-'));
  sim = await startSim({
    scenario: scenarioPath('small'),
    timing: { timeScale: 20, serviceDownTimeSec: 2, rebuildSec: 1, schedulingSec: 0.2, reviveCleanupSec: 1 },
    nova: { maxLimit: 3 },
  });
});

afterEach(async () => {
  await sim.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

afterAll(() => closeHttpAgents());

function classicParams(extra: AuthParams = {}): AuthParams {
  const c = sim.credentials;
  return {
    auth_url: c.auth_url,
    login: c.login,
    passwd: c.passwd,
    tenant_name: c.tenant_name,
    user_domain: c.user_domain,
    project_domain: c.project_domain,
    region_name: c.region_name,
    ...extra,
  };
}

async function cloudWith(params: AuthParams, novaMaxMicroversion?: string): Promise<Cloud> {
  return connect(resolveAuthSpec(params), {
    deadline: Deadline.in(30_000),
    stateDir,
    ...(novaMaxMicroversion ? { novaMaxMicroversion } : {}),
  });
}

async function serviceOf(nova: NovaClient, host: string): Promise<ComputeService> {
  const [service] = await nova.listComputeServices({ host });
  if (!service) throw new Error(`no service on ${host}`);
  return service;
}

async function hostService(host: string) {
  const state = await sim.state({ host });
  const found = state.hosts.find((entry) => entry.name === host);
  if (!found) throw new Error(`no host ${host}`);
  return found.service;
}

describe('Keystone', () => {
  it('discovers v3 from an auth_url without a version, and finds the compute endpoint', async () => {
    const root = sim.credentials.auth_url.replace(/\/v3$/, '');
    const cloud = await cloudWith(classicParams({ auth_url: root, endpoint_type: 'internalURL' }));
    expect(await cloud.endpoint('compute')).toBe(sim.novaUrl);
    // Only Keystone was asked so far: its root (discovery), then the token.
    const { calls } = await sim.calls();
    expect(calls['GET /']).toBe(1);
    expect(calls['POST /v3/auth/tokens']).toBe(1);
  });

  it('authenticates from the clouds.yaml the simulator writes, and with an application credential', async () => {
    const byCloud = await cloudWith({ cloud: 'sim', clouds_yaml: sim.cloudsYamlPath });
    expect((await byCloud.nova()).microversionText).toBe('2.93');
    forgetProcessTokens();
    const byAppCred = await cloudWith({
      auth_url: sim.authUrl,
      application_credential_id: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      application_credential_secret: 's3cret-app',
    });
    expect(await byAppCred.endpoint('image')).toBe(sim.glanceUrl);
  });

  it('a wrong password is an AuthenticationError that says what to check', async () => {
    await expect(cloudWith(classicParams({ passwd: 'not-the-password' }))).rejects.toThrow(AuthenticationError);
    await expect(cloudWith(classicParams({ passwd: 'not-the-password' }))).rejects.toThrow(/check username\/password\/domains/);
  });

  it('reuses the cached token in the next process and re-authenticates once after Keystone expires it', async () => {
    await (await cloudWith(classicParams())).nova();
    forgetProcessTokens();
    await sim.resetCounters();
    const nova = await (await cloudWith(classicParams())).nova();
    expect((await sim.calls()).calls['POST /v3/auth/tokens'] ?? 0).toBe(0);

    await sim.expireTokens();
    expect((await nova.listComputeServices()).length).toBe(4);
    expect((await sim.calls()).calls['POST /v3/auth/tokens']).toBe(1);
  });
});

describe.each(['2.53', '2.11'])('Nova services at %s', (version) => {
  it('force-down, disable with a reason, then enable and clear force-down', async () => {
    const nova = await (await cloudWith(classicParams(), version)).nova();
    expect(nova.microversionText).toBe(version);
    const before = await serviceOf(nova, 'cmp-c');
    expect(before).toMatchObject({ host: 'cmp-c', binary: 'nova-compute', status: 'enabled', state: 'up', forcedDown: false });
    if (version === '2.53') expect(before.id).toMatch(/^[0-9a-f-]{36}$/);

    await nova.forceDown(before, true);
    await nova.disableService(before, 'fenced by nova-ha-agents');
    expect(await hostService('cmp-c')).toMatchObject({ forced_down: true, status: 'disabled', disabled_reason: 'fenced by nova-ha-agents', state: 'down' });
    expect(await serviceOf(nova, 'cmp-c')).toMatchObject({ forcedDown: true, status: 'disabled', state: 'down' });

    await nova.enableService(before);
    await nova.forceDown(before, false);
    expect(await hostService('cmp-c')).toMatchObject({ forced_down: false, status: 'enabled' });
    const calls = (await sim.calls()).calls;
    const legacy = Object.keys(calls).filter((key) => /os-services\/(force-down|disable|enable)/.test(key));
    if (version === '2.11') expect(legacy.length).toBeGreaterThan(0);
    else expect(legacy).toEqual([]);
  });
});

describe('servers, actions, flavors, aggregates, hypervisors, images', () => {
  it('lists every server across pages (Nova max_limit 3), all tenants and by host', async () => {
    const nova = await (await cloudWith(classicParams())).nova();
    const all = await nova.listServers({ allTenants: true });
    expect(all).toHaveLength(12);
    expect(new Set(all.map((server) => server.id)).size).toBe(12);
    const onA = await nova.listServers({ allTenants: true, host: 'cmp-a' });
    expect(onA).toHaveLength(7);
    expect(onA.every((server) => server.host === 'cmp-a')).toBe(true);
    const volumeBooted = onA.find((server) => server.name === 'a-volume-booted');
    expect(volumeBooted?.imageId).toBeNull();
    const tagged = await nova.getServer(A1);
    expect(tagged.flavor.extraSpecs).toEqual({ evacuable: 'true' });
    expect((await nova.listServerActions(A1)).length).toBeGreaterThan(0);
  });

  it('lists private flavors with their extra specs, aggregates, hypervisors and Glance images', async () => {
    const cloud = await cloudWith(classicParams());
    const nova = await cloud.nova();
    const flavors = await nova.listFlavors({ isPublic: 'none' });
    expect(flavors.map((flavor) => flavor.name).sort()).toEqual(['ha.private', 'ha.small', 'plain.small']);
    const privateFlavor = flavors.find((flavor) => flavor.name === 'ha.private');
    expect(privateFlavor?.isPublic).toBe(false);
    expect(await nova.getFlavorExtraSpecs(privateFlavor?.id ?? '')).toEqual({ evacuable: 'True ' });
    expect((await nova.listAggregates()).find((aggregate) => aggregate.name === 'segment-1')?.metadata).toMatchObject({ recovery_method: 'auto' });
    expect((await nova.listHypervisors()).map((hypervisor) => hypervisor.serviceHost).sort()).toEqual(['cmp-a', 'cmp-b', 'cmp-c', 'cmp-d']);

    const images = await (await cloud.glance()).listImages();
    expect(images.find((image) => image.name === 'cirros-ha')?.tags).toEqual(['evacuable']);
    expect(images.find((image) => image.name === 'cirros')?.properties).toMatchObject({ evacuable: 'true' });
  });
});

describe.each(['2.93', '2.11'])('evacuation at %s', (version) => {
  it('is refused while the host is up, accepted once forced down, and recorded as an evacuation migration', async () => {
    const nova = await (await cloudWith(classicParams(), version)).nova();
    const refused = await nova.evacuate(A1).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BadRequestError);
    expect((refused as Error).message).toContain('Compute service of cmp-a is still in use.');

    await sim.killHost('cmp-a');
    await nova.forceDown(await serviceOf(nova, 'cmp-a'), true);
    const result = await nova.evacuate(A1, { onSharedStorage: false });
    expect(result.microversion).toBe(version);
    await nova.evacuate(A2, { host: 'cmp-b' });

    const moved = await sim.waitFor(
      async () => {
        const servers = await Promise.all([nova.getServer(A1), nova.getServer(A2)]);
        return servers.every((server) => server.host !== 'cmp-a' && server.taskState === null) ? servers : null;
      },
      { what: 'both servers rebuilt elsewhere', timeoutMs: 20_000 },
    );
    expect(moved[1]?.host).toBe('cmp-b');

    const migrations = await nova.listMigrations({ sourceCompute: 'cmp-a', migrationType: 'evacuation' });
    expect(migrations.map((migration) => migration.instanceUuid).sort()).toEqual([A1, A2]);
    expect(migrations.every((migration) => ['done', 'completed'].includes(migration.status))).toBe(true);
    const forA2 = await nova.listMigrations({ instanceUuid: A2, migrationType: 'evacuation' });
    expect(forA2.map((migration) => migration.destCompute)).toEqual(['cmp-b']);
    expect((await sim.oracle()).ok).toBe(true);
  });
});
