/**
 * nova-compute run as a command of the agent's own (no systemd): the classic NovaCompute's
 * `su nova -c nova-compute &`, done so that it survives the agent, is found again by every
 * later operation, and is stopped within the deadline.
 *
 * - It runs in a session of its own: Pacemaker SIGKILLs the agent's whole process group when
 *   an operation times out, and nova-compute must not die with it.
 * - As `user` through `setpriv`, which execs in place (the pid is nova-compute's) and keeps the
 *   account's supplementary groups (libvirt, kvm); stdin /dev/null, output appended to a
 *   console log; Pacemaker's variables (and with them every OCF_RESKEY_ secret) removed.
 * - Found by its pid file, checked against /proc (a reused pid is never taken for it), or by a
 *   scan of /proc when it was started outside the agent, and then adopted.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, closeSync, constants, mkdirSync, openSync, readSync, statSync, fstatSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { Deadline } from '../runtime/deadline';
import { AgentError, DeadlineError, NotInstalledError, errorMessage } from '../runtime/errors';
import type { Log } from '../runtime/log';
import { splitCommandLine } from './command-line';
import { withoutPacemakerVariables } from './run-bounded';
import { readPidFile, removePidFile, writePidFile } from './pid-file';
import { PROC_ROOT, commandIdentity, isLive, listProcesses, readProcess, runsExecutable, type ProcessInfo } from './proc';
import type { NovaComputeProcess, NovaComputeStatus } from './supervisor';
import { lookupUser, type UserAccount } from './user-account';

export interface CommandSupervisorOptions {
  /** `nova_compute_command`: split shell-style, never run by a shell. */
  readonly command: string;
  /** `nova_user`: a name or a uid. */
  readonly user: string;
  readonly pidFile: string;
  /** stdout and stderr are appended here. */
  readonly consoleLog: string;
  /** The environment to start from (default: the agent's). */
  readonly env?: NodeJS.ProcessEnv;
  /** How long nova-compute must stay up before start believes it (default 1 s). */
  readonly settleMs?: number;
  /** How long before the deadline stop gives up on SIGTERM and sends SIGKILL (default 2 s). */
  readonly killMarginMs?: number;
  /** setpriv's path; null means "not available" (tests); default: found on PATH. */
  readonly setpriv?: string | null;
  /**
   * What makes a process nova-compute: 'basename' (default) also takes one whose path merely
   * ends in `/<basename>` (started at boot from another prefix); 'path' only the exact path,
   * for hosts (and tests) that run several nova-compute-named programs side by side.
   */
  readonly matchBy?: 'basename' | 'path';
  readonly procRoot?: string;
  readonly passwdPath?: string;
}

const DEFAULT_SETTLE_MS = 1_000;
const DEFAULT_KILL_MARGIN_MS = 2_000;
const POLL_MS = 100;
const CONSOLE_TAIL_BYTES = 8 * 1024;
const CONSOLE_TAIL_LINES = 3;

