/** A status document as NovaEvacuate writes it mid-recovery: one host evacuating, one done. */
import type { StatusDocument } from '../../../lib/evacuation/status';

export function sampleStatus(lastPassAt: number, overrides: Partial<StatusDocument> = {}): StatusDocument {
  return {
    schemaVersion: 1,
    writtenBy: 'ctl1',
    lastPassAt,
    summary: 'cmp-a: 2 of 3 protected instances evacuated, 1 in flight; cmp-b done',
    errors: ['nova: listing of migrations from cmp-a timed out (retried next pass)'],
    brake: { tripped: false, reason: null, resumedAt: null },
    hosts: [
      {
        name: 'cmp-a',
        mark: 'ctl1@1795608416',
        segment: 'segment-1',
        state: 'evacuating',
        detail: 'evacuating 3 protected instances',
        fencedAt: lastPassAt - 30_000,
        instances: [
          { id: 'aaaaaaa1-0000-4000-8000-000000000001', name: 'a-tagged-flavor-1', state: 'evacuated', serverStatus: 'ACTIVE', host: 'cmp-b', target: 'cmp-b', attempts: 0, error: null },
          { id: 'aaaaaaa1-0000-4000-8000-000000000002', name: 'a-tagged-flavor-2', state: 'in-flight', serverStatus: 'REBUILD', host: 'cmp-a', target: null, attempts: 1, error: 'No valid host was found' },
          { id: 'aaaaaaa1-0000-4000-8000-000000000004', name: 'a-untagged', state: 'unprotected', serverStatus: 'ACTIVE', host: 'cmp-a', target: null, attempts: 0, error: 'not tagged evacuable' },
        ],
      },
      { name: 'cmp-b', mark: 'no', segment: 'segment-1', state: 'done', detail: 'all protected instances evacuated', fencedAt: null, instances: [] },
    ],
    givenUp: [{ id: 'bbbbbbb2-0000-4000-8000-000000000009', name: 'b-paused', host: 'cmp-b', reason: 'PAUSED: Nova cannot evacuate it' }],
    ...overrides,
  };
}
