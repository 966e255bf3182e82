/** Finding the Nova compute service an operator named (exact host, or a unique short name). */
import type { ComputeService } from '../openstack/nova-types';
import { NoSuchObjectError } from './errors';

export function findService(services: readonly ComputeService[], name: string): ComputeService {
  const exact = services.find((service) => service.host === name);
  if (exact) return exact;
  const short = services.filter((service) => service.host.split('.')[0] === name.split('.')[0]);
  if (short.length === 1 && short[0]) return short[0];
  const known = services.map((service) => service.host).sort();
  throw new NoSuchObjectError(
    `Nova has no nova-compute service on host '${name}'${
      short.length > 1 ? ` (ambiguous: ${short.map((s) => s.host).join(', ')})` : ''
    }; known hosts: ${known.join(', ') || 'none'}`,
  );
}
