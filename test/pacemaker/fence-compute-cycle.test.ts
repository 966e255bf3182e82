/**
 * fence_compute's off → on cycle with the REAL attrd_updater of the one-node lab (node ctl1,
 * started by scripts/test-pacemaker) and the simulated Nova, driven as pacemaker-fenced drives
 * the agent: no argv, options on stdin in TripleO's spelling, a clean environment.
 *
 * The Nova host that dies is named `ctl1`, like the cluster node: the attribute key is then
 * obvious (a plug that is exactly a Nova host is used as is) and belongs to a node the CIB has,
 * so "private, never in the CIB" is a real check (for a host the cluster does not know,
 * nothing would reach the CIB anyway).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { deleteAttribute, queryAttribute, updateAttribute, waitForAttribute } from '../../lib/pacemaker/attrd';
import { getClusterStatus } from '../../lib/pacemaker/crm-mon';
import { Deadline } from '../../lib/runtime/deadline';
import { startSim, type RunningSim, type Scenario, type SimHostState } from '../helpers/sim';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const NODE = 'ctl1';
const HEALTHY = 'cmp-b';
const SPARE = 'cmp-c';
const PASSWORD = 'cycle-pass-4Zr';
// The fencer's environment is minimal; the real tools live in /usr/sbin.
const PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const toolEnv = { ...process.env, PATH: `${PATH}:${process.env.PATH ?? ''}` };
/** Long enough for every wait below; `on` must end well before it, or the test says why. */
const ON_TIMEOUT_SEC = 90;

const scenario: Scenario = {
  name: 'fence-compute-real-attrd',
  seed: 11,
  region: 'regionOne',
  timing: { timeScale: 1, serviceDownTimeSec: 1, rebuildSec: 0.3, schedulingSec: 0.1, reviveCleanupSec: 0.5 },
  auth: { users: [{ name: 'admin', password: PASSWORD, project: 'admin', domain: 'Default' }] },
  flavors: [{ id: '1', name: 'small', vcpus: 1, ram: 512, disk: 1 }],
  hosts: [{ name: NODE }, { name: HEALTHY }, { name: SPARE }],
  instances: [
    { name: 'vm-1', host: NODE, flavor: 'small' },
    { name: 'vm-2', host: NODE, flavor: 'small' },
  ],
};

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Started {
  child: ChildProcess;
  done: Promise<Run>;
  running(): boolean;
}

let sim: RunningSim;
let work: string;
let agent: string;
const children: ChildProcess[] = [];

