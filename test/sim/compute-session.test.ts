import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim, scenarioPath, type RunningSim } from '../helpers/sim';
import {
  installStandin, startStandin, waitForCompute, waitForService, writeNovaConf, type StandinBehaviour, type StandinRun,
} from '../helpers/nova-compute-standin';
import { SimApi } from './api-client';

const A1 = 'aaaaaaa1-0000-4000-8000-000000000001';
const A2 = 'aaaaaaa1-0000-4000-8000-000000000002';
const A6 = 'aaaaaaa1-0000-4000-8000-000000000006';
const B1 = 'bbbbbbb2-0000-4000-8000-000000000001';

let sim: RunningSim;
let api: SimApi;
let dir: string;
let runs: StandinRun[];
/** This test's own copy of the stand-in (an agent elsewhere must not take it for its nova-compute). */
let executable: string;

beforeEach(async () => {
  sim = await startSim({
    scenario: scenarioPath('small'),
    timing: { timeScale: 20, serviceDownTimeSec: 2, rebuildSec: 1, schedulingSec: 0.1, reviveCleanupSec: 1 },
  });
  api = new SimApi(sim.authUrl, sim.novaUrl, sim.glanceUrl);
  await api.login();
  dir = mkdtempSync(join(tmpdir(), 'nova-standin-'));
  runs = [];
  executable = installStandin(dir);
});

