/**
 * The built NovaEvacuate driven as pacemaker-execd drives it (OCF_RESKEY_* environment,
 * CRM_meta_timeout, CRM_meta_interval) against the simulated cloud, with the stand-in
 * attrd_updater/crm_attribute first on PATH. Hosts are fenced by the built fence_compute, the
 * way pacemaker-fenced would after the power fence. The simulator's oracle is the judge of
 * "never twice".
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capture } from '../helpers/capture';
import { agentPaths, assertAgentsBuilt, killChildWhen, novaEvacuateEnv } from '../helpers/nova-evacuate-agent';
import { scenarioPath, startSim, type RunningSim, type SimInstanceState } from '../helpers/sim';

// Each case spawns the built agents several times; on a loaded 2-core machine that takes a while.
jest.setTimeout(180_000);

const { AGENT, FENCE, STANDINS } = agentPaths;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let work: string;
let sim: RunningSim;

/** The shared environment plus this file's own: Keystone domains, the metrics file, a short retry backoff. */
function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return novaEvacuateEnv(work, sim.authUrl, {
    OCF_RESKEY_user_domain: 'Default',
    OCF_RESKEY_project_domain: 'Default',
    OCF_RESKEY_metrics_file: join(work, 'nova_ha.prom'),
    OCF_RESKEY_retry_backoff: '1',
    ...extra,
  });
}

/** Runs the agent; `killWhen` may SIGKILL it (resolves then with code null). */
function agent(action: string, extra: NodeJS.ProcessEnv = {}, killWhen?: () => Promise<boolean>): Promise<Run> {
  const child = spawn(AGENT, [action], { env: baseEnv(extra), stdio: ['ignore', 'pipe', 'pipe'] });
  const run = capture(child, 90_000);
  if (killWhen) killChildWhen(child, killWhen, 5);
  return run;
}

const monitor = (extra: NodeJS.ProcessEnv = {}, killWhen?: () => Promise<boolean>) =>
  agent('monitor', { OCF_RESKEY_CRM_meta_interval: '10000', OCF_RESKEY_CRM_meta_timeout: '60000', ...extra }, killWhen);

function attrd(...args: string[]): string {
  const result = spawnSync(join(STANDINS, 'attrd_updater'), args, { env: baseEnv(), encoding: 'utf8' });
  return result.stdout;
}

function mark(host: string): string | undefined {
  const out = attrd('-Q', '-n', 'evacuate', '-N', host);
  return /value="(.*)"/.exec(out)?.[1];
}

