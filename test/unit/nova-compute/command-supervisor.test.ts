/**
 * The command supervisor against real processes: a shell script stands in for nova-compute
 * (under a unique name, so parallel tests never see each other's), run as `nobody` through
 * setpriv, stopped with TERM or KILL, found again through its pid file or /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandSupervisor, type CommandSupervisorOptions } from '../../../lib/nova-compute/command-supervisor';
import { readPidFile } from '../../../lib/nova-compute/pid-file';
import { isLive, readProcess } from '../../../lib/nova-compute/proc';
import { Deadline } from '../../../lib/runtime/deadline';
import { addProcess } from './proc-fixture';
import { AgentError, NotInstalledError } from '../../../lib/runtime/errors';
import { formatFields, type Log, type LogFields } from '../../../lib/runtime/log';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

function memoryLog(lines: string[]): Log {
  const at = (level: string) => (message: string, fields?: LogFields) => void lines.push(`${level}: ${message}${formatFields(fields ?? {})}`);
  const log: Log = { debug: at('debug'), info: at('info'), notice: at('notice'), warn: at('warn'), error: at('error'), child: () => log };
  return log;
}

const SCRIPTS = {
  /** Runs until SIGTERM, then exits 0; reports who it is and its environment. */
  normal: `#!/bin/sh
trap 'echo "got TERM"; exit 0' TERM
echo "user=$(id -un) args=$*"
env | sort | sed 's/^/env: /'
while :; do sleep 0.1; done
`,
  /** Only SIGKILL stops it (the ignored TERM is inherited by its sleeps too). */
  ignoreTerm: `#!/bin/sh
trap '' TERM
echo "ignoring TERM"
while :; do sleep 0.1; done
`,
  /** Fails at once, as nova-compute does without its database. */
  failStart: `#!/bin/sh
echo "starting"
echo "ERROR nova.cmd: database unreachable" >&2
exit 3
`,
};

let dir: string;
let executable: string;
let lines: string[];
const started: { pid: number; name: string }[] = [];

function setup(script: keyof typeof SCRIPTS): CommandSupervisorOptions {
  const name = `nova-compute-${Math.random().toString(16).slice(2, 10)}`;
  executable = join(dir, name);
  writeFileSync(executable, SCRIPTS[script], { mode: 0o755 });
  chmodSync(executable, 0o755);
  return { command: `${executable} --config-file "/etc/nova/my nova.conf"`, user: 'nobody', pidFile: join(dir, 'run', 'nova-compute.pid'), consoleLog: join(dir, 'log', 'console.log') };
}

function remember(pid: number | undefined): number {
  if (pid === undefined) throw new Error('no pid');
  started.push({ pid, name: executable });
  return pid;
}

const alive = (pid: number): boolean => isLive(readProcess(pid));
const consoleText = (options: CommandSupervisorOptions): string => readFileSync(options.consoleLog, 'utf8');

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Deadline.in(ms);
  while (!check()) {
    if (deadline.expired()) throw new Error(`timed out waiting for ${what}`);
    await deadline.sleep(50);
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nc-supervisor-'));
  chmodSync(dir, 0o755);
  lines = [];
});

