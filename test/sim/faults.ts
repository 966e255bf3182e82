/**
 * Injected faults: what the simulator does wrong on purpose. HTTP faults match a route
 * key such as `GET /v2.1/servers/detail` (`*` is a wildcard); cloud faults name a host.
 * A fault fires with `probability` (default 1) at most `count` times (default: forever).
 */
import type { Rng } from './rng';

export type FaultKind =
  /** Answer `status` (default 500) instead of handling the request. */
  | 'http-error'
  /** Never answer (the client's timeout must fire); `delayMs` bounds the hang if set. */
  | 'hang'
  /** Answer after `delayMs` more. */
  | 'delay'
  /** Every Keystone request takes `delayMs` more. */
  | 'keystone-slow'
  /** Evacuate POSTs for instances on `host` (or any) get `status` (default 500). */
  | 'evacuate-reject'
  /** Rebuilds on destination `host` (or any) fail: migration `failed`, instance ERROR. */
  | 'rebuild-fail'
  /**
   * Nova's "ACTIVE on the old host" window: an instance mid-evacuation reads ACTIVE,
   * task_state null on its source host, and a second evacuate POST is accepted.
   */
  | 'evacuate-race'
  /** Nova forgets to check the source service (a broken cloud); the oracle must notice. */
  | 'skip-service-check';

export interface FaultSpec {
  id?: string;
  kind: FaultKind;
  route?: string;
  status?: number;
  probability?: number;
  count?: number;
  delayMs?: number;
  host?: string;
  message?: string;
}

export interface ActiveFault extends FaultSpec {
  id: string;
  fired: number;
}

export class FaultRegistry {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  constructor(private readonly rng: Rng) {}

  add(spec: FaultSpec): ActiveFault {
    const fault: ActiveFault = { ...spec, id: spec.id ?? `fault-${this.nextId++}`, fired: 0 };
    this.faults.push(fault);
    return fault;
  }

  /** Remove one fault by id, or all of them. */
  clear(id?: string): number {
    const before = this.faults.length;
    this.faults = id === undefined ? [] : this.faults.filter((f) => f.id !== id);
    return before - this.faults.length;
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Is a fault of `kind` present for this route/host (without firing it)? */
  has(kind: FaultKind, host?: string): boolean {
    return this.faults.some((f) => f.kind === kind && hostMatches(f, host) && !exhausted(f));
  }

  /** The first fault of `kind` that applies and wins its draw; it counts as fired. */
  fire(kind: FaultKind, where: { route?: string; host?: string } = {}): ActiveFault | null {
    for (const fault of this.faults) {
      if (fault.kind !== kind || exhausted(fault)) continue;
      if (fault.route !== undefined && (where.route === undefined || !routeMatches(fault.route, where.route))) continue;
      if (!hostMatches(fault, where.host)) continue;
      if (fault.probability !== undefined && this.rng.next() >= fault.probability) continue;
      fault.fired++;
      return fault;
    }
    return null;
  }
}

function exhausted(f: ActiveFault): boolean {
  return f.count !== undefined && f.fired >= f.count;
}

function hostMatches(f: FaultSpec, host: string | undefined): boolean {
  return f.host === undefined || f.host === host;
}

/** `GET /v2.1/servers/*` style patterns; a pattern without a method matches any method. */
export function routeMatches(pattern: string, route: string): boolean {
  const full = /^[A-Z]+ /.test(pattern) ? pattern : `* ${pattern}`;
  const regex = new RegExp(
    '^' + full.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$',
  );
  return regex.test(route);
}
