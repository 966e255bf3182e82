/**
 * The drills' view of the lab cluster started by scripts/cluster-up (scripts/test-cluster
 * does that): Pacemaker through its CLI tools, the simulated cloud through its control
 * plane, the compute nodes through scripts/cluster/node-power and /proc. Every call is
 * bounded; waits poll and give up at a deadline with what they last saw.
 */
import { readFileSync, readlinkSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const RUN = process.env['NOVA_HA_CLUSTER_RUN'] ?? '/run/nova-ha-cluster';
export const NODE_DIR = '/var/lib/nova-ha-cluster/node';
const PATH = `/usr/sbin:/usr/bin:/sbin:/bin:${process.env['PATH'] ?? ''}`;
const env = { ...process.env, PATH };

export function labIsUp(): boolean {
  return existsSync(join(RUN, 'pacemakerd.pid')) && existsSync(join(RUN, 'sim.out'));
}

export function computes(): string[] {
  return readFileSync(join(RUN, 'computes'), 'utf8').trim().split('\n');
}

function controlUrl(): string {
  const line = readFileSync(join(RUN, 'sim.out'), 'utf8').split('\n')[0] ?? '{}';
  return (JSON.parse(line) as { control_url: string }).control_url;
}

export async function run(cmd: string, args: string[], timeoutMs = 20000): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await execa(cmd, args, { env, reject: false, timeout: timeoutMs });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

// ---- the simulated cloud ----

export interface SimHost {
  name: string;
  alive: boolean;
  compute: string;
  service: { state: string; status: string; forced_down: boolean };
  instances: number;
}
export interface SimInstance {
  id: string;
  name: string;
  host: string;
  status: string;
  flavor: string;
}
export interface SimState {
  hosts: SimHost[];
  migrations: { total: number; byStatus: Record<string, number> };
  instanceList: SimInstance[];
  migrationList: Array<{ id: number; instance: string; source: string; dest: string | null; status: string }>;
  oracle: { ok: boolean; violations: unknown[]; evacuationsAccepted: number };
}

async function simGet<T>(path: string): Promise<T> {
  const res = await fetch(`${controlUrl()}${path}`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`sim ${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export async function simPost(path: string, body: unknown = {}): Promise<void> {
  const res = await fetch(`${controlUrl()}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`sim ${path}: HTTP ${res.status} ${await res.text()}`);
}

export const simState = (): Promise<SimState> => simGet<SimState>('/state?full=1');
export const simCalls = (): Promise<{ actions: Record<string, number> }> => simGet('/calls');
export async function simFaults(): Promise<void> {
  const res = await fetch(`${controlUrl()}/faults`, { method: 'DELETE', signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`sim DELETE /faults: HTTP ${res.status}`);
}

export function host(state: SimState, name: string): SimHost {
  const found = state.hosts.find((h) => h.name === name);
  if (!found) throw new Error(`no host ${name} in the sim`);
  return found;
}

/** The protected instances (the scenario's `*-ha-*`, evacuable flavor) now on `node`. */
export function protectedOn(state: SimState, node: string): SimInstance[] {
  return state.instanceList.filter((i) => i.name.includes('-ha-') && i.host === node);
}

/** The compute with the most protected instances now (drills run in any order). */
export async function victim(): Promise<string> {
  const state = await simState();
  const ranked = computes()
    .map((n) => ({ n, count: protectedOn(state, n).length }))
    .sort((a, b) => b.count - a.count || a.n.localeCompare(b.n));
  return ranked[0]?.n ?? 'compute1';
}

// ---- Pacemaker ----

export async function crmMon(): Promise<string> {
  return (await run('crm_mon', ['-1', '-r', '--output-as=xml'])).stdout;
}

/** Online and clean: a lost node whose fencing failed stays `online="true"` but `unclean="true"`. */
export function nodeOnline(xml: string, node: string): boolean {
  const tag = new RegExp(`<node name="${node}" [^>]*>`).exec(xml)?.[0] ?? '';
  return /online="true"/.test(tag) && !/unclean="true"/.test(tag);
}

/** `name` (a resource id) reported Started on `node`. */
export function startedOn(xml: string, rsc: string, node: string): boolean {
  const re = new RegExp(`<resource id="${rsc}"[^>]*role="Started"[^>]*>\\s*<node name="${node}"`, 'g');
  return re.test(xml);
}

export interface FenceEvent {
  action: string;
  target: string;
  status: string;
  completed?: string;
}

export async function fenceHistory(node: string): Promise<FenceEvent[]> {
  const xml = (await run('stonith_admin', ['--history', node, '--verbose', '--output-as=xml'])).stdout;
  return [...xml.matchAll(/<fence_event ([^>]*)\/>/g)].map((m) => {
    const attr = (name: string): string | undefined => new RegExp(`${name}="([^"]*)"`).exec(m[1] ?? '')?.[1];
    const event: FenceEvent = { action: attr('action') ?? '', target: attr('target') ?? '', status: attr('status') ?? '' };
    const completed = attr('completed');
    if (completed !== undefined) event.completed = completed;
    return event;
  });
}

/** Seconds resolution: stonith_admin prints "2026-11-25 16:16:05Z". */
export function fenceTime(e: FenceEvent): number {
  return e.completed === undefined ? NaN : Date.parse(e.completed.replace(' ', 'T'));
}

export async function evacuateAttribute(node: string): Promise<string | undefined> {
  const r = await run('attrd_updater', ['-Q', '-n', 'evacuate', '-N', node]);
  if (r.code !== 0) return undefined;
  return /value="([^"]*)"/.exec(r.stdout)?.[1];
}

