/** Hand-made Nova records for tests of pure functions. */
import type { ComputeService } from '../../lib/openstack/nova-types';

/** An up, enabled nova-compute service on `host`, as the Nova client normalises it. */
export function computeService(host: string, overrides: Partial<ComputeService> = {}): ComputeService {
  return {
    id: `id-${host}`,
    host,
    binary: 'nova-compute',
    zone: 'nova',
    status: 'enabled',
    state: 'up',
    forcedDown: false,
    disabledReason: null,
    updatedAt: null,
    ...overrides,
  };
}
