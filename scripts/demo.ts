/**
 * The demo: a simulated cloud (test/scenarios/demo.json: 3 segments, 12 hosts, 200
 * instances, a reserved host), NovaEvacuate run the way Pacemaker runs it (stand-in
 * attribute tools, probe → start → recurring monitor), two compute hosts killed and fenced
 * through dist/fence_compute the way the fencer calls it, the recovery shown live, and a
 * summary: time from fence to every protected instance active elsewhere against the
 * physical limit, instances moved, and the simulator's safety oracle (zero double runs).
 * No OpenStack and no Pacemaker needed. Exit 0 only when recovery completed with no
 * violation; 2 when recovery failed or an invariant broke; 3 when NovaEvacuate cannot run yet.
 */
import { Command } from 'commander';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim, type RunningSim } from '../test/helpers/sim';
import type { Cloud } from '../test/sim/cloud';
import { fenceComputeOff, novaEvacuateNotReady, novaEvacuateResource, startNovaEvacuate, stopNovaEvacuate, type SimLogin } from './lib/our-path';
import { distAgent, runOcf, type ClusterEnv, type OcfResource, type RecurringMonitor } from './lib/pacemaker-driver';
import { ProgressView, type ViewRow } from './lib/progress-view';
import { allEvacuated, evacuationsAccepted, lastEvacuations, physicalLimit, progressOf, protectedInstances, type PhysicalLimit } from './lib/recovery';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const EXIT_FAILED = 2;
const EXIT_NOT_READY = 3;

interface Options {
  scenario: string;
  kill: string[];
  timeScale: number | undefined;
  intervalMs: number;
  timeoutSec: number;
  live: boolean;
  keep: boolean;
}