export async function cleanupFailures(): Promise<void> {
  await run('crm_resource', ['--cleanup'], 30000);
  for (const node of computes()) await run('stonith_admin', ['--history', node, '--cleanup']);
}

// ---- the compute nodes ----

async function power(action: string, node: string): Promise<string> {
  const r = await run(join(REPO, 'scripts/cluster/node-power'), [action, node], 60000);
  return r.stdout.trim();
}
export const remotedPid = async (node: string): Promise<number> => Number(await power('remoted-pid', node));
export const initPid = async (node: string): Promise<number> => Number(await power('init-pid', node));

/** The stand-in nova-compute processes of `node` (same path on every node: told apart by pid namespace). */
export async function novaComputePids(node: string): Promise<number[]> {
  const init = await initPid(node);
  if (!init) return [];
  const ns = readlinkSync(`/proc/${init}/ns/pid`);
  const r = await run('pgrep', ['-f', `${NODE_DIR}/nova-compute`]);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/ns/pid`) === ns;
      } catch {
        return false;
      }
    });
}

/** Chassis power through the node's BMC emulator, as an operator would (ipmitool, password in the environment). */
export async function bmcPower(node: string, action: 'on' | 'off' | 'status'): Promise<string> {
  const password = readFileSync('/var/lib/nova-ha-cluster/ipmi-password', 'utf8').trim();
  const port = String(16230 + Number(node.replace(/^compute/, '')));
  const r = await execa('ipmitool', ['-I', 'lanplus', '-H', '127.0.0.1', '-p', port, '-U', 'admin', '-E', 'chassis', 'power', action], {
    env: { ...env, IPMI_PASSWORD: password },
    reject: false,
    timeout: 30000,
  });
  if (r.exitCode !== 0) throw new Error(`ipmitool power ${action} ${node}: ${String(r.stderr)}`);
  return String(r.stdout).trim();
}

/**
 * What an operator does after repairing a fenced node: once its pacemaker-remoted listens,
 * `crm_resource --cleanup` of its connection resource, so Pacemaker reconnects now instead of
 * when reconnect_interval (counted from the failure) runs out.
 */
export async function reconnectNode(node: string): Promise<void> {
  await waitFor(`${node}'s pacemaker-remoted listening`, 30000, async () => {
    const r = await run('ip', ['netns', 'exec', node, 'ss', '-Htln', 'sport = :3121']);
    return r.stdout.trim() !== '';
  });
  const r = await run('crm_resource', ['--cleanup', '-r', node], 30000);
  if (r.code !== 0) throw new Error(`crm_resource --cleanup -r ${node}: ${r.stderr}`);
}

export function kill(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!pid) throw new Error('no such process');
  process.kill(pid, signal);
}

// ---- waiting and timelines ----

export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false>, intervalMs = 500): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Milestone → ms since the drill's start (first time it was observed, or an exact tool timestamp). */
export class Timeline {
  readonly start = Date.now();
  readonly events: Record<string, number> = {};
  mark(name: string, at = Date.now()): void {
    if (this.events[name] === undefined) this.events[name] = at - this.start;
  }
  has(name: string): boolean {
    return this.events[name] !== undefined;
  }
  /**
   * Into the lab's run dir; also into $NOVA_HA_RECORD_TIMELINES (e.g. bench/results/cluster,
   * the committed record) only when that is set, so a test run leaves the tree clean.
   */
  write(drill: string, extra: Record<string, unknown> = {}): string {
    const variant = readFileSync(join(RUN, 'variant'), 'utf8').trim();
    const body = `${JSON.stringify({ drill, variant, startedAt: new Date(this.start).toISOString(), msSinceStart: this.events, ...extra }, null, 2)}\n`;
    // The wait variant's runs of a drill keep their own record beside NovaCompute's.
    if (variant !== 'novacompute') drill = `${drill}-${variant}`;
    let file = join(RUN, `drill-${drill}.json`);
    writeFileSync(file, body);
    const record = process.env['NOVA_HA_RECORD_TIMELINES'];
    if (record) {
      const dir = resolve(REPO, record);
      mkdirSync(dir, { recursive: true });
      file = join(dir, `${drill}.json`);
      writeFileSync(file, body);
    }
    return file;
  }
}

/** The resource that waits for evacuations and unfences: NovaCompute, or nova-compute-wait in the `wait` variant. */
export function computeAgent(): string {
  const variant = readFileSync(join(RUN, 'variant'), 'utf8').trim();
  return variant === 'wait' ? 'nova-compute-checkevacuate' : 'nova-compute';
}

/** The cluster at rest: every node online, compute agents started, every compute's nova-compute up in Nova. */
export async function waitHealthy(timeoutMs = 180000): Promise<void> {
  const nodes = computes();
  const agent = computeAgent();
  await waitFor('a healthy cluster', timeoutMs, async () => {
    const xml = await crmMon();
    if (/failed="true"/.test(xml)) return false;
    const state = await simState();
    return nodes.every(
      (n) =>
        nodeOnline(xml, n) &&
        startedOn(xml, agent, n) &&
        startedOn(xml, 'compute-unfence-trigger', n) &&
        host(state, n).compute === 'running' &&
        host(state, n).service.state === 'up' &&
        !host(state, n).service.forced_down &&
        host(state, n).service.status === 'enabled',
    );
  }, 1000);
}

/** A drill's start: old failures cleaned up, the cluster healthy again, and its victim chosen. */
export async function prepareDrill(): Promise<string> {
  await cleanupFailures();
  await waitHealthy();
  return victim();
}
