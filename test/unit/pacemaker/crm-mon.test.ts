import { afterAll, describe, expect, test } from '@jest/globals';
import { getClusterStatus, parseCrmMonXml } from '../../../lib/pacemaker/crm-mon';
import { listMembers, listNodes, localNodeName, parseMemberList } from '../../../lib/pacemaker/crm-node';
import { ClusterUnavailableError, ToolOutputError } from '../../../lib/pacemaker/errors';
import { CRM_MON_NO_DC_XML, CRM_MON_NOT_CONNECTED_XML, CRM_MON_STARTING_XML, CRM_MON_XML } from './fixtures';
import { StandIns } from './stand-ins';

const standIns = new StandIns();
const env = standIns.env();
afterAll(() => standIns.remove());

describe('parseCrmMonXml', () => {
  test('nodes, members and remotes alike, with their state', async () => {
    const status = await parseCrmMonXml(CRM_MON_XML);
    expect(status.nodes.map((node) => [node.name, node.type, node.online])).toEqual([
      ['ctl1', 'member', true],
      ['compute1', 'remote', true],
      ['compute2', 'remote', false],
    ]);
    expect(status.nodes[0]).toEqual({
      name: 'ctl1',
      id: '1',
      type: 'member',
      online: true,
      standby: false,
      maintenance: false,
      pending: false,
      unclean: false,
      shutdown: false,
      expectedUp: true,
      isDc: true,
      resourcesRunning: 2,
    });
    expect(status.nodes[1]?.standby).toBe(true);
    expect(status.nodes[2]).toMatchObject({ unclean: true, maintenance: true, isDc: false });
  });

  test('DC, quorum and pacemakerd state', async () => {
    const status = await parseCrmMonXml(CRM_MON_XML);
    expect(status.dc).toBe('ctl1');
    expect(status.quorate).toBe(true);
    expect(status.pacemakerdState).toBe('running');
  });

  test('node attributes per node', async () => {
    const { nodeAttributes } = await parseCrmMonXml(CRM_MON_XML);
    expect(Object.fromEntries(nodeAttributes.get('ctl1') ?? [])).toEqual({ osprole: 'controller', segment: 'az1' });
    expect(nodeAttributes.get('compute1')?.get('evacuate')).toBe('no');
    expect(nodeAttributes.has('compute2')).toBe(false);
  });

  test('fence history with pending, success and failed events', async () => {
    const { fenceHistory } = await parseCrmMonXml(CRM_MON_XML);
    expect(fenceHistory.map((event) => [event.target, event.status])).toEqual([
      ['compute2', 'pending'],
      ['compute-fake', 'success'],
      ['cfail', 'failed'],
    ]);
    expect(fenceHistory[0]?.completedMs).toBeUndefined();
    expect(fenceHistory[1]?.completedMs).toBe(Date.UTC(2026, 10, 25, 13, 1, 45));
    expect(fenceHistory[2]?.exitReason).toBe('device failed');
  });

  test('a cluster still starting: no DC, no nodes, fence history unknown rather than empty', async () => {
    const status = await parseCrmMonXml(CRM_MON_NO_DC_XML);
    expect(status.dc).toBeUndefined();
    expect(status.quorate).toBe(false);
    expect(status.nodes).toEqual([]);
    expect(status.fenceHistoryAvailable).toBe(false);
    expect((await parseCrmMonXml(CRM_MON_XML)).fenceHistoryAvailable).toBe(true);
  });

  test('"OK" with only a CIB connection error inside is ClusterUnavailableError', async () => {
    const parse = parseCrmMonXml(CRM_MON_STARTING_XML);
    await expect(parse).rejects.toBeInstanceOf(ClusterUnavailableError);
    await expect(parse).rejects.toThrow(/Could not connect to the CIB: Transport endpoint is not connected/);
  });

  test('a result without <nodes> is a ToolOutputError', async () => {
    await expect(parseCrmMonXml('<pacemaker-result><status code="0" message="OK"/></pacemaker-result>')).rejects.toThrow(
      'crm_mon printed output we cannot read (no <nodes> element)',
    );
  });
});

