/**
 * The built NovaCompute agent on a compute node, against the simulated cloud with the
 * stand-in nova-compute as its command and the stand-in attrd: start/monitor/stop, the wrong
 * host name, the rebuild race, a deleted attribute, a reserved host, Keystone down during
 * start, deadlines, the evacuation delay, and in-place restarts of a dead nova-compute.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deadline } from '../../lib/runtime/deadline';
import { connect } from '../../lib/openstack/connect';
import { resolveAuthSpec } from '../../lib/openstack/credentials';
import { assertAgentsBuilt } from '../helpers/nova-evacuate-agent';
import { computeNode, fenceOff, readMark, readReport, runCompute, setMark, type ComputeNode } from '../helpers/nova-compute-agent';
import { waitForCompute, waitForService } from '../helpers/nova-compute-standin';
import { scenarioPath, startSim, type RunningSim } from '../helpers/sim';
import type { Scenario } from '../helpers/sim';

let work: string;
let sim: RunningSim;
const nodes: ComputeNode[] = [];

async function smallSim(timing: Record<string, unknown> = {}): Promise<RunningSim> {
  const scenario = JSON.parse(readFileSync(scenarioPath('small'), 'utf8')) as Scenario;
  return startSim({
    scenario,
    timing: { serviceDownTimeSec: 1, reviveCleanupSec: 0.5, rebuildSec: 1, schedulingSec: 0.1, ...timing },
  });
}

function node(host: string, opts: Parameters<typeof computeNode>[3] = {}): ComputeNode {
  const n = computeNode(join(work, host), sim, host, opts);
  nodes.push(n);
  return n;
}

async function service(host: string) {
  const state = await sim.state({ host });
  const h = state.hosts.find((x) => x.name === host);
  if (!h) throw new Error(`no host ${host}`);
  return h;
}

async function migrationsFrom(host: string) {
  const state = await sim.state({ full: true });
  return (state.migrationList ?? []).filter((m) => m.source === host);
}

/** Evacuates every instance Nova places on `host` through the API, as NovaEvacuate would. */
async function evacuateAll(host: string): Promise<string[]> {
  const cloud = await connect(
    resolveAuthSpec({ auth_url: sim.authUrl, username: 'admin', password: 'admin', tenant_name: 'admin' }),
    { deadline: Deadline.in(30_000) },
  );
  const nova = await cloud.nova();
  const servers = (await nova.listServers({ host, allTenants: true })).filter((s) => s.status === 'ACTIVE');
  for (const server of servers) await nova.evacuate(server.id);
  return servers.map((s) => s.id);
}

beforeAll(() => assertAgentsBuilt());

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'nova-compute-'));
});

