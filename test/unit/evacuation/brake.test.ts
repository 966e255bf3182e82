import type { BrakePolicy, HostView } from '../../../lib/evacuation/model';
import { checkBrake, markedAt, parseBrakePolicy, parseCount, parseFraction, parseSecondsMs } from '../../../lib/evacuation/brake';
import { ConfigError } from '../../../lib/runtime/errors';

const NOW = 1_800_000_000_000;
const S = 1000;

interface HostOptions {
  segment?: string;
  mark?: HostView['mark'];
  fencedAt?: number;
}

function host(name: string, options: HostOptions = {}): HostView {
  return {
    name,
    service: {
      id: name, host: name, binary: 'nova-compute', zone: 'nova', status: 'enabled', state: 'up',
      forcedDown: false, disabledReason: null, updatedAt: null,
    },
    mark: options.mark ?? { kind: 'never' },
    fencedAt: options.fencedAt,
    segment: options.segment ?? 'east',
    reserved: false,
    free: undefined,
    aggregates: [],
  };
}

/** A host fenced by us `ago` ms before NOW. */
const fenced = (name: string, ago: number, segment = 'east'): HostView => host(name, { segment, fencedAt: NOW - ago, mark: { kind: 'needed' } });
const healthy = (name: string, segment = 'east'): HostView => host(name, { segment });
const policy = (overrides: Partial<BrakePolicy> = {}): BrakePolicy => ({ maxHosts: 0, maxSegmentFraction: 0, windowMs: 300 * S, ...overrides });

describe('markedAt', () => {
  const cases: Array<[string, HostView, number | undefined, number | undefined]> = [
    ['never marked', healthy('a'), undefined, undefined],
    ['done', host('a', { mark: { kind: 'done' } }), undefined, undefined],
    ['fenced by us, mark wiped', host('a', { fencedAt: NOW - 5 * S }), undefined, NOW - 5 * S],
    ['fenced by us and done: still fenced, still counts', host('a', { fencedAt: NOW - 5 * S, mark: { kind: 'done' } }), undefined, NOW - 5 * S],
    ['in progress without fence time: the marker epoch', host('a', { mark: { kind: 'in-progress', by: 'ctl', since: (NOW - 60 * S) / 1000 } }), undefined, NOW - 60 * S],
    ['yes without any time: now', host('a', { mark: { kind: 'needed' } }), undefined, NOW],
    ['yes without any time after a resume: no longer counts', host('a', { mark: { kind: 'needed' } }), NOW - 10 * S, undefined],
    ['fenced before the resume', fenced('a', 20 * S), NOW - 10 * S, undefined],
    ['fenced exactly at the resume', fenced('a', 10 * S), NOW - 10 * S, undefined],
    ['fenced after the resume', fenced('a', 5 * S), NOW - 10 * S, NOW - 5 * S],
    ['a fence time in the future (clock skew) counts as now', host('a', { fencedAt: NOW + 30 * S }), undefined, NOW],
  ];
  test.each(cases)('%s', (_name, view, resumedAt, want) => {
    expect(markedAt(view, NOW, resumedAt)).toBe(want);
  });
});

