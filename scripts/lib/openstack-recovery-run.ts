/**
 * One recovery on the real-OpenStack lab (scripts/openstack-up), by one path: boot protected
 * and unprotected servers on a compute, SIGKILL its nova-compute, fence it the way
 * pacemaker-fenced does (options on stdin), evacuate the way that path's NovaEvacuate does,
 * watch Nova's database until every protected server is rebuilt elsewhere, count the API
 * requests nova-api logged, record what is left behind, then bring the compute back the way
 * that path unfences and record the end state. Every wait is bounded; the host is handed back
 * running, un-forced and enabled, with the run's servers deleted.
 *
 * classic: Debian's fence_compute + fence_evacuate (one-token Python 3.11 fix) under the
 *   classic NovaEvacuate monitor loop (scripts/lib/classic-path.ts); unfence with
 *   `fence_compute -o on` first as Pacemaker's unfencing does at node rejoin (before
 *   nova-compute runs), then again once the compute is back and its migrations completed.
 * ours: dist/fence_compute, dist/NovaEvacuate's recurring monitor, dist/NovaCompute start
 *   (waits for the evacuations, starts the lab's nova-compute, unfences).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cloud } from '../../lib/openstack/connect';
import type { NovaClient } from '../../lib/openstack/nova';
import { AgentBench, labComputeNode, type LabComputeNode } from '../../test/openstack/agents';
import { callsSince, markLogs, type ApiCall } from '../../test/openstack/api-log';
import { dbEvacuations, dbServers, evacuatedIds } from '../../test/openstack/lab-db';
import { bootOn, computeCtl, deleteServers, waitActiveOn, waitFor, type Lab } from '../../test/openstack/lab';
import { classicFenceOff, classicMonitorPass, PYTHON, type ClassicAgents, type ClassicCredentials } from './classic-path';
import { MONITOR_INTERVAL_MS, MONITOR_TIMEOUT_MS } from './our-path';
import { RecurringMonitor, distAgent, runFence, runOcf, type ActionResult, type ClusterEnv, type OcfResource } from './pacemaker-driver';

export type PathName = 'classic' | 'ours';

export interface LabContext {
  lab: Lab;
  cloud: Cloud;
  nova: NovaClient;
  classic: ClassicAgents | undefined;
  failedHost: string;
  timeoutSec: number;
  log: (line: string) => void;
}

export interface HostState {
  state: string;
  status: string;
  forcedDown: boolean;
  disabledReason: string | null;
  /** The `evacuate` attribute; undefined when never set or deleted. */
  mark: string | undefined;
  serversInError: number;
  /** Evacuation records of the run's servers by status. */
  migrations: Record<string, number>;
}

export interface UnfenceStep {
  what: string;
  rc: number | null;
  sec: number;
  /** The host's state once the step settled (or 30 s passed). */
  after: HostState;
}