describe('getClusterStatus', () => {
  test('runs crm_mon -1 --output-as=xml', async () => {
    standIns.define('crm_mon', { stdout: CRM_MON_XML });
    expect((await getClusterStatus({ env })).nodes).toHaveLength(3);
    expect(standIns.calls('crm_mon')).toEqual([['-1', '--output-as=xml']]);
  });

  test('exit 0 with "Connection to cluster failed" is still ClusterUnavailableError', async () => {
    standIns.define('crm_mon', { exitCode: 0, stdout: 'crm_mon: Connection to cluster failed: Connection refused\n' });
    const status = getClusterStatus({ env });
    await expect(status).rejects.toBeInstanceOf(ClusterUnavailableError);
    await expect(status).rejects.toThrow(/crm_mon could not reach the cluster \(crm_mon: Connection to cluster failed/);
  });

  test('the same in XML with exit 0 (status code 102 inside the result)', async () => {
    standIns.define('crm_mon', { exitCode: 0, stdout: CRM_MON_NOT_CONNECTED_XML });
    await expect(getClusterStatus({ env })).rejects.toBeInstanceOf(ClusterUnavailableError);
  });

  test('exit 102 with the XML error', async () => {
    standIns.define('crm_mon', { exitCode: 102, stdout: CRM_MON_NOT_CONNECTED_XML });
    await expect(getClusterStatus({ env })).rejects.toThrow(/Could not connect to launcher: Connection refused/);
  });

  test('malformed XML names crm_mon and quotes what it printed', async () => {
    standIns.define('crm_mon', { stdout: '<pacemaker-result api-version="2.25"><nodes><node name="ctl1"' });
    const status = getClusterStatus({ env });
    await expect(status).rejects.toBeInstanceOf(ToolOutputError);
    await expect(status).rejects.toThrow(/^crm_mon printed output we cannot read \(malformed XML.*"<pacemaker-result api-version="2.25"><nodes><node name="ctl1""$/);
  });

  test('plain text that is not XML is a ToolOutputError', async () => {
    standIns.define('crm_mon', { stdout: 'Cluster Summary:\n  * Stack: corosync\n' });
    await expect(getClusterStatus({ env })).rejects.toThrow(/crm_mon printed output we cannot read \(expected XML\): "Cluster Summary:/);
  });
});

describe('crm_node', () => {
  test('-l lists members and lost peers, never the remotes', async () => {
    expect(parseMemberList('0 compute-fake lost\n1 ctl1 member\n')).toEqual([
      { id: '0', name: 'compute-fake', state: 'lost' },
      { id: '1', name: 'ctl1', state: 'member' },
    ]);
    standIns.define('crm_node', { stdout: '1 ctl1 member\n' });
    expect(await listMembers({ env })).toEqual([{ id: '1', name: 'ctl1', state: 'member' }]);
    expect(standIns.calls('crm_node')).toEqual([['-l']]);
  });

  test('a line that is not "<id> <name> <state>" is a ToolOutputError', () => {
    expect(() => parseMemberList('1 ctl1\n')).toThrow(/crm_node printed output we cannot read/);
  });

  test('listNodes includes the pacemaker_remote nodes crm_node -l leaves out', async () => {
    standIns.define('crm_mon', { stdout: CRM_MON_XML });
    expect((await listNodes({ env })).filter((node) => node.type === 'remote').map((node) => node.name)).toEqual([
      'compute1',
      'compute2',
    ]);
  });

  test('localNodeName asks crm_node -n outside an agent', async () => {
    standIns.define('crm_node', { stdout: 'ctl1\n' });
    expect(await localNodeName({ env })).toBe('ctl1');
    expect(standIns.calls('crm_node')).toEqual([['-n']]);
  });

  test('inside an agent it takes the name Pacemaker gave, as crm_node -n would, without a call', async () => {
    standIns.define('crm_node', { stdout: 'wrong\n' });
    expect(await localNodeName({ env: standIns.env({ OCF_RESKEY_CRM_meta_on_node: 'compute1' }) })).toBe('compute1');
    expect(standIns.calls('crm_node')).toEqual([]);
  });
});
