/**
 * Our BUILT agents end to end on the real lab (Keystone v3, Placement, Nova Zed with fake
 * computes), run as Pacemaker runs them but without a cluster (test/openstack/agents.ts):
 * a compute dies, fence_compute fences it, NovaEvacuate evacuates exactly the protected
 * servers in parallel and marks the host done, NovaCompute brings the compute back (waits,
 * starts the lab's nova-compute in the foreground, unfences), nova-ha reads it all, and the
 * corner cases (SHUTOFF and ERROR servers, a reserved host). End states are asserted; API calls
 * and durations are printed for docs/sim-fidelity.md.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cloud } from '../../lib/openstack/connect';
import type { ComputeService, Migration, NovaClient, Server } from '../../lib/openstack/nova';
import { CliHarness } from '../unit/cli/cli-harness';
import { AgentBench, assertBuilt, labComputeNode, type LabComputeNode } from './agents';
import { callsSince, markLogs, summarise } from './api-log';
import { adminParams, computeCtl, connectLab, deleteServers, loadLab, novaRequest, waitFor, type Lab } from './lab';

jest.setTimeout(600_000);

let lab: Lab;
let cloud: Cloud;
let nova: NovaClient;
let work: string;
let bench: AgentBench;
const created: string[] = [];

beforeAll(async () => {
  assertBuilt();
  lab = loadLab();
  if (lab.computes.length < 3) throw new Error(`these tests need 3 computes, the lab has ${lab.computes.join(', ')}`);
  cloud = await connectLab(adminParams(lab), 600_000);
  nova = await cloud.nova();
  work = mkdtempSync(join(tmpdir(), 'openstack-e2e-'));
  bench = new AgentBench(lab, work);
});

afterAll(async () => {
  if (cloud) await deleteServers(cloud, created);
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Boots `name` on `host` with this flavor and image, no network; its id. */
async function boot(name: string, host: string, flavor: string, image: string): Promise<string> {
  const { status, data } = await novaRequest(cloud, 'POST', '/servers', {
    server: { name, flavorRef: flavor, imageRef: image, networks: 'none', availability_zone: `nova:${host}` },
  });
  if (status !== 202) throw new Error(`boot of ${name} on ${host}: HTTP ${status} ${JSON.stringify(data)}`);
  const id = (data as { server: { id: string } }).server.id;
  created.push(id);
  return id;
}

async function waitStatus(id: string, status: string, host: string): Promise<Server> {
  return waitFor(`server ${id} ${status} on ${host}`, 180_000, async () => {
    const server = await nova.getServer(id);
    if (server.status === 'ERROR' && status !== 'ERROR') throw new Error(`server ${id} went to ERROR`);
    return server.status === status && server.host === host && !server.taskState ? server : undefined;
  });
}

async function service(host: string): Promise<ComputeService> {
  const [found] = await nova.listComputeServices({ host });
  if (!found) throw new Error(`no nova-compute service for ${host}`);
  return found;
}

/** Evacuation records from `host`, of these servers only when given (earlier tests leave theirs). */
async function evacuations(host: string, of?: readonly string[]): Promise<Migration[]> {
  const all = await nova.listMigrations({ sourceCompute: host, migrationType: 'evacuation' });
  return of ? all.filter((m) => of.includes(m.instanceUuid)) : all;
}

/** NovaEvacuate monitors, as Pacemaker repeats them, until `host` is marked `no` (bounded). */
async function monitorUntilDone(host: string, extra: NodeJS.ProcessEnv = {}): Promise<{ runs: number; outputs: string[] }> {
  const outputs: string[] = [];
  for (let runs = 1; runs <= 6; runs++) {
    const run = await bench.novaEvacuate('monitor', extra, 90);
    outputs.push(run.stderr);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    if (bench.mark(host) === 'no') return { runs, outputs };
  }
  throw new Error(`${host} not marked no after 6 monitors: ${outputs.join('\n---\n')}`);
}

