/**
 * The systemd supervisor and chooseSupervisor against test/standins/systemctl, which keeps unit
 * states in a JSON file and runs each unit's command as its main process.
 */
import { chmodSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseSupervisor } from '../../../lib/nova-compute/choose-supervisor';
import { isLive, readProcess } from '../../../lib/nova-compute/proc';
import { systemdRuns } from '../../../lib/nova-compute/supervisor';
import { findUnit, systemdSupervisor } from '../../../lib/nova-compute/systemd-supervisor';
import { Deadline } from '../../../lib/runtime/deadline';
import { AgentError, DeadlineError, NotInstalledError } from '../../../lib/runtime/errors';
import type { Log } from '../../../lib/runtime/log';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const SYSTEMCTL = join(REPO, 'test', 'standins', 'systemctl');

const SCRIPTS = {
  normal: `#!/bin/sh
trap 'echo "got TERM"; exit 0' TERM
echo "nova-compute up"
while :; do sleep 0.1; done
`,
  ignoreTerm: `#!/bin/sh
trap '' TERM
echo "ignoring TERM"
while :; do sleep 0.1; done
`,
  failStart: `#!/bin/sh
echo "ERROR nova.cmd: cannot reach the message queue" >&2
exit 1
`,
};

let dir: string;
let statePath: string;
let env: NodeJS.ProcessEnv;
let lines: string[];

function memoryLog(): Log {
  const at = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  const log: Log = { debug: at('debug'), info: at('info'), notice: at('notice'), warn: at('warn'), error: at('error'), child: () => log };
  return log;
}

function units(spec: Record<string, { script: keyof typeof SCRIPTS; activatingMs?: number; stopTimeoutMs?: number }>): void {
  const out: Record<string, unknown> = {};
  for (const [name, { script, ...rest }] of Object.entries(spec)) {
    const path = join(dir, `${name}.sh`);
    writeFileSync(path, SCRIPTS[script], { mode: 0o755 });
    chmodSync(path, 0o755);
    out[name] = { command: [path], ...rest };
  }
  writeFileSync(statePath, JSON.stringify({ units: out }));
}

function unitPid(name: string): number {
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as { units: Record<string, { pid?: number }> };
  return state.units[name]?.pid ?? 0;
}

const supervisor = (unit = 'nova-compute.service') => systemdSupervisor({ unit, systemctl: SYSTEMCTL, env, settleMs: 300 });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nc-systemd-'));
  statePath = join(dir, 'systemd.json');
  env = { ...process.env, NOVA_HA_STANDIN_SYSTEMD: statePath };
  lines = [];
});

