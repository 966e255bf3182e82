import type { Server } from '../../../lib/openstack/nova-types';
import type { InstanceSize, InstanceView } from '../../../lib/evacuation/model';
import { orderForEvacuation, priorityFromMetadata } from '../../../lib/evacuation/priority';

function instance(id: string, priority: number, size?: Partial<InstanceSize>): InstanceView {
  const server = { id, name: id, metadata: {} } as unknown as Server;
  return {
    server,
    size: size === undefined ? undefined : { vcpus: 1, ramMb: 512, diskGb: 1, ...size },
    priority,
    migrations: [],
  };
}

describe('priorityFromMetadata', () => {
  test.each([
    [{ ha_priority: '10' }, undefined, 10],
    [{ ha_priority: ' 3 ' }, undefined, 3],
    [{ ha_priority: '-2' }, undefined, -2],
    [{ ha_priority: '1.5' }, undefined, 1.5],
    [{ ha_priority: '' }, undefined, 0],
    [{ ha_priority: 'high' }, undefined, 0],
    [{ ha_priority: 'Infinity' }, undefined, 0],
    [{ ha_priority: '1e400' }, undefined, 0],
    [{}, undefined, 0],
    [{ other: '7' }, undefined, 0],
    [{ other: '7', ha_priority: '1' }, 'other', 7],
    [{ ha_priority: '1' }, 'other', 0],
  ] as const)('%p with key %p → %p', (metadata, key, want) => {
    expect(priorityFromMetadata(metadata, key)).toBe(want);
  });
});

describe('orderForEvacuation', () => {
  const cases: Array<{ name: string; input: InstanceView[]; want: string[] }> = [
    { name: 'empty', input: [], want: [] },
    { name: 'higher priority first', input: [instance('a', 0), instance('b', 5), instance('c', 1)], want: ['b', 'c', 'a'] },
    { name: 'negative priority last', input: [instance('a', -1), instance('b', 0)], want: ['b', 'a'] },
    { name: 'same priority: more RAM first', input: [instance('a', 0, { ramMb: 512 }), instance('b', 0, { ramMb: 4096 })], want: ['b', 'a'] },
    { name: 'same RAM: more vCPUs first', input: [instance('a', 0, { vcpus: 1 }), instance('b', 0, { vcpus: 8 })], want: ['b', 'a'] },
    { name: 'RAM before vCPUs', input: [instance('a', 0, { ramMb: 1024, vcpus: 16 }), instance('b', 0, { ramMb: 2048, vcpus: 1 })], want: ['b', 'a'] },
    { name: 'priority before size', input: [instance('big', 0, { ramMb: 65536 }), instance('small', 1, { ramMb: 64 })], want: ['small', 'big'] },
    { name: 'unknown size after known sizes', input: [instance('a', 0), instance('b', 0, { ramMb: 1 })], want: ['b', 'a'] },
    { name: 'full tie: by id', input: [instance('c', 0), instance('a', 0), instance('b', 0)], want: ['a', 'b', 'c'] },
    {
      name: 'mixed',
      input: [
        instance('d', 1, { ramMb: 512 }),
        instance('a', 0, { ramMb: 8192 }),
        instance('c', 1, { ramMb: 2048, vcpus: 2 }),
        instance('b', 1, { ramMb: 2048, vcpus: 4 }),
        instance('e', 9),
      ],
      want: ['e', 'b', 'c', 'd', 'a'],
    },
  ];
  test.each(cases)('$name', ({ input, want }) => {
    expect(orderForEvacuation(input).map((item) => item.server.id)).toEqual(want);
  });

  test('does not reorder its input and gives the same order whatever the input order', () => {
    const input = [instance('b', 0), instance('a', 2), instance('c', 1)];
    const copy = [...input];
    const once = orderForEvacuation(input).map((item) => item.server.id);
    expect(input).toEqual(copy);
    expect(orderForEvacuation([...input].reverse()).map((item) => item.server.id)).toEqual(once);
  });
});