afterEach(async () => {
  for (const n of nodes.splice(0)) await runCompute('NovaCompute', 'stop', n, { timeoutSec: 10 });
  await sim?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('NovaCompute on a node that was never fenced', () => {
  test('start runs nova-compute and waits for Nova to see it up; monitor, probe, stop', async () => {
    sim = await smallSim();
    await sim.stopCompute('cmp-c');
    await waitForService(sim, 'cmp-c', 'down');
    const n = node('cmp-c', { extra: { OCF_RESKEY_evacuation_delay: '120' } });

    expect((await runCompute('NovaCompute', 'monitor', n, { env: { OCF_RESKEY_CRM_meta_interval: '0' } })).code).toBe(7);
    const started = await runCompute('NovaCompute', 'start', n);
    expect(started.stderr).not.toMatch(/holding nova-compute back/);
    expect(started.code).toBe(0);
    expect((await service('cmp-c')).compute).toBe('running');
    expect((await service('cmp-c')).service.state).toBe('up');

    const again = await runCompute('NovaCompute', 'start', n);
    expect(again.code).toBe(0);
    expect((await runCompute('NovaCompute', 'monitor', n, { env: { OCF_RESKEY_CRM_meta_interval: '10000' } })).code).toBe(0);
    expect((await runCompute('NovaCompute', 'monitor', n, { env: { OCF_RESKEY_CRM_meta_interval: '0' } })).code).toBe(0);
    expect(readReport(n)).toMatchObject({ host: 'cmp-c', phase: 'running', mode: 'NovaCompute' });

    expect((await runCompute('NovaCompute', 'stop', n)).code).toBe(0);
    await waitForCompute(sim, 'cmp-c', false);
    expect((await runCompute('NovaCompute', 'monitor', n, { env: { OCF_RESKEY_CRM_meta_interval: '10000' } })).code).toBe(7);
    expect((await runCompute('NovaCompute', 'stop', n)).code).toBe(0);
  });

  test('a host name Nova does not know fails start with OCF_ERR_ARGS naming the near match', async () => {
    sim = await smallSim();
    const n = node('cmp-c', { confHost: 'cmp-c.example.org' });
    const r = await runCompute('NovaCompute', 'start', n);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/ocf-exit-reason:.*cmp-c\.example\.org.*found: cmp-c/);
    expect((await service('cmp-c')).computeSessionsOpen).toBe(0);
  });
});

describe('NovaCompute when nova-compute itself misbehaves', () => {
  test('nova-compute exits at once: start fails (1) with the end of its console output', async () => {
    sim = await smallSim();
    await sim.stopCompute('cmp-c');
    const n = node('cmp-c', { behaviour: { fail_start: true } });
    const r = await runCompute('NovaCompute', 'start', n);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/ocf-exit-reason:nova-compute exited with code 1 right after start: .*fail_start is set/);
    expect((await service('cmp-c')).compute).toBe('stopped');
  });

  test('nova-compute runs but never reports in: start gives up at its deadline (1), saying what it waited for', async () => {
    sim = await smallSim();
    await sim.stopCompute('cmp-c');
    await waitForService(sim, 'cmp-c', 'down');
    const n = node('cmp-c', { behaviour: { start_delay_sec: 60 } });
    const began = Date.now();
    const r = await runCompute('NovaCompute', 'start', n, { timeoutSec: 8 });
    expect(r.code).toBe(1);
    expect(Date.now() - began).toBeLessThan(8_000);
    expect(r.stdout + r.stderr).toMatch(/ocf-exit-reason:Nova did not report nova-compute on cmp-c up before the start deadline/);
  });
});

describe('NovaCompute with a systemd unit', () => {
  test('nova_compute_unit set: start and stop go through systemctl (the stand-in), monitor asks is-active', async () => {
    sim = await smallSim();
    await sim.stopCompute('cmp-c');
    const n = node('cmp-c', { extra: { OCF_RESKEY_nova_compute_unit: 'nova-compute.service' } });
    const units = join(n.work, 'systemd.json');
    const command = (n.env.OCF_RESKEY_nova_compute_command as string).split(' ');
    writeFileSync(units, JSON.stringify({ units: { 'nova-compute.service': { command } } }));
    const env = { NOVA_HA_STANDIN_SYSTEMD: units };
    const started = await runCompute('NovaCompute', 'start', n, { env });
    expect(started.code).toBe(0);
    expect(started.stderr).toMatch(/starting nova-compute\.service/);
    expect((await service('cmp-c')).compute).toBe('running');
    expect((await runCompute('NovaCompute', 'monitor', n, { env: { ...env, OCF_RESKEY_CRM_meta_interval: '10000' } })).code).toBe(0);
    expect((await runCompute('NovaCompute', 'stop', n, { env })).code).toBe(0);
    await waitForCompute(sim, 'cmp-c', false);
    expect(JSON.parse(readFileSync(units, 'utf8')).units['nova-compute.service'].state).not.toBe('active');
    expect((await runCompute('NovaCompute', 'monitor', n, { env: { ...env, OCF_RESKEY_CRM_meta_interval: '0' } })).code).toBe(7);
    n.env.NOVA_HA_STANDIN_SYSTEMD = units; // for afterEach's stop
  });
});