describe('checkBrake', () => {
  const four = (segment: string, prefix: string) => [1, 2, 3, 4].map((n) => healthy(`${prefix}-${n}`, segment));
  const cases: Array<{ name: string; hosts: HostView[]; pol: Partial<BrakePolicy>; resumedAt?: number; tripped: boolean; reason?: RegExp; marked?: string[] }> = [
    { name: 'nothing marked', hosts: four('east', 'e'), pol: { maxHosts: 1, maxSegmentFraction: 0.1 }, tripped: false },
    { name: 'both rules off', hosts: [fenced('a', 0), fenced('b', 0), fenced('c', 0)], pol: {}, tripped: false },
    { name: 'count: at the limit does not trip', hosts: [fenced('a', 0), fenced('b', 10 * S), healthy('c')], pol: { maxHosts: 2 }, tripped: false },
    {
      name: 'count: over the limit trips, naming the numbers',
      hosts: [fenced('a', 0), fenced('b', 10 * S), fenced('c', 100 * S, 'west'), healthy('d')],
      pol: { maxHosts: 2 },
      tripped: true,
      reason: /^3 hosts marked within 300 s \(more than 2\): the controllers are probably the ones cut off; run `nova-ha resume` once you have checked$/,
      marked: ['a', 'b', 'c'],
    },
    { name: 'count: hosts further apart than the window do not add up', hosts: [fenced('a', 0), fenced('b', 400 * S), fenced('c', 800 * S)],
      pol: { maxHosts: 1 }, tripped: false },
    { name: 'count: exactly one window apart still add up', hosts: [fenced('a', 0), fenced('b', 300 * S)], pol: { maxHosts: 1 }, tripped: true,
      reason: /^2 hosts marked within 300 s/ },
    { name: 'count: a burst an hour ago, still marked, keeps the brake on', hosts: [fenced('a', 3600 * S), fenced('b', 3590 * S), fenced('c', 3580 * S)],
      pol: { maxHosts: 2 }, tripped: true, marked: ['a', 'b', 'c'] },
    { name: 'count: the resume lifts it', hosts: [fenced('a', 3600 * S), fenced('b', 3590 * S), fenced('c', 3580 * S)],
      pol: { maxHosts: 2 }, resumedAt: NOW - 60 * S, tripped: false },
    { name: 'count: after a resume, new failures count again', hosts: [fenced('a', 3600 * S), fenced('b', 30 * S), fenced('c', 20 * S), fenced('d', 10 * S)],
      pol: { maxHosts: 2 }, resumedAt: NOW - 60 * S, tripped: true, marked: ['b', 'c', 'd'] },
    { name: 'count: in-progress and yes marks count', hosts: [
        host('a', { mark: { kind: 'in-progress', by: 'ctl', since: (NOW - 30 * S) / 1000 } }), host('b', { mark: { kind: 'needed' } })],
      pol: { maxHosts: 1 }, tripped: true, marked: ['a', 'b'] },
    { name: 'count: done hosts that are no longer fenced do not count', hosts: [host('a', { mark: { kind: 'done' } }), fenced('b', 0)],
      pol: { maxHosts: 1 }, tripped: false },
    {
      name: 'fraction: 3 of 4 over 50% trips, naming the segment',
      hosts: [fenced('e-1', 0), fenced('e-2', 5 * S), fenced('e-3', 9 * S), healthy('e-4'), ...four('west', 'w')],
      pol: { maxSegmentFraction: 0.5 },
      tripped: true,
      reason: /^3 of 4 hosts of segment east \(75% > 50%\) marked within 300 s: the controllers are probably the ones cut off; run `nova-ha resume` once you have checked$/,
      marked: ['e-1', 'e-2', 'e-3'],
    },
    { name: 'fraction: 2 of 4 is not over 50%', hosts: [fenced('e-1', 0), fenced('e-2', 0), healthy('e-3'), healthy('e-4')],
      pol: { maxSegmentFraction: 0.5 }, tripped: false },
    { name: 'fraction: spread over segments does not trip', hosts: [fenced('e-1', 0), healthy('e-2'), healthy('e-3'), fenced('w-1', 0, 'west'), healthy('w-2', 'west'), healthy('w-3', 'west')],
      pol: { maxSegmentFraction: 0.5 }, tripped: false },
    { name: 'fraction: one failed host never trips, even alone in its segment', hosts: [fenced('solo', 0, 'tiny'), ...four('east', 'e')],
      pol: { maxSegmentFraction: 0.5 }, tripped: false },
    { name: 'fraction: two of a two-host segment trip', hosts: [fenced('t-1', 0, 'tiny'), fenced('t-2', 0, 'tiny'), ...four('east', 'e')],
      pol: { maxSegmentFraction: 0.5 }, tripped: true, reason: /^2 of 2 hosts of segment tiny \(100% > 50%\)/ },
    { name: 'fraction: the worst segment is named', hosts: [
        fenced('e-1', 0), fenced('e-2', 0), fenced('e-3', 0), healthy('e-4'),
        fenced('w-1', 0, 'west'), fenced('w-2', 0, 'west'), fenced('w-3', 0, 'west'), fenced('w-4', 0, 'west')],
      pol: { maxSegmentFraction: 0.5 }, tripped: true, reason: /^4 of 4 hosts of segment west \(100% > 50%\)/ },
    { name: 'fraction: outside the window does not add up', hosts: [fenced('e-1', 0), fenced('e-2', 301 * S), fenced('e-3', 602 * S), healthy('e-4')],
      pol: { maxSegmentFraction: 0.5 }, tripped: false },
    { name: 'fraction: shows decimals when rounding would hide the excess', hosts: [
        ...Array.from({ length: 501 }, (_, i) => fenced(`e-${i}`, 0)), ...Array.from({ length: 499 }, (_, i) => healthy(`h-${i}`))],
      pol: { maxSegmentFraction: 0.5 }, tripped: true, reason: /^501 of 1000 hosts of segment east \(50\.1% > 50%\)/ },
    { name: 'fraction before count when both trip', hosts: [fenced('e-1', 0), fenced('e-2', 0), fenced('e-3', 0), healthy('e-4')],
      pol: { maxHosts: 1, maxSegmentFraction: 0.5 }, tripped: true, reason: /segment east/ },
    { name: 'window in the reason', hosts: [fenced('a', 0), fenced('b', 0)], pol: { maxHosts: 1, windowMs: 90_500 }, tripped: true,
      reason: /within 90.5 s/ },
  ];
  test.each(cases)('$name', ({ hosts, pol, resumedAt, tripped, reason, marked }) => {
    const verdict = checkBrake(hosts, policy(pol), NOW, resumedAt);
    expect(verdict.tripped).toBe(tripped);
    if (!tripped) {
      expect(verdict.reason).toBeUndefined();
      expect(verdict.hosts).toEqual([]);
    }
    if (reason !== undefined) expect(verdict.reason).toMatch(reason);
    if (marked !== undefined) expect(verdict.hosts).toEqual(marked);
  });
});

