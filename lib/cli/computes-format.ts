/**
 * NovaCompute's reports as text: the "Compute nodes" section of `nova-ha status` and the
 * compute lines of `nova-ha explain`. Pure: the same view and clock give the same lines.
 */
import type { ComputePhase, ComputeReport } from '../nova-compute/report';
import type { ComputesView, InstanceRestarts } from './computes';
import { ago, table } from './table';

/** A span as operators read it: 45s, 2m10s, 1h05m, 2d3h. */
export function duration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d${hours % 24}h`;
}

/** An instant: the UTC time of day when it is today, else date and minute. */
export function clockTime(at: number, now: number): string {
  const iso = new Date(at).toISOString();
  const sameDay = iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  return sameDay ? `${iso.slice(11, 19)}Z` : `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`;
}

export function times(list: readonly number[], now: number): string {
  return list.map((at) => clockTime(at, now)).join(', ');
}

/** "waiting 2m10s: 3 evacuation(s) from it still in progress in Nova" */
export function phaseLine(report: ComputeReport, now: number): string {
  return `${report.phase} ${duration(now - report.since)}: ${report.detail}`;
}

function restartRows(report: ComputeReport, now: number): string[][] {
  return report.instances.map((record) => [
    record.id,
    record.name,
    String(record.at.length),
    record.at.length > 0 ? times(record.at, now) : '-',
    record.gaveUp ? 'yes' : 'no',
    record.lastError ?? '',
  ]);
}

export interface FormatComputesOptions {
  readonly now: number;
  /** The per-node restart tables too (status without --hosts-only). */
  readonly instances: boolean;
}

/** The "Compute nodes" section, without a trailing newline. */
export function formatComputes(view: ComputesView, options: FormatComputesOptions): string {
  const { now } = options;
  const lines = ['Compute nodes (NovaCompute and nova-compute-wait, from their nova-ha-compute attributes):'];
  for (const note of view.notes) lines.push(`note:    ${note}`);
  if (view.nodes.length > 0) {
    lines.push(
      table(
        ['NODE', 'NOVA HOST', 'MODE', 'RESTARTS', 'UPDATED', 'PHASE'],
        view.nodes.map(({ node, report, problem }) =>
          report
            ? [node, report.host, report.mode, String(report.computeRestarts.length), ago(now - report.checkedAt), phaseLine(report, now)]
            : [node, '-', '-', '-', '-', problem ?? 'no report'],
        ),
      ),
    );
  }
  for (const { node, report } of view.nodes) {
    if (!report) continue;
    if (report.computeRestarts.length > 0) {
      lines.push('', `${node}: nova-compute restarted in place ${report.computeRestarts.length} time(s) in the window: ${times(report.computeRestarts, now)}`);
    }
    if (options.instances && report.instances.length > 0) {
      lines.push('', `${node}: instances restarted by NovaCompute:`);
      lines.push(table(['INSTANCE', 'NAME', 'RESTARTS', 'AT', 'GAVE UP', 'LAST ERROR'], restartRows(report, now), '  '));
    }
  }
  return lines.join('\n');
}

const HOST_PHRASE: Record<ComputePhase, string> = {
  waiting: 'its host is waiting for evacuations from it to finish before nova-compute may start',
  delaying: "its host's evacuations are over; NovaCompute waits evacuation_delay before starting nova-compute",
  starting: 'its host is starting nova-compute',
  unfencing: 'its host is being unfenced (force-down cleared, service enabled)',
  running: 'its host runs nova-compute under NovaCompute',
  stopped: "NovaCompute is stopped on its host",
  failed: 'NovaCompute failed on its host',
};

/** The lines `explain` adds for the instance's host report and its restart record. */
export function explainComputeLines(
  report: ComputeReport | undefined,
  restarts: InstanceRestarts | undefined,
  now: number,
): string[] {
  const lines: string[] = [];
  if (report) {
    const phrase = report.mode === 'nova-compute-wait' && report.phase === 'running'
      ? 'its host has rejoined (nova-compute-wait done; nova-compute runs as its own resource)'
      : HOST_PHRASE[report.phase];
    lines.push(`compute    ${phrase} (${report.phase} ${duration(now - report.since)}, node ${report.node}, ${report.mode}): ${report.detail}`);
  }
  if (restarts) {
    const { record } = restarts;
    const where = restarts.host === report?.host ? '' : ` on ${restarts.host}`;
    const when = record.at.length > 0 ? `: ${times(record.at, now)}` : '';
    const outcome = record.gaveUp ? '; GAVE UP (restart limit reached): it stays down until an operator acts' : '';
    const error = record.lastError ? `; last error: ${record.lastError}` : '';
    lines.push(`restarts   restarted by NovaCompute${where} ${record.at.length} time(s) in the window${when}${outcome}${error}`);
  } else if (report) {
    lines.push('restarts   not restarted by NovaCompute in the window');
  }
  return lines;
}
