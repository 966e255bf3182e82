/** The nova-ha-compute attribute value: compact, capped at 4 KiB, parsed strictly and never throwing. */
import { describe, expect, it } from '@jest/globals';
import {
  COMPUTE_REPORT_MAX_BYTES,
  formatComputeReport,
  parseComputeReport,
  type ComputeReport,
  type InstanceRestartRecord,
} from '../../../lib/nova-compute/report';
import { computeReport } from '../../helpers/compute-report';

const T0 = Date.parse('2026-11-25T14:00:00Z');

const report = (overrides: Partial<ComputeReport> = {}): ComputeReport => computeReport(T0, overrides);

function record(i: number, at: number[], overrides: Partial<InstanceRestartRecord> = {}): InstanceRestartRecord {
  return { id: `0000000${i}-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `vm-${i}`, at, gaveUp: false, ...overrides };
}

const size = (text: string) => Buffer.byteLength(text, 'utf8');

describe('formatComputeReport', () => {
  it('is compact JSON that parses back to the same report', () => {
    const original = report({
      phase: 'waiting',
      detail: '3 evacuation(s) from it still in progress in Nova',
      computeRestarts: [T0 - 60_000],
      instances: [record(1, [T0 - 10_000, T0 - 5_000], { gaveUp: true, lastError: 'Nova refused start: 409' })],
    });
    const text = formatComputeReport(original);
    expect(text).not.toMatch(/\n| {2}/);
    expect(parseComputeReport(text)).toEqual(original);
  });

  it('puts restart times oldest first (newest last)', () => {
    const text = formatComputeReport(report({ computeRestarts: [T0, T0 - 2, T0 - 1], instances: [record(1, [T0, T0 - 9])] }));
    const parsed = parseComputeReport(text);
    expect(parsed?.computeRestarts).toEqual([T0 - 2, T0 - 1, T0]);
    expect(parsed?.instances[0]?.at).toEqual([T0 - 9, T0]);
  });

  it('leaves a report under the cap untouched (no trimmed note)', () => {
    const parsed = parseComputeReport(formatComputeReport(report({ instances: [record(1, [T0])] })));
    expect(parsed?.trimmed).toBeUndefined();
    expect(parsed?.detail).toBe(report().detail);
  });

  it('over the cap: drops the oldest restart times first, keeping each list its newest, and says so', () => {
    // 20 instances with 12 restarts each: ~7 KiB untrimmed.
    const instances = Array.from({ length: 20 }, (_, i) => record(i, Array.from({ length: 12 }, (_, k) => T0 + i * 1000 + k * 60_000)));
    const text = formatComputeReport(report({ instances, computeRestarts: [T0 - 5, T0 - 4] }));
    expect(size(text)).toBeLessThanOrEqual(COMPUTE_REPORT_MAX_BYTES);
    const parsed = parseComputeReport(text);
    expect(parsed).toBeDefined();
    expect(parsed?.instances).toHaveLength(20);
    expect(parsed?.trimmed?.instances).toBe(0);
    expect(parsed?.trimmed?.restartTimes).toBeGreaterThan(0);
    for (const [i, kept] of (parsed?.instances ?? []).entries()) {
      // The newest restart of every record survives.
      expect(kept.at[kept.at.length - 1]).toBe(T0 + i * 1000 + 11 * 60_000);
    }
    // The oldest time dropped first: nova-compute's T0-5 went before anything newer.
    expect(parsed?.computeRestarts).toEqual([T0 - 4]);
    expect(parsed?.detail).toMatch(/ \(report trimmed to 4096 bytes: \d+ oldest restart time\(s\) left out\)$/);
  });

  it('then drops the instance records restarted longest ago', () => {
    const instances = Array.from({ length: 80 }, (_, i) => record(i, [T0 + i * 1000], { lastError: 'x'.repeat(40) }));
    const text = formatComputeReport(report({ instances }));
    expect(size(text)).toBeLessThanOrEqual(COMPUTE_REPORT_MAX_BYTES);
    const parsed = parseComputeReport(text);
    const kept = parsed?.instances ?? [];
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(80);
    expect(parsed?.trimmed).toEqual({ restartTimes: 0, instances: 80 - kept.length });
    // The newest ones are kept.
    expect(kept[kept.length - 1]?.name).toBe('vm-79');
    expect(kept[0]?.name).toBe(`vm-${80 - kept.length}`);
    expect(parsed?.detail).toContain(`${80 - kept.length} oldest instance record(s) left out`);
  });

  it('re-formatting a trimmed report does not repeat the note', () => {
    const instances = Array.from({ length: 80 }, (_, i) => record(i, [T0 + i]));
    const once = parseComputeReport(formatComputeReport(report({ instances })));
    const twice = parseComputeReport(formatComputeReport({ ...(once as ComputeReport), instances: [...instances] }));
    expect(twice?.detail.match(/report trimmed/g)).toHaveLength(1);
  });

  it.each([
    ['a huge detail', report({ detail: 'why '.repeat(5_000) })],
    ['huge names and errors', report({ host: 'h'.repeat(5_000), node: 'n'.repeat(5_000), instances: [record(1, [T0], { name: 'v'.repeat(5_000), lastError: 'e'.repeat(5_000) })] })],
    ['escaped control characters everywhere', report({ host: '\u0001'.repeat(300), node: '\u0002'.repeat(300), detail: '\u0003'.repeat(2_000), computeRestarts: Array.from({ length: 300 }, (_, i) => T0 + i) })],
    ['multi-byte text', report({ detail: '🚑'.repeat(2_000), instances: Array.from({ length: 30 }, (_, i) => record(i, [T0 + i], { name: 'é'.repeat(200) })) })],
  ])('%s: still ≤ 4 KiB and still a report', (_label, input) => {
    const text = formatComputeReport(input);
    expect(size(text)).toBeLessThanOrEqual(COMPUTE_REPORT_MAX_BYTES);
    const parsed = parseComputeReport(text);
    expect(parsed?.phase).toBe('running');
    expect(parsed?.detail).not.toMatch(/[\uD800-\uDBFF]$/);
  });
});

describe('parseComputeReport', () => {
  const good = JSON.stringify(report());
  const mutate = (change: (value: Record<string, unknown>) => void): string => {
    const value = JSON.parse(good) as Record<string, unknown>;
    change(value);
    return JSON.stringify(value);
  };

  it.each([
    ['undefined', undefined],
    ['empty (attribute cleared)', ''],
    ['blank', '  '],
    ['not JSON', 'running'],
    ['truncated JSON', good.slice(0, 40)],
    ['JSON null', 'null'],
    ['an array', '[1]'],
    ['a classic evacuate value', 'yes'],
    ['another version', mutate((r) => (r.v = 2))],
    ['no version', mutate((r) => delete r.v)],
    ['unknown phase', mutate((r) => (r.phase = 'dancing'))],
    ['unknown mode', mutate((r) => (r.mode = 'NovaEvacuate'))],
    ['host not a string', mutate((r) => (r.host = 7))],
    ['since a string', mutate((r) => (r.since = '2026-11-25'))],
    ['checkedAt missing', mutate((r) => delete r.checkedAt)],
    ['a restart time not a number', mutate((r) => (r.computeRestarts = ['x']))],
    ['a negative time', mutate((r) => (r.computeRestarts = [-1]))],
    ['instances not an array', mutate((r) => (r.instances = {}))],
    ['an instance without gaveUp', mutate((r) => (r.instances = [{ id: 'i', name: 'n', at: [] }]))],
    ['an instance error not a string', mutate((r) => (r.instances = [{ id: 'i', name: 'n', at: [], gaveUp: false, lastError: 5 }]))],
    ['trimmed with a fraction', mutate((r) => (r.trimmed = { restartTimes: 1.5, instances: 0 }))],
  ])('%s: undefined', (_label, text) => {
    expect(parseComputeReport(text)).toBeUndefined();
  });

  it('ignores fields it does not know (a newer writer)', () => {
    expect(parseComputeReport(mutate((r) => (r.extra = { any: 'thing' })))).toEqual(report());
  });
});
