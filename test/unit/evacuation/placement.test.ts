import type { Server } from '../../../lib/openstack/nova-types';
import type { HostView, InstanceView, RecoveryMethod, Room } from '../../../lib/evacuation/model';
import { addClaims, isCandidate, planPlacement, type PlacementInput } from '../../../lib/evacuation/placement';

interface HostOptions {
  segment?: string;
  state?: 'up' | 'down';
  status?: 'enabled' | 'disabled';
  forcedDown?: boolean;
  reserved?: boolean;
  free?: Room | undefined;
  mark?: HostView['mark'];
}

function host(name: string, options: HostOptions = {}): HostView {
  const reserved = options.reserved ?? false;
  return {
    name,
    service: {
      id: name, host: name, binary: 'nova-compute', zone: 'nova',
      status: options.status ?? (reserved ? 'disabled' : 'enabled'),
      state: options.state ?? 'up',
      forcedDown: options.forcedDown ?? false,
      disabledReason: reserved ? 'reserved' : null,
      updatedAt: null,
    },
    mark: options.mark ?? { kind: 'never' },
    fencedAt: undefined,
    segment: options.segment ?? 'east',
    reserved,
    free: 'free' in options ? options.free : room(8, 8192, 100),
    aggregates: [],
  };
}

function room(vcpus: number, ramMb: number, diskGb: number): Room {
  return { vcpus, ramMb, diskGb };
}

function vm(id: string, ramMb: number | undefined, vcpus = 1, diskGb = 10, image: string | null = 'img'): InstanceView {
  const server = { id, name: id, imageId: image, metadata: {} } as unknown as Server;
  return { server, size: ramMb === undefined ? undefined : { vcpus, ramMb, diskGb }, priority: 0, migrations: [] };
}

const source = host('cmp-1', { state: 'down', forcedDown: true, status: 'disabled', mark: { kind: 'needed' } });

function plan(method: RecoveryMethod, hosts: HostView[], instances: InstanceView[], extra: Partial<PlacementInput> = {}) {
  return planPlacement({
    instances, source, method, hosts: [source, ...hosts], inFlightPerTarget: new Map(), perTarget: 10, avoid: new Map(), ...extra,
  });
}

function targets(result: ReturnType<typeof plan>): Record<string, string | null> {
  return Object.fromEntries(result.planned.map((p) => [p.instanceId, p.target ?? null]));
}

describe('isCandidate', () => {
  const cases: Array<[string, HostView, boolean]> = [
    ['an enabled up host of the segment', host('cmp-2'), true],
    ['a reserved (disabled) up host of the segment', host('rsv-1', { reserved: true }), true],
    ['the source itself', source, false],
    ['another segment', host('w-1', { segment: 'west' }), false],
    ['a down host', host('cmp-2', { state: 'down' }), false],
    ['a forced-down host', host('cmp-2', { forcedDown: true }), false],
    ['a host marked yes', host('cmp-2', { mark: { kind: 'needed' } }), false],
    ['a host being evacuated', host('cmp-2', { mark: { kind: 'in-progress', by: 'ctl-1', since: 1 } }), false],
    ['a host evacuated and back (no)', host('cmp-2', { mark: { kind: 'done' } }), true],
  ];
  test.each(cases)('%s → %p', (_name, view, want) => {
    expect(isCandidate(view, source)).toBe(want);
  });
});

