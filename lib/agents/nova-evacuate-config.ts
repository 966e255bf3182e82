/**
 * NovaEvacuate's parameters → the reconcile loop's configuration, validated: every bad value
 * is a ConfigError naming its parameter (validate-all and start exit 6 with it).
 */
import { parseBrakePolicy } from '../evacuation/brake';
import type { ReconcileConfig } from '../evacuation/reconcile';
import type { ScopePolicy } from '../evacuation/model';
import { parseScopeMode, parseScopePolicy, SCOPE_MODES } from '../evacuation/scope';
import { DEFAULT_SEGMENT, parseRecoveryMethod, parseSegmentMethods } from '../evacuation/segments';
import type { SegmentSourceConfig } from '../evacuation/snapshot';
import type { Params } from '../ocf/params';
import { ConfigError } from '../runtime/errors';
import { credentialParameters } from './credentials';
import { novaEvacuateParameters } from './nova-evacuate-params';
import { nonNegative } from './validate-credentials';

export const novaEvacuateDeclaration = { ...credentialParameters, ...novaEvacuateParameters } as const;
export type NovaEvacuateParams = Params<typeof novaEvacuateDeclaration>;

export interface LoopSettings {
  readonly config: ReconcileConfig;
  readonly passIntervalMs: number;
  readonly statusFile: string;
  readonly metricsFile: string | undefined;
}

function atLeast(name: string, value: number, minimum: number): number {
  if (minimum === 0) nonNegative(name, value);
  if (value < minimum) throw new ConfigError(`${name} must be at least ${minimum}, got ${value}`);
  return value;
}

function segmentSource(params: NovaEvacuateParams): SegmentSourceConfig {
  switch (params.segment_source.trim()) {
    case 'none':
      return { kind: 'none' };
    case 'node-attribute':
      if (params.segment_attribute.trim() === '') throw new ConfigError('segment_attribute must not be empty');
      return { kind: 'node-attribute', attribute: params.segment_attribute.trim() };
    case 'aggregate':
      if (params.segment_metadata_key.trim() === '') throw new ConfigError('segment_metadata_key must not be empty');
      return { kind: 'aggregate', metadataKey: params.segment_metadata_key.trim() };
    default:
      throw new ConfigError(`segment_source '${params.segment_source}' is invalid: use none, node-attribute or aggregate`);
  }
}

function absolutePath(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!value.startsWith('/')) throw new ConfigError(`${name} must be an absolute path, got '${value}'`);
  return value;
}

/** `segment_scopes`: "seg=mode, …" → the scope of each named segment (the rest use `base`). */
export function parseSegmentScopes(text: string | undefined, base: ScopePolicy): ((segment: string) => ScopePolicy) | undefined {
  const items = (text ?? '').replace(/\s*=\s*/g, '=').split(/[\s,;]+/).filter((item) => item !== '');
  if (items.length === 0) return undefined;
  const scopes = new Map<string, ScopePolicy>();
  for (const item of items) {
    const [segment, mode, extra] = item.split('=');
    if (!segment || mode === undefined || extra !== undefined) {
      throw new ConfigError(`segment_scopes: "${item}" is not segment=scope (scopes ${SCOPE_MODES.join(', ')})`);
    }
    scopes.set(segment, { ...base, mode: parseScopeMode(mode, 'segment_scopes') });
  }
  return (segment) => scopes.get(segment) ?? base;
}

export function loopSettings(params: NovaEvacuateParams): LoopSettings {
  atLeast('evacuate_delay', params.evacuate_delay, 0);
  const fallback = parseRecoveryMethod(params.recovery_method, 'recovery_method');
  const backoffS = atLeast('retry_backoff', params.retry_backoff, 0);
  const scope = parseScopePolicy(
    {
      // The classic option wins: instance_filtering=false means nothing is evacuated.
      mode: params.instance_filtering ? params.scope : 'none',
      metadataKey: params.scope_metadata_key,
      includeProjects: params.include_projects,
      excludeProjects: params.exclude_projects,
      includeAggregates: params.include_aggregates,
    },
    { mode: 'scope', metadataKey: 'scope_metadata_key' },
  );
  const scopeFor = parseSegmentScopes(params.segment_scopes, scope);
  const config: ReconcileConfig = {
    segments: segmentSource(params),
    defaultSegment: DEFAULT_SEGMENT,
    scope,
    ...(scopeFor ? { scopeFor } : {}),
    methodFor: parseSegmentMethods(params.segment_recovery_methods ?? '', fallback),
    concurrency: {
      overall: atLeast('concurrency', params.concurrency, 0),
      perFailedHost: atLeast('concurrency_per_host', params.concurrency_per_host, 0),
      perTarget: atLeast('concurrency_per_target', params.concurrency_per_target, 1),
    },
    retry: {
      maxAttempts: atLeast('max_attempts', params.max_attempts, 1),
      backoffMs: backoffS * 1000,
      backoffFactor: 2,
      maxBackoffMs: backoffS * 10_000,
    },
    brake: parseBrakePolicy({
      maxHosts: String(atLeast('brake_max_hosts', params.brake_max_hosts, 0)),
      maxSegmentFraction: params.brake_max_segment_fraction,
      window: String(atLeast('brake_window', params.brake_window, 1)),
    }),
    evacuateDelayMs: params.evacuate_delay * 1000,
  };
  return {
    config,
    passIntervalMs: atLeast('pass_interval', params.pass_interval, 1) * 1000,
    statusFile: absolutePath('status_file', params.status_file) ?? '/run/nova-ha/status.json',
    metricsFile: absolutePath('metrics_file', params.metrics_file),
  };
}
