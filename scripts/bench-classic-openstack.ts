/**
 * The classic agents and ours side by side on the real-OpenStack lab (scripts/openstack-up):
 * for each size (protected + unprotected servers on one compute) and each path, the same
 * failure (the compute's nova-compute SIGKILLed), fencing as pacemaker-fenced runs it, the
 * evacuation as that path's NovaEvacuate runs it, unfencing as that path does it. Measures
 * time from fence start to the first and to every protected server rebuilt elsewhere (ACTIVE,
 * no task, another host, evacuation record done/completed — read from Nova's database so the
 * watching adds no API request), the Nova and Keystone requests the agents made, what is left
 * behind, and the unfenced end state. See scripts/lib/openstack-recovery-run.ts.
 *
 * Run through scripts/bench-classic-openstack (lab up, packages, build). Writes
 * bench/results/classic-openstack.{md,json,png}.
 */
import { Command } from 'commander';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminParams, connectLab, loadLab } from '../test/openstack/lab';
import { classicUnavailable, prepareClassicAgents } from './lib/classic-path';
import { recoveryRun, restoreHost, type HostState, type LabContext, type PathName, type RecoveryRun } from './lib/openstack-recovery-run';
import { COLORS, renderBarChart, type Panel } from './lib/png-chart';

const REPO = fileURLToPath(new URL('..', import.meta.url));

interface Size {
  protected: number;
  unprotected: number;
}

interface Options {
  sizes: Size[];
  repeat: number;
  paths: PathName[];
  host: string;
  timeoutSec: number;
  out: string;
  fromJson: string | undefined;
}

function parseOptions(): Options {
  const program = new Command('bench-classic-openstack')
    .description('Classic fence_compute/fence_evacuate vs our agents on the real-OpenStack lab: same failure, same cloud')
    .option('--sizes <list>', 'protected+unprotected servers on the failed compute, comma-separated', '8+2,20+4')
    .option('--paths <list>', 'classic,ours', 'classic,ours')
    .option('--repeat <n>', 'rounds over every size and path (the table gives medians)', '1')
    .option('--host <name>', 'the compute that fails', 'cmp-a')
    .option('--timeout <s>', 'seconds from fence start before a run is declared not recovered', '300')
    .option('--out <dir>', 'results directory', join(REPO, 'bench/results'))
    .option('--from-json <file>', "re-render a previous run's classic-openstack.json (no measuring)")
    .parse();
  const o = program.opts<Record<string, string>>();
  const list = (value: string | undefined) => String(value).split(',').map((item) => item.trim()).filter(Boolean);
  const sizes = list(o['sizes']).map((text) => {
    const m = /^(\d+)\+(\d+)$/.exec(text);
    if (!m) throw new Error(`--sizes: '${text}' is not P+U (e.g. 8+2)`);
    return { protected: Number(m[1]), unprotected: Number(m[2]) };
  });
  const paths = list(o['paths']);
  for (const path of paths) if (path !== 'classic' && path !== 'ours') throw new Error(`--paths: unknown path '${path}'`);
  return { sizes, repeat: Math.max(1, Number(o['repeat'])), paths: paths as PathName[], host: String(o['host']), timeoutSec: Number(o['timeout']), out: String(o['out']), fromJson: o['fromJson'] };
}

const fmt = (value: number | undefined, digits = 1) => (value === undefined ? '–' : value.toFixed(digits));

function stateText(state: HostState): string {
  const migrations = Object.entries(state.migrations).map(([status, n]) => `${n} ${status}`).join(', ') || 'none';
  const reason = state.disabledReason ? ` ("${state.disabledReason}")` : '';
  return (
    `${state.status}${reason}, ${state.state}, forced_down=${state.forcedDown}, evacuate=${state.mark === undefined ? '(unset)' : `"${state.mark}"`}` +
    `; ERROR servers ${state.serversInError}; migrations: ${migrations}`
  );
}

