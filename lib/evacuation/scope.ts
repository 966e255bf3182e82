/**
 * Scope: which instances of a failed host are protected, and why in words an operator reads
 * in `nova-ha explain`. Pure: the caller lists flavors (private ones included), their extra
 * specs and Glance's images; these functions only decide.
 *
 * The classic rule (fence_evacuate): if any flavor or image in the cloud is tagged
 * `evacuable`, an instance is protected iff its flavor id or image id is tagged (a server
 * booted from a volume has no image); if nothing is tagged, every instance is protected.
 *
 * Images: a Glance v2 tag `evacuable` counts (what the classic agent reads today), and so does
 * a property `evacuable` whose value is true (boolean, or "true" trimmed, any case): that is
 * what the classic agent read through the old images API, so clouds tagged that way keep
 * their protection.
 *
 * Flavors: from microversion 2.47 a server embeds its flavor without an id. Then the
 * embedded `extra_specs.evacuable` decides directly (same trimming and case rule).
 */
import type { Server } from '../openstack/nova-types';
import { ConfigError } from '../runtime/errors';
import type { HostView, ScopeDecision, ScopeFacts, ScopeMode, ScopePolicy } from './model';

export const EVACUABLE = 'evacuable';
export const SCOPE_MODES: readonly ScopeMode[] = ['classic', 'tagged', 'all', 'none'];

export interface FlavorSpecs {
  readonly id: string;
  readonly extraSpecs: Readonly<Record<string, string>>;
}

export interface ImageLabels {
  readonly id: string;
  readonly tags: readonly string[];
  readonly properties: Readonly<Record<string, unknown>>;
}

function isTrueText(value: unknown): boolean {
  if (value === true) return true;
  return typeof value === 'string' && value.trim().toLowerCase() === 'true';
}

export function buildScopeFacts(flavors: readonly FlavorSpecs[], images: readonly ImageLabels[]): ScopeFacts {
  const evacuableFlavorIds = new Set<string>();
  for (const flavor of flavors) {
    if (isTrueText(flavor.extraSpecs[EVACUABLE])) evacuableFlavorIds.add(flavor.id);
  }
  const evacuableImageIds = new Set<string>();
  for (const image of images) {
    if (image.tags.includes(EVACUABLE) || isTrueText(image.properties[EVACUABLE])) evacuableImageIds.add(image.id);
  }
  return { evacuableFlavorIds, evacuableImageIds };
}

export function anythingTagged(facts: ScopeFacts): boolean {
  return facts.evacuableFlavorIds.size > 0 || facts.evacuableImageIds.size > 0;
}

function flavorLabel(server: Server): string {
  return server.flavor.originalName ?? server.flavor.id ?? 'unknown';
}

/** Why the flavor or image makes the instance evacuable, or undefined when neither does. */
function tagReason(server: Server, facts: ScopeFacts): string | undefined {
  const flavor = server.flavor;
  if (flavor.id !== null) {
    if (facts.evacuableFlavorIds.has(flavor.id)) return `flavor ${flavorLabel(server)} is tagged evacuable`;
  } else if (flavor.extraSpecs !== null && isTrueText(flavor.extraSpecs[EVACUABLE])) {
    return `flavor ${flavorLabel(server)} carries extra spec evacuable=true`;
  }
  if (server.imageId !== null && facts.evacuableImageIds.has(server.imageId)) {
    return `image ${server.imageId} is tagged evacuable`;
  }
  return undefined;
}

function untaggedReason(server: Server): string {
  const flavor = flavorLabel(server);
  return server.imageId === null
    ? `flavor ${flavor} is not tagged evacuable and the server boots from a volume (no image)`
    : `neither flavor ${flavor} nor image ${server.imageId} is tagged evacuable`;
}

