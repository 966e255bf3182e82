/**
 * The built agents against the real lab, run the way Pacemaker runs them but without a
 * cluster: fence_compute with its options on stdin (pacemaker-fenced), NovaEvacuate and
 * NovaCompute with OCF_RESKEY_* in the environment (pacemaker-execd), and the stand-in
 * attrd_updater first on PATH with its state in one JSON file (test/standins). Credentials
 * come from the lab's clouds.yaml (cloud nova-ha-password) for the OCF agents and as the
 * classic stdin options for fence_compute.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { capture, type CapturedRun } from '../helpers/capture';
import type { Lab } from './lab';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const DIST = join(REPO, 'dist');
const STANDINS = join(REPO, 'test', 'standins');

export function assertBuilt(): void {
  for (const name of ['fence_compute', 'NovaEvacuate', 'NovaCompute', 'nova-ha']) {
    if (!existsSync(join(DIST, name))) throw new Error(`dist/${name} missing: run \`npm run build\` first`);
  }
}

/** One Pacemaker-less "cluster": a work folder with the stand-in attribute store. */
export class AgentBench {
  readonly attrs: string;

  constructor(
    readonly lab: Lab,
    readonly work: string,
  ) {
    mkdirSync(work, { recursive: true });
    this.attrs = join(work, 'attrs.json');
    const nodes = Object.fromEntries(['ctl1', ...lab.computes].map((n) => [n, {}]));
    writeFileSync(this.attrs, JSON.stringify({ attrd: {}, attrdPrivate: { evacuate: true }, nodes }));
  }