/** Starts the installed fence_compute with `stdin`; killed after `killAfterMs` whatever happens. */
function startFenceCompute(stdin: string, killAfterMs: number): Started {
  const child = spawn(agent, [], {
    env: { PATH, LANG: 'C.UTF-8', PCMK_service: 'pacemaker-fenced', HA_RSCTMP: join(work, 'state') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  child.stdin?.end(stdin);
  return { child, done, running: () => child.exitCode === null && child.signalCode === null };
}

const fenceCompute = (stdin: string): Promise<Run> => startFenceCompute(stdin, 60_000).done;

/** TripleO's spelling (puppet-tripleo's fence_compute device), as the fencer passes it. */
const tripleo = (action: string, plug: string, extra: string[] = []): string =>
  [
    `action=${action}`,
    `nodename=${plug}`,
    `plug=${plug}`,
    `auth_url=${sim.authUrl}`,
    'login=admin',
    `passwd=${PASSWORD}`,
    'tenant_name=admin',
    'region_name=regionOne',
    'project_domain=Default',
    'user_domain=Default',
    'record_only=1',
    ...extra,
    '',
  ].join('\n');

async function host(name: string): Promise<SimHostState> {
  const found = (await sim.state({ host: name })).hosts.find((h) => h.name === name);
  if (!found) throw new Error(`the simulator has no host ${name}`);
  return found;
}

const service = async (name: string) => (await host(name)).service;
const evacuateMark = (name: string) => queryAttribute('evacuate', name, { env: toolEnv });
const cib = async () => (await execa('cibadmin', ['-Q'], { env: toolEnv, timeout: 15_000 })).stdout;

/** Waits `ms`, then reports whether the agent is still running (its state, not its speed). */
async function stillRunningAfter(started: Started, ms: number): Promise<boolean> {
  await Deadline.in(ms).sleep(ms);
  return started.running();
}

beforeAll(async () => {
  let online = false;
  try {
    online = (await getClusterStatus({ env: toolEnv })).nodes.some((node) => node.name === NODE && node.online);
  } catch {
    online = false;
  }
  if (!online) throw new Error(`no lab cluster with ${NODE} online: run scripts/test-pacemaker (or scripts/pcmk-lab/up)`);

  const built = join(REPO, 'dist', 'fence_compute');
  if (!existsSync(built)) {
    const build = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/build.ts')], { cwd: REPO, timeout: 120_000 });
    if (build.status !== 0) throw new Error(`build failed: ${String(build.stderr)}`);
  }
  // Installed as the package installs it (/usr/sbin/fence_compute), outside the repo.
  work = mkdtempSync(join(tmpdir(), 'fence-compute-attrd-'));
  for (const dir of ['sbin', 'state']) mkdirSync(join(work, dir));
  agent = join(work, 'sbin', 'fence_compute');
  copyFileSync(built, agent);
  chmodSync(agent, 0o755);

  // A lab left up by hand may hold values from an earlier run.
  for (const name of [NODE, HEALTHY, SPARE]) await deleteAttribute('evacuate', name, { env: toolEnv, private: true });
  sim = await startSim({ scenario });
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const name of [NODE, HEALTHY, SPARE]) {
    await deleteAttribute('evacuate', name, { env: toolEnv, private: true }).catch(() => undefined);
  }
  await sim?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
}, 60_000);

describe('fence_compute with the real attrd_updater', () => {
  test('off marks the dead host evacuate=yes (private); on waits for the evacuation, then unfences', async () => {
    await sim.killHost(NODE);
    await sim.waitFor(async () => (await service(NODE)).state === 'down', { what: `${NODE} down in Nova`, timeoutMs: 15_000 });

    // off: Nova forced down + disabled with our reason, then the real attribute.
    const off = await fenceCompute(tripleo('off', NODE));
    expect(off).toMatchObject({ code: 0, stdout: 'Success: Powered OFF\n' });
    const fenced = await service(NODE);
    expect(fenced).toMatchObject({ forced_down: true, status: 'disabled', state: 'down' });
    expect(fenced.disabled_reason).toMatch(/^fence_compute: fenced at \S+$/);
    expect(await waitForAttribute('evacuate', NODE, (v) => v === 'yes', Deadline.in(15_000), { env: toolEnv })).toBe('yes');
    const { stdout: queried } = await execa('attrd_updater', ['-Q', '-n', 'evacuate', '-N', NODE], { env: toolEnv, timeout: 15_000 });
    expect(queried.trim()).toBe(`name="evacuate" host="${NODE}" value="yes"`);

    // Private: a plain attribute written after it reaches the CIB, the evacuate mark does not.
    const probe = `nova-ha-test-cib-probe-${process.pid}`;
    await updateAttribute(probe, NODE, 'written', { env: toolEnv });
    const cibDeadline = Deadline.in(15_000);
    let status = await cib();
    while (!status.includes(`name="${probe}"`)) {
      cibDeadline.check(`waiting for ${probe} to reach the CIB`);
      await cibDeadline.sleep(200);
      status = await cib();
    }
    expect(status).toContain(`uname="${NODE}"`);
    expect(status).not.toContain('name="evacuate"');
    await deleteAttribute(probe, NODE, { env: toolEnv });

    // on: must not finish while the host is marked yes.
    const on = startFenceCompute(tripleo('on', NODE, [`action_timeout=${ON_TIMEOUT_SEC}`, 'verbose=1']), (ON_TIMEOUT_SEC + 15) * 1000);
    expect(await stillRunningAfter(on, 2_500)).toBe(true);
    expect(await service(NODE)).toMatchObject({ forced_down: true, status: 'disabled' });

    // What NovaEvacuate would do: evacuate every instance, wait for Nova to finish them.
    const { connect } = await import('../../lib/openstack/connect');
    const { resolveAuthSpec } = await import('../../lib/openstack/credentials');
    const cloud = await connect(resolveAuthSpec({ ...sim.credentials, password: PASSWORD }), { deadline: Deadline.in(30_000) });
    const nova = await cloud.nova();
    const servers = await nova.listServers({ host: NODE, allTenants: true });
    expect(servers).toHaveLength(2);
    for (const server of servers) await nova.evacuate(server.id);
    await sim.waitFor(async () => (await sim.state()).migrations.byStatus.done === 2, { what: 'both evacuations done', timeoutMs: 20_000 });
    const placed = (await sim.state({ full: true })).instanceList ?? [];
    expect(placed).toHaveLength(2);
    expect(placed.filter((instance) => instance.host === NODE)).toEqual([]);
    expect(await stillRunningAfter(on, 2_500)).toBe(true);

    // The mark goes to `no` through the real tool; Nova still refuses to clear forced-down
    // while its `done` records wait for the dead host to clean up, so `on` keeps waiting.
    await execa('attrd_updater', ['-p', '-n', 'evacuate', '-N', NODE, '-U', 'no'], { env: toolEnv, timeout: 15_000 });
    await waitForAttribute('evacuate', NODE, (v) => v === 'no', Deadline.in(15_000), { env: toolEnv });
    expect(await stillRunningAfter(on, 3_000)).toBe(true);
    expect(await service(NODE)).toMatchObject({ forced_down: true, status: 'disabled' });

    // The host comes back: its `done` evacuations become `completed`, and `on` unfences.
    await sim.reviveHost(NODE);
    const run = await on.done;
    expect(run).toMatchObject({ code: 0, signal: null, stdout: 'Success: Powered ON\n' });
    expect(run.stderr).toContain(`Waiting to unfence ${NODE}: its evacuation is not finished`);
    expect(run.stderr).toContain('Nova refuses to clear forced-down');
    expect(run.stderr).not.toContain(PASSWORD);
    expect((await sim.state()).migrations.byStatus.completed).toBe(2);
    expect(await service(NODE)).toMatchObject({ forced_down: false, status: 'enabled', state: 'up' });
    expect((await sim.oracle()).violations).toEqual([]);
  }, 150_000);

  test('a deleted attribute (attrd_updater -D): set to yes again while nothing was evacuated; after the evacuation it does not hang on', async () => {
    // The previous test's servers were evacuated onto the other hosts: take the one that has some.
    const { connect } = await import('../../lib/openstack/connect');
    const { resolveAuthSpec } = await import('../../lib/openstack/credentials');
    const cloud = await connect(resolveAuthSpec({ ...sim.credentials, password: PASSWORD }), { deadline: Deadline.in(30_000) });
    const nova = await cloud.nova();
    const onSpare = await nova.listServers({ host: SPARE, allTenants: true });
    const victim = onSpare.length > 0 ? SPARE : HEALTHY;
    await sim.killHost(victim);
    await sim.waitFor(async () => (await service(victim)).state === 'down', { what: `${victim} down in Nova`, timeoutMs: 15_000 });
    expect((await fenceCompute(tripleo('off', victim))).code).toBe(0);
    await waitForAttribute('evacuate', victim, (v) => v === 'yes', Deadline.in(15_000), { env: toolEnv });

    // Wiped before anything was evacuated (as Pacemaker does when the node rejoins): `on` sets it again.
    await execa('attrd_updater', ['-D', '-n', 'evacuate', '-N', victim], { env: toolEnv, timeout: 15_000 });
    expect(await waitForAttribute('evacuate', victim, (v) => v !== 'yes', Deadline.in(15_000), { env: toolEnv })).toBe('');
    const refused = await startFenceCompute(tripleo('on', victim, ['action_timeout=6']), 30_000).done;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/evacuate attribute is gone/);
    expect(await waitForAttribute('evacuate', victim, (v) => v === 'yes', Deadline.in(15_000), { env: toolEnv })).toBe('yes');
    expect(await service(victim)).toMatchObject({ forced_down: true, status: 'disabled' });

    // Evacuated, the host back and its records completed: a deleted attribute now means nothing pending.
    const servers = await nova.listServers({ host: victim, allTenants: true });
    expect(servers.length).toBeGreaterThan(0);
    for (const server of servers) await nova.evacuate(server.id);
    const done = async () => (await sim.state()).migrations.byStatus.done ?? 0;
    await sim.waitFor(async () => (await done()) === servers.length, { what: `${victim}'s evacuations done`, timeoutMs: 20_000 });
    await sim.reviveHost(victim);
    await sim.waitFor(async () => (await done()) === 0, { what: `${victim}'s evacuations completed`, timeoutMs: 20_000 });
    await execa('attrd_updater', ['-D', '-n', 'evacuate', '-N', victim], { env: toolEnv, timeout: 15_000 });
    expect(await waitForAttribute('evacuate', victim, (v) => v !== 'yes', Deadline.in(15_000), { env: toolEnv })).toBe('');
    const run = await startFenceCompute(tripleo('on', victim, ['action_timeout=30']), 45_000).done;
    expect({ ...run, stderr: run.code === 0 ? '' : run.stderr }).toMatchObject({ code: 0, signal: null, stdout: 'Success: Powered ON\n', stderr: '' });
    expect(await service(victim)).toMatchObject({ forced_down: false, status: 'enabled' });
    expect((await sim.oracle()).violations).toEqual([]);
  }, 120_000);
});
