import { afterAll, beforeEach, describe, expect, test } from '@jest/globals';
import {
  deleteAttribute,
  parseAttrdOutput,
  parseAttrdText,
  queryAttribute,
  queryAttributeAllNodes,
  updateAttribute,
  waitForAttribute,
} from '../../../lib/pacemaker/attrd';
import { ToolFailedError, ToolOutputError } from '../../../lib/pacemaker/errors';
import { Deadline } from '../../../lib/runtime/deadline';
import { DeadlineError } from '../../../lib/runtime/errors';
import { StandIns } from './stand-ins';

// Exact outputs of Pacemaker 2.1.5's attrd_updater (shared/notes/pacemaker-lab.md §4, contracts §5.1).
const ALL_NODES_XML = `<pacemaker-result api-version="2.25" request="attrd_updater -Q -A -n evacuate --output-as=xml">
  <attribute name="evacuate" value="yes" host="compute-ghost"/>
  <attribute name="evacuate" value="no" host="ctl1"/>
  <status code="0" message="OK"/>
</pacemaker-result>
`;
const ONE_NODE_XML = `<pacemaker-result api-version="2.25" request="attrd_updater -Q -n evacuate -N ctl1 --output-as=xml">
  <attribute name="evacuate" value="ctl1@1795608416" host="ctl1"/>
  <status code="0" message="OK"/>
</pacemaker-result>
`;
const EMPTY_VALUE_XML = `<pacemaker-result api-version="2.25" request="attrd_updater -Q -n evacuate -N compute-9 --output-as=xml">
  <attribute name="evacuate" value="" host="compute-9"/>
  <status code="0" message="OK"/>
</pacemaker-result>
`;
const MISSING_XML = `<pacemaker-result api-version="2.25" request="attrd_updater -Q -n nosuchattr -N ctl1 --output-as=xml">
  <status code="78" message="Invalid configuration">
    <errors>
      <error>attrd_updater: Could not query value of nosuchattr: attribute does not exist</error>
    </errors>
  </status>
</pacemaker-result>
`;
const MISSING_TEXT = 'attrd_updater: Could not query value of nosuchattr: attribute does not exist\n';

const standIns = new StandIns();
const env = standIns.env();
afterAll(() => standIns.remove());

