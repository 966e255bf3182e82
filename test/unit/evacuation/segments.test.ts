import type { Aggregate } from '../../../lib/openstack/nova-types';
import {
  assignSegments,
  parseRecoveryMethod,
  parseSegmentMethods,
  segmentConflicts,
  type SegmentSource,
} from '../../../lib/evacuation/segments';
import { ConfigError } from '../../../lib/runtime/errors';

function aggregate(id: number, name: string, hosts: string[], metadata: Record<string, string>): Aggregate {
  return { id, uuid: null, name, availabilityZone: null, hosts, metadata };
}

const hosts = ['cmp-1', 'cmp-2', 'cmp-3', 'cmp-4'];

describe('assignSegments', () => {
  const cases: Array<{ name: string; source: SegmentSource; want: Record<string, string> }> = [
    { name: 'none: every host in the default segment', source: { kind: 'none' },
      want: { 'cmp-1': 'all', 'cmp-2': 'all', 'cmp-3': 'all', 'cmp-4': 'all' } },
    {
      name: 'node attribute, missing and blank values go to the default',
      source: { kind: 'node-attribute', values: new Map([['cmp-1', 'east'], ['cmp-2', ' west '], ['cmp-3', '  ']]) },
      want: { 'cmp-1': 'east', 'cmp-2': 'west', 'cmp-3': 'all', 'cmp-4': 'all' },
    },
    {
      name: 'node attribute values for unknown hosts are ignored',
      source: { kind: 'node-attribute', values: new Map([['other', 'east']]) },
      want: { 'cmp-1': 'all', 'cmp-2': 'all', 'cmp-3': 'all', 'cmp-4': 'all' },
    },
    {
      name: 'aggregates with the key name the segment; others are ignored',
      source: {
        kind: 'aggregate',
        metadataKey: 'ha_segment',
        aggregates: [
          aggregate(1, 'rack-a', ['cmp-1', 'cmp-2'], { ha_segment: 'east' }),
          aggregate(2, 'rack-b', ['cmp-3'], { ha_segment: 'west' }),
          aggregate(3, 'ssd', ['cmp-4'], { ssd: 'true' }),
        ],
      },
      want: { 'cmp-1': 'east', 'cmp-2': 'east', 'cmp-3': 'west', 'cmp-4': 'all' },
    },
    {
      name: 'blank segment value is ignored',
      source: { kind: 'aggregate', metadataKey: 'ha_segment', aggregates: [aggregate(1, 'a', ['cmp-1'], { ha_segment: ' ' })] },
      want: { 'cmp-1': 'all', 'cmp-2': 'all', 'cmp-3': 'all', 'cmp-4': 'all' },
    },
    {
      name: 'a host in two segment aggregates: the oldest (lowest id) wins, whatever the listing order',
      source: {
        kind: 'aggregate',
        metadataKey: 'ha_segment',
        aggregates: [
          aggregate(7, 'new', ['cmp-1', 'cmp-2'], { ha_segment: 'zeta' }),
          aggregate(3, 'old', ['cmp-1'], { ha_segment: 'omega' }),
        ],
      },
      want: { 'cmp-1': 'omega', 'cmp-2': 'zeta', 'cmp-3': 'all', 'cmp-4': 'all' },
    },
    {
      name: 'same id (or none): by aggregate name',
      source: {
        kind: 'aggregate',
        metadataKey: 'seg',
        aggregates: [aggregate(Number.NaN, 'b', ['cmp-1'], { seg: 'second' }), aggregate(Number.NaN, 'a', ['cmp-1'], { seg: 'first' })],
      },
      want: { 'cmp-1': 'first', 'cmp-2': 'all', 'cmp-3': 'all', 'cmp-4': 'all' },
    },
  ];
  test.each(cases)('$name', ({ source, want }) => {
    expect(Object.fromEntries(assignSegments(hosts, source, 'all'))).toEqual(want);
  });

  test('conflicts are listed, chosen segment first', () => {
    const source: SegmentSource = {
      kind: 'aggregate',
      metadataKey: 'ha_segment',
      aggregates: [
        aggregate(9, 'x', ['cmp-1', 'cmp-2'], { ha_segment: 'west' }),
        aggregate(2, 'y', ['cmp-1'], { ha_segment: 'east' }),
        aggregate(4, 'z', ['cmp-2'], { ha_segment: 'west' }),
      ],
    };
    expect(Object.fromEntries(segmentConflicts(hosts, source))).toEqual({ 'cmp-1': ['east', 'west'] });
    expect(segmentConflicts(hosts, { kind: 'none' }).size).toBe(0);
  });
});

describe('parseSegmentMethods', () => {
  const cases: Array<{ text: string; fallback: 'auto' | 'reserved_host'; want: Record<string, string> }> = [
    { text: '', fallback: 'auto', want: { east: 'auto', west: 'auto' } },
    { text: '  ', fallback: 'reserved_host', want: { east: 'reserved_host', other: 'reserved_host' } },
    { text: 'east=reserved_host, west=auto_priority', fallback: 'auto', want: { east: 'reserved_host', west: 'auto_priority', north: 'auto' } },
    { text: 'east=rh_priority;west=auto', fallback: 'reserved_host', want: { east: 'rh_priority', west: 'auto', x: 'reserved_host' } },
    { text: 'east = Reserved-Host  west=AUTO', fallback: 'auto', want: { east: 'reserved_host', west: 'auto' } },
    { text: 'east=auto,east=auto', fallback: 'reserved_host', want: { east: 'auto' } },
    { text: 'rack-1.a=auto_priority,', fallback: 'auto', want: { 'rack-1.a': 'auto_priority' } },
  ];
  test.each(cases)('$text (fallback $fallback)', ({ text, fallback, want }) => {
    const methodOf = parseSegmentMethods(text, fallback);
    for (const [segment, method] of Object.entries(want)) expect(methodOf(segment)).toBe(method);
  });

  const bad: Array<[string, RegExp]> = [
    ['east', /"east" has no "="/],
    ['=auto', /"=auto" names no segment/],
    ['east=fast', /"fast" for segment east is not a recovery method/],
    ['east=', /"" for segment east is not a recovery method/],
    ['east=auto, east=reserved_host', /segment east is given both auto and reserved_host/],
  ];
  test.each(bad)('%p is a ConfigError naming segment_recovery_methods', (text, reason) => {
    expect(() => parseSegmentMethods(text, 'auto')).toThrow(ConfigError);
    expect(() => parseSegmentMethods(text, 'auto')).toThrow(/^segment_recovery_methods: /);
    expect(() => parseSegmentMethods(text, 'auto')).toThrow(reason);
  });
});

describe('parseRecoveryMethod', () => {
  test.each([
    [undefined, 'auto'],
    ['', 'auto'],
    ['auto', 'auto'],
    ['reserved_host', 'reserved_host'],
    [' Auto_Priority ', 'auto_priority'],
    ['rh-priority', 'rh_priority'],
  ] as const)('%p → %s', (text, want) => {
    expect(parseRecoveryMethod(text)).toBe(want);
  });

  test('unknown method names the parameter', () => {
    expect(() => parseRecoveryMethod('spread')).toThrow(/^recovery_method: "spread" is not one of auto, reserved_host, auto_priority, rh_priority$/);
    expect(() => parseRecoveryMethod('spread', 'default_recovery')).toThrow(/^default_recovery:/);
  });
});
