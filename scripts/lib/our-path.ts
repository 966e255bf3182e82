/**
 * Our path, as Pacemaker would run it: dist/fence_compute through the fencer's stdin
 * protocol, dist/NovaEvacuate through execd's probe → start → recurring monitor.
 */
import { RecurringMonitor, distAgent, runFence, runOcf, type ActionResult, type ClusterEnv, type OcfResource } from './pacemaker-driver';

export interface SimLogin {
  auth_url: string;
  login: string;
  passwd: string;
  tenant_name: string;
  user_domain: string;
  project_domain: string;
}

/** NovaEvacuate's meta-data: monitor every 10 s with a 600 s timeout. */
export const MONITOR_INTERVAL_MS = 10_000;
export const MONITOR_TIMEOUT_MS = 600_000;

export function fenceComputeOff(login: SimLogin, host: string, cluster: ClusterEnv, timeoutMs = 60_000): Promise<ActionResult> {
  return runFence(distAgent('fence_compute'), { action: 'off', plug: host, ...login }, { ...cluster, timeoutMs });
}

export function novaEvacuateResource(login: SimLogin, cluster: ClusterEnv, extra: Record<string, string> = {}): OcfResource {
  return {
    agent: distAgent('NovaEvacuate'),
    instance: 'nova-evacuate',
    params: {
      auth_url: login.auth_url,
      username: login.login,
      password: login.passwd,
      tenant_name: login.tenant_name,
      user_domain: login.user_domain,
      project_domain: login.project_domain,
      no_shared_storage: 'true',
      ...extra,
    },
    cluster,
  };
}

/**
 * Whether dist/NovaEvacuate has a real monitor yet: a probe of a stopped resource must answer
 * NOT_RUNNING (7); the placeholder answers UNIMPLEMENTED (3). Returns the reason when not.
 */
export async function novaEvacuateNotReady(resource: OcfResource): Promise<string | undefined> {
  let probe: ActionResult;
  try {
    probe = await runOcf(resource, { action: 'monitor', timeoutMs: 20_000 });
  } catch (error) {
    return `dist/NovaEvacuate cannot run (${(error as Error).message}); run npm run build`;
  }
  if (probe.rc === 7) return undefined;
  const why = probe.exitReason ?? (probe.stderr.trim().split('\n').pop() || `rc ${probe.rc}`);
  return `dist/NovaEvacuate's monitor is not real yet (probe answered rc ${probe.rc}: ${why})`;
}

/** start, then a recurring monitor from right away; throws if start fails. */
export async function startNovaEvacuate(
  resource: OcfResource,
  options: { intervalMs?: number; timeoutMs?: number; onMonitor?: (result: ActionResult, count: number) => void } = {},
): Promise<RecurringMonitor> {
  const start = await runOcf(resource, { action: 'start', timeoutMs: 20_000 });
  if (start.rc !== 0) {
    throw new Error(`NovaEvacuate start answered rc ${start.rc}${start.exitReason ? `: ${start.exitReason}` : ''}\n${start.stderr}`);
  }
  const monitor = new RecurringMonitor(resource, {
    intervalMs: options.intervalMs ?? MONITOR_INTERVAL_MS,
    timeoutMs: options.timeoutMs ?? MONITOR_TIMEOUT_MS,
    ...(options.onMonitor ? { onResult: options.onMonitor } : {}),
  });
  monitor.start();
  return monitor;
}

/** Ends the recurring monitor (killing one in progress: the run is over) and stops the resource. */
export async function stopNovaEvacuate(resource: OcfResource, monitor: RecurringMonitor | undefined): Promise<ActionResult> {
  await monitor?.stop({ kill: true });
  return runOcf(resource, { action: 'stop', timeoutMs: 20_000 });
}
