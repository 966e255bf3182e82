/** NovaCompute's reports in `nova-ha status` and `explain`, without a cluster: reading the attribute map, lookups, text. */
import { describe, expect, it } from '@jest/globals';
import { computesFromAttributes, reportForHost, restartsOf, type ComputesView } from '../../../lib/cli/computes';
import { clockTime, duration, explainComputeLines, formatComputes } from '../../../lib/cli/computes-format';
import { formatLiveStatus, type LiveStatus } from '../../../lib/cli/live';
import { formatComputeReport, type ComputeReport } from '../../../lib/nova-compute/report';
import { computeReport } from '../../helpers/compute-report';

const NOW = Date.parse('2026-11-25T14:00:00Z');

const report = (overrides: Partial<ComputeReport> = {}): ComputeReport => computeReport(NOW, overrides);

const waiting = report({
  phase: 'waiting',
  since: NOW - 130_000,
  detail: '3 evacuation(s) from it still in progress in Nova',
});
const restarted = report({
  host: 'cmp-b',
  node: 'cmp-b',
  computeRestarts: [NOW - 1_200_000, NOW - 300_000],
  instances: [
    { id: 'i-web', name: 'web', at: [NOW - 900_000, NOW - 600_000], gaveUp: false },
    { id: 'i-db', name: 'db', at: [NOW - 3_000_000, NOW - 2_000_000, NOW - 1_000_000], gaveUp: true, lastError: 'Nova refused the start: 409 Conflict' },
  ],
});

function view(values: Record<string, string>): ComputesView {
  return computesFromAttributes(new Map(Object.entries(values)));
}

describe('duration and clockTime', () => {
  it.each([
    [0, '0s'],
    [45_400, '45s'],
    [130_000, '2m10s'],
    [3_600_000 + 5 * 60_000, '1h05m'],
    [2 * 86_400_000 + 3 * 3_600_000, '2d3h'],
    [-5_000, '0s'],
  ])('%d ms → %s', (ms, text) => {
    expect(duration(ms)).toBe(text);
  });

  it('time of day today, date and minute otherwise', () => {
    expect(clockTime(NOW - 60_000, NOW)).toBe('13:59:00Z');
    expect(clockTime(NOW - 86_400_000, NOW)).toBe('2026-11-24 14:00Z');
  });
});

describe('computesFromAttributes', () => {
  it('one entry per node with a value, sorted; cleared values skipped; garbage is a problem, not an error', () => {
    const result = view({ 'cmp-b': formatComputeReport(restarted), 'cmp-a': formatComputeReport(waiting), 'cmp-c': '', 'cmp-d': 'not json at all' });
    expect(result.nodes.map((entry) => entry.node)).toEqual(['cmp-a', 'cmp-b', 'cmp-d']);
    expect(result.nodes[0]?.report).toEqual(waiting);
    expect(result.nodes[2]).toEqual({ node: 'cmp-d', report: null, problem: 'unreadable report "not json at all"' });
    expect(result.notes).toEqual([]);
  });

  it('no reports at all: a note saying why there may be none', () => {
    expect(view({}).notes).toEqual([expect.stringContaining('no compute node publishes nova-ha-compute')]);
  });
});

describe('lookups for explain', () => {
  const both = view({ 'cmp-a': formatComputeReport(waiting), 'cmp-b': formatComputeReport(restarted) });

  it('finds the report by Nova host, else by node name', () => {
    expect(reportForHost(both, 'cmp-a.example.org')?.node).toBe('cmp-a');
    expect(reportForHost(both, 'cmp-a')?.node).toBe('cmp-a');
    expect(reportForHost(both, 'cmp-z')).toBeUndefined();
    expect(reportForHost(both, null)).toBeUndefined();
  });

  it('finds an instance restart record on its host or on a host it has left', () => {
    expect(restartsOf(both, 'i-db', 'cmp-b')).toMatchObject({ node: 'cmp-b', host: 'cmp-b', record: { name: 'db', gaveUp: true } });
    expect(restartsOf(both, 'i-web', 'cmp-a.example.org')).toMatchObject({ node: 'cmp-b', record: { name: 'web' } });
    expect(restartsOf(both, 'i-none', 'cmp-b')).toBeUndefined();
  });
});

