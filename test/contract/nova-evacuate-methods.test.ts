/**
 * The built NovaEvacuate against the simulator, per recovery method and scope rule, and with
 * the reserved hosts exhausted. Each case fences cmp-a (power fence by the sim, then the
 * built fence_compute) and runs monitors as Pacemaker does.
 */
import { afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentPaths, assertAgentsBuilt, novaEvacuateEnv, runExitCode } from '../helpers/nova-evacuate-agent';
import { scenarioPath, startSim, type RunningSim, type Scenario } from '../helpers/sim';

// Each case spawns the built agents several times; on a loaded 2-core machine that takes a while.
jest.setTimeout(180_000);

const { AGENT, FENCE } = agentPaths;

let work: string;
let sim: RunningSim | undefined;

interface Status {
  summary: string;
  hosts: { name: string; state: string; instances: { id: string; name: string; state: string; error: string | null }[] }[];
}

/** The shared environment plus a recurring monitor's meta attributes (interval 10 s, timeout 60 s). */
function env(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return novaEvacuateEnv(work, sim?.authUrl ?? '', {
    OCF_RESKEY_CRM_meta_interval: '10000',
    OCF_RESKEY_CRM_meta_timeout: '60000',
    ...extra,
  });
}

function run(file: string, args: string[], extra: NodeJS.ProcessEnv = {}, stdin = ''): Promise<number | null> {
  return runExitCode(file, args, env(extra), stdin);
}

async function setUp(scenario: string | Scenario): Promise<RunningSim> {
  work = mkdtempSync(join(tmpdir(), 'nova-evacuate-methods-'));
  const started = await startSim({ scenario, timing: { timeScale: 4, serviceDownTimeSec: 1 } });
  sim = started;
  expect(await run(AGENT, ['start'])).toBe(0);
  await started.killHost('cmp-a');
  const stdin = ['action=off', 'plug=cmp-a', `auth_url=${started.authUrl}`, 'login=admin', 'passwd=admin', 'tenant_name=admin', 'region_name=RegionOne', ''].join('\n');
  expect(await run(FENCE, [], {}, stdin)).toBe(0);
  return started;
}

const status = (): Status => JSON.parse(readFileSync(join(work, 'status.json'), 'utf8')) as Status;
const hostOf = (name: string) => status().hosts.find((h) => h.name === name);

beforeAll(assertAgentsBuilt);

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
  rmSync(work, { recursive: true, force: true });
});

describe('recovery methods', () => {
  it.each([
    ['auto', (hosts: Set<string | undefined>) => expect(hosts.has('cmp-d')).toBe(false)],
    ['reserved_host', (hosts: Set<string | undefined>) => expect([...hosts]).toEqual(['cmp-d'])],
    ['auto_priority', (hosts: Set<string | undefined>) => expect(hosts.has('cmp-d')).toBe(false)],
    ['rh_priority', (hosts: Set<string | undefined>) => expect([...hosts]).toEqual(['cmp-d'])],
  ])('%s: every protected instance evacuated, to the hosts the method picks', async (method, check) => {
    const cloud = await setUp(scenarioPath('small'));
    expect(await run(AGENT, ['monitor'], { OCF_RESKEY_recovery_method: method })).toBe(0);
    const host = hostOf('cmp-a');
    expect(host?.state).toBe('done');
    const moved = host?.instances.filter((i) => i.state === 'evacuated').map((i) => i.id) ?? [];
    expect(moved.length).toBeGreaterThan(0);
    const state = await cloud.state({ full: true });
    check(new Set((state.instanceList ?? []).filter((i) => moved.includes(i.id)).map((i) => i.host)));
    expect(state.oracle.violations).toEqual([]);
  });
});

