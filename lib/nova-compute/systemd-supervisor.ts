/**
 * nova-compute run by systemd: the agent asks systemctl to start, stop and report the unit,
 * every call bounded by the action's deadline. systemd owns the process (its cgroup, its
 * restarts, its stop timeout); the agent adds the deadline: a start that stays `activating`
 * or a stop that hangs ends with a clear error before Pacemaker's timeout, and a stop that
 * would overrun it is finished with `systemctl kill --signal=SIGKILL`.
 */
import type { Deadline } from '../runtime/deadline';
import { AgentError, DeadlineError, NotInstalledError } from '../runtime/errors';
import type { Log } from '../runtime/log';
import { runBounded, type BoundedResult } from './run-bounded';
import type { NovaComputeProcess, NovaComputeStatus } from './supervisor';

export interface SystemdSupervisorOptions {
  readonly unit: string;
  /** systemctl's path (default: found on PATH). */
  readonly systemctl?: string;
  /** The environment systemctl runs with (default: the agent's). */
  readonly env?: NodeJS.ProcessEnv;
  /** How long the unit must stay active before start believes it (default 1 s). */
  readonly settleMs?: number;
  /** How long before the deadline a hanging stop is finished with SIGKILL (default 2 s). */
  readonly killMarginMs?: number;
}

/** One systemctl call's cap when the deadline is further away. */
const CALL_CAP_MS = 15_000;
/** status() has no deadline of its own: two calls must fit in a monitor's 20 s. */
const STATUS_CAP_MS = 5_000;
const POLL_MS = 250;
const DEFAULT_SETTLE_MS = 1_000;
const DEFAULT_KILL_MARGIN_MS = 2_000;
const STATUS_TAIL_LINES = 5;

/** `systemctl is-active` states in which the unit's process lives. */
const ALIVE_STATES = new Set(['active', 'activating', 'reloading', 'deactivating', 'refreshing']);

/** What a poll makes of the unit's state: the wait is over, or not yet. */
type UnitWait = 'done' | 'wait';