export interface RecoveryRun {
  path: PathName;
  protectedCount: number;
  unprotectedCount: number;
  fence: { rc: number | null; sec: number };
  recovered: boolean;
  moved: number;
  firstDoneSec?: number;
  allDoneSec?: number;
  /** When the evacuator marked the host `no` (its own "done"). */
  evacuatorDoneSec?: number;
  unprotectedMoved: number;
  targets: Record<string, number>;
  novaCalls: number;
  evacuatePosts: number;
  keystoneCalls: number;
  calls: Record<string, number>;
  leftBehind: HostState;
  unfence: UnfenceStep[];
  error?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const since = (t0: number) => (performance.now() - t0) / 1000;

export function classicCredentials(lab: Lab): ClassicCredentials {
  return {
    auth_url: lab.authUrl,
    login: lab.admin.username,
    passwd: lab.admin.password,
    tenant_name: lab.admin.project,
    user_domain: lab.admin.userDomain,
    project_domain: lab.admin.projectDomain,
  };
}

async function hostState(ctx: LabContext, bench: AgentBench, ids: readonly string[]): Promise<HostState> {
  const [service] = await ctx.nova.listComputeServices({ host: ctx.failedHost });
  if (!service) throw new Error(`Nova has no nova-compute service on ${ctx.failedHost}`);
  const servers = await dbServers(ctx.lab, ids);
  const migrations: Record<string, number> = {};
  for (const m of await dbEvacuations(ctx.lab, ids)) migrations[m.status] = (migrations[m.status] ?? 0) + 1;
  return {
    state: service.state,
    status: service.status,
    forcedDown: service.forcedDown,
    disabledReason: service.disabledReason,
    mark: bench.mark(ctx.failedHost),
    serversInError: servers.filter((s) => s.vmState === 'error').length,
    migrations,
  };
}

/** Waits (bounded) until `probe` is true; never throws: the state is recorded either way. */
async function settle(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  await waitFor(what, timeoutMs, async () => ((await probe()) ? true : undefined), 1000).catch(() => undefined);
}

/** The host running, un-forced, enabled and up, with no evacuation record left `done`. */
export async function restoreHost(ctx: LabContext, ids: readonly string[]): Promise<void> {
  await computeCtl(ctx.lab, 'start', ctx.failedHost);
  await settle('migrations completed', 120_000, async () => (await dbEvacuations(ctx.lab, ids)).every((m) => m.status !== 'done'));
  const [service] = await ctx.nova.listComputeServices({ host: ctx.failedHost });
  if (service?.forcedDown) await ctx.nova.forceDown(service, false);
  if (service?.status === 'disabled') await ctx.nova.enableService(service);
  await waitFor(`${ctx.failedHost} up and enabled`, 90_000, async () => {
    const [now] = await ctx.nova.listComputeServices({ host: ctx.failedHost });
    return now && now.state === 'up' && now.status === 'enabled' && !now.forcedDown ? true : undefined;
  });
}

function countCalls(calls: readonly ApiCall[]): Pick<RecoveryRun, 'novaCalls' | 'evacuatePosts' | 'keystoneCalls' | 'calls'> {
  const out: Record<string, number> = {};
  for (const call of calls) {
    const path = call.path.split('?')[0]!.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}').replace(/\/[0-9a-f]{32}(?=\/|$)/g, '/{id}');
    const key = `${call.service} ${call.method} ${path} ${call.status}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  const nova = calls.filter((c) => c.service === 'nova');
  return {
    novaCalls: nova.length,
    // Nothing else posts server actions during the window: every one is an evacuate.
    evacuatePosts: nova.filter((c) => c.method === 'POST' && /\/servers\/[^/]+\/action$/.test(c.path.split('?')[0]!)).length,
    keystoneCalls: calls.length - nova.length,
    calls: out,
  };
}

/** Our NovaEvacuate as a resource with the lab's clouds.yaml, its files in `work`. */
function novaEvacuate(ctx: LabContext, cluster: ClusterEnv, work: string): OcfResource {
  return {
    agent: distAgent('NovaEvacuate'),
    instance: 'nova-evacuate',
    params: {
      cloud: ctx.lab.clouds.password,
      clouds_yaml: ctx.lab.cloudsYaml,
      no_shared_storage: 'true',
      state_dir: join(work, 'state'),
      status_file: join(work, 'status.json'),
      metrics_file: join(work, 'metrics.prom'),
    },
    cluster,
  };
}

/** The evacuator, started right after fencing returned; `stop` ends it. */
function startEvacuator(ctx: LabContext, path: PathName, resource: OcfResource, cluster: ClusterEnv): { stop(): Promise<void> } {
  if (path === 'ours') {
    const monitor = new RecurringMonitor(resource, { intervalMs: MONITOR_INTERVAL_MS, timeoutMs: MONITOR_TIMEOUT_MS });
    monitor.start();
    return { stop: () => monitor.stop({ kill: true }) };
  }
  let done = false;
  // The classic monitor: a pass, then the next one 10 s after it completed.
  const loop = (async () => {
    while (!done) {
      await classicMonitorPass({ agents: ctx.classic!, credentials: classicCredentials(ctx.lab), cluster, noSharedStorage: true });
      const until = performance.now() + MONITOR_INTERVAL_MS;
      while (!done && performance.now() < until) await sleep(100);
    }
  })();
  return {
    stop: async () => {
      done = true;
      await loop;
    },
  };
}

function fenceOff(ctx: LabContext, path: PathName, cluster: ClusterEnv): Promise<ActionResult> {
  if (path === 'classic') return classicFenceOff(ctx.classic!, classicCredentials(ctx.lab), ctx.failedHost, cluster);
  const options = { action: 'off', plug: ctx.failedHost, ...classicCredentials(ctx.lab), region_name: ctx.lab.region, endpoint_type: 'publicURL' };
  return runFence(distAgent('fence_compute'), options, { ...cluster, timeoutMs: 60_000 });
}

function classicOn(ctx: LabContext, cluster: ClusterEnv): Promise<ActionResult> {
  const options = { action: 'on', plug: ctx.failedHost, ...classicCredentials(ctx.lab), record_only: '1' };
  return runFence(ctx.classic!.fenceCompute, options, { ...cluster, timeoutMs: 120_000, interpreter: PYTHON });
}

export async function recoveryRun(ctx: LabContext, path: PathName, protectedCount: number, unprotectedCount: number): Promise<RecoveryRun> {
  const { lab, nova, failedHost: host } = ctx;
  const work = mkdtempSync(join(tmpdir(), `bench-classic-openstack-${path}-`));
  const bench = new AgentBench(lab, work);
  const cluster: ClusterEnv = { attrsFile: bench.attrs, node: 'ctl1', extraEnv: { HA_LOGFILE: join(work, 'agents.log'), HA_RSCTMP: join(work, 'rsctmp') } };
  const protectedIds: string[] = [];
  const unprotectedIds: string[] = [];
  let node: LabComputeNode | undefined;
  try {
    const stamp = `${path}-${protectedCount}-${Date.now() % 100000}`;
    for (let i = 0; i < protectedCount; i++) protectedIds.push(await bootOn(ctx.cloud, lab, `bench-${stamp}-p${i}`, host, lab.flavors.evacuable.id, lab.images.plain));
    for (let i = 0; i < unprotectedCount; i++) unprotectedIds.push(await bootOn(ctx.cloud, lab, `bench-${stamp}-u${i}`, host, lab.flavors.plain.id, lab.images.plain));
    for (const id of [...protectedIds, ...unprotectedIds]) await waitActiveOn(nova, id, host, 180_000);
    const all = [...protectedIds, ...unprotectedIds];
    const resource = novaEvacuate(ctx, cluster, work);
    if (path === 'ours') {
      const start = await runOcf(resource, { action: 'start', timeoutMs: 30_000 });
      if (start.rc !== 0) throw new Error(`NovaEvacuate start answered rc ${start.rc}: ${start.stderr.slice(-300)}`);
    }
    ctx.log(`${path} ${protectedCount}+${unprotectedCount}: servers ACTIVE on ${host}; killing its nova-compute`);

    await computeCtl(lab, 'kill', host);
    const logMark = markLogs(lab);
    const t0 = performance.now();
    const fenced = await fenceOff(ctx, path, cluster);
    const fence = { rc: fenced.rc, sec: since(t0) };
    if (fenced.rc !== 0) throw new Error(`fence_compute off answered rc ${fenced.rc}: ${fenced.stderr.slice(-400)}`);
    const evacuator = startEvacuator(ctx, path, resource, cluster);

    let firstDoneSec: number | undefined;
    let allDoneSec: number | undefined;
    let evacuatorDoneSec: number | undefined;
    let moved = 0;
    const deadline = t0 + ctx.timeoutSec * 1000;
    try {
      while (performance.now() < deadline) {
        const servers = await dbServers(lab, protectedIds);
        const done = evacuatedIds(host, servers, await dbEvacuations(lab, protectedIds));
        const now = since(t0);
        moved = done.length;
        if (moved > 0) firstDoneSec ??= now;
        if (moved === protectedIds.length) allDoneSec ??= now;
        if (evacuatorDoneSec === undefined && bench.mark(host) === 'no') evacuatorDoneSec = now;
        const settledOrFailed = servers.every((s) => done.includes(s.uuid) || s.vmState === 'error');
        if (evacuatorDoneSec !== undefined && settledOrFailed) break;
        await sleep(500);
      }
    } finally {
      await evacuator.stop();
    }
    // nova-api logs a request after answering it: let the last lines land.
    await sleep(1500);
    const counted = countCalls(callsSince(lab, logMark));
    ctx.log(`${path}: all protected done at ${allDoneSec?.toFixed(2) ?? 'never'} s, ${counted.novaCalls} Nova requests`);

    const targets: Record<string, number> = {};
    const after = await dbServers(lab, all);
    for (const s of after.filter((s) => protectedIds.includes(s.uuid))) targets[s.host ?? '?'] = (targets[s.host ?? '?'] ?? 0) + 1;
    const run: RecoveryRun = {
      path,
      protectedCount,
      unprotectedCount,
      fence,
      recovered: allDoneSec !== undefined,
      moved,
      ...(firstDoneSec === undefined ? {} : { firstDoneSec }),
      ...(allDoneSec === undefined ? {} : { allDoneSec }),
      ...(evacuatorDoneSec === undefined ? {} : { evacuatorDoneSec }),
      unprotectedMoved: after.filter((s) => unprotectedIds.includes(s.uuid) && s.host !== host).length,
      targets,
      ...counted,
      leftBehind: await hostState(ctx, bench, all),
      unfence: [],
    };

    const upOrTimeout = () =>
      settle(`${host} up`, 30_000, async () => (await ctx.nova.listComputeServices({ host }))[0]?.state === 'up');
    const migrationsCompleted = () =>
      settle('migrations completed', 120_000, async () => (await dbEvacuations(lab, all)).every((m) => m.status !== 'done'));
    if (path === 'classic') {
      // Pacemaker unfences a rejoining node before its resources (nova-compute) start.
      let t = performance.now();
      let on = await classicOn(ctx, cluster);
      const earlyRc = on.rc;
      const earlySec = since(t);
      await computeCtl(lab, 'start', host);
      await migrationsCompleted();
      await upOrTimeout();
      run.unfence.push({ what: 'fence_compute on at rejoin (before nova-compute restarts), state once the compute is back', rc: earlyRc, sec: earlySec, after: await hostState(ctx, bench, all) });
      t = performance.now();
      on = await classicOn(ctx, cluster);
      const sec = since(t);
      await upOrTimeout();
      run.unfence.push({ what: 'fence_compute on again, compute back and migrations completed', rc: on.rc, sec, after: await hostState(ctx, bench, all) });
    } else {
      node = labComputeNode(lab, host, join(work, 'node'));
      const t = performance.now();
      const start = await bench.novaCompute('start', node, {}, 300);
      const sec = since(t);
      await upOrTimeout();
      run.unfence.push({ what: 'NovaCompute start (waits for the evacuations, starts nova-compute, unfences)', rc: start.code, sec, after: await hostState(ctx, bench, all) });
    }
    return run;
  } finally {
    // Hand the host back to the lab's own control, clean, for the next run.
    if (node) await bench.novaCompute('stop', node).catch(() => undefined);
    await restoreHost(ctx, [...protectedIds, ...unprotectedIds]).catch((error: Error) => ctx.log(`restoring ${host}: ${error.message}`));
    await deleteServers(ctx.cloud, [...protectedIds, ...unprotectedIds]);
    rmSync(work, { recursive: true, force: true });
  }
}
