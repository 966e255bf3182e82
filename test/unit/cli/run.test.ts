/** Parsing and exit codes of the whole program, in process (no cloud needed). */
import { describe, expect, it } from '@jest/globals';
import { memoryIo } from '../../../lib/cli/io';
import { runCli } from '../../../lib/cli/run';

async function run(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo({ PATH: '/nonexistent', HOME: '/nonexistent', ...env });
  const code = await runCli(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('runCli', () => {
  it('--help lists every command and the exit codes, exit 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['status', 'plan', 'explain', 'evacuate', 'resume', 'doctor']) {
      expect(result.stdout).toMatch(new RegExp(`^ {2}${command} `, 'm'));
    }
    expect(result.stdout).toContain('5  timed out');
  });

  it.each([
    [['nonsense'], /unknown command 'nonsense'/],
    [['plan'], /missing required argument 'hosts'/],
    [['evacuate'], /missing required argument 'host'/],
    [['status', '--timeout', 'soon'], /expected a number of seconds/],
    [['plan', 'h', '--segment-source', 'dns'], /Allowed choices are none, node-attribute, aggregate/],
  ])('%p is a usage error (2)', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('no credentials at all: exit 2 naming what to configure', async () => {
    const result = await run(['evacuate', 'cmp-a']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('nova-ha: error: auth_url not configured\n');
  });

  it('a secret in an error message is never printed', async () => {
    const result = await run(['status', '--live', '--os-auth-url', 'not a url', '--os-username', 'u', '--os-password', 'hunter2-secret', '--os-project-name', 'p']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("auth_url 'not a url' is not a URL");
    expect(result.stderr).toContain('--os-password on the command line is visible');
    expect(result.stdout + result.stderr).not.toContain('hunter2-secret');
  });

  it('resume without crm_attribute on PATH fails (1) saying what to install', async () => {
    const result = await run(['resume']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('crm_attribute not found on PATH; install pacemaker-cli-utils');
  });
});
