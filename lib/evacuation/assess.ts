/**
 * Pure: one failed host's instances as the pass sees them — protected or not (scope), and for
 * the protected ones where their evacuation stands (progress, with the refusals the loop
 * remembers). Which of them may be evacuated now, and whether the host is settled.
 */
import type { HostView, InstanceProgress, InstanceView, RetryPolicy, ScopeDecision, ScopeFacts, ScopePolicy } from './model';
import type { FlavorSpecsView } from './ports';
import { priorityFromMetadata } from './priority';
import { deriveProgress, isSettled, novaTimeMs, retryDue, withRefusals, type Refusals } from './progress';
import { decideScope } from './scope';
import type { FailedHost } from './snapshot';
import { sizeOf } from './snapshot';

/** Nova may record a migration's time to the second and clocks differ a little: look this far before the fence. */
export const FENCE_TIME_SLACK_MS = 5_000;

export interface InstanceAssessment {
  readonly view: InstanceView;
  readonly scope: ScopeDecision;
  /** Undefined for an unprotected instance: it is left where it is. */
  readonly progress: InstanceProgress | undefined;
}

/** An instance no longer on the failed host that an evacuation of this failure moved (status only). */
export interface MovedInstance {
  readonly id: string;
  readonly host: string | null;
}

export interface HostAssessment {
  readonly failed: FailedHost;
  readonly instances: readonly InstanceAssessment[];
  readonly moved: readonly MovedInstance[];
  /** Every protected instance is evacuated or given up (true when none is protected). */
  readonly settled: boolean;
}

export interface AssessInput {
  readonly failed: FailedHost;
  readonly facts: ScopeFacts;
  readonly scope: ScopePolicy;
  readonly maxAttempts: number;
  readonly flavors: ReadonlyMap<string, FlavorSpecsView>;
  readonly refusals: ReadonlyMap<string, Refusals>;
}

/** The migrations of this failure start at the fence (else at the in-progress marker). */
export function failureStart(host: HostView): number | undefined {
  const at = host.fencedAt ?? (host.mark.kind === 'in-progress' ? host.mark.since * 1000 : undefined);
  return at === undefined ? undefined : at - FENCE_TIME_SLACK_MS;
}

export function assessHost(input: AssessInput): HostAssessment {
  const { failed } = input;
  const since = failureStart(failed.host);
  const instances = failed.servers.map((server): InstanceAssessment => {
    const migrations = failed.migrations.filter((m) => m.instanceUuid === server.id);
    const view: InstanceView = {
      server,
      size: sizeOf(server, input.flavors),
      priority: priorityFromMetadata(server.metadata),
      migrations,
    };
    const scope = decideScope(server, failed.host, input.facts, input.scope);
    if (!scope.protected) return { view, scope, progress: undefined };
    const fromNova = deriveProgress({ server, migrations, source: failed.host.name, since, maxAttempts: input.maxAttempts });
    const progress = withRefusals(fromNova, input.refusals.get(server.id), input.maxAttempts);
    return { view, scope, progress };
  });
  const settled = instances.every((i) => i.progress === undefined || isSettled(i.progress));
  // Servers are listed by host: the ones already moved show only in the migration records.
  const here = new Set(failed.servers.map((s) => s.id));
  const moved = new Map<string, MovedInstance>();
  for (const m of failed.migrations) {
    if (here.has(m.instanceUuid) || !['done', 'completed'].includes(m.status.toLowerCase())) continue;
    if (since !== undefined && !(novaTimeMs(m.createdAt) >= since)) continue;
    moved.set(m.instanceUuid, { id: m.instanceUuid, host: m.destCompute });
  }
  return { failed, instances, moved: [...moved.values()], settled };
}

/** Protected instances that may get an evacuate call now: never started, or failed and past the backoff. */
export function evacuable(assessment: HostAssessment, retry: RetryPolicy, now: number): InstanceAssessment[] {
  return assessment.instances.filter(
    (i) => i.progress !== undefined && retryDue(i.progress, retry, now) && i.view.server.taskState === null,
  );
}

/** Targets of evacuations Nova shows in flight, counted per destination. */
export function inFlightTargets(assessments: readonly HostAssessment[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const a of assessments) {
    for (const i of a.instances) {
      const dest = i.progress?.kind === 'in-flight' ? i.progress.migration.destCompute : null;
      if (dest) counts.set(dest, (counts.get(dest) ?? 0) + 1);
    }
  }
  return counts;
}

export function countKind(assessment: HostAssessment, kind: InstanceProgress['kind']): number {
  return assessment.instances.filter((i) => i.progress?.kind === kind).length;
}