export function commandSupervisor(options: CommandSupervisorOptions): NovaComputeProcess {
  const argv = splitCommandLine(options.command);
  const executable = argv[0] as string;
  const resolved = resolveExecutable(executable, options.env ?? process.env);
  const procRoot = options.procRoot ?? PROC_ROOT;
  const matchBy = options.matchBy ?? 'basename';
  // An interpreter's command (`python3 /usr/bin/nova-compute`) is recognised by its script.
  const identity = commandIdentity(argv) ?? executable;
  const identityPath = identity === executable ? resolved : identity;
  const matches = (info: ProcessInfo): boolean => runsExecutable(info.argv, identity, identityPath, matchBy);
  const description = `${options.command} as ${options.user} (pid file ${options.pidFile})`;

  /** The running nova-compute: the pid file's, else one found in /proc (adopted). */
  function locate(): { info?: ProcessInfo; detail: string } {
    const recorded = readPidFile(options.pidFile);
    if (recorded !== undefined) {
      const info = readProcess(recorded, procRoot);
      if (isLive(info) && matches(info)) return { info, detail: `pid ${recorded}` };
    }
    const found = pickOldestTop(listProcesses(procRoot).filter((info) => info.pid !== process.pid && matches(info)));
    const stale = recorded === undefined ? '' : `; pid file named ${recorded}, which is not nova-compute`;
    if (found === undefined) {
      if (recorded !== undefined) tryRemove(options.pidFile);
      return { detail: `not running${stale}` };
    }
    try {
      writePidFile(options.pidFile, found.pid);
    } catch {
      // Adoption does not depend on the file: the next operation scans again.
    }
    return { info: found, detail: `pid ${found.pid}, started outside the agent and adopted${stale}` };
  }

  return {
    description,

    async status(): Promise<NovaComputeStatus> {
      const { info, detail } = locate();
      return info === undefined ? { running: false, detail } : { running: true, pid: info.pid, detail };
    },

    async start(deadline: Deadline, log: Log): Promise<{ pid?: number }> {
      const current = locate();
      if (current.info !== undefined) {
        log.info(`nova-compute already running (${current.detail})`);
        return { pid: current.info.pid };
      }
      if (resolved === undefined) {
        throw new NotInstalledError(
          `nova_compute_command: ${executable} is not an executable file${isAbsolute(executable) ? '' : ' on PATH'}`,
        );
      }
      const account = await lookupUser(options.user, deadline, options.passwdPath);
      if (account === undefined) throw new NotInstalledError(`nova_user: no such user '${options.user}'`);
      deadline.check('before starting nova-compute');

      const launch = launchPlan(argv.slice(1), resolved, account, options, log);
      const consoleLog = openConsoleLog(options.consoleLog, log);
      const child = spawn(launch.file, launch.args, { ...launch.options, stdio: ['ignore', consoleLog.fd, consoleLog.fd] });
      closeSync(consoleLog.fd);
      const outcome = await spawned(child);
      if (outcome.error !== undefined) {
        throw new AgentError('generic', `cannot run ${launch.file}: ${errorMessage(outcome.error)}`, {
          cause: outcome.error,
        });
      }
      const pid = child.pid as number;
      writePidFile(options.pidFile, pid);
      log.info(`started ${description}`, { pid, via: launch.via });

      const exit = await settle(child, deadline.budget(options.settleMs ?? DEFAULT_SETTLE_MS));
      child.unref();
      if (exit !== undefined || !isLive(readProcess(pid, procRoot))) {
        removePidFile(options.pidFile);
        const how = exit === undefined ? 'exited' : exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
        const tail = consoleTail(options.consoleLog, consoleLog.offset);
        throw new AgentError('generic', `nova-compute ${how} right after start${tail ? `: ${tail}` : ''}`);
      }
      return { pid };
    },

    async stop(deadline: Deadline, log: Log): Promise<void> {
      const { info, detail } = locate();
      if (info === undefined) {
        removePidFile(options.pidFile);
        log.info(`nova-compute already stopped (${detail})`);
        return;
      }
      await terminate(info, deadline, log, {
        matches,
        procRoot,
        killMarginMs: options.killMarginMs ?? DEFAULT_KILL_MARGIN_MS,
      });
      removePidFile(options.pidFile);
    },
  };
}

interface LaunchPlan {
  readonly file: string;
  readonly args: string[];
  readonly options: SpawnOptions;
  readonly via: string;
}

/** The exec that runs nova-compute as `account`, in its own session, with a clean environment. */
function launchPlan(
  args: string[],
  executable: string,
  account: UserAccount,
  options: CommandSupervisorOptions,
  log: Log,
): LaunchPlan {
  const env = childEnvironment(options.env ?? process.env);
  const base: SpawnOptions = { detached: true, cwd: '/', env };
  const switchUser = process.getuid?.() !== account.uid;
  if (!switchUser) return { file: executable, args, options: base, via: 'exec' };

  Object.assign(env, { HOME: account.home, USER: account.name, LOGNAME: account.name });
  const setpriv = options.setpriv === undefined ? resolveExecutable('setpriv', process.env) : options.setpriv ?? undefined;
  if (setpriv !== undefined) {
    const change = [`--reuid=${account.uid}`, `--regid=${account.gid}`, '--init-groups', '--'];
    return { file: setpriv, args: [...change, executable, ...args], options: base, via: 'setpriv' };
  }
  log.warn(`setpriv not found (util-linux): nova-compute runs as uid ${account.uid} without its supplementary groups`);
  return { file: executable, args, options: { ...base, uid: account.uid, gid: account.gid }, via: 'spawn uid/gid' };
}

/** The agent's environment without Pacemaker's variables, plus what the classic agent set. */
export function childEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  return { ...withoutPacemakerVariables(env), LIBGUESTFS_ATTACH_METHOD: 'appliance' };
}

