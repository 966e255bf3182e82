import { describe, expect, test } from '@jest/globals';
import type { RetryPolicy } from '../../../lib/evacuation/model';
import { backoffMs, deriveProgress, retryDue } from '../../../lib/evacuation/progress';
import type { Migration, Server } from '../../../lib/openstack/nova-types';

const FENCE = Date.parse('2026-11-25T12:00:00Z');
const at = (offsetS: number) => new Date(FENCE + offsetS * 1000).toISOString().replace('Z', '000').replace(/\.(\d{3})000$/, '.$1000');

function server(over: Partial<Server> = {}): Server {
  return {
    id: 'vm-1', name: 'vm-1', status: 'ACTIVE', host: 'cmp-a', hypervisorHostname: 'cmp-a', vmState: 'active',
    taskState: null, powerState: 1, projectId: 'p', userId: 'u',
    flavor: { id: '1', originalName: null, vcpus: 1, ram: 512, disk: 1, extraSpecs: null },
    imageId: 'img', metadata: {}, tags: [], locked: false, created: null, updated: null, ...over,
  };
}

let nextId = 1;
function migration(status: string, createdS: number, over: Partial<Migration> = {}): Migration {
  return {
    id: nextId++, uuid: null, instanceUuid: 'vm-1', sourceCompute: 'cmp-a', destCompute: 'cmp-b', sourceNode: 'cmp-a',
    destNode: 'cmp-b', destHost: null, status, migrationType: 'evacuation', createdAt: at(createdS),
    updatedAt: at(createdS + 1), ...over,
  };
}

const base = { source: 'cmp-a', since: FENCE, maxAttempts: 3 };

describe('deriveProgress', () => {
  test.each<[string, Server, Migration[], string]>([
    ['nothing yet', server(), [], 'not-started'],
    ['accepted', server(), [migration('accepted', 5)], 'in-flight'],
    ['queued', server(), [migration('queued', 5)], 'in-flight'],
    ['pre-migrating', server({ taskState: 'rebuilding' }), [migration('pre-migrating', 5)], 'in-flight'],
    ['running after one failure', server({ status: 'ERROR' }), [migration('failed', 2), migration('running', 20)], 'in-flight'],
    ['post-migrating', server(), [migration('post-migrating', 5)], 'in-flight'],
    // Nova's finish window: ACTIVE, no task, still on the source: never evacuated.
    ['ACTIVE, no task, on the source, migration running', server(), [migration('running', 5)], 'in-flight'],
    ['done but still recorded on the source', server(), [migration('done', 5)], 'in-flight'],
    ['moved and done', server({ host: 'cmp-b' }), [migration('done', 5)], 'evacuated'],
    ['moved and completed', server({ host: 'cmp-c' }), [migration('completed', 5)], 'evacuated'],
    ['moved without a record (operator)', server({ host: 'cmp-c' }), [], 'evacuated'],
    ['one failure', server({ status: 'ERROR' }), [migration('failed', 5)], 'failed'],
    ['an error (no host found)', server({ status: 'ERROR' }), [migration('error', 5)], 'failed'],
    ['attempts exhausted', server({ status: 'ERROR' }), [migration('failed', 5), migration('error', 30), migration('failed', 60)], 'given-up'],
    ['failures before the fence do not count', server({ status: 'ERROR' }), [migration('failed', -500), migration('failed', -400), migration('failed', -300)], 'not-started'],
    ['SHUTOFF', server({ status: 'SHUTOFF' }), [], 'not-started'],
    ['ERROR', server({ status: 'ERROR' }), [], 'not-started'],
    ['PAUSED cannot be evacuated', server({ status: 'PAUSED' }), [], 'given-up'],
    ['SHELVED_OFFLOADED', server({ status: 'SHELVED_OFFLOADED' }), [], 'given-up'],
    ['another instance’s migration', server(), [migration('running', 5, { instanceUuid: 'vm-2' })], 'not-started'],
    ['another source’s migration', server(), [migration('running', 5, { sourceCompute: 'cmp-x' })], 'not-started'],
  ])('%s', (_name, srv, migrations, kind) => {
    expect(deriveProgress({ ...base, server: srv, migrations }).kind).toBe(kind);
  });

  test('a failure records attempts, time and the target to avoid', () => {
    const progress = deriveProgress({
      ...base,
      server: server({ status: 'ERROR' }),
      migrations: [migration('failed', 5, { destCompute: 'cmp-b' }), migration('failed', 10, { destCompute: 'cmp-c' })],
    });
    expect(progress).toEqual({ kind: 'failed', attempts: 2, lastFailedAt: FENCE + 11_000, lastTarget: 'cmp-c' });
  });

  test('without a fence time every record counts', () => {
    const progress = deriveProgress({ ...base, since: undefined, server: server(), migrations: [migration('running', -900)] });
    expect(progress.kind).toBe('in-flight');
  });
});

describe('retries', () => {
  const policy: RetryPolicy = { maxAttempts: 3, backoffMs: 10_000, backoffFactor: 2, maxBackoffMs: 25_000 };

  test.each([
    [1, 10_000],
    [2, 20_000],
    [3, 25_000],
  ])('backoff after %i failures is %i ms', (attempts, ms) => {
    expect(backoffMs(attempts, policy)).toBe(ms);
  });

  test('due only once the backoff has passed since the last failure', () => {
    const failed = { kind: 'failed', attempts: 1, lastFailedAt: 1_000, lastTarget: undefined } as const;
    expect(retryDue(failed, policy, 10_999)).toBe(false);
    expect(retryDue(failed, policy, 11_000)).toBe(true);
    expect(retryDue({ kind: 'not-started' }, policy, 0)).toBe(true);
    expect(retryDue({ kind: 'evacuated', host: 'x' }, policy, 0)).toBe(false);
  });
});
