import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFenceAgent } from '../../../lib/fence';
import { capture, newDevice, testAgent, type Device } from './test-agent';

const creds = 'auth_url=http://keystone:5000/v3\n';

function run(device: Device, stdin: string, shape: Parameters<typeof testAgent>[1] = {}, env: NodeJS.ProcessEnv = {}) {
  return capture((io) => runFenceAgent(testAgent(device, shape), io), { stdin, env });
}

describe('power actions and exit codes', () => {
  it('status: ON exits 0, OFF exits 2, an unknown plug exits 1', async () => {
    const device = newDevice();
    expect(await run(device, 'action=status\nplug=node1\n')).toMatchObject({ code: 0, stdout: 'Status: ON\n' });
    expect(await run(device, 'action=status\nport=node2\n')).toMatchObject({ code: 2, stdout: 'Status: OFF\n' });
    const missing = await run(device, 'action=status\nplug=node9\n');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('Failed: no plug named node9');
  });

  it('off powers off and confirms by polling; a second off says Already OFF', async () => {
    const device = newDevice();
    expect(await run(device, 'action=off\nplug=node1\n')).toMatchObject({ code: 0, stdout: 'Success: Powered OFF\n' });
    expect(device.plugs.get('node1')).toBe('off');
    expect(device.calls).toEqual(['status node1', 'off node1', 'status node1']);
    expect(await run(device, 'action=off\nplug=node1\n')).toMatchObject({ code: 0, stdout: 'Success: Already OFF\n' });
  });

  it('on that never takes effect fails after retry_on extra attempts, within power_timeout', async () => {
    const device = newDevice();
    device.stuck.add('node2');
    const result = await run(device, 'action=on\nplug=node2\npower_timeout=0\nretry_on=2\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Failed: Timed out waiting to power ON');
    expect(device.calls.filter((call) => call === 'on node2')).toHaveLength(3);
  });

  it('reboot is off then on and prints Rebooted; it is the default action of a power agent', async () => {
    const device = newDevice();
    expect(await run(device, 'plug=node1\n')).toMatchObject({ code: 0, stdout: 'Success: Rebooted\n' });
    expect(device.calls).toEqual(['status node1', 'off node1', 'status node1', 'on node1', 'status node1']);
    expect(device.plugs.get('node1')).toBe('on');
  });

  it('reboot still succeeds when power-on fails after a successful off', async () => {
    const device = newDevice();
    device.stuck.add('node2'); // already off; on never takes
    const result = await run(device, 'action=reboot\nplug=node2\npower_timeout=0\n');
    expect(result).toMatchObject({ code: 0, stdout: 'Success: Rebooted\n' });
    expect(result.stderr).toContain('Timed out waiting to power ON');
  });

  it('refuses power actions without a plug, in the classic words', async () => {
    const result = await run(newDevice(), 'action=off\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Failed: You have to enter plug number or machine identification');
  });

  it('refuses an unknown action', async () => {
    const result = await run(newDevice(), 'action=explode\nplug=node1\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Failed: Unrecognised action 'explode'");
  });

  it('reports invalid values and stops before touching the device', async () => {
    const device = newDevice();
    const result = await run(device, 'action=off\nplug=node1\nretries=many\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--retries is not a valid integer');
    expect(device.calls).toEqual([]);
  });

  it('fails the action when action_timeout runs out', async () => {
    const device = newDevice();
    device.stuck.add('node1');
    const result = await run(device, 'action=off\nplug=node1\npower_timeout=30\naction_timeout=1\nstonith_status_sleep=1\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Failed: (timed out|Timed out)/);
  });
});

describe('fabric fencing semantics', () => {
  const fabric = { fabricFencing: true };

  it('defaults to off and refuses reboot', async () => {
    const device = newDevice();
    expect(await run(device, 'plug=node1\n', fabric)).toMatchObject({ code: 0, stdout: 'Success: Powered OFF\n' });
    const reboot = await run(device, 'action=reboot\nplug=node1\n', fabric);
    expect(reboot.code).toBe(1);
    expect(reboot.stderr).toContain("Failed: Unrecognised action 'reboot'");
  });

  it('takes enable/disable as on/off', async () => {
    const device = newDevice();
    expect(await run(device, 'action=disable\nplug=node1\n', fabric)).toMatchObject({ code: 0, stdout: 'Success: Powered OFF\n' });
    expect(await run(device, 'action=enable\nplug=node1\n', fabric)).toMatchObject({ code: 0, stdout: 'Success: Powered ON\n' });
    expect((await run(device, 'action=enable\nplug=node1\n')).code).toBe(1); // not for power agents
  });

  it('with alwaysSetPower, acts even when the plug is already in the target state', async () => {
    const device = newDevice();
    const result = await run(device, 'action=off\nplug=node2\n', { ...fabric, alwaysSetPower: true });
    expect(result).toMatchObject({ code: 0, stdout: 'Success: Powered OFF\n' });
    expect(device.calls).toEqual(['off node2', 'status node2']);
  });
});

describe('list, monitor, validate-all, docs', () => {
  it('lists plugs as id,alias and id,alias,STATUS with the chosen separator', async () => {
    const device = newDevice();
    expect((await run(device, 'action=list\n')).stdout).toBe('node1,node1-alias\nnode2,node2-alias\n');
    expect((await run(device, 'action=list-status\nseparator=;\n')).stdout).toBe('node1;node1-alias;ON\nnode2;node2-alias;OFF\n');
  });

  it('monitor needs no plug and succeeds when the device lists', async () => {
    expect(await run(newDevice(), 'action=monitor\n')).toMatchObject({ code: 0, stdout: '' });
  });

  it('validate-all runs the agent checks without a plug: 0 when valid, 1 with the reason', async () => {
    expect((await run(newDevice(), `action=validate-all\n${creds}`)).code).toBe(0);
    const bad = await run(newDevice(), 'action=validate-all\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('auth_url is empty');
  });

  it('answers metadata (and meta-data), manpage, help and version without loading handlers', async () => {
    let loaded = 0;
    const base = testAgent(newDevice());
    const lazy = { ...base, handlers: async () => { loaded += 1; return base.handlers as Exclude<typeof base.handlers, () => unknown>; } };
    for (const stdin of ['action=metadata\n', 'action=meta-data\n', 'action=manpage\n']) {
      const result = await capture((io) => runFenceAgent(lazy, io), { stdin });
      expect(result.code).toBe(0);
    }
    expect((await capture((io) => runFenceAgent(lazy, io), { argv: ['-h'] })).stdout).toContain('--auth-url=[url]');
    expect((await capture((io) => runFenceAgent(lazy, io), { argv: ['--version'] })).stdout).toBe('9.9.9\n');
    expect(loaded).toBe(0);
    expect((await capture((io) => runFenceAgent(lazy, io), { stdin: 'action=list\n' })).code).toBe(0);
    expect(loaded).toBe(1);
  });

  it('reads argv instead of stdin when there are arguments', async () => {
    const device = newDevice();
    const result = await capture((io) => runFenceAgent(testAgent(device), io), {
      argv: ['-o', 'status', '-n', 'node2'],
      stdin: 'action=off\nplug=node1\n',
    });
    expect(result).toMatchObject({ code: 2, stdout: 'Status: OFF\n' });
  });

  it('rejects a bad command line with a pointer to -h', async () => {
    const result = await capture((io) => runFenceAgent(testAgent(newDevice()), io), { argv: ['--frobnicate'] });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('option --frobnicate not recognized');
    expect(result.stderr).toContain("Please use '-h' for usage");
  });
});

describe('secrets, passwords and logging', () => {
  it('takes the password from password_script and never logs it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fence-pw-'));
    const script = join(dir, 'pw.sh');
    writeFileSync(script, '#!/bin/sh\necho "hunter2-from-script"\n');
    chmodSync(script, 0o755);
    const device = newDevice();
    const result = await run(device, `action=off\nplug=node1\npasswd_script=${script}\nverbose=1\n`);
    expect(result.code).toBe(0);
    expect(device.seen[0]).toMatchObject({ password: 'hunter2-from-script' });
    expect(result.stderr).not.toContain('hunter2');
  });

  it('fails clearly when password_script fails', async () => {
    const result = await run(newDevice(), 'action=off\nplug=node1\npassword_script=exit 3\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('password_script exited with 3');
  });

  it('redacts secret option values from log lines', async () => {
    const device = newDevice();
    const result = await run(device, 'action=status\nplug=nodeX-secretvalue\ntoken=nodeX-secretvalue\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no plug named ****');
    expect(result.stderr).not.toContain('secretvalue');
  });

  it('verbose shows debug lines, quiet silences stderr, debug_file gets debug lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fence-log-'));
    const file = join(dir, 'debug.log');
    const verbose = await run(newDevice(), 'action=status\nplug=node1\nverbose=yes\n');
    expect(verbose.stderr).toContain('DEBUG: running status for node1');
    const plain = await run(newDevice(), 'action=status\nplug=node1\n');
    expect(plain.stderr).not.toContain('DEBUG');
    const quiet = await run(newDevice(), `action=status\nplug=node9\nquiet=1\ndebug_file=${file}\n`);
    expect(quiet).toMatchObject({ code: 1, stderr: '' });
    const logged = readFileSync(file, 'utf8');
    expect(logged).toContain('DEBUG: running status for node9');
    expect(logged).toContain('Failed: no plug named node9');
  });

  it('warns about unknown stdin keys and ignores nodename', async () => {
    const result = await run(newDevice(), 'action=status\nplug=node1\nnodename=node1\nfoo=bar\n');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("Ignoring unknown option 'foo'");
    expect(result.stderr).not.toContain('nodename');
  });
});
