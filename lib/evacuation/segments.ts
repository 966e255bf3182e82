/**
 * Segments: which failure domain each compute host belongs to, and each segment's recovery
 * method. Pure: the caller reads the node attributes (crm_attribute) or Nova's aggregates.
 *
 * Aggregates: an aggregate whose metadata carries the key (for instance `ha_segment=east`)
 * puts its hosts in the segment that value names. A host in two such aggregates naming
 * different segments goes to the segment of the OLDEST aggregate (lowest id, then name):
 * creating a new aggregate never moves hosts that were already placed. `segmentConflicts`
 * lists those hosts so `nova-ha doctor` can point them out.
 */
import type { Aggregate } from '../openstack/nova-types';
import { ConfigError } from '../runtime/errors';
import { RECOVERY_METHODS, type RecoveryMethod } from './model';

export type SegmentSource =
  | { kind: 'none' }
  | { kind: 'node-attribute'; values: ReadonlyMap<string, string> }
  | { kind: 'aggregate'; aggregates: readonly Aggregate[]; metadataKey: string };

export const DEFAULT_SEGMENT = 'default';
export const SEGMENT_METHODS_PARAMETER = 'segment_recovery_methods';

function olderFirst(a: Aggregate, b: Aggregate): number {
  const idA = Number.isFinite(a.id) ? a.id : Number.MAX_SAFE_INTEGER;
  const idB = Number.isFinite(b.id) ? b.id : Number.MAX_SAFE_INTEGER;
  if (idA !== idB) return idA - idB;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Every segment each host is put in by the aggregates, oldest aggregate first. */
function aggregateSegments(aggregates: readonly Aggregate[], metadataKey: string): Map<string, string[]> {
  const byHost = new Map<string, string[]>();
  for (const aggregate of [...aggregates].sort(olderFirst)) {
    const segment = aggregate.metadata[metadataKey]?.trim() ?? '';
    if (segment === '') continue;
    for (const host of aggregate.hosts) {
      const list = byHost.get(host) ?? [];
      if (!list.includes(segment)) list.push(segment);
      byHost.set(host, list);
    }
  }
  return byHost;
}

export function assignSegments(hosts: readonly string[], source: SegmentSource, defaultSegment: string): Map<string, string> {
  const result = new Map<string, string>();
  switch (source.kind) {
    case 'none':
      for (const host of hosts) result.set(host, defaultSegment);
      return result;
    case 'node-attribute':
      for (const host of hosts) {
        const value = source.values.get(host)?.trim() ?? '';
        result.set(host, value === '' ? defaultSegment : value);
      }
      return result;
    case 'aggregate': {
      const byHost = aggregateSegments(source.aggregates, source.metadataKey);
      for (const host of hosts) result.set(host, byHost.get(host)?.[0] ?? defaultSegment);
      return result;
    }
  }
}

/** Hosts that aggregates put in more than one segment (the first listed is the one chosen). */
export function segmentConflicts(hosts: readonly string[], source: SegmentSource): Map<string, string[]> {
  const conflicts = new Map<string, string[]>();
  if (source.kind !== 'aggregate') return conflicts;
  const byHost = aggregateSegments(source.aggregates, source.metadataKey);
  for (const host of hosts) {
    const segments = byHost.get(host) ?? [];
    if (segments.length > 1) conflicts.set(host, segments);
  }
  return conflicts;
}

/** A recovery method by name (trimmed, any case, `-` for `_`); undefined when unknown. */
export function recoveryMethodNamed(text: string): RecoveryMethod | undefined {
  const value = text.trim().toLowerCase().replace(/-/g, '_');
  return RECOVERY_METHODS.find((method) => method === value);
}

export function parseRecoveryMethod(text: string | undefined, parameter = 'recovery_method'): RecoveryMethod {
  if (text === undefined || text.trim() === '') return 'auto';
  const method = recoveryMethodNamed(text);
  if (method === undefined) {
    throw new ConfigError(`${parameter}: "${text}" is not one of ${RECOVERY_METHODS.join(', ')}`);
  }
  return method;
}

/**
 * Per-segment recovery methods from text like `east=reserved_host, west=auto_priority`
 * (items separated by commas, semicolons or white space). Segments not named use `fallback`.
 */
export function parseSegmentMethods(text: string, fallback: RecoveryMethod): (segment: string) => RecoveryMethod {
  const methods = new Map<string, RecoveryMethod>();
  const fail = (why: string): never => {
    throw new ConfigError(`${SEGMENT_METHODS_PARAMETER}: ${why} (expected "segment=method, …" with methods ${RECOVERY_METHODS.join(', ')})`);
  };
  const items = text.replace(/\s*=\s*/g, '=').split(/[\s,;]+/).filter((item) => item !== '');
  for (const item of items) {
    const equals = item.indexOf('=');
    if (equals < 0) fail(`"${item}" has no "="`);
    const segment = item.slice(0, equals).trim();
    const name = item.slice(equals + 1).trim();
    if (segment === '') fail(`"${item}" names no segment`);
    const method = recoveryMethodNamed(name);
    if (method === undefined) return fail(`"${name}" for segment ${segment} is not a recovery method`);
    const earlier = methods.get(segment);
    if (earlier !== undefined && earlier !== method) fail(`segment ${segment} is given both ${earlier} and ${method}`);
    methods.set(segment, method);
  }
  return (segment: string) => methods.get(segment) ?? fallback;
}
