/** Failed fencing in `nova-ha status`, `--live`, `explain` and `doctor`, from crm_mon's XML as Pacemaker 2.1.5 prints it. */
import { describe, expect, it } from '@jest/globals';
import { fencingForHost, fencingFromCluster, type FencingView } from '../../../lib/cli/fencing';
import { fencingCheck, fencingSentence, formatFencing } from '../../../lib/cli/fencing-format';
import { classifyHost, formatLiveStatus, withFencing, type LiveStatus } from '../../../lib/cli/live';
import { parseCrmMonXml } from '../../../lib/pacemaker/crm-mon';
import {
  COMPUTE2_SUCCESS,
  CRM_MON_FENCED_AFTER_FAILURES_XML,
  CRM_MON_FENCING_FAILED_XML,
  CRM_MON_NO_FENCING_XML,
  crmMonWithEvents,
  FAILED_OFF_1,
  FAILED_OFF_2,
  FAILED_ON,
} from '../../fixtures/crm-mon-fencing';
import { service } from './fixtures';

const NOW = Date.parse('2026-11-25T12:20:15Z');

async function viewOf(xml: string): Promise<FencingView> {
  return fencingFromCluster(await parseCrmMonXml(xml));
}

describe('fencingFromCluster', () => {
  it('a power device failing: attempts since the last success, times, delegate, the node lost but unclean, a retry pending', async () => {
    const view = await viewOf(CRM_MON_FENCING_FAILED_XML);
    expect(view).toEqual({
      failures: [
        {
          node: 'compute1',
          attempts: 2,
          firstFailedAt: Date.parse('2026-11-25T12:18:08Z'),
          lastFailedAt: Date.parse('2026-11-25T12:19:06Z'),
          action: 'off',
          delegate: 'ctl1',
          exitReason: null,
          retrying: true,
          lastSucceededAt: Date.parse('2026-11-25T11:02:41Z'),
          nodeState: 'unclean',
        },
      ],
      notes: [],
    });
  });

  it('a later success clears the failures; a failed unfencing (on) is not a fencing failure', async () => {
    expect(await viewOf(CRM_MON_FENCED_AFTER_FAILURES_XML)).toEqual({ failures: [], notes: [] });
  });

  it('no fencing history at all: nothing to report', async () => {
    expect(await viewOf(CRM_MON_NO_FENCING_XML)).toEqual({ failures: [], notes: [] });
  });

  it('failures with no success ever; the exit reason when the fencer gives one; no retry pending', async () => {
    const withReason = FAILED_OFF_2.replace('status="failed"', 'status="failed" exit-reason="Fence agent did not complete in time"');
    const view = await viewOf(crmMonWithEvents([withReason, FAILED_OFF_1, COMPUTE2_SUCCESS]));
    expect(view.failures).toHaveLength(1);
    expect(view.failures[0]).toMatchObject({ node: 'compute1', attempts: 2, exitReason: 'Fence agent did not complete in time', retrying: false, lastSucceededAt: null });
  });

  it('only a failed unfencing: not reported', async () => {
    expect((await viewOf(crmMonWithEvents([FAILED_ON]))).failures).toEqual([]);
  });

  it('the fencer not answering crm_mon is a note, not "no failures"', async () => {
    const xml = CRM_MON_NO_FENCING_XML.replace('  <status code="0"', '  <fence_history status="102"/>\n  <status code="0"');
    expect(await viewOf(xml)).toEqual({ failures: [], notes: ['the fencer did not answer crm_mon: failed fencing cannot be shown'] });
  });
});

describe('fencingForHost', () => {
  it('by node name, else a unique short name (Nova hosts are often FQDNs)', async () => {
    const view = await viewOf(CRM_MON_FENCING_FAILED_XML);
    expect(fencingForHost(view, 'compute1')?.node).toBe('compute1');
    expect(fencingForHost(view, 'compute1.example.org')?.node).toBe('compute1');
    expect(fencingForHost(view, 'compute2')).toBeUndefined();
    expect(fencingForHost(view, null)).toBeUndefined();
  });
});