afterEach(() => {
  for (const { pid, name } of started.splice(0)) {
    const info = readProcess(pid);
    if (isLive(info) && info.argv.some((arg) => arg === name)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        process.kill(pid, 'SIGKILL');
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('commandSupervisor with a real process', () => {
  test('starts as nobody through setpriv in its own session, with a clean environment, and stops on SIGTERM', async () => {
    const options = {
      ...setup('normal'),
      env: { PATH: process.env.PATH, FOO: 'bar', OCF_RESKEY_password: 'hunter2', CRM_meta_timeout: '20000', HA_debug: '1', PCMK_service: 'x' },
    };
    const supervisor = commandSupervisor(options);
    expect(supervisor.description).toContain(executable);
    expect(await supervisor.status()).toEqual({ running: false, detail: 'not running' });

    const pid = remember((await supervisor.start(Deadline.in(15_000), memoryLog(lines))).pid);
    expect(readPidFile(options.pidFile)).toBe(pid);
    const info = readProcess(pid);
    expect(info?.session).toBe(pid); // setsid: not in the agent's process group
    expect(info?.pgrp).toBe(pid);
    expect(info?.argv.slice(1)).toEqual([executable, '--config-file', '/etc/nova/my nova.conf']); // setpriv exec'd in place
    expect(await supervisor.status()).toMatchObject({ running: true, pid });

    await until('the script to report', () => consoleText(options).includes('env: PATH='));
    const text = consoleText(options);
    expect(text).toContain('user=nobody args=--config-file /etc/nova/my nova.conf');
    expect(text).toContain('env: FOO=bar');
    expect(text).toContain('env: LIBGUESTFS_ATTACH_METHOD=appliance');
    expect(text).toContain('env: HOME=/nonexistent');
    expect(text).not.toMatch(/env: (OCF_|CRM_|HA_|PCMK_)/);
    expect(text).not.toContain('hunter2');
    expect(lines.join('\n')).toContain('via=setpriv');

    await supervisor.stop(Deadline.in(15_000), memoryLog(lines));
    expect(alive(pid)).toBe(false);
    expect(existsSync(options.pidFile)).toBe(false);
    expect(consoleText(options)).toContain('got TERM');
    expect(lines.join('\n')).not.toContain('SIGKILL');
    expect(await supervisor.status()).toEqual({ running: false, detail: 'not running' });
  });

  test('start is idempotent and stop succeeds when already stopped', async () => {
    const supervisor = commandSupervisor(setup('normal'));
    const first = remember((await supervisor.start(Deadline.in(15_000), memoryLog(lines))).pid);
    const second = (await supervisor.start(Deadline.in(15_000), memoryLog(lines))).pid;
    expect(second).toBe(first);
    expect(lines.join('\n')).toContain('already running');
    await supervisor.stop(Deadline.in(15_000), memoryLog(lines));
    await supervisor.stop(Deadline.in(15_000), memoryLog(lines));
    expect(lines.join('\n')).toContain('already stopped');
  });

  test('an interpreter command (sh script) is recognised by its script, not by sh', async () => {
    const options = { ...setup('normal') };
    const supervisor = commandSupervisor({ ...options, command: `/bin/sh ${executable} --debug` });
    const pid = remember((await supervisor.start(Deadline.in(15_000), memoryLog(lines))).pid);
    expect(await supervisor.status()).toMatchObject({ running: true, pid, detail: `pid ${pid}` });
    const other = spawn('/bin/sh', ['-c', 'sleep 30'], { stdio: 'ignore' }); // another sh: never nova-compute
    try {
      await supervisor.stop(Deadline.in(10_000), memoryLog(lines));
      expect(alive(pid)).toBe(false);
      expect(await supervisor.status()).toMatchObject({ running: false });
      expect(alive(other.pid as number)).toBe(true);
    } finally {
      other.kill('SIGKILL');
    }
  });

  test('a process that ignores SIGTERM is killed before the deadline', async () => {
    const options = setup('ignoreTerm');
    const supervisor = commandSupervisor(options);
    const pid = remember((await supervisor.start(Deadline.in(15_000), memoryLog(lines))).pid);
    await until('the script to trap TERM', () => consoleText(options).includes('ignoring TERM'));

    await supervisor.stop(Deadline.in(5_000), memoryLog(lines));
    expect(alive(pid)).toBe(false);
    expect(lines.join('\n')).toMatch(/ignored SIGTERM; sending SIGKILL/);
    expect(lines.join('\n')).toMatch(/stopped by SIGKILL/);
    expect(existsSync(options.pidFile)).toBe(false);
  });

  test('a stale pid file naming another live process: not running, and that process is never signalled', async () => {
    const options = setup('normal');
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const otherPid = other.pid as number;
      const supervisor = commandSupervisor(options);
      mkdirSync(join(dir, 'run'), { recursive: true });
      writeFileSync(options.pidFile, `${otherPid}\n`);

      const status = await supervisor.status();
      expect(status.running).toBe(false);
      expect(status.detail).toContain(`pid file named ${otherPid}, which is not nova-compute`);
      writeFileSync(options.pidFile, `${otherPid}\n`); // status removed the stale file; stop must cope too
      await supervisor.stop(Deadline.in(5_000), memoryLog(lines));
      expect(alive(otherPid)).toBe(true);
      expect(existsSync(options.pidFile)).toBe(false);
    } finally {
      other.kill('SIGKILL');
    }
  });

  test('a nova-compute started outside the agent is adopted, then stopped', async () => {
    const options = setup('normal');
    const outside = spawn(executable, ['--config-file', '/etc/nova/nova.conf'], { detached: true, stdio: 'ignore' });
    const pid = remember(outside.pid);
    await until('the outside process to run the script', () => readProcess(pid)?.argv.includes(executable) === true);

    const supervisor = commandSupervisor(options);
    const status = await supervisor.status();
    expect(status).toMatchObject({ running: true, pid });
    expect(status.detail).toContain('adopted');
    expect(readPidFile(options.pidFile)).toBe(pid);

    expect((await supervisor.start(Deadline.in(5_000), memoryLog(lines))).pid).toBe(pid); // no second copy
    await supervisor.stop(Deadline.in(10_000), memoryLog(lines));
    expect(alive(pid)).toBe(false);
  });

  test('fails at start: a generic error with the exit code and the console tail', async () => {
    const options = setup('failStart');
    const supervisor = commandSupervisor(options);
    const error = await supervisor.start(Deadline.in(15_000), memoryLog(lines)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentError);
    expect((error as AgentError).kind).toBe('generic');
    expect((error as Error).message).toMatch(/exited with code 3/);
    expect((error as Error).message).toContain('ERROR nova.cmd: database unreachable');
    expect(existsSync(options.pidFile)).toBe(false);
  });

  test('the console tail holds only what this start wrote', async () => {
    const options = setup('failStart');
    mkdirSync(join(dir, 'log'));
    writeFileSync(options.consoleLog, 'an old line from yesterday\n');
    const error = await commandSupervisor(options).start(Deadline.in(15_000), memoryLog(lines)).catch((e: unknown) => e);
    expect((error as Error).message).not.toContain('yesterday');
  });

  test('a missing command is not installed (exit 5), naming nova_compute_command; status says not running', async () => {
    const options = { ...setup('normal'), command: join(dir, 'no-such-nova-compute') };
    const supervisor = commandSupervisor(options);
    expect((await supervisor.status()).running).toBe(false);
    const error = await supervisor.start(Deadline.in(5_000), memoryLog(lines)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotInstalledError);
    expect((error as Error).message).toContain('nova_compute_command');
  });

  test('a file that is not executable is not installed either', async () => {
    const options = setup('normal');
    chmodSync(executable, 0o644);
    const error = await commandSupervisor(options).start(Deadline.in(5_000), memoryLog(lines)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotInstalledError);
  });

  test('a missing user is not installed, naming nova_user', async () => {
    const options = { ...setup('normal'), user: 'no-such-user-nova-ha' };
    const error = await commandSupervisor(options).start(Deadline.in(10_000), memoryLog(lines)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotInstalledError);
    expect((error as Error).message).toContain("nova_user: no such user 'no-such-user-nova-ha'");
  });

  test('without setpriv it still runs as the user (spawn uid/gid), and says what is lost', async () => {
    const options = { ...setup('normal'), setpriv: null };
    const supervisor = commandSupervisor(options);
    remember((await supervisor.start(Deadline.in(15_000), memoryLog(lines))).pid);
    await until('the script to report', () => consoleText(options).includes('user='));
    expect(consoleText(options)).toContain('user=nobody');
    expect(lines.join('\n')).toContain('without its supplementary groups');
    await supervisor.stop(Deadline.in(10_000), memoryLog(lines));
  });

  test('an unwritable console log: output discarded, logged, start still succeeds', async () => {
    const options = setup('normal');
    writeFileSync(join(dir, 'a-file'), '');
    const supervisor = commandSupervisor({ ...options, consoleLog: join(dir, 'a-file', 'console.log') });
    const pid = remember((await supervisor.start(Deadline.in(15_000), memoryLog(lines))).pid);
    expect(alive(pid)).toBe(true);
    expect(lines.join('\n')).toMatch(/cannot write nova-compute's console log .*discarded/);
    await supervisor.stop(Deadline.in(10_000), memoryLog(lines));
  });

  test("nova-compute survives when Pacemaker kills the agent's process group", async () => {
    const options = setup('normal');
    const parentScript = join(dir, 'agent.mts');
    writeFileSync(
      parentScript,
      [
        `import { commandSupervisor } from '${join(REPO, 'lib/nova-compute/command-supervisor')}';`,
        `import { Deadline } from '${join(REPO, 'lib/runtime/deadline')}';`,
        `import { log } from '${join(REPO, 'lib/runtime/log')}';`,
        `const { pid } = await commandSupervisor(JSON.parse(process.argv[2])).start(Deadline.in(20000), log);`,
        `process.stdout.write(JSON.stringify({ pid }) + '\\n');`,
        `setInterval(() => undefined, 1000);`,
      ].join('\n'),
    );
    // The agent leads its own process group, as Pacemaker's executor makes it (setpgid(0, 0)).
    const agent: ChildProcess = spawn(process.execPath, ['--import', 'tsx', parentScript, JSON.stringify(options)], {
      cwd: REPO,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    agent.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await until('the agent to start nova-compute', () => out.includes('"pid"'), 30_000);
      const pid = remember((JSON.parse(out.trim().split('\n')[0] as string) as { pid: number }).pid);
      process.kill(-(agent.pid as number), 'SIGKILL'); // the operation timeout
      await until('the agent to die', () => agent.exitCode !== null || agent.signalCode !== null);
      expect(alive(pid)).toBe(true);

      const supervisor = commandSupervisor(options);
      expect(await supervisor.status()).toMatchObject({ running: true, pid });
      await supervisor.stop(Deadline.in(10_000), memoryLog(lines));
      expect(alive(pid)).toBe(false);
    } finally {
      if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
    }
  });
});

describe('commandSupervisor.status over a fake /proc', () => {
  const make = (procRoot: string) =>
    commandSupervisor({
      command: '/usr/bin/nova-compute --config-file /etc/nova/nova.conf',
      user: 'nova',
      pidFile: join(dir, 'nova-compute.pid'),
      consoleLog: join(dir, 'console.log'),
      procRoot,
    });
  let procRoot: string;
  beforeEach(() => {
    procRoot = join(dir, 'proc');
    mkdirSync(procRoot);
  });

  test('of a forking nova-compute and a grep, the top nova-compute is adopted', async () => {
    const python = ['/usr/bin/python3', '/usr/bin/nova-compute', '--config-file', '/etc/nova/nova.conf'];
    addProcess(procRoot, { pid: 300, argv: ['grep', 'nova-compute'], start: 100 });
    addProcess(procRoot, { pid: 401, argv: python, ppid: 400, pgrp: 400, session: 400, start: 60 });
    addProcess(procRoot, { pid: 400, argv: python, ppid: 1, start: 50 });
    const status = await make(procRoot).status();
    expect(status).toMatchObject({ running: true, pid: 400 });
    expect(status.detail).toContain('adopted');
    expect(readPidFile(join(dir, 'nova-compute.pid'))).toBe(400);
  });

  test('the pid file names a zombie nova-compute: not running, the stale file removed', async () => {
    addProcess(procRoot, { pid: 500, argv: [], comm: 'nova-compute', state: 'Z' });
    writeFileSync(join(dir, 'nova-compute.pid'), '500\n');
    expect(await make(procRoot).status()).toMatchObject({ running: false });
    expect(existsSync(join(dir, 'nova-compute.pid'))).toBe(false);
  });

  test('the pid file names a live nova-compute: that one, without a scan', async () => {
    addProcess(procRoot, { pid: 600, argv: ['/usr/bin/nova-compute'] });
    addProcess(procRoot, { pid: 599, argv: ['/usr/bin/nova-compute'], start: 1 });
    writeFileSync(join(dir, 'nova-compute.pid'), '600\n');
    expect(await make(procRoot).status()).toEqual({ running: true, pid: 600, detail: 'pid 600' });
  });
});