describe('parsing both output forms', () => {
  test('the classic text form, one line per node', () => {
    expect(parseAttrdText('name="evacuate" host="ctl1" value="yes"\nname="evacuate" host="compute-1" value=""\n')).toEqual([
      { name: 'evacuate', host: 'ctl1', value: 'yes' },
      { name: 'evacuate', host: 'compute-1', value: '' },
    ]);
  });

  test('a value containing quotes keeps everything up to the last quote', () => {
    expect(parseAttrdText('name="x" host="h" value="say "hi""')).toEqual([{ name: 'x', host: 'h', value: 'say "hi"' }]);
  });

  test('the XML form', async () => {
    expect(await parseAttrdOutput(ALL_NODES_XML)).toEqual([
      { name: 'evacuate', host: 'compute-ghost', value: 'yes' },
      { name: 'evacuate', host: 'ctl1', value: 'no' },
    ]);
  });

  test('an unknown text line is a ToolOutputError that quotes it', () => {
    expect(() => parseAttrdText('evacuate=yes on ctl1')).toThrow(
      'attrd_updater printed output we cannot read (not a name="…" host="…" value="…" line): "evacuate=yes on ctl1"',
    );
  });

  test('malformed XML is a ToolOutputError naming attrd_updater and quoting at most 200 characters', async () => {
    const broken = `<pacemaker-result><attribute name="evacuate" value="yes" host="ctl1">${'z'.repeat(400)}`;
    const parse = parseAttrdOutput(broken);
    await expect(parse).rejects.toBeInstanceOf(ToolOutputError);
    await expect(parse).rejects.toThrow(/^attrd_updater printed output we cannot read \(malformed XML: .*\): "<pacemaker-result><attribute/);
    await expect(parse).rejects.toThrow(/z{100}…"$/);
  });
});

describe('queryAttribute', () => {
  test('asks for one node in XML and returns its value', async () => {
    standIns.define('attrd_updater', { stdout: ONE_NODE_XML });
    expect(await queryAttribute('evacuate', 'ctl1', { env })).toBe('ctl1@1795608416');
    expect(standIns.calls('attrd_updater')).toEqual([['-Q', '-n', 'evacuate', '-N', 'ctl1', '--output-as=xml']]);
  });

  test('reads the text form when that is what the tool prints', async () => {
    standIns.define('attrd_updater', { stdout: 'name="evacuate" host="ctl1" value="yes"\n' });
    expect(await queryAttribute('evacuate', 'ctl1', { env })).toBe('yes');
  });

  test('an existing attribute with no value on the node is the empty string', async () => {
    standIns.define('attrd_updater', { stdout: EMPTY_VALUE_XML });
    expect(await queryAttribute('evacuate', 'compute-9', { env })).toBe('');
  });

  test.each([
    ['XML', MISSING_XML, ''],
    ['text', '', MISSING_TEXT],
  ])('exit 78, "attribute does not exist" (%s), is undefined', async (_form, stdout, stderr) => {
    standIns.define('attrd_updater', { exitCode: 78, stdout, stderr });
    expect(await queryAttribute('nosuchattr', 'ctl1', { env })).toBeUndefined();
  });

  test('an answer about another host only is undefined', async () => {
    standIns.define('attrd_updater', { stdout: 'name="evacuate" host="bogus" value=""\n' });
    expect(await queryAttribute('evacuate', 'ctl1', { env })).toBeUndefined();
  });

  test('any other failure is a ToolFailedError with the tool\'s message', async () => {
    standIns.define('attrd_updater', { exitCode: 64, stderr: 'attrd_updater: unknown option -Z\n' });
    const query = queryAttribute('evacuate', 'ctl1', { env });
    await expect(query).rejects.toBeInstanceOf(ToolFailedError);
    await expect(query).rejects.toThrow(/exit code 64: attrd_updater: unknown option -Z/);
  });
});

describe('queryAttributeAllNodes', () => {
  test('returns every host (-Q -A)', async () => {
    standIns.define('attrd_updater', { stdout: ALL_NODES_XML });
    const values = await queryAttributeAllNodes('evacuate', { env });
    expect([...values]).toEqual([
      ['compute-ghost', 'yes'],
      ['ctl1', 'no'],
    ]);
    expect(standIns.calls('attrd_updater')).toEqual([['-Q', '-A', '-n', 'evacuate', '--output-as=xml']]);
  });

  test('a missing attribute (78) is an empty map', async () => {
    standIns.define('attrd_updater', { exitCode: 78, stdout: MISSING_XML });
    expect((await queryAttributeAllNodes('nosuchattr', { env })).size).toBe(0);
  });

  test('run with Pacemaker\'s agent environment, the tool never sees CRM_meta_on_node', async () => {
    standIns.define('attrd_updater', { stdout: ALL_NODES_XML });
    await queryAttributeAllNodes('evacuate', { env: standIns.env({ OCF_RESKEY_CRM_meta_on_node: 'ctl1' }) });
    expect(standIns.lastEnv('attrd_updater').has('OCF_RESKEY_CRM_meta_on_node')).toBe(false);
  });
});

describe('updates', () => {
  beforeEach(() => standIns.define('attrd_updater', {}));

  test('a private update is fence_compute\'s argv: -p -n NAME -N NODE -U VALUE', async () => {
    await updateAttribute('evacuate', 'compute-1', 'yes', { env, private: true });
    expect(standIns.calls('attrd_updater')).toEqual([['-p', '-n', 'evacuate', '-N', 'compute-1', '-U', 'yes']]);
  });

  test('a plain update has no -p', async () => {
    await updateAttribute('evacuate', 'compute-1', 'no', { env });
    expect(standIns.calls('attrd_updater')).toEqual([['-n', 'evacuate', '-N', 'compute-1', '-U', 'no']]);
  });

  test('delete is -D for the node', async () => {
    await deleteAttribute('evacuate', 'compute-1', { env });
    expect(standIns.calls('attrd_updater')).toEqual([['-D', '-n', 'evacuate', '-N', 'compute-1']]);
  });

  test('a refused update is a ToolFailedError', async () => {
    standIns.define('attrd_updater', { exitCode: 1, stderr: 'attrd_updater: Could not update evacuate=yes: Error\n' });
    await expect(updateAttribute('evacuate', 'compute-1', 'yes', { env })).rejects.toThrow(
      /attrd_updater -n evacuate -N compute-1 -U yes failed with exit code 1: attrd_updater: Could not update/,
    );
  });
});

describe('waitForAttribute', () => {
  test('polls until the value is accepted (the write is asynchronous in attrd)', async () => {
    standIns.define(
      'attrd_updater',
      { exitCode: 78, stderr: MISSING_TEXT },
      { stdout: 'name="evacuate" host="compute-1" value=""\n' },
      { stdout: 'name="evacuate" host="compute-1" value="yes"\n' },
    );
    const value = await waitForAttribute('evacuate', 'compute-1', (v) => v === 'yes', Deadline.in(10_000), {
      env,
      pollMs: 10,
    });
    expect(value).toBe('yes');
    expect(standIns.calls('attrd_updater')).toHaveLength(3);
  });

  test('gives up at the deadline and says what it last saw', async () => {
    standIns.define('attrd_updater', { stdout: 'name="evacuate" host="compute-1" value="no"\n' });
    const wait = waitForAttribute('evacuate', 'compute-1', (v) => v === 'yes', Deadline.in(300), { env, pollMs: 20 });
    await expect(wait).rejects.toBeInstanceOf(DeadlineError);
    await expect(wait).rejects.toThrow('timed out waiting for attribute evacuate of compute-1 (last value: "no")');
  });
});