describe('text', () => {
  it('the sentence says when, how often, by whom, the node state, the retry', async () => {
    const failure = (await viewOf(CRM_MON_FENCING_FAILED_XML)).failures[0];
    if (!failure) throw new Error('no failure');
    expect(fencingSentence(failure, NOW)).toBe(
      'fencing FAILED 2 time(s) from 12:18:08Z to 12:19:06Z, after the success at 11:02:41Z (off by ctl1, no exit reason given); ' +
        'crm_mon shows it unclean (lost and not fenced); Pacemaker is trying again now',
    );
  });

  it('the status section names the node, says nothing is evacuated, and how to look closer', async () => {
    expect(formatFencing(await viewOf(CRM_MON_FENCING_FAILED_XML), NOW)).toBe(
      [
        "Fencing failed (crm_mon's fencing history): nothing is evacuated from it until fencing succeeds — check its fence devices:",
        '  compute1: fencing FAILED 2 time(s) from 12:18:08Z to 12:19:06Z, after the success at 11:02:41Z (off by ctl1, no exit reason given); crm_mon shows it unclean (lost and not fenced); Pacemaker is trying again now',
        '            see `stonith_admin --history compute1 --verbose`',
      ].join('\n'),
    );
  });

  it('no section when nothing failed; a note when crm_mon could not be read', async () => {
    expect(formatFencing(await viewOf(CRM_MON_FENCED_AFTER_FAILURES_XML), NOW)).toBe('');
    expect(formatFencing({ failures: [], notes: ['fencing history (crm_mon) unreadable: crm_mon is not installed'] }, NOW)).toBe(
      'note:    fencing history (crm_mon) unreadable: crm_mon is not installed',
    );
  });

  it('doctor: a failure fails the check; none is ok; unreadable is skipped', async () => {
    expect(fencingCheck(await viewOf(CRM_MON_FENCING_FAILED_XML), NOW)).toMatchObject({ name: 'fencing', status: 'fail', detail: expect.stringMatching(/^compute1: fencing FAILED 2 time\(s\)/) });
    expect(fencingCheck(await viewOf(CRM_MON_FENCED_AFTER_FAILURES_XML), NOW)).toMatchObject({ status: 'ok' });
    expect(fencingCheck({ failures: [], notes: ['x'] }, NOW)).toMatchObject({ status: 'skip' });
  });
});

describe('status --live', () => {
  it('a host Nova still sees up (never fenced, never forced down) reads fence-failed with the reason', async () => {
    const failure = fencingForHost(await viewOf(CRM_MON_FENCING_FAILED_XML), 'compute1');
    const classified = withFencing(classifyHost(service('compute1'), undefined), failure, NOW);
    expect(classified.state).toBe('fence-failed');
    expect(classified.detail).toMatch(/^fencing FAILED 2 time\(s\).*: nothing is evacuated from it until fencing succeeds$/);
  });

  it('a host already forced down and being evacuated keeps its state; the failure is appended', async () => {
    const failure = fencingForHost(await viewOf(CRM_MON_FENCING_FAILED_XML), 'compute1');
    const down = service('compute1', { state: 'down', forcedDown: true });
    const classified = withFencing(classifyHost(down, 'yes'), failure, NOW);
    expect(classified.state).toBe('evacuating');
    expect(classified.detail).toMatch(/^evacuation requested; fencing FAILED/);
    expect(withFencing(classifyHost(down, 'yes'), undefined, NOW)).toEqual(classifyHost(down, 'yes'));
  });

  it('the live text carries the section', async () => {
    const fencing = await viewOf(CRM_MON_FENCING_FAILED_XML);
    const live: LiveStatus = { source: 'live', at: NOW, hosts: [], resumedAt: null, errors: [], fencing, computes: { nodes: [], notes: [] } };
    expect(formatLiveStatus(live)).toContain("\nFencing failed (crm_mon's fencing history)");
  });
});
