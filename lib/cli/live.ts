/**
 * `nova-ha status --live`: the state of every compute host read now from Pacemaker (the
 * `evacuate` attribute, the resume property, failed fencing) and Nova (services, forced-down, our fence
 * reason, instances still recorded on a failed host), for when no fresh status file exists
 * here. classifyHost is pure; readLiveStatus does the reads.
 */
import { fencedByUs, isReserved, FENCED_REASON_PREFIX } from '../fence-compute/service-state';
import type { ComputeService } from '../openstack/nova-types';
import { parseEvacuateValue } from '../pacemaker/evacuate-attribute';
import { errorMessage } from '../runtime/errors';
import { readComputes, type ComputesView } from './computes';
import { formatComputes } from './computes-format';
import type { CommandContext } from './context';
import { RESUMED_AT_PROPERTY } from './defaults';
import { fencingForHost, readFencing, type FencingFailure, type FencingView } from './fencing';
import { fencingSentence, formatFencing, NOTHING_EVACUATED } from './fencing-format';
import { readLiveInstances, type LiveInstance } from './live-instances';
import { table } from './table';

export type LiveHostState =
  | 'up'
  | 'reserved'
  | 'disabled'
  /** Nova sees it down, nobody fenced it: Pacemaker has not (yet) acted. */
  | 'down'
  /** Marked, and Nova agrees it is down/forced down: NovaEvacuate evacuates it. */
  | 'evacuating'
  /** Marked but Nova sees it up and not forced down: nothing will be evacuated. */
  | 'refused'
  /** Forced down by fence_compute but the mark is gone (e.g. the node rejoined): NovaEvacuate still acts. */
  | 'fenced'
  /** Pacemaker tried to fence it and failed, no success since: nothing is evacuated. */
  | 'fence-failed'
  | 'done';

export interface LiveHost {
  readonly name: string;
  readonly mark: string;
  readonly state: LiveHostState;
  readonly detail: string;
  readonly service: {
    readonly state: 'up' | 'down';
    readonly status: 'enabled' | 'disabled';
    readonly forcedDown: boolean;
    readonly disabledReason: string | null;
  };
  /** Instances Nova still records on the host (only read for failed hosts). */
  readonly instancesOnHost: number | null;
  /** Per-instance progress from Nova's records (hosts being evacuated, or done, only). */
  readonly instances: readonly LiveInstance[];
  /** Pacemaker's failed fencing of the host's node, when its last attempts failed. */
  readonly fencing: FencingFailure | null;
}

export interface LiveStatus {
  readonly source: 'live';
  readonly at: number;
  readonly hosts: readonly LiveHost[];
  /** Epoch ms of the last `nova-ha resume`, when the property is set. */
  readonly resumedAt: number | null;
  /** What could not be read (Pacemaker down on this node, …). */
  readonly errors: readonly string[];
  /** Nodes whose fencing failed, from crm_mon's fencing history. */
  readonly fencing: FencingView;
  /** NovaCompute's reports (the nova-ha-compute attribute of every node). */
  readonly computes: ComputesView;
}

export function fencedAt(reason: string | null): number | undefined {
  if (!fencedByUs(reason)) return undefined;
  const at = Date.parse((reason ?? '').slice(FENCED_REASON_PREFIX.length).split(';')[0] ?? '');
  return Number.isFinite(at) ? at : undefined;
}

export function classifyHost(service: ComputeService, mark: string | undefined): { state: LiveHostState; detail: string } {
  const parsed = parseEvacuateValue(mark);
  const novaDown = service.forcedDown || service.state === 'down';
  switch (parsed.kind) {
    case 'needed':
    case 'in-progress': {
      if (!novaDown) {
        return {
          state: 'refused',
          detail: 'marked for evacuation but Nova sees it up and not forced down: nothing is evacuated until it is fenced',
        };
      }
      const by = parsed.kind === 'in-progress' ? ` by ${parsed.by} since ${new Date(parsed.since * 1000).toISOString()}` : '';
      return { state: 'evacuating', detail: `evacuation ${parsed.kind === 'needed' ? 'requested' : 'in progress'}${by}` };
    }
    case 'done':
      return { state: 'done', detail: service.forcedDown ? 'evacuated; waiting to be unfenced' : 'evacuated' };
    case 'unknown':
      return { state: novaDown ? 'down' : 'up', detail: `unrecognised evacuate value "${parsed.raw}"` };
    case 'never':
      break;
  }
  if (fencedByUs(service.disabledReason) && service.forcedDown) {
    return { state: 'fenced', detail: 'forced down by fence_compute, no evacuate mark (NovaEvacuate still evacuates it)' };
  }
  if (service.state === 'down') {
    return {
      state: 'down',
      detail: service.forcedDown ? 'forced down (not by fence_compute)' : 'Nova sees it down; not fenced, so nothing is evacuated',
    };
  }
  if (isReserved(service)) return { state: 'reserved', detail: 'reserved host, kept disabled until needed' };
  if (service.status === 'disabled') return { state: 'disabled', detail: service.disabledReason ?? 'disabled' };
  return { state: 'up', detail: '' };
}