describe('brake parameters', () => {
  test('defaults', () => {
    expect(parseBrakePolicy({})).toEqual({ maxHosts: 0, maxSegmentFraction: 0.5, windowMs: 300_000 });
  });

  test('values', () => {
    expect(parseBrakePolicy({ maxHosts: ' 3 ', maxSegmentFraction: '40%', window: '120' })).toEqual({
      maxHosts: 3, maxSegmentFraction: 0.4, windowMs: 120_000,
    });
    expect(parseBrakePolicy({ maxHosts: '0', maxSegmentFraction: '0', window: '0.5' })).toEqual({
      maxHosts: 0, maxSegmentFraction: 0, windowMs: 500,
    });
  });

  const bad: Array<[Parameters<typeof parseBrakePolicy>[0], RegExp]> = [
    [{ maxHosts: '-1' }, /^brake_max_hosts: "-1" is not a whole number of at least 0$/],
    [{ maxHosts: '2.5' }, /^brake_max_hosts:/],
    [{ maxHosts: 'many' }, /^brake_max_hosts:/],
    [{ maxSegmentFraction: '1.5' }, /^brake_max_segment_fraction: "1.5" is not a fraction between 0 and 1/],
    [{ maxSegmentFraction: '150%' }, /^brake_max_segment_fraction:/],
    [{ maxSegmentFraction: '%' }, /^brake_max_segment_fraction:/],
    [{ maxSegmentFraction: 'half' }, /^brake_max_segment_fraction:/],
    [{ window: '0' }, /^brake_window: "0" is not a number of seconds above 0$/],
    [{ window: '5m' }, /^brake_window:/],
    [{ window: '-3' }, /^brake_window:/],
  ];
  test.each(bad)('%p → ConfigError naming the parameter', (params, reason) => {
    expect(() => parseBrakePolicy(params)).toThrow(ConfigError);
    expect(() => parseBrakePolicy(params)).toThrow(reason);
  });

  test('the agent may name its parameters', () => {
    expect(() => parseBrakePolicy({ maxHosts: 'x' }, { maxHosts: 'max_failed_hosts', maxSegmentFraction: 'f', window: 'w' })).toThrow(/^max_failed_hosts:/);
  });

  test('number helpers', () => {
    expect(parseCount('', 'p', 7)).toBe(7);
    expect(parseCount('4', 'p', 7, 1)).toBe(4);
    expect(() => parseCount('0', 'p', 7, 1)).toThrow(/^p: "0" is not a whole number of at least 1$/);
    expect(parseFraction(' 0.25 ', 'p', 0)).toBe(0.25);
    expect(parseFraction('100%', 'p', 0)).toBe(1);
    expect(parseSecondsMs(undefined, 'p', 42)).toBe(42);
    expect(parseSecondsMs('1.25', 'p', 42)).toBe(1250);
  });
});
