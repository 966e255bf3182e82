/**
 * Kill and resume: the built NovaEvacuate is SIGKILLed at many points of its work (after N
 * requests to the cloud, after N evacuate POSTs), each time followed by a fresh monitor, as
 * Pacemaker would after a controller dies and the resource moves. The simulator's oracle
 * judges: no instance evacuated twice, none from a live service, and at the end every
 * protected instance of the failed host evacuated exactly once.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentPaths, assertAgentsBuilt, novaEvacuateEnv, runExitCode } from '../helpers/nova-evacuate-agent';
import { scenarioPath, startSim, type RunningSim } from '../helpers/sim';

// Each case spawns the built agents several times; on a loaded 2-core machine that takes a while.
jest.setTimeout(180_000);

const { AGENT, FENCE } = agentPaths;

let work: string;
let sim: RunningSim;

/** The shared environment plus a recurring monitor's meta attributes (interval 10 s, timeout 90 s). */
function env(): NodeJS.ProcessEnv {
  return novaEvacuateEnv(work, sim.authUrl, {
    OCF_RESKEY_CRM_meta_interval: '10000',
    OCF_RESKEY_CRM_meta_timeout: '90000',
  });
}

function run(file: string, args: string[], stdin: string | undefined, killWhen?: () => Promise<boolean>): Promise<number | null> {
  return runExitCode(file, args, env(), stdin ?? '', killWhen);
}

async function fence(host: string): Promise<void> {
  await sim.killHost(host);
  const stdin = ['action=off', `plug=${host}`, `auth_url=${sim.authUrl}`, 'login=admin', 'passwd=admin', 'tenant_name=admin', 'region_name=RegionOne', ''].join('\n');
  expect(await run(FENCE, [], stdin)).toBe(0);
}

beforeAll(async () => {
  assertAgentsBuilt();
  work = mkdtempSync(join(tmpdir(), 'nova-evacuate-resume-'));
  sim = await startSim({ scenario: scenarioPath('demo'), timing: { timeScale: 3, serviceDownTimeSec: 1 } });
});

afterAll(async () => {
  await sim?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('SIGKILL at many points, then a fresh monitor', () => {
  it('evacuates every protected instance exactly once', async () => {
    expect(await run(AGENT, ['start'], undefined)).toBe(0);
    const hosts = (await sim.state()).hosts.filter((h) => !h.reserved).sort((a, b) => b.instances - a.instances);
    const victim = hosts[0]?.name ?? 'none';
    await fence(victim);
    await sim.resetCounters();

    // Kill points by cloud requests (inside the snapshot, the marker, the re-checks) and by POSTs.
    const byRequests = [2, 5, 9, 14, 20, 30];
    const byPosts = [1, 2, 4, 7, 11];
    let kills = 0;
    for (const n of byRequests) {
      const base = (await sim.calls()).total;
      const code = await run(AGENT, ['monitor'], undefined, async () => (await sim.calls()).total - base >= n);
      if (code === null) kills += 1;
      expect((await sim.oracle()).violations).toEqual([]);
    }
    for (const n of byPosts) {
      const base = (await sim.calls()).actions.evacuate ?? 0;
      const code = await run(AGENT, ['monitor'], undefined, async () => ((await sim.calls()).actions.evacuate ?? 0) - base >= n);
      if (code === null) kills += 1;
      expect((await sim.oracle()).violations).toEqual([]);
    }
    expect(kills).toBeGreaterThan(3);

    // Then let one monitor finish the work.
    expect(await run(AGENT, ['monitor'], undefined)).toBe(0);
    const doc = JSON.parse(readFileSync(join(work, 'status.json'), 'utf8')) as {
      hosts: { name: string; state: string; instances: { id: string; state: string }[] }[];
      givenUp: unknown[];
    };
    const host = doc.hosts.find((h) => h.name === victim);
    expect(host?.state).toBe('done');
    expect(doc.givenUp).toEqual([]);
    const evacuated = host?.instances.filter((i) => i.state === 'evacuated') ?? [];
    const oracle = await sim.oracle();
    expect(oracle.violations).toEqual([]);
    expect(evacuated.length).toBeGreaterThan(5);
    // Exactly once: as many accepted evacuations as evacuated instances, each instance once.
    expect(oracle.evacuationsAccepted).toBe(evacuated.length);
    const state = await sim.state({ full: true });
    const perInstance = new Map<string, number>();
    for (const m of state.migrationList ?? []) perInstance.set(m.instance, (perInstance.get(m.instance) ?? 0) + 1);
    expect([...perInstance.values()].filter((count) => count > 1)).toEqual([]);
    expect((state.instanceList ?? []).filter((i) => evacuated.some((e) => e.id === i.id) && i.host === victim)).toEqual([]);
  });
});
