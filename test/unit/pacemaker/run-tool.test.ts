import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { Deadline } from '../../../lib/runtime/deadline';
import { DeadlineError, NotInstalledError, PermissionError } from '../../../lib/runtime/errors';
import { ClusterUnavailableError, ToolFailedError } from '../../../lib/pacemaker/errors';
import { cleanToolEnvironment, expectSuccess, runTool } from '../../../lib/pacemaker/run-tool';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { StandIns } from './stand-ins';

const standIns = new StandIns();
afterAll(() => standIns.remove());

const AGENT_ENV = {
  OCF_RESKEY_CRM_meta_on_node: 'ctl1',
  OCF_RESKEY_CRM_meta_container_attribute_target: 'host',
  OCF_RESKEY_CRM_meta_physical_host: 'hv1',
  OCF_RESKEY_CRM_meta_timeout: '20000',
  OCF_RESOURCE_INSTANCE: 'nova-evacuate',
};

describe('the child environment', () => {
  beforeAll(() => standIns.define('attrd_updater', { stdout: 'name="evacuate" host="ctl1" value="yes"\n' }));

  test('drops the three node-target variables Pacemaker sets and keeps the rest', async () => {
    await runTool('attrd_updater', ['-Q', '-A', '-n', 'evacuate'], { env: standIns.env(AGENT_ENV) });
    const seen = standIns.lastEnv('attrd_updater');
    expect(seen.has('OCF_RESKEY_CRM_meta_on_node')).toBe(false);
    expect(seen.has('OCF_RESKEY_CRM_meta_container_attribute_target')).toBe(false);
    expect(seen.has('OCF_RESKEY_CRM_meta_physical_host')).toBe(false);
    expect(seen.get('OCF_RESKEY_CRM_meta_timeout')).toBe('20000');
    expect(seen.get('OCF_RESOURCE_INSTANCE')).toBe('nova-evacuate');
  });

  describe('taken from process.env by default', () => {
    const saved = { ...process.env };
    afterEach(() => {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    });

    test('is cleaned too', async () => {
      Object.assign(process.env, AGENT_ENV, { PATH: standIns.path });
      await runTool('attrd_updater', ['-Q']);
      const seen = standIns.lastEnv('attrd_updater');
      expect(seen.has('OCF_RESKEY_CRM_meta_on_node')).toBe(false);
      expect(seen.get('OCF_RESOURCE_INSTANCE')).toBe('nova-evacuate');
    });
  });

  test('cleanToolEnvironment leaves the input alone', () => {
    const input = { ...AGENT_ENV };
    const clean = cleanToolEnvironment(input);
    expect(Object.keys(clean).sort()).toEqual(['OCF_RESKEY_CRM_meta_timeout', 'OCF_RESOURCE_INSTANCE']);
    expect(input.OCF_RESKEY_CRM_meta_on_node).toBe('ctl1');
  });
});

