/**
 * How many Nova requests the built NovaEvacuate makes to recover one host, counted by the
 * simulator per route. The pass reads per tick only what changes (services, the failed host's
 * servers and evacuation records); the re-check before evacuate calls is per host, not per
 * instance; flavors and aggregates are read once per monitor. The oracle still judges
 * "never twice".
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capture } from '../helpers/capture';
import { agentPaths, assertAgentsBuilt, novaEvacuateEnv } from '../helpers/nova-evacuate-agent';
import { scenarioPath, startSim, type RunningSim } from '../helpers/sim';
import { loadScenario, type Scenario } from '../sim/scenario';

jest.setTimeout(180_000);

const { AGENT, FENCE } = agentPaths;
const EXTRA_PROTECTED = 24;

let work: string;
let sim: RunningSim;

const env = (extra: NodeJS.ProcessEnv = {}) =>
  novaEvacuateEnv(work, sim.authUrl, { OCF_RESKEY_user_domain: 'Default', OCF_RESKEY_project_domain: 'Default', ...extra });

/** The small cloud with room to spare and two dozen more protected servers on cmp-a. */
function crowdedScenario(): Scenario {
  const base = loadScenario(scenarioPath('small'));
  const hosts = (base.hosts ?? []).map((host) => ({ ...host, capacity: { vcpus: 128, ramMb: 131072, diskGb: 2000 } }));
  const extra = Array.from({ length: EXTRA_PROTECTED }, (_, i) => ({
    id: `bbbbbbb1-0000-4000-8000-${String(i).padStart(12, '0')}`,
    name: `a-crowd-${i}`,
    host: 'cmp-a',
    flavor: 'ha.small',
    image: 'cirros',
  }));
  return { ...base, hosts, instances: [...(base.instances ?? []), ...extra] };
}

async function fence(host: string): Promise<void> {
  await sim.killHost(host);
  const stdin = ['action=off', `plug=${host}`, `auth_url=${sim.authUrl}`, 'login=admin', 'passwd=admin', 'tenant_name=admin',
    'region_name=RegionOne', 'project_domain=Default', 'user_domain=Default', ''].join('\n');
  const child = spawn(FENCE, [], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(stdin);
  const run = await capture(child, 60_000);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
}

function mark(host: string): string | undefined {
  const out = spawnSync(join(agentPaths.STANDINS, 'attrd_updater'), ['-Q', '-n', 'evacuate', '-N', host], { env: env(), encoding: 'utf8' }).stdout;
  return /value="(.*)"/.exec(out)?.[1];
}

beforeAll(async () => {
  assertAgentsBuilt();
  work = mkdtempSync(join(tmpdir(), 'nova-evacuate-requests-'));
  // Rebuilds of 0.25–0.75 s against passes every second: several tracking passes.
  sim = await startSim({ scenario: crowdedScenario(), timing: { timeScale: 2, serviceDownTimeSec: 1 } });
});

afterAll(async () => {
  if (sim) await sim.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('Nova requests to recover one host', () => {
  it('stay near one evacuate POST per server plus a few reads per pass, and nothing is evacuated twice', async () => {
    const child = spawn(AGENT, ['start'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    expect((await capture(child, 30_000)).code).toBe(0);
    await fence('cmp-a');
    await sim.resetCounters();

    const monitor = spawn(AGENT, ['monitor'], {
      // At most 8 in flight: several passes issue evacuations, the others wait for a slot.
      env: env({ OCF_RESKEY_CRM_meta_interval: '10000', OCF_RESKEY_CRM_meta_timeout: '120000', OCF_RESKEY_concurrency: '8' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run = await capture(monitor, 150_000);
    expect(run.code).toBe(0);
    expect(mark('cmp-a')).toBe('no');

    const { calls, actions } = await sim.calls();
    const count = (key: string) => calls[key] ?? 0;
    const evacuated = actions.evacuate ?? 0;
    const doc = JSON.parse(readFileSync(join(work, 'status.json'), 'utf8')) as { hosts: { name: string; instances: { state: string }[] }[] };
    const moved = doc.hosts.find((h) => h.name === 'cmp-a')?.instances.filter((i) => i.state === 'evacuated').length ?? 0;
    expect(moved).toBeGreaterThanOrEqual(EXTRA_PROTECTED);
    expect(evacuated).toBe(moved);

    // One services read per pass: the number of passes.
    const passes = count('GET /v2.1/os-services');
    const nova = Object.entries(calls).filter(([key]) => / \/v2\.1\b/.test(key) || key.endsWith(' /')).reduce((n, [, v]) => n + v, 0);
    const breakdown = Object.fromEntries(Object.entries(calls).filter(([key]) => !key.includes('/v3/')).sort());
    process.stdout.write(`Nova requests for ${moved} servers in ${passes} passes: ${nova} ${JSON.stringify(breakdown)}\n`);

    // The re-check is per host: no GET of single servers, at most two migration listings a pass.
    expect(count('GET /v2.1/servers/{server_id}')).toBe(0);
    expect(count('GET /v2.1/os-migrations')).toBeLessThanOrEqual(2 * passes);
    // Read once per monitor.
    expect(count('GET /v2.1/flavors/detail')).toBe(1);
    expect(count('GET /v2.1/os-aggregates')).toBe(1);
    expect(count('GET /v2.1/os-hypervisors/detail')).toBeLessThanOrEqual(passes);
    // Everything but the POSTs: at most 6 a pass (services, the host's servers and migrations and
    // their re-check, room) plus what one monitor reads once (versions of two clients, flavors,
    // aggregates). Two GETs per instance on top of six reads a pass is well above it.
    expect(nova - evacuated).toBeLessThanOrEqual(6 * passes + 4);

    expect((await sim.oracle()).violations).toEqual([]);
  });
});