afterEach(() => {
  // Whatever a test left running: its unit's main process group.
  try {
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as { units: Record<string, { pid?: number }> };
    for (const unit of Object.values(state.units)) {
      if (unit.pid && isLive(readProcess(unit.pid)) && readProcess(unit.pid)?.argv.some((a) => a.startsWith(dir))) {
        process.kill(-unit.pid, 'SIGKILL');
      }
    }
  } catch {
    // no state file
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('systemdSupervisor', () => {
  test('start, status with the main pid, idempotent start, stop by SIGTERM, stop again', async () => {
    units({ 'nova-compute.service': { script: 'normal' } });
    const unit = supervisor();
    expect(unit.description).toBe('systemd unit nova-compute.service');
    expect(await unit.status()).toEqual({ running: false, detail: 'unit inactive' });

    const { pid } = await unit.start(Deadline.in(15_000), memoryLog());
    expect(pid).toBe(unitPid('nova-compute.service'));
    expect(await unit.status()).toEqual({ running: true, pid, detail: `unit active, pid ${pid}` });
    expect((await unit.start(Deadline.in(15_000), memoryLog())).pid).toBe(pid);
    expect(lines.join('\n')).toContain('already active');

    await unit.stop(Deadline.in(15_000), memoryLog());
    expect(isLive(readProcess(pid as number))).toBe(false);
    expect((await unit.status()).running).toBe(false);
    await unit.stop(Deadline.in(15_000), memoryLog());
    expect(lines.join('\n')).toContain('already stopped (inactive)');
  });

  test('activating counts as starting: start waits until active', async () => {
    units({ 'nova-compute.service': { script: 'normal', activatingMs: 1_000 } });
    const unit = supervisor();
    const { pid } = await unit.start(Deadline.in(15_000), memoryLog());
    expect(await unit.status()).toMatchObject({ running: true, pid, detail: expect.stringContaining('unit active') });
  });

  test('still activating at the deadline: DeadlineError, not success', async () => {
    units({ 'nova-compute.service': { script: 'normal', activatingMs: 600_000 } });
    const error = await supervisor().start(Deadline.in(4_000), memoryLog()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineError);
    expect((error as Error).message).toContain('still activating');
  });

  test("a unit that fails at start: generic error with systemctl status's tail", async () => {
    units({ 'nova-compute.service': { script: 'failStart' } });
    const error = await supervisor().start(Deadline.in(15_000), memoryLog()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentError);
    expect((error as AgentError).kind).toBe('generic');
    expect((error as Error).message).toMatch(/systemctl start nova-compute.service failed \(exit 1/);
    expect((error as Error).message).toContain('cannot reach the message queue');
  });

  test('a main process that died later shows as a failed unit, not running', async () => {
    units({ 'nova-compute.service': { script: 'normal' } });
    const unit = supervisor();
    const { pid } = await unit.start(Deadline.in(15_000), memoryLog());
    process.kill(-(pid as number), 'SIGKILL');
    const deadline = Deadline.in(10_000);
    while (isLive(readProcess(pid as number)) && !deadline.expired()) await deadline.sleep(50);
    expect(await unit.status()).toEqual({ running: false, detail: 'unit failed' });
  });

  test('a stop that would overrun the deadline is finished with SIGKILL before it', async () => {
    units({ 'nova-compute.service': { script: 'ignoreTerm', stopTimeoutMs: 600_000 } });
    // A generous margin: each call of this stand-in starts a Node process, slow on a loaded machine.
    const unit = systemdSupervisor({ unit: 'nova-compute.service', systemctl: SYSTEMCTL, env, settleMs: 300, killMarginMs: 4_000 });
    const { pid } = await unit.start(Deadline.in(15_000), memoryLog());
    await unit.stop(Deadline.in(8_000), memoryLog());
    expect(isLive(readProcess(pid as number))).toBe(false);
    expect(lines.join('\n')).toContain('did not stop in time; sending SIGKILL');
  });

  test('an unknown unit cannot start', async () => {
    units({});
    const error = await supervisor('nova-compute.service').start(Deadline.in(10_000), memoryLog()).catch((e: unknown) => e);
    expect((error as Error).message).toContain('Unit nova-compute.service not found');
  });

  test('systemctl missing is not installed', async () => {
    const unit = systemdSupervisor({ unit: 'nova-compute.service', systemctl: join(dir, 'no-systemctl'), env });
    await expect(unit.status()).rejects.toThrow(NotInstalledError);
  });
});

describe('findUnit, systemdRuns, chooseSupervisor', () => {
  // A name no other process on this machine has: the command supervisor adopts any nova-compute it finds.
  const command = () => join(dir, 'nova-compute-choose-test');
  const params = (extra: { unit?: string } = {}) => ({
    command: command(),
    user: 'nova',
    pidFile: join(dir, 'nova-compute.pid'),
    consoleLog: join(dir, 'console.log'),
    env,
    ...extra,
  });

  test('findUnit: the first candidate systemd knows', async () => {
    units({ 'nova-compute.service': { script: 'normal' } });
    const candidates = ['openstack-nova-compute.service', 'nova-compute.service'];
    expect(await findUnit(candidates, 10_000, { systemctl: SYSTEMCTL, env })).toBe('nova-compute.service');
    units({ 'openstack-nova-compute.service': { script: 'normal' }, 'nova-compute.service': { script: 'normal' } });
    expect(await findUnit(candidates, 10_000, { systemctl: SYSTEMCTL, env })).toBe('openstack-nova-compute.service');
    units({});
    expect(await findUnit(candidates, 10_000, { systemctl: SYSTEMCTL, env })).toBeUndefined();
  });

  test('systemdRuns: the runtime directory exists', () => {
    expect(systemdRuns(join(dir, 'run', 'systemd', 'system'))).toBe(false);
    mkdirSync(join(dir, 'run', 'systemd', 'system'), { recursive: true });
    expect(systemdRuns(join(dir, 'run', 'systemd', 'system'))).toBe(true);
  });

  test('a unit named in the parameters wins, whether systemd runs or not', () => {
    const chosen = chooseSupervisor(params({ unit: 'my-nova.service' }), { systemdRuns: () => false });
    expect(chosen.description).toBe('systemd unit my-nova.service');
  });

  test('no systemd: the command', () => {
    const chosen = chooseSupervisor(params({ unit: '  ' }), { systemdRuns: () => false });
    expect(chosen.description).toBe(`${command()} as nova (pid file ${join(dir, 'nova-compute.pid')})`);
  });

  test('systemd runs: the unit it knows, decided on first use', async () => {
    units({ 'nova-compute.service': { script: 'normal' } });
    const chosen = chooseSupervisor(params(), { systemdRuns: () => true, systemctl: SYSTEMCTL });
    expect(chosen.description).toContain('whichever exists');
    expect(await chosen.status()).toEqual({ running: false, detail: 'unit inactive' });
    expect(chosen.description).toBe('systemd unit nova-compute.service');
    const { pid } = await chosen.start(Deadline.in(15_000), memoryLog());
    expect(pid).toBe(unitPid('nova-compute.service'));
    await chosen.stop(Deadline.in(15_000), memoryLog());
  });

  test('systemd runs but knows no nova-compute unit: the command', async () => {
    units({});
    const chosen = chooseSupervisor(params(), { systemdRuns: () => true, systemctl: SYSTEMCTL });
    expect((await chosen.status()).running).toBe(false);
    expect(chosen.description).toContain(`${command()} as nova`);
  });
});