describe('NovaCompute on a node back from fencing', () => {
  /** Kill cmp-a, fence it with the built fence_compute, evacuate its instances, boot it without nova-compute. */
  async function fenceAndEvacuate(n: ComputeNode): Promise<string[]> {
    await sim.killHost(n.host);
    await waitForService(sim, n.host, 'down');
    const fenced = await fenceOff(n, sim);
    expect(fenced.code).toBe(0);
    expect(readMark(n)).toBe('yes');
    const moved = await evacuateAll(n.host);
    expect(moved.length).toBeGreaterThan(0);
    await sim.reviveHost(n.host, { compute: false });
    return moved;
  }

  test('the rebuild race: start holds nova-compute back while Nova still rebuilds, even with the attribute already "no"', async () => {
    sim = await smallSim({ rebuildSec: 4 });
    const n = node('cmp-a');
    await fenceAndEvacuate(n);
    setMark(n, 'no'); // as the classic NovaEvacuate does after its HTTP 200s

    // Watch the cloud while start runs: nova-compute must never run while an evacuation is in flight.
    let overlaps = 0;
    let sawInFlight = false;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const inFlight = (await migrationsFrom('cmp-a')).filter((m) => ['accepted', 'pre-migrating', 'running'].includes(m.status));
        if (inFlight.length > 0) sawInFlight = true;
        if (inFlight.length > 0 && (await service('cmp-a')).compute === 'running') overlaps++;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const r = await runCompute('NovaCompute', 'start', n, { timeoutSec: 40 });
    watching = false;
    await watcher;

    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Waiting for pending evacuations: \d+ evacuation\(s\) from it are still in progress in Nova/);
    expect(overlaps).toBe(0);
    expect(sawInFlight).toBe(true); // the watch really saw rebuilds running while start waited
    const h = await service('cmp-a');
    expect(h.compute).toBe('running');
    expect(h.service).toMatchObject({ forced_down: false, status: 'enabled', state: 'up' });
    expect(['', undefined]).toContain(readMark(n));
    const after = await migrationsFrom('cmp-a');
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((m) => m.status === 'completed')).toBe(true);
    expect((await sim.oracle()).ok).toBe(true);
    expect(readReport(n)).toMatchObject({ phase: 'running' });
  });

  test('waits for the attribute: "yes" holds start, "no" lets it go; the evacuation delay runs only after real evacuations', async () => {
    sim = await smallSim();
    const n = node('cmp-a', { extra: { OCF_RESKEY_evacuation_delay: '3' } });
    await fenceAndEvacuate(n);
    await sim.waitFor(async () => (await migrationsFrom('cmp-a')).every((m) => m.status === 'done'), { what: 'rebuilds done' });

    const starting = runCompute('NovaCompute', 'start', n, { timeoutSec: 40 });
    await sim.waitFor(async () => readReport(n)?.phase === 'waiting', { what: 'the agent to report waiting' });
    expect((await service('cmp-a')).compute).toBe('stopped');
    setMark(n, 'no');
    const r = await starting;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/attribute evacuate="yes"/);
    expect(r.stderr).toMatch(/holding nova-compute back [1-3] s more \(evacuation_delay\)/);
    expect((await service('cmp-a')).service).toMatchObject({ forced_down: false, status: 'enabled' });
    expect(['', undefined]).toContain(readMark(n));
  });

  test('a deleted attribute does not hang start (the classic nova-compute-wait waited for "no" until its timeout)', async () => {
    sim = await smallSim();
    const n = node('cmp-a');
    await fenceAndEvacuate(n);
    await sim.waitFor(async () => (await migrationsFrom('cmp-a')).every((m) => m.status === 'done'), { what: 'rebuilds done' });
    // An operator (or a remote node's reconnect) wiped the transient attribute.
    rmSync(n.env.NOVA_HA_STANDIN_ATTRS as string, { force: true });
    const r = await runCompute('NovaCompute', 'start', n, { timeoutSec: 30 });
    expect(r.code).toBe(0);
    // Fenced all the same (fence_compute's reason in Nova): unfenced.
    expect((await service('cmp-a')).service).toMatchObject({ forced_down: false, status: 'enabled', state: 'up' });
  });

  test('an attribute wiped before anything was evacuated is set to yes again: start waits for the evacuation instead of stranding the instances', async () => {
    sim = await smallSim();
    const n = node('cmp-a');
    await sim.killHost('cmp-a');
    await waitForService(sim, 'cmp-a', 'down');
    expect((await fenceOff(n, sim)).code).toBe(0);
    // The node came back at once (a power fence then unfencing) and Pacemaker wiped its transient attributes.
    await sim.reviveHost('cmp-a', { compute: false });
    rmSync(n.env.NOVA_HA_STANDIN_ATTRS as string, { force: true });
    const starting = runCompute('NovaCompute', 'start', n, { timeoutSec: 40 });
    await sim.waitFor(async () => readMark(n) === 'yes', { what: 'evacuate=yes set again' });
    // Still fenced: nova-compute held back, the host forced down.
    expect((await service('cmp-a')).service).toMatchObject({ forced_down: true, status: 'disabled' });
    // NovaEvacuate's side: it sees the mark, evacuates, says no.
    const moved = await evacuateAll('cmp-a');
    expect(moved.length).toBeGreaterThan(0);
    await sim.waitFor(async () => (await migrationsFrom('cmp-a')).every((m) => m.status === 'done'), { what: 'rebuilds done' });
    setMark(n, 'no');
    const r = await starting;
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/evacuate attribute is gone/) });
    expect((await service('cmp-a')).service).toMatchObject({ forced_down: false, status: 'enabled', state: 'up' });
    expect((await migrationsFrom('cmp-a')).map((m) => m.status)).toEqual(moved.map(() => 'completed'));
  });

  test('a reserved host is unfenced but stays disabled with its reserved reason', async () => {
    sim = await smallSim();
    const n = node('cmp-d');
    await sim.killHost('cmp-d');
    await waitForService(sim, 'cmp-d', 'down');
    expect((await fenceOff(n, sim)).code).toBe(0);
    await sim.reviveHost('cmp-d', { compute: false });
    setMark(n, 'no');
    const r = await runCompute('NovaCompute', 'start', n);
    expect(r.code).toBe(0);
    const s = (await service('cmp-d')).service;
    expect(s.forced_down).toBe(false);
    expect(s.status).toBe('disabled');
    expect(s.disabled_reason).toBe('reserved host for instance HA');
    expect(r.stderr).toMatch(/reserved host: forced-down cleared, left disabled/);
  });

  test('the start deadline is honoured while evacuations stay pending: exit 1 with the reason', async () => {
    sim = await smallSim();
    const n = node('cmp-a');
    await fenceAndEvacuate(n);
    const began = Date.now();
    const r = await runCompute('NovaCompute', 'start', n, { timeoutSec: 6 });
    expect(r.code).toBe(1);
    expect(Date.now() - began).toBeLessThan(6_000);
    expect(r.stdout + r.stderr).toMatch(/ocf-exit-reason:still waiting for evacuations when the start deadline came: its evacuation is not finished \(attribute evacuate="yes"/);
    expect((await service('cmp-a')).compute).toBe('stopped');
  });
});

