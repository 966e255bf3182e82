/**
 * What the NovaCompute / nova-compute-wait contract tests share: the environment
 * pacemaker-execd would give the agent on a compute node (stand-in attrd_updater first on
 * PATH, the simulator's credentials, a nova.conf naming the host, the stand-in nova-compute
 * as the command, a per-test work folder), running an action of the built agent, the
 * `evacuate` attribute through the stand-in, and fencing through the built fence_compute.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { capture, type CapturedRun } from './capture';
import { agentPaths } from './nova-evacuate-agent';
import { installStandin, writeNovaConf, type StandinBehaviour } from './nova-compute-standin';
import type { RunningSim } from './sim';

export const computeAgentPaths = {
  NovaCompute: join(agentPaths.REPO, 'dist', 'NovaCompute'),
  'nova-compute-wait': join(agentPaths.REPO, 'dist', 'nova-compute-wait'),
} as const;

export type ComputeAgentName = keyof typeof computeAgentPaths;

export interface ComputeNode {
  readonly work: string;
  readonly host: string;
  readonly conf: string;
  readonly env: NodeJS.ProcessEnv;
}

/** A compute node's environment in `work` for Nova host `host`; `extra` comes last and wins. */
export function computeNode(
  work: string,
  sim: RunningSim,
  host: string,
  opts: { behaviour?: StandinBehaviour; extra?: NodeJS.ProcessEnv; confHost?: string | null } = {},
): ComputeNode {
  mkdirSync(work, { recursive: true });
  const conf = writeNovaConf(work, {
    ...(opts.confHost === null ? {} : { host: opts.confHost ?? host }),
    controlUrl: sim.controlUrl,
    ...(opts.behaviour ? { behaviour: opts.behaviour } : {}),
  });
  const env: NodeJS.ProcessEnv = {
    PATH: `${agentPaths.STANDINS}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    NOVA_HA_STANDIN_ATTRS: join(work, 'attrs.json'),
    HA_RSCTMP: join(work, 'state'),
    OCF_ROOT: '/usr/lib/ocf',
    OCF_RESOURCE_INSTANCE: 'nova-compute',
    OCF_RESKEY_CRM_meta_on_node: host,
    OCF_RESKEY_CRM_meta_timeout: '30000',
    OCF_RESKEY_auth_url: sim.authUrl,
    OCF_RESKEY_username: 'admin',
    OCF_RESKEY_password: 'admin',
    OCF_RESKEY_tenant_name: 'admin',
    OCF_RESKEY_region_name: 'RegionOne',
    OCF_RESKEY_nova_conf: conf,
    // A private copy: the agent adopts a process by its program's name, and tests run side by side.
    OCF_RESKEY_nova_compute_command: `${installStandin(work)} --config-file ${conf}`,
    OCF_RESKEY_nova_user: userInfo().username,
    OCF_RESKEY_console_log: join(work, 'console.log'),
    OCF_RESKEY_poll_interval: '1',
    OCF_RESKEY_evacuation_delay: '0',
    ...opts.extra,
  };
  return { work, host, conf, env };
}

/** Runs one action of a built compute agent (spawned, never spawnSync: the simulator may run in this process); `timeoutSec` is also Pacemaker's operation timeout. */
export function runCompute(
  agent: ComputeAgentName,
  action: string,
  node: ComputeNode,
  opts: { env?: NodeJS.ProcessEnv; timeoutSec?: number } = {},
): Promise<CapturedRun> {
  const timeoutSec = opts.timeoutSec ?? 30;
  const child = spawn(computeAgentPaths[agent], [action], {
    env: { ...node.env, OCF_RESKEY_CRM_meta_timeout: String(timeoutSec * 1000), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return capture(child, (timeoutSec + 15) * 1000);
}

/** The `evacuate` attribute of `name` through the stand-in attrd_updater (undefined: absent). */
export function readMark(node: ComputeNode, name = node.host): string | undefined {
  const r = spawnSync('attrd_updater', ['-Q', '-n', 'evacuate', '-N', name], { env: node.env, encoding: 'utf8' });
  if (r.status === 78) return undefined;
  const m = /value="([^"]*)"/.exec(r.stdout);
  return m?.[1];
}

export function setMark(node: ComputeNode, value: string, name = node.host): void {
  const r = spawnSync('attrd_updater', ['-p', '-n', 'evacuate', '-N', name, '-U', value], { env: node.env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`attrd_updater failed: ${r.stderr}`);
}

/** The private report attribute the agent publishes for this node, parsed. */
export function readReport(node: ComputeNode): Record<string, unknown> | undefined {
  const r = spawnSync('attrd_updater', ['-Q', '-n', 'nova-ha-compute', '-N', node.host, '--output-as=xml'], {
    env: node.env,
    encoding: 'utf8',
  });
  if (r.status !== 0) return undefined;
  const m = /value="([^"]*)"/.exec(r.stdout);
  if (!m?.[1]) return undefined;
  const text = m[1].replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return JSON.parse(text) as Record<string, unknown>;
}

/** fence_compute -o off for the host, as pacemaker-fenced runs it (options on stdin); async: the sim may run in this process. */
export function fenceOff(node: ComputeNode, sim: RunningSim): Promise<CapturedRun> {
  const stdin = [
    'action=off',
    `plug=${node.host}`,
    `auth_url=${sim.authUrl}`,
    'login=admin',
    'passwd=admin',
    'tenant_name=admin',
    'region_name=RegionOne',
    '',
  ].join('\n');
  const child = spawn(agentPaths.FENCE, [], { env: { ...node.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin?.end(stdin);
  return capture(child, 60_000);
}
