/**
 * Evacuation benchmark: time from `fence_compute off` to every protected instance active
 * elsewhere, for 10/100/1,000 instances on 1 and 5 failed hosts, for our agents and for the
 * classic path (Debian's fence_compute + fence_evacuate driven as the classic NovaEvacuate
 * drives it), both on the same simulator, next to the physical limit of that cloud. Then the
 * cost of one monitor pass with nothing failed on test/scenarios/scale.json.
 *
 * The simulator runs `--time-scale` times faster than real time (rebuilds, scheduling);
 * the agents do not (process start, HTTP, Python imports). So every time is reported as
 * measured wall time, and also as "sim-equivalent" seconds (wall × scale): that is the time
 * a real cloud with these rebuild times would show only if the agents' own overhead were
 * negligible, which it is not for the classic path. Read both.
 *
 * Writes bench/results/evacuation.{md,json,png}.
 */
import { Command } from 'commander';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { startSim, scenarioPath, type RunningSim } from '../test/helpers/sim';
import { benchScenario, failedHostName, targetHostName, BENCH_DEFAULTS } from './lib/bench-scenario';
import { classicFenceOff, classicMonitorPass, classicUnavailable, prepareClassicAgents, type ClassicAgents } from './lib/classic-path';
import { fenceComputeOff, novaEvacuateNotReady, novaEvacuateResource, startNovaEvacuate, stopNovaEvacuate, MONITOR_INTERVAL_MS, type SimLogin } from './lib/our-path';
import { runOcf, type ClusterEnv, type RecurringMonitor } from './lib/pacemaker-driver';
import { allEvacuated, evacuationsAccepted, physicalLimit, progressOf, protectedInstances, type PhysicalLimit } from './lib/recovery';
import { COLORS, renderBarChart, type Panel, type Rgb } from './lib/png-chart';

const PATH_COLORS: Record<PathName, Rgb> = { ours: COLORS.ours, 'ours-sized': [90, 170, 230], classic: COLORS.classic };

const REPO = fileURLToPath(new URL('..', import.meta.url));
type PathName = 'ours' | 'ours-sized' | 'classic';
const PATH_TITLES: Record<PathName, string> = {
  ours: 'ours (default limits)',
  'ours-sized': 'ours (concurrency sized to the cloud)',
  classic: 'classic (fence_evacuate)',
};
/** NovaEvacuate's concurrency parameters per path: its defaults, or every build slot of the cloud. */
function oursParams(path: PathName): Record<string, string> {
  if (path !== 'ours-sized') return {};
  const slots = String(BENCH_DEFAULTS.targets * BENCH_DEFAULTS.buildsPerTarget);
  return { concurrency: slots, concurrency_per_host: slots, concurrency_per_target: String(BENCH_DEFAULTS.buildsPerTarget) };
}
const isOurs = (path: PathName) => path !== 'classic';
/** Keep the agent's state, status and metrics files in the run's scratch directory (not /run). */
const agentFiles = (dir: string) => ({
  state_dir: join(dir, 'state'),
  status_file: join(dir, 'status.json'),
  metrics_file: join(dir, 'metrics.prom'),
});

interface Cell {
  instances: number;
  failed: number;
  path: PathName;
  /** Why it did not run, when it did not. */
  skipped?: string;
  recovered?: boolean;
  /** Protected instances evacuated when the cell ended. */
  moved?: number;
  wallSec?: number;
  fenceSec?: number;
  limit?: PhysicalLimit;
  evacuateCalls?: number;
  apiCalls?: number;
  oracleOk?: boolean;
  violations?: number;
}

interface Options {
  timeScale: number;
  sizes: number[];
  failed: number[];
  paths: PathName[];
  classicMax: number;
  out: string;
  build: boolean;
  scale: boolean;
  cellTimeout: number;
  /** Re-render the table and plot from a previous run's evacuation.json instead of measuring. */
  fromJson: string | undefined;
}

