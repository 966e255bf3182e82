/**
 * Cold-start benchmark: wall time (mean, min, max over N runs, after a warm-up run) and
 * peak RSS (GNU time's %M) of each CLI action Pacemaker forks most often, next to
 * `node -e 0` and next to Debian's Python fence_compute against the same simulated cloud.
 * Prints a markdown table; writes bench/results/coldstart.{md,json,png}. Parts that are
 * not built yet are reported as "n/a (not built)", so it runs at every stage of the work.
 *
 * Usage: scripts/bench-coldstart [--runs N] [--out DIR] [--scenario FILE] [--no-build] [--no-classic]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { classicSource } from './lib/classic-path';
import { COLORS, renderBarChart, type Rgb } from './lib/png-chart';

const repo = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const GNU_TIME = '/usr/bin/time';
const SYSTEM_PYTHON = '/usr/bin/python3';
const CLASSIC_FENCE_COMPUTE = classicSource('fence_compute');
const RUN_TIMEOUT_MS = 60_000;
const SIM_READY_TIMEOUT_MS = 90_000;

interface Options {
  runs: number;
  out: string;
  scenario: string;
  build: boolean;
  classic: boolean;
}

type Group = 'baseline' | 'ours' | 'classic';

interface Case {
  label: string;
  group: Group;
  argv: string[];
  input?: string;
  env?: Record<string, string>;
  /** Why this case cannot run now, or undefined when it can. */
  unavailable?: string;
  /** Runs before every measured run (e.g. emptying a cache), outside the timing. */
  beforeEach?: () => void;
}

interface Measured {
  label: string;
  group: Group;
  rc: number | null;
  meanMs?: number;
  minMs?: number;
  maxMs?: number;
  peakRssMb?: number;
  note?: string;
}