function median(values: readonly (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  if (known.length === 0) return undefined;
  const mid = Math.floor(known.length / 2);
  return known.length % 2 ? known[mid] : ((known[mid - 1] as number) + (known[mid] as number)) / 2;
}

/** The runs of one path at one size that completed without an error. */
function runsOf(runs: readonly RecoveryRun[], path: PathName, size: Size): RecoveryRun[] {
  return runs.filter((r) => r.path === path && r.protectedCount === size.protected && r.unprotectedCount === size.unprotected && !r.error);
}

function range(values: readonly (number | undefined)[], digits: number): string {
  const known = values.filter((v): v is number => v !== undefined);
  const low = Math.min(...known);
  const high = Math.max(...known);
  if (known.length < 2 || low === high) return '';
  return ` (${fmt(low, digits)}–${fmt(high, digits)})`;
}

function summary(runs: RecoveryRun[], sizes: Size[]): string[] {
  const lines = [
    '| P+U | path | runs recovered | fence off | first done | all protected done | evacuator marked `no` | Nova requests | evacuate POSTs | Keystone requests |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const size of sizes) {
    for (const path of ['classic', 'ours'] as const) {
      const mine = runsOf(runs, path, size);
      if (mine.length === 0) continue;
      const col = (pick: (r: RecoveryRun) => number | undefined, digits = 2) => `${fmt(median(mine.map(pick)), digits)}${range(mine.map(pick), digits)}`;
      lines.push(
        `| ${size.protected}+${size.unprotected} | ${path} | ${mine.filter((r) => r.recovered).length}/${mine.length} | ${col((r) => r.fence.sec)} s | ${col((r) => r.firstDoneSec)} s | ` +
          `**${col((r) => r.allDoneSec)} s** | ${col((r) => r.evacuatorDoneSec)} s | ${col((r) => r.novaCalls, 0)} | ${col((r) => r.evacuatePosts, 0)} | ${col((r) => r.keystoneCalls, 0)} |`,
      );
    }
  }
  return lines;
}

function markdown(runs: RecoveryRun[], sizes: Size[], when: string, benchWallSec: number | undefined): string {
  const lines = [
    `Classic vs ours on the real-OpenStack lab (Keystone 22, Placement 8, Nova 26.2.2, fake computes cmp-a/b/c), ${when}, node ${process.versions.node}.`,
    'Same failure for every row: P protected (flavor `evacuable=true`) + U unprotected servers booted on cmp-a, its nova-compute SIGKILLed, then fencing with the options on stdin as pacemaker-fenced passes them.',
    'classic = Debian fence-agents 4.12.1 `fence_compute` (record_only=1) + `fence_evacuate` with the one-token Python 3.11 fix (getargspec → getfullargspec), driven by the classic NovaEvacuate monitor loop (status, in-progress marker, `fence_evacuate -o off --no-shared-storage`, `no`), serial. ours = dist/fence_compute + dist/NovaEvacuate\'s recurring monitor (defaults: parallel, tracked).',
    'Both evacuators run their first monitor as soon as fencing returned, then every 10 s after the previous one completed (Pacemaker\'s interval).',
    'Times from the start of `fence_compute off`. Done = ACTIVE, no task state, on another host, evacuation record `done`/`completed` (read from Nova\'s database every 0.5 s, so watching makes no API request).',
    'API requests: nova-api\'s and Keystone\'s access logs from fence start until the evacuator marked the host `no` and every protected server was done (Keystone counts include the services\' own token checks: an upper bound).',
    ...(benchWallSec === undefined ? [] : [`Whole bench: ${fmt(benchWallSec, 0)} s wall, 2-core VM shared with other work.`]),
    '',
    'Medians over the rounds (min–max in brackets):',
    '',
    ...summary(runs, sizes),
    '',
    'Every run:',
    '',
    '| path | P+U | fence off: rc / s | first done | all protected done | evacuator marked `no` at | moved (unprotected moved) | Nova requests (evacuate POSTs) | Keystone requests |',
    '|---|---|---|---:|---:|---:|---|---:|---:|',
  ];
  for (const run of runs) {
    if (run.error) {
      lines.push(`| ${run.path} | ${run.protectedCount}+${run.unprotectedCount} | **error**: ${run.error} | | | | | | |`);
      continue;
    }
    const all = run.recovered ? `**${fmt(run.allDoneSec, 2)} s**` : `**not recovered** (${run.moved}/${run.protectedCount})`;
    lines.push(
      `| ${run.path} | ${run.protectedCount}+${run.unprotectedCount} | ${run.fence.rc} / ${fmt(run.fence.sec, 2)} | ${fmt(run.firstDoneSec, 2)} s | ${all} | ${fmt(run.evacuatorDoneSec, 2)} s | ` +
        `${run.moved}/${run.protectedCount} → ${Object.entries(run.targets).map(([h, n]) => `${h} ${n}`).join(', ')} (${run.unprotectedMoved}) | ${run.novaCalls} (${run.evacuatePosts}) | ${run.keystoneCalls} |`,
    );
  }
  lines.push('', 'What each leaves behind after the evacuation (before the compute is back), and after unfencing:', '', '| path | P+U | after evacuation | unfence step | rc / s | state after it |', '|---|---|---|---|---|---|');
  for (const run of runs.filter((r) => !r.error)) {
    run.unfence.forEach((step, index) => {
      const head = index === 0 ? `| ${run.path} | ${run.protectedCount}+${run.unprotectedCount} | ${stateText(run.leftBehind)} ` : '| | | ';
      lines.push(`${head}| ${step.what} | ${step.rc} / ${fmt(step.sec, 2)} | ${stateText(step.after)} |`);
    });
  }
  lines.push('', 'Nova requests by kind (method, path, status), per run:', '');
  for (const run of runs.filter((r) => !r.error)) {
    const kinds = Object.entries(run.calls).filter(([key]) => key.startsWith('nova ')).sort(([, a], [, b]) => b - a);
    lines.push(`- ${run.path} ${run.protectedCount}+${run.unprotectedCount}: ${kinds.map(([key, n]) => `${n}× \`${key.slice(5)}\``).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

function chart(runs: RecoveryRun[], sizes: Size[]): Buffer {
  const panels: Panel[] = sizes.map((size) => {
    const at = (path: PathName, pick: (r: RecoveryRun) => number | undefined) => median(runsOf(runs, path, size).map(pick));
    const classic = { firstDoneSec: at('classic', (r) => r.firstDoneSec), allDoneSec: at('classic', (r) => r.allDoneSec) };
    const ours = { firstDoneSec: at('ours', (r) => r.firstDoneSec), allDoneSec: at('ours', (r) => r.allDoneSec) };
    return {
      title: `${size.protected} protected + ${size.unprotected} unprotected, fence start to done (median)`,
      unit: 's',
      missingText: 'not run or not recovered',
      bars: [
        { label: 'classic first', value: classic?.firstDoneSec, color: COLORS.classic },
        { label: 'classic all', value: classic?.allDoneSec, color: COLORS.classic },
        { label: 'ours first', value: ours?.firstDoneSec, color: COLORS.ours },
        { label: 'ours all', value: ours?.allDoneSec, color: COLORS.ours },
      ],
    };
  });
  return renderBarChart('Real Nova: classic vs ours, wall s', panels, [
    { label: 'classic', color: COLORS.classic },
    { label: 'ours', color: COLORS.ours },
  ]);
}

function writeResults(out: string, runs: RecoveryRun[], sizes: Size[], when: string, benchWallSec?: number): void {
  const table = markdown(runs, sizes, when, benchWallSec);
  console.log(`\n${table}`);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'classic-openstack.md'), table);
  writeFileSync(join(out, 'classic-openstack.json'), `${JSON.stringify({ when, benchWallSec, sizes, runs }, null, 2)}\n`);
  writeFileSync(join(out, 'classic-openstack.png'), chart(runs, sizes));
  console.log(`wrote ${relative(process.cwd(), join(out, 'classic-openstack.png'))}, classic-openstack.md, classic-openstack.json`);
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options.fromJson) {
    const saved = JSON.parse(readFileSync(options.fromJson, 'utf8')) as { when: string; benchWallSec?: number; sizes: Size[]; runs: RecoveryRun[] };
    writeResults(options.out, saved.runs, saved.sizes, saved.when, saved.benchWallSec);
    return;
  }
  const wallStart = performance.now();
  const lab = loadLab();
  if (!lab.computes.includes(options.host) || lab.computes.length < 2) throw new Error(`the lab's computes are ${lab.computes.join(', ')}: --host must be one of them, with another to evacuate to`);
  const missing = options.paths.includes('classic') ? classicUnavailable() : undefined;
  if (missing) throw new Error(`classic path: ${missing}`);
  const work = mkdtempSync(join(tmpdir(), 'bench-classic-agents-'));
  const cloud = await connectLab(adminParams(lab), 3_600_000);
  const ctx: LabContext = {
    lab,
    cloud,
    nova: await cloud.nova(),
    classic: options.paths.includes('classic') ? prepareClassicAgents(work) : undefined,
    failedHost: options.host,
    timeoutSec: options.timeoutSec,
    log: (line) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`),
  };
  const runs: RecoveryRun[] = [];
  try {
    // Every run starts from the same state: the host up, enabled, not forced down.
    await restoreHost(ctx, []);
    for (let round = 1; round <= options.repeat; round++) {
      for (const size of options.sizes) {
        // Alternate which path goes first, so neither always meets the cloud right after a reset.
        for (const path of round % 2 ? options.paths : [...options.paths].reverse()) {
          const run = await recoveryRun(ctx, path, size.protected, size.unprotected).catch(
            (error: Error) => ({ path, protectedCount: size.protected, unprotectedCount: size.unprotected, error: error.message.split('\n')[0] }) as RecoveryRun,
          );
          runs.push(run);
          ctx.log(`round ${round}, ${path} ${size.protected}+${size.unprotected}: ${run.error ?? `all done ${fmt(run.allDoneSec, 2)} s, first ${fmt(run.firstDoneSec, 2)} s, ${run.novaCalls} Nova requests`}`);
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  writeResults(options.out, runs, options.sizes, when, (performance.now() - wallStart) / 1000);
  if (runs.some((run) => run.error)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});
