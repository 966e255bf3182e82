/**
 * Pure: a pass's result → the status document (status.ts) that `nova-ha status` reads.
 * Servers already rebuilt elsewhere are no longer listed on their failed host; the pass knows
 * them only from their migration records, so their name and last status come from what
 * earlier passes (or the previous status file) saw.
 */
import type { InstanceAssessment } from './assess';
import type { PassResult } from './reconcile';
import { formatEvacuateState } from '../pacemaker/evacuate-attribute';
import type { JobOutcome } from './issue';
import type { Refusals } from './progress';
import {
  STATUS_SCHEMA_VERSION,
  type GivenUpInstance,
  type HostStatus,
  type InstanceStatus,
  type InstanceStatusKind,
  type StatusDocument,
} from './status';

function instanceStatus(
  i: InstanceAssessment,
  planned: ReadonlyMap<string, JobOutcome>,
  refusals: ReadonlyMap<string, Refusals>,
  unplaced: ReadonlyMap<string, string>,
): InstanceStatus {
  const server = i.view.server;
  const progress = i.progress;
  const outcome = planned.get(server.id);
  let state: InstanceStatusKind = 'unprotected';
  let target: string | null = outcome?.job.target ?? null;
  let attempts = 0;
  let error: string | null = refusals.get(server.id)?.message ?? null;
  if (!progress) {
    error = i.scope.reason;
  } else {
    switch (progress.kind) {
      case 'not-started':
        state = outcome?.kind === 'issued' ? 'in-flight' : 'pending';
        error = unplaced.get(server.id) ?? error;
        break;
      case 'in-flight':
        state = 'in-flight';
        target = progress.migration.destCompute ?? target;
        break;
      case 'evacuated':
        state = 'evacuated';
        target = progress.host;
        break;
      case 'failed':
        state = outcome?.kind === 'issued' ? 'in-flight' : 'failed';
        attempts = progress.attempts;
        target = target ?? progress.lastTarget ?? null;
        break;
      case 'given-up':
        state = 'given-up';
        error = progress.reason;
        break;
    }
  }
  const refused = refusals.get(server.id);
  return {
    id: server.id,
    name: server.name,
    state,
    serverStatus: server.status,
    host: server.host,
    target,
    attempts,
    error,
    ...(refused ? { refused: { count: refused.count, lastAt: refused.lastAt, target: refused.target ?? null } } : {}),
  };
}

/** An instance as an earlier pass saw it: the name and the last status Nova showed. */
export interface SeenInstance {
  readonly name: string;
  readonly serverStatus: string;
}

/** Placeholder status of a moved server no pass has seen (the name is then its id). */
export const UNSEEN_STATUS = 'UNKNOWN';

function wasSeen(instance: InstanceStatus): boolean {
  return instance.serverStatus !== UNSEEN_STATUS || instance.name !== instance.id;
}

/** Adds what a document shows of each instance to `into` (newer documents overwrite). */
export function rememberInstances(doc: StatusDocument | undefined, into: Map<string, SeenInstance>): Map<string, SeenInstance> {
  for (const host of doc?.hosts ?? []) {
    for (const instance of host.instances) {
      if (wasSeen(instance)) into.set(instance.id, { name: instance.name, serverStatus: instance.serverStatus });
    }
  }
  return into;
}

/** Ids of the moved servers the document still names by id: nobody has seen them. */
export function unseenMoved(doc: StatusDocument): string[] {
  return doc.hosts.flatMap((host) => host.instances.filter((instance) => instance.state === 'evacuated' && !wasSeen(instance)).map((i) => i.id));
}

export function buildStatusDocument(
  pass: PassResult,
  refusals: ReadonlyMap<string, Refusals>,
  writtenBy: string,
  at: number,
  seen: ReadonlyMap<string, SeenInstance> = new Map(),
): StatusDocument {
  const planned = new Map(pass.outcomes.map((o) => [o.job.instance.id, o]));
  const failedNames = new Set(pass.hosts.map((h) => h.assessment.failed.host.name));
  const hosts: HostStatus[] = pass.hosts.map((h) => {
    const host = h.assessment.failed.host;
    return {
      name: host.name,
      mark: formatEvacuateState(host.mark),
      segment: host.segment,
      state: h.state,
      detail: h.detail,
      fencedAt: host.fencedAt ?? null,
      instances: [
        ...h.assessment.instances.map((i) => instanceStatus(i, planned, refusals, pass.unplaced)),
        ...h.assessment.moved.map((m): InstanceStatus => {
          const earlier = seen.get(m.id);
          return {
            id: m.id,
            name: earlier?.name ?? m.id,
            state: 'evacuated',
            serverStatus: earlier?.serverStatus ?? UNSEEN_STATUS,
            host: m.host,
            target: m.host,
            attempts: 0,
            error: null,
          };
        }),
      ],
    };
  });
  // Hosts already marked done and back in service: listed without instances.
  for (const host of pass.snapshot.hosts) {
    if (failedNames.has(host.name) || host.mark.kind !== 'done') continue;
    hosts.push({ name: host.name, mark: 'no', segment: host.segment, state: 'done', detail: 'evacuation done', fencedAt: host.fencedAt ?? null, instances: [] });
  }
  const givenUp: GivenUpInstance[] = pass.hosts.flatMap((h) =>
    h.assessment.instances.flatMap((i) =>
      i.progress?.kind === 'given-up'
        ? [{ id: i.view.server.id, name: i.view.server.name, host: h.assessment.failed.host.name, reason: i.progress.reason }]
        : [],
    ),
  );
  return {
    schemaVersion: STATUS_SCHEMA_VERSION,
    writtenBy,
    lastPassAt: at,
    summary: pass.summary,
    errors: pass.errors,
    brake: { tripped: pass.brake.tripped, reason: pass.brake.reason ?? null, resumedAt: pass.snapshot.resumedAt ?? null },
    hosts,
    givenUp,
  };
}

/** How long a status file's refusals are carried on by a fresh monitor. */
export const REFUSALS_KEPT_MS = 30 * 60_000;

/** Refusals recorded by an earlier monitor (same controller), so max_attempts holds across monitors. */
export function refusalsFrom(doc: StatusDocument | undefined, now: number): Map<string, Refusals> {
  const out = new Map<string, Refusals>();
  if (!doc || now - doc.lastPassAt > REFUSALS_KEPT_MS) return out;
  for (const host of doc.hosts) {
    for (const i of host.instances) {
      if (i.refused && i.refused.count > 0) {
        out.set(i.id, { count: i.refused.count, lastAt: i.refused.lastAt, target: i.refused.target ?? undefined, message: i.error ?? 'refused by Nova' });
      }
    }
  }
  return out;
}

/** The document after a pass that could not read its snapshot (Nova or attrd unreachable). */
export function failedPassDocument(previous: StatusDocument | undefined, message: string, writtenBy: string, at: number): StatusDocument {
  return {
    schemaVersion: STATUS_SCHEMA_VERSION,
    writtenBy,
    lastPassAt: at,
    summary: `pass failed: ${message}`,
    errors: [message],
    brake: previous?.brake ?? { tripped: false, reason: null, resumedAt: null },
    hosts: previous?.hosts ?? [],
    givenUp: previous?.givenUp ?? [],
  };
}