describe('NovaCompute when the control plane is down', () => {
  test('Keystone failing during start: start waits and succeeds once it answers', async () => {
    sim = await smallSim();
    await sim.stopCompute('cmp-c');
    const n = node('cmp-c');
    const fault = await sim.injectFault({ kind: 'http-error', route: 'POST /v3/auth/tokens', status: 503, count: 3 });
    const r = await runCompute('NovaCompute', 'start', n, { timeoutSec: 30 });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Waiting for Keystone and Nova/);
    await sim.clearFaults(fault.id);
  });

  test('Keystone unreachable until the deadline: exit 1 naming the URL, nova-compute not started', async () => {
    sim = await smallSim();
    const n = node('cmp-c', { extra: { OCF_RESKEY_auth_url: 'http://127.0.0.1:9/identity/v3' } });
    const r = await runCompute('NovaCompute', 'start', n, { timeoutSec: 5 });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/ocf-exit-reason:.*127\.0\.0\.1:9/);
  });

  test('Nova failing during a monitor: level 10 still answers success with a warning', async () => {
    sim = await smallSim();
    await sim.stopCompute('cmp-c');
    const n = node('cmp-c');
    expect((await runCompute('NovaCompute', 'start', n)).code).toBe(0);
    await sim.injectFault({ kind: 'http-error', route: 'GET /v2.1/os-services', status: 500 });
    const r = await runCompute('NovaCompute', 'monitor', n, { env: { OCF_RESKEY_CRM_meta_interval: '60000', OCF_CHECK_LEVEL: '10' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Nova not consulted/);
  });
});
