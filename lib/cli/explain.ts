/**
 * `nova-ha explain INSTANCE`: is this instance protected, and why; where it runs, its host's
 * segment and recovery method, its priority and size, its evacuation progress from
 * NovaEvacuate's status file, and what NovaCompute reports: its host waiting for evacuations,
 * the instance restarted (or given up) by NovaCompute, and its host's fencing when that failed
 * (nothing is evacuated until it succeeds). Reads only.
 */
import type { ComputeReport } from '../nova-compute/report';
import type { Server } from '../openstack/nova-types';
import { readStatusFile, type GivenUpInstance, type InstanceStatus, type StatusDocument } from '../evacuation/status';
import { PRIORITY_METADATA_KEY, priorityFromMetadata } from '../evacuation/priority';
import { EVACUABLE_STATUSES } from '../evacuation/progress';
import { decideScope } from '../evacuation/scope';
import { sizeOf } from '../evacuation/snapshot';
import { errorMessage } from '../runtime/errors';
import { readComputes, reportForHost, restartsOf, type InstanceRestarts } from './computes';
import { explainComputeLines } from './computes-format';
import type { CommandContext } from './context';
import { NoSuchObjectError } from './errors';
import { fencingForHost, readFencing, type FencingFailure } from './fencing';
import { failedSentence, NOTHING_EVACUATED } from './fencing-format';
import { classifyHost, withFencing } from './live';
import { resolvePolicy } from './cluster-config';
import type { PolicyOptions } from './policy-options';
import { readWorld } from './read-world';
import { ago } from './table';

