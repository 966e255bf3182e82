/**
 * The judge of one instance Nova places on this compute node (NovaCompute monitor, depth 20):
 * running, stopped by someone who meant it, left in a state someone chose, or crashed — and
 * then how to bring it back through Nova. Pure: the caller passes the server and, when the
 * judge asks for them (`needsActionHistory`), its instance actions as Nova lists them, newest
 * first.
 *
 * What Nova tells us (nova/compute/power_state.py, nova/compute/manager.py):
 * - power_state: 0 NOSTATE, 1 RUNNING, 3 PAUSED, 4 SHUTDOWN, 6 CRASHED, 7 SUSPENDED.
 * - A guest that dies leaves the server ACTIVE until nova-compute's power-state sync runs
 *   (every sync_power_state_interval, 10 min by default; a libvirt lifecycle event sooner).
 *   Until then os-start is refused (409 on an ACTIVE server), so a HARD reboot restarts it.
 * - A guest the hypervisor no longer knows (Nova's fake driver, a host whose hypervisor state
 *   did not survive a power loss) reads power_state NOSTATE, and Nova's sync ignores it
 *   ("Instance is unexpectedly not found"): it stays ACTIVE with no `stop` for good, so only
 *   we can bring it back, the same way (HARD reboot).
 * - The sync then calls the stop API with an admin context that has no user: a `stop`
 *   instance action with user_id null. An operator's stop carries the caller's user id.
 * - Migrations, resizes, rebuilds and evacuations keep a stopped server stopped (below
 *   microversion 2.95), so they say nothing about whether someone wanted it off: the judge
 *   looks past them to the action that decided the power state.
 */
import type { Server, ServerAction } from '../openstack/nova-types';

/** Nova's power_state values (the API's OS-EXT-STS:power_state). */
export const POWER_STATE = {
  NOSTATE: 0,
  RUNNING: 1,
  PAUSED: 3,
  SHUTDOWN: 4,
  CRASHED: 6,
  SUSPENDED: 7,
} as const;

const POWER_STATE_NAMES: Readonly<Record<number, string>> = {
  0: 'NOSTATE',
  1: 'RUNNING',
  3: 'PAUSED',
  4: 'SHUTDOWN',
  6: 'CRASHED',
  7: 'SUSPENDED',
};

export function powerStateName(value: number | null): string {
  if (value === null) return 'unknown';
  return `${POWER_STATE_NAMES[value] ?? 'unrecognised'}(${value})`;
}

/** How a crashed instance is brought back: os-start for SHUTOFF, a HARD reboot for ACTIVE and ERROR. */
export type RestartMethod = 'start' | 'hard-reboot';

export type InstanceVerdict =
  /** Running, or Nova has a task in progress on it: nothing to do. */
  | { readonly kind: 'healthy'; readonly evidence: string }
  /** SHUTOFF because a user stopped it. */
  | { readonly kind: 'operator-stopped'; readonly evidence: string }
  /** A state someone chose (shelved, paused, rescued…) or one Nova cannot tell (UNKNOWN). */
  | { readonly kind: 'left-alone'; readonly evidence: string }
  /** ERROR: an operator has to look (unless the restart_error policy is on). */
  | { readonly kind: 'needs-operator'; readonly evidence: string }
  | { readonly kind: 'restart'; readonly method: RestartMethod; readonly evidence: string };

