import { describe, expect, test } from '@jest/globals';
import { recheckVerdict, type EvacuationJob } from '../../../lib/evacuation/issue';
import type { Migration, Server } from '../../../lib/openstack/nova-types';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const SINCE = NOW - 60_000;
const limits = { maxAttempts: 3, retry: { maxAttempts: 3, backoffMs: 10_000, backoffFactor: 2, maxBackoffMs: 100_000 } };

function server(id: string, host: string, over: Partial<Server> = {}): Server {
  return {
    id, name: id, status: 'ACTIVE', host, hypervisorHostname: host, vmState: 'active', taskState: null, powerState: 1,
    projectId: 'p', userId: 'u', flavor: { id: '1', originalName: 'small', vcpus: 1, ram: 512, disk: 1, extraSpecs: {} },
    imageId: 'img', metadata: {}, tags: [], locked: false, created: null, updated: null, ...over,
  };
}

let nextId = 1;
function migration(instance: string, status: string, createdAt = NOW - 1_000): Migration {
  const at = new Date(createdAt).toISOString();
  return { id: nextId++, uuid: null, instanceUuid: instance, sourceCompute: 'cmp-a', destCompute: 'cmp-b', sourceNode: 'cmp-a', destNode: 'cmp-b', destHost: null, status, migrationType: 'evacuation', createdAt: at, updatedAt: at };
}

const job: EvacuationJob = { instance: server('vm-1', 'cmp-a'), source: 'cmp-a', target: undefined, since: SINCE };
const verdict = (servers: Server[], migrations: Migration[] = []) =>
  recheckVerdict(job, { source: 'cmp-a', servers, migrations }, new Map(), limits, NOW);

describe('recheckVerdict: the host-wide look right before an evacuate call', () => {
  test('an instance still on the failed host with no record of this failure may go', () => {
    expect(verdict([server('vm-1', 'cmp-a'), server('vm-2', 'cmp-a')])).toBeUndefined();
  });

  test('an old evacuation (an earlier failure) does not hold it back', () => {
    expect(verdict([server('vm-1', 'cmp-a')], [migration('vm-1', 'completed', SINCE - 3_600_000)])).toBeUndefined();
  });

  test.each([
    ['absent from the host listing (moved or deleted)', [server('vm-2', 'cmp-a')], [], 'it is no longer on cmp-a'],
    ['a task running', [server('vm-1', 'cmp-a', { taskState: 'rebuilding' })], [], 'task rebuilding in progress'],
    ['an evacuation accepted', [server('vm-1', 'cmp-a')], [migration('vm-1', 'accepted')], 'its evacuation is in-flight'],
    ['an evacuation running', [server('vm-1', 'cmp-a')], [migration('vm-1', 'running')], 'its evacuation is in-flight'],
    // Nova's finish window: done, the server still recorded on the source.
    ['an evacuation done while the server still reads the old host', [server('vm-1', 'cmp-a')], [migration('vm-1', 'done')], 'its evacuation is in-flight'],
  ])('%s: skipped', (_what, servers, migrations, reason) => {
    expect(verdict(servers, migrations)).toBe(reason);
  });

  test("another instance's evacuation on the same host does not hold this one back", () => {
    expect(verdict([server('vm-1', 'cmp-a'), server('vm-2', 'cmp-a')], [migration('vm-2', 'running')])).toBeUndefined();
  });

  test('a failed evacuation waits for its backoff', () => {
    expect(verdict([server('vm-1', 'cmp-a')], [migration('vm-1', 'error', NOW - 1_000)])).toMatch(/its evacuation is failed/);
    expect(verdict([server('vm-1', 'cmp-a')], [migration('vm-1', 'error', NOW - 20_000)])).toBeUndefined();
  });
});
