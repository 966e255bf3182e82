/**
 * Issues a pass's planned evacuations in parallel (the plan already respects the concurrency
 * limits). Right before EVERY evacuate call the instance and its evacuation records are read
 * again: if anything is in flight, it moved, or a task runs, the call is skipped — never twice.
 */
import type { Server } from '../openstack/nova-types';
import { errorMessage } from '../runtime/errors';
import type { Log } from '../runtime/log';
import type { RetryPolicy } from './model';
import type { EvacuationPorts } from './ports';
import { deriveProgress, retryDue, withRefusals, type Refusals } from './progress';

export interface EvacuationJob {
  readonly instance: Server;
  readonly source: string;
  /** Undefined: Nova's scheduler chooses. */
  readonly target: string | undefined;
  /** Start of this failure (epoch ms), for which migrations count. */
  readonly since: number | undefined;
}

export type JobOutcome =
  | { readonly kind: 'issued'; readonly job: EvacuationJob }
  | { readonly kind: 'skipped'; readonly job: EvacuationJob; readonly reason: string }
  | { readonly kind: 'refused'; readonly job: EvacuationJob; readonly message: string }
  /** The re-check itself failed (Nova unreachable): nothing was sent. */
  | { readonly kind: 'unchecked'; readonly job: EvacuationJob; readonly message: string };

export interface IssueOptions {
  readonly maxAttempts: number;
  readonly retry: RetryPolicy;
  /** The loop's memory of refusals, updated here. */
  readonly refusals: Map<string, Refusals>;
  readonly log: Log;
}

/** Why the fresh look forbids an evacuate call now; undefined when it may go. */
async function recheck(ports: EvacuationPorts, job: EvacuationJob, options: IssueOptions): Promise<string | undefined> {
  const id = job.instance.id;
  const [server, migrations] = await Promise.all([ports.nova.getServer(id), ports.nova.listEvacuationsOf(id)]);
  if (server.host !== job.source) return `it is on ${server.host ?? 'no host'} now`;
  if (server.taskState !== null) return `task ${server.taskState} in progress`;
  const fromNova = deriveProgress({ server, migrations, source: job.source, since: job.since, maxAttempts: options.maxAttempts });
  const progress = withRefusals(fromNova, options.refusals.get(id), options.maxAttempts);
  if (!retryDue(progress, options.retry, ports.now())) return `its evacuation is ${progress.kind}`;
  return undefined;
}

async function issueOne(ports: EvacuationPorts, job: EvacuationJob, options: IssueOptions): Promise<JobOutcome> {
  const id = job.instance.id;
  const log = options.log.child({ host: job.source, instance: id });
  let why: string | undefined;
  try {
    why = await recheck(ports, job, options);
  } catch (error) {
    log.warn(`cannot re-check instance ${id} before evacuating it: ${errorMessage(error)}`);
    return { kind: 'unchecked', job, message: errorMessage(error) };
  }
  if (why !== undefined) {
    log.info(`not evacuating ${id}: ${why}`);
    return { kind: 'skipped', job, reason: why };
  }
  try {
    await ports.nova.evacuate(id, job.target);
    log.info(`evacuating ${id} (${job.instance.name}) from ${job.source} to ${job.target ?? "the scheduler's choice"}`);
    return { kind: 'issued', job };
  } catch (error) {
    // Nova refused (or did not answer): no record may exist, so the loop remembers it. A call
    // Nova did accept after all shows up as a migration, and the next re-check sees it.
    const message = errorMessage(error);
    const before = options.refusals.get(id);
    options.refusals.set(id, { count: (before?.count ?? 0) + 1, lastAt: ports.now(), target: job.target, message });
    log.warn(`evacuation of ${id} from ${job.source} failed: ${message}`);
    return { kind: 'refused', job, message };
  }
}

export async function issueEvacuations(
  ports: EvacuationPorts,
  jobs: readonly EvacuationJob[],
  options: IssueOptions,
): Promise<JobOutcome[]> {
  return Promise.all(jobs.map((job) => issueOne(ports, job, options)));
}