export interface HealthPolicy {
  /** restart_error: hard-reboot instances in ERROR too (default off). */
  readonly restartError: boolean;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = { restartError: false };

/** Actions after which the instance was meant to run (or at least not to be off). */
const MEANT_TO_RUN = new Set([
  'create',
  'start',
  'reboot',
  'unshelve',
  'restore',
  'resume',
  'unpause',
  'rescue',
  'unrescue',
  'shelve',
  'shelveOffload',
  'suspend',
  'pause',
  'live-migration',
]);

/** Statuses someone chose; the monitor leaves them as they are. */
const CHOSEN_STATUSES = new Set(['SHELVED', 'SHELVED_OFFLOADED', 'PAUSED', 'SUSPENDED', 'RESCUE', 'VERIFY_RESIZE', 'SOFT_DELETED', 'DELETED']);

/** Statuses that mean Nova is working on the instance, even when task_state is not shown. */
const BUSY_STATUSES = new Set(['BUILD', 'REBUILD', 'REBOOT', 'HARD_REBOOT', 'MIGRATING', 'RESIZE', 'REVERT_RESIZE', 'PASSWORD']);

function actionLabel(action: ServerAction): string {
  const who = action.userId === null ? 'Nova itself (no user)' : `user ${action.userId}`;
  const when = action.startTime === null ? '' : ` at ${action.startTime}`;
  return `'${action.action}' by ${who}${when}`;
}

/**
 * Only a SHUTOFF server with no task needs its action history; every other verdict comes
 * from the server alone. The watch lists actions for these only (one call each).
 */
export function needsActionHistory(server: Server): boolean {
  return server.taskState === null && server.status === 'SHUTOFF';
}

/**
 * Why a SHUTOFF server is off, from its actions newest first: the first action that decided
 * its power state wins, looking past the ones that keep it as it was. Nova's own `stop`
 * (no user) is its power sync: after a guest that died (a crash) — or after a stopped guest
 * that came back by itself, which Nova switched off again (then the older decision holds).
 */
export function judgeShutoff(actions: readonly ServerAction[]): InstanceVerdict {
  let syncStop: ServerAction | undefined;
  for (const action of actions) {
    if (action.action === 'stop') {
      if (action.userId !== null) {
        const after = syncStop ? `; Nova's later stop was its power sync` : '';
        return { kind: 'operator-stopped', evidence: `SHUTOFF after ${actionLabel(action)}${after}` };
      }
      syncStop ??= action;
      continue;
    }
    if (MEANT_TO_RUN.has(action.action)) {
      const how = syncStop
        ? `Nova's power sync stopped it (${actionLabel(syncStop)}) after ${actionLabel(action)}`
        : `it went off with no stop recorded since ${actionLabel(action)}`;
      return { kind: 'restart', method: 'start', evidence: `SHUTOFF and not by an operator: ${how}` };
    }
  }
  const how = syncStop
    ? `Nova's power sync stopped it (${actionLabel(syncStop)}) and no operator's stop is recorded`
    : actions.length === 0
      ? 'Nova records no action at all'
      : 'no recorded action decided its power state';
  return { kind: 'restart', method: 'start', evidence: `SHUTOFF and not by an operator: ${how}` };
}

function judgeActive(server: Server): InstanceVerdict {
  const power = server.powerState;
  switch (power) {
    case null:
    case POWER_STATE.RUNNING:
      return { kind: 'healthy', evidence: `ACTIVE, power state ${powerStateName(power)}` };
    case POWER_STATE.NOSTATE:
      return {
        kind: 'restart',
        method: 'hard-reboot',
        evidence:
          `ACTIVE with no task but power state ${powerStateName(power)}: the hypervisor does not know the guest ` +
          "(lost with the host's power, or never recreated), and Nova's power sync leaves it so",
      };
    case POWER_STATE.SHUTDOWN:
    case POWER_STATE.CRASHED:
      return {
        kind: 'restart',
        method: 'hard-reboot',
        evidence: `ACTIVE with no task but power state ${powerStateName(power)}: the guest died and Nova has not synced yet`,
      };
    case POWER_STATE.PAUSED:
      return { kind: 'left-alone', evidence: `ACTIVE with power state ${powerStateName(power)}: paused outside Nova, which ignores it too` };
    default:
      return {
        kind: 'left-alone',
        evidence: `ACTIVE with power state ${powerStateName(power)}: left to Nova's power sync`,
      };
  }
}

/** The verdict on one server; `actions` (newest first) matter only when needsActionHistory says so. */
export function judgeInstance(
  server: Server,
  actions: readonly ServerAction[] | undefined,
  policy: HealthPolicy = DEFAULT_HEALTH_POLICY,
): InstanceVerdict {
  if (server.taskState !== null) {
    return { kind: 'healthy', evidence: `${server.status} with task ${server.taskState} in progress: Nova is working on it` };
  }
  const status = server.status;
  if (status === 'ACTIVE') return judgeActive(server);
  if (status === 'SHUTOFF') {
    if (actions === undefined) throw new Error(`judging SHUTOFF server ${server.id} needs its instance actions`);
    return judgeShutoff(actions);
  }
  if (status === 'ERROR') {
    return policy.restartError
      ? { kind: 'restart', method: 'hard-reboot', evidence: 'ERROR, and restart_error asks for a HARD reboot' }
      : { kind: 'needs-operator', evidence: 'ERROR: left for an operator (restart_error is off)' };
  }
  if (BUSY_STATUSES.has(status)) return { kind: 'healthy', evidence: `${status}: Nova is working on it` };
  if (CHOSEN_STATUSES.has(status)) return { kind: 'left-alone', evidence: `${status}: someone chose this state` };
  return { kind: 'left-alone', evidence: `${status}: Nova cannot tell its state; left alone` };
}