/** The console log opened for appending (its directory created), or /dev/null when it cannot be. */
function openConsoleLog(path: string, log: Log): { fd: number; offset: number } {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, 'a', 0o640);
    return { fd, offset: fstatSync(fd).size };
  } catch (error) {
    log.warn(`cannot write nova-compute's console log ${path}: ${errorMessage(error)}; its output is discarded`);
    return { fd: openSync('/dev/null', 'a'), offset: Number.POSITIVE_INFINITY };
  }
}

/** The last lines the console log got since `offset`, joined with " | ". */
function consoleTail(path: string, offset: number): string {
  if (!Number.isFinite(offset)) return '';
  try {
    const size = statSync(path).size;
    const from = Math.max(offset, size - CONSOLE_TAIL_BYTES);
    const length = size - from;
    if (length <= 0) return '';
    const buffer = Buffer.alloc(length);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buffer, 0, length, from);
    } finally {
      closeSync(fd);
    }
    const lines = buffer.toString('utf8').split('\n').map((line) => line.trim()).filter((line) => line !== '');
    return lines.slice(-CONSOLE_TAIL_LINES).join(' | ');
  } catch {
    return '';
  }
}

function spawned(child: ChildProcess): Promise<{ error?: Error }> {
  return new Promise((resolve) => {
    child.once('spawn', () => resolve({}));
    child.once('error', (error) => resolve({ error }));
  });
}

/** Waits `ms` for the child to exit; undefined when it is still running. */
function settle(child: ChildProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(undefined);
    }, ms);
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      resolve({ code, signal });
    };
    child.once('exit', onExit);
  });
}

interface TerminateContext {
  readonly matches: (info: ProcessInfo) => boolean;
  readonly procRoot: string;
  readonly killMarginMs: number;
}

/**
 * SIGTERM (to its process group when it leads its own session, so its helpers go too), then
 * SIGKILL once the deadline is `killMarginMs` away, then wait until the process, and its group,
 * are gone. Before every signal the target is checked again: a pid (or group) that no longer
 * is nova-compute's is never signalled.
 */
async function terminate(target: ProcessInfo, deadline: Deadline, log: Log, context: TerminateContext): Promise<void> {
  const { pid } = target;
  const group = target.session === pid && target.pgrp === pid;
  const margin = Math.min(context.killMarginMs, deadline.remainingMs() / 2);
  const same = (info: ProcessInfo | undefined): info is ProcessInfo =>
    isLive(info) && info.startTicks === target.startTicks && context.matches(info);
  const leaderAlive = (): boolean => same(readProcess(pid, context.procRoot));
  const groupMembers = (): number =>
    group ? listProcesses(context.procRoot).filter((info) => info.pgrp === pid).length : 0;
  const alive = (): boolean => leaderAlive() || groupMembers() > 0;

  const send = (signal: NodeJS.Signals): void => {
    // The group id stays nova-compute's while any member lives: it cannot be reused before.
    if (!leaderAlive() && groupMembers() === 0) return;
    try {
      process.kill(group ? -pid : pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };

  log.info(`stopping nova-compute (pid ${pid}${group ? ', its process group' : ''}) with SIGTERM`);
  send('SIGTERM');
  let killed = false;
  while (alive()) {
    if (deadline.expired()) {
      throw new DeadlineError(`nova-compute (pid ${pid}) still running after ${killed ? 'SIGKILL' : 'SIGTERM'}`);
    }
    if (!killed && deadline.remainingMs() <= margin) {
      log.warn(`nova-compute (pid ${pid}) ignored SIGTERM; sending SIGKILL before the deadline`);
      send('SIGKILL');
      killed = true;
    }
    await deadline.sleep(POLL_MS);
  }
  log.info(`nova-compute (pid ${pid}) stopped${killed ? ' by SIGKILL' : ''}`);
}

/** Of several matches (a forking nova-compute), the top one: no matching parent, oldest first. */
function pickOldestTop(found: ProcessInfo[]): ProcessInfo | undefined {
  const pids = new Set(found.map((info) => info.pid));
  const tops = found.filter((info) => !pids.has(info.ppid));
  return (tops.length > 0 ? tops : found).sort((a, b) => a.startTicks - b.startTicks || a.pid - b.pid)[0];
}

/** The executable's path: as given when it contains a slash, else looked up on PATH. */
export function resolveExecutable(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : (env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
        .split(delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, name));
  return candidates.find(isExecutableFile);
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function tryRemove(path: string): void {
  try {
    removePidFile(path);
  } catch {
    // A stale pid file that cannot be removed is harmless: it is checked on every read.
  }
}
