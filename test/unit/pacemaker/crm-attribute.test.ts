import { afterAll, describe, expect, test } from '@jest/globals';
import {
  deleteNodeAttribute,
  getClusterProperty,
  getNodeAttribute,
  parseCrmAttributeOutput,
  setNodeAttribute,
} from '../../../lib/pacemaker/crm-attribute';
import { ClusterUnavailableError, ToolFailedError, ToolOutputError } from '../../../lib/pacemaker/errors';
import { StandIns } from './stand-ins';

// Exact crm_attribute 2.1.5 outputs (shared/notes/pacemaker-lab.md §2 and §4).
const VALUE_XML = `<pacemaker-result api-version="2.25" request="crm_attribute --type nodes -N ctl1 -n X -G --output-as=xml">
  <attribute name="X" value="Y" scope="nodes"/>
  <status code="0" message="OK"/>
</pacemaker-result>
`;
const NO_SUCH_XML = `<pacemaker-result api-version="2.25" request="crm_attribute -t crm_config -n nosuch -G --output-as=xml">
  <status code="105" message="No such object">
    <errors>
      <error>crm_attribute: Error performing operation: No such device or address</error>
    </errors>
  </status>
</pacemaker-result>
`;
const NOT_CONNECTED_XML = `<pacemaker-result api-version="2.25" request="crm_attribute -n x -N ctl1 -G --output-as=xml">
  <status code="102" message="Not connected">
    <errors>
      <error>crm_attribute: Could not connect to the CIB: Transport endpoint is not connected</error>
    </errors>
  </status>
</pacemaker-result>
`;

const standIns = new StandIns();
const env = standIns.env();
afterAll(() => standIns.remove());

describe('parseCrmAttributeOutput', () => {
  test.each([
    ['XML', VALUE_XML, 'Y'],
    ['text (two spaces after the scope)', 'scope=status  name=evacuate value=ctl1@1795608416\n', 'ctl1@1795608416'],
    ['text with a value containing spaces', 'scope=nodes  name=X value=a b\n', 'a b'],
    ['-q', 'Y\n', 'Y'],
  ])('%s', async (_form, output, expected) => {
    expect(await parseCrmAttributeOutput(output)).toBe(expected);
  });

  test('XML without an <attribute> is a ToolOutputError', async () => {
    await expect(parseCrmAttributeOutput('<pacemaker-result><status code="0" message="OK"/></pacemaker-result>')).rejects.toThrow(
      'crm_attribute printed output we cannot read (no <attribute value=…> element)',
    );
  });

  test('several lines of text are a ToolOutputError', async () => {
    await expect(parseCrmAttributeOutput('a\nb\n')).rejects.toBeInstanceOf(ToolOutputError);
  });
});

describe('node attributes', () => {
  test('get asks for the lifetime and returns the value', async () => {
    standIns.define('crm_attribute', { stdout: VALUE_XML });
    expect(await getNodeAttribute('X', 'ctl1', { env, lifetime: 'reboot' })).toBe('Y');
    expect(standIns.calls('crm_attribute')).toEqual([['-n', 'X', '-N', 'ctl1', '-l', 'reboot', '-G', '--output-as=xml']]);
  });

  test('get defaults to -l forever', async () => {
    standIns.define('crm_attribute', { stdout: VALUE_XML });
    await getNodeAttribute('X', 'ctl1', { env });
    expect(standIns.calls('crm_attribute')[0]).toContain('forever');
  });

  test.each([
    ['a missing attribute', NO_SUCH_XML, ''],
    ['an unknown node', '', 'crm_attribute: Could not map name=nosuchnode to a UUID\n'],
  ])('exit 105 for %s is undefined', async (_case, stdout, stderr) => {
    standIns.define('crm_attribute', { exitCode: 105, stdout, stderr });
    expect(await getNodeAttribute('X', 'nosuchnode', { env })).toBeUndefined();
  });

  test('exit 102 is ClusterUnavailableError quoting the CIB message from the XML', async () => {
    standIns.define('crm_attribute', { exitCode: 102, stdout: NOT_CONNECTED_XML });
    const get = getNodeAttribute('x', 'ctl1', { env });
    await expect(get).rejects.toBeInstanceOf(ClusterUnavailableError);
    await expect(get).rejects.toThrow(/Could not connect to the CIB: Transport endpoint is not connected/);
  });

  test('set passes -v and fails loudly for an unknown node', async () => {
    standIns.define('crm_attribute', {});
    await setNodeAttribute('osprole', 'compute-1', 'compute', { env });
    expect(standIns.calls('crm_attribute')).toEqual([['-n', 'osprole', '-N', 'compute-1', '-l', 'forever', '-v', 'compute']]);
    standIns.define('crm_attribute', { exitCode: 105, stderr: 'crm_attribute: Could not map name=nosuchnode to a UUID\n' });
    const set = setNodeAttribute('osprole', 'nosuchnode', 'compute', { env });
    await expect(set).rejects.toBeInstanceOf(ToolFailedError);
    await expect(set).rejects.toThrow(/Could not map name=nosuchnode to a UUID/);
  });

  test('delete of something already gone (105) succeeds; another failure does not', async () => {
    standIns.define('crm_attribute', { exitCode: 105, stderr: 'crm_attribute: Could not map name=gone to a UUID\n' });
    await deleteNodeAttribute('osprole', 'gone', { env, lifetime: 'reboot' });
    expect(standIns.calls('crm_attribute')).toEqual([['-n', 'osprole', '-N', 'gone', '-l', 'reboot', '-D']]);
    standIns.define('crm_attribute', { exitCode: 13, stderr: 'crm_attribute: Permission denied\n' });
    await expect(deleteNodeAttribute('osprole', 'ctl1', { env })).rejects.toThrow(/exit code 13/);
  });
});

test('getClusterProperty reads crm_config', async () => {
  standIns.define('crm_attribute', {
    stdout: `<pacemaker-result api-version="2.25" request="crm_attribute -t crm_config -n stonith-enabled -G --output-as=xml">
  <attribute name="stonith-enabled" value="false" scope="crm_config"/>
  <status code="0" message="OK"/>
</pacemaker-result>
`,
  });
  expect(await getClusterProperty('stonith-enabled', { env })).toBe('false');
  expect(standIns.calls('crm_attribute')).toEqual([['-t', 'crm_config', '-n', 'stonith-enabled', '-G', '--output-as=xml']]);
});