afterEach(async () => {
  for (const run of runs) run.kill();
  await Promise.all(runs.map((r) => r.exited));
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Run the stand-in for `host` against this test's simulator. */
function standin(host: string, behaviour: StandinBehaviour = {}, env: NodeJS.ProcessEnv = process.env): StandinRun {
  const conf = writeNovaConf(dir, { host, controlUrl: sim.controlUrl, behaviour, name: `${host}-${runs.length}.conf` });
  const run = startStandin(['--config-file', conf], { env, executable });
  runs.push(run);
  return run;
}

async function host(name: string) {
  return (await sim.state({ host: name })).hosts[0]!;
}

async function server(id: string) {
  return (await api.nova('GET', `/servers/${id}`, '2.11')).body.server as Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('revive without nova-compute', () => {
  test('the host boots with its service down and forced down; the first start cleans up and runs the power sync', async () => {
    await sim.killHost('cmp-a');
    expect((await api.nova('PUT', '/os-services/force-down', '2.11', { host: 'cmp-a', binary: 'nova-compute', forced_down: true })).status).toBe(200);
    expect((await api.nova('POST', `/servers/${A1}/action`, '2.29', { evacuate: { host: 'cmp-b' } })).status).toBe(200);
    await sim.waitFor(async () => (await sim.state()).migrations.byStatus['done'] === 1, { what: 'the evacuation done' });

    const a6Actions = async () => ((await api.nova('GET', `/servers/${A6}/os-instance-actions`)).body.instanceActions as unknown[]).length;
    const a6Before = await a6Actions();
    await sim.reviveHost('cmp-a', { compute: false });
    expect(await host('cmp-a')).toMatchObject({
      alive: true, compute: 'stopped', computeSession: null, powerLost: true, service: { state: 'down', forced_down: true },
    });
    // Nothing runs init_host while nova-compute is stopped: ten cleanup periods later, all is as it was.
    await sleep(10 * (1000 / 20));
    expect((await sim.state()).migrations.byStatus).toEqual({ done: 1 });
    expect(await server(A2)).toMatchObject({ status: 'ACTIVE' });

    const run = standin('cmp-a');
    await run.running;
    expect(run.stdout()).toMatch(/running on host cmp-a \(session \d+, started\)/);
    expect(await waitForCompute(sim, 'cmp-a', true)).toMatchObject({ computeSession: expect.any(Number), computeSessionsOpen: 1 });
    await sim.waitFor(async () => (await sim.state()).migrations.byStatus['completed'] === 1, { what: 'the evacuation completed' });
    await sim.waitFor(async () => (await server(A2))['status'] === 'SHUTOFF', { what: 'the power sync' });
    const actions = (await api.nova('GET', `/servers/${A2}/os-instance-actions`)).body.instanceActions as Array<Record<string, unknown>>;
    // Nova's power sync runs with an admin context: no user, unlike an operator's stop.
    expect(actions[0]).toMatchObject({ action: 'stop', user_id: null, project_id: null });
    expect(await a6Actions()).toBe(a6Before); // already SHUTOFF: the sync leaves it alone
    expect(await server(A1)).toMatchObject({ status: 'ACTIVE', 'OS-EXT-SRV-ATTR:host': 'cmp-b' });
    expect((await host('cmp-a')).powerLost).toBe(false);

    // Unfencing now passes Nova's check, and the running nova-compute makes the service up.
    expect((await api.nova('PUT', '/os-services/force-down', '2.11', { host: 'cmp-a', binary: 'nova-compute', forced_down: false })).status).toBe(200);
    await waitForService(sim, 'cmp-a', 'up');
    expect((await sim.oracle()).ok).toBe(true);
  });

  test('a power loss is remembered across a start that dies before its power sync', async () => {
    await sim.killHost('cmp-c');
    await sim.reviveHost('cmp-c', { compute: false });
    // This first nova-compute dies long before its sync would run, however loaded the machine.
    const timing = sim.cloud!.timing;
    timing.reviveCleanupSec = 3600;
    const handle = await sim.openComputeSession('cmp-c');
    handle.close();
    await waitForCompute(sim, 'cmp-c', false);
    expect((await host('cmp-c')).powerLost).toBe(true);
    timing.reviveCleanupSec = 1;
    await sim.startCompute('cmp-c');
    await sim.waitFor(async () => !(await host('cmp-c')).powerLost, { what: 'the power sync' });
    expect(await server('ccccccc3-0000-4000-8000-000000000001')).toMatchObject({ status: 'SHUTOFF' });
  });

  test('the plain revive still starts nova-compute; scenario hosts and revive events may go without it', async () => {
    await sim.killHost('cmp-c');
    await sim.reviveHost('cmp-c');
    expect(await host('cmp-c')).toMatchObject({ alive: true, compute: 'running' });
    const other = await startSim({
      scenario: {
        hosts: [{ name: 'h1', compute: false }, { name: 'h2' }],
        events: [{ atSec: 0.05, kill: 'h2' }, { atSec: 0.1, revive: 'h2', compute: false }],
      },
    });
    try {
      expect((await other.state()).hosts[0]).toMatchObject({ name: 'h1', compute: 'stopped', service: { state: 'down' } });
      const h2 = await other.waitFor(async () => (await other.state()).hosts.find((h) => h.name === 'h2' && h.alive && h.powerLost));
      expect(h2).toMatchObject({ compute: 'stopped' });
    } finally {
      await other.stop();
    }
  });
});

describe('compute sessions and the stand-in nova-compute', () => {
  test('SIGKILL of the stand-in stops nova-compute; the service goes down, the guests keep running', async () => {
    const run = standin('cmp-b');
    await run.running;
    expect(run.stdout()).toMatch(/already running/);
    const session = (await host('cmp-b')).computeSession;
    expect(session).toEqual(expect.any(Number));
    run.child.kill('SIGKILL');
    expect(await run.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await waitForCompute(sim, 'cmp-b', false)).toMatchObject({ computeSession: null, computeSessionsOpen: 0 });
    await waitForService(sim, 'cmp-b', 'down');
    expect(await server(B1)).toMatchObject({ status: 'ACTIVE' });
  });

  test('SIGHUP is a reload; SIGTERM: the stand-in closes its session and exits 0', async () => {
    await sim.stopCompute('cmp-b');
    const run = standin('cmp-b');
    await run.running;
    await waitForCompute(sim, 'cmp-b', true);
    run.child.kill('SIGHUP');
    await sim.waitFor(async () => /SIGHUP: configuration reloaded/.test(run.stdout()), { what: 'the reload' });
    expect((await host('cmp-b')).compute).toBe('running');
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    await waitForCompute(sim, 'cmp-b', false);
  });

  test('fail_start exits 1 at once; exit_after_sec dies with 1 later and nova-compute with it', async () => {
    await sim.stopCompute('cmp-b');
    const failing = standin('cmp-b', { fail_start: true });
    expect(await failing.exited).toEqual({ code: 1, signal: null });
    expect(failing.stderr()).toMatch(/fail_start is set/);
    expect((await host('cmp-b')).compute).toBe('stopped');

    const crashing = standin('cmp-b', { exit_after_sec: 0.3 });
    await crashing.running;
    expect(await crashing.exited).toEqual({ code: 1, signal: null });
    expect(crashing.stderr()).toMatch(/exit_after_sec=0.3/);
    await waitForCompute(sim, 'cmp-b', false);
  });

  test('ignore_term: SIGTERM is ignored, only SIGKILL stops it', async () => {
    const run = standin('cmp-b', {}, { ...process.env, NOVA_STANDIN_IGNORE_TERM: 'yes' });
    await run.running;
    run.child.kill('SIGTERM');
    await sim.waitFor(async () => /ignoring SIGTERM/.test(run.stderr()), { what: 'the stand-in to ignore SIGTERM' });
    expect(run.child.exitCode).toBeNull();
    expect((await host('cmp-b')).compute).toBe('running');
    run.child.kill('SIGKILL');
    await run.exited;
    await waitForCompute(sim, 'cmp-b', false);
  });

  test('an unknown host (404) or a powered-off one (409) refuses the session; killing the host ends it', async () => {
    await sim.killHost('cmp-c');
    const refused = standin('cmp-c');
    expect(await refused.exited).toEqual({ code: 1, signal: null });
    expect(refused.stderr()).toMatch(/host cmp-c is powered off: revive it \(HTTP 409\)/);
    await expect(sim.openComputeSession('cmp-c')).rejects.toThrow(/HTTP 409/);
    const unknown = standin('cmp-zz');
    expect(await unknown.exited).toEqual({ code: 1, signal: null });
    expect(unknown.stderr()).toMatch(/cannot start on host cmp-zz: Host cmp-zz not found \(HTTP 404\)/);

    const run = standin('cmp-b');
    await run.running;
    await sim.killHost('cmp-b');
    expect(await run.exited).toEqual({ code: 1, signal: null });
    expect(run.stderr()).toMatch(/stopped by the simulator: the host lost power/);
  });

  test('hang-compute: the process and its session stay, the service goes down; stopping the process ends it', async () => {
    const run = standin('cmp-b');
    await run.running;
    const session = (await waitForCompute(sim, 'cmp-b', true)).computeSession;
    await sim.hangCompute('cmp-b');
    expect(await waitForService(sim, 'cmp-b', 'down')).toMatchObject({ compute: 'hung', computeSession: session });
    expect(run.child.exitCode).toBeNull();
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    await waitForCompute(sim, 'cmp-b', false);
    // A fresh start heartbeats again.
    const again = standin('cmp-b');
    await again.running;
    await waitForService(sim, 'cmp-b', 'up');
  });

  test('an older session closing does not stop the newer one; stop-compute ends them all', async () => {
    const first = await sim.openComputeSession('cmp-b');
    const second = await sim.openComputeSession('cmp-b');
    expect(second.id).toBeGreaterThan(first.id);
    expect(second.compute).toBe('already running');
    first.close();
    expect(await first.ended).toBe('closed');
    expect(await sim.waitFor(async () => {
      const h = await host('cmp-b');
      return h.computeSessionsOpen === 1 ? h : undefined;
    })).toMatchObject({ compute: 'running', computeSession: second.id });
    second.close();
    await waitForCompute(sim, 'cmp-b', false);

    const third = await sim.openComputeSession('cmp-b');
    const fourth = await sim.openComputeSession('cmp-b');
    expect(third.compute).toBe('started');
    await sim.stopCompute('cmp-b');
    expect(await Promise.all([third.ended, fourth.ended])).toEqual(['nova-compute was stopped', 'nova-compute was stopped']);
    expect(await host('cmp-b')).toMatchObject({ compute: 'stopped', computeSessionsOpen: 0 });
  });
});

describe("the stand-in reads nova.conf like nova-compute", () => {
  test('--config-file and --config-dir in order, drop-ins sorted, the last host wins; env supplies control_url', async () => {
    await sim.stopCompute('cmp-c');
    const base = join(dir, 'nova.conf');
    writeFileSync(base, '[DEFAULT]\nhost = cmp-a\n[sim]\nexit_after_sec =\n');
    const dropins = join(dir, 'nova.conf.d');
    mkdirSync(dropins);
    writeFileSync(join(dropins, '20-host.conf'), '[DEFAULT]\n# host = cmp-b\nhost = "cmp-c"\n');
    writeFileSync(join(dropins, '10-host.conf'), '[DEFAULT]\nhost = cmp-b\n');
    writeFileSync(join(dropins, 'ignored.txt'), '[DEFAULT]\nhost = cmp-a\n');
    const run = startStandin([`--config-file=${base}`, '--config-dir', dropins], {
      executable,
      env: { ...process.env, NOVA_STANDIN_CONTROL_URL: sim.controlUrl },
    });
    runs.push(run);
    await run.running;
    expect(run.stdout()).toMatch(/running on host cmp-c /);
    await waitForCompute(sim, 'cmp-c', true);
  });

  test('a missing config file or control_url is an error', async () => {
    const missing = startStandin(['--config-file', join(dir, 'absent.conf')], { executable });
    runs.push(missing);
    expect(await missing.exited).toEqual({ code: 1, signal: null });
    expect(missing.stderr()).toMatch(/Failed to find some config files: .*absent\.conf/);

    const conf = writeNovaConf(dir, { host: 'cmp-a' });
    const env = { ...process.env };
    delete env['NOVA_STANDIN_CONTROL_URL'];
    const unset = startStandin(['--config-file', conf], { env, executable });
    runs.push(unset);
    expect(await unset.exited).toEqual({ code: 1, signal: null });
    expect(unset.stderr()).toMatch(/no \[sim\] control_url/);
  });

  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasSetpriv = (process.env['PATH'] ?? '').split(':').some((d) => d !== '' && existsSync(join(d, 'setpriv')));
  (asRoot && hasSetpriv ? test : test.skip)('runs as another user (nobody) and writes nothing', async () => {
    await sim.stopCompute('cmp-b');
    const conf = writeNovaConf(dir, { host: 'cmp-b', controlUrl: sim.controlUrl });
    const run = startStandin(['--config-file', conf], {
      executable,
      command: ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'],
    });
    runs.push(run);
    await run.running;
    await waitForCompute(sim, 'cmp-b', true);
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    await waitForCompute(sim, 'cmp-b', false);
  });
});
