import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { startSim, scenarioPath, type RunningSim } from '../helpers/sim';
import { routeMatches } from './faults';
import { SimApi } from './api-client';

const A1 = 'aaaaaaa1-0000-4000-8000-000000000001';
const B1 = 'bbbbbbb2-0000-4000-8000-000000000001';

let sim: RunningSim;
let api: SimApi;

beforeEach(async () => {
  sim = await startSim({ scenario: scenarioPath('small'), timing: { timeScale: 20, rebuildSec: 1, schedulingSec: 0.1 } });
  api = new SimApi(sim.authUrl, sim.novaUrl, sim.glanceUrl);
  await api.login();
});
afterEach(async () => {
  await sim.stop();
});

async function forceDown(host: string) {
  const r = await api.nova('PUT', '/os-services/force-down', '2.11', { host, binary: 'nova-compute', forced_down: true });
  expect(r.status).toBe(200);
}

describe('faults', () => {
  test('route patterns', () => {
    expect(routeMatches('GET /v2.1/servers/*', 'GET /v2.1/servers/detail')).toBe(true);
    expect(routeMatches('GET /v2.1/servers/*', 'POST /v2.1/servers/{server_id}/action')).toBe(false);
    expect(routeMatches('/v3/auth/tokens', 'POST /v3/auth/tokens')).toBe(true);
    expect(routeMatches('POST *action', 'POST /v2.1/servers/{server_id}/action')).toBe(true);
  });

  test('an HTTP error with a count fires that many times, in Nova\'s fault shape, then clears itself', async () => {
    await sim.injectFault({ kind: 'http-error', route: 'GET /v2.1/servers/detail', status: 503, count: 2 });
    const first = await api.nova('GET', '/servers/detail');
    expect(first.status).toBe(503);
    expect(first.body).toEqual({ serviceUnavailable: { code: 503, message: 'Injected fault' } });
    expect((await api.nova('GET', '/servers/detail')).status).toBe(503);
    expect((await api.nova('GET', '/servers/detail')).status).toBe(200);
    expect((await api.nova('GET', '/os-services')).status).toBe(200);
    expect((await sim.calls()).calls['GET /v2.1/servers/detail']).toBe(3);
    const log = (await sim.requests()).filter((r) => r.route === '/v2.1/servers/detail');
    expect(log.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(log[0]!.path).toBe('/compute/v2.1/servers/detail');
  });

  test('a hang never answers; the connection is cut after delayMs', async () => {
    await sim.injectFault({ kind: 'hang', route: 'GET /v2.1/os-services', delayMs: 100 });
    await expect(api.nova('GET', '/os-services')).rejects.toThrow();
    await sim.waitFor(async () => (await sim.requests()).some((r) => r.route === '/v2.1/os-services' && r.status === 0));
    await sim.clearFaults();
    expect((await api.nova('GET', '/os-services')).status).toBe(200);
  });

  test('evacuate rejection per source host, and rebuild failure per destination', async () => {
    await sim.killHost('cmp-a');
    await forceDown('cmp-a');
    const reject = await sim.injectFault({ kind: 'evacuate-reject', host: 'cmp-a', status: 500, count: 1 });
    const r = await api.nova('POST', `/servers/${A1}/action`, '2.29', { evacuate: { host: 'cmp-b' } });
    expect(r.status).toBe(500);
    expect(r.body.computeFault.code).toBe(500);
    expect((await sim.state()).faults.find((f) => f.id === reject.id)?.fired).toBe(1);
    await sim.injectFault({ kind: 'rebuild-fail', host: 'cmp-b' });
    expect((await api.nova('POST', `/servers/${A1}/action`, '2.29', { evacuate: { host: 'cmp-b' } })).status).toBe(200);
    await sim.waitFor(async () => (await api.nova('GET', `/servers/${A1}`)).body.server.status === 'ERROR');
    const migs = (await api.nova('GET', `/os-migrations?instance_uuid=${A1}`, '2.59')).body.migrations;
    expect(migs[0]).toMatchObject({ status: 'failed', dest_compute: 'cmp-b' });
    const actions = (await api.nova('GET', `/servers/${A1}/os-instance-actions`)).body.instanceActions;
    expect(actions[0]).toMatchObject({ action: 'evacuate', message: 'Error' });
    // Elsewhere the retry succeeds.
    expect((await api.nova('POST', `/servers/${A1}/action`, '2.29', { evacuate: { host: 'cmp-c' } })).status).toBe(200);
    await sim.waitFor(async () => (await api.nova('GET', `/servers/${A1}`)).body.server['OS-EXT-SRV-ATTR:host'] === 'cmp-c');
  });

  test('slow Keystone still answers; faults over time come from the scenario', async () => {
    await sim.injectFault({ kind: 'keystone-slow', delayMs: 50, count: 1 });
    expect((await api.login()).status).toBe(201);
    const timed = await startSim({
      scenario: { hosts: [{ name: 'h1' }], faults: [{ atSec: 0, kind: 'http-error', route: 'GET /v2.1/os-services', count: 1 }] },
    });
    try {
      const api2 = new SimApi(timed.authUrl, timed.novaUrl, timed.glanceUrl);
      await api2.login();
      expect((await api2.nova('GET', '/os-services')).status).toBe(500);
      expect((await api2.nova('GET', '/os-services')).status).toBe(200);
    } finally {
      await timed.stop();
    }
  });
});

describe('timed events', () => {
  test('a scenario kills and revives hosts and crashes guests on its own clock; unknown names are refused', async () => {
    const scripted = await startSim({
      scenario: {
        hosts: [{ name: 'h1' }, { name: 'h2' }],
        flavors: [{ name: 'f' }],
        instances: [{ id: 'c0000000-0000-4000-8000-000000000001', host: 'h2', flavor: 'f' }],
        events: [{ atSec: 0.5, kill: 'h1' }, { atSec: 1, crash: 'c0000000-0000-4000-8000-000000000001' }, { atSec: 2, revive: 'h1' }],
      },
      timing: { timeScale: 10 },
    });
    try {
      await scripted.waitFor(async () => (await scripted.state({ host: 'h1' })).hosts[0]!.alive === false, { what: 'h1 dead' });
      await scripted.waitFor(async () => (await scripted.state()).instances.byStatus['SHUTOFF'] === 1, { what: 'crash' });
      await scripted.waitFor(async () => (await scripted.state({ host: 'h1' })).hosts[0]!.alive, { what: 'h1 back' });
    } finally {
      await scripted.stop();
    }
    await expect(startSim({ scenario: { hosts: [{ name: 'h1' }], events: [{ atSec: 1, kill: 'h9' }] } })).rejects.toThrow(/unknown host h9/);
  });
});

describe('safety oracle', () => {
  test('Nova\'s own window (rebuilt, ACTIVE, task null, still on the old host) lets a second evacuate through', async () => {
    const slow = await startSim({
      scenario: scenarioPath('small'),
      timing: { timeScale: 10, schedulingSec: 0, rebuildSec: 0.5, finishEvacuationSec: 100 },
    });
    try {
      const api2 = new SimApi(slow.authUrl, slow.novaUrl, slow.glanceUrl);
      await api2.login();
      await slow.killHost('cmp-a');
      await api2.nova('PUT', '/os-services/force-down', '2.11', { host: 'cmp-a', binary: 'nova-compute', forced_down: true });
      expect((await api2.nova('POST', `/servers/${A1}/action`, '2.68', { evacuate: {} })).status).toBe(200);
      const window = await slow.waitFor(async () => {
        const s = (await api2.nova('GET', `/servers/${A1}`, '2.68')).body.server;
        return s.status === 'ACTIVE' && s['OS-EXT-STS:task_state'] === null ? s : null;
      }, { what: 'the finish window' });
      expect(window['OS-EXT-SRV-ATTR:host']).toBe('cmp-a');
      const migs = (await api2.nova('GET', `/os-migrations?instance_uuid=${A1}`, '2.59')).body.migrations;
      expect(migs[0].status).toBe('pre-migrating');
      expect((await api2.nova('POST', `/servers/${A1}/action`, '2.68', { evacuate: {} })).status).toBe(200);
      expect((await slow.oracle()).violations.map((v) => v.kind)).toEqual(['double-evacuation']);
    } finally {
      await slow.stop();
    }
  });

  test('a second evacuate accepted during Nova\'s "ACTIVE on the old host" window is a double evacuation', async () => {
    await sim.killHost('cmp-a');
    await forceDown('cmp-a');
    await sim.injectFault({ kind: 'evacuate-race' });
    expect((await api.nova('POST', `/servers/${A1}/action`, '2.68', { evacuate: {} })).status).toBe(200);
    const seen = (await api.nova('GET', `/servers/${A1}`, '2.68')).body.server;
    expect(seen).toMatchObject({ status: 'ACTIVE', 'OS-EXT-STS:task_state': null, 'OS-EXT-SRV-ATTR:host': 'cmp-a' });
    expect((await api.nova('POST', `/servers/${A1}/action`, '2.68', { evacuate: {} })).status).toBe(200);
    const report = await sim.oracle();
    expect(report.ok).toBe(false);
    expect(report.violations.map((v) => v.kind)).toEqual(['double-evacuation']);
    expect(report.violations[0]).toMatchObject({ instance: A1, sourceHost: 'cmp-a' });
  });

  test('forcing down a live host lets Nova evacuate, and the oracle sees the instance running twice', async () => {
    await forceDown('cmp-b');
    expect((await api.nova('POST', `/servers/${B1}/action`, '2.68', { evacuate: {} })).status).toBe(200);
    const report = await sim.oracle();
    expect(report.violations.map((v) => v.kind)).toEqual(['running-twice']);
  });

  test('nova-compute dead on a running host: Nova evacuates once the service times out, and the guest runs twice', async () => {
    await sim.stopCompute('cmp-b');
    expect((await sim.state({ host: 'cmp-b' })).hosts[0]).toMatchObject({ alive: true, compute: 'stopped' });
    await sim.waitFor(async () => (await api.nova('GET', '/os-services?host=cmp-b', '2.11')).body.services[0].state === 'down');
    expect((await api.nova('POST', `/servers/${B1}/action`, '2.68', { evacuate: {} })).status).toBe(200);
    expect((await sim.oracle()).violations.map((v) => v.kind)).toEqual(['running-twice']);
    await sim.waitFor(async () => (await sim.state()).migrations.byStatus['done'] === 1);
    await sim.startCompute('cmp-b');
    await sim.waitFor(async () => (await sim.state()).migrations.byStatus['completed'] === 1, { what: 'init_host cleanup' });
    // The guests that never left keep running: no power sync stop after a compute restart.
    const stay = (await api.nova('GET', '/servers/bbbbbbb2-0000-4000-8000-000000000002')).body.server;
    expect(stay).toMatchObject({ status: 'ACTIVE', 'OS-EXT-SRV-ATTR:host': 'cmp-b' });
  });

  test('a host rebooted by fencing (power lost, back without nova-compute) is safe to evacuate: its guests died', async () => {
    await sim.killHost('cmp-a');
    await forceDown('cmp-a');
    await sim.reviveHost('cmp-a', { compute: false });
    expect((await api.nova('POST', `/servers/${A1}/action`, '2.68', { evacuate: {} })).status).toBe(200);
    expect((await sim.oracle()).ok).toBe(true);
  });

  test('a cloud that skips the service check is caught evacuating from a live service', async () => {
    await sim.injectFault({ kind: 'skip-service-check', count: 1 });
    expect((await api.nova('POST', `/servers/${B1}/action`, '2.68', { evacuate: {} })).status).toBe(200);
    const kinds = (await sim.oracle()).violations.map((v) => v.kind).sort();
    expect(kinds).toEqual(['evacuated-from-live-service', 'running-twice']);
  });

  test('a fenced, dead host evacuated once per instance is clean', async () => {
    await sim.killHost('cmp-a');
    await forceDown('cmp-a');
    for (const id of [A1, 'aaaaaaa1-0000-4000-8000-000000000002']) {
      expect((await api.nova('POST', `/servers/${id}/action`, '2.68', { evacuate: {} })).status).toBe(200);
    }
    await sim.waitFor(async () => (await sim.state()).migrations.byStatus['done'] === 2);
    expect(await sim.oracle()).toEqual({ ok: true, violations: [], evacuationsAccepted: 2 });
  });
});