/** Power fence (the sim kills the host), then fence_compute off as pacemaker-fenced runs it. */
async function fence(host: string): Promise<void> {
  await sim.killHost(host);
  const stdin = ['action=off', `plug=${host}`, `auth_url=${sim.authUrl}`, 'login=admin', 'passwd=admin', 'tenant_name=admin',
    'region_name=RegionOne', 'project_domain=Default', 'user_domain=Default', ''].join('\n');
  // Asynchronous: the simulator runs in this process and must keep answering.
  const result = await new Promise<Run>((resolve, reject) => {
    const child = spawn(FENCE, [], { env: baseEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  expect(mark(host)).toBe('yes');
}

async function instances(): Promise<SimInstanceState[]> {
  return (await sim.state({ full: true })).instanceList ?? [];
}

function statusDoc(): { summary: string; hosts: { name: string; state: string; instances: { name: string; state: string }[] }[]; givenUp: { name: string }[]; brake: { tripped: boolean } } {
  return JSON.parse(readFileSync(join(work, 'status.json'), 'utf8'));
}

async function freshSim(): Promise<void> {
  if (sim) await sim.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  work = mkdtempSync(join(tmpdir(), 'nova-evacuate-'));
  sim = await startSim({ scenario: scenarioPath('small'), timing: { timeScale: 4, serviceDownTimeSec: 1 } });
}

beforeAll(assertAgentsBuilt);

afterAll(async () => {
  if (sim) await sim.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});


describe('start, stop, probe', () => {
  beforeAll(freshSim);

  it('is not running before start, running after, and a probe never touches Nova', async () => {
    expect((await monitor()).code).toBe(7);
    expect((await agent('start')).code).toBe(0);
    await sim.resetCounters();
    expect((await agent('monitor', { OCF_RESKEY_CRM_meta_interval: '0' })).code).toBe(0);
    expect((await sim.calls()).total).toBe(0);
    expect((await agent('stop')).code).toBe(0);
    expect((await monitor()).code).toBe(7);
    expect((await agent('stop')).code).toBe(0);
  });
});

describe('a fenced host', () => {
  beforeAll(freshSim);

  it('evacuates every protected instance elsewhere, leaves the others, marks the host no', async () => {
    expect((await agent('start')).code).toBe(0);
    const before = (await instances()).filter((i) => i.host === 'cmp-a');
    const demo = before.find((i) => i.name === 'a-private-flavor')?.project ?? 'demo';
    await fence('cmp-a');
    // The demo project's instance (a-private-flavor) is out of scope here.
    const run = await monitor({ OCF_RESKEY_exclude_projects: demo });
    expect(run.code).toBe(0);
    expect(mark('cmp-a')).toBe('no');

    const doc = statusDoc();
    const host = doc.hosts.find((h) => h.name === 'cmp-a');
    expect(host?.state).toBe('done');
    const unprotected = new Set(host?.instances.filter((i) => i.state === 'unprotected').map((i) => i.name));
    expect([...unprotected]).toEqual(['a-private-flavor']);
    expect(host?.instances.filter((i) => i.state === 'evacuated')).toHaveLength(before.length - 1);
    const after = await instances();
    for (const original of before) {
      const now = after.find((i) => i.id === original.id);
      if (unprotected.has(original.name)) {
        expect({ name: original.name, host: now?.host }).toEqual({ name: original.name, host: 'cmp-a' });
      } else {
        // SHUTOFF stays SHUTOFF (below 2.95), ACTIVE stays ACTIVE: on a new host.
        expect({ name: original.name, host: now?.host === 'cmp-a', status: now?.status }).toEqual({
          name: original.name,
          host: false,
          status: original.status === 'SHUTOFF' ? 'SHUTOFF' : 'ACTIVE',
        });
      }
    }
    expect(doc.summary).toMatch(/done: cmp-a/);
    const oracle = await sim.oracle();
    expect(oracle.violations).toEqual([]);
    expect(readFileSync(join(work, 'nova_ha.prom'), 'utf8')).toMatch(/^nova_ha_instances\{state="evacuated"\} [1-9]/m);
  });

  it('a second monitor finds nothing to do and issues no evacuation', async () => {
    const demo = (await instances()).find((i) => i.name === 'a-private-flavor')?.project ?? 'demo';
    await sim.resetCounters();
    expect((await monitor({ OCF_RESKEY_exclude_projects: demo })).code).toBe(0);
    expect((await sim.calls()).actions.evacuate ?? 0).toBe(0);
    expect(mark('cmp-a')).toBe('no');
  });
});

describe('an ERROR instance, and a host Nova sees up', () => {
  beforeAll(freshSim);

  it('never evacuates a host Nova sees up, even when marked', async () => {
    expect((await agent('start')).code).toBe(0);
    attrd('-p', '-n', 'evacuate', '-N', 'cmp-c', '-U', 'yes');
    await sim.resetCounters();
    expect((await monitor({ OCF_RESKEY_CRM_meta_timeout: '8000' })).code).toBe(0);
    expect((await sim.calls()).actions.evacuate ?? 0).toBe(0);
    expect(mark('cmp-c')).toBe('yes');
    expect(statusDoc().hosts.find((h) => h.name === 'cmp-c')?.state).toBe('refused');
    attrd('-p', '-n', 'evacuate', '-N', 'cmp-c', '-U', 'no');
  });

  it('evacuates an ERROR instance and brings it back ACTIVE', async () => {
    await fence('cmp-b');
    expect((await monitor()).code).toBe(0);
    const errorOne = (await instances()).find((i) => i.name === 'b-error');
    expect({ host: errorOne?.host === 'cmp-b', status: errorOne?.status }).toEqual({ host: false, status: 'ACTIVE' });
    expect(mark('cmp-b')).toBe('no');
    expect((await sim.oracle()).violations).toEqual([]);
  });
});

describe('evacuation failures', () => {
  beforeAll(freshSim);

  it('retries refused evacuations and failed rebuilds, then succeeds', async () => {
    expect((await agent('start')).code).toBe(0);
    await sim.injectFault({ kind: 'evacuate-reject', host: 'cmp-a', status: 500, count: 2 });
    await sim.injectFault({ kind: 'rebuild-fail', count: 2 });
    await fence('cmp-a');
    // Room for one instance to meet both faults twice over without being given up.
    expect((await monitor({ OCF_RESKEY_max_attempts: '5' })).code).toBe(0);
    const doc = statusDoc();
    const host = doc.hosts.find((h) => h.name === 'cmp-a');
    expect(host?.state).toBe('done');
    expect(host?.instances.filter((i) => i.state !== 'unprotected' && i.state !== 'evacuated')).toEqual([]);
    expect(doc.givenUp).toEqual([]);
    expect(((await sim.state()).migrations.byStatus.failed ?? 0)).toBe(2);
    expect((await sim.oracle()).violations).toEqual([]);
  });

  it('gives up after max_attempts and says so in the status file', async () => {
    await sim.injectFault({ kind: 'rebuild-fail' });
    await fence('cmp-c');
    expect((await monitor({ OCF_RESKEY_max_attempts: '2' })).code).toBe(0);
    const doc = statusDoc();
    expect(doc.givenUp.map((g) => g.name)).toContain('c-tagged');
    expect(mark('cmp-c')).toBe('no');
    await sim.clearFaults();
  });
});

describe('Keystone and Nova failing', () => {
  beforeAll(freshSim);

  it('monitor still succeeds (and retries) when Keystone answers 500', async () => {
    expect((await agent('start')).code).toBe(0);
    await sim.injectFault({ kind: 'http-error', route: 'POST /v3/auth/tokens', status: 500 });
    await fence('cmp-a').catch(() => undefined);
    const run = await monitor({ OCF_RESKEY_CRM_meta_timeout: '6000' });
    expect(run.code).toBe(0);
    expect(statusDoc().summary).toMatch(/pass failed/);
    await sim.clearFaults();
  });

  it('monitor succeeds while Nova listings answer 503, and finishes once Nova is back', async () => {
    const fault = await sim.injectFault({ kind: 'http-error', route: 'GET /v2.1/servers/detail', status: 503, count: 3 });
    expect(fault.kind).toBe('http-error');
    if (mark('cmp-a') !== 'yes' && !mark('cmp-a')?.includes('@')) await fence('cmp-a');
    expect((await monitor()).code).toBe(0);
    expect(mark('cmp-a')).toBe('no');
    expect((await sim.oracle()).violations).toEqual([]);
  });
});

describe('Nova hanging', () => {
  beforeAll(freshSim);

  it('a monitor whose Nova calls never answer still returns 0 within its operation timeout', async () => {
    expect((await agent('start')).code).toBe(0);
    await fence('cmp-a');
    await sim.injectFault({ kind: 'hang', route: 'GET /v2.1/os-services' });
    const run = await monitor({ OCF_RESKEY_CRM_meta_timeout: '6000' });
    expect(run.code).toBe(0);
    expect(statusDoc().summary).toMatch(/pass failed/);
    await sim.clearFaults();
    expect((await monitor()).code).toBe(0);
    expect(mark('cmp-a')).toBe('no');
  });
});

describe("Nova's finish window", () => {
  beforeAll(freshSim);

  it('an instance reading ACTIVE with no task on its old host while evacuating is not evacuated again', async () => {
    expect((await agent('start')).code).toBe(0);
    await sim.injectFault({ kind: 'evacuate-race' });
    await fence('cmp-a');
    expect((await monitor()).code).toBe(0);
    expect(mark('cmp-a')).toBe('no');
    const oracle = await sim.oracle();
    expect(oracle.violations).toEqual([]);
    expect(oracle.evacuationsAccepted).toBe((await instances()).filter((i) => i.name.startsWith('a-')).length);
    await sim.clearFaults();
  });
});

describe('kill and resume', () => {
  beforeAll(freshSim);

  it('SIGKILLed after N evacuate POSTs, a fresh monitor finishes with no double evacuation', async () => {
    expect((await agent('start')).code).toBe(0);
    await fence('cmp-a');
    for (const n of [1, 2, 4]) {
      const killed = await monitor({}, async () => ((await sim.calls()).actions.evacuate ?? 0) >= n);
      expect(killed.code === null || killed.code === 0).toBe(true);
    }
    expect((await monitor()).code).toBe(0);
    expect(mark('cmp-a')).toBe('no');
    const oracle = await sim.oracle();
    expect(oracle.violations).toEqual([]);
    const doc = statusDoc();
    const evacuated = doc.hosts.find((h) => h.name === 'cmp-a')?.instances.filter((i) => i.state === 'evacuated') ?? [];
    // Every protected instance evacuated exactly once: accepted evacuations = evacuated instances.
    expect(oracle.evacuationsAccepted).toBe(evacuated.length);
  });
});

describe('reserved hosts', () => {
  beforeAll(freshSim);

  it('reserved_host: enables the reserved host and puts the protected instances there', async () => {
    expect((await agent('start')).code).toBe(0);
    const before = (await sim.state()).hosts.find((h) => h.name === 'cmp-d');
    expect(before?.service.status).toBe('disabled');
    await fence('cmp-a');
    expect((await monitor({ OCF_RESKEY_recovery_method: 'reserved_host' })).code).toBe(0);
    expect(mark('cmp-a')).toBe('no');
    const state = await sim.state({ full: true });
    expect(state.hosts.find((h) => h.name === 'cmp-d')?.service.status).toBe('enabled');
    const doc = statusDoc();
    const evacuated = doc.hosts.find((h) => h.name === 'cmp-a')?.instances.filter((i) => i.state === 'evacuated') ?? [];
    expect(evacuated.length).toBeGreaterThan(0);
    const moved = (state.instanceList ?? []).filter((i) => evacuated.some((e) => e.name === i.name || e.name === i.id));
    expect(new Set(moved.map((i) => i.host))).toEqual(new Set(['cmp-d']));
    expect(state.oracle.violations).toEqual([]);
  });
});

describe('the mass-failure brake', () => {
  beforeAll(freshSim);

  it('evacuates nothing while tripped, and everything once an operator resumes', async () => {
    expect((await agent('start')).code).toBe(0);
    await fence('cmp-a');
    await fence('cmp-b');
    await sim.resetCounters();
    const braked = { OCF_RESKEY_brake_max_hosts: '1' };
    expect((await monitor(braked)).code).toBe(0);
    expect((await sim.calls()).actions.evacuate ?? 0).toBe(0);
    const doc = statusDoc();
    expect(doc.brake.tripped).toBe(true);
    expect(doc.hosts.filter((h) => h.state === 'braked').map((h) => h.name).sort()).toEqual(['cmp-a', 'cmp-b']);

    // nova-ha resume: the cluster property, epoch seconds.
    const resume = spawnSync(join(STANDINS, 'crm_attribute'), ['--type', 'crm_config', '-n', 'nova-ha-resumed-at', '-v', String(Math.ceil(Date.now() / 1000) + 1)], { env: baseEnv(), encoding: 'utf8' });
    expect(resume.status).toBe(0);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await monitor(braked)).code).toBe(0);
    expect(statusDoc().brake.tripped).toBe(false);
    expect([mark('cmp-a'), mark('cmp-b')]).toEqual(['no', 'no']);
    expect((await sim.oracle()).violations).toEqual([]);
  });
});

describe('a host fenced while the loop runs', () => {
  beforeAll(freshSim);

  it('is picked up by the same monitor (evacuate_delay keeps the first host waiting)', async () => {
    expect((await agent('start')).code).toBe(0);
    await fence('cmp-a');
    const running = monitor({ OCF_RESKEY_evacuate_delay: '8' });
    await fence('cmp-c');
    const run = await running;
    expect(run.code).toBe(0);
    expect([mark('cmp-a'), mark('cmp-c')]).toEqual(['no', 'no']);
    const left = (await instances()).filter((i) => i.host === 'cmp-a' || i.host === 'cmp-c');
    expect(left).toEqual([]);
    expect((await sim.oracle()).violations).toEqual([]);
  });
});

describe('bad parameters', () => {
  beforeAll(freshSim);

  it('concurrency=0 and concurrency_per_host=0 are valid: the automatic limits', async () => {
    const run = await agent('validate-all', { OCF_RESKEY_concurrency: '0', OCF_RESKEY_concurrency_per_host: '0' });
    expect(run.code).toBe(0);
  });

  it.each([
    ['concurrency', '-1', /concurrency/],
    ['concurrency_per_target', '0', /concurrency_per_target/],
    ['scope', 'some', /scope/],
    ['segment_source', 'ldap', /segment_source/],
    ['segment_recovery_methods', 'east', /segment_recovery_methods/],
    ['recovery_method', 'magic', /recovery_method/],
    ['brake_max_segment_fraction', '2', /brake_max_segment_fraction/],
    ['max_attempts', 'x', /max_attempts/],
    ['status_file', 'relative.json', /status_file/],
    ['segment_scopes', 'gold=some', /segment_scopes/],
    ['evacuate_delay', '-5', /evacuate_delay/],
  ])('%s=%s: validate-all and start exit 6 naming it', async (name, value, reason) => {
    for (const action of ['validate-all', 'start']) {
      const run = await agent(action, { [`OCF_RESKEY_${name}`]: value });
      expect({ action, code: run.code }).toEqual({ action, code: 6 });
      expect(run.stderr).toMatch(new RegExp(`ocf-exit-reason:.*${reason.source}`));
    }
  });
});