export function systemdSupervisor(options: SystemdSupervisorOptions): NovaComputeProcess {
  const { unit } = options;
  const systemctl = options.systemctl ?? 'systemctl';
  const env = options.env ?? process.env;

  const call = async (args: string[], timeoutMs: number): Promise<BoundedResult> => {
    const result = await runBounded(systemctl, args, timeoutMs, env);
    if (result.missing) throw new NotInstalledError(`${systemctl} not found or not executable; install systemd or set nova_compute_command`);
    return result;
  };
  const state = async (timeoutMs: number): Promise<string> => {
    const result = await call(['is-active', unit], timeoutMs);
    if (result.timedOut) throw new DeadlineError(`systemctl is-active ${unit} did not answer within ${timeoutMs} ms`);
    return result.stdout.trim().split('\n')[0] || 'unknown';
  };
  const mainPid = async (timeoutMs: number): Promise<number | undefined> => {
    const result = await call(['show', '-p', 'MainPID', '--value', unit], timeoutMs);
    const pid = Number(result.stdout.trim());
    return result.exitCode === 0 && Number.isInteger(pid) && pid > 0 ? pid : undefined;
  };
  /** The last lines of `systemctl status`: what systemd and the unit said about the failure. */
  const statusTail = async (deadline: Deadline): Promise<string> => {
    const result = await call(['status', '--no-pager', '--full', `--lines=${STATUS_TAIL_LINES}`, unit], deadline.budget(5_000));
    const lines = `${result.stdout}\n${result.stderr}`.split('\n').map((line) => line.trim()).filter(Boolean);
    return lines.slice(-STATUS_TAIL_LINES).join(' | ');
  };
  const failure = async (what: string, deadline: Deadline): Promise<AgentError> => {
    const tail = await statusTail(deadline).catch(() => '');
    return new AgentError('generic', `${what}${tail ? `: ${tail}` : ''}`);
  };
  /**
   * Polls `systemctl is-active` until `judge` says done (it throws for a state that ends the
   * wait badly) and returns that state. At the deadline, a state `acceptAtDeadline` takes is
   * returned; any other ends it with an error naming the last state seen.
   */
  const waitForUnitState = async (
    deadline: Deadline,
    initial: string,
    judge: (state: string) => UnitWait | Promise<UnitWait>,
    acceptAtDeadline: (state: string) => boolean = () => false,
  ): Promise<string> => {
    let now = initial;
    for (;;) {
      try {
        now = await state(deadline.budget(CALL_CAP_MS));
      } catch (error) {
        if (!(error instanceof DeadlineError)) throw error;
        throw new DeadlineError(`${unit} still ${now} at the deadline (${error.message})`, { cause: error });
      }
      if ((await judge(now)) === 'done') return now;
      if (deadline.expired()) {
        if (acceptAtDeadline(now)) return now;
        throw new DeadlineError(`${unit} still ${now} at the deadline`);
      }
      await deadline.sleep(POLL_MS);
    }
  };

  return {
    description: `systemd unit ${unit}`,

    async status(): Promise<NovaComputeStatus> {
      const current = await state(STATUS_CAP_MS);
      if (!ALIVE_STATES.has(current)) return { running: false, detail: `unit ${current}` };
      const pid = await mainPid(STATUS_CAP_MS);
      const detail = `unit ${current}${pid === undefined ? '' : `, pid ${pid}`}`;
      return pid === undefined ? { running: true, detail } : { running: true, pid, detail };
    },

    async start(deadline: Deadline, log: Log): Promise<{ pid?: number }> {
      const before = await state(deadline.budget(CALL_CAP_MS));
      if (before === 'active') {
        log.info(`${unit} already active`);
        return withPid(await mainPid(deadline.budget(CALL_CAP_MS)));
      }
      log.info(`starting ${unit} (was ${before})`);
      const started = await call(['start', unit], deadline.remainingMs());
      if (started.timedOut) throw new DeadlineError(`systemctl start ${unit} did not finish before the deadline`);
      if (started.exitCode !== 0) {
        const said = started.stderr.trim().split('\n')[0] ?? '';
        throw await failure(`systemctl start ${unit} failed (exit ${started.exitCode ?? 'none'}${said ? `: ${said}` : ''})`, deadline);
      }
      // `activating` is a start still under way (Type=notify before READY=1): wait for it, then
      // for the unit to stay active `settleMs`; at the deadline, active is enough.
      let settledSince: number | undefined;
      const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
      await waitForUnitState(
        deadline,
        'activating',
        async (now) => {
          if (now === 'active') {
            settledSince ??= Date.now();
            return Date.now() - settledSince >= settleMs ? 'done' : 'wait';
          }
          settledSince = undefined;
          if (now === 'activating' || now === 'reloading') return 'wait';
          throw await failure(`${unit} is ${now} right after start`, deadline);
        },
        (now) => now === 'active',
      );
      const pid = await mainPid(deadline.budget(CALL_CAP_MS));
      log.info(`${unit} active`, { pid });
      return withPid(pid);
    },

    async stop(deadline: Deadline, log: Log): Promise<void> {
      const before = await state(deadline.budget(CALL_CAP_MS));
      if (!ALIVE_STATES.has(before)) {
        log.info(`${unit} already stopped (${before})`);
        return;
      }
      const margin = Math.min(options.killMarginMs ?? DEFAULT_KILL_MARGIN_MS, deadline.remainingMs() / 2);
      log.info(`stopping ${unit}`);
      const stopped = await call(['stop', unit], Math.max(0, deadline.remainingMs() - margin));
      if (!stopped.timedOut && stopped.exitCode !== 0) {
        throw await failure(`systemctl stop ${unit} failed (exit ${stopped.exitCode ?? 'none'})`, deadline);
      }
      if (stopped.timedOut) {
        log.warn(`${unit} did not stop in time; sending SIGKILL before the deadline`);
        await call(['kill', '--signal=SIGKILL', unit], deadline.budget(CALL_CAP_MS));
      }
      const now = await waitForUnitState(deadline, before, (current) => (ALIVE_STATES.has(current) ? 'wait' : 'done'));
      log.info(`${unit} stopped (${now})`);
    },
  };
}

function withPid(pid: number | undefined): { pid?: number } {
  return pid === undefined ? {} : { pid };
}

/**
 * The first of `candidates` systemd knows as a unit file, asked with one
 * `systemctl list-unit-files` call; undefined when it knows none.
 */
export async function findUnit(
  candidates: readonly string[],
  timeoutMs: number,
  options: { systemctl?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string | undefined> {
  const systemctl = options.systemctl ?? 'systemctl';
  const result = await runBounded(
    systemctl,
    ['list-unit-files', '--no-legend', '--no-pager', ...candidates],
    timeoutMs,
    options.env ?? process.env,
  );
  if (result.missing) throw new NotInstalledError(`${systemctl} not found; install systemd or set nova_compute_command`);
  if (result.timedOut) throw new DeadlineError(`systemctl list-unit-files did not answer within ${timeoutMs} ms`);
  const known = new Set(result.stdout.split('\n').map((line) => line.trim().split(/\s+/)[0]).filter(Boolean));
  return candidates.find((unit) => known.has(unit));
}