describe('failures', () => {
  test('a tool missing from PATH is NotInstalledError naming it and its package', async () => {
    const call = runTool('crm_mon', ['-1'], { env: { PATH: `${standIns.dir}/nowhere` } });
    await expect(call).rejects.toBeInstanceOf(NotInstalledError);
    await expect(call).rejects.toThrow(/crm_mon not found on PATH; install pacemaker-cli-utils/);
  });

  test('a tool that is not executable is PermissionError', async () => {
    standIns.define('crm_node', { stdout: 'ctl1\n' });
    chmodSync(join(standIns.dir, 'crm_node'), 0o644);
    await expect(runTool('crm_node', ['-n'], { env: standIns.env() })).rejects.toBeInstanceOf(PermissionError);
  });

  test('a hung tool is stopped at the timeout and reported as DeadlineError', async () => {
    standIns.script('stonith_admin', 'exec sleep 30');
    const call = runTool('stonith_admin', ['--history', '*'], { env: standIns.env(), capMs: 300 });
    await expect(call).rejects.toBeInstanceOf(DeadlineError);
    await expect(call).rejects.toThrow(/stonith_admin --history \* did not finish within 300 ms/);
  });

  test('a hung tool whose own child keeps the pipe open still ends at the timeout', async () => {
    // Without the stream cut-off, execa would wait the full 20 s for the orphaned sleep and
    // this test would hit its own 10 s limit.
    standIns.script('crm_node', 'sleep 20; echo never');
    await expect(runTool('crm_node', ['-l'], { env: standIns.env(), capMs: 300 })).rejects.toBeInstanceOf(DeadlineError);
  }, 10_000);

  test('an expired deadline refuses to start the tool at all', async () => {
    standIns.define('crm_attribute', { stdout: 'x\n' });
    const expired = Deadline.in(-1);
    await expect(runTool('crm_attribute', ['-G'], { env: standIns.env(), deadline: expired })).rejects.toBeInstanceOf(
      DeadlineError,
    );
    expect(standIns.calls('crm_attribute')).toEqual([]);
  });

  test('the call gets what is left of the deadline when that is less than the cap', async () => {
    standIns.script('crm_attribute', 'exec sleep 30');
    const call = runTool('crm_attribute', ['-G'], { env: standIns.env(), deadline: Deadline.in(400), capMs: 60_000 });
    await expect(call).rejects.toThrow(/did not finish within (3\d\d|400) ms/);
  });

  test('exit 102 is ClusterUnavailableError quoting the tool and saying what to check', async () => {
    standIns.define('attrd_updater', {
      exitCode: 102,
      stderr: 'attrd_updater: Could not connect to attrd: Connection refused\n',
    });
    const call = runTool('attrd_updater', ['-Q', '-n', 'x', '-N', 'ctl1'], { env: standIns.env() });
    await expect(call).rejects.toBeInstanceOf(ClusterUnavailableError);
    await expect(call).rejects.toThrow(
      'attrd_updater could not reach the cluster (attrd_updater: Could not connect to attrd: Connection refused); ' +
        'check that corosync and pacemakerd run on this node (crm_mon -1), or pacemaker-remoted on a remote node',
    );
  });

  test('other exit codes are returned, and expectSuccess turns them into ToolFailedError', async () => {
    standIns.define('crm_attribute', { exitCode: 105, stderr: `crm_attribute: ${'x'.repeat(300)}\n` });
    const result = await runTool('crm_attribute', ['-G'], { env: standIns.env() });
    expect(result.exitCode).toBe(105);
    let failure: unknown;
    try {
      expectSuccess(result);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ToolFailedError);
    const message = (failure as Error).message;
    expect(message.startsWith('crm_attribute -G failed with exit code 105: crm_attribute: xxx')).toBe(true);
    // The quote is cut at 200 characters.
    expect(message.length).toBeLessThan(300);
    expect(message.endsWith('…')).toBe(true);
  });

  test('argv reaches the tool untouched: no shell, values with spaces and quotes stay one argument', async () => {
    standIns.define('attrd_updater', {});
    await runTool('attrd_updater', ['-n', 'evacuate', '-N', 'a b', '-U', `it's "$HOME" ; true`], { env: standIns.env() });
    expect(standIns.calls('attrd_updater')).toEqual([['-n', 'evacuate', '-N', 'a b', '-U', `it's "$HOME" ; true`]]);
  });
});

test('a failure printed only as XML is quoted by its <error> lines, not the XML around them', async () => {
  standIns.define('stonith_admin', {
    exitCode: 105,
    stdout: `<pacemaker-result api-version="2.25" request="stonith_admin --reboot nobody-can-fence-me --output-as=xml">
  <status code="105" message="No such object">
    <errors>
      <error>stonith_admin: Couldn't fence nobody-can-fence-me: No such device</error>
    </errors>
  </status>
</pacemaker-result>
`,
  });
  const result = await runTool('stonith_admin', ['--reboot', 'nobody-can-fence-me'], { env: standIns.env() });
  expect(() => expectSuccess(result)).toThrow(
    "stonith_admin --reboot nobody-can-fence-me failed with exit code 105: stonith_admin: Couldn't fence nobody-can-fence-me: No such device",
  );
});
