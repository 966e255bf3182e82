/**
 * Are the libvirt daemons alive? Monolithic libvirt runs `libvirtd`; modular libvirt (the
 * default on recent distributions) runs `virtqemud` and friends; either one serves Nova. Read
 * from /proc (comm, and argv[0] for names longer than comm's 15 characters): no child process,
 * so the check costs a monitor nothing it could hang on.
 */
import { basename } from 'node:path';
import { PROC_ROOT, listProcesses, type ProcessInfo } from './proc';

export const DEFAULT_LIBVIRT_DAEMONS: readonly string[] = ['libvirtd', 'virtqemud'];

/** The kernel keeps only the first 15 characters of a process name in comm. */
const COMM_LENGTH = 15;

/** Which of `names` run now (zombies do not count), in the order given. */
export function libvirtDaemonsRunning(
  names: readonly string[] = DEFAULT_LIBVIRT_DAEMONS,
  procRoot = PROC_ROOT,
): string[] {
  const processes = listProcesses(procRoot);
  return names.filter((name) => processes.some((info) => isDaemon(info, name)));
}

function isDaemon(info: ProcessInfo, name: string): boolean {
  const first = info.argv[0];
  if (first !== undefined && first !== '' && basename(first) === name) return true;
  return info.comm === name.slice(0, COMM_LENGTH) && (first === undefined || first === '' || name.length <= COMM_LENGTH);
}
