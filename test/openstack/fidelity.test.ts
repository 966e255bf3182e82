/**
 * Simulator fidelity: the same raw request sequence (fidelity-probe.ts: Keystone's refusal,
 * version document, microversion errors, services at 2.52/2.93, server, flavor, hypervisor and
 * aggregate shapes, evacuate refusals, force-down, evacuate, migration records, un-force
 * before and after the host's return) against the real lab and against the simulated cloud.
 * Every answer where they differ is listed in docs/sim-fidelity.md; this test holds the list
 * to the truth: a new difference fails it, and so does one the simulator no longer has.
 */
import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import type { Cloud } from '../../lib/openstack/connect';
import { connect } from '../../lib/openstack/connect';
import { resolveAuthSpec } from '../../lib/openstack/credentials';
import type { NovaClient } from '../../lib/openstack/nova';
import { Deadline } from '../../lib/runtime/deadline';
import { scenarioPath, startSim, type RunningSim } from '../helpers/sim';
import { compareProbes, runProbe, waitHostReported, type ProbeRecord } from './fidelity-probe';
import { adminParams, computeCtl, connectLab, deleteServers, loadLab, novaRequest, waitFor, type Lab } from './lab';

jest.setTimeout(600_000);

let lab: Lab;
let cloud: Cloud;
let nova: NovaClient;
let sim: RunningSim | undefined;
const created: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
const HOST = 'cmp-c';

beforeAll(async () => {
  lab = loadLab();
  cloud = await connectLab(adminParams(lab), 600_000);
  nova = await cloud.nova();
});

afterAll(async () => {
  await sim?.stop();
  if (!cloud) return;
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  await deleteServers(cloud, created);
  await computeCtl(lab, 'start', HOST).catch(() => undefined);
});

/** The boot on HOST fails fast when the server goes to ERROR instead of waiting out the bound. */
async function waitActiveOnHost(id: string): Promise<void> {
  const server = await waitFor(`${id} ACTIVE`, 180_000, async () => {
    const s = await nova.getServer(id);
    return s.status === 'ERROR' || (s.status === 'ACTIVE' && s.host === HOST && !s.taskState) ? s : undefined;
  });
  if (server.status === 'ERROR') throw new Error(`${id} went to ERROR on boot: ${JSON.stringify(server)}`);
}

async function probeLab(): Promise<ProbeRecord> {
  // A fresh lab's compute may not have reported yet (see waitHostReported).
  await waitHostReported(cloud, HOST);
  const { status, data } = await novaRequest(cloud, 'POST', '/servers', {
    server: { name: 'fidelity-1', flavorRef: lab.flavors.evacuable.id, imageRef: lab.images.plain, networks: 'none', availability_zone: `nova:${HOST}` },
  });
  if (status !== 202) throw new Error(`boot: HTTP ${status} ${JSON.stringify(data)}`);
  const id = (data as { server: { id: string } }).server.id;
  created.push(id);
  // The lab has no aggregate of its own: one for the shape of the listing.
  const aggregate = await novaRequest(cloud, 'POST', '/os-aggregates', { aggregate: { name: 'fidelity' } });
  const aggregateId = (aggregate.data as { aggregate?: { id: number } }).aggregate?.id;
  cleanups.push(async () => void (await novaRequest(cloud, 'DELETE', `/os-aggregates/${aggregateId}`)));
  await waitActiveOnHost(id);
  return runProbe({
    cloud,
    authUrl: lab.authUrl,
    host: HOST,
    serverId: id,
    kill: async () => void (await computeCtl(lab, 'kill', HOST)),
    revive: async () => {
      await computeCtl(lab, 'start', HOST);
    },
  });
}

async function probeSim(): Promise<ProbeRecord> {
  sim = await startSim({ scenario: scenarioPath('small'), timing: { timeScale: 5 } });
  const simCloud = await connect(resolveAuthSpec({ cloud: 'sim', clouds_yaml: sim.cloudsYamlPath }), { deadline: Deadline.in(300_000) });
  const server = ((await sim.state({ full: true })).instanceList ?? []).find((i) => i.host === 'cmp-a' && i.status === 'ACTIVE');
  if (!server) throw new Error('the small scenario has no ACTIVE instance on cmp-a');
  const running = sim;
  return runProbe({
    cloud: simCloud,
    authUrl: sim.authUrl,
    host: 'cmp-a',
    serverId: server.id,
    kill: () => running.killHost('cmp-a'),
    revive: () => running.reviveHost('cmp-a'),
  });
}