/** The opt-in/opt-out read from server metadata: "true"/"false" (trimmed, any case); anything else is ignored. */
export function metadataChoice(server: Server, key: string): boolean | undefined {
  const value = server.metadata[key]?.trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

function baseDecision(server: Server, facts: ScopeFacts, policy: ScopePolicy): ScopeDecision {
  const key = policy.metadataKey;
  const choice = metadataChoice(server, key);
  if (choice === true) return { protected: true, reason: `metadata ${key}=true opts it in` };
  if (choice === false) return { protected: false, reason: `metadata ${key}=false opts it out` };
  const tagged = tagReason(server, facts);
  switch (policy.mode) {
    case 'all':
      return { protected: true, reason: 'scope all protects every instance' };
    case 'tagged':
      return tagged !== undefined
        ? { protected: true, reason: tagged }
        : { protected: false, reason: `scope tagged: ${untaggedReason(server)}, and no metadata ${key}=true` };
    case 'classic':
      if (!anythingTagged(facts)) {
        return { protected: true, reason: 'nothing in the cloud is tagged evacuable, so every instance is protected (classic rule)' };
      }
      return tagged !== undefined
        ? { protected: true, reason: tagged }
        : { protected: false, reason: `${untaggedReason(server)} while other flavors or images are (classic rule)` };
    case 'none':
      return { protected: false, reason: 'scope none protects no instance' };
  }
}

/**
 * Whether an instance is protected. Order: scope `none` protects nothing; server metadata
 * opts in or out in every other mode; then the mode's rule; then the operator's project and
 * aggregate rules, which a tenant's metadata cannot override (metadata is tenant-writable).
 */
export function decideScope(server: Server, host: HostView, facts: ScopeFacts, policy: ScopePolicy): ScopeDecision {
  if (policy.mode === 'none') return { protected: false, reason: 'scope none protects no instance' };
  const base = baseDecision(server, facts, policy);
  if (!base.protected) return base;
  const project = server.projectId ?? 'unknown';
  if (server.projectId !== null && policy.excludeProjects.includes(server.projectId)) {
    return { protected: false, reason: `project ${project} is excluded (${base.reason})` };
  }
  if (policy.includeProjects.length > 0 && (server.projectId === null || !policy.includeProjects.includes(server.projectId))) {
    return { protected: false, reason: `project ${project} is not among the included projects (${base.reason})` };
  }
  if (policy.includeAggregates.length > 0 && !host.aggregates.some((name) => policy.includeAggregates.includes(name))) {
    const wanted = policy.includeAggregates.join(', ');
    return { protected: false, reason: `host ${host.name} is in none of the included aggregates ${wanted} (${base.reason})` };
  }
  return base;
}

/** Comma- or space-separated list of names; empty text gives an empty list. */
export function parseNameList(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function parseScopeMode(text: string | undefined, parameter = 'evacuation_scope'): ScopeMode {
  const value = (text ?? '').trim().toLowerCase();
  if (value === '') return 'classic';
  const mode = SCOPE_MODES.find((candidate) => candidate === value);
  if (mode === undefined) {
    throw new ConfigError(`${parameter}: "${text}" is not one of ${SCOPE_MODES.join(', ')}`);
  }
  return mode;
}

/** The classic `instance_filtering` option: false/0/no/off evacuates nothing (fence_evacuate), anything else filters by tags. */
export function scopeModeFromInstanceFiltering(text: string | undefined): ScopeMode {
  const value = (text ?? '').trim().toLowerCase();
  return ['false', '0', 'no', 'off'].includes(value) ? 'none' : 'classic';
}

export interface ScopeParams {
  readonly mode?: string | undefined;
  readonly metadataKey?: string | undefined;
  readonly includeProjects?: string | undefined;
  readonly excludeProjects?: string | undefined;
  readonly includeAggregates?: string | undefined;
}

/** Parameter names used in error messages; the agent may override them. */
export interface ScopeParamNames {
  readonly mode: string;
  readonly metadataKey: string;
}

const DEFAULT_SCOPE_NAMES: ScopeParamNames = { mode: 'evacuation_scope', metadataKey: 'scope_metadata_key' };

export function parseScopePolicy(params: ScopeParams, names: ScopeParamNames = DEFAULT_SCOPE_NAMES): ScopePolicy {
  const metadataKey = (params.metadataKey ?? '').trim() || EVACUABLE;
  if (/\s/.test(metadataKey)) throw new ConfigError(`${names.metadataKey}: "${params.metadataKey}" contains white space`);
  return {
    mode: parseScopeMode(params.mode, names.mode),
    metadataKey,
    includeProjects: parseNameList(params.includeProjects),
    excludeProjects: parseNameList(params.excludeProjects),
    includeAggregates: parseNameList(params.includeAggregates),
  };
}
