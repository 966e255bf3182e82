import { afterAll, describe, expect, test } from '@jest/globals';
import { newestPerTarget, parsePacemakerTime, type FenceEvent } from '../../../lib/pacemaker/fence-event';
import {
  fenceHistory,
  lastFenced,
  listRegisteredDevices,
  newestFenceEvent,
} from '../../../lib/pacemaker/stonith-admin';
import { ToolFailedError } from '../../../lib/pacemaker/errors';
import { HISTORY_VERBOSE_XML } from './fixtures';
import { StandIns } from './stand-ins';

const standIns = new StandIns();
const env = standIns.env();
afterAll(() => standIns.remove());

test('parsePacemakerTime reads the tools\' UTC form', () => {
  expect(parsePacemakerTime('2026-11-25 12:08:42Z')).toBe(Date.UTC(2026, 10, 25, 12, 8, 42));
  expect(parsePacemakerTime('2026-11-25 12:08:42')).toBe(Date.UTC(2026, 10, 25, 12, 8, 42));
  expect(parsePacemakerTime('yesterday')).toBeUndefined();
  expect(parsePacemakerTime(undefined)).toBeUndefined();
});

describe('newestPerTarget', () => {
  const event = (target: string, status: string, completed?: string): FenceEvent => {
    const made: FenceEvent = { action: 'reboot', target, status };
    const ms = parsePacemakerTime(completed);
    if (completed !== undefined) made.completed = completed;
    if (ms !== undefined) made.completedMs = ms;
    return made;
  };

  test('keeps the newest per target whatever the list order (the tools\' own pick is the oldest)', () => {
    const events = [
      event('a', 'success', '2026-11-25 12:08:08Z'),
      event('a', 'success', '2026-11-25 12:08:42Z'),
      event('b', 'failed', '2026-11-25 12:18:08Z'),
      event('b', 'success', '2026-11-25 12:18:06Z'),
    ];
    const newest = newestPerTarget(events);
    expect(newest.get('a')?.completed).toBe('2026-11-25 12:08:42Z');
    expect(newest.get('b')?.status).toBe('failed');
    expect(newestPerTarget(events, 'success').get('b')?.completed).toBe('2026-11-25 12:18:06Z');
  });

  test('a pending event (no completed time) counts as the newest', () => {
    const newest = newestPerTarget([event('a', 'success', '2026-11-25 12:08:42Z'), event('a', 'pending')]);
    expect(newest.get('a')?.status).toBe('pending');
  });
});

describe('stonith_admin', () => {
  test('fenceHistory asks for --verbose and returns every event', async () => {
    standIns.define('stonith_admin', { stdout: HISTORY_VERBOSE_XML });
    const events = await fenceHistory('compute-fake', { env });
    expect(events.map((e) => e.completed)).toEqual(['2026-11-25 13:01:45Z', '2026-11-25 13:01:44Z']);
    expect(standIns.calls('stonith_admin')).toEqual([['--history', 'compute-fake', '--verbose', '--output-as=xml']]);
  });

  test('newestFenceEvent is the latest success, not the "last-successful" of plain --history', async () => {
    standIns.define('stonith_admin', { stdout: HISTORY_VERBOSE_XML });
    expect((await newestFenceEvent('compute-fake', { env }))?.client).toBe('stonith_admin.8027');
  });

  test('no history: "0 events" is an empty list and no newest event', async () => {
    standIns.define('stonith_admin', {
      stdout: `<pacemaker-result api-version="2.25" request="stonith_admin --history * --verbose --output-as=xml">
  <list name="fencing history" count="0"/>
  <status code="0" message="OK"/>
</pacemaker-result>
`,
    });
    expect(await fenceHistory('*', { env })).toEqual([]);
    expect(await newestFenceEvent('ctl1', { env })).toBeUndefined();
  });

  test('lastFenced reads <last-fenced when>', async () => {
    standIns.define('stonith_admin', {
      stdout: `<pacemaker-result api-version="2.25" request="stonith_admin --last compute-fake --output-as=xml">
  <last-fenced target="compute-fake" when="2026-11-25 13:01:45Z"/>
  <status code="0" message="OK"/>
</pacemaker-result>
`,
    });
    expect(await lastFenced('compute-fake', { env })).toBe(Date.UTC(2026, 10, 25, 13, 1, 45));
  });

  test('never fenced: the XML form fails with 74, the text form says so, and we answer undefined', async () => {
    standIns.define(
      'stonith_admin',
      {
        exitCode: 74,
        stdout: `<pacemaker-result api-version="2.25" request="stonith_admin --last ctl1 --output-as=xml">
  <status code="74" message="I/O error occurred"/>
</pacemaker-result>
`,
      },
      { stdout: 'Node ctl1 has never been fenced\n' },
    );
    expect(await lastFenced('ctl1', { env })).toBeUndefined();
    expect(standIns.calls('stonith_admin')).toEqual([
      ['--last', 'ctl1', '--output-as=xml'],
      ['--last', 'ctl1'],
    ]);
  });

  test('a 74 that is not "never fenced" stays an error', async () => {
    standIns.define('stonith_admin', { exitCode: 74, stdout: '<pacemaker-result/>' }, { exitCode: 74, stderr: 'I/O error\n' });
    await expect(lastFenced('ctl1', { env })).rejects.toBeInstanceOf(ToolFailedError);
  });

  test('listRegisteredDevices', async () => {
    standIns.define('stonith_admin', {
      stdout: `<pacemaker-result api-version="2.25" request="stonith_admin --list-registered --output-as=xml">
  <list name="registered fence devices" count="2">
    <item name="device">st-ipmi-compute1</item>
    <item name="device">st-compute</item>
  </list>
  <status code="0" message="OK"/>
</pacemaker-result>
`,
    });
    expect(await listRegisteredDevices({ env })).toEqual(['st-ipmi-compute1', 'st-compute']);
  });
});
