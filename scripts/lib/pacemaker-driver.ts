/**
 * Runs agents the way Pacemaker does, without Pacemaker: an OCF resource agent as
 * pacemaker-execd runs it (environment, probe → start → a recurring monitor that starts
 * `interval` after the previous one completed, SIGKILL of the process group at the
 * operation timeout) and a fence agent as pacemaker-fenced runs it (options as `key=value`
 * lines on stdin, nothing on argv). The demo and the benchmarks drive NovaEvacuate and
 * fence_compute through this; the cluster's node attributes come from the stand-in tools in
 * test/standins, which go first on a clean PATH.
 */
import { spawn } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STANDIN_DIR = fileURLToPath(new URL('../../test/standins', import.meta.url));

export interface ActionResult {
  rc: number | null;
  /** Set when the process ended by a signal (SIGKILL after the timeout, for instance). */
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** The `ocf-exit-reason:` line's text, if the agent wrote one. */
  exitReason: string | undefined;
  ms: number;
}

export interface ClusterEnv {
  /** The JSON file behind the stand-in attrd_updater/crm_attribute. */
  attrsFile: string;
  /** The node the agent runs on (OCF_RESKEY_CRM_meta_on_node). */
  node: string;
  /** Prepended to the clean PATH; defaults to the stand-ins. */
  toolDir?: string;
  /** Extra variables (HA_LOGFILE, HA_RSCTMP…) the caller wants the agent to see. */
  extraEnv?: Record<string, string>;
}

/** A PATH like the one execd gives agents when pacemakerd starts under `env -i`, plus node's directory. */
export function cleanPath(toolDir: string = STANDIN_DIR): string {
  return [toolDir, dirname(process.execPath), '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':');
}

function baseEnv(cluster: ClusterEnv): Record<string, string> {
  return {
    PATH: cleanPath(cluster.toolDir),
    LANG: 'C.UTF-8',
    NOVA_HA_STANDIN_ATTRS: cluster.attrsFile,
    NOVA_HA_STANDIN_NODE_BIN: process.execPath,
    ...(cluster.extraEnv ?? {}),
  };
}

interface SpawnSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  input?: string;
  timeoutMs: number;
  cwd?: string;
  /** Aborting kills the process group at once (the caller is shutting down). */
  signal?: AbortSignal;
}

/** Runs one process in its own process group; at the timeout the whole group gets SIGKILL. */
export function runBounded(spec: SpawnSpec): Promise<ActionResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(spec.command, spec.args, {
      env: spec.env,
      cwd: spec.cwd ?? '/',
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => undefined); // an agent that ignores its stdin may close it early
    child.stdin.end(spec.input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, spec.timeoutMs);
    const abort = () => killGroup(child.pid, 'SIGKILL');
    spec.signal?.addEventListener('abort', abort, { once: true });
    child.on('error', (error) => {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', abort);
      reject(error);
    });
    child.on('close', (rc, signal) => {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', abort);
      const reason = /^ocf-exit-reason:(.*)$/m.exec(stderr)?.[1];
      resolve({ rc, signal, timedOut, stdout, stderr, exitReason: reason, ms: performance.now() - started });
    });
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

export interface OcfResource {
  /** Path of the agent executable (e.g. dist/NovaEvacuate). */
  agent: string;
  /** OCF_RESOURCE_INSTANCE, the resource id in the CIB. */
  instance: string;
  provider?: string;
  /** Instance attributes, passed as OCF_RESKEY_<name>. */
  params: Record<string, string>;
  cluster: ClusterEnv;
}

export interface OcfOperation {
  action: 'start' | 'stop' | 'monitor' | 'validate-all' | 'meta-data' | string;
  timeoutMs: number;
  /** Recurring monitors carry their interval; probes and one-shot actions carry none. */
  intervalMs?: number;
}

/** The environment execd gives an OCF agent for one operation. */
export function ocfEnv(resource: OcfResource, operation: OcfOperation): Record<string, string> {
  const env: Record<string, string> = {
    ...baseEnv(resource.cluster),
    OCF_ROOT: '/usr/lib/ocf',
    OCF_RA_VERSION_MAJOR: '1',
    OCF_RA_VERSION_MINOR: '1',
    OCF_RESOURCE_INSTANCE: resource.instance,
    OCF_RESOURCE_TYPE: basename(resource.agent),
    OCF_RESOURCE_PROVIDER: resource.provider ?? 'openstack',
    OCF_EXIT_REASON_PREFIX: 'ocf-exit-reason:',
    OCF_OUTPUT_FORMAT: 'text',
    OCF_RESKEY_crm_feature_set: '3.16.1',
    OCF_RESKEY_CRM_meta_name: operation.action,
    OCF_RESKEY_CRM_meta_timeout: String(operation.timeoutMs),
    OCF_RESKEY_CRM_meta_on_node: resource.cluster.node,
    OCF_RESKEY_CRM_meta_on_node_uuid: resource.cluster.node,
    HA_debug: '0',
    HA_cluster_type: 'corosync',
    PCMK_service: 'pacemaker-execd',
  };
  if (operation.intervalMs !== undefined && operation.intervalMs > 0) {
    env['OCF_RESKEY_CRM_meta_interval'] = String(operation.intervalMs);
  }
  for (const [name, value] of Object.entries(resource.params)) env[`OCF_RESKEY_${name}`] = value;
  return env;
}

/** One OCF operation, bounded by its timeout like execd. */
export function runOcf(resource: OcfResource, operation: OcfOperation, signal?: AbortSignal): Promise<ActionResult> {
  return runBounded({
    command: resource.agent,
    args: [operation.action],
    env: ocfEnv(resource, operation),
    timeoutMs: operation.timeoutMs,
    ...(signal ? { signal } : {}),
  });
}

export interface MonitorLoopOptions {
  intervalMs: number;
  timeoutMs: number;
  /** Called after every monitor with its result; errors thrown here stop the loop. */
  onResult?: (result: ActionResult, count: number) => void;
}

/**
 * A recurring monitor: the next one starts `intervalMs` after the previous one completed, as
 * execd schedules them. `stop()` waits for a monitor in progress to finish, as execd does
 * before a stop; `stop({ kill: true })` kills it instead (the demo or a bench ending).
 */
export class RecurringMonitor {
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly aborter = new AbortController();
  count = 0;
  last: ActionResult | undefined;

  constructor(
    private readonly resource: OcfResource,
    private readonly options: MonitorLoopOptions,
  ) {}

  start(): void {
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const result = await runOcf(
        this.resource,
        { action: 'monitor', timeoutMs: this.options.timeoutMs, intervalMs: this.options.intervalMs },
        this.aborter.signal,
      );
      this.count += 1;
      this.last = result;
      this.options.onResult?.(result, this.count);
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.options.intervalMs);
      });
    }
  }

  async stop(options: { kill?: boolean } = {}): Promise<void> {
    this.stopped = true;
    if (options.kill) this.aborter.abort();
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.running;
  }
}

/** A fence agent as pacemaker-fenced runs it: `key=value` lines on stdin, no arguments. */
export function runFence(
  agent: string,
  options: Record<string, string>,
  cluster: ClusterEnv & { timeoutMs: number; interpreter?: string },
): Promise<ActionResult> {
  const input = Object.entries(options)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
  return runBounded({
    command: cluster.interpreter ?? agent,
    args: cluster.interpreter ? [agent] : [],
    env: baseEnv(cluster),
    input,
    timeoutMs: cluster.timeoutMs,
  });
}

export const DIST = fileURLToPath(new URL('../../dist', import.meta.url));
export const distAgent = (name: string): string => join(DIST, name);
