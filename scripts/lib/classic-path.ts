/**
 * The classic instance-HA path, for comparison on the same simulator: Debian's Python
 * fence_compute and fence_evacuate (copied with the one-token Python 3.11 fix,
 * inspect.getargspec → getfullargspec; see the classic-baseline notes) and a monitor pass
 * that does exactly what the classic NovaEvacuate's monitor does: for each host marked
 * `yes` (or in progress for more than 60 s), serially, `fence_evacuate -o status`, then
 * the in-progress marker, then `fence_evacuate -o off`, then `no` (or `yes` again on failure).
 * Like the classic agent, the options go on argv, password included.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBounded, runFence, cleanPath, type ActionResult, type ClusterEnv } from './pacemaker-driver';

export const PYTHON = '/usr/bin/python3';

/**
 * Where Debian's Python agent is: /usr/sbin/<name>, or /usr/sbin/<name>.distrib when our
 * fence_compute was installed over it through a dpkg diversion (scripts/cluster-up does that).
 */
export function classicSource(name: 'fence_compute' | 'fence_evacuate'): string {
  const diverted = `/usr/sbin/${name}.distrib`;
  return existsSync(diverted) ? diverted : `/usr/sbin/${name}`;
}

const SOURCES = { fence_compute: classicSource('fence_compute'), fence_evacuate: classicSource('fence_evacuate') } as const;

export interface ClassicAgents {
  fenceCompute: string;
  fenceEvacuate: string;
}

/** Why the classic path cannot run here, or undefined when it can. */
export function classicUnavailable(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  for (const path of Object.values(SOURCES)) if (!existsSync(path)) return `${path} is missing (apt-get install fence-agents)`;
  return undefined;
}

export function prepareClassicAgents(dir: string): ClassicAgents {
  mkdirSync(dir, { recursive: true });
  const copy = (source: string, name: string): string => {
    const target = join(dir, name);
    writeFileSync(target, readFileSync(source, 'utf8').replace(/inspect\.getargspec\(/g, 'inspect.getfullargspec('));
    chmodSync(target, 0o755);
    return target;
  };
  return { fenceCompute: copy(SOURCES.fence_compute, 'fence_compute'), fenceEvacuate: copy(SOURCES.fence_evacuate, 'fence_evacuate') };
}

/** The classic agents' credentials, as fence-agent option names. */
export interface ClassicCredentials {
  auth_url: string;
  login: string;
  passwd: string;
  tenant_name: string;
  user_domain: string;
  project_domain: string;
}

/** fence_compute off as pacemaker-fenced runs it (stdin), the classic lab's options. */
export function classicFenceOff(agents: ClassicAgents, credentials: ClassicCredentials, host: string, cluster: ClusterEnv, timeoutMs = 60_000): Promise<ActionResult> {
  return runFence(agents.fenceCompute, { action: 'off', plug: host, ...credentials, record_only: '1' }, { ...cluster, timeoutMs, interpreter: PYTHON });
}

export interface ClassicPassOptions {
  agents: ClassicAgents;
  credentials: ClassicCredentials;
  cluster: ClusterEnv;
  noSharedStorage: boolean;
  /** Each fence_evacuate call's bound: the classic monitor's 600 s operation timeout by default. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

function classicArgv(options: ClassicPassOptions, action: string, host: string): string[] {
  const c = options.credentials;
  const argv = ['-k', c.auth_url, '-l', c.login, '-p', c.passwd, '-t', c.tenant_name, '-u', c.user_domain, '-P', c.project_domain];
  if (options.noSharedStorage) argv.push('--no-shared-storage');
  return [...argv, '-o', action, '-n', host];
}

function tool(cluster: ClusterEnv, args: string[]): Promise<ActionResult> {
  return runBounded({
    command: 'attrd_updater',
    args,
    env: { PATH: cleanPath(cluster.toolDir), NOVA_HA_STANDIN_ATTRS: cluster.attrsFile, NOVA_HA_STANDIN_NODE_BIN: process.execPath, OCF_RESKEY_CRM_meta_on_node: cluster.node },
    timeoutMs: 30_000,
  });
}

function setMark(cluster: ClusterEnv, host: string, value: string): Promise<ActionResult> {
  return tool(cluster, ['-p', '-n', 'evacuate', '-Q', '-N', host, '-U', value]);
}

/** Per pass: hosts handled, and the fence_evacuate results. */
export interface ClassicPass {
  evacuated: string[];
  failed: string[];
  skipped: string[];
  ms: number;
}

/** One classic NovaEvacuate monitor pass. */
export async function classicMonitorPass(options: ClassicPassOptions): Promise<ClassicPass> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const pass: ClassicPass = { evacuated: [], failed: [], skipped: [], ms: 0 };
  // attrd_updater -n evacuate -A | sed 's/ value=""/ value="no"/' … : host/value pairs.
  const listing = await tool(options.cluster, ['-n', 'evacuate', '-A']);
  const pairs = [...listing.stdout.matchAll(/host="([^"]*)" value="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] || 'no'] as const);
  const now = Math.floor(Date.now() / 1000);
  const run = (action: string, host: string) =>
    runBounded({
      command: PYTHON,
      args: [options.agents.fenceEvacuate, ...classicArgv(options, action, host)],
      env: { PATH: cleanPath(options.cluster.toolDir), LANG: 'C.UTF-8', NOVA_HA_STANDIN_ATTRS: options.cluster.attrsFile },
      timeoutMs: options.timeoutMs ?? 600_000,
    });
  for (const [host, state] of pairs) {
    if (state === 'no') continue;
    if (state.includes('@')) {
      const since = Number(state.split('@')[1]);
      if (now - since <= 60) {
        log(`Deferring evacuation of ${host} (in progress since ${since})`);
        continue;
      }
    } else if (state !== 'yes') continue;
    log(`Initiating evacuation of ${host} with fence_evacuate`);
    const status = await run('status', host);
    if (status.rc === 1) {
      log(`Nova does not know about ${host}`);
      pass.skipped.push(host);
      continue;
    }
    const marked = await setMark(options.cluster, host, `${options.cluster.node}@${Math.floor(Date.now() / 1000)}`);
    if (marked.rc !== 0) break;
    const off = await run('off', host);
    if (off.rc === 0) {
      await setMark(options.cluster, host, 'no');
      log(`Completed evacuation of ${host}`);
      pass.evacuated.push(host);
    } else {
      log(`Evacuation of ${host} failed: ${off.rc}`);
      await setMark(options.cluster, host, 'yes');
      pass.failed.push(host);
    }
  }
  pass.ms = performance.now() - started;
  return pass;
}
