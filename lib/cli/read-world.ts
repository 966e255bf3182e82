/**
 * The read-only snapshot `plan` and `explain` reason over, through NovaEvacuate's own ports
 * and readSnapshot, so they see the cloud as the agent does. Pacemaker reads are tolerated
 * to fail (nova-ha may run where attrd is not reachable): marks are then taken as empty and
 * the note says so.
 */
import type { ScopeFacts } from '../evacuation/model';
import type { EvacuationPorts, FlavorSpecsView } from '../evacuation/ports';
import { buildScopeFacts } from '../evacuation/scope';
import { newSnapshotCache, readSnapshot, type Snapshot } from '../evacuation/snapshot';
import { errorMessage } from '../runtime/errors';
import { log } from '../runtime/log';
import type { CommandContext } from './context';
import type { Policy } from './policy-options';

export interface World {
  readonly ports: EvacuationPorts;
  readonly snapshot: Snapshot;
  readonly facts: ScopeFacts;
  readonly flavors: ReadonlyMap<string, FlavorSpecsView>;
  readonly notes: readonly string[];
}

export async function readWorld(ctx: CommandContext, policy: Policy): Promise<World> {
  const { livePorts } = await import('../evacuation/live-ports');
  const live = await livePorts(await ctx.cloud(), { deadline: ctx.deadline, log, sharedStorage: false });
  const notes: string[] = [];
  const ports: EvacuationPorts = {
    ...live,
    cluster: {
      ...live.cluster,
      readMarks: () =>
        live.cluster.readMarks().catch((error: unknown) => {
          notes.push(`evacuate marks not read (${errorMessage(error)}); planning as if no host were marked`);
          return new Map<string, string>();
        }),
      readResumedAt: () => live.cluster.readResumedAt().catch(() => undefined),
    },
  };
  const snapshot = await readSnapshot(ports, policy.snapshot, newSnapshotCache());
  const [flavorList, images] = await Promise.all([ports.nova.listFlavorSpecs(), ports.nova.listImageLabels()]);
  return {
    ports,
    snapshot,
    facts: buildScopeFacts(flavorList, images),
    flavors: new Map(flavorList.map((flavor) => [flavor.id, flavor])),
    notes,
  };
}