function parseOptions(): Options {
  const program = new Command('demo')
    .description('Instance HA on a simulated cloud: two compute hosts die, NovaEvacuate brings their instances back')
    .option('--scenario <file>', 'the cloud', join(REPO, 'test/scenarios/demo.json'))
    .option('--kill <hosts>', 'compute hosts to kill and fence', 'cmp-01,cmp-02')
    .option('--time-scale <n>', "speed the simulated cloud up (rebuilds, scheduling); default: the scenario's")
    .option('--interval <s>', 'NovaEvacuate monitor interval (op monitor interval=…)', '2')
    .option('--timeout <s>', 'give up on recovery after this many wall seconds', '240')
    .option('--tty', 'redraw the progress view in place (default when stdout is a terminal)')
    .option('--no-tty', 'print one progress line per second (logs, CI)')
    .option('--keep', 'keep the work directory (agent log, attributes, status file)')
    .addHelpText('after', '\nThe scripts/demo wrapper also takes --no-build (skip npm ci / npm run build).')
    .parse();
  const o = program.opts<Record<string, string | boolean | undefined>>();
  const live = o['tty'] === undefined ? Boolean(process.stdout.isTTY) : o['tty'] === true;
  return {
    scenario: String(o['scenario']),
    kill: String(o['kill']).split(',').map((h) => h.trim()).filter(Boolean),
    timeScale: o['timeScale'] === undefined ? undefined : Number(o['timeScale']),
    intervalMs: Number(o['interval']) * 1000,
    timeoutSec: Number(o['timeout']),
    live,
    keep: o['keep'] === true,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const say = (line = '') => process.stdout.write(`${line}\n`);

/** Parameter names dist/NovaEvacuate declares in its meta-data (the demo sets only those). */
async function declaredParameters(resource: OcfResource): Promise<Set<string>> {
  const metadata = await runOcf(resource, { action: 'meta-data', timeoutMs: 10_000 });
  return new Set([...metadata.stdout.matchAll(/<parameter name="([^"]+)"/g)].map((m) => m[1] ?? ''));
}

/** The recovery method each segment's aggregate names in the scenario (`recovery_method`). */
function segmentMethods(cloud: Cloud): Map<string, string> {
  const methods = new Map<string, string>();
  for (const aggregate of cloud.aggregates) {
    const segment = aggregate.metadata['segment'];
    const method = aggregate.metadata['recovery_method'];
    if (segment && method) methods.set(segment, method);
  }
  return methods;
}

/** NovaEvacuate's parameters for this cloud, limited to those it declares. */
function agentParameters(declared: Set<string>, dir: string, cloud: Cloud): Record<string, string> {
  const wanted: Record<string, string> = {
    state_dir: join(dir, 'state'),
    status_file: join(dir, 'status.json'),
    metrics_file: join(dir, 'metrics.prom'),
    segment_source: 'aggregate',
    segment_key: 'segment',
    segment_metadata_key: 'segment',
    segment_recovery_methods: [...segmentMethods(cloud)].map(([segment, method]) => `${segment}=${method}`).join(', '),
  };
  return Object.fromEntries(Object.entries(wanted).filter(([name, value]) => declared.has(name) && value !== ''));
}

function statusFileOf(resource: OcfResource): string | undefined {
  return resource.params['status_file'];
}

/** The pool of hosts a failed host's instances may go to, by its segment's recovery method. */
function targetPool(cloud: Cloud, failedHost: string, failed: Set<string>): string[] {
  const host = cloud.hosts.get(failedHost);
  const method = host?.segment ? segmentMethods(cloud).get(host.segment) : undefined;
  const usable = [...cloud.hosts.values()].filter((h) => !failed.has(h.name) && h.alive);
  if (method === 'reserved_host') {
    const reserved = usable.filter((h) => h.reserved && h.segment === host?.segment);
    if (reserved.length > 0) return reserved.map((h) => h.name);
  }
  return usable.filter((h) => !h.reserved && !cloud.services.get(h.name)?.disabled).map((h) => h.name);
}

/** The slowest of: each host's instances on its own pool, and all of them on the union of pools. */
function demoLimit(cloud: Cloud, protectedByHost: Map<string, string[]>): PhysicalLimit {
  const failed = new Set(protectedByHost.keys());
  const pools = new Map([...failed].map((host) => [host, targetPool(cloud, host, failed)]));
  const limits = [...protectedByHost].map(([host, ids]) => physicalLimit(cloud, ids.length, pools.get(host) ?? []));
  const union = [...new Set([...pools.values()].flat())];
  const total = [...protectedByHost.values()].reduce((sum, ids) => sum + ids.length, 0);
  limits.push(physicalLimit(cloud, total, union));
  return limits.reduce((worst, limit) => (limit.wallSec > worst.wallSec ? limit : worst));
}

function readMarks(attrsFile: string): Record<string, string> {
  try {
    const store = JSON.parse(readFileSync(attrsFile, 'utf8')) as { attrd?: Record<string, Record<string, string>> };
    return store.attrd?.['evacuate'] ?? {};
  } catch {
    return {};
  }
}

function readStatusSummary(path: string | undefined): string {
  if (!path || !existsSync(path)) return '';
  try {
    return String((JSON.parse(readFileSync(path, 'utf8')) as { summary?: unknown }).summary ?? '');
  } catch {
    return '';
  }
}

function loginOf(sim: RunningSim): SimLogin {
  const { auth_url, login, passwd, tenant_name, user_domain, project_domain } = sim.credentials;
  return { auth_url, login, passwd, tenant_name, user_domain, project_domain };
}

/** Where the evacuated instances went: destination host → count. */
function destinations(cloud: Cloud, sources: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  const set = new Set(sources);
  for (const migration of lastEvacuations(cloud).values()) {
    if (!set.has(migration.sourceCompute) || !migration.destCompute) continue;
    if (migration.status !== 'done' && migration.status !== 'completed') continue;
    counts.set(migration.destCompute, (counts.get(migration.destCompute) ?? 0) + 1);
  }
  return new Map([...counts].sort((a, b) => b[1] - a[1]));
}

/** What must end if the user interrupts: the agent's process group runs detached from ours. */
let cleanup: (() => Promise<void>) | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`\n${signal}: stopping NovaEvacuate and the simulator…`);
    void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

async function run(options: Options, dir: string): Promise<number> {
  const timing = options.timeScale === undefined ? {} : { timing: { timeScale: options.timeScale } };
  const sim = await startSim({ scenario: options.scenario, ...timing });
  let monitor: RecurringMonitor | undefined;
  let resource: OcfResource | undefined;
  try {
    const cloud = sim.cloud!;
    const hosts = [...cloud.hosts.keys()];
    for (const host of options.kill) if (!cloud.hosts.has(host)) throw new Error(`--kill ${host}: no such host in the scenario`);
    const attrsFile = join(dir, 'attrs.json');
    const nodes = Object.fromEntries(['ctl1', ...hosts].map((host) => [host, { segment: cloud.hosts.get(host)?.segment ?? '' }]));
    writeFileSync(attrsFile, JSON.stringify({ nodes, crm_config: { 'stonith-enabled': 'true' } }));
    const cluster: ClusterEnv = { attrsFile, node: 'ctl1', extraEnv: { HA_LOGFILE: join(dir, 'agents.log'), HA_RSCTMP: join(dir, 'rsctmp') } };
    const login = loginOf(sim);
    const files = { state_dir: join(dir, 'state'), status_file: join(dir, 'status.json'), metrics_file: join(dir, 'metrics.prom') };
    const base = novaEvacuateResource(login, cluster, files);

    const notReady = await novaEvacuateNotReady(base);
    if (notReady) {
      say(`The demo cannot run yet: ${notReady}.`);
      say('It needs the real NovaEvacuate (start/stop/monitor); nothing was faked.');
      return EXIT_NOT_READY;
    }
    resource = novaEvacuateResource(login, cluster, agentParameters(await declaredParameters(base), dir, cloud));
    const instances = cloud.instances.size;
    const segments = new Set([...cloud.hosts.values()].map((h) => h.segment).filter(Boolean));
    const reserved = [...cloud.hosts.values()].filter((h) => h.reserved).map((h) => h.name);
    say(`Simulated cloud: ${hosts.length} compute hosts in ${segments.size} segments, ${instances} instances, reserved: ${reserved.join(', ') || 'none'}; time scale ${cloud.timing.timeScale}x.`);
    for (const [segment, method] of segmentMethods(cloud)) say(`  ${segment}: recovery method ${method}`);

    say(`Starting NovaEvacuate as Pacemaker would (probe, start, monitor every ${options.intervalMs / 1000} s)…`);
    const running = resource;
    cleanup = async () => {
      await stopNovaEvacuate(running, monitor).catch(() => undefined);
      await sim.stop();
    };
    monitor = await startNovaEvacuate(resource, {
      intervalMs: options.intervalMs,
      onMonitor: (result) => {
        if (result.rc !== 0) process.stderr.write(`NovaEvacuate monitor answered rc ${result.rc}${result.exitReason ? `: ${result.exitReason}` : ''}\n`);
      },
    });
    while (monitor.count < 1) await sleep(50);

    const protectedByHost = protectedInstances(cloud, options.kill);
    const limit = demoLimit(cloud, protectedByHost);
    say(`Killing ${options.kill.join(' and ')} (power lost: guests and nova-compute gone)…`);
    for (const host of options.kill) await sim.killHost(host);
    say('Fencing them through dist/fence_compute, options on stdin as pacemaker-fenced sends them…');
    const fenceStart = performance.now();
    const fences = await Promise.all(options.kill.map((host) => fenceComputeOff(login, host, cluster)));
    const fenceSec = (performance.now() - fenceStart) / 1000;
    fences.forEach((result, index) => {
      if (result.rc !== 0) throw new Error(`fence_compute off ${options.kill[index]} answered rc ${result.rc}: ${result.stderr.trim().split('\n').pop() ?? ''}`);
    });
    say(`Fenced in ${fenceSec.toFixed(2)} s. Recovery:`);

    const view = new ProgressView(process.stdout, options.live);
    const segmentOf = (host: string) => cloud.hosts.get(host)?.segment ?? '';
    const rows = (): ViewRow[] => {
      const marks = readMarks(attrsFile);
      return progressOf(cloud, protectedByHost).map((row) => ({ ...row, mark: marks[row.host] ?? '', segment: segmentOf(row.host) }));
    };
    let recoveredAt: number | undefined;
    let lastDraw = 0;
    const deadline = fenceStart + options.timeoutSec * 1000;
    for (;;) {
      const now = performance.now();
      const current = rows();
      const recovered = allEvacuated(current);
      if (recovered && recoveredAt === undefined) recoveredAt = now;
      const marksDone = current.every((row) => row.mark === 'no');
      const finished = recovered && (marksDone || now - (recoveredAt ?? now) > 15_000);
      if (finished || now > deadline || now - lastDraw >= 1000) {
        view.update((now - fenceStart) / 1000, current, readStatusSummary(statusFileOf(resource)));
        lastDraw = now;
      }
      if (finished || now > deadline) break;
      await sleep(100);
    }
    view.finish();

    const final = rows();
    const oracle = await sim.oracle();
    const moved = final.reduce((sum, row) => sum + row.evacuated, 0);
    const total = final.reduce((sum, row) => sum + row.total, 0);
    const failed = final.reduce((sum, row) => sum + row.failed, 0);
    const attempts = evacuationsAccepted(cloud, options.kill);
    const recoverySec = recoveredAt === undefined ? undefined : (recoveredAt - fenceStart) / 1000;
    const scale = cloud.timing.timeScale;
    say();
    say('Summary');
    say(`  protected instances on ${options.kill.join(', ')}: ${total}; moved: ${moved}; failed: ${failed}; evacuate calls accepted by Nova: ${attempts}`);
    say(`  where they went: ${[...destinations(cloud, options.kill)].map(([host, count]) => `${host} ${count}`).join(', ') || 'nowhere'}`);
    say(
      recoverySec === undefined
        ? `  NOT RECOVERED within ${options.timeoutSec} s`
        : `  time from fence to all protected instances active elsewhere: ${recoverySec.toFixed(2)} s wall` +
            (scale === 1 ? '' : ` (≈${(recoverySec * scale).toFixed(1)} s at the scenario's real speed, time scale ${scale}x)`),
    );
    say(`  physical limit: ${limit.wallSec.toFixed(2)} s wall (${limit.formula}; median rebuild, plus API latency)`);
    if (recoverySec !== undefined) say(`  ratio to the limit: ${(recoverySec / limit.wallSec).toFixed(2)}x`);
    say(`  marks now: ${final.map((row) => `${row.host}=${row.mark || '-'}`).join(', ')}`);
    say(`  safety oracle: ${oracle.ok ? 'OK, zero double runs' : `${oracle.violations.length} VIOLATION(S)`} (${oracle.evacuationsAccepted} evacuations judged)`);
    for (const violation of oracle.violations.slice(0, 5)) say(`    ${violation.kind} ${violation.instance} from ${violation.sourceHost}: ${violation.detail}`);
    const ok = oracle.ok && recoverySec !== undefined && failed === 0;
    say(`RESULT: ${ok ? 'recovered' : 'FAILED'} moved=${moved}/${total} violations=${oracle.violations.length} recovery_s=${recoverySec?.toFixed(2) ?? 'none'} limit_s=${limit.wallSec.toFixed(2)}`);
    return ok ? 0 : EXIT_FAILED;
  } finally {
    cleanup = undefined;
    if (resource) await stopNovaEvacuate(resource, monitor).catch(() => undefined);
    await sim.stop();
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  for (const agent of ['NovaEvacuate', 'fence_compute']) {
    if (!existsSync(distAgent(agent))) {
      say(`dist/${agent} is missing: run npm run build (scripts/demo does it for you).`);
      process.exitCode = EXIT_NOT_READY;
      return;
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'nova-ha-demo-'));
  try {
    process.exitCode = await run(options, dir);
  } catch (error) {
    say(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    const log = join(dir, 'agents.log');
    if (existsSync(log)) say(`last agent log lines:\n${readFileSync(log, 'utf8').trim().split('\n').slice(-15).join('\n')}`);
    process.exitCode = EXIT_FAILED;
  } finally {
    if (options.keep || process.exitCode === EXIT_FAILED) say(`work directory kept: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