  /** What every agent shares: stand-ins first on PATH, their store, a state folder. */
  baseEnv(): NodeJS.ProcessEnv {
    return {
      PATH: `${STANDINS}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      NOVA_HA_STANDIN_ATTRS: this.attrs,
      HA_RSCTMP: join(this.work, 'state'),
      LANG: 'C',
    };
  }

  /** OCF credentials through the lab's clouds.yaml. */
  ocfCredentials(): NodeJS.ProcessEnv {
    return { OCF_RESKEY_cloud: this.lab.clouds.password, OCF_RESKEY_clouds_yaml: this.lab.cloudsYaml };
  }

  /** fence_compute as pacemaker-fenced runs it: no argv, `key=value` lines on stdin. */
  fenceCompute(action: string, host: string, extra: Record<string, string> = {}): Promise<CapturedRun> {
    const options: Record<string, string> = {
      action,
      plug: host,
      auth_url: this.lab.authUrl,
      login: this.lab.admin.username,
      passwd: this.lab.admin.password,
      tenant_name: this.lab.admin.project,
      user_domain: this.lab.admin.userDomain,
      project_domain: this.lab.admin.projectDomain,
      region_name: this.lab.region,
      endpoint_type: 'publicURL',
      ...extra,
    };
    const child = spawn(join(DIST, 'fence_compute'), [], { env: this.baseEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const run = capture(child, 180_000);
    child.stdin?.end(`${Object.entries(options).map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
    return run;
  }

  /** One NovaEvacuate action; `timeoutSec` is also Pacemaker's operation timeout. */
  novaEvacuate(action: string, extra: NodeJS.ProcessEnv = {}, timeoutSec = 60): Promise<CapturedRun> {
    return this.spawnNovaEvacuate(action, extra, timeoutSec).run;
  }

  /** The same, with the child at hand (a test may SIGKILL it mid-action). */
  spawnNovaEvacuate(action: string, extra: NodeJS.ProcessEnv = {}, timeoutSec = 60): { child: ChildProcess; run: Promise<CapturedRun> } {
    const env: NodeJS.ProcessEnv = {
      ...this.baseEnv(),
      ...this.ocfCredentials(),
      OCF_ROOT: '/usr/lib/ocf',
      OCF_RESOURCE_INSTANCE: 'nova-evacuate',
      OCF_RESKEY_CRM_meta_on_node: 'ctl1',
      OCF_RESKEY_CRM_meta_timeout: String(timeoutSec * 1000),
      OCF_RESKEY_status_file: join(this.work, 'status.json'),
      OCF_RESKEY_pass_interval: '1',
      OCF_RESKEY_retry_backoff: '2',
      ...(action === 'monitor' ? { OCF_RESKEY_CRM_meta_interval: '10000' } : {}),
      ...extra,
    };
    const child = spawn(join(DIST, 'NovaEvacuate'), [action], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    return { child, run: capture(child, (timeoutSec + 15) * 1000) };
  }

  /** One NovaCompute action on compute `host`; `node` carries its command and nova.conf. */
  novaCompute(action: string, node: LabComputeNode, extra: NodeJS.ProcessEnv = {}, timeoutSec = 120): Promise<CapturedRun> {
    const env: NodeJS.ProcessEnv = {
      ...this.baseEnv(),
      ...this.ocfCredentials(),
      HA_RSCTMP: join(node.dir, 'state'),
      OCF_ROOT: '/usr/lib/ocf',
      OCF_RESOURCE_INSTANCE: 'nova-compute',
      OCF_RESKEY_CRM_meta_on_node: node.host,
      OCF_RESKEY_CRM_meta_timeout: String(timeoutSec * 1000),
      OCF_RESKEY_nova_conf: node.novaConf,
      OCF_RESKEY_nova_compute_command: node.command,
      OCF_RESKEY_nova_user: 'root',
      OCF_RESKEY_pid_file: join(node.dir, 'nova-compute.pid'),
      OCF_RESKEY_console_log: join(node.dir, 'console.log'),
      OCF_RESKEY_poll_interval: '1',
      OCF_RESKEY_evacuation_delay: '0',
      ...(action === 'monitor' ? { OCF_RESKEY_CRM_meta_interval: '10000' } : {}),
      ...extra,
    };
    const child = spawn(join(DIST, 'NovaCompute'), [action], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    return capture(child, (timeoutSec + 15) * 1000);
  }

  /** The `evacuate` attribute of `host` (undefined: never set). */
  mark(host: string): string | undefined {
    const r = spawnSync(join(STANDINS, 'attrd_updater'), ['-Q', '-n', 'evacuate', '-N', host], { env: this.baseEnv(), encoding: 'utf8' });
    if (r.status === 78) return undefined;
    return /value="([^"]*)"/.exec(r.stdout)?.[1];
  }

  setMark(host: string, value: string): void {
    const r = spawnSync(join(STANDINS, 'attrd_updater'), ['-p', '-n', 'evacuate', '-N', host, '-U', value], { env: this.baseEnv(), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`attrd_updater failed: ${r.stderr}`);
  }
}

export interface LabComputeNode {
  host: string;
  dir: string;
  novaConf: string;
  command: string;
}

/**
 * One lab nova-compute as NovaCompute's `nova_compute_command`, in the foreground: a private
 * Python launcher named `nova-compute-lab-HOST` (the agent finds its process in /proc by the
 * script's name, so the lab's other Nova processes, all `python3 novacmd.py …`, are never
 * taken for it) and the lab's nova.conf plus the host's `[DEFAULT] host` file.
 */
export function labComputeNode(lab: Lab, host: string, dir: string): LabComputeNode {
  mkdirSync(dir, { recursive: true });
  const etc = join(lab.dir, 'etc', 'nova');
  const launcher = join(dir, `nova-compute-lab-${host}`);
  writeFileSync(
    launcher,
    [
      '#!/usr/bin/python3',
      '# nova-compute for one lab host (python3-nova ships no console script); nova.cmd monkey-patches first.',
      'import sys',
      'sys.argv[0] = "nova-compute"',
      'from nova.cmd import compute',
      'sys.exit(compute.main())',
      '',
    ].join('\n'),
  );
  chmodSync(launcher, 0o755);
  const novaConf = join(etc, 'nova.conf');
  const hostConf = join(etc, `host-${host}.conf`);
  // The agent reads one nova.conf (host name, compute_driver): both files as nova-compute sees them.
  const merged = join(dir, 'nova.conf');
  writeFileSync(merged, `${readFileSync(novaConf, 'utf8')}\n${readFileSync(hostConf, 'utf8')}\n`);
  return { host, dir, novaConf: merged, command: `${launcher} --config-file ${novaConf} --config-file ${hostConf}` };
}
