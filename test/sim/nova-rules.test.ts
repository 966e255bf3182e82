import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { startSim, scenarioPath, type RunningSim } from '../helpers/sim';
import { SimApi } from './api-client';

const A1 = 'aaaaaaa1-0000-4000-8000-000000000001';
const A6_STOPPED = 'aaaaaaa1-0000-4000-8000-000000000006';
const B_ERROR = 'bbbbbbb2-0000-4000-8000-000000000003';

let sim: RunningSim;
let api: SimApi;

beforeEach(async () => {
  sim = await startSim({
    scenario: scenarioPath('small'),
    timing: { timeScale: 20, serviceDownTimeSec: 2, rebuildSec: 1, schedulingSec: 0.2, reviveCleanupSec: 1 },
  });
  api = new SimApi(sim.authUrl, sim.novaUrl, sim.glanceUrl);
  expect((await api.login()).status).toBe(201);
});
afterEach(async () => {
  await sim.stop();
});

async function serviceOf(host: string, version = '2.53') {
  const r = await api.nova('GET', `/os-services?host=${host}&binary=nova-compute`, version);
  return r.body.services[0];
}

async function fence(host: string) {
  const svc = await serviceOf(host);
  const r = await api.nova('PUT', `/os-services/${svc.id}`, '2.53', { forced_down: true, status: 'disabled', disabled_reason: 'fenced' });
  expect(r.status).toBe(200);
}

const waitServer = (id: string, pred: (s: any) => boolean) =>
  sim.waitFor(async () => {
    const r = await api.nova('GET', `/servers/${id}`, '2.53');
    return pred(r.body.server) ? r.body.server : null;
  }, { what: `server ${id}` });

