/**
 * `nova-ha status` as text, from NovaEvacuate's status document or from a live reading of
 * Pacemaker and Nova. Pure: the same input gives the same lines, tested without a cloud.
 */
import type { HostStatus, StatusDocument } from '../evacuation/status';
import { ago, table } from './table';

/** NovaEvacuate's monitor runs every 10 s; older than this, the file is not being kept up. */
export const STALE_AFTER_MS = 60_000;

export function isStale(document: StatusDocument, now: number): boolean {
  return now - document.lastPassAt > STALE_AFTER_MS;
}

function brakeLine(document: StatusDocument): string {
  const { brake } = document;
  const resumed = brake.resumedAt !== null ? ` (last resumed ${new Date(brake.resumedAt).toISOString()})` : '';
  if (brake.tripped) {
    return `brake:   TRIPPED: ${brake.reason ?? 'too many hosts failed at once'}; nothing is evacuated automatically. Check the controllers' network, then \`nova-ha resume\`${resumed}`;
  }
  return `brake:   off${resumed}`;
}

function instanceRows(host: HostStatus): string[][] {
  return host.instances.map((instance) => [
    instance.id,
    instance.name,
    instance.state,
    instance.serverStatus,
    instance.host ?? '-',
    instance.target ?? (instance.state === 'in-flight' || instance.state === 'pending' ? '(scheduler)' : '-'),
    String(instance.attempts),
    instance.error ?? '',
  ]);
}

function counts(host: HostStatus): string {
  const by = new Map<string, number>();
  for (const instance of host.instances) by.set(instance.state, (by.get(instance.state) ?? 0) + 1);
  return [...by].map(([state, count]) => `${count} ${state}`).join(', ') || 'no instances';
}

export interface FormatStatusOptions {
  readonly path: string;
  readonly now: number;
  /** Only hosts with something going on (marked, fenced, instances); all hosts with false. */
  readonly instances: boolean;
}

export function formatStatusDocument(document: StatusDocument, options: FormatStatusOptions): string {
  const lines: string[] = [];
  const stale = isStale(document, options.now);
  lines.push(
    `NovaEvacuate on ${document.writtenBy}, last pass ${ago(options.now - document.lastPassAt)} (${options.path})`,
  );
  if (stale) lines.push('WARNING: the status file is stale: NovaEvacuate is not monitoring here; try `nova-ha status --live`');
  lines.push(`summary: ${document.summary}`);
  lines.push(brakeLine(document));
  for (const error of document.errors) lines.push(`error:   ${error}`);
  lines.push('');
  if (document.hosts.length === 0) {
    lines.push('No host is marked for evacuation or fenced.');
  } else {
    lines.push(
      table(
        ['HOST', 'SEGMENT', 'MARK', 'STATE', 'INSTANCES', 'DETAIL'],
        document.hosts.map((host) => [host.name, host.segment, host.mark || '-', host.state, counts(host), host.detail]),
      ),
    );
    if (options.instances) {
      for (const host of document.hosts) {
        if (host.instances.length === 0) continue;
        lines.push('', `${host.name}:`);
        lines.push(
          table(['INSTANCE', 'NAME', 'PROGRESS', 'STATUS', 'HOST', 'TARGET', 'TRIES', 'ERROR'], instanceRows(host), '  '),
        );
      }
    }
  }
  if (document.givenUp.length > 0) {
    lines.push('', 'Given up (need an operator):');
    lines.push(
      table(
        ['INSTANCE', 'NAME', 'HOST', 'REASON'],
        document.givenUp.map((item) => [item.id, item.name, item.host, item.reason]),
        '  ',
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}
