/**
 * Which way this node runs nova-compute (overview: decisions taken): the systemd unit when
 * `nova_compute_unit` is set or systemd runs and knows a nova-compute unit; otherwise the
 * command, as the nova user, with a pid file.
 *
 * The choice is synchronous for the agent; when systemd runs and no unit is named, which
 * unit exists is asked of systemctl on first use (one call, bounded) and then kept.
 */
import { Deadline } from '../runtime/deadline';
import type { Log } from '../runtime/log';
import { commandSupervisor } from './command-supervisor';
import { systemdRuns, type NovaComputeProcess, type NovaComputeStatus } from './supervisor';
import { findUnit, systemdSupervisor } from './systemd-supervisor';

/** The units distributions ship: RDO/RHEL first, then Debian/Ubuntu. */
export const DEFAULT_NOVA_COMPUTE_UNITS: readonly string[] = ['openstack-nova-compute.service', 'nova-compute.service'];

export interface SupervisorParams {
  /** `nova_compute_unit`; empty or absent: chosen as above. */
  readonly unit?: string | undefined;
  /** `nova_compute_command`. */
  readonly command: string;
  /** `nova_user`. */
  readonly user: string;
  readonly pidFile: string;
  readonly consoleLog: string;
  readonly env?: NodeJS.ProcessEnv | undefined;
}

export interface SupervisorDeps {
  /** Default: /run/systemd/system exists. */
  readonly systemdRuns?: () => boolean;
  readonly systemctl?: string;
}

/** How long the one unit lookup may take when the caller's deadline is further away. */
const LOOKUP_CAP_MS = 10_000;

export function chooseSupervisor(params: SupervisorParams, deps: SupervisorDeps = {}): NovaComputeProcess {
  const env = params.env ?? process.env;
  const systemd = (unit: string): NovaComputeProcess =>
    systemdSupervisor({ unit, env, ...(deps.systemctl === undefined ? {} : { systemctl: deps.systemctl }) });
  const command = (): NovaComputeProcess =>
    commandSupervisor({
      command: params.command,
      user: params.user,
      pidFile: params.pidFile,
      consoleLog: params.consoleLog,
      env,
    });

  const unit = params.unit?.trim();
  if (unit) return systemd(unit);
  if (!(deps.systemdRuns ?? systemdRuns)()) return command();
  return lazySupervisor(async (deadline) => {
    const found = await findUnit(DEFAULT_NOVA_COMPUTE_UNITS, deadline.budget(LOOKUP_CAP_MS), {
      env,
      ...(deps.systemctl === undefined ? {} : { systemctl: deps.systemctl }),
    });
    return found === undefined ? command() : systemd(found);
  }, `systemd unit ${DEFAULT_NOVA_COMPUTE_UNITS.join(' or ')} (whichever exists), else ${params.command}`);
}

/** A supervisor decided on first use; `description` says which once it is known. */
function lazySupervisor(
  decide: (deadline: Deadline) => Promise<NovaComputeProcess>,
  undecided: string,
): NovaComputeProcess {
  let chosen: NovaComputeProcess | undefined;
  let deciding: Promise<NovaComputeProcess> | undefined;
  const get = (deadline: Deadline): Promise<NovaComputeProcess> => {
    if (chosen !== undefined) return Promise.resolve(chosen);
    deciding ??= decide(deadline).then(
      (result) => (chosen = result),
      (error: unknown) => {
        deciding = undefined; // a failed lookup is asked again next time
        throw error;
      },
    );
    return deciding;
  };
  return {
    get description() {
      return chosen?.description ?? undecided;
    },
    async status(): Promise<NovaComputeStatus> {
      return (await get(Deadline.in(LOOKUP_CAP_MS))).status();
    },
    async start(deadline: Deadline, log: Log) {
      return (await get(deadline)).start(deadline, log);
    },
    async stop(deadline: Deadline, log: Log) {
      return (await get(deadline)).stop(deadline, log);
    },
  };
}
