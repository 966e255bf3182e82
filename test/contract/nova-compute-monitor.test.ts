/**
 * The built compute agents' monitors and stop against the simulator: a dead nova-compute
 * restarted in place up to the limit and then a failure, stop's TERM then KILL, instance
 * health at OCF_CHECK_LEVEL 20 (crash restarted, operator stop respected, limit), Nova's view
 * at level 10, and nova-compute-wait unfencing from its monitor once nova-compute runs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertAgentsBuilt } from '../helpers/nova-evacuate-agent';
import { computeNode, fenceOff, readMark, readReport, runCompute, setMark, type ComputeNode } from '../helpers/nova-compute-agent';
import { startStandin, waitForCompute, waitForService } from '../helpers/nova-compute-standin';
import { scenarioPath, startSim, type RunningSim, type Scenario } from '../helpers/sim';

let work: string;
let sim: RunningSim;
const nodes: ComputeNode[] = [];
const RECURRING = { OCF_RESKEY_CRM_meta_interval: '10000' };

/** The small scenario, with a-untagged opted out by its metadata (its image carries evacuable=true). */
async function smallSim(): Promise<RunningSim> {
  const scenario = JSON.parse(readFileSync(scenarioPath('small'), 'utf8')) as Scenario;
  for (const i of scenario.instances ?? []) if (i.name === 'a-untagged') i.metadata = { ...i.metadata, evacuable: 'false' };
  return startSim({ scenario, timing: { serviceDownTimeSec: 1, reviveCleanupSec: 0.5, rebuildSec: 1, schedulingSec: 0.1 } });
}

function node(host: string, opts: Parameters<typeof computeNode>[3] = {}): ComputeNode {
  const n = computeNode(join(work, host), sim, host, opts);
  nodes.push(n);
  return n;
}

async function hostState(host: string) {
  const h = (await sim.state({ host })).hosts.find((x) => x.name === host);
  if (!h) throw new Error(`no host ${host}`);
  return h;
}

async function instance(name: string) {
  const state = await sim.state({ full: true });
  const found = (state.instanceList ?? []).find((i) => i.name === name);
  if (!found) throw new Error(`no instance ${name}`);
  return found;
}

/** Gone, or a zombie nobody reaps (PID 1 here may not): not running either way. */
function gone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function pidOf(n: ComputeNode): number {
  return Number(readFileSync(join(n.env.HA_RSCTMP as string, 'NovaCompute-nova-compute.pid'), 'utf8').trim());
}

async function startedNode(host: string, opts: Parameters<typeof computeNode>[3] = {}): Promise<ComputeNode> {
  await sim.stopCompute(host);
  const n = node(host, opts);
  const r = await runCompute('NovaCompute', 'start', n);
  expect(r.code).toBe(0);
  return n;
}