describe('formatComputes', () => {
  const both = view({ 'cmp-a': formatComputeReport(waiting), 'cmp-b': formatComputeReport(restarted), 'cmp-d': '{"v":1}' });

  it('a row per node: Nova host, mode, restarts, age, phase with its duration and detail', () => {
    const text = formatComputes(both, { now: NOW, instances: true });
    expect(text).toMatch(/^NODE +NOVA HOST +MODE +RESTARTS +UPDATED +PHASE$/m);
    expect(text).toMatch(/^cmp-a +cmp-a\.example\.org +NovaCompute +0 +4 s ago +waiting 2m10s: 3 evacuation\(s\) from it still in progress in Nova$/m);
    expect(text).toMatch(/^cmp-b +cmp-b +NovaCompute +2 +4 s ago +running 1h00m: nova-compute runs/m);
    expect(text).toMatch(/^cmp-d +- +- +- +- +unreadable report "\{"v":1\}"$/m);
  });

  it('nova-compute restarts and restarted instances: times, gave up, last error', () => {
    const text = formatComputes(both, { now: NOW, instances: true });
    expect(text).toContain('cmp-b: nova-compute restarted in place 2 time(s) in the window: 13:40:00Z, 13:55:00Z');
    expect(text).toContain('cmp-b: instances restarted by NovaCompute:');
    expect(text).toMatch(/^ {2}i-web +web +2 +13:45:00Z, 13:50:00Z +no$/m);
    expect(text).toMatch(/^ {2}i-db +db +3 +13:10:00Z, 13:26:40Z, 13:43:20Z +yes +Nova refused the start: 409 Conflict$/m);
  });

  it('without instances (--hosts-only): the rows and nova-compute restarts only', () => {
    const text = formatComputes(both, { now: NOW, instances: false });
    expect(text).toContain('cmp-b: nova-compute restarted in place');
    expect(text).not.toContain('i-web');
  });

  it('notes (attrd unreachable) instead of rows', () => {
    const text = formatComputes({ nodes: [], notes: ['compute reports (nova-ha-compute) unreadable: attrd_updater exited 102'] }, { now: NOW, instances: true });
    expect(text).toBe(
      'Compute nodes (NovaCompute and nova-compute-wait, from their nova-ha-compute attributes):\n' +
        'note:    compute reports (nova-ha-compute) unreadable: attrd_updater exited 102',
    );
  });

  it('is part of the live status', () => {
    const live: LiveStatus = { source: 'live', at: NOW, hosts: [], resumedAt: null, errors: [], fencing: { failures: [], notes: [] }, computes: both };
    expect(formatLiveStatus(live)).toMatch(/^cmp-a +cmp-a\.example\.org +NovaCompute +0 +4 s ago +waiting 2m10s/m);
  });
});

describe('explainComputeLines', () => {
  it('its host is waiting for evacuations', () => {
    expect(explainComputeLines(waiting, undefined, NOW)).toEqual([
      'compute    its host is waiting for evacuations from it to finish before nova-compute may start (waiting 2m10s, node cmp-a, NovaCompute): 3 evacuation(s) from it still in progress in Nova',
      'restarts   not restarted by NovaCompute in the window',
    ]);
  });

  it('restarted, given up, with the last error', () => {
    const both = view({ 'cmp-b': formatComputeReport(restarted) });
    const lines = explainComputeLines(restarted, restartsOf(both, 'i-db', 'cmp-b'), NOW);
    expect(lines[1]).toBe(
      'restarts   restarted by NovaCompute 3 time(s) in the window: 13:10:00Z, 13:26:40Z, 13:43:20Z; GAVE UP (restart limit reached): it stays down until an operator acts; last error: Nova refused the start: 409 Conflict',
    );
  });

  it('restarted on a host it has left since; nothing at all without reports', () => {
    const both = view({ 'cmp-a': formatComputeReport(waiting), 'cmp-b': formatComputeReport(restarted) });
    expect(explainComputeLines(waiting, restartsOf(both, 'i-web', 'cmp-a.example.org'), NOW)[1]).toBe(
      'restarts   restarted by NovaCompute on cmp-b 2 time(s) in the window: 13:45:00Z, 13:50:00Z',
    );
    expect(explainComputeLines(undefined, undefined, NOW)).toEqual([]);
  });

  it('nova-compute-wait running: the host has rejoined', () => {
    expect(explainComputeLines(report({ mode: 'nova-compute-wait' }), undefined, NOW)[0]).toMatch(
      /^compute {4}its host has rejoined \(nova-compute-wait done; nova-compute runs as its own resource\)/,
    );
  });
});
