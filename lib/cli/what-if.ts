/**
 * `nova-ha plan`'s decision, pure: if these hosts failed now, which of their instances are
 * protected (scope), in which order (priority), and where each would go (placement), using
 * NovaEvacuate's own planners over a read-only snapshot in which the named hosts are fenced.
 */
import type { Server } from '../openstack/nova-types';
import type { HostView, InstanceView, RecoveryMethod, Room, ScopeFacts, ScopePolicy } from '../evacuation/model';
import { addClaims, planPlacement, type ExplainedEvacuation } from '../evacuation/placement';
import type { FlavorSpecsView } from '../evacuation/ports';
import { priorityFromMetadata, orderForEvacuation } from '../evacuation/priority';
import { EVACUABLE_STATUSES } from '../evacuation/progress';
import { decideScope } from '../evacuation/scope';
import { sizeOf } from '../evacuation/snapshot';

export interface WhatIfInput {
  readonly hosts: readonly HostView[];
  readonly failing: readonly string[];
  /** Servers Nova records on each failing host. */
  readonly servers: ReadonlyMap<string, readonly Server[]>;
  readonly facts: ScopeFacts;
  readonly flavors: ReadonlyMap<string, FlavorSpecsView>;
  readonly policy: ScopePolicy;
  readonly methodFor: (segment: string) => RecoveryMethod;
  readonly perTarget: number;
}

export interface NotEvacuated {
  readonly id: string;
  readonly name: string;
  readonly reason: string;
}

export interface HostPlan {
  readonly host: string;
  readonly segment: string;
  readonly method: RecoveryMethod;
  readonly planned: readonly (ExplainedEvacuation & { readonly name: string; readonly priority: number })[];
  readonly unplaced: readonly NotEvacuated[];
  readonly unprotected: readonly NotEvacuated[];
  /** Protected, but in a state Nova cannot evacuate (PAUSED, SHELVED…). */
  readonly notEvacuable: readonly NotEvacuated[];
  readonly reservedToEnable: readonly string[];
}

export interface RoomChange {
  readonly host: string;
  readonly before: Room | undefined;
  readonly claimed: Room;
}

export interface WhatIfPlan {
  readonly hosts: readonly HostPlan[];
  readonly room: readonly RoomChange[];
}

/** The world as NovaEvacuate would see it once the named hosts are fenced and marked. */
export function fenceHypothetically(hosts: readonly HostView[], failing: readonly string[]): HostView[] {
  return hosts.map((host) =>
    failing.includes(host.name)
      ? { ...host, mark: { kind: 'needed' }, service: { ...host.service, state: 'down', forcedDown: true } }
      : host,
  );
}

export function planWhatIf(input: WhatIfInput): WhatIfPlan {
  const world = fenceHypothetically(input.hosts, input.failing);
  let claims = new Map<string, Room>();
  const plans: HostPlan[] = [];
  for (const name of input.failing) {
    const source = world.find((host) => host.name === name);
    if (!source) continue;
    const names = new Map<string, string>();
    const unprotected: NotEvacuated[] = [];
    const notEvacuable: NotEvacuated[] = [];
    const views: InstanceView[] = [];
    for (const server of input.servers.get(name) ?? []) {
      names.set(server.id, server.name);
      const decision = decideScope(server, source, input.facts, input.policy);
      if (!decision.protected) {
        unprotected.push({ id: server.id, name: server.name, reason: decision.reason });
      } else if (!EVACUABLE_STATUSES.includes(server.status)) {
        notEvacuable.push({ id: server.id, name: server.name, reason: `${server.status}: Nova cannot evacuate an instance in this state` });
      } else {
        views.push({ server, size: sizeOf(server, input.flavors), priority: priorityFromMetadata(server.metadata), migrations: [] });
      }
    }
    const ordered = orderForEvacuation(views);
    const method = input.methodFor(source.segment);
    const placement = planPlacement({
      instances: ordered,
      source,
      method,
      hosts: world,
      inFlightPerTarget: new Map(),
      perTarget: input.perTarget,
      avoid: new Map(),
      claimed: claims,
    });
    claims = addClaims(claims, placement.claims);
    const priorities = new Map(ordered.map((view) => [view.server.id, view.priority]));
    plans.push({
      host: name,
      segment: source.segment,
      method,
      planned: placement.planned.map((item) => ({
        ...item,
        name: names.get(item.instanceId) ?? item.instanceId,
        priority: priorities.get(item.instanceId) ?? 0,
      })),
      unplaced: placement.unplaced.map((item) => ({ id: item.instanceId, name: names.get(item.instanceId) ?? item.instanceId, reason: item.reason })),
      unprotected,
      notEvacuable,
      reservedToEnable: placement.reservedToEnable,
    });
  }
  const room = [...claims]
    .map(([host, claimed]) => ({ host, before: input.hosts.find((h) => h.name === host)?.free, claimed }))
    .sort((a, b) => a.host.localeCompare(b.host));
  return { hosts: plans, room };
}