beforeAll(() => assertAgentsBuilt());
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'nova-compute-mon-'));
});
afterEach(async () => {
  for (const n of nodes.splice(0)) await runCompute('NovaCompute', 'stop', n, { timeoutSec: 10 });
  await sim?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('a dead nova-compute', () => {
  test('is restarted in place by the monitor up to nova_compute_restart_limit, then the monitor fails (1)', async () => {
    sim = await smallSim();
    const n = await startedNode('cmp-c', { extra: { OCF_RESKEY_nova_compute_restart_limit: '1' } });
    const first = pidOf(n);
    process.kill(first, 'SIGKILL');
    await waitForCompute(sim, 'cmp-c', false);

    const restarted = await runCompute('NovaCompute', 'monitor', n, { env: RECURRING });
    expect(restarted.code).toBe(0);
    expect(restarted.stderr).toMatch(/nova-compute had stopped .*restarting it in place \(1 of 1 per 3600 s\)/);
    expect(pidOf(n)).not.toBe(first);
    await waitForCompute(sim, 'cmp-c', true);
    expect((readReport(n)?.computeRestarts as number[]).length).toBe(1);

    process.kill(pidOf(n), 'SIGKILL');
    await waitForCompute(sim, 'cmp-c', false);
    const failed = await runCompute('NovaCompute', 'monitor', n, { env: RECURRING });
    expect(failed.code).toBe(1);
    expect(failed.stdout + failed.stderr).toMatch(/ocf-exit-reason:nova-compute died again after 1 in-place restart\(s\) in 3600 s \(nova_compute_restart_limit=1\)/);
    expect(readReport(n)).toMatchObject({ phase: 'failed' });
    // A probe never restarts anything: it reports what is there.
    expect((await runCompute('NovaCompute', 'monitor', n)).code).toBe(7);
  });

  test('with nova_compute_restart_limit=0 the first death fails the monitor', async () => {
    sim = await smallSim();
    const n = await startedNode('cmp-c', { extra: { OCF_RESKEY_nova_compute_restart_limit: '0' } });
    process.kill(pidOf(n), 'SIGKILL');
    await waitForCompute(sim, 'cmp-c', false);
    expect((await runCompute('NovaCompute', 'monitor', n, { env: RECURRING })).code).toBe(1);
  });

  test('past the limit a deeper monitor leaves the failure to depth 0 (whose on-fail is fence; theirs would only restart)', async () => {
    sim = await smallSim();
    const n = await startedNode('cmp-c', { extra: { OCF_RESKEY_nova_compute_restart_limit: '0' } });
    process.kill(pidOf(n), 'SIGKILL');
    await waitForCompute(sim, 'cmp-c', false);
    for (const level of ['10', '20']) {
      const deep = await runCompute('NovaCompute', 'monitor', n, { env: { ...RECURRING, OCF_CHECK_LEVEL: level } });
      expect(deep.code).toBe(0);
      expect(deep.stderr).toMatch(/nova-compute died again after 0 in-place restart\(s\).*the depth-0 monitor reports it/);
    }
    const shallow = await runCompute('NovaCompute', 'monitor', n, { env: RECURRING });
    expect(shallow.code).toBe(1);
  });
});

describe('stop', () => {
  test('TERM, then KILL before the deadline for a nova-compute that ignores TERM', async () => {
    sim = await smallSim();
    const n = await startedNode('cmp-c', { behaviour: { ignore_term: true } });
    const pid = pidOf(n);
    const began = Date.now();
    const r = await runCompute('NovaCompute', 'stop', n, { timeoutSec: 8 });
    expect(r.code).toBe(0);
    expect(Date.now() - began).toBeLessThan(8_000);
    expect(gone(pid)).toBe(true);
    await waitForCompute(sim, 'cmp-c', false);
  });
});

describe('instance health (OCF_CHECK_LEVEL=20)', () => {
  const LEVEL20 = { ...RECURRING, OCF_CHECK_LEVEL: '20' };

  test('a crashed protected instance is started again; an operator stop and an unprotected one are left alone; the limit holds', async () => {
    sim = await smallSim();
    const n = await startedNode('cmp-a', { extra: { OCF_RESKEY_instance_restart_limit: '1' } });
    const crashed = await instance('a-tagged-flavor-1');
    const unprotected = await instance('a-untagged');
    await sim.crashInstance(crashed.id, 'synced');
    await sim.crashInstance(unprotected.id, 'shutoff');
    // a-stopped is SHUTOFF by scenario with no stop by Nova's sync: its history decides (created then stopped by a user).

    const r = await runCompute('NovaCompute', 'monitor', n, { env: LEVEL20 });
    expect(r.code).toBe(0);
    await sim.waitFor(async () => (await instance('a-tagged-flavor-1')).status === 'ACTIVE', { what: 'the crashed instance active again' });
    expect((await instance('a-untagged')).status).toBe('SHUTOFF');
    const report = readReport(n);
    expect(report?.instances).toEqual([expect.objectContaining({ id: crashed.id, gaveUp: false })]);

    await sim.crashInstance(crashed.id, 'shutoff');
    const second = await runCompute('NovaCompute', 'monitor', n, { env: LEVEL20 });
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/a-tagged-flavor-1/);
    expect((await instance('a-tagged-flavor-1')).status).toBe('SHUTOFF');
    expect(readReport(n)?.instances).toEqual([expect.objectContaining({ id: crashed.id, gaveUp: true })]);
  });

  test('ACTIVE with a dead power state (Nova not synced yet) gets a HARD reboot', async () => {
    sim = await smallSim();
    const n = await startedNode('cmp-b');
    const victim = await instance('b-tagged');
    await sim.crashInstance(victim.id, 'power-state');
    const rb = await runCompute('NovaCompute', 'monitor', n, { env: LEVEL20 });
    expect(rb.code).toBe(0);
    await sim.waitFor(async () => (await instance('b-tagged')).power_state === 1, { what: 'b-tagged running again' });
    const calls = await sim.calls();
    expect(calls.actions['reboot']).toBe(1);
  });
});

describe('Nova’s view (OCF_CHECK_LEVEL=10)', () => {
  test('nova-compute running but Nova shows the service forced down by someone else → degraded (190)', async () => {
    sim = await smallSim();
    const n = await startedNode('cmp-c');
    // An operator forces the service down (not instance HA: no mark, no fence reason).
    const { connect } = await import('../../lib/openstack/connect');
    const { resolveAuthSpec } = await import('../../lib/openstack/credentials');
    const { Deadline } = await import('../../lib/runtime/deadline');
    const cloud = await connect(resolveAuthSpec({ auth_url: sim.authUrl, username: 'admin', password: 'admin', tenant_name: 'admin' }), {
      deadline: Deadline.in(20_000),
    });
    const nova = await cloud.nova();
    const svc = (await nova.listComputeServices({ host: 'cmp-c' }))[0]!;
    await nova.forceDown(svc, true);
    const r = await runCompute('NovaCompute', 'monitor', n, { env: { ...RECURRING, OCF_CHECK_LEVEL: '10' } });
    expect(r.code).toBe(190);
    expect(r.stderr).toMatch(/Nova shows nova-compute on cmp-c forced down/);
    expect((await runCompute('NovaCompute', 'monitor', n, { env: RECURRING })).code).toBe(0);
  });
});

describe('nova-compute-wait', () => {
  test('a deep monitor right after start: nova-compute (another resource, started after it) not up yet is no concern', async () => {
    sim = await smallSim();
    await sim.stopCompute('cmp-b');
    await waitForService(sim, 'cmp-b', 'down');
    const n = node('cmp-b');
    expect((await runCompute('nova-compute-wait', 'start', n)).code).toBe(0);
    const deep = await runCompute('nova-compute-wait', 'monitor', n, { env: { ...RECURRING, OCF_CHECK_LEVEL: '10' } });
    expect(deep.stderr).not.toMatch(/although it runs here/);
    expect(deep.code).toBe(0);
  });

  test('start only waits; the monitor unfences once the separate nova-compute runs, and clears the attribute', async () => {
    sim = await smallSim();
    const n = node('cmp-a');
    await sim.killHost('cmp-a');
    await waitForService(sim, 'cmp-a', 'down');
    expect((await fenceOff(n, sim)).code).toBe(0);
    await sim.reviveHost('cmp-a', { compute: false });
    setMark(n, 'no');

    const started = await runCompute('nova-compute-wait', 'start', n);
    expect(started.code).toBe(0);
    expect((await hostState('cmp-a')).compute).toBe('stopped');
    // Nothing was evacuated, so Nova lets forced-down go at once; enabling waits for nova-compute.
    expect((await hostState('cmp-a')).service.status).toBe('disabled');
    expect((await runCompute('nova-compute-wait', 'monitor', n, { env: RECURRING })).code).toBe(0);
    expect(readMark(n)).toBe('no');

    // The systemd:nova-compute resource starts after it.
    const standin = startStandin(['--config-file', n.conf]);
    try {
      await standin.running;
      await sim.waitFor(
        async () => {
          const r = await runCompute('nova-compute-wait', 'monitor', n, { env: RECURRING });
          expect(r.code).toBe(0);
          return (await hostState('cmp-a')).service.status === 'enabled';
        },
        { what: 'the monitor to unfence cmp-a', timeoutMs: 20_000, intervalMs: 500 },
      );
      expect((await hostState('cmp-a')).service.forced_down).toBe(false);
      expect(['', undefined]).toContain(readMark(n));
      expect((await runCompute('nova-compute-wait', 'stop', n)).code).toBe(0);
      expect((await runCompute('nova-compute-wait', 'monitor', n, { env: RECURRING })).code).toBe(7);
      expect((await hostState('cmp-a')).compute).toBe('running'); // not its process to stop
    } finally {
      standin.kill();
    }
  });
});
