/**
 * Kill and resume: the built NovaEvacuate is SIGKILLed at many points of its work (after N
 * requests to the cloud, after N evacuate POSTs), each time followed by a fresh monitor, as
 * Pacemaker would after a controller dies and the resource moves. The simulator's oracle
 * judges: no instance evacuated twice, none from a live service, and at the end every
 * protected instance of the failed host evacuated exactly once.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenarioPath, startSim, type RunningSim } from '../helpers/sim';

// Each case spawns the built agents several times; on a loaded 2-core machine that takes a while.
jest.setTimeout(180_000);

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const AGENT = join(REPO, 'dist', 'NovaEvacuate');
const FENCE = join(REPO, 'dist', 'fence_compute');
const STANDINS = join(REPO, 'test', 'standins');

let work: string;
let sim: RunningSim;

function env(): NodeJS.ProcessEnv {
  return {
    PATH: `${STANDINS}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    NOVA_HA_STANDIN_ATTRS: join(work, 'attrs.json'),
    HA_RSCTMP: join(work, 'state'),
    OCF_RESOURCE_INSTANCE: 'nova-evacuate',
    OCF_RESKEY_auth_url: sim.authUrl,
    OCF_RESKEY_username: 'admin',
    OCF_RESKEY_password: 'admin',
    OCF_RESKEY_tenant_name: 'admin',
    OCF_RESKEY_region_name: 'RegionOne',
    OCF_RESKEY_status_file: join(work, 'status.json'),
    OCF_RESKEY_pass_interval: '1',
    OCF_RESKEY_CRM_meta_interval: '10000',
    OCF_RESKEY_CRM_meta_timeout: '90000',
  };
}

function run(file: string, args: string[], stdin: string | undefined, killWhen?: () => Promise<boolean>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: env(), stdio: ['pipe', 'ignore', 'ignore'] });
    let done = false;
    child.on('error', reject);
    child.on('close', (code) => {
      done = true;
      resolve(code);
    });
    child.stdin.end(stdin ?? '');
    if (killWhen) {
      void (async () => {
        while (!done) {
          if (await killWhen()) {
            child.kill('SIGKILL');
            return;
          }
          await new Promise((r) => setTimeout(r, 3));
        }
      })();
    }
  });
}

async function fence(host: string): Promise<void> {
  await sim.killHost(host);
  const stdin = ['action=off', `plug=${host}`, `auth_url=${sim.authUrl}`, 'login=admin', 'passwd=admin', 'tenant_name=admin', 'region_name=RegionOne', ''].join('\n');
  expect(await run(FENCE, [], stdin)).toBe(0);
}

beforeAll(async () => {
  if (!existsSync(AGENT) || !existsSync(FENCE)) throw new Error('run `npm run build` first');
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
