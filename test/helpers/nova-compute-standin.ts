/**
 * The stand-in nova-compute from tests: where it is, a nova.conf that points it at a
 * simulator, a way to run it directly, and waits on what the simulator then sees.
 * (The NovaCompute agent runs it itself as `nova_compute_command`; see test/standins/README.md.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningSim, SimHostState } from './sim';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Absolute path of the stand-in nova-compute executable. */
export function standinCommand(): string {
  return join(REPO, 'test', 'standins', 'nova-compute');
}

let copies = 0;

/**
 * A private copy of the stand-in in `dir`, under a name no other test uses
 * (`nova-compute-<pid>-<n>` unless `name` is given); returns its absolute path. The agent's
 * command supervisor finds nova-compute in /proc by its executable's name, so tests running
 * side by side (jest workers, other engineers) would adopt and stop each other's stand-ins if
 * they all ran the shared path. `dir` is made 0755 so another user can run it.
 */
export function installStandin(dir: string, name?: string): string {
  const path = join(dir, name ?? `nova-compute-${process.pid}-${++copies}`);
  copyFileSync(standinCommand(), path);
  chmodSync(path, 0o755);
  chmodSync(dir, 0o755);
  return path;
}

/** The stand-in's ways to misbehave, written as `[sim]` options (also env `NOVA_STANDIN_<KEY>`). */
export interface StandinBehaviour {
  /** Exit 1 this many seconds after the session opened (nova-compute crashes). */
  exit_after_sec?: number;
  /** Exit 1 at once with a message, never opening a session. */
  fail_start?: boolean;
  /** Ignore SIGTERM and SIGINT: only SIGKILL stops it. */
  ignore_term?: boolean;
  /** Wait this long before opening the session (a slow start). */
  start_delay_sec?: number;
}

export interface NovaConfOptions {
  /** `[DEFAULT] host`; omitted: the stand-in falls back to the machine's host name, as nova-compute does. */
  host?: string;
  /** `[sim] control_url`: the simulator's control plane, `sim.controlUrl`. */
  controlUrl?: string;
  behaviour?: StandinBehaviour;
  /** `[DEFAULT] compute_driver` (default `fake.FakeDriver`: no libvirt daemons to check). */
  computeDriver?: string;
  /** Raw ini text appended at the end (more sections, `compute_driver`…). */
  extra?: string;
  /** File name in `dir` (default nova.conf). */
  name?: string;
}

/**
 * Write a nova.conf into `dir` and return its path. The file is world-readable and `dir` is
 * made 0755, so the stand-in can read it when run as another user (e.g. nobody).
 */
export function writeNovaConf(dir: string, opts: NovaConfOptions): string {
  const lines = ['[DEFAULT]'];
  if (opts.host !== undefined) lines.push(`host = ${opts.host}`);
  lines.push(`compute_driver = ${opts.computeDriver ?? 'fake.FakeDriver'}`, '', '[sim]');
  if (opts.controlUrl !== undefined) lines.push(`control_url = ${opts.controlUrl}`);
  for (const [key, value] of Object.entries(opts.behaviour ?? {})) {
    if (value !== undefined) lines.push(`${key} = ${String(value)}`);
  }
  const path = join(dir, opts.name ?? 'nova.conf');
  writeFileSync(path, `${lines.join('\n')}\n${opts.extra ? `\n${opts.extra}\n` : ''}`, { mode: 0o644 });
  chmodSync(path, 0o644);
  chmodSync(dir, 0o755);
  return path;
}

export interface StandinRun {
  child: ChildProcess;
  pid: number;
  /** Resolves when it reports the session open (rejects if it exits first). */
  running: Promise<void>;
  /** Resolves when it has exited and its output is read. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** SIGKILL if still running (for afterEach). */
  kill(): void;
}

/**
 * Run the stand-in directly with these arguments (e.g. `['--config-file', path]`): `executable`
 * (default the shared one; prefer `installStandin(dir)`), after an optional `command` prefix.
 */
export function startStandin(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; command?: string[]; executable?: string } = {},
): StandinRun {
  const argv = [...(opts.command ?? []), opts.executable ?? standinCommand(), ...args];
  const child = spawn(argv[0]!, argv.slice(1), { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onRunning: () => void = () => undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // 'close', not 'exit': by then its output has been read to the end.
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const running = new Promise<void>((resolve, reject) => {
    onRunning = resolve;
    void exited.then(({ code, signal }) => reject(new Error(`stand-in exited (${String(code ?? signal)}) before running: ${err.trim()}`)));
  });
  running.catch(() => undefined);
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    if (/running on host/.test(out)) onRunning();
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  return {
    child,
    pid: child.pid ?? 0,
    running,
    exited,
    stdout: () => out,
    stderr: () => err,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

async function hostState(sim: RunningSim, host: string): Promise<SimHostState> {
  const state = await sim.state({ host });
  const found = state.hosts.find((h) => h.name === host);
  if (!found) throw new Error(`the simulator has no host ${host}`);
  return found;
}

/** Wait until the simulator sees nova-compute on `host` running (or stopped); returns the host's state. */
export function waitForCompute(sim: RunningSim, host: string, running: boolean, opts: { timeoutMs?: number } = {}): Promise<SimHostState> {
  const want = running ? 'running' : 'stopped';
  return sim.waitFor(
    async () => {
      const h = await hostState(sim, host);
      return h.compute === want ? h : undefined;
    },
    { timeoutMs: opts.timeoutMs ?? 15_000, what: `nova-compute on ${host} ${want}` },
  );
}

/** Wait until Nova's view of the host's service is `up` or `down`; returns the host's state. */
export function waitForService(sim: RunningSim, host: string, state: 'up' | 'down', opts: { timeoutMs?: number } = {}): Promise<SimHostState> {
  return sim.waitFor(
    async () => {
      const h = await hostState(sim, host);
      return h.service.state === state ? h : undefined;
    },
    { timeoutMs: opts.timeoutMs ?? 15_000, what: `the service of ${host} ${state}` },
  );
}
