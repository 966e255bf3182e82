/**
 * What Pacemaker tells an agent through its environment, beyond the parameters: probe or
 * recurring monitor, check level, instance name, timeout, state directory.
 */
import { Deadline } from '../runtime/deadline';

/** A probe is a monitor with no (or a zero) CRM_meta_interval, as ocf_is_probe decides. */
export function isProbe(action: string, env: NodeJS.ProcessEnv): boolean {
  return action === 'monitor' && Number(env.OCF_RESKEY_CRM_meta_interval || '0') === 0;
}

export function checkLevel(env: NodeJS.ProcessEnv): number {
  const level = Number.parseInt(env.OCF_CHECK_LEVEL ?? '', 10);
  return Number.isFinite(level) && level > 0 ? level : 0;
}

export function instanceName(agentName: string, env: NodeJS.ProcessEnv): string {
  return env.OCF_RESOURCE_INSTANCE || agentName;
}

/** HA_RSCTMP is exported by ocf-shellfuncs, not by Pacemaker: non-shell agents default it. */
export function stateDir(env: NodeJS.ProcessEnv): string {
  return env.HA_RSCTMP || '/run/resource-agents';
}

/** Pacemaker's timeout in ms; the declared action timeout (s) when run outside Pacemaker. */
export function actionDeadline(
  env: NodeJS.ProcessEnv,
  declaredTimeoutS: number,
  now: () => number = Date.now,
): Deadline {
  return Deadline.fromPacemakerTimeout(env.OCF_RESKEY_CRM_meta_timeout, declaredTimeoutS * 1000, now);
}
