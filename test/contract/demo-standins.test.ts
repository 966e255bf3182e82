/**
 * The pieces the demo and the benchmarks stand on, without a cluster: the stand-in
 * attrd_updater and crm_attribute (outputs and exit codes as Pacemaker 2.1.5 prints them, in
 * the lab notes), and the driver that runs agents the way execd and fenced do.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecurringMonitor, STANDIN_DIR, runFence, runOcf, type OcfResource } from '../../scripts/lib/pacemaker-driver';

let dir = '';
let attrs = '';

function tool(name: 'attrd_updater' | 'crm_attribute', args: string[], env: Record<string, string> = {}) {
  return execa(join(STANDIN_DIR, name), args, {
    reject: false,
    env: { NOVA_HA_STANDIN_ATTRS: attrs, NOVA_HA_STANDIN_NODE: 'ctl1', ...env },
    extendEnv: true,
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'standins-'));
  attrs = join(dir, 'attrs.json');
  writeFileSync(attrs, JSON.stringify({ nodes: { ctl1: {}, 'cmp-a': { segment: 'segment-1' } } }));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('stand-in attrd_updater', () => {
  test('a missing attribute: rc 78 and the real message, in text and XML', async () => {
    const text = await tool('attrd_updater', ['-Q', '-n', 'nosuchattr', '-N', 'ctl1']);
    expect(text.exitCode).toBe(78);
    expect(text.stderr).toBe('attrd_updater: Could not query value of nosuchattr: attribute does not exist');
    const xml = await tool('attrd_updater', ['-Q', '-n', 'nosuchattr', '-N', 'ctl1', '--output-as=xml']);
    expect(xml.exitCode).toBe(78);
    expect(xml.stdout).toBe(
      [
        '<pacemaker-result api-version="2.25" request="attrd_updater -Q -n nosuchattr -N ctl1 --output-as=xml">',
        '  <status code="78" message="Invalid configuration">',
        '    <errors>',
        '      <error>attrd_updater: Could not query value of nosuchattr: attribute does not exist</error>',
        '    </errors>',
        '  </status>',
        '</pacemaker-result>',
      ].join('\n'),
    );
    expect((await tool('attrd_updater', ['-Q', '-A', '-n', 'nosuchattr'])).exitCode).toBe(78);
  });

  test("fence_compute's exact argv sets the value (-U wins over -Q); queries print as the real tool", async () => {
    const set = await tool('attrd_updater', ['-p', '-n', 'evacuate', '-Q', '-N', 'cmp-a', '-U', 'yes']);
    expect(set).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
    expect((await tool('attrd_updater', ['-Q', '-n', 'evacuate', '-N', 'cmp-a'])).stdout).toBe(
      'name="evacuate" host="cmp-a" value="yes"',
    );
    const all = await tool('attrd_updater', ['-Q', '-A', '-n', 'evacuate', '--output-as=xml']);
    expect(all.stdout).toBe(
      [
        '<pacemaker-result api-version="2.25" request="attrd_updater -Q -A -n evacuate --output-as=xml">',
        '  <attribute name="evacuate" value="yes" host="cmp-a"/>',
        '  <status code="0" message="OK"/>',
        '</pacemaker-result>',
      ].join('\n'),
    );
    // An existing attribute asked for a node without a value: value="" and rc 0.
    expect((await tool('attrd_updater', ['-Q', '-n', 'evacuate', '-N', 'ghost'])).stdout).toBe(
      'name="evacuate" host="ghost" value=""',
    );
  });

  test('-D empties the value but keeps the attribute; the in-progress marker round-trips', async () => {
    await tool('attrd_updater', ['-n', 'evacuate', '-U', 'ctl1@1795608416', '-N', 'ctl1']);
    expect((await tool('attrd_updater', ['-Q', '-n', 'evacuate', '-N', 'ctl1'])).stdout).toBe(
      'name="evacuate" host="ctl1" value="ctl1@1795608416"',
    );
    expect((await tool('attrd_updater', ['-D', '-n', 'evacuate', '-N', 'ctl1'])).exitCode).toBe(0);
    expect((await tool('attrd_updater', ['-Q', '-n', 'evacuate', '-N', 'ctl1'])).stdout).toBe('name="evacuate" host="ctl1" value=""');
  });

  test('without -N inside an agent, the value of the node the agent runs on', async () => {
    await tool('attrd_updater', ['-n', 'mark', '-U', 'here'], { OCF_RESKEY_CRM_meta_on_node: 'cmp-a' });
    const own = await tool('attrd_updater', ['-Q', '-n', 'mark'], { OCF_RESKEY_CRM_meta_on_node: 'cmp-a' });
    expect(own.stdout).toBe('name="mark" host="cmp-a" value="here"');
  });

  test('concurrent writers lose no update', async () => {
    const hosts = Array.from({ length: 16 }, (_, index) => `cmp-${index}`);
    await Promise.all(hosts.map((host) => tool('attrd_updater', ['-p', '-n', 'race', '-N', host, '-U', 'yes'])));
    const all = await tool('attrd_updater', ['-Q', '-A', '-n', 'race']);
    expect(all.stdout.split('\n').sort()).toEqual(hosts.map((host) => `name="race" host="${host}" value="yes"`).sort());
  });
});

describe('stand-in crm_attribute', () => {
  test('cluster properties: set silently, read in text and XML, delete', async () => {
    expect(await tool('crm_attribute', ['-t', 'crm_config', '-n', 'stonith-enabled', '-v', 'false'])).toMatchObject({ exitCode: 0, stdout: '' });
    expect((await tool('crm_attribute', ['-t', 'crm_config', '-n', 'stonith-enabled', '-G'])).stdout).toBe(
      'scope=crm_config  name=stonith-enabled value=false',
    );
    expect((await tool('crm_attribute', ['-t', 'crm_config', '-n', 'stonith-enabled', '-G', '--output-as=xml'])).stdout).toBe(
      [
        '<pacemaker-result api-version="2.25" request="crm_attribute -t crm_config -n stonith-enabled -G --output-as=xml">',
        '  <attribute name="stonith-enabled" value="false" scope="crm_config"/>',
        '  <status code="0" message="OK"/>',
        '</pacemaker-result>',
      ].join('\n'),
    );
    expect((await tool('crm_attribute', ['--type', 'crm_config', '-n', 'stonith-enabled', '-D'])).exitCode).toBe(0);
    expect((await tool('crm_attribute', ['--type', 'crm_config', '-n', 'stonith-enabled', '-G'])).exitCode).toBe(105);
  });

  test('node attributes: -G, -G -q, XML, missing (105), unknown node (105), delete', async () => {
    expect((await tool('crm_attribute', ['--type', 'nodes', '-N', 'ctl1', '-n', 'X', '-v', 'Y'])).exitCode).toBe(0);
    expect((await tool('crm_attribute', ['--type', 'nodes', '-N', 'ctl1', '-n', 'X', '-G'])).stdout).toBe('scope=nodes  name=X value=Y');
    expect((await tool('crm_attribute', ['--type', 'nodes', '-N', 'ctl1', '-n', 'X', '-G', '-q'])).stdout).toBe('Y');
    expect((await tool('crm_attribute', ['-n', 'segment', '-N', 'cmp-a', '-l', 'forever', '-G', '--output-as=xml'])).stdout).toContain(
      '<attribute name="segment" value="segment-1" scope="nodes"/>',
    );
    const missing = await tool('crm_attribute', ['--type', 'nodes', '-N', 'ctl1', '-n', 'nosuch', '-G']);
    expect(missing).toMatchObject({ exitCode: 105, stderr: 'crm_attribute: Error performing operation: No such device or address' });
    const missingXml = await tool('crm_attribute', ['--type', 'nodes', '-N', 'ctl1', '-n', 'nosuch', '-G', '--output-as=xml']);
    expect(missingXml.exitCode).toBe(105);
    expect(missingXml.stdout).toContain('<status code="105" message="No such object">');
    const unknown = await tool('crm_attribute', ['--type', 'nodes', '-N', 'nosuchnode', '-n', 'X', '-v', 'Y']);
    expect(unknown).toMatchObject({ exitCode: 105, stderr: 'crm_attribute: Could not map name=nosuchnode to a UUID' });
    expect((await tool('crm_attribute', ['--type', 'nodes', '-N', 'ctl1', '-n', 'X', '-D'])).stdout).toBe(
      'Deleted nodes attribute: id=nodes-ctl1-X name=X',
    );
  });

  test('the status section shows attrd values, never private ones', async () => {
    await tool('attrd_updater', ['-n', 'public-mark', '-N', 'cmp-a', '-U', 'v1']);
    expect((await tool('crm_attribute', ['--type', 'status', '-N', 'cmp-a', '-n', 'public-mark', '-G'])).stdout).toBe(
      'scope=status  name=public-mark value=v1',
    );
    await tool('attrd_updater', ['-p', '-n', 'private-mark', '-N', 'cmp-a', '-U', 'v2']);
    expect((await tool('crm_attribute', ['-l', 'reboot', '-N', 'cmp-a', '-n', 'private-mark', '-G'])).exitCode).toBe(105);
  });
});

describe("the project's lib/pacemaker wrappers on the stand-ins", () => {
  test('attrd and crm_attribute round trips', async () => {
    const { queryAttribute, queryAttributeAllNodes, updateAttribute } = await import('../../lib/pacemaker/attrd');
    const { getClusterProperty, getNodeAttribute, setNodeAttribute, deleteNodeAttribute } = await import('../../lib/pacemaker/crm-attribute');
    const env = { ...process.env, PATH: `${STANDIN_DIR}:${process.env['PATH'] ?? ''}`, NOVA_HA_STANDIN_ATTRS: attrs };
    await updateAttribute('wrapped', 'cmp-a', 'yes', { private: true, env });
    await updateAttribute('wrapped', 'cmp-b', 'ctl1@1795608416', { private: true, env });
    expect(await queryAttribute('wrapped', 'cmp-a', { env })).toBe('yes');
    expect(await queryAttribute('never-set', 'cmp-a', { env })).toBeUndefined();
    expect(await queryAttributeAllNodes('wrapped', { env })).toEqual(new Map([['cmp-a', 'yes'], ['cmp-b', 'ctl1@1795608416']]));
    expect(await getNodeAttribute('segment', 'cmp-a', { env })).toBe('segment-1');
    expect(await getNodeAttribute('segment', 'nosuchnode', { env })).toBeUndefined();
    await setNodeAttribute('reserved', 'cmp-a', 'true', { env });
    expect(await getNodeAttribute('reserved', 'cmp-a', { env })).toBe('true');
    await deleteNodeAttribute('reserved', 'cmp-a', { env });
    await deleteNodeAttribute('reserved', 'cmp-a', { env });
    expect(await getNodeAttribute('reserved', 'cmp-a', { env })).toBeUndefined();
    expect(await getClusterProperty('no-such-property', { env })).toBeUndefined();
  });
});

describe('driver', () => {
  function fakeAgent(body: string): string {
    const path = join(dir, `agent-${Math.random().toString(36).slice(2)}`);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }
  const cluster = () => ({ attrsFile: attrs, node: 'ctl1' });

  test('an OCF agent sees execd\'s environment, the stand-ins first on PATH, and its action as argv', async () => {
    const envFile = join(dir, 'env.txt');
    const agent = fakeAgent(`env > ${envFile}; echo "$1" >> ${envFile}; attrd_updater -Q -n evacuate -N cmp-a; exit 7`);
    const resource: OcfResource = { agent, instance: 'nova-evacuate', params: { auth_url: 'http://x', no_shared_storage: '1' }, cluster: cluster() };
    const result = await runOcf(resource, { action: 'monitor', timeoutMs: 20_000, intervalMs: 10_000 });
    expect(result.rc).toBe(7);
    expect(result.stdout).toBe('name="evacuate" host="cmp-a" value="yes"\n');
    const env = readFileSync(envFile, 'utf8');
    for (const line of [
      'OCF_ROOT=/usr/lib/ocf',
      'OCF_RESOURCE_INSTANCE=nova-evacuate',
      'OCF_RESKEY_auth_url=http://x',
      'OCF_RESKEY_no_shared_storage=1',
      'OCF_RESKEY_CRM_meta_timeout=20000',
      'OCF_RESKEY_CRM_meta_interval=10000',
      'OCF_RESKEY_CRM_meta_on_node=ctl1',
      'monitor',
    ]) {
      expect(env.split('\n')).toContain(line);
    }
    expect(env).toMatch(new RegExp(`^PATH=${STANDIN_DIR}:`, 'm'));
    expect(env).not.toMatch(/^HOME=/m);
  });

  test('a probe carries no interval', async () => {
    const agent = fakeAgent('echo "interval=${OCF_RESKEY_CRM_meta_interval:-none}"; exit 0');
    const result = await runOcf({ agent, instance: 'r', params: {}, cluster: cluster() }, { action: 'monitor', timeoutMs: 5000 });
    expect(result.stdout).toBe('interval=none\n');
  });

  test('at the timeout the whole process group is killed', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    const agent = fakeAgent(`sleep 60 & echo $! > ${pidFile}; wait`);
    const result = await runOcf({ agent, instance: 'r', params: {}, cluster: cluster() }, { action: 'start', timeoutMs: 500 });
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGKILL', rc: null });
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(`/proc/${grandchild}`) && !readFileSync(`/proc/${grandchild}/stat`, 'utf8').includes(') Z ')).toBe(false);
  });

  test('the exit reason line is picked out of stderr', async () => {
    const agent = fakeAgent('echo "ocf-exit-reason:auth_url not configured" >&2; exit 6');
    const result = await runOcf({ agent, instance: 'r', params: {}, cluster: cluster() }, { action: 'validate-all', timeoutMs: 5000 });
    expect(result).toMatchObject({ rc: 6, exitReason: 'auth_url not configured' });
  });

  test('a recurring monitor runs again after each one completes, until stopped', async () => {
    const counter = join(dir, 'count.txt');
    const agent = fakeAgent(`echo x >> ${counter}; exit 0`);
    const seen: number[] = [];
    const monitor = new RecurringMonitor(
      { agent, instance: 'r', params: {}, cluster: cluster() },
      { intervalMs: 10, timeoutMs: 5000, onResult: (result) => seen.push(result.rc ?? -1) },
    );
    monitor.start();
    while (monitor.count < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    await monitor.stop();
    const runs = readFileSync(counter, 'utf8').trim().split('\n').length;
    expect(runs).toBe(monitor.count);
    expect(seen.every((rc) => rc === 0)).toBe(true);
  });

  test('a fence agent gets its options on stdin and nothing on argv', async () => {
    const agent = fakeAgent('echo "argc=$#"; cat');
    const result = await runFence(agent, { action: 'off', plug: 'cmp-a', passwd: 's3cret' }, { ...cluster(), timeoutMs: 5000 });
    expect(result.rc).toBe(0);
    expect(result.stdout).toBe('argc=0\naction=off\nplug=cmp-a\npasswd=s3cret\n');
  });
});
