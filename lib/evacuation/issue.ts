/**
 * Issues a pass's planned evacuations in parallel (the plan already respects the concurrency
 * limits). Right before the evacuate calls of a failed host, that host's servers and evacuation
 * records are read again (two requests per host, not two per instance): an instance that left
 * the host, runs a task, or has an evacuation in flight is skipped — never twice.
 */
import type { Migration, Server } from '../openstack/nova-types';
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

/** A failed host as Nova shows it right before its evacuate calls. */
export interface HostRecheck {
  readonly source: string;
  readonly servers: readonly Server[];
  readonly migrations: readonly Migration[];
}

/**
 * Why the fresh look forbids an evacuate call now; undefined when it may go. The host's server
 * list stands in for a GET of the instance: one no longer listed there has moved or is gone.
 * The records are the host's evacuations, a superset of this instance's from this host.
 */
export function recheckVerdict(
  job: EvacuationJob,
  fresh: HostRecheck,
  refusals: ReadonlyMap<string, Refusals>,
  options: { readonly maxAttempts: number; readonly retry: RetryPolicy },
  now: number,
): string | undefined {
  const id = job.instance.id;
  const server = fresh.servers.find((s) => s.id === id);
  if (!server || server.host !== job.source) return `it is no longer on ${job.source}`;
  if (server.taskState !== null) return `task ${server.taskState} in progress`;
  const fromNova = deriveProgress({ server, migrations: fresh.migrations, source: job.source, since: job.since, maxAttempts: options.maxAttempts });
  const progress = withRefusals(fromNova, refusals.get(id), options.maxAttempts);
  if (!retryDue(progress, options.retry, now)) return `its evacuation is ${progress.kind}`;
  return undefined;
}

async function readHost(ports: EvacuationPorts, source: string): Promise<HostRecheck> {
  const [servers, migrations] = await Promise.all([ports.nova.listServersOnHost(source), ports.nova.listEvacuationsFrom(source)]);
  return { source, servers, migrations };
}

async function issueOne(ports: EvacuationPorts, job: EvacuationJob, fresh: HostRecheck, options: IssueOptions): Promise<JobOutcome> {
  const id = job.instance.id;
  const log = options.log.child({ host: job.source, instance: id });
  const why = recheckVerdict(job, fresh, options.refusals, options, ports.now());
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

/** One host's jobs: its fresh look, then its evacuate calls in parallel. */
async function issueForHost(ports: EvacuationPorts, source: string, jobs: readonly EvacuationJob[], options: IssueOptions): Promise<JobOutcome[]> {
  let fresh: HostRecheck;
  try {
    fresh = await readHost(ports, source);
  } catch (error) {
    const message = errorMessage(error);
    options.log.warn(`cannot re-check ${source} before evacuating ${jobs.length} instance(s) from it: ${message}`, { host: source });
    return jobs.map((job) => ({ kind: 'unchecked', job, message }));
  }
  return Promise.all(jobs.map((job) => issueOne(ports, job, fresh, options)));
}

export async function issueEvacuations(
  ports: EvacuationPorts,
  jobs: readonly EvacuationJob[],
  options: IssueOptions,
): Promise<JobOutcome[]> {
  const bySource = new Map<string, EvacuationJob[]>();
  for (const job of jobs) bySource.set(job.source, [...(bySource.get(job.source) ?? []), job]);
  const perHost = await Promise.all([...bySource].map(([source, hostJobs]) => issueForHost(ports, source, hostJobs, options)));
  // Outcomes in the order of the jobs, as before.
  const byJob = new Map(perHost.flat().map((outcome) => [outcome.job, outcome]));
  return jobs.map((job) => byJob.get(job) as JobOutcome);
}
