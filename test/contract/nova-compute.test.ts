/**
 * The built NovaCompute agent on a compute node, against the simulated cloud with the
 * stand-in nova-compute as its command and the stand-in attrd: start/monitor/stop, the wrong
 * host name, the rebuild race, a deleted attribute, a reserved host, Keystone down during
 * start, deadlines, the evacuation delay, and in-place restarts of a dead nova-compute.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
  return (state.migrationList ?? []).filter((m) => m.sourceCompute === host);
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