export interface ExplainOptions extends PolicyOptions {
  json?: boolean;
  clusterConfig?: boolean;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export interface Explanation {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly host: string | null;
  readonly hostState: string | null;
  readonly segment: string | null;
  readonly recoveryMethod: string | null;
  readonly protected: boolean;
  readonly reason: string;
  readonly evacuable: boolean;
  readonly priority: number;
  readonly size: { vcpus: number; ramMb: number; diskGb: number } | null;
  readonly progress: { source: string; entry: InstanceStatus | GivenUpInstance; host: string } | null;
  /** NovaCompute's report of the instance's host (nova-ha-compute attribute), when there is one. */
  readonly compute: ComputeReport | null;
  /** NovaCompute's restarts of this instance, from its host's report or any other. */
  readonly restarts: InstanceRestarts | null;
  /** Pacemaker's failed fencing of the instance's host, when its last attempts failed. */
  readonly fencing: FencingFailure | null;
  readonly notes: readonly string[];
}

async function findServer(ctx: CommandContext, ref: string): Promise<Server> {
  const nova = await (await ctx.cloud()).nova();
  if (UUID.test(ref)) {
    try {
      return await nova.getServer(ref);
    } catch (error) {
      if ((error as { name?: string }).name === 'NotFoundError') throw new NoSuchObjectError(`Nova has no server ${ref}`);
      throw error;
    }
  }
  const matches = (await nova.listServers({ allTenants: true })).filter((server) => server.name === ref);
  if (matches.length === 0) throw new NoSuchObjectError(`Nova has no server named '${ref}' (in any project)`);
  if (matches.length > 1) {
    throw new NoSuchObjectError(`${matches.length} servers are named '${ref}': ${matches.map((s) => s.id).join(', ')}; give the id`);
  }
  return matches[0] as Server;
}

function progressOf(document: StatusDocument | undefined, id: string): Explanation['progress'] {
  if (!document) return null;
  for (const host of document.hosts) {
    const entry = host.instances.find((instance) => instance.id === id);
    if (entry) return { source: 'status file', entry, host: host.name };
  }
  const given = document.givenUp.find((item) => item.id === id);
  return given ? { source: 'status file', entry: given, host: given.host } : null;
}

export async function explainInstance(ctx: CommandContext, ref: string, options: ExplainOptions): Promise<Explanation> {
  const { policy, note } = await resolvePolicy(ctx, options);
  const server = await findServer(ctx, ref);
  const world = await readWorld(ctx, policy);
  const notes = [note, ...world.notes];
  const host = world.snapshot.hosts.find((view) => view.name === server.host);
  const decision = host
    ? decideScope(server, host, world.facts, policy.scope)
    : { protected: false, reason: server.host ? `its host ${server.host} has no nova-compute service` : 'it is not on any host' };
  let document: StatusDocument | undefined;
  try {
    document = await readStatusFile(ctx.options.statusFile);
  } catch (error) {
    notes.push(`status file unreadable: ${errorMessage(error)}`);
  }
  const size = sizeOf(server, world.flavors);
  const [computes, fencingView] = await Promise.all([readComputes(ctx.tools), readFencing(ctx.tools)]);
  notes.push(...computes.notes.filter((text) => text.includes('unreadable')));
  notes.push(...fencingView.notes);
  const fencing = fencingForHost(fencingView, server.host);
  for (const entry of computes.nodes) if (entry.problem) notes.push(`node ${entry.node}: ${entry.problem}`);
  return {
    id: server.id,
    name: server.name,
    status: server.status,
    host: server.host,
    hostState: host
      ? withFencing(classifyHost(host.service, world.snapshot.marks.get(host.name)), fencing, ctx.io.now()).state
      : null,
    segment: host?.segment ?? null,
    recoveryMethod: host ? policy.methodFor(host.segment) : null,
    protected: decision.protected,
    reason: decision.reason,
    evacuable: EVACUABLE_STATUSES.includes(server.status),
    priority: priorityFromMetadata(server.metadata),
    size: size ?? null,
    progress: progressOf(document, server.id),
    compute: reportForHost(computes, server.host) ?? null,
    restarts: restartsOf(computes, server.id, server.host) ?? null,
    fencing: fencing ?? null,
    notes,
  };
}

export function formatExplanation(e: Explanation, lastPassAt: number | undefined, now: number): string {
  const lines = [
    `instance   ${e.name} (${e.id}), ${e.status}${e.host ? ` on ${e.host}` : ''}`,
    `host       ${e.host ? `${e.host}: ${e.hostState ?? 'unknown'}, segment ${e.segment ?? '-'}, recovery ${e.recoveryMethod ?? '-'}` : '-'}`,
    `protected  ${e.protected ? 'yes' : 'NO'}: ${e.reason}`,
  ];
  if (e.protected && !e.evacuable) lines.push(`           but Nova cannot evacuate an instance in status ${e.status}: it would be given up`);
  lines.push(`priority   ${e.priority}${e.priority === 0 ? ` (no ${PRIORITY_METADATA_KEY} metadata)` : ` (metadata ${PRIORITY_METADATA_KEY})`}`);
  lines.push(`size       ${e.size ? `${e.size.vcpus} vCPU / ${e.size.ramMb} MB / ${e.size.diskGb} GB` : 'unknown'}`);
  if (!e.progress) {
    lines.push('progress   no evacuation of it in the status file');
  } else {
    const entry = e.progress.entry;
    const when = lastPassAt === undefined ? '' : `, pass ${ago(now - lastPassAt)}`;
    lines.push(
      'state' in entry
        ? `progress   ${entry.state} from ${e.progress.host}${entry.target ? ` to ${entry.target}` : ''}, ${entry.attempts} failed attempt(s)${entry.error ? `, last error: ${entry.error}` : ''} (${e.progress.source}${when})`
        : `progress   GIVEN UP on ${entry.host}: ${entry.reason} (${e.progress.source}${when})`,
    );
  }
  if (e.fencing) lines.push(`fencing    ${failedSentence(e.fencing, now)}: ${NOTHING_EVACUATED}`);
  lines.push(...explainComputeLines(e.compute ?? undefined, e.restarts ?? undefined, now));
  for (const note of e.notes) lines.push(`note       ${note}`);
  return `${lines.join('\n')}\n`;
}

export async function runExplain(ctx: CommandContext, ref: string, options: ExplainOptions): Promise<void> {
  const explanation = await explainInstance(ctx, ref, options);
  if (options.json) {
    ctx.io.out(`${JSON.stringify(explanation, null, 2)}\n`);
    return;
  }
  const document = await readStatusFile(ctx.options.statusFile).catch(() => undefined);
  ctx.io.out(formatExplanation(explanation, document?.lastPassAt, ctx.io.now()));
}
