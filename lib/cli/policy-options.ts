/**
 * The NovaEvacuate parameters that shape a plan (scope, segments, recovery methods, the
 * per-target build limit), as `plan`/`explain` options with the agent's defaults, parsed by
 * the same functions the agent uses. Pass the values configured in the cluster
 * (`pcs resource config nova-evacuate`) to see exactly what NovaEvacuate would do.
 */
import { Option, type Command } from 'commander';
import type { RecoveryMethod, ScopePolicy } from '../evacuation/model';
import { parseScopePolicy } from '../evacuation/scope';
import { DEFAULT_SEGMENT, parseRecoveryMethod, parseSegmentMethods } from '../evacuation/segments';
import type { SnapshotConfig } from '../evacuation/snapshot';
import { UsageError } from './errors';

export interface PolicyOptions {
  scope: string;
  scopeMetadataKey: string;
  includeProjects?: string;
  excludeProjects?: string;
  includeAggregates?: string;
  segmentSource: string;
  segmentAttribute: string;
  segmentMetadataKey: string;
  recoveryMethod: string;
  segmentRecoveryMethods?: string;
  perTarget: string;
}

export interface Policy {
  readonly scope: ScopePolicy;
  readonly snapshot: SnapshotConfig;
  readonly methodFor: (segment: string) => RecoveryMethod;
  readonly perTarget: number;
}

export function addPolicyOptions(command: Command): Command {
  return command
    .addOption(new Option('--scope <mode>', 'classic, tagged, all or none (NovaEvacuate scope)').default('classic'))
    .addOption(new Option('--scope-metadata-key <key>', 'server metadata key that opts in/out').default('evacuable'))
    .addOption(new Option('--include-projects <ids>', 'only these projects are protected (comma-separated)'))
    .addOption(new Option('--exclude-projects <ids>', 'these projects are not protected'))
    .addOption(new Option('--include-aggregates <names>', 'only hosts in these aggregates have protected instances'))
    .addOption(
      new Option('--segment-source <source>', 'none, node-attribute or aggregate').choices(['none', 'node-attribute', 'aggregate']).default('none'),
    )
    .addOption(new Option('--segment-attribute <name>', 'node attribute naming the segment').default('nova-ha-segment'))
    .addOption(new Option('--segment-metadata-key <key>', 'aggregate metadata key naming the segment').default('ha_segment'))
    .addOption(new Option('--recovery-method <method>', 'auto, reserved_host, auto_priority or rh_priority').default('auto'))
    .addOption(new Option('--segment-recovery-methods <pairs>', 'segment=method pairs, e.g. "east=reserved_host"'))
    .addOption(new Option('--per-target <n>', 'builds at once per target host (concurrency_per_target)').default('10'))
    .addOption(new Option('--no-cluster-config', "do not read NovaEvacuate's parameters from the CIB (cibadmin)"));
}

export function parsePolicy(options: PolicyOptions): Policy {
  const scope = parseScopePolicy(
    {
      mode: options.scope,
      metadataKey: options.scopeMetadataKey,
      includeProjects: options.includeProjects,
      excludeProjects: options.excludeProjects,
      includeAggregates: options.includeAggregates,
    },
    { mode: '--scope', metadataKey: '--scope-metadata-key' },
  );
  const fallback = parseRecoveryMethod(options.recoveryMethod, '--recovery-method');
  const methodFor = options.segmentRecoveryMethods ? parseSegmentMethods(options.segmentRecoveryMethods, fallback) : () => fallback;
  const perTarget = Number(options.perTarget);
  if (!Number.isInteger(perTarget) || perTarget < 1) throw new UsageError(`--per-target "${options.perTarget}" is not a whole number ≥ 1`);
  const segments: SnapshotConfig['segments'] =
    options.segmentSource === 'node-attribute'
      ? { kind: 'node-attribute', attribute: options.segmentAttribute }
      : options.segmentSource === 'aggregate'
        ? { kind: 'aggregate', metadataKey: options.segmentMetadataKey }
        : { kind: 'none' };
  return { scope, snapshot: { segments, defaultSegment: DEFAULT_SEGMENT }, methodFor, perTarget };
}
