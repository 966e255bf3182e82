/**
 * Where the evacuation of one instance stands, derived from Nova alone: the server record and
 * its evacuation migrations from the failed host created since the fence. Pure, so the loop
 * stays stateless: a fresh agent (after a SIGKILL, on another controller) reads the same answer.
 *
 * Never "ACTIVE, no task" as evacuated: Nova saves the rebuilt instance ACTIVE while still
 * recorded on its old host, before finish_evacuation. Evacuated means the host changed.
 */
import { isEvacuationInFlight } from '../fence-compute/service-state';
import type { Migration, Server } from '../openstack/nova-types';
import type { InstanceProgress, RetryPolicy } from './model';

/** Nova evacuates instances in these states only (compute API's check_instance_state). */
export const EVACUABLE_STATUSES: readonly string[] = ['ACTIVE', 'SHUTOFF', 'ERROR'];
const FINISHED = ['done', 'completed'];
const FAILED = ['failed', 'error'];

import { novaTimeMs } from '../openstack/nova-time';

export { novaTimeMs };

/**
 * The evacuations of `server` away from `source` that belong to this failure: created at or
 * after `since` (epoch ms; every one when undefined), oldest first.
 */
export function relevantMigrations(
  server: Pick<Server, 'id'>,
  migrations: readonly Migration[],
  source: string,
  since: number | undefined,
): Migration[] {
  return migrations
    .filter((m) => m.instanceUuid === server.id && (m.sourceCompute === null || m.sourceCompute === source))
    .filter((m) => (m.migrationType ?? 'evacuation') === 'evacuation')
    .filter((m) => {
      if (since === undefined) return true;
      const created = novaTimeMs(m.createdAt);
      // A record without a readable time is kept: ignoring a live evacuation is the unsafe mistake.
      return Number.isNaN(created) || created >= since;
    })
    .sort((a, b) => novaTimeMs(a.createdAt) - novaTimeMs(b.createdAt) || a.id - b.id);
}

export interface ProgressInput {
  readonly server: Server;
  /** Evacuation migrations of this server from `source` (any age; filtered here). */
  readonly migrations: readonly Migration[];
  readonly source: string;
  /** Epoch ms of the fence: older migrations belong to an earlier failure. */
  readonly since: number | undefined;
  readonly maxAttempts: number;
}

export function deriveProgress(input: ProgressInput): InstanceProgress {
  const { server, source } = input;
  const mine = relevantMigrations(server, input.migrations, source, input.since);
  const running = mine.find((m) => isEvacuationInFlight(m));
  if (running) return { kind: 'in-flight', migration: running };

  const latest = mine[mine.length - 1];
  if (server.host !== null && server.host !== source) return { kind: 'evacuated', host: server.host };
  if (latest && FINISHED.includes(latest.status.toLowerCase())) {
    // Finished but still recorded on the source: Nova's finish window. Treat as under way.
    return { kind: 'in-flight', migration: latest };
  }

  const failures = mine.filter((m) => FAILED.includes(m.status.toLowerCase()));
  if (failures.length >= input.maxAttempts && input.maxAttempts > 0) {
    const last = failures[failures.length - 1];
    const where = last?.destCompute ? `, last on ${last.destCompute}` : '';
    return { kind: 'given-up', reason: `${failures.length} evacuation attempts failed${where}` };
  }
  if (!EVACUABLE_STATUSES.includes(server.status)) {
    return { kind: 'given-up', reason: `Nova cannot evacuate an instance in state ${server.status}` };
  }
  const lastFailure = failures[failures.length - 1];
  if (lastFailure) {
    const at = novaTimeMs(lastFailure.updatedAt ?? lastFailure.createdAt);
    return {
      kind: 'failed',
      attempts: failures.length,
      lastFailedAt: Number.isNaN(at) ? 0 : at,
      lastTarget: lastFailure.destCompute ?? undefined,
    };
  }
  return { kind: 'not-started' };
}

/** The backoff after `attempts` failures: backoffMs × factor^(attempts-1), capped. */
export function backoffMs(attempts: number, policy: RetryPolicy): number {
  const raw = policy.backoffMs * Math.pow(Math.max(1, policy.backoffFactor), Math.max(0, attempts - 1));
  return Math.min(raw, policy.maxBackoffMs);
}

/** Whether a failed instance may be tried again at `now` (stateless: from the failure time). */
export function retryDue(progress: InstanceProgress, policy: RetryPolicy, now: number): boolean {
  if (progress.kind !== 'failed') return progress.kind === 'not-started';
  return now >= progress.lastFailedAt + backoffMs(progress.attempts, policy);
}

/** Protected instances whose evacuation is over (evacuated or given up): the host may be marked `no`. */
export function isSettled(progress: InstanceProgress): boolean {
  return progress.kind === 'evacuated' || progress.kind === 'given-up';
}

/** Evacuate calls Nova refused (no migration record to show for them), remembered by the loop. */
export interface Refusals {
  readonly count: number;
  readonly lastAt: number;
  readonly target: string | undefined;
  readonly message: string;
}

/**
 * Adds the refusals the loop remembers to what Nova's records say: they count as attempts and
 * restart the backoff. Only an instance not in flight nor settled is affected.
 */
export function withRefusals(progress: InstanceProgress, refusals: Refusals | undefined, maxAttempts: number): InstanceProgress {
  if (!refusals || (progress.kind !== 'not-started' && progress.kind !== 'failed')) return progress;
  const earlier = progress.kind === 'failed' ? progress.attempts : 0;
  const attempts = earlier + refusals.count;
  if (maxAttempts > 0 && attempts >= maxAttempts) {
    return { kind: 'given-up', reason: `${attempts} evacuation attempts failed, last: ${refusals.message}` };
  }
  const lastFailedAt = progress.kind === 'failed' ? Math.max(progress.lastFailedAt, refusals.lastAt) : refusals.lastAt;
  const lastTarget = refusals.lastAt >= lastFailedAt ? refusals.target : progress.kind === 'failed' ? progress.lastTarget : undefined;
  return { kind: 'failed', attempts, lastFailedAt, lastTarget };
}
