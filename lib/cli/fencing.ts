/**
 * Fencing that failed, for `nova-ha status`, `explain` and `doctor`: a node whose power fence
 * device fails is lost but never fenced, so fence_compute never forces it down and NovaEvacuate
 * rightly does nothing. Only Pacemaker's fencing history says why; crm_mon prints it with the
 * nodes. A later success (of any device) clears the failures. Reading is tolerant: crm_mon
 * missing or unreachable is a note, never a failed command. The derivation is pure.
 */
import type { ClusterStatus } from '../pacemaker/crm-mon';
import type { FenceEvent } from '../pacemaker/fence-event';
import { errorMessage } from '../runtime/errors';
import type { Deadline } from '../runtime/deadline';

/** Actions that take a node down; `on` (unfencing) failing is another story. */
const FENCING_ACTIONS: readonly string[] = ['off', 'reboot'];

export interface FencingFailure {
  /** The Pacemaker node (the fence target). */
  readonly node: string;
  /** Failed off/reboot events since the node's last successful fencing. */
  readonly attempts: number;
  /** Epoch ms of the oldest and newest of those failures, when crm_mon printed a time. */
  readonly firstFailedAt: number | null;
  readonly lastFailedAt: number | null;
  /** The newest failed action ("off", "reboot"). */
  readonly action: string;
  /** The node that ran the device for the newest failure, when crm_mon names one. */
  readonly delegate: string | null;
  /** The fencer's exit reason for the newest failure, when it gives one. */
  readonly exitReason: string | null;
  /** A fencing action for the node is pending now (Pacemaker is trying again). */
  readonly retrying: boolean;
  /** Epoch ms of the last successful fencing before the failures, when there was one. */
  readonly lastSucceededAt: number | null;
  /** How crm_mon shows the node now: a lost node not yet fenced reads online but unclean. */
  readonly nodeState: 'unclean' | 'offline' | 'online' | 'not listed';
}

export interface FencingView {
  readonly failures: readonly FencingFailure[];
  /** What could not be read (crm_mon missing, the fencer not answering). */
  readonly notes: readonly string[];
}

export interface FencingTools {
  readonly deadline: Deadline;
  readonly env: NodeJS.ProcessEnv;
}

function nodeState(cluster: ClusterStatus, node: string): FencingFailure['nodeState'] {
  const entry = cluster.nodes.find((candidate) => candidate.name === node);
  if (!entry) return 'not listed';
  if (entry.unclean) return 'unclean';
  return entry.online ? 'online' : 'offline';
}

function failureOf(cluster: ClusterStatus, node: string, events: readonly FenceEvent[]): FencingFailure | undefined {
  const successes = events.filter((event) => event.status === 'success').map((event) => event.completedMs ?? 0);
  const lastSucceededAt = successes.length > 0 ? Math.max(...successes) : null;
  // A failure without a time cannot be placed after a success: only counted when none succeeded.
  const failures = events.filter(
    (event) =>
      event.status === 'failed' &&
      (lastSucceededAt === null || (event.completedMs !== undefined && event.completedMs > lastSucceededAt)),
  );
  if (failures.length === 0) return undefined;
  const timed = failures.flatMap((event) => (event.completedMs === undefined ? [] : [event.completedMs]));
  const newest = failures.reduce((a, b) => ((b.completedMs ?? -1) > (a.completedMs ?? -1) ? b : a));
  return {
    node,
    attempts: failures.length,
    firstFailedAt: timed.length > 0 ? Math.min(...timed) : null,
    lastFailedAt: timed.length > 0 ? Math.max(...timed) : null,
    action: newest.action,
    delegate: newest.delegate ?? null,
    exitReason: newest.exitReason ?? null,
    retrying: events.some((event) => event.status === 'pending'),
    lastSucceededAt,
    nodeState: nodeState(cluster, node),
  };
}

/** The nodes whose last fencing attempts failed with no success since, sorted by node (pure). */
export function fencingFromCluster(cluster: ClusterStatus): FencingView {
  const notes = cluster.fenceHistoryAvailable ? [] : ['the fencer did not answer crm_mon: failed fencing cannot be shown'];
  const byTarget = new Map<string, FenceEvent[]>();
  for (const event of cluster.fenceHistory) {
    if (!FENCING_ACTIONS.includes(event.action)) continue;
    byTarget.set(event.target, [...(byTarget.get(event.target) ?? []), event]);
  }
  const failures = [...byTarget]
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([node, events]) => {
      const failure = failureOf(cluster, node, events);
      return failure ? [failure] : [];
    });
  return { failures, notes };
}

/** crm_mon read now; missing or unreachable is a note. */
export async function readFencing(tools: FencingTools): Promise<FencingView> {
  try {
    const { getClusterStatus } = await import('../pacemaker/crm-mon');
    return fencingFromCluster(await getClusterStatus({ ...tools, capMs: 10_000 }));
  } catch (error) {
    return { failures: [], notes: [`fencing history (crm_mon) unreadable: ${errorMessage(error)}`] };
  }
}

/** The failure of the node that is Nova host `host`: same name, else the same short name. */
export function fencingForHost(view: FencingView, host: string | null): FencingFailure | undefined {
  if (host === null) return undefined;
  const exact = view.failures.find((failure) => failure.node === host);
  if (exact) return exact;
  const short = (name: string): string => name.split('.')[0] ?? name;
  const near = view.failures.filter((failure) => short(failure.node) === short(host));
  return near.length === 1 ? near[0] : undefined;
}