/** Leaves `host` running, un-forced and enabled for what follows (best effort). */
async function restoreHost(host: string): Promise<void> {
  await computeCtl(lab, 'start', host).catch(() => undefined);
  await waitFor(`${host} migrations completed`, 120_000, async () => {
    const open = (await evacuations(host)).filter((m) => m.status === 'done');
    return open.length === 0 ? true : undefined;
  }).catch(() => undefined);
  const found = await service(host).catch(() => undefined);
  if (found?.forcedDown) await nova.forceDown(found, false).catch(() => undefined);
  if (found?.status === 'disabled') await nova.enableService(found).catch(() => undefined);
  await waitFor(`${host} up`, 60_000, async () => ((await service(host)).state === 'up' ? true : undefined)).catch(() => undefined);
}

describe('a compute dies: fence_compute, then NovaEvacuate, then NovaCompute brings it back', () => {
  const failed = 'cmp-a';
  const protectedIds: string[] = [];
  const unprotectedIds: string[] = [];
  let node: LabComputeNode;

  afterAll(async () => {
    if (!bench) return;
    // Stop what NovaCompute started, then hand the host back to the lab's own control.
    if (node) await bench.novaCompute('stop', node).catch(() => undefined);
    await restoreHost(failed);
  });

  test('fence_compute off, then NovaEvacuate evacuates exactly the protected servers, in parallel, to completion', async () => {
    // Protected by the flavor's evacuable=true, or by the image's evacuable tag; the rest not.
    protectedIds.push(
      await boot('e2e-flavor-1', failed, lab.flavors.evacuable.id, lab.images.plain),
      await boot('e2e-flavor-2', failed, lab.flavors.evacuable.id, lab.images.plain),
      await boot('e2e-image-1', failed, lab.flavors.plain.id, lab.images.evacuable),
    );
    unprotectedIds.push(
      await boot('e2e-plain-1', failed, lab.flavors.plain.id, lab.images.plain),
      await boot('e2e-plain-2', failed, lab.flavors.plain.id, lab.images.plain),
    );
    for (const id of [...protectedIds, ...unprotectedIds]) await waitStatus(id, 'ACTIVE', failed);
    expect((await bench.novaEvacuate('start')).code).toBe(0);

    // The host dies (its guests with it), and pacemaker-fenced runs fence_compute off.
    await computeCtl(lab, 'kill', failed);
    const mark0 = markLogs(lab);
    const fenceStarted = Date.now();
    const fence = await bench.fenceCompute('off', failed);
    const fenceMs = Date.now() - fenceStarted;
    expect({ code: fence.code, stderr: fence.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(bench.mark(failed)).toBe('yes');
    expect(await service(failed)).toMatchObject({ forcedDown: true, status: 'disabled', state: 'down' });
    const fenceCalls = summarise(callsSince(lab, mark0));

    // NovaEvacuate's monitor, every 10 s in Pacemaker: here back to back until the host is done.
    const mark1 = markLogs(lab);
    const evacStarted = Date.now();
    const { runs } = await monitorUntilDone(failed);
    const evacMs = Date.now() - evacStarted;
    const evacCalls = summarise(callsSince(lab, mark1));

    // Exactly the protected servers moved: ACTIVE elsewhere, each with a finished migration.
    const migrations = await evacuations(failed, [...protectedIds, ...unprotectedIds]);
    for (const id of protectedIds) {
      const server = await nova.getServer(id);
      expect(server).toMatchObject({ status: 'ACTIVE', taskState: null });
      expect(server.host).not.toBe(failed);
      expect(lab.computes).toContain(server.host);
      const mine = migrations.filter((m) => m.instanceUuid === id);
      expect(mine.map((m) => [m.status, m.destCompute])).toEqual([['done', server.host]]);
    }
    for (const id of unprotectedIds) {
      expect((await nova.getServer(id)).host).toBe(failed);
      expect(migrations.filter((m) => m.instanceUuid === id)).toEqual([]);
    }
    // In parallel: every evacuation was asked for before the first one finished.
    const createdAt = migrations.map((m) => Date.parse(`${m.createdAt}Z`));
    const updatedAt = migrations.map((m) => Date.parse(`${m.updatedAt}Z`));
    expect(Math.max(...createdAt)).toBeLessThanOrEqual(Math.min(...updatedAt));

    // The status file names the host done, the protected evacuated, the others unprotected.
    const status = JSON.parse(readFileSync(join(work, 'status.json'), 'utf8')) as {
      hosts: { name: string; state: string; instances: { id?: string; name: string; state: string }[] }[];
    };
    const host = status.hosts.find((h) => h.name === failed);
    expect(host?.state).toBe('done');
    // (Servers that left before the last pass are known by their migration records: id only.)
    expect(host?.instances.filter((i) => i.state === 'evacuated').map((i) => i.id).sort()).toEqual([...protectedIds].sort());
    expect(host?.instances.filter((i) => i.state === 'unprotected').map((i) => i.id).sort()).toEqual([...unprotectedIds].sort());

    console.log(
      JSON.stringify({ fenceMs, fenceCalls, evacMs, monitorRuns: runs, evacCalls, migrations: migrations.map((m) => [m.status, m.createdAt, m.updatedAt]) }, null, 1),
    );
  });

  test('NovaCompute start waits for the migrations, starts nova-compute, Nova completes them, it unfences', async () => {
    node = labComputeNode(lab, failed, join(work, `node-${failed}`));
    // Before: the host is fenced, its evacuations `done` (not yet `completed`), the mark `no`.
    expect(bench.mark(failed)).toBe('no');
    expect((await evacuations(failed, protectedIds)).map((m) => m.status)).toEqual(['done', 'done', 'done']);
    expect((await bench.novaCompute('monitor', node, { OCF_RESKEY_CRM_meta_interval: '0' })).code).toBe(7);

    const started = Date.now();
    const start = await bench.novaCompute('start', node, {}, 300);
    const startMs = Date.now() - started;
    expect({ code: start.code, stderr: start.stderr }).toEqual({ code: 0, stderr: expect.any(String) });

    // Nova's source-side clean-up ran (the lab's nova-compute started), the host is unfenced.
    expect((await evacuations(failed, protectedIds)).map((m) => m.status)).toEqual(['completed', 'completed', 'completed']);
    expect(await service(failed)).toMatchObject({ forcedDown: false, status: 'enabled' });
    expect(bench.mark(failed) ?? '').toBe('');
    await waitFor(`${failed} up`, 60_000, async () => ((await service(failed)).state === 'up' ? true : undefined));
    // The unprotected servers stay where they were; their guests died with the old process.
    for (const id of unprotectedIds) expect((await nova.getServer(id)).host).toBe(failed);
    // What Nova makes of them once the host is back (printed for docs/sim-fidelity.md).
    const leftBehind = await Promise.all(
      unprotectedIds.map(async (id) => {
        const server = await nova.getServer(id);
        const actions = await novaRequest(cloud, 'GET', `/servers/${id}/os-instance-actions`);
        const list = (actions.data as { instanceActions?: { action: string; user_id: string | null }[] }).instanceActions ?? [];
        return [server.status, server.vmState, server.powerState, list.map((a) => `${a.action}:${a.user_id ?? 'null'}`)];
      }),
    );

    expect((await bench.novaCompute('monitor', node)).code).toBe(0);
    const stop = await bench.novaCompute('stop', node);
    expect(stop.code).toBe(0);
    expect((await bench.novaCompute('monitor', node)).code).toBe(7);
    await expect(computeCtl(lab, 'status', failed)).rejects.toMatchObject({ code: 3 });
    const again = await bench.novaCompute('start', node, {}, 300);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect((await bench.novaCompute('monitor', node)).code).toBe(0);
    expect(await service(failed)).toMatchObject({ forcedDown: false, status: 'enabled' });
    console.log(JSON.stringify({ novaComputeStartMs: startMs, leftBehind, start: start.stderr.split('\n').slice(-15) }, null, 1));
  });
});

describe('nova-ha against the real cloud', () => {
  let cli: CliHarness;
  const cloudArgs = (): string[] => ['--cloud', lab.clouds.password, '--clouds-yaml', lab.cloudsYaml];

  beforeAll(() => {
    cli = new CliHarness();
  });
  afterAll(() => cli?.cleanup());

  test('status --live, plan, explain and doctor exit 0 with what the cloud holds', async () => {
    const server = created[0];
    expect(server).toBeDefined();

    const status = await cli.run(['status', '--live', ...cloudArgs()]);
    expect({ code: status.code, stderr: status.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    for (const host of lab.computes) expect(status.stdout).toContain(host);

    const plan = await cli.run(['plan', 'cmp-b', ...cloudArgs()]);
    expect({ code: plan.code, stderr: plan.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(plan.stdout).toContain('cmp-b');

    const explain = await cli.run(['explain', server as string, ...cloudArgs()]);
    expect({ code: explain.code, stderr: explain.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(explain.stdout).toMatch(/protected/i);

    const doctor = await cli.run(['doctor', ...cloudArgs()]);
    expect({ code: doctor.code, stdout: doctor.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/2\.\d+/) });
    console.log(['status', status.stdout, 'plan', plan.stdout, 'explain', explain.stdout, 'doctor', doctor.stdout].join('\n'));
  });
});

describe('SHUTOFF and ERROR servers on a failed host, a reserved host', () => {
  const failed = 'cmp-b';
  const reserved = 'cmp-c';
  const ids: Record<'active' | 'shutoff' | 'error', string> = { active: '', shutoff: '', error: '' };

  beforeAll(async () => {
    // Idempotent: running when the first scenario already started it.
    expect((await bench.novaEvacuate('start')).code).toBe(0);
  });

  afterAll(async () => {
    if (!nova) return;
    await restoreHost(failed);
    await restoreHost(reserved);
    await restoreHost('cmp-a');
  });

  test('recovery_method reserved_host: NovaEvacuate enables the reserved host and moves ACTIVE, SHUTOFF and ERROR servers there', async () => {
    ids.active = await boot('e2e-b-active', failed, lab.flavors.evacuable.id, lab.images.plain);
    ids.shutoff = await boot('e2e-b-shutoff', failed, lab.flavors.evacuable.id, lab.images.plain);
    ids.error = await boot('e2e-b-error', failed, lab.flavors.evacuable.id, lab.images.plain);
    for (const id of Object.values(ids)) await waitStatus(id, 'ACTIVE', failed);
    expect((await novaRequest(cloud, 'POST', `/servers/${ids.shutoff}/action`, { 'os-stop': null })).status).toBe(202);
    expect((await novaRequest(cloud, 'POST', `/servers/${ids.error}/action`, { 'os-resetState': { state: 'error' } })).status).toBe(202);
    await waitStatus(ids.shutoff, 'SHUTOFF', failed);
    await waitStatus(ids.error, 'ERROR', failed);

    // cmp-c is held back for instance HA: disabled with the reserved-host reason.
    const spare = await nova.disableService(await service(reserved), 'reserved host for instance HA');
    expect(spare).toMatchObject({ status: 'disabled', disabledReason: 'reserved host for instance HA' });

    await computeCtl(lab, 'kill', failed);
    const fence = await bench.fenceCompute('off', failed);
    expect({ code: fence.code, stderr: fence.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(bench.mark(failed)).toBe('yes');

    const mark = markLogs(lab);
    const { outputs } = await monitorUntilDone(failed, { OCF_RESKEY_recovery_method: 'reserved_host' });
    const calls = summarise(callsSince(lab, mark));

    // The reserved host was enabled for them and took all three.
    expect(await service(reserved)).toMatchObject({ status: 'enabled', forcedDown: false });
    const after = Object.fromEntries(
      await Promise.all(Object.entries(ids).map(async ([kind, id]) => [kind, await nova.getServer(id)] as const)),
    ) as Record<keyof typeof ids, Server>;
    for (const server of Object.values(after)) expect(server).toMatchObject({ host: reserved, taskState: null });
    const migrations = await evacuations(failed, Object.values(ids));
    expect(migrations.map((m) => [m.status, m.destCompute])).toEqual([
      ['done', reserved],
      ['done', reserved],
      ['done', reserved],
    ]);
    console.log(
      JSON.stringify(
        {
          states: Object.fromEntries(Object.entries(after).map(([k, s]) => [k, [s.status, s.vmState, s.powerState]])),
          calls,
          log: outputs.join('\n').split('\n').filter((l) => /evacuat|reserved|enable/i.test(l)).slice(0, 20),
        },
        null,
        1,
      ),
    );
    // Real Nova below 2.95: ACTIVE stays ACTIVE, SHUTOFF stays SHUTOFF, ERROR comes back ACTIVE.
    expect(after.active.status).toBe('ACTIVE');
    expect(after.shutoff.status).toBe('SHUTOFF');
    expect(after.error.status).toBe('ACTIVE');
  });

  test('unfencing a reserved host clears forced-down and leaves it disabled as reserved', async () => {
    // cmp-a is now the spare: reserved, then its node dies and is fenced and comes back.
    const host = 'cmp-a';
    await nova.disableService(await service(host), 'reserved host for instance HA');
    await computeCtl(lab, 'kill', host);
    const off = await bench.fenceCompute('off', host);
    expect({ code: off.code, stderr: off.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const fenced = await service(host);
    expect(fenced).toMatchObject({ forcedDown: true, status: 'disabled' });
    expect(fenced.disabledReason).toMatch(/reserved host for instance HA/);

    // NovaEvacuate finds nothing protected there (only the unprotected servers left earlier).
    await monitorUntilDone(host);
    await computeCtl(lab, 'start', host);
    const on = await bench.fenceCompute('on', host);
    expect({ code: on.code, stderr: on.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(await service(host)).toMatchObject({ forcedDown: false, status: 'disabled', disabledReason: 'reserved host for instance HA' });
    console.log(JSON.stringify({ on: on.stderr.split('\n').slice(-6), fencedReason: fenced.disabledReason }, null, 1));
  });
});

describe('NovaEvacuate killed mid-evacuation on real Nova', () => {
  // Real Nova does not refuse a second evacuate while one is in flight (docs/sim-fidelity.md §1):
  // only the agent's own reading of Nova keeps a resumed run from evacuating twice.
  const failed = 'cmp-c';

  beforeAll(async () => {
    expect((await bench.novaEvacuate('start')).code).toBe(0);
  });

  afterAll(async () => {
    if (nova) await restoreHost(failed);
  });

  test('SIGKILLed once its first evacuations are in Nova, the next monitor finishes the host with one evacuation per server', async () => {
    const ids: string[] = [];
    for (let n = 1; n <= 4; n++) ids.push(await boot(`e2e-c-${n}`, failed, lab.flavors.evacuable.id, lab.images.plain));
    for (const id of ids) await waitStatus(id, 'ACTIVE', failed);
    await computeCtl(lab, 'kill', failed);
    const fence = await bench.fenceCompute('off', failed);
    expect(fence.code).toBe(0);

    const mark = markLogs(lab);
    const { child, run } = bench.spawnNovaEvacuate('monitor', {}, 90);
    let killedAfter: number | undefined;
    const started = Date.now();
    // Kill it as soon as Nova holds an evacuation record of one of these servers.
    const watcher = (async () => {
      while (child.exitCode === null && child.signalCode === null) {
        if ((await evacuations(failed, ids)).length > 0) {
          child.kill('SIGKILL');
          killedAfter = Date.now() - started;
          return;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const first = await run;
    await watcher;
    expect({ code: first.code, killed: killedAfter !== undefined }).toEqual({ code: null, killed: true });
    expect(bench.mark(failed)).not.toBe('no');

    const { runs } = await monitorUntilDone(failed);
    const posts = callsSince(lab, mark).filter((c) => c.method === 'POST' && /\/servers\/[^/]+\/action$/.test(c.path));
    const migrations = await evacuations(failed, ids);
    for (const id of ids) {
      expect(migrations.filter((m) => m.instanceUuid === id).map((m) => m.status)).toEqual(['done']);
      const server = await nova.getServer(id);
      expect(server).toMatchObject({ status: 'ACTIVE', taskState: null });
      expect(server.host).not.toBe(failed);
    }
    // One POST per server over both monitors (servers earlier tests left on this host move too).
    const perServer = new Map<string, number>();
    for (const post of posts) {
      const id = post.path.split('/')[3] as string;
      perServer.set(id, (perServer.get(id) ?? 0) + 1);
    }
    expect([...perServer.values()].every((n) => n === 1)).toBe(true);
    for (const id of ids) expect(perServer.get(id)).toBe(1);
    console.log(JSON.stringify({ killedAfterMs: killedAfter, monitorsAfterKill: runs, evacuatePosts: posts.length }));
  });
});