interface SimInfo {
  authUrl: string;
  username: string;
  password: string;
  project: string;
  userDomain: string;
  projectDomain: string;
  host: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    runs: 10,
    out: join(repo, 'bench/results'),
    scenario: join(repo, 'test/scenarios/small.json'),
    build: true,
    classic: true,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = () => {
      const next = argv[i + 1];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      i += 1;
      return next;
    };
    if (arg === '--runs') options.runs = Math.max(1, Number.parseInt(value(), 10) || 1);
    else if (arg === '--out') options.out = value();
    else if (arg === '--scenario') options.scenario = value();
    else if (arg === '--no-build') options.build = false;
    else if (arg === '--no-classic') options.classic = false;
    else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

/** One run: wall time around the whole child, peak RSS from GNU time (in KiB). */
function runOnce(kase: Case, rssFile: string): { ms: number; rc: number | null; rssKb?: number; stderr: string } {
  const withTime = existsSync(GNU_TIME);
  const [file, ...args] = withTime ? [GNU_TIME, '-f', '%M', '-o', rssFile, ...kase.argv] : kase.argv;
  kase.beforeEach?.();
  const started = process.hrtime.bigint();
  const result = spawnSync(file ?? '', args, {
    input: kase.input ?? '',
    env: { ...process.env, ...kase.env },
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  let rssKb: number | undefined;
  if (withTime && existsSync(rssFile)) {
    // On a non-zero exit GNU time writes "Command exited with non-zero status N" first.
    const last = readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '';
    const parsed = Number.parseInt(last, 10);
    if (Number.isFinite(parsed)) rssKb = parsed;
  }
  return { ms, rc: result.status, ...(rssKb === undefined ? {} : { rssKb }), stderr: result.stderr ?? '' };
}

function measure(kase: Case, runs: number, scratch: string): Measured {
  if (kase.unavailable) return { label: kase.label, group: kase.group, rc: null, note: kase.unavailable };
  const rssFile = join(scratch, 'rss');
  runOnce(kase, rssFile); // warm-up: page cache, token cache, the simulator's first request
  const times: number[] = [];
  const rss: number[] = [];
  const codes = new Set<number | null>();
  let stderr = '';
  for (let i = 0; i < runs; i += 1) {
    const run = runOnce(kase, rssFile);
    times.push(run.ms);
    if (run.rssKb !== undefined) rss.push(run.rssKb);
    codes.add(run.rc);
    stderr = run.stderr;
  }
  const rc = codes.size === 1 ? [...codes][0] ?? null : null;
  const lines = stderr.split('\n').filter((line) => line.trim() && !line.startsWith('Command exited'));
  const firstLine = lines.find((line) => /error|exit-reason|failed/i.test(line)) ?? lines[0] ?? '';
  return {
    label: kase.label,
    group: kase.group,
    rc,
    meanMs: times.reduce((a, b) => a + b, 0) / times.length,
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    ...(rss.length ? { peakRssMb: Math.max(...rss) / 1024 } : {}),
    ...(codes.size > 1 ? { note: `exit codes varied: ${[...codes].join(', ')}` } : {}),
    ...(rc !== 0 && codes.size === 1 && firstLine ? { note: firstLine.slice(0, 100) } : {}),
  };
}

/** Starts the simulated cloud and waits for its one JSON line; undefined when it cannot run. */
async function startSimulator(scenario: string): Promise<{ info?: SimInfo; child?: ChildProcess; why?: string }> {
  const main = join(repo, 'test/sim/main.ts');
  if (!existsSync(main)) return { why: 'n/a (not built): simulator (test/sim/main.ts)' };
  if (!existsSync(scenario)) return { why: `n/a (not built): scenario ${relative(repo, scenario)}` };
  const child = spawn(join(repo, 'node_modules/.bin/tsx'), [main, '--scenario', scenario], {
    cwd: repo,
    detached: true, // its own process group, so the whole tree is stopped at the end
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const line = await new Promise<string | undefined>((resolve) => {
    let buffered = '';
    const timer = setTimeout(() => resolve(undefined), SIM_READY_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (const candidate of buffered.split('\n')) {
        if (candidate.trim().startsWith('{')) {
          clearTimeout(timer);
          resolve(candidate.trim());
        }
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  if (!line) {
    stopSimulator(child);
    return { why: `n/a (simulator did not start: ${stderr.trim().split('\n').pop() ?? 'no output'})` };
  }
  const ready = JSON.parse(line) as Record<string, unknown>;
  const authUrl = findString(ready, ['auth_url', 'authUrl', 'keystone', 'identity']);
  if (!authUrl) {
    stopSimulator(child);
    return { why: `n/a (simulator's ready line has no auth_url: ${line.slice(0, 120)})` };
  }
  return {
    child,
    info: {
      authUrl,
      username: findString(ready, ['username', 'user']) ?? 'admin',
      password: findString(ready, ['password']) ?? 'admin',
      project: findString(ready, ['project_name', 'project', 'tenant_name']) ?? 'admin',
      userDomain: findString(ready, ['user_domain']) ?? 'Default',
      projectDomain: findString(ready, ['project_domain']) ?? 'Default',
      host: firstHost(scenario),
    },
  };
}

/** The first string value under any of `keys`, searching nested objects (auth: {...}, endpoints: {...}). */
function findString(value: unknown, keys: string[]): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  for (const key of keys) if (typeof record[key] === 'string') return record[key];
  for (const nested of Object.values(record)) {
    const found = findString(nested, keys);
    if (found) return found;
  }
  return undefined;
}

function firstHost(scenario: string): string {
  try {
    const parsed = JSON.parse(readFileSync(scenario, 'utf8')) as { hosts?: Array<{ name?: string } | string> };
    const host = parsed.hosts?.[0];
    return (typeof host === 'string' ? host : host?.name) ?? 'compute-0';
  } catch {
    return 'compute-0';
  }
}

function stopSimulator(child: ChildProcess | undefined): void {
  if (child?.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

const isPythonAgent = (path: string) => existsSync(path) && /^#!.*python/.test(readFileSync(path, 'utf8').split('\n')[0] ?? '');

/**
 * Debian's own fence_compute: /usr/sbin/fence_compute, or, when our agent has been installed
 * over it (the real-Pacemaker tests do that), the copy inside the fence-agents .deb.
 */
function findClassic(scratch: string): string | undefined {
  if (isPythonAgent(CLASSIC_FENCE_COMPUTE)) return CLASSIC_FENCE_COMPUTE;
  const debs = join(scratch, 'debs');
  mkdirSync(debs, { recursive: true });
  const cached = spawnSync('sh', ['-c', 'ls /var/cache/apt/archives/fence-agents_*.deb 2>/dev/null | tail -n 1'], { encoding: 'utf8', timeout: 10_000 });
  let deb = cached.stdout.trim();
  if (!deb) {
    spawnSync('apt-get', ['download', 'fence-agents'], { cwd: debs, timeout: 120_000 });
    deb = readdirSync(debs).filter((file) => file.endsWith('.deb')).map((file) => join(debs, file))[0] ?? '';
  }
  if (!deb) return undefined;
  const unpacked = join(scratch, 'fence-agents');
  spawnSync('dpkg-deb', ['-x', deb, unpacked], { timeout: 60_000 });
  const agent = join(unpacked, 'usr/sbin/fence_compute');
  return isPythonAgent(agent) ? agent : undefined;
}

/** Debian's fence_compute with the one-token fix Python 3.11 needs. */
function prepareClassic(scratch: string): { agent?: string; pythonPath?: string; why?: string } {
  const classic = findClassic(scratch);
  if (!classic) return { why: 'n/a (Debian fence-agents not installed, and no .deb to take it from)' };
  const source = readFileSync(classic, 'utf8');
  if (!existsSync(SYSTEM_PYTHON)) return { why: `n/a (${SYSTEM_PYTHON} missing)` };
  const agent = join(scratch, 'classic-fence_compute');
  writeFileSync(agent, source.replaceAll('inspect.getargspec(', 'inspect.getfullargspec('), { mode: 0o755 });
  // Its fencing library lives in <prefix>/share/fence, beside the copy it came from.
  const library = join(classic, '../../share/fence');
  return { agent, ...(existsSync(library) ? { pythonPath: library } : {}) };
}

function writeStandInAttrd(scratch: string): string {
  const bin = join(scratch, 'bin');
  mkdirSync(bin, { recursive: true });
  // Answers a query as "no evacuation pending"; accepts updates silently.
  writeFileSync(
    join(bin, 'attrd_updater'),
    '#!/bin/sh\nhost=localhost\nwhile [ $# -gt 0 ]; do case "$1" in -N) host=$2; shift;; esac; shift; done\n' +
      'echo "name=\\"evacuate\\" host=\\"$host\\" value=\\"no\\""\n',
    { mode: 0o755 },
  );
  return bin;
}

function buildCases(options: Options, sim: SimInfo | undefined, simWhy: string | undefined, scratch: string): Case[] {
  const dist = join(repo, 'dist');
  const notBuilt = (name: string) => (existsSync(join(dist, name)) ? undefined : `n/a (not built): dist/${name}`);
  // Measure the files as installed (what Pacemaker runs), not dist/ inside the checkout.
  const root = join(scratch, 'root');
  const install = spawnSync(join(repo, 'scripts/install'), ['--destdir', root, '--allow-missing', '--no-build'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (install.status !== 0) throw new Error(`scripts/install failed:\n${install.stderr}`);
  const installed: Record<string, string> = {
    NovaEvacuate: join(root, 'usr/lib/ocf/resource.d/openstack/NovaEvacuate'),
    NovaCompute: join(root, 'usr/lib/ocf/resource.d/openstack/NovaCompute'),
    'nova-compute-wait': join(root, 'usr/lib/ocf/resource.d/openstack/nova-compute-wait'),
    fence_compute: join(root, 'usr/sbin/fence_compute'),
  };
  const at = (name: string) => installed[name] ?? join(dist, name);
  const standIn = writeStandInAttrd(scratch);
  const path = `${standIn}:${process.env['PATH'] ?? '/usr/bin:/bin'}`;
  const authUrl = sim?.authUrl ?? 'http://127.0.0.1:9/v3';
  const ocfEnv = {
    OCF_ROOT: '/usr/lib/ocf',
    OCF_RESOURCE_INSTANCE: 'bench',
    OCF_RESKEY_CRM_meta_timeout: '20000',
    OCF_RESKEY_auth_url: authUrl,
    OCF_RESKEY_username: sim?.username ?? 'admin',
    OCF_RESKEY_password: sim?.password ?? 'admin',
    OCF_RESKEY_tenant_name: sim?.project ?? 'admin',
    OCF_RESKEY_user_domain: sim?.userDomain ?? 'Default',
    OCF_RESKEY_project_domain: sim?.projectDomain ?? 'Default',
    PATH: path,
  };
  // As pacemaker-fenced sends them: no argv, key=value lines on stdin.
  const fenceStdin = (action: string) =>
    [
      `action=${action}`,
      `plug=${sim?.host ?? 'compute-0'}`,
      `auth_url=${authUrl}`,
      `login=${sim?.username ?? 'admin'}`,
      `passwd=${sim?.password ?? 'admin'}`,
      `tenant_name=${sim?.project ?? 'admin'}`,
      `project_domain=${sim?.projectDomain ?? 'Default'}`,
      `user_domain=${sim?.userDomain ?? 'Default'}`,
      '',
    ].join('\n');

  const cases: Case[] = [{ label: 'node -e 0', group: 'baseline', argv: [process.execPath, '-e', '0'] }];
  for (const agent of ['NovaEvacuate', 'NovaCompute', 'nova-compute-wait']) {
    for (const action of ['meta-data', 'validate-all']) {
      // validate-all runs without the simulator too (auth_url then points at a closed port).
      const unavailable = notBuilt(agent);
      cases.push({
        label: `${agent} ${action}`,
        group: 'ours',
        argv: [at(agent), action],
        env: ocfEnv,
        ...(unavailable ? { unavailable } : {}),
      });
    }
  }
  const ours = notBuilt('fence_compute');
  cases.push({ label: 'fence_compute -o metadata', group: 'ours', argv: [at('fence_compute'), '-o', 'metadata'], ...(ours ? { unavailable: ours } : {}) });
  const oursStatus = ours ?? (sim ? undefined : simWhy);
  cases.push({
    label: 'fence_compute status, token cached',
    group: 'ours',
    argv: [at('fence_compute')],
    input: fenceStdin('status'),
    env: { PATH: path, HA_RSCTMP: join(scratch, 'token-cache') },
    ...(oursStatus ? { unavailable: oursStatus } : {}),
  });

  // The same, without the Keystone token cache our agents keep between runs (the classic
  // agent has none): every run authenticates, as the first one after a reboot does.
  const noCache = join(scratch, 'no-token-cache');
  cases.push({
    label: 'fence_compute status, no token cache',
    group: 'ours',
    argv: [at('fence_compute')],
    input: fenceStdin('status'),
    env: { PATH: path, HA_RSCTMP: noCache },
    beforeEach: () => rmSync(noCache, { recursive: true, force: true }),
    ...(oursStatus ? { unavailable: oursStatus } : {}),
  });

  if (options.classic) {
    const classic = prepareClassic(scratch);
    const python = classic.agent ? [SYSTEM_PYTHON, classic.agent] : [];
    const pythonEnv: Record<string, string> = classic.pythonPath ? { PYTHONPATH: classic.pythonPath } : {};
    cases.push({
      label: 'classic fence_compute -o metadata',
      group: 'classic',
      argv: [...python, '-o', 'metadata'],
      env: pythonEnv,
      ...(classic.why ? { unavailable: classic.why } : {}),
    });
    const classicStatus = classic.why ?? (sim ? undefined : simWhy);
    cases.push({
      label: 'classic fence_compute status',
      group: 'classic',
      argv: python,
      input: fenceStdin('status'),
      env: { PATH: path, ...pythonEnv },
      ...(classicStatus ? { unavailable: classicStatus } : {}),
    });
  }
  return cases;
}

function fmt(value: number | undefined, digits = 1): string {
  return value === undefined ? '—' : value.toFixed(digits);
}

function markdownTable(results: Measured[]): string {
  const lines = [
    '| command | exit | mean ms | min ms | max ms | peak RSS MB | note |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of results) {
    if (r.meanMs === undefined) {
      lines.push(`| ${r.label} | — | — | — | — | — | ${r.note ?? ''} |`);
      continue;
    }
    const note = (r.note ?? '').replaceAll('|', '\\|');
    lines.push(`| ${r.label} | ${r.rc ?? '?'} | ${fmt(r.meanMs)} | ${fmt(r.minMs)} | ${fmt(r.maxMs)} | ${fmt(r.peakRssMb)} | ${note} |`);
  }
  return lines.join('\n');
}

const GROUP_COLOR: Record<Group, Rgb> = { baseline: COLORS.baseline, ours: COLORS.ours, classic: COLORS.classic };

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.build) {
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repo, encoding: 'utf8', timeout: 300_000 });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stderr}`);
  }
  const scratch = mkdtempSync(join(tmpdir(), 'nova-ha-bench-'));
  chmodSync(scratch, 0o755);
  const loadBefore = loadavg()[0] ?? 0;
  const sim = await startSimulator(options.scenario);
  const stop = () => stopSimulator(sim.child);
  process.on('SIGINT', () => {
    stop();
    process.exit(130);
  });
  let results: Measured[];
  try {
    const cases = buildCases(options, sim.info, sim.why, scratch);
    results = cases.map((kase) => {
      process.stderr.write(`measuring ${kase.label}${kase.unavailable ? ' (skipped)' : ''}\n`);
      return measure(kase, options.runs, scratch);
    });
  } finally {
    stop();
    rmSync(scratch, { recursive: true, force: true });
  }

  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const context =
    `${when}; ${options.runs} runs after 1 warm-up; node ${process.versions.node}; ${cpus().length} CPUs ` +
    `(${cpus()[0]?.model ?? 'unknown'}), load average ${loadBefore.toFixed(1)} at the start; ` +
    `simulator: ${sim.info ? sim.info.authUrl : (sim.why ?? 'none')}.`;
  const table = markdownTable(results);
  console.log(table);
  console.log(`\n${context}`);

  mkdirSync(options.out, { recursive: true });
  writeFileSync(
    join(options.out, 'coldstart.md'),
    `# Cold start\n\nWall time of the whole process (fork to exit) and peak RSS (GNU time %M).\n` +
      `fence_compute status runs get their options on stdin, as pacemaker-fenced sends them, and ask\n` +
      `the simulated cloud for the first host's nova-compute service. Ours keeps its Keystone token in\n` +
      `a 0600 file between runs ("token cached", filled by the warm-up run); "no token cache" empties it\n` +
      `before every run. The classic agent (Debian's, with getargspec → getfullargspec so it runs on\n` +
      `Python 3.11) authenticates every time.\n\n${table}\n\n${context}\n`,
  );
  writeFileSync(join(options.out, 'coldstart.json'), `${JSON.stringify({ when, runs: options.runs, results }, null, 2)}\n`);
  const bars = (pick: (r: Measured) => number | undefined) =>
    results.map((r) => ({ label: r.label, value: r.rc === 0 ? pick(r) : undefined, color: GROUP_COLOR[r.group] }));
  const png = renderBarChart(`Cold start, ${options.runs} runs, node ${process.versions.node}`, [
    { title: 'Wall time, mean (ms)', unit: 'ms', bars: bars((r) => r.meanMs), missingText: 'n/a (not built or failed)' },
    { title: 'Peak RSS (MB)', unit: 'MB', bars: bars((r) => r.peakRssMb), missingText: 'n/a (not built or failed)' },
  ], [
    { label: 'node baseline', color: COLORS.baseline },
    { label: 'nova-ha-agents', color: COLORS.ours },
    { label: 'classic (python)', color: COLORS.classic },
  ]);
  writeFileSync(join(options.out, 'coldstart.png'), png);
  console.log(`\nwrote ${relative(process.cwd(), join(options.out, 'coldstart.png'))}, coldstart.md, coldstart.json`);
}

main().catch((error: unknown) => {
  console.error(`bench-coldstart: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
