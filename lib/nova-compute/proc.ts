/**
 * What /proc says about processes: their state, process group, session, start time and argv.
 * No child process is run (no ps, no pgrep): the agent reads the files the kernel writes, so a
 * monitor costs a few reads, and tests point `procRoot` at fixtures.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

export const PROC_ROOT = '/proc';

export interface ProcessInfo {
  readonly pid: number;
  /** The kernel's one-letter state: R, S, D, T, Z (zombie), X (dead)… */
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  readonly session: number;
  /** Clock ticks after boot when it started: tells two processes with the same pid apart. */
  readonly startTicks: number;
  /** The kernel's short name (/proc/<pid>/comm, at most 15 characters). */
  readonly comm: string;
  readonly argv: readonly string[];
}

/** The process, or undefined when there is none with that pid (or it vanished while read). */
export function readProcess(pid: number, procRoot = PROC_ROOT): ProcessInfo | undefined {
  const dir = join(procRoot, String(pid));
  const stat = readText(join(dir, 'stat'));
  if (stat === undefined) return undefined;
  const parsed = parseStat(stat);
  if (parsed === undefined) return undefined;
  const cmdline = readText(join(dir, 'cmdline')) ?? '';
  const comm = (readText(join(dir, 'comm')) ?? parsed.comm).replace(/\n$/, '');
  return { pid, ...parsed, comm, argv: parseCmdline(cmdline) };
}

/** A zombie has exited and only waits for its parent to collect the exit code: it counts as dead. */
export function isLive(info: ProcessInfo | undefined): info is ProcessInfo {
  return info !== undefined && info.state !== 'Z' && info.state !== 'X' && info.state !== 'x';
}

/** Every live process the kernel lists (kernel threads included; their argv is empty). */
export function listProcesses(procRoot = PROC_ROOT): ProcessInfo[] {
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return [];
  }
  const found: ProcessInfo[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProcess(Number(name), procRoot);
    if (isLive(info)) found.push(info);
  }
  return found;
}

/**
 * `/proc/<pid>/stat`: `pid (comm) state ppid pgrp session … starttime(22) …`. comm may hold
 * spaces and parentheses, so the fields are counted from the LAST `)`.
 */
export function parseStat(
  text: string,
): Pick<ProcessInfo, 'state' | 'ppid' | 'pgrp' | 'session' | 'startTicks' | 'comm'> | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = text.slice(close + 1).trim().split(/\s+/);
  // fields[0] is field 3 (state); field n is fields[n - 3].
  const state = fields[0];
  const numbers = [fields[1], fields[2], fields[3], fields[19]].map(Number);
  if (state === undefined || numbers.some((value) => !Number.isFinite(value))) return undefined;
  const [ppid, pgrp, session, startTicks] = numbers as [number, number, number, number];
  return { state, ppid, pgrp, session, startTicks, comm: text.slice(open + 1, close) };
}

/**
 * `/proc/<pid>/cmdline`: NUL-separated argv. A process that rewrote its title into one
 * space-separated string (setproctitle) is split on whitespace so its words still match.
 */
export function parseCmdline(text: string): string[] {
  const argv = text.split('\0');
  if (argv.at(-1) === '') argv.pop();
  if (argv.length === 1 && /\s/.test(argv[0] ?? '')) return (argv[0] ?? '').trim().split(/\s+/);
  return argv;
}

const INTERPRETER = /^(python[\d.]*|pypy[\d.]*|perl[\d.]*|ruby[\d.]*|node|(ba|da|k)?sh)$/;

/** How many of an interpreter's first arguments may name the script (`python3 -s -W x script`). */
const SCRIPT_SEARCH_DEPTH = 4;

/**
 * Whether an argv is the given executable running: argv[0] is its path, its resolved path or
 * ends in `/<basename>` (or is the bare basename, as a PATH lookup leaves it); or argv[0] is an
 * interpreter and one of its first arguments is the script so named (a Python nova-compute is
 * `/usr/bin/python3 /usr/bin/nova-compute …`). Other arguments never count, so
 * `grep nova-compute` or `tail /var/log/nova/nova-compute` is never taken for nova-compute.
 * With `matchBy: 'path'` only the exact (or resolved) path counts.
 */
export function runsExecutable(
  argv: readonly string[],
  executable: string,
  resolvedPath?: string,
  matchBy: 'basename' | 'path' = 'basename',
): boolean {
  const name = basename(executable);
  const byName = matchBy === 'basename';
  const names = (arg: string): boolean =>
    arg === executable || arg === resolvedPath || (byName && arg.endsWith(`/${name}`));
  const first = argv[0];
  if (first === undefined || first === '') return false;
  if (names(first) || (byName && first === name)) return true;
  if (!INTERPRETER.test(basename(first))) return false;
  return argv.slice(1, 1 + SCRIPT_SEARCH_DEPTH).some(names);
}

/**
 * What a command line runs, as runsExecutable should look for it: its executable, or, when
 * the executable is an interpreter (`/usr/bin/python3 /usr/bin/nova-compute`), the script it
 * runs: matching the interpreter would take every Python process for nova-compute.
 */
export function commandIdentity(argv: readonly string[]): string | undefined {
  const first = argv[0];
  if (first === undefined || !INTERPRETER.test(basename(first))) return first;
  return argv.slice(1, 1 + SCRIPT_SEARCH_DEPTH).find((arg) => !arg.startsWith('-') && arg.includes('/')) ?? first;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // gone, or not ours to read: either way nothing to learn
  }
}