describe('planPlacement', () => {
  const cases: Array<{
    name: string;
    method: RecoveryMethod;
    hosts: HostView[];
    instances: InstanceView[];
    extra?: Partial<PlacementInput>;
    want: Record<string, string | null>;
    unplaced?: Record<string, RegExp>;
    enable?: string[];
  }> = [
    // auto
    { name: 'auto: the scheduler for every instance', method: 'auto', hosts: [host('cmp-2')],
      instances: [vm('a', 512), vm('b', 1024)], want: { a: null, b: null } },
    { name: 'auto: the scheduler even with no room anywhere', method: 'auto', hosts: [host('cmp-2', { free: room(0, 0, 0) })],
      instances: [vm('a', 512)], want: { a: null } },
    { name: 'auto: the scheduler even without candidates (Nova is not segment-aware)', method: 'auto', hosts: [],
      instances: [vm('a', 512)], want: { a: null } },
    { name: 'auto: failed before → an explicit enabled host with room, not the failed one', method: 'auto',
      hosts: [host('cmp-2', { free: room(8, 16384, 100) }), host('cmp-3')],
      instances: [vm('a', 512)], extra: { avoid: new Map([['a', new Set(['cmp-2'])]]) }, want: { a: 'cmp-3' } },
    { name: 'auto: failed before, no other enabled host with known room → scheduler', method: 'auto',
      hosts: [host('cmp-2'), host('cmp-3', { free: undefined }), host('rsv-1', { reserved: true })],
      instances: [vm('a', 512)], extra: { avoid: new Map([['a', new Set(['cmp-2'])]]) }, want: { a: null } },
    { name: 'auto: an empty avoid set is no reason for an explicit host', method: 'auto', hosts: [host('cmp-2')],
      instances: [vm('a', 512)], extra: { avoid: new Map([['a', new Set<string>()]]) }, want: { a: null } },
    // reserved_host
    { name: 'reserved_host: a reserved host, enabled first', method: 'reserved_host',
      hosts: [host('cmp-2'), host('rsv-1', { reserved: true })], instances: [vm('a', 512)], want: { a: 'rsv-1' }, enable: ['rsv-1'] },
    { name: 'reserved_host: spread across reserved hosts by free RAM', method: 'reserved_host',
      hosts: [host('rsv-1', { reserved: true, free: room(16, 8192, 500) }), host('rsv-2', { reserved: true, free: room(16, 6144, 500) })],
      instances: [vm('a', 2048), vm('b', 2048), vm('c', 2048), vm('d', 2048)],
      want: { a: 'rsv-1', b: 'rsv-1', c: 'rsv-2', d: 'rsv-1' }, enable: ['rsv-1', 'rsv-2'] },
    { name: 'reserved_host: never over the free room; the rest unplaced', method: 'reserved_host',
      hosts: [host('rsv-1', { reserved: true, free: room(4, 4096, 100) })],
      instances: [vm('a', 2048), vm('b', 2048), vm('c', 1024)],
      want: { a: 'rsv-1', b: 'rsv-1' }, unplaced: { c: /no reserved host of segment east has room for 1 vCPUs, 1024 MB RAM, 10 GB disk \(rsv-1 2 vCPUs\/0 MB\/80 GB free\)/ },
      enable: ['rsv-1'] },
    { name: 'reserved_host: vCPUs limit too', method: 'reserved_host',
      hosts: [host('rsv-1', { reserved: true, free: room(2, 65536, 100) })],
      instances: [vm('a', 512, 2), vm('b', 512, 1)], want: { a: 'rsv-1' }, unplaced: { b: /no reserved host/ }, enable: ['rsv-1'] },
    { name: 'reserved_host: disk counts for image-backed instances', method: 'reserved_host',
      hosts: [host('rsv-1', { reserved: true, free: room(8, 8192, 15) })],
      instances: [vm('a', 512, 1, 10), vm('b', 512, 1, 10)], want: { a: 'rsv-1' }, unplaced: { b: /10 GB disk/ }, enable: ['rsv-1'] },
    { name: 'reserved_host: disk does not count for volume-booted instances', method: 'reserved_host',
      hosts: [host('rsv-1', { reserved: true, free: room(8, 8192, 0) })],
      instances: [vm('a', 512, 1, 10, null), vm('b', 512, 1, 10, null)], want: { a: 'rsv-1', b: 'rsv-1' }, enable: ['rsv-1'] },
    { name: 'reserved_host: none in the segment', method: 'reserved_host',
      hosts: [host('cmp-2'), host('rsv-w', { reserved: true, segment: 'west' })], instances: [vm('a', 512)],
      want: {}, unplaced: { a: /^segment east has no reserved host that is up$/ } },
    { name: 'reserved_host: a down reserved host is no candidate', method: 'reserved_host',
      hosts: [host('rsv-1', { reserved: true, state: 'down' })], instances: [vm('a', 512)],
      want: {}, unplaced: { a: /no reserved host that is up/ } },
    { name: 'reserved_host: an already enabled reserved host needs no enabling', method: 'reserved_host',
      hosts: [host('rsv-1', { reserved: true, status: 'enabled' })], instances: [vm('a', 512)], want: { a: 'rsv-1' }, enable: [] },
    { name: 'reserved_host: unknown room only when no known host fits', method: 'reserved_host',
      hosts: [host('rsv-1', { reserved: true, free: undefined }), host('rsv-2', { reserved: true, free: room(1, 1024, 100) })],
      instances: [vm('a', 1024), vm('b', 1024)], want: { a: 'rsv-2', b: 'rsv-1' }, enable: ['rsv-1', 'rsv-2'] },
    { name: 'reserved_host: unknown size is assumed to fit and uses no room', method: 'reserved_host',
      hosts: [host('rsv-1', { reserved: true, free: room(1, 512, 10) })],
      instances: [vm('a', undefined), vm('b', 512)], want: { a: 'rsv-1', b: 'rsv-1' }, enable: ['rsv-1'] },
    { name: 'reserved_host: hosts with build slots left come first', method: 'reserved_host',
      hosts: [host('rsv-1', { reserved: true, free: room(64, 65536, 999) }), host('rsv-2', { reserved: true, free: room(64, 4096, 999) })],
      instances: [vm('a', 512)], extra: { perTarget: 2, inFlightPerTarget: new Map([['rsv-1', 2]]) }, want: { a: 'rsv-2' }, enable: ['rsv-2'] },
    { name: 'reserved_host: when every host is at its build limit, room decides', method: 'reserved_host',
      hosts: [host('rsv-1', { reserved: true, free: room(64, 65536, 999) }), host('rsv-2', { reserved: true, free: room(64, 4096, 999) })],
      instances: [vm('a', 512)], extra: { perTarget: 1, inFlightPerTarget: new Map([['rsv-1', 1], ['rsv-2', 3]]) }, want: { a: 'rsv-1' }, enable: ['rsv-1'] },
    { name: 'reserved_host: build slots fill as the plan assigns', method: 'reserved_host',
      hosts: [host('rsv-1', { reserved: true, free: room(64, 65536, 999) }), host('rsv-2', { reserved: true, free: room(64, 4096, 999) })],
      instances: [vm('a', 512), vm('b', 512), vm('c', 512)], extra: { perTarget: 2 },
      want: { a: 'rsv-1', b: 'rsv-1', c: 'rsv-2' }, enable: ['rsv-1', 'rsv-2'] },
    { name: 'reserved_host: the host it failed on only as a last resort', method: 'reserved_host',
      hosts: [host('rsv-1', { reserved: true, free: room(64, 65536, 999) }), host('rsv-2', { reserved: true, free: room(64, 4096, 999) })],
      instances: [vm('a', 512), vm('b', 512)], extra: { avoid: new Map([['a', new Set(['rsv-1'])], ['b', new Set(['rsv-1', 'rsv-2'])]]) },
      want: { a: 'rsv-2', b: 'rsv-1' }, enable: ['rsv-1', 'rsv-2'] },
    { name: 'reserved_host: hosts of other segments, forced down or marked are never targets', method: 'reserved_host',
      hosts: [
        host('rsv-w', { reserved: true, segment: 'west' }),
        host('rsv-f', { reserved: true, forcedDown: true }),
        host('rsv-m', { reserved: true, mark: { kind: 'needed' } }),
      ],
      instances: [vm('a', 512)], want: {}, unplaced: { a: /no reserved host that is up/ } },
    // auto_priority
    { name: 'auto_priority: auto while enabled hosts have room', method: 'auto_priority',
      hosts: [host('cmp-2', { free: room(8, 4096, 100) }), host('rsv-1', { reserved: true })],
      instances: [vm('a', 2048), vm('b', 2048)], want: { a: null, b: null }, enable: [] },
    { name: 'auto_priority: then reserved hosts once the enabled room is used', method: 'auto_priority',
      hosts: [host('cmp-2', { free: room(8, 4096, 100) }), host('rsv-1', { reserved: true })],
      instances: [vm('a', 2048), vm('b', 2048), vm('c', 2048)], want: { a: null, b: null, c: 'rsv-1' }, enable: ['rsv-1'] },
    { name: 'auto_priority: a small one still fits auto after a big one went to reserved', method: 'auto_priority',
      hosts: [host('cmp-2', { free: room(8, 1024, 100) }), host('rsv-1', { reserved: true })],
      instances: [vm('big', 4096), vm('small', 512)], want: { big: 'rsv-1', small: null }, enable: ['rsv-1'] },
    { name: 'auto_priority: unknown enabled room means auto', method: 'auto_priority',
      hosts: [host('cmp-2', { free: undefined }), host('rsv-1', { reserved: true })],
      instances: [vm('a', 999999)], want: { a: null }, enable: [] },
    { name: 'auto_priority: no enabled hosts → reserved', method: 'auto_priority',
      hosts: [host('cmp-2', { status: 'disabled' }), host('rsv-1', { reserved: true })],
      instances: [vm('a', 512)], want: { a: 'rsv-1' }, enable: ['rsv-1'] },
    { name: 'auto_priority: neither → unplaced with both reasons', method: 'auto_priority',
      hosts: [host('cmp-2', { free: room(1, 256, 1) }), host('rsv-1', { reserved: true, free: room(1, 256, 1) })],
      instances: [vm('a', 512)], want: {},
      unplaced: { a: /no enabled host of segment east has room for 1 vCPUs, 512 MB RAM, 10 GB disk, and no reserved host of segment east has room/ } },
    // rh_priority
    { name: 'rh_priority: reserved first', method: 'rh_priority',
      hosts: [host('cmp-2'), host('rsv-1', { reserved: true, free: room(8, 4096, 100) })],
      instances: [vm('a', 2048), vm('b', 2048), vm('c', 2048)], want: { a: 'rsv-1', b: 'rsv-1', c: null }, enable: ['rsv-1'] },
    { name: 'rh_priority: no reserved host → all auto', method: 'rh_priority', hosts: [host('cmp-2')],
      instances: [vm('a', 512)], want: { a: null }, enable: [] },
    { name: 'rh_priority: an instance too big for reserved goes auto, the next small one still reserved', method: 'rh_priority',
      hosts: [host('rsv-1', { reserved: true, free: room(8, 2048, 100) })],
      instances: [vm('big', 4096), vm('small', 1024)], want: { big: null, small: 'rsv-1' }, enable: ['rsv-1'] },
  ];

  test.each(cases)('$name', ({ method, hosts, instances, extra, want, unplaced, enable }) => {
    const result = plan(method, hosts, instances, extra);
    expect(targets(result)).toEqual(want);
    expect(result.unplaced.map((u) => u.instanceId).sort()).toEqual(Object.keys(unplaced ?? {}).sort());
    for (const item of result.unplaced) expect(item.reason).toMatch(unplaced?.[item.instanceId] ?? /never/);
    if (enable !== undefined) expect(result.reservedToEnable).toEqual(enable);
    for (const item of result.planned) {
      expect(item.sourceHost).toBe('cmp-1');
      expect(item.why).not.toBe('');
    }
  });

  test('keeps the given order of instances in the plan', () => {
    const result = plan('auto', [host('cmp-2')], [vm('z', 1), vm('a', 2), vm('m', 3)]);
    expect(result.planned.map((p) => p.instanceId)).toEqual(['z', 'a', 'm']);
  });

  test('explains each decision', () => {
    const result = plan('rh_priority', [host('cmp-2'), host('rsv-1', { reserved: true, free: room(8, 2048, 100) })], [vm('a', 2048), vm('b', 2048)]);
    expect(result.planned[0]?.why).toBe('reserved host rsv-1 of segment east (2048 MB RAM free)');
    expect(result.planned[1]?.why).toMatch(/^no reserved host of segment east has room for .*: Nova's scheduler chooses \(recovery method rh_priority\)$/);
    const retry = plan('auto', [host('cmp-2'), host('cmp-3')], [vm('a', 512)], { avoid: new Map([['a', new Set(['cmp-3'])]]) });
    expect(retry.planned[0]?.why).toMatch(/enabled host cmp-2 has room; the evacuation failed before on cmp-3/);
  });

  test('does not change the host views it was given', () => {
    const rsv = host('rsv-1', { reserved: true, free: room(8, 4096, 100) });
    plan('reserved_host', [rsv], [vm('a', 2048)]);
    expect(rsv.free).toEqual(room(8, 4096, 100));
  });
});

describe('claims across the failed hosts of one pass', () => {
  test('a second failed host sees the room the first one took', () => {
    const rsv = host('rsv-1', { reserved: true, free: room(8, 4096, 100) });
    const first = plan('reserved_host', [rsv], [vm('a', 2048), vm('b', 2048)]);
    expect(targets(first)).toEqual({ a: 'rsv-1', b: 'rsv-1' });
    expect(Object.fromEntries(first.claims)).toEqual({ 'rsv-1': room(2, 4096, 20) });
    const second = plan('reserved_host', [rsv], [vm('c', 1024)], { claimed: first.claims });
    expect(second.planned).toEqual([]);
    expect(second.unplaced[0]?.reason).toMatch(/rsv-1 6 vCPUs\/0 MB\/80 GB free/);
  });

  test('auto placements are claimed as an estimate; volume-booted ones claim no disk', () => {
    const result = plan('auto', [host('cmp-2', { free: room(8, 8192, 100) }), host('cmp-3', { free: room(8, 4096, 100) })], [vm('a', 1024, 1, 10, null)]);
    expect(Object.fromEntries(result.claims)).toEqual({ 'cmp-2': room(1, 1024, 0) });
  });

  test('addClaims sums per host', () => {
    const sum = addClaims(new Map([['x', room(1, 2, 3)]]), new Map([['x', room(1, 1, 1)], ['y', room(4, 4, 4)]]));
    expect(Object.fromEntries(sum)).toEqual({ x: room(2, 3, 4), y: room(4, 4, 4) });
  });
});
