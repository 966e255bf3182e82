/**
 * Smoke tests of the real-OpenStack lab (scripts/openstack-up) through OUR client library:
 * Keystone v3 password and application-credential tokens, Nova microversion negotiation,
 * Glance images with tags, and the host-failure sequence our agents drive — boot on a chosen
 * host, kill that host's nova-compute, force-down + disable, evacuate, track the server to a
 * new host and a finished migration, restart the host, migration `completed`, unfence.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connect, type Cloud } from '../../lib/openstack/connect';
import { resolveAuthSpec } from '../../lib/openstack/credentials';
import { GlanceClient } from '../../lib/openstack/glance';
import { Deadline } from '../../lib/runtime/deadline';
import type { ComputeService, Migration, NovaClient } from '../../lib/openstack/nova';
import {
  adminParams,
  appCredParams,
  bootOn,
  computeCtl,
  connectLab,
  deleteServers,
  loadLab,
  novaRequest,
  waitActiveOn,
  waitFor,
  type Lab,
} from './lab';

let lab: Lab;
let cloud: Cloud;
let nova: NovaClient;
const created: string[] = [];

beforeAll(async () => {
  lab = loadLab();
  if (lab.computes.length < 2) {
    throw new Error(`these tests need at least 2 computes, the lab has ${lab.computes.join(', ')}: scripts/openstack-up --computes a,b,c`);
  }
  cloud = await connectLab(adminParams(lab), 600_000);
  nova = await cloud.nova();
});

afterAll(async () => {
  if (!cloud) return;
  await deleteServers(cloud, created);
});

describe('Keystone v3', () => {
  test('password authentication gives a token and the catalog of the lab', async () => {
    expect(await cloud.keystone.token()).toMatch(/^\S{20,}$/);
    expect(await cloud.endpoint('compute')).toBe(lab.endpoints.compute);
    expect(await cloud.endpoint('image')).toBe(lab.endpoints.image);
  });

  test('an application credential authenticates and can list compute services', async () => {
    const appcred = await connectLab(appCredParams(lab));
    expect(await appcred.keystone.token()).toMatch(/^\S{20,}$/);
    const services = await (await appcred.nova()).listComputeServices();
    expect(services.map((s) => s.host).sort()).toEqual([...lab.computes].sort());
  });

  test('clouds.yaml: both clouds resolve and authenticate', async () => {
    for (const name of [lab.clouds.password, lab.clouds.appcred]) {
      const viaYaml = await connectLab({ cloud: name, clouds_yaml: lab.cloudsYaml });
      expect(await viaYaml.keystone.token()).toMatch(/^\S{20,}$/);
    }
  });

  test('the second project is a plain member: Nova refuses it the services API', async () => {
    const demo = await connectLab({
      auth_url: lab.authUrl,
      username: lab.demo.username,
      password: lab.demo.password,
      tenant_name: lab.demo.project,
      endpoint_type: 'public',
    });
    await expect((await demo.nova()).listComputeServices()).rejects.toThrow(/403/);
  });
});

describe('Nova', () => {
  test('microversion negotiation: Zed offers up to 2.93, below our 2.94 ceiling', async () => {
    expect(nova.microversionText).toBe('2.93');
    expect(nova.supports('2.53')).toBe(true);
    const old = await connect(resolveAuthSpec(adminParams(lab)), { deadline: Deadline.in(60_000), novaMaxMicroversion: '2.52' });
    const oldNova = await old.nova();
    expect(oldNova.microversionText).toBe('2.52');
    // Below 2.53 services have integer ids and the legacy calls are used.
    const services = await oldNova.listComputeServices();
    expect(services.every((s) => /^\d+$/.test(s.id))).toBe(true);
  });

  test('every lab compute is up and enabled, with its own hypervisor', async () => {
    const services = await nova.listComputeServices();
    for (const host of lab.computes) {
      const service = services.find((s) => s.host === host);
      expect(service).toMatchObject({ state: 'up', status: 'enabled', forcedDown: false });
    }
    const hypervisors = await nova.listHypervisors();
    expect(hypervisors.length).toBe(lab.computes.length);
  });

  test('flavors: one with evacuable=true, one without', async () => {
    expect(await nova.getFlavorExtraSpecs(lab.flavors.evacuable.id)).toEqual({ evacuable: 'true' });
    expect(await nova.getFlavorExtraSpecs(lab.flavors.plain.id)).toEqual({});
  });
});

describe('Glance stand-in', () => {
  test('images with tags, every page', async () => {
    const glance = await cloud.glance();
    const images = await glance.listImages();
    expect(images.find((i) => i.id === lab.images.evacuable)?.tags).toEqual(['evacuable']);
    expect(images.find((i) => i.id === lab.images.plain)?.tags).toEqual([]);
  });

  test('pagination: one image a page still finds both, through the `next` link', async () => {
    const paged = new GlanceClient({
      endpoint: await cloud.endpoint('image'),
      deadline: Deadline.in(30_000),
      tls: { insecure: false },
      auth: cloud.keystone,
      pageSize: 1,
    });
    const ids = (await paged.listImages()).map((i) => i.id);
    expect(ids).toEqual([lab.images.evacuable, lab.images.plain]);
  });
});

describe('scripts/openstack/compute', () => {
  test('stop is graceful and start brings the same host back up in Nova', async () => {
    const host = lab.computes[1] as string;
    expect(await computeCtl(lab, 'status', host)).toMatch(/^running \d+$/);
    expect(await computeCtl(lab, 'stop', host)).toBe('stopped');
    await expect(computeCtl(lab, 'status', host)).rejects.toMatchObject({ code: 3 });
    // A second stop of a stopped compute succeeds too.
    expect(await computeCtl(lab, 'stop', host)).toBe('stopped');
    // The last heartbeat before the stop (Nova's clock): a newer one proves the restart.
    const [stopped] = await nova.listComputeServices({ host });
    expect(await computeCtl(lab, 'start', host)).toMatch(/^started \d+$/);
    expect(await computeCtl(lab, 'start', host)).toMatch(/^running \d+$/);
    const [service] = await waitFor(`${host} reporting again`, 90_000, async () => {
      const found = await nova.listComputeServices({ host });
      return found[0]?.state === 'up' && found[0].updatedAt !== stopped?.updatedAt ? found : undefined;
    });
    expect(service).toMatchObject({ host, status: 'enabled', forcedDown: false });
  }, 120_000);
});

describe('host failure on real Nova', () => {
  const failed = () => lab.computes[0] as string;

  afterAll(async () => {
    // Whatever happened, leave the failed host running, un-forced and enabled for what follows.
    if (!lab || !nova) return;
    await computeCtl(lab, 'start', failed()).catch(() => undefined);
    const service = (await nova.listComputeServices({ host: failed() }).catch(() => []))[0];
    if (service?.forcedDown) await nova.forceDown(service, false).catch(() => undefined);
    if (service?.status === 'disabled') await nova.enableService(service).catch(() => undefined);
  });

  test(
    'boot on a host, kill its nova-compute, fence, evacuate, track, restart, completed, unfence',
    async () => {
      const host = failed();
      const id = await bootOn(cloud, lab, 'lab-evac-1', host, lab.flavors.evacuable.id);
      created.push(id);
      await waitActiveOn(nova, id, host, 120_000);

      // The host dies: SIGKILL to its nova-compute (the fake driver's guests die with it).
      await computeCtl(lab, 'kill', host);
      expect(await computeCtl(lab, 'status', host).catch((e: { stdout?: string }) => e.stdout?.trim())).toBe('stopped');

      // Fencing, as fence_compute does it: force-down, then disable with a reason.
      const [before] = await nova.listComputeServices({ host });
      expect(before).toBeDefined();
      const down = await nova.forceDown(before as ComputeService, true);
      expect(down).toMatchObject({ forcedDown: true, state: 'down' });
      const disabled = await nova.disableService(down, 'lab: fenced');
      expect(disabled).toMatchObject({ status: 'disabled', disabledReason: 'lab: fenced' });

      // Evacuate, letting the scheduler pick; done = on another host AND a finished migration
      // (a server mid-evacuation can read ACTIVE on its old host with no task state).
      await nova.evacuate(id);
      const { server, migration } = await waitFor(`server ${id} evacuated`, 120_000, async () => {
        const current = await nova.getServer(id);
        if (current.status === 'ERROR') throw new Error(`server ${id} went to ERROR`);
        const migrations = await nova.listMigrations({ sourceCompute: host, migrationType: 'evacuation', instanceUuid: id });
        const finished = migrations.find((m) => m.status === 'done' || m.status === 'completed');
        return current.status === 'ACTIVE' && current.host !== host && !current.taskState && finished
          ? { server: current, migration: finished }
          : undefined;
      });
      expect(lab.computes).toContain(server.host);
      expect(migration).toMatchObject({ sourceCompute: host, destCompute: server.host, status: 'done' });

      // Nova refuses to un-force while `done` records remain.
      await expect(nova.forceDown(disabled, false)).rejects.toThrow(/400/);

      // The host comes back: its nova-compute cleans up and marks the migration completed.
      await computeCtl(lab, 'start', host);
      const completed: Migration = await waitFor(`migration of ${id} completed`, 120_000, async () => {
        const migrations = await nova.listMigrations({ sourceCompute: host, migrationType: 'evacuation', instanceUuid: id });
        return migrations.find((m) => m.status === 'completed');
      });
      expect(completed.destCompute).toBe(server.host);

      // Unfence: clear force-down, enable; the next heartbeat shows it up.
      const unforced = await nova.forceDown(disabled, false);
      expect(unforced.forcedDown).toBe(false);
      const enabled = await nova.enableService(unforced);
      expect(enabled.status).toBe('enabled');
      await waitFor(`${host} up again`, 60_000, async () => {
        const [service] = await nova.listComputeServices({ host });
        return service?.state === 'up' ? service : undefined;
      });
      // The evacuated server is untouched by the return of its old host.
      expect((await nova.getServer(id)).host).toBe(server.host);
    },
    600_000,
  );

  test('a server list filtered by host sees the evacuated server on its new host only', async () => {
    const host = failed();
    const { data } = await novaRequest(cloud, 'GET', `/servers/detail?all_tenants=1&host=${host}`);
    const ids = (data as { servers: { id: string }[] }).servers.map((s) => s.id);
    for (const id of created) expect(ids).not.toContain(id);
  });
});
