/**
 * `status --live` per instance, for hosts being evacuated: Nova's records alone (servers
 * still on the host, evacuation migrations since the fence) through NovaEvacuate's own
 * deriveProgress, so a controller without the status file still sees each instance's state.
 * Scope is not applied here: every instance of the host is listed (see `explain`).
 */
import type { NovaClient } from '../openstack/nova';
import type { Server } from '../openstack/nova-types';
import { deriveProgress, novaTimeMs } from '../evacuation/progress';
import { errorMessage } from '../runtime/errors';

/** NovaEvacuate's default max_attempts, for telling "failed, will retry" from "given up". */
const MAX_ATTEMPTS = 3;

export interface LiveInstance {
  readonly id: string;
  readonly name: string;
  readonly progress: string;
  readonly status: string;
  readonly host: string | null;
  readonly detail: string;
}

export function describeProgress(server: Server, progress: ReturnType<typeof deriveProgress>): LiveInstance {
  const base = { id: server.id, name: server.name, status: server.status, host: server.host };
  switch (progress.kind) {
    case 'not-started':
      return { ...base, progress: 'pending', detail: '' };
    case 'in-flight':
      return { ...base, progress: 'in-flight', detail: `migration ${progress.migration.id} ${progress.migration.status}${progress.migration.destCompute ? ` to ${progress.migration.destCompute}` : ''}` };
    case 'evacuated':
      return { ...base, progress: 'evacuated', detail: `now on ${progress.host}` };
    case 'failed':
      return { ...base, progress: 'failed', detail: `${progress.attempts} failed attempt(s)${progress.lastTarget ? `, last to ${progress.lastTarget}` : ''}` };
    case 'given-up':
      return { ...base, progress: 'given-up', detail: progress.reason };
  }
}

export async function readLiveInstances(
  nova: NovaClient,
  host: string,
  fencedAt: number | undefined,
  errors: string[],
): Promise<LiveInstance[]> {
  try {
    const [onHost, migrations] = await Promise.all([
      nova.listServers({ host, allTenants: true }),
      nova.listMigrations({ sourceCompute: host, migrationType: 'evacuation' }),
    ]);
    const known = new Map(onHost.map((server) => [server.id, server]));
    const since = fencedAt;
    const moved = [
      ...new Set(
        migrations
          .filter((m) => since === undefined || !(novaTimeMs(m.createdAt) < since))
          .map((m) => m.instanceUuid)
          .filter((id) => !known.has(id)),
      ),
    ];
    for (const server of await Promise.all(moved.map((id) => nova.getServer(id).catch(() => undefined)))) {
      if (server) known.set(server.id, server);
    }
    return [...known.values()]
      .map((server) =>
        describeProgress(server, deriveProgress({ server, migrations, source: host, since: fencedAt, maxAttempts: MAX_ATTEMPTS })),
      )
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  } catch (error) {
    errors.push(`instances of ${host} unreadable: ${errorMessage(error)}`);
    return [];
  }
}
