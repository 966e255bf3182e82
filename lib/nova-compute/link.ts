/**
 * This compute host as the agents talk about it: its Nova service and evacuation records, and
 * the `evacuate` attribute under its Nova host name and (when different) its node name; plus
 * the unfencing dependencies and the wait for Nova to report nova-compute up.
 */
import type { UnfenceContext, UnfenceDeps } from '../fence-compute/unfence';
import { evacuationMarkAllowsUnfence } from '../fence-compute/service-state';
import type { ComputeService, Migration, NovaClient } from '../openstack/nova';
import { deleteAttribute, queryAttribute, updateAttribute } from '../pacemaker/attrd';
import { EVACUATE_ATTRIBUTE, EVACUATE_NEEDED } from '../pacemaker/evacuate-attribute';
import type { Deadline } from '../runtime/deadline';
import { ArgsError, DeadlineError } from '../runtime/errors';
import type { Mark } from './rejoin';

const TOOL_CALL_MS = 15_000;

/** Everything the actions need to talk about this host, to Nova and to attrd. */
export interface ComputeLink {
  readonly host: string;
  readonly node: string;
  readonly nova: NovaClient;
  service(): Promise<ComputeService>;
  listEvacuations(): Promise<Migration[]>;
  /** The `evacuate` attribute under the Nova host name and, when it differs, the node name. */
  readMarks(): Promise<Mark[]>;
  /** Clears the marks that are set (`attrd_updater -p -D`). */
  clearMarks(marks: readonly Mark[]): Promise<void>;
  /** Marks the host for evacuation again (`attrd_updater -p -U yes`), as fence_compute's off does. */
  markNeeded(): Promise<void>;
  /** Whether Nova still places any server (any project) on this host. */
  hasServers(): Promise<boolean>;
}

export function computeLink(nova: NovaClient, host: string, node: string, deadline: Deadline): ComputeLink {
  const tool = { deadline, capMs: TOOL_CALL_MS };
  const names = node === host ? [host] : [host, node];
  return {
    host,
    node,
    nova,
    async service() {
      const found = (await nova.listComputeServices({ host })).find((s) => s.host === host);
      if (found === undefined) throw new ArgsError(`Nova no longer lists a nova-compute service on ${host}`);
      return found;
    },
    listEvacuations: () => nova.listMigrations({ sourceCompute: host, migrationType: 'evacuation' }),
    readMarks: () => Promise.all(names.map(async (name) => ({ name, value: await queryAttribute(EVACUATE_ATTRIBUTE, name, tool) }))),
    async clearMarks(marks) {
      for (const mark of marks) {
        if ((mark.value ?? '') === '') continue;
        await deleteAttribute(EVACUATE_ATTRIBUTE, mark.name, { ...tool, private: true });
      }
    },
    markNeeded: () => updateAttribute(EVACUATE_ATTRIBUTE, host, EVACUATE_NEEDED, { ...tool, private: true }),
    hasServers: async () => (await nova.listServers({ host, allTenants: true })).length > 0,
  };
}

/** Marks that still block unfencing, for log lines. */
export function describeMarks(marks: readonly Mark[]): string {
  const set = marks.filter((m) => (m.value ?? '') !== '');
  if (set.length === 0) return 'no evacuate attribute set';
  return set.map((m) => `evacuate="${m.value}" for ${m.name}${evacuationMarkAllowsUnfence(m.value) ? '' : ' (pending)'}`).join(', ');
}


/** fence_compute's unfencing, for this host; with requireUp, enabling waits for Nova to report nova-compute up. */
export function unfenceDeps(link: ComputeLink, pollMs: number, options: { requireUp: boolean }): UnfenceDeps {
  return {
    host: link.host,
    pollMs,
    service: () => link.service(),
    marks: { read: async () => firstPending(await link.readMarks()), markNeeded: () => link.markNeeded() },
    nova: {
      forceDown: async (service, down) => {
        await link.nova.forceDown(service, down);
      },
      disable: async (service, reason) => {
        await link.nova.disableService(service, reason);
      },
      enable: async (service) => {
        await link.nova.enableService(service);
      },
      listEvacuations: () => link.listEvacuations(),
      hasServers: () => link.hasServers(),
    },
    ...(options.requireUp
      ? {
          ready: async () => {
            const service = await link.service();
            return service.state === 'up' ? undefined : `Nova does not report nova-compute on ${link.host} up yet`;
          },
        }
      : {}),
  };
}

/** The value unfencing should judge: the first mark that still blocks, else the first one set. */
function firstPending(marks: readonly Mark[]): string | undefined {
  const pending = marks.find((m) => !evacuationMarkAllowsUnfence(m.value));
  return (pending ?? marks.find((m) => (m.value ?? '') !== ''))?.value;
}

/** Polls until Nova reports this host's nova-compute up; DeadlineError otherwise. */
export async function waitUntilServiceUp(ctx: UnfenceContext, link: ComputeLink, pollMs: number): Promise<ComputeService> {
  for (;;) {
    const service = await link.service();
    if (service.state === 'up') return service;
    if (ctx.deadline.remainingMs() <= pollMs) {
      throw new DeadlineError(
        `Nova did not report nova-compute on ${link.host} up before the start deadline (state ${service.state}); check its log and its connection to the message queue`,
      );
    }
    await ctx.deadline.sleep(pollMs);
  }
}