describe('evacuate preconditions', () => {
  test('refused with 400 while the source compute service is up', async () => {
    const r = await api.nova('POST', `/servers/${A1}/action`, '2.68', { evacuate: {} });
    expect(r.status).toBe(400);
    expect(r.body.badRequest.message).toBe('Compute service of cmp-a is still in use.');
    expect((await sim.oracle()).ok).toBe(true);
  });

  test('accepted once the host is dead and its service has timed out, without force-down', async () => {
    await sim.killHost('cmp-a');
    expect((await serviceOf('cmp-a')).state).toBe('up');
    await sim.waitFor(async () => (await serviceOf('cmp-a')).state === 'down', { what: 'service down' });
    const r = await api.nova('POST', `/servers/${A1}/action`, '2.68', { evacuate: {} });
    expect(r.status).toBe(200);
    expect(r.body).toBeUndefined();
    const moved = await waitServer(A1, (s) => s['OS-EXT-SRV-ATTR:host'] !== 'cmp-a' && s['OS-EXT-STS:task_state'] === null);
    expect(moved.status).toBe('ACTIVE');
    expect(['cmp-b', 'cmp-c']).toContain(moved['OS-EXT-SRV-ATTR:host']);
    expect((await sim.oracle()).ok).toBe(true);
  });

  test('a second evacuate while the first is in flight is accepted (Zed checks no task state) and breaks the first', async () => {
    await sim.killHost('cmp-a');
    await fence('cmp-a');
    expect((await api.nova('POST', `/servers/${A1}/action`, '2.68', { evacuate: {} })).status).toBe(200);
    const again = await api.nova('POST', `/servers/${A1}/action`, '2.68', { evacuate: {} });
    expect(again.status).toBe(200);
    const report = await sim.oracle();
    expect(report.violations.map((v) => v.kind)).toEqual(['double-evacuation']);
    // As the lab saw: the first record failed, the second stays accepted, the server stuck in REBUILD.
    await new Promise((r) => setTimeout(r, 300));
    const migs = await api.nova('GET', `/os-migrations?instance_uuid=${A1}`, '2.59');
    expect(migs.body.migrations.map((m: { status: string }) => m.status).sort()).toEqual(['accepted', 'failed']);
    const server = (await api.nova('GET', `/servers/${A1}`, '2.68')).body.server;
    expect(server).toMatchObject({ status: 'REBUILD', 'OS-EXT-STS:task_state': 'rebuild_block_device_mapping' });
  });

  test('explicit target: unknown host 404, same host 400, disabled host → migration error and ERROR', async () => {
    await sim.killHost('cmp-a');
    await fence('cmp-a');
    expect((await api.nova('POST', `/servers/${A1}/action`, '2.29', { evacuate: { host: 'nope' } })).status).toBe(404);
    expect((await api.nova('POST', `/servers/${A1}/action`, '2.29', { evacuate: { host: 'cmp-a' } })).status).toBe(400);
    expect((await api.nova('POST', `/servers/${A1}/action`, '2.29', { evacuate: { force: true } })).status).toBe(400);
    // cmp-d is the reserved host: disabled, so the scheduler refuses it.
    expect((await api.nova('POST', `/servers/${A1}/action`, '2.29', { evacuate: { host: 'cmp-d' } })).status).toBe(200);
    const failed = await waitServer(A1, (s) => s.status === 'ERROR');
    expect(failed['OS-EXT-SRV-ATTR:host']).toBe('cmp-a');
    const migs = await api.nova('GET', `/os-migrations?instance_uuid=${A1}`, '2.59');
    expect(migs.body.migrations[0].status).toBe('error');
    // ERROR instances may be evacuated again; the retry to a good host lands ACTIVE.
    expect((await api.nova('POST', `/servers/${A1}/action`, '2.29', { evacuate: { host: 'cmp-b' } })).status).toBe(200);
    const moved = await waitServer(A1, (s) => s['OS-EXT-SRV-ATTR:host'] === 'cmp-b' && s['OS-EXT-STS:task_state'] === null);
    expect(moved.status).toBe('ACTIVE');
  });

  test('before 2.29 an explicit host skips the scheduler filters (a disabled host is used); a password is generated', async () => {
    await sim.killHost('cmp-a');
    await fence('cmp-a');
    const r = await api.nova('POST', `/servers/${A1}/action`, '2.11', { evacuate: { host: 'cmp-d', onSharedStorage: false } });
    expect(r.status).toBe(200);
    expect(r.body.adminPass).toMatch(/^[A-Za-z0-9]{12}$/);
    const moved = await waitServer(A1, (s) => s['OS-EXT-STS:task_state'] === null && s['OS-EXT-SRV-ATTR:host'] !== 'cmp-a');
    expect(moved['OS-EXT-SRV-ATTR:host']).toBe('cmp-d');
  });

  test('a stopped instance stays SHUTOFF below 2.95; an ERROR one comes back ACTIVE', async () => {
    await sim.killHost('cmp-a');
    await fence('cmp-a');
    expect((await api.nova('POST', `/servers/${A6_STOPPED}/action`, '2.68', { evacuate: {} })).status).toBe(200);
    const moved = await waitServer(A6_STOPPED, (s) => s['OS-EXT-SRV-ATTR:host'] !== 'cmp-a' && s['OS-EXT-STS:task_state'] === null);
    expect(moved.status).toBe('SHUTOFF');
    await sim.killHost('cmp-b');
    await fence('cmp-b');
    expect((await api.nova('POST', `/servers/${B_ERROR}/action`, '2.68', { evacuate: {} })).status).toBe(200);
    const back = await waitServer(B_ERROR, (s) => s['OS-EXT-SRV-ATTR:host'] !== 'cmp-b' && s['OS-EXT-STS:task_state'] === null);
    expect(back.status).toBe('ACTIVE');
  });

  test('onSharedStorage=true on local disks: accepted, then the rebuild fails (migration failed, ERROR)', async () => {
    await sim.killHost('cmp-a');
    await fence('cmp-a');
    const r = await api.nova('POST', `/servers/${A1}/action`, '2.11', { evacuate: { onSharedStorage: true } });
    expect(r.status).toBe(200);
    // On (claimed) shared storage the disk is kept: no password is generated.
    expect(r.body).toEqual({ adminPass: null });
    await waitServer(A1, (s) => s.status === 'ERROR');
    const migs = await api.nova('GET', `/os-migrations?instance_uuid=${A1}&migration_type=evacuation`, '2.23');
    expect(migs.body.migrations.map((m: any) => m.status)).toEqual(['failed']);
    const missing = await api.nova('POST', `/servers/${A1}/action`, '2.11', { evacuate: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.badRequest.message).toContain("'onSharedStorage' is a required property");
  });
});

describe('migration lifecycle and un-forcing', () => {
  test('accepted → pre-migrating → done, completed after revive; un-force refused with 400 until then', async () => {
    await sim.killHost('cmp-a');
    await fence('cmp-a');
    expect((await api.nova('POST', `/servers/${A1}/action`, '2.68', { evacuate: {} })).status).toBe(200);
    const first = await api.nova('GET', '/os-migrations?migration_type=evacuation&source_compute=cmp-a', '2.59');
    expect(['accepted', 'pre-migrating']).toContain(first.body.migrations[0].status);
    expect(first.body.migrations[0].uuid).toEqual(expect.any(String));
    await sim.waitFor(async () => {
      const r = await api.nova('GET', '/os-migrations?migration_type=evacuation&source_compute=cmp-a', '2.59');
      return r.body.migrations[0].status === 'done';
    }, { what: 'migration done' });
    const svc = await serviceOf('cmp-a');
    const refused = await api.nova('PUT', `/os-services/${svc.id}`, '2.53', { forced_down: false });
    expect(refused.status).toBe(400);
    expect(refused.body.badRequest.message).toContain('`done` evacuation migration records remain');
    const legacy = await api.nova('PUT', '/os-services/force-down', '2.11', { host: 'cmp-a', binary: 'nova-compute', forced_down: false });
    expect(legacy.status).toBe(400);
    await sim.reviveHost('cmp-a');
    await sim.waitFor(async () => {
      const r = await api.nova('GET', '/os-migrations?migration_type=evacuation&source_compute=cmp-a', '2.59');
      return r.body.migrations[0].status === 'completed';
    }, { what: 'migration completed' });
    const unforced = await api.nova('PUT', `/os-services/${svc.id}`, '2.53', { forced_down: false, status: 'enabled' });
    expect(unforced.status).toBe(200);
    expect(unforced.body.service).toMatchObject({ forced_down: false, status: 'enabled', state: 'up', host: 'cmp-a' });
  });
});

describe('revive while an evacuation is still rebuilding', () => {
  test('the source marks it completed, and the destination sets it done again when it finishes', async () => {
    const s2 = await startSim({
      scenario: { hosts: [{ name: 'h1' }, { name: 'h2' }], flavors: [{ name: 'f' }], instances: [{ id: 'd0000000-0000-4000-8000-000000000009', host: 'h1', flavor: 'f' }] },
      timing: { timeScale: 10, schedulingSec: 0, rebuildSec: 5, reviveCleanupSec: 0 },
    });
    try {
      const api2 = new SimApi(s2.authUrl, s2.novaUrl, s2.glanceUrl);
      await api2.login();
      await s2.killHost('h1');
      await api2.nova('PUT', '/os-services/force-down', '2.11', { host: 'h1', binary: 'nova-compute', forced_down: true });
      expect((await api2.nova('POST', '/servers/d0000000-0000-4000-8000-000000000009/action', '2.68', { evacuate: {} })).status).toBe(200);
      await s2.waitFor(async () => (await s2.state()).migrations.byStatus['pre-migrating'] === 1);
      await s2.reviveHost('h1');
      await s2.waitFor(async () => (await s2.state()).migrations.byStatus['completed'] === 1, { what: 'completed by the source' });
      await s2.waitFor(async () => (await s2.state()).migrations.byStatus['done'] === 1, { what: 'done again', timeoutMs: 5_000 });
      const refused = await api2.nova('PUT', '/os-services/force-down', '2.11', { host: 'h1', binary: 'nova-compute', forced_down: false });
      expect(refused.status).toBe(400);
    } finally {
      await s2.stop();
    }
  });
});

describe('capacity and build slots', () => {
  test('a scheduled evacuation with no room anywhere ends in ERROR with migration error', async () => {
    const small = {
      hosts: [
        { name: 'h1', capacity: { vcpus: 4, ramMb: 4096, diskGb: 100 } },
        { name: 'h2', capacity: { vcpus: 1, ramMb: 4096, diskGb: 100 } },
      ],
      flavors: [{ id: '1', name: 'big', vcpus: 2, ram: 1024, disk: 10 }],
      instances: [{ id: 'f0000000-0000-4000-8000-000000000001', host: 'h1', flavor: 'big' }],
    };
    const s2 = await startSim({ scenario: small, timing: { timeScale: 20, schedulingSec: 0.1 } });
    try {
      const api2 = new SimApi(s2.authUrl, s2.novaUrl, s2.glanceUrl);
      await api2.login();
      await s2.killHost('h1');
      const svc = (await api2.nova('GET', '/os-services?host=h1', '2.53')).body.services[0];
      await api2.nova('PUT', `/os-services/${svc.id}`, '2.53', { forced_down: true });
      expect((await api2.nova('POST', '/servers/f0000000-0000-4000-8000-000000000001/action', '2.68', { evacuate: {} })).status).toBe(200);
      await s2.waitFor(async () => (await api2.nova('GET', '/servers/f0000000-0000-4000-8000-000000000001')).body.server.status === 'ERROR');
      const migs = await api2.nova('GET', '/os-migrations', '2.59');
      expect(migs.body.migrations[0]).toMatchObject({ status: 'error', source_compute: 'h1', dest_compute: null });
      const server = (await api2.nova('GET', '/servers/f0000000-0000-4000-8000-000000000001')).body.server;
      expect(server.fault).toMatchObject({ code: 500, message: expect.stringContaining('No valid host was found') });
    } finally {
      await s2.stop();
    }
  });

  test('rebuilds beyond max concurrent builds queue on the destination', async () => {
    const instances = Array.from({ length: 6 }, (_, i) => ({ id: `e0000000-0000-4000-8000-00000000000${i}`, host: 'src', flavor: 'f' }));
    const s2 = await startSim({
      scenario: { hosts: [{ name: 'src' }, { name: 'dst', maxConcurrentBuilds: 2 }], flavors: [{ name: 'f' }], instances },
      timing: { timeScale: 10, schedulingSec: 0, rebuildSec: 2 },
    });
    try {
      const api2 = new SimApi(s2.authUrl, s2.novaUrl, s2.glanceUrl);
      await api2.login();
      await s2.killHost('src');
      await api2.nova('PUT', '/os-services/force-down', '2.11', { host: 'src', binary: 'nova-compute', forced_down: true });
      for (const i of instances) expect((await api2.nova('POST', `/servers/${i.id}/action`, '2.14', { evacuate: {} })).status).toBe(200);
      const busy = await s2.waitFor(async () => {
        const st = await s2.state({ host: 'dst' });
        const h = st.hosts[0]!;
        return h.builds.active + h.builds.queued === 6 ? h : null;
      });
      expect(busy.builds).toEqual({ active: 2, queued: 4 });
      await s2.waitFor(async () => (await s2.state()).migrations.byStatus['done'] === 6, { timeoutMs: 20_000 });
      expect((await s2.state({ host: 'dst' })).hosts[0]!.builds).toEqual({ active: 0, queued: 0 });
    } finally {
      await s2.stop();
    }
  });
});

describe('instance actions', () => {
  test('an operator stop is recorded; a crash is not', async () => {
    expect((await api.nova('POST', `/servers/${A1}/action`, '2.1', { 'os-stop': null })).status).toBe(202);
    await sim.crashInstance('bbbbbbb2-0000-4000-8000-000000000001');
    const stopped = await waitServer(A1, (s) => s.status === 'SHUTOFF');
    expect(stopped['OS-EXT-STS:power_state']).toBe(4);
    const crashed = (await api.nova('GET', '/servers/bbbbbbb2-0000-4000-8000-000000000001')).body.server;
    expect(crashed.status).toBe('SHUTOFF');
    const a = await api.nova('GET', `/servers/${A1}/os-instance-actions`, '2.58');
    expect(a.body.instanceActions.map((x: any) => x.action)).toEqual(['stop', 'create']);
    expect(a.body.instanceActions[0].updated_at).toEqual(expect.any(String));
    const c = await api.nova('GET', '/servers/bbbbbbb2-0000-4000-8000-000000000001/os-instance-actions');
    expect(c.body.instanceActions.map((x: any) => x.action)).toEqual(['create']);
    expect((await api.nova('POST', `/servers/${A1}/action`, '2.1', { 'os-start': null })).status).toBe(202);
    await waitServer(A1, (s) => s.status === 'ACTIVE');
    const started = await api.nova('POST', `/servers/${A1}/action`, '2.1', { 'os-start': null });
    expect(started.status).toBe(409);
    // A soft reboot needs ACTIVE; a hard reboot brings a crashed guest back.
    const crashedId = 'bbbbbbb2-0000-4000-8000-000000000001';
    expect((await api.nova('POST', `/servers/${crashedId}/action`, '2.1', { reboot: { type: 'SOFT' } })).status).toBe(409);
    const hard = await api.nova('POST', `/servers/${crashedId}/action`, '2.1', { reboot: { type: 'HARD' } });
    expect(hard.status).toBe(202);
    await waitServer(crashedId, (s) => s.status === 'ACTIVE');
    const after = await api.nova('GET', `/servers/${crashedId}/os-instance-actions`);
    expect(after.body.instanceActions.map((x: any) => x.action)).toEqual(['reboot', 'create']);
  });

  test('a cast to a nova-compute that does not work is lost: the task stays set', async () => {
    const crashedId = 'ccccccc3-0000-4000-8000-000000000001';
    await sim.crashInstance(crashedId);
    await sim.hangCompute('cmp-c');
    expect((await api.nova('POST', `/servers/${crashedId}/action`, '2.1', { reboot: { type: 'HARD' } })).status).toBe(202);
    // Nova's state map has no reboot status for a stopped instance: SHUTOFF with the task set.
    expect((await api.nova('GET', `/servers/${crashedId}`)).body.server).toMatchObject({ status: 'SHUTOFF', 'OS-EXT-STS:task_state': 'rebooting_hard' });
    expect((await api.nova('POST', `/servers/${crashedId}/action`, '2.1', { 'os-start': null })).status).toBe(409);
  });
});

describe('crash modes', () => {
  test('power-state only (Nova has not noticed) and synced (Nova\'s own stop, no user)', async () => {
    await sim.crashInstance(A1, 'power-state');
    const unnoticed = (await api.nova('GET', `/servers/${A1}`)).body.server;
    expect(unnoticed).toMatchObject({ status: 'ACTIVE', 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:power_state': 4 });
    await sim.crashInstance('aaaaaaa1-0000-4000-8000-000000000002', 'synced');
    const synced = (await api.nova('GET', '/servers/aaaaaaa1-0000-4000-8000-000000000002/os-instance-actions')).body.instanceActions;
    expect(synced[0]).toMatchObject({ action: 'stop', user_id: null, project_id: null });
  });
});

describe('configured limits', () => {
  test('from 2.95 (when the cloud offers it) an evacuated ACTIVE instance arrives stopped', async () => {
    const s2 = await startSim({
      scenario: { hosts: [{ name: 'h1' }, { name: 'h2' }], flavors: [{ name: 'f' }], instances: [{ id: 'd0000000-0000-4000-8000-000000000001', host: 'h1', flavor: 'f' }, { id: 'd0000000-0000-4000-8000-000000000002', host: 'h1', flavor: 'f' }] },
      nova: { maxVersion: '2.95' },
      timing: { timeScale: 20, schedulingSec: 0, rebuildSec: 0.5 },
    });
    try {
      const api2 = new SimApi(s2.authUrl, s2.novaUrl, s2.glanceUrl);
      await api2.login();
      await s2.killHost('h1');
      await api2.nova('PUT', '/os-services/force-down', '2.11', { host: 'h1', binary: 'nova-compute', forced_down: true });
      expect((await api2.nova('POST', '/servers/d0000000-0000-4000-8000-000000000001/action', '2.95', { evacuate: {} })).status).toBe(200);
      expect((await api2.nova('POST', '/servers/d0000000-0000-4000-8000-000000000002/action', '2.94', { evacuate: {} })).status).toBe(200);
      const at295 = await s2.waitFor(async () => {
        const s = (await api2.nova('GET', '/servers/d0000000-0000-4000-8000-000000000001')).body.server;
        return s['OS-EXT-SRV-ATTR:host'] === 'h2' && s['OS-EXT-STS:task_state'] === null ? s : null;
      });
      expect(at295.status).toBe('SHUTOFF');
      const at294 = await s2.waitFor(async () => {
        const s = (await api2.nova('GET', '/servers/d0000000-0000-4000-8000-000000000002')).body.server;
        return s['OS-EXT-SRV-ATTR:host'] === 'h2' && s['OS-EXT-STS:task_state'] === null ? s : null;
      });
      expect(at294.status).toBe('ACTIVE');
    } finally {
      await s2.stop();
    }
  });

  test('a destination that dies mid-rebuild fails the evacuation when it restarts', async () => {
    const s2 = await startSim({
      scenario: { hosts: [{ name: 'h1' }, { name: 'h2' }], flavors: [{ name: 'f' }], instances: [{ id: 'd0000000-0000-4000-8000-000000000003', host: 'h1', flavor: 'f' }] },
      timing: { timeScale: 20, schedulingSec: 0, rebuildSec: 100, reviveCleanupSec: 0 },
    });
    try {
      const api2 = new SimApi(s2.authUrl, s2.novaUrl, s2.glanceUrl);
      await api2.login();
      await s2.killHost('h1');
      await api2.nova('PUT', '/os-services/force-down', '2.11', { host: 'h1', binary: 'nova-compute', forced_down: true });
      expect((await api2.nova('POST', '/servers/d0000000-0000-4000-8000-000000000003/action', '2.68', { evacuate: {} })).status).toBe(200);
      await s2.waitFor(async () => (await s2.state()).migrations.byStatus['pre-migrating'] === 1);
      await s2.killHost('h2');
      await s2.reviveHost('h2');
      const s = (await api2.nova('GET', '/servers/d0000000-0000-4000-8000-000000000003')).body.server;
      expect(s).toMatchObject({ status: 'ERROR', 'OS-EXT-STS:task_state': null, 'OS-EXT-SRV-ATTR:host': 'h1' });
      expect((await s2.state()).migrations.byStatus).toEqual({ failed: 1 });
      expect((await s2.state({ host: 'h2' })).hosts[0]!.used.vcpus).toBe(0);
    } finally {
      await s2.stop();
    }
  });
});