/** Where the simulator answers otherwise than Zed (docs/sim-fidelity.md explains each). */
// None since the simulator took Zed's shapes (49d639d) and its second-evacuate rule (f0c1dba).
const KNOWN_DIFFERENCES: string[] = [];

test('the simulator answers the host-failure sequence as real Nova does, apart from the recorded differences', async () => {
  const real = await probeLab();
  const simulated = await probeSim();
  const differences = compareProbes(real, simulated);
  console.log(JSON.stringify({ real, simulated, differences }, null, 1));
  expect(Object.keys(differences).sort()).toEqual([...KNOWN_DIFFERENCES].sort());
});

test('a second evacuate while the first is rebuilding: real Nova accepts it and the first breaks; the simulator must do the same (docs/sim-fidelity.md §1)', async () => {
  // HOST came back in the test before: boot on it once its nova-compute is in service again.
  await waitHostReported(cloud, HOST);
  const { status, data } = await novaRequest(cloud, 'POST', '/servers', {
    server: { name: 'fidelity-twice', flavorRef: lab.flavors.evacuable.id, imageRef: lab.images.plain, networks: 'none', availability_zone: `nova:${HOST}` },
  });
  expect(status).toBe(202);
  const id = (data as { server: { id: string } }).server.id;
  created.push(id);
  await waitActiveOnHost(id);
  await computeCtl(lab, 'kill', HOST);
  const [svc] = await nova.listComputeServices({ host: HOST });
  const fenced = await nova.forceDown(svc as NonNullable<typeof svc>, true);
  let real: { second: number; records: string[] };
  try {
    expect((await novaRequest(cloud, 'POST', `/servers/${id}/action`, { evacuate: {} }, '2.93')).status).toBe(200);
    const between = await nova.getServer(id);
    const second = await novaRequest(cloud, 'POST', `/servers/${id}/action`, { evacuate: {} }, '2.93');
    // What follows needs the first still rebuilding when the second arrived (it always was here).
    expect(between.taskState).toBe('rebuilding');
    expect(second.status).toBe(200);
    // One record per POST; seen every time: the first `failed`, the second stuck `accepted`.
    await waitFor('both evacuation records settled', 60_000, async () => {
      const all = await nova.listMigrations({ sourceCompute: HOST, instanceUuid: id, migrationType: 'evacuation' });
      return all.length >= 2 && all.some((m) => m.status === 'failed') ? all : undefined;
    });
    const after = await nova.listMigrations({ sourceCompute: HOST, instanceUuid: id, migrationType: 'evacuation' });
    real = { second: second.status, records: after.map((m) => m.status).sort() };
  } finally {
    await computeCtl(lab, 'start', HOST);
    await novaRequest(cloud, 'DELETE', `/servers/${id}`);
    await nova.forceDown(fenced, false).catch(() => undefined);
  }

  // The simulator, with rebuilds long enough that the second POST lands during the first.
  const twin = await startSim({ scenario: scenarioPath('small'), timing: { timeScale: 1, rebuildSec: { dist: 'uniform', min: 30, max: 30 } } });
  try {
    const simCloud = await connect(resolveAuthSpec({ cloud: 'sim', clouds_yaml: twin.cloudsYamlPath }), { deadline: Deadline.in(60_000) });
    const server = ((await twin.state({ full: true })).instanceList ?? []).find((i) => i.host === 'cmp-a' && i.status === 'ACTIVE');
    await twin.killHost('cmp-a');
    const simNova = await simCloud.nova();
    const [simService] = await simNova.listComputeServices({ host: 'cmp-a' });
    await simNova.forceDown(simService as NonNullable<typeof simService>, true);
    expect((await novaRequest(simCloud, 'POST', `/servers/${server?.id}/action`, { evacuate: {} }, '2.93')).status).toBe(200);
    const second = await novaRequest(simCloud, 'POST', `/servers/${server?.id}/action`, { evacuate: {} }, '2.93');
    const records = second.status === 200
      ? await waitFor('both simulated records settled', 30_000, async () => {
          const all = await simNova.listMigrations({ sourceCompute: 'cmp-a', instanceUuid: server?.id as string });
          return all.length >= 2 && all.some((m) => m.status === 'failed') ? all.map((m) => m.status).sort() : undefined;
        }).catch(() => ['(not settled)'])
      : [];
    expect({ second: second.status, records }).toEqual(real);
  } finally {
    await twin.stop();
  }
});
