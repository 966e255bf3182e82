/**
 * The Prometheus textfile (node_exporter's textfile collector) written after every pass, from
 * the status document: gauges only, so a restarted agent never makes a counter go backwards.
 * Written atomically like the status file.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { InstanceStatusKind, StatusDocument } from './status';

const INSTANCE_STATES: readonly InstanceStatusKind[] = ['pending', 'in-flight', 'evacuated', 'failed', 'given-up', 'unprotected'];

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function renderMetrics(doc: StatusDocument): string {
  const lines: string[] = [];
  const gauge = (name: string, help: string, samples: readonly [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };
  const fenced = doc.hosts.filter((h) => h.state !== 'done');
  gauge('nova_ha_hosts_fenced', 'Compute hosts needing or under evacuation.', [['', fenced.length]]);
  gauge(
    'nova_ha_host_state',
    'Evacuation state of each host the last pass looked at (1 for its current state).',
    doc.hosts.map((h) => [`{host="${label(h.name)}",segment="${label(h.segment)}",state="${h.state}"}`, 1]),
  );
  gauge(
    'nova_ha_instances',
    'Instances of fenced hosts by evacuation state.',
    INSTANCE_STATES.map((state) => [
      `{state="${state}"}`,
      doc.hosts.reduce((n, h) => n + h.instances.filter((i) => i.state === state).length, 0),
    ]),
  );
  gauge('nova_ha_instances_given_up', 'Protected instances given up (see the status file).', [['', doc.givenUp.length]]);
  gauge('nova_ha_brake_tripped', '1 while the mass-failure brake stops automatic evacuation.', [['', doc.brake.tripped ? 1 : 0]]);
  gauge('nova_ha_last_pass_errors', 'Errors the last pass met talking to Nova or Pacemaker.', [['', doc.errors.length]]);
  gauge('nova_ha_last_pass_timestamp_seconds', 'End of the last reconcile pass.', [['', Math.floor(doc.lastPassAt / 1000)]]);
  return `${lines.join('\n')}\n`;
}

export async function writeMetricsFile(path: string, doc: StatusDocument): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, renderMetrics(doc), { mode: 0o644 });
  await rename(temp, path);
}
