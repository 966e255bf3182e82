/**
 * The lib/pacemaker wrappers against a REAL one-node Pacemaker 2.1.5 (node ctl1), started by
 * scripts/test-pacemaker (scripts/pcmk-lab/up). Attribute and host names carry this run's pid,
 * so reruns against a lab that stays up do not see each other's values.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import {
  deleteAttribute,
  queryAttribute,
  queryAttributeAllNodes,
  updateAttribute,
  waitForAttribute,
} from '../../lib/pacemaker/attrd';
import { deleteNodeAttribute, getNodeAttribute, setNodeAttribute } from '../../lib/pacemaker/crm-attribute';
import { getClusterStatus } from '../../lib/pacemaker/crm-mon';
import { listMembers, listNodes, localNodeName } from '../../lib/pacemaker/crm-node';
import { ToolFailedError } from '../../lib/pacemaker/errors';
import { parseEvacuateValue } from '../../lib/pacemaker/evacuate-attribute';
import { fenceHistory, lastFenced, listRegisteredDevices, newestFenceEvent } from '../../lib/pacemaker/stonith-admin';
import { Deadline } from '../../lib/runtime/deadline';

const NODE = 'ctl1';
const run = process.pid;
const ATTRIBUTE = `nova-ha-test-evacuate-${run}`;
const GHOST = `compute-ghost-${run}`;
// Real tools live in /usr/sbin, which a non-login shell's PATH may lack.
const PATH = `/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ''}`;
const env = { ...process.env, PATH };
const soon = () => Deadline.in(15_000);

beforeAll(async () => {
  let online = false;
  try {
    const status = await getClusterStatus({ env });
    online = status.nodes.some((node) => node.name === NODE && node.online);
  } catch {
    online = false;
  }
  if (!online) throw new Error(`no lab cluster with ${NODE} online: run scripts/test-pacemaker (or scripts/pcmk-lab/up)`);
});

describe('attrd_updater against the real attrd', () => {
  test('a private update for a second, unknown host and for ctl1, read back per node and all nodes', async () => {
    await updateAttribute(ATTRIBUTE, GHOST, 'yes', { env, private: true });
    await updateAttribute(ATTRIBUTE, NODE, 'ctl1@1795608416', { env, private: true });
    // -U is asynchronous on 2.1.5: read back before asserting.
    await waitForAttribute(ATTRIBUTE, GHOST, (value) => value === 'yes', soon(), { env });
    await waitForAttribute(ATTRIBUTE, NODE, (value) => value === 'ctl1@1795608416', soon(), { env });

    expect(parseEvacuateValue(await queryAttribute(ATTRIBUTE, NODE, { env }))).toEqual({
      kind: 'in-progress',
      by: 'ctl1',
      since: 1795608416,
    });
    const all = await queryAttributeAllNodes(ATTRIBUTE, { env });
    expect(all.get(GHOST)).toBe('yes');
    expect(all.get(NODE)).toBe('ctl1@1795608416');
  });

  test('an existing attribute asked for a node without a value answers ""', async () => {
    expect(await queryAttribute(ATTRIBUTE, `nobody-${run}`, { env })).toBe('');
  });

  test('the CRM_meta_on_node trap: the bare tool sees one host, our wrapper sees all', async () => {
    const agentEnv = { ...env, OCF_RESKEY_CRM_meta_on_node: NODE };
    // What the classic NovaEvacuate's `attrd_updater -n evacuate -A` gets inside an agent on 2.1.5.
    const bare = await execa('attrd_updater', ['-Q', '-A', '-n', ATTRIBUTE], { env: agentEnv, extendEnv: false, timeout: 15_000 });
    expect(bare.stdout.trim().split('\n')).toEqual([`name="${ATTRIBUTE}" host="${NODE}" value="ctl1@1795608416"`]);

    // The same variable in OUR process environment, as Pacemaker sets it for every agent run;
    // the wrapper starts from process.env by default.
    const saved = { onNode: process.env.OCF_RESKEY_CRM_meta_on_node, path: process.env.PATH };
    process.env.OCF_RESKEY_CRM_meta_on_node = NODE;
    process.env.PATH = PATH;
    try {
      const all = await queryAttributeAllNodes(ATTRIBUTE);
      expect(new Set(all.keys())).toEqual(new Set([GHOST, NODE]));
      expect(all.get(GHOST)).toBe('yes');
    } finally {
      if (saved.onNode === undefined) delete process.env.OCF_RESKEY_CRM_meta_on_node;
      else process.env.OCF_RESKEY_CRM_meta_on_node = saved.onNode;
      process.env.PATH = saved.path;
    }
  });

  test('a private attribute never reaches the CIB, a plain one does', async () => {
    const plain = `${ATTRIBUTE}-plain`;
    await updateAttribute(plain, NODE, 'visible', { env });
    const deadline = soon();
    while ((await getNodeAttribute(plain, NODE, { env, lifetime: 'reboot' })) !== 'visible') {
      deadline.check(`waiting for ${plain} to reach the CIB`);
      await deadline.sleep(100);
    }
    expect(await getNodeAttribute(ATTRIBUTE, NODE, { env, lifetime: 'reboot' })).toBeUndefined();
  });

  test('delete empties the value; attrd keeps listing the host', async () => {
    await deleteAttribute(ATTRIBUTE, GHOST, { env });
    await waitForAttribute(ATTRIBUTE, GHOST, (value) => value === '', soon(), { env });
    const all = await queryAttributeAllNodes(ATTRIBUTE, { env });
    expect(all.get(GHOST)).toBe('');
    expect(parseEvacuateValue(all.get(GHOST))).toEqual({ kind: 'never' });
  });

  test('an attribute that does not exist (exit 78) is undefined and an empty map', async () => {
    expect(await queryAttribute(`nosuchattr-${run}`, NODE, { env })).toBeUndefined();
    expect((await queryAttributeAllNodes(`nosuchattr-${run}`, { env })).size).toBe(0);
  });
});

describe('crm_attribute against the real CIB', () => {
  const name = `nova-ha-test-segment-${run}`;

  test('set, get and delete a permanent node attribute', async () => {
    await setNodeAttribute(name, NODE, 'az1', { env });
    expect(await getNodeAttribute(name, NODE, { env })).toBe('az1');
    await deleteNodeAttribute(name, NODE, { env });
    expect(await getNodeAttribute(name, NODE, { env })).toBeUndefined();
    // Deleting again is not an error.
    await deleteNodeAttribute(name, NODE, { env });
  });

  test('exit 105: a missing attribute and an unknown node read as undefined; setting on an unknown node fails', async () => {
    expect(await getNodeAttribute(`nosuch-${run}`, NODE, { env })).toBeUndefined();
    expect(await getNodeAttribute(name, `nosuchnode-${run}`, { env })).toBeUndefined();
    const set = setNodeAttribute(name, `nosuchnode-${run}`, 'x', { env });
    await expect(set).rejects.toBeInstanceOf(ToolFailedError);
    await expect(set).rejects.toThrow(/exit code 105: crm_attribute: Could not map name=nosuchnode-\d+ to a UUID/);
  });
});

describe('nodes', () => {
  test('crm_mon lists ctl1 as an online member and DC; crm_node agrees', async () => {
    const status = await getClusterStatus({ env });
    expect(status.dc).toBe(NODE);
    expect(status.quorate).toBe(true);
    const ctl1 = (await listNodes({ env })).find((node) => node.name === NODE);
    expect(ctl1).toMatchObject({ type: 'member', online: true, unclean: false, isDc: true });
    expect(await listMembers({ env })).toContainEqual({ id: '1', name: NODE, state: 'member' });
    expect(await localNodeName({ env: { PATH } })).toBe(NODE);
  });
});

describe('stonith_admin against the real fencer', () => {
  const device = `st-test-${run}`;
  const target = `compute-fake-${run}`;

  beforeAll(async () => {
    await execa(
      'stonith_admin',
      ['--register', device, '--agent', 'fence_dummy', '-o', `pcmk_host_list=${target}`, '-o', 'type=file', '-o', `status_file=/tmp/${device}.status`],
      { env, timeout: 15_000 },
    );
  });
  afterAll(async () => {
    await execa('stonith_admin', ['--deregister', device], { env, timeout: 15_000, reject: false });
  });

  test('a node never fenced has no last-fenced time and no history', async () => {
    expect(await lastFenced(target, { env })).toBeUndefined();
    expect(await fenceHistory(target, { env })).toEqual([]);
  });

  test('after two fencings the newest is the later one, unlike plain --history', async () => {
    expect(await listRegisteredDevices({ env })).toContain(device);
    await execa('stonith_admin', ['--reboot', target, '--timeout', '20'], { env, timeout: 30_000 });
    // Completion times have one-second resolution.
    await Deadline.in(1_100).sleep(1_100);
    await execa('stonith_admin', ['--reboot', target, '--timeout', '20'], { env, timeout: 30_000 });

    const history = await fenceHistory(target, { env });
    expect(history).toHaveLength(2);
    const newest = await newestFenceEvent(target, { env });
    const times = history.map((event) => event.completedMs ?? 0);
    expect(newest?.completedMs).toBe(Math.max(...times));
    expect(newest?.status).toBe('success');
    expect(await lastFenced(target, { env })).toBe(newest?.completedMs);

    // The 2.1.5 bug our wrapper avoids: plain --history reports the OLDEST success.
    const plain = await execa('stonith_admin', ['--history', target], { env, timeout: 15_000 });
    const oldest = history.reduce((a, b) => ((a.completedMs ?? 0) <= (b.completedMs ?? 0) ? a : b));
    expect(plain.stdout).toContain(`last-successful='${oldest.completed}'`);

    const fromCrmMon = (await getClusterStatus({ env })).fenceHistory.filter((event) => event.target === target);
    expect(fromCrmMon).toHaveLength(2);
  });
});