function parseOptions(): Options {
  const program = new Command('bench-evacuation')
    .description('Time from fence_compute off to every protected instance active elsewhere: ours, the classic path, the physical limit')
    .option('--time-scale <n>', 'simulator speed-up (rebuilds, scheduling)', '10')
    .option('--sizes <list>', 'instances on the failed hosts', '10,100,1000')
    .option('--failed <list>', 'failed hosts', '1,5')
    .option('--paths <list>', 'ours,ours-sized,classic', 'ours,ours-sized,classic')
    .option('--classic-max <n>', 'skip classic cells above this many instances', '1000')
    .option('--cell-timeout <s>', 'wall seconds before a cell is declared not recovered', '600')
    .option('--out <dir>', 'results directory', join(REPO, 'bench/results'))
    .option('--no-build', 'do not run npm run build first')
    .option('--no-scale', 'skip the 500-host monitor-pass cost')
    .option('--from-json <file>', "re-render a previous run's evacuation.json (no measuring)")
    .parse();
  const o = program.opts<Record<string, string | boolean>>();
  const list = (value: unknown) => String(value).split(',').map((item) => item.trim()).filter(Boolean);
  return {
    timeScale: Number(o['timeScale']),
    sizes: list(o['sizes']).map(Number),
    failed: list(o['failed']).map(Number),
    paths: list(o['paths']) as PathName[],
    classicMax: Number(o['classicMax']),
    cellTimeout: Number(o['cellTimeout']),
    out: String(o['out']),
    build: o['build'] !== false,
    scale: o['scale'] !== false,
    fromJson: o['fromJson'] === undefined ? undefined : String(o['fromJson']),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function loginOf(sim: RunningSim): SimLogin {
  const { auth_url, login, passwd, tenant_name, user_domain, project_domain } = sim.credentials;
  return { auth_url, login, passwd, tenant_name, user_domain, project_domain };
}

/** The stand-ins' file: every compute host and the controller are cluster nodes. */
function clusterFor(dir: string, hosts: string[]): ClusterEnv {
  const attrsFile = join(dir, 'attrs.json');
  const nodes = Object.fromEntries(['ctl1', ...hosts].map((host) => [host, {}]));
  writeFileSync(attrsFile, JSON.stringify({ nodes, crm_config: { 'stonith-enabled': 'true' } }));
  return { attrsFile, node: 'ctl1', extraEnv: { HA_LOGFILE: join(dir, 'agents.log'), HA_RSCTMP: join(dir, 'rsctmp') } };
}

async function runCell(options: Options, instances: number, failedCount: number, path: PathName, classic: ClassicAgents | undefined): Promise<Cell> {
  const cell: Cell = { instances, failed: failedCount, path };
  const dir = mkdtempSync(join(tmpdir(), `bench-evac-${path}-`));
  const sim = await startSim({ scenario: benchScenario({ instances, failed: failedCount, timeScale: options.timeScale }) });
  let monitor: RecurringMonitor | undefined;
  let classicLoop: Promise<void> | undefined;
  let done = false;
  try {
    const cloud = sim.cloud!;
    const failed = Array.from({ length: failedCount }, (_, index) => failedHostName(index));
    const targets = Array.from({ length: BENCH_DEFAULTS.targets }, (_, index) => targetHostName(index));
    const cluster = clusterFor(dir, [...failed, ...targets]);
    const login = loginOf(sim);
    const protectedByHost = protectedInstances(cloud, failed);
    cell.limit = physicalLimit(cloud, instances, targets);
    const resource = novaEvacuateResource(login, cluster, { ...agentFiles(dir), ...oursParams(path) });
    for (const host of failed) await sim.killHost(host);
    await sim.resetCounters();

    const started = performance.now();
    // The fencer runs each host's fence_compute off (concurrent fencing).
    const fences = await Promise.all(
      failed.map((host) => (isOurs(path) ? fenceComputeOff(login, host, cluster) : classicFenceOff(classic!, login, host, cluster))),
    );
    cell.fenceSec = (performance.now() - started) / 1000;
    const badFence = fences.find((result) => result.rc !== 0);
    if (badFence) throw new Error(`fence_compute off failed (rc ${badFence.rc}): ${badFence.stderr.slice(-400)}`);

    if (isOurs(path)) {
      monitor = await startNovaEvacuate(resource);
    } else {
      // The classic monitor: a pass, then the next one 10 s after it completes.
      classicLoop = (async () => {
        while (!done) {
          await classicMonitorPass({ agents: classic!, credentials: login, cluster, noSharedStorage: true });
          const until = performance.now() + MONITOR_INTERVAL_MS;
          while (!done && performance.now() < until) await sleep(50);
        }
      })();
    }
    const deadline = started + options.cellTimeout * 1000;
    while (performance.now() < deadline) {
      const rows = progressOf(cloud, protectedByHost);
      cell.moved = rows.reduce((sum, row) => sum + row.evacuated, 0);
      if (allEvacuated(rows)) {
        cell.recovered = true;
        break;
      }
      await sleep(25);
    }
    cell.wallSec = (performance.now() - started) / 1000;
    cell.recovered ??= false;
    const calls = await sim.calls();
    cell.apiCalls = calls.total;
    cell.evacuateCalls = evacuationsAccepted(cloud, failed);
    const oracle = await sim.oracle();
    cell.oracleOk = oracle.ok;
    cell.violations = oracle.violations.length;
  } finally {
    done = true;
    if (isOurs(path)) await stopNovaEvacuate(novaEvacuateResource(loginOf(sim), clusterFor(dir, []), agentFiles(dir)), monitor).catch(() => undefined);
    await classicLoop?.catch(() => undefined);
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return cell;
}

interface PassCost {
  path: PathName;
  skipped?: string;
  wallMs?: number;
  apiCalls?: number;
  rc?: number | null;
}

/** One monitor pass with nothing failed, on 500 hosts and 20,000 instances. */
async function monitorPassCost(path: PathName, classic: ClassicAgents | undefined): Promise<PassCost> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pass-'));
  const sim = await startSim({ scenario: scenarioPath('scale') });
  try {
    const hosts = [...sim.cloud!.hosts.keys()];
    const cluster = clusterFor(dir, hosts);
    const login = loginOf(sim);
    if (path === 'classic') {
      await sim.resetCounters();
      const pass = await classicMonitorPass({ agents: classic!, credentials: login, cluster, noSharedStorage: true });
      return { path, wallMs: pass.ms, apiCalls: (await sim.calls()).total, rc: 0 };
    }
    const resource = novaEvacuateResource(login, cluster, agentFiles(dir));
    const start = await runOcf(resource, { action: 'start', timeoutMs: 20_000 });
    if (start.rc !== 0) return { path, skipped: `start answered rc ${start.rc}` };
    await sim.resetCounters();
    const pass = await runOcf(resource, { action: 'monitor', timeoutMs: 600_000, intervalMs: MONITOR_INTERVAL_MS });
    const result = { path, wallMs: pass.ms, apiCalls: (await sim.calls()).total, rc: pass.rc };
    await runOcf(resource, { action: 'stop', timeoutMs: 20_000 });
    return result;
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (value: number | undefined, digits = 1) => (value === undefined ? '–' : value.toFixed(digits));

function cellText(cell: Cell | undefined, scale: number): string {
  if (!cell) return '–';
  if (cell.skipped) return `skipped (${cell.skipped})`;
  const verdict = cell.recovered ? '' : ` **not recovered when the bench gave up** (${cell.moved ?? 0}/${cell.instances} moved)`;
  const oracle = cell.oracleOk ? '' : ` **${cell.violations} violation(s)**`;
  return `${fmt(cell.wallSec, 2)} s (≈${fmt((cell.wallSec ?? 0) * scale, 0)} sim s)${verdict}${oracle}`;
}

function markdown(options: Options, cells: Cell[], passes: PassCost[], when: string, benchWallSec?: number): string {
  const lines = [
    `Evacuation benchmark, ${when}, node ${process.versions.node}, simulator time scale ${options.timeScale}x.`,
    `Cloud: N instances (flavor evacuable=true) spread over F failed hosts, ${BENCH_DEFAULTS.targets} empty targets × ${BENCH_DEFAULTS.buildsPerTarget} concurrent builds, ` +
      `rebuild ${BENCH_DEFAULTS.rebuildSec} sim s, scheduling ${BENCH_DEFAULTS.schedulingSec} sim s, finish ${BENCH_DEFAULTS.finishEvacuationSec} sim s, API latency ${BENCH_DEFAULTS.apiLatencyMs} ms (real).`,
    'Time: from the start of `fence_compute off` (all failed hosts fenced concurrently) to every protected instance on another host with its evacuation `done` and no task.',
    'Wall = measured. "sim s" = wall × scale: what a real cloud would show only if the agents\' own costs (process start, HTTP, Python imports) also shrank by the scale; they do not.',
    'The evacuator\'s first monitor starts as soon as fencing returns, for both paths (the best case; Pacemaker runs it within its 10 s interval).',
    'Ours (default limits): concurrency 0 = twice the build slots of the hosts that can take instances, no per-host limit, 10 per target. Ours (sized): concurrency and per-host limit = every build slot of the cloud (targets × 10).',
    'NovaEvacuate re-reads Nova every pass_interval (2 s wall, an integer parameter): at a time scale of 10 a finished wave is seen up to 20 sim s late, a lag that is 10× smaller at real speed.',
    'The classic path fires every POST serially without tracking and lets Nova queue the builds; it never checks that any rebuild succeeded.',
    ...(benchWallSec === undefined ? [] : [`Whole bench: ${fmt(benchWallSec, 0)} s wall on a 2-core VM shared with other work (load average about 3).`]),
    '',
    `| instances | failed hosts | physical limit | ${options.paths.map((path) => PATH_TITLES[path]).join(' | ')} | evacuate POSTs (${options.paths.join(' / ')}) |`,
    `|---:|---:|---|${options.paths.map(() => '---|').join('')}---|`,
  ];
  for (const size of options.sizes) {
    for (const failed of options.failed) {
      const row = options.paths.map((path) => cells.find((c) => c.instances === size && c.failed === failed && c.path === path));
      const limit = row.find((cell) => cell?.limit)?.limit;
      const limitText = limit ? `${fmt(limit.wallSec, 2)} s (${fmt(limit.simSec, 0)} sim s; ${limit.waves} wave(s))` : '–';
      const texts = row.map((cell) => cellText(cell, options.timeScale)).join(' | ');
      lines.push(`| ${size} | ${failed} | ${limitText} | ${texts} | ${row.map((cell) => cell?.evacuateCalls ?? '–').join(' / ')} |`);
    }
  }
  if (passes.length > 0) {
    lines.push('', 'One monitor pass with no failure, test/scenarios/scale.json (500 hosts, 20,000 instances):', '', '| path | wall | API requests | rc |', '|---|---:|---:|---:|');
    for (const pass of passes) {
      lines.push(pass.skipped ? `| ${pass.path} | skipped (${pass.skipped}) | | |` : `| ${pass.path} | ${fmt(pass.wallMs, 0)} ms | ${pass.apiCalls} | ${pass.rc} |`);
    }
    lines.push('', 'The classic monitor reads only the attribute (attrd_updater -A) and never asks Nova, so it costs almost nothing and notices nothing the fence agent did not mark.');
  }
  return lines.join('\n') + '\n';
}

function chart(options: Options, cells: Cell[]): Buffer {
  const panels: Panel[] = [];
  for (const size of options.sizes) {
    for (const failed of options.failed) {
      const pick = (path: PathName) => cells.find((c) => c.instances === size && c.failed === failed && c.path === path);
      const limit = options.paths.map(pick).find((cell) => cell?.limit)?.limit;
      const value = (cell: Cell | undefined) => (cell && !cell.skipped && cell.recovered ? cell.wallSec : undefined);
      panels.push({
        title: `${size} instances, ${failed} failed host${failed > 1 ? 's' : ''}`,
        unit: 's',
        missingText: 'not run or not recovered',
        bars: [
          { label: 'physical limit', value: limit?.wallSec, color: COLORS.baseline },
          ...options.paths.map((path) => ({ label: path, value: value(pick(path)), color: PATH_COLORS[path] })),
        ],
      });
    }
  }
  return renderBarChart(`Fence to recovered, wall s, sim ${options.timeScale}x`, panels, [
    { label: 'limit', color: COLORS.baseline },
    ...options.paths.map((path) => ({ label: path, color: PATH_COLORS[path] })),
  ]);
}

function writeResults(options: Options, cells: Cell[], passes: PassCost[], when: string, benchWallSec?: number): void {
  const table = markdown(options, cells, passes, when, benchWallSec);
  console.log(`\n${table}`);
  mkdirSync(options.out, { recursive: true });
  writeFileSync(join(options.out, 'evacuation.md'), table);
  writeFileSync(join(options.out, 'evacuation.json'), `${JSON.stringify({ when, benchWallSec, options: { ...options, fromJson: undefined }, cells, passes }, null, 2)}\n`);
  writeFileSync(join(options.out, 'evacuation.png'), chart(options, cells));
  console.log(`wrote ${relative(process.cwd(), join(options.out, 'evacuation.png'))}, evacuation.md, evacuation.json`);
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options.fromJson) {
    const saved = JSON.parse(readFileSync(options.fromJson, 'utf8')) as { when: string; benchWallSec?: number; options: Options; cells: Cell[]; passes: PassCost[] };
    writeResults({ ...saved.options, out: options.out }, saved.cells, saved.passes, saved.when, saved.benchWallSec);
    return;
  }
  const wallStart = performance.now();
  if (options.build || !existsSync(join(REPO, 'dist/NovaEvacuate'))) {
    console.log('building dist/ (npm run build)…');
    await execa('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
  }
  const work = mkdtempSync(join(tmpdir(), 'bench-classic-'));
  const classicMissing = classicUnavailable();
  const classic = classicMissing ? undefined : prepareClassicAgents(join(work, 'agents'));
  const probeDir = mkdtempSync(join(tmpdir(), 'bench-probe-'));
  const oursMissing = await novaEvacuateNotReady(novaEvacuateResource(
    { auth_url: 'http://127.0.0.1:9/v3', login: 'x', passwd: 'x', tenant_name: 'x', user_domain: 'Default', project_domain: 'Default' },
    clusterFor(probeDir, []),
    agentFiles(probeDir),
  ));
  rmSync(probeDir, { recursive: true, force: true });

  const cells: Cell[] = [];
  for (const size of options.sizes) {
    for (const failed of options.failed) {
      for (const path of options.paths) {
        const skip =
          isOurs(path) ? oursMissing : classicMissing ?? (size > options.classicMax ? `over --classic-max ${options.classicMax}` : undefined);
        if (skip) {
          cells.push({ instances: size, failed, path, skipped: skip });
          console.log(`${path} ${size}×${failed}: skipped (${skip})`);
          continue;
        }
        const cell = await runCell(options, size, failed, path, classic).catch((error: Error) => ({
          instances: size, failed, path, skipped: `error: ${error.message.split('\n')[0]}`,
        }) as Cell);
        cells.push(cell);
        console.log(`${path} ${size}×${failed}: ${cellText(cell, options.timeScale)} (limit ${fmt(cell.limit?.wallSec, 2)} s, fence ${fmt(cell.fenceSec, 2)} s)`);
      }
    }
  }
  const passes: PassCost[] = [];
  if (options.scale) {
    for (const path of options.paths.filter((p) => p !== 'ours-sized')) {
      const skip = isOurs(path) ? oursMissing : classicMissing;
      const pass = skip ? { path, skipped: skip } : await monitorPassCost(path, classic);
      passes.push(pass);
      console.log(`monitor pass, 500 hosts / 20,000 instances, ${path}: ${pass.skipped ?? `${fmt(pass.wallMs, 0)} ms, ${pass.apiCalls} API requests`}`);
    }
  }
  rmSync(work, { recursive: true, force: true });

  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  writeResults(options, cells, passes, when, (performance.now() - wallStart) / 1000);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});