describe('scope rules', () => {
  it('scope=none evacuates nothing and marks the host done', async () => {
    const cloud = await setUp(scenarioPath('small'));
    await cloud.resetCounters();
    expect(await run(AGENT, ['monitor'], { OCF_RESKEY_scope: 'none' })).toBe(0);
    expect((await cloud.calls()).actions.evacuate ?? 0).toBe(0);
    expect(hostOf('cmp-a')?.state).toBe('done');
    expect(hostOf('cmp-a')?.instances.every((i) => i.state === 'unprotected')).toBe(true);
  });

  it('instance_filtering=false (the classic option) evacuates nothing, whatever scope says', async () => {
    const cloud = await setUp(scenarioPath('small'));
    await cloud.resetCounters();
    expect(await run(AGENT, ['monitor'], { OCF_RESKEY_instance_filtering: 'false', OCF_RESKEY_scope: 'all' })).toBe(0);
    expect((await cloud.calls()).actions.evacuate ?? 0).toBe(0);
    expect(hostOf('cmp-a')?.state).toBe('done');
  });

  it('include_projects keeps only those projects’ instances', async () => {
    const cloud = await setUp(scenarioPath('small'));
    const demo = (await cloud.state({ full: true })).instanceList?.find((i) => i.name === 'a-private-flavor')?.project ?? '';
    expect(await run(AGENT, ['monitor'], { OCF_RESKEY_include_projects: demo })).toBe(0);
    const host = hostOf('cmp-a');
    // The one evacuated is that project's instance, still named although it left before the last pass.
    expect(host?.instances.filter((i) => i.state === 'evacuated').map((i) => i.name)).toEqual(['a-private-flavor']);
    expect(host?.instances.filter((i) => i.state === 'unprotected').length).toBeGreaterThan(3);
  });
});

describe('reserved hosts exhausted', () => {
  const scenario: Scenario = {
    name: 'reserved-exhausted',
    seed: 5,
    region: 'RegionOne',
    timing: { timeScale: 1, serviceDownTimeSec: 1, rebuildSec: 0.3, schedulingSec: 0.1, reviveCleanupSec: 0.5 },
    auth: { users: [{ name: 'admin', password: 'admin', project: 'admin', domain: 'Default' }] },
    flavors: [{ id: '1', name: 'medium', vcpus: 2, ram: 2048, disk: 10 }],
    hosts: [
      { name: 'cmp-a', capacity: { vcpus: 16, ramMb: 16384, diskGb: 200 } },
      { name: 'cmp-b', capacity: { vcpus: 16, ramMb: 16384, diskGb: 200 } },
      { name: 'cmp-r', capacity: { vcpus: 2, ramMb: 2048, diskGb: 200 }, reserved: true },
    ],
    instances: [1, 2, 3].map((n) => ({ name: `vm-${n}`, host: 'cmp-a', flavor: 'medium' })),
  };

  it('reserved_host: what fits goes to the reserved host, the rest waits with the reason; rh_priority then uses the others', async () => {
    const cloud = await setUp(scenario);
    expect(await run(AGENT, ['monitor'], { OCF_RESKEY_recovery_method: 'reserved_host', OCF_RESKEY_CRM_meta_timeout: '8000' })).toBe(0);
    const host = hostOf('cmp-a');
    expect(host?.state).toBe('evacuating');
    expect(host?.instances.filter((i) => i.state === 'evacuated')).toHaveLength(1);
    const waiting = host?.instances.filter((i) => i.state === 'pending') ?? [];
    expect(waiting).toHaveLength(2);
    for (const i of waiting) expect(i.error).toMatch(/reserved/);
    expect(status().summary).toMatch(/2 without a target/);
    expect(((await cloud.state()).migrations.byStatus.error ?? 0)).toBe(0);

    // rh_priority: the reserved host first, then Nova's scheduler for the rest.
    expect(await run(AGENT, ['monitor'], { OCF_RESKEY_recovery_method: 'rh_priority' })).toBe(0);
    expect(hostOf('cmp-a')?.state).toBe('done');
    const state = await cloud.state({ full: true });
    expect((state.instanceList ?? []).map((i) => i.host).sort()).toEqual(['cmp-b', 'cmp-b', 'cmp-r']);
    expect(state.oracle.violations).toEqual([]);
  });
});
