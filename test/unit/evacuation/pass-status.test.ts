/** What the status document remembers of instances that left their failed host. */
import { describe, expect, it } from '@jest/globals';
import { rememberInstances, unseenMoved, UNSEEN_STATUS, type SeenInstance } from '../../../lib/evacuation/pass-status';
import { STATUS_SCHEMA_VERSION, type InstanceStatus, type StatusDocument } from '../../../lib/evacuation/status';

function instance(id: string, name: string, serverStatus: string, state: InstanceStatus['state'] = 'evacuated'): InstanceStatus {
  return { id, name, state, serverStatus, host: 'cmp-b', target: 'cmp-b', attempts: 0, error: null };
}

function doc(instances: InstanceStatus[]): StatusDocument {
  return {
    schemaVersion: STATUS_SCHEMA_VERSION,
    writtenBy: 'ctl1',
    lastPassAt: 0,
    summary: '',
    errors: [],
    brake: { tripped: false, reason: null, resumedAt: null },
    hosts: [{ name: 'cmp-a', mark: 'no', segment: 'default', state: 'done', detail: '', fencedAt: null, instances }],
    givenUp: [],
  };
}

describe('rememberInstances and unseenMoved', () => {
  const seenByName = instance('i-1', 'web', 'REBUILD', 'in-flight');
  const unseen = instance('i-2', 'i-2', UNSEEN_STATUS);

  it('remembers names and statuses a pass saw, never the id placeholder', () => {
    const seen = rememberInstances(doc([seenByName, unseen]), new Map<string, SeenInstance>());
    expect([...seen]).toEqual([['i-1', { name: 'web', serverStatus: 'REBUILD' }]]);
  });

  it('a later document overwrites; nothing to remember without a document', () => {
    const seen = rememberInstances(doc([seenByName]), new Map());
    rememberInstances(doc([instance('i-1', 'web', 'ACTIVE')]), seen);
    expect(seen.get('i-1')).toEqual({ name: 'web', serverStatus: 'ACTIVE' });
    expect(rememberInstances(undefined, new Map()).size).toBe(0);
  });

  it('lists only moved servers nobody has seen', () => {
    expect(unseenMoved(doc([seenByName, unseen, instance('i-3', 'db', 'ACTIVE')]))).toEqual(['i-2']);
  });
});
