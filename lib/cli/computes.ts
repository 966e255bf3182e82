/**
 * What NovaCompute knows, for `nova-ha status` and `explain`: every node's private transient
 * attribute `nova-ha-compute` (a ComputeReport), read with attrd_updater. Reading is tolerant:
 * attrd unreachable or a garbled value is a note, never a failed command. The lookups are pure.
 */
import { COMPUTE_REPORT_ATTRIBUTE, parseComputeReport, type ComputeReport, type InstanceRestartRecord } from '../nova-compute/report';
import { errorMessage } from '../runtime/errors';
import type { Deadline } from '../runtime/deadline';

export interface ComputeNode {
  /** The Pacemaker node the attribute belongs to. */
  readonly node: string;
  /** The report; null when the value is not one this version understands. */
  readonly report: ComputeReport | null;
  /** Why there is no report (an unreadable value), else null. */
  readonly problem: string | null;
}

export interface ComputesView {
  readonly nodes: readonly ComputeNode[];
  /** What could not be read, or why there is nothing to show. */
  readonly notes: readonly string[];
}

export interface ComputeTools {
  readonly deadline: Deadline;
  readonly env: NodeJS.ProcessEnv;
}

/** Turns attrd's node → value map into the view (pure). Empty values are cleared reports. */
export function computesFromAttributes(values: ReadonlyMap<string, string>): ComputesView {
  const nodes: ComputeNode[] = [];
  for (const [node, value] of [...values].sort(([a], [b]) => a.localeCompare(b))) {
    if (value.trim() === '') continue;
    const report = parseComputeReport(value) ?? null;
    const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
    nodes.push({ node, report, problem: report ? null : `unreadable report "${shown}"` });
  }
  const notes = nodes.length === 0 ? [`no compute node publishes ${COMPUTE_REPORT_ATTRIBUTE} (NovaCompute or nova-compute-wait not running, or not started yet)`] : [];
  return { nodes, notes };
}

/** Every node's report, read now; attrd down or missing is a note. */
export async function readComputes(tools: ComputeTools): Promise<ComputesView> {
  try {
    const { queryAttributeAllNodes } = await import('../pacemaker/attrd');
    return computesFromAttributes(await queryAttributeAllNodes(COMPUTE_REPORT_ATTRIBUTE, { ...tools, capMs: 10_000 }));
  } catch (error) {
    return { nodes: [], notes: [`compute reports (${COMPUTE_REPORT_ATTRIBUTE}) unreadable: ${errorMessage(error)}`] };
  }
}

function reports(view: ComputesView): ComputeReport[] {
  return view.nodes.flatMap((entry) => (entry.report ? [entry.report] : []));
}

/** The report of the node that runs Nova host `host` (by Nova host, else by node name). */
export function reportForHost(view: ComputesView, host: string | null): ComputeReport | undefined {
  if (host === null) return undefined;
  const all = reports(view);
  return all.find((report) => report.host === host) ?? all.find((report) => report.node === host);
}

export interface InstanceRestarts {
  /** The node whose NovaCompute restarted it, and that node's Nova host. */
  readonly node: string;
  readonly host: string;
  readonly record: InstanceRestartRecord;
}

/**
 * NovaCompute's restart record of an instance: from its current host's report first, else
 * from any report (it may have been restarted on a host it has left since).
 */
export function restartsOf(view: ComputesView, id: string, currentHost: string | null): InstanceRestarts | undefined {
  const current = reportForHost(view, currentHost);
  const ordered = [...(current ? [current] : []), ...reports(view).filter((report) => report !== current)];
  for (const report of ordered) {
    const record = report.instances.find((entry) => entry.id === id);
    if (record) return { node: report.node, host: report.host, record };
  }
  return undefined;
}