const TRACKED: readonly LiveHostState[] = ['evacuating', 'fenced', 'done'];

/**
 * A failed fencing outranks what Nova and the marks say, unless fence_compute has already acted
 * (the host is being or has been evacuated): it is why nothing else happens.
 */
export function withFencing(
  classified: { state: LiveHostState; detail: string },
  failure: FencingFailure | undefined,
  now: number,
): { state: LiveHostState; detail: string } {
  if (!failure) return classified;
  if (TRACKED.includes(classified.state)) return { ...classified, detail: `${classified.detail}; ${fencingSentence(failure, now)}` };
  return { state: 'fence-failed', detail: `${fencingSentence(failure, now)}: ${NOTHING_EVACUATED}` };
}

const FAILED: readonly LiveHostState[] = ['evacuating', 'refused', 'fenced', 'fence-failed', 'down'];

export async function readLiveStatus(ctx: CommandContext): Promise<LiveStatus> {
  const errors: string[] = [];
  const { queryAttributeAllNodes } = await import('../pacemaker/attrd');
  const { getClusterProperty } = await import('../pacemaker/crm-attribute');
  const tool = { ...ctx.tools, capMs: 10_000 };
  const [marks, resumed, computes, fencing] = await Promise.all([
    queryAttributeAllNodes('evacuate', tool).catch((error: unknown) => {
      errors.push(`evacuate attributes unreadable: ${errorMessage(error)}`);
      return new Map<string, string>();
    }),
    getClusterProperty(RESUMED_AT_PROPERTY, tool).catch((error: unknown) => {
      errors.push(`${RESUMED_AT_PROPERTY} unreadable: ${errorMessage(error)}`);
      return undefined;
    }),
    readComputes(ctx.tools),
    readFencing(ctx.tools),
  ]);
  const now = ctx.io.now();
  const cloud = await ctx.cloud();
  const nova = await cloud.nova();
  const services = await nova.listComputeServices();
  const hosts = await Promise.all(
    services
      .slice()
      .sort((a, b) => a.host.localeCompare(b.host))
      .map(async (service): Promise<LiveHost> => {
        const mark = marks.get(service.host);
        const failure = fencingForHost(fencing, service.host);
        const { state, detail } = withFencing(classifyHost(service, mark), failure, now);
        let instancesOnHost: number | null = null;
        const instances = TRACKED.includes(state)
          ? await readLiveInstances(nova, service.host, fencedAt(service.disabledReason), errors)
          : [];
        if (TRACKED.includes(state)) {
          instancesOnHost = instances.filter((instance) => instance.host === service.host).length;
        } else if (FAILED.includes(state)) {
          try {
            instancesOnHost = (await nova.listServers({ host: service.host, allTenants: true })).length;
          } catch (error) {
            errors.push(`servers on ${service.host} unreadable: ${errorMessage(error)}`);
          }
        }
        return {
          name: service.host,
          mark: mark ?? '',
          state,
          detail,
          service: {
            state: service.state,
            status: service.status,
            forcedDown: service.forcedDown,
            disabledReason: service.disabledReason,
          },
          instancesOnHost,
          instances,
          fencing: failure ?? null,
        };
      }),
  );
  const resumedSeconds = resumed === undefined ? Number.NaN : Number(resumed);
  return {
    source: 'live',
    at: now,
    hosts,
    resumedAt: Number.isFinite(resumedSeconds) ? resumedSeconds * 1000 : null,
    errors,
    fencing,
    computes,
  };
}

export function formatLiveStatus(status: LiveStatus, options: { instances: boolean } = { instances: true }): string {
  const lines = [`Live view from Pacemaker and Nova at ${new Date(status.at).toISOString()} (NovaEvacuate's status file has scope, targets and errors)`];
  if (status.resumedAt !== null) lines.push(`brake:   last resumed ${new Date(status.resumedAt).toISOString()}`);
  for (const error of status.errors) lines.push(`error:   ${error}`);
  lines.push('');
  lines.push(
    table(
      ['HOST', 'NOVA', 'FORCED', 'MARK', 'STATE', 'ON HOST', 'DETAIL'],
      status.hosts.map((host) => [
        host.name,
        `${host.service.state}/${host.service.status}`,
        host.service.forcedDown ? 'yes' : 'no',
        host.mark || '-',
        host.state,
        host.instancesOnHost === null ? '' : String(host.instancesOnHost),
        host.detail,
      ]),
    ),
  );
  for (const host of options.instances ? status.hosts : []) {
    if (host.instances.length === 0) continue;
    lines.push('', `${host.name} (from Nova's records; scope not applied):`);
    lines.push(
      table(
        ['INSTANCE', 'NAME', 'PROGRESS', 'STATUS', 'HOST', 'DETAIL'],
        host.instances.map((i) => [i.id, i.name, i.progress, i.status, i.host ?? '-', i.detail]),
        '  ',
      ),
    );
  }
  const fencing = formatFencing(status.fencing, status.at);
  if (fencing) lines.push('', fencing);
  lines.push('', formatComputes(status.computes, { now: status.at, instances: options.instances }));
  return `${lines.join('\n')}\n`;
}
