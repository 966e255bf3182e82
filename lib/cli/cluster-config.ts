/**
 * NovaEvacuate's configured parameters, read from the CIB (`cibadmin --query --xpath` on the
 * ocf:openstack:NovaEvacuate primitive), so `plan` and `explain` decide with the policy the
 * running agent uses. Options given on the command line still win. Secret values (the
 * password) are read with the rest but never kept: only the policy parameters are.
 */
import { parseStringPromise } from 'xml2js';
import { runTool } from '../pacemaker/run-tool';
import { attr, children, type XmlElement } from '../pacemaker/xml';
import { errorMessage } from '../runtime/errors';
import type { CommandContext } from './context';
import { parsePolicy, type Policy, type PolicyOptions } from './policy-options';

export const AGENT_XPATH = "//primitive[@class='ocf'][@provider='openstack'][@type='NovaEvacuate']";

/** NovaEvacuate parameter → the plan/explain option that stands for it. */
export const POLICY_PARAMETERS: Readonly<Record<string, keyof PolicyOptions>> = {
  scope: 'scope',
  scope_metadata_key: 'scopeMetadataKey',
  include_projects: 'includeProjects',
  exclude_projects: 'excludeProjects',
  include_aggregates: 'includeAggregates',
  segment_source: 'segmentSource',
  segment_attribute: 'segmentAttribute',
  segment_metadata_key: 'segmentMetadataKey',
  recovery_method: 'recoveryMethod',
  segment_recovery_methods: 'segmentRecoveryMethods',
  concurrency_per_target: 'perTarget',
};

export interface AgentConfig {
  readonly resource: string;
  /** The policy parameters it sets, as option values. */
  readonly options: Partial<Record<keyof PolicyOptions, string>>;
}

function findPrimitives(node: unknown, out: XmlElement[]): void {
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key === '$' || key === '_') continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (key === 'primitive' && item !== null && typeof item === 'object') out.push(item as XmlElement);
      else findPrimitives(item, out);
    }
  }
}

/** The first NovaEvacuate primitive of cibadmin's answer (a bare element, or an <xpath-query> of several). */
export async function parseAgentConfig(xml: string): Promise<AgentConfig | undefined> {
  const document: unknown = await parseStringPromise(xml, { explicitArray: true });
  const primitives: XmlElement[] = [];
  findPrimitives(document, primitives);
  const primitive = primitives.find((element) => attr(element, 'type') === 'NovaEvacuate');
  if (!primitive) return undefined;
  const options: Partial<Record<keyof PolicyOptions, string>> = {};
  for (const set of children(primitive, 'instance_attributes')) {
    for (const pair of children(set, 'nvpair')) {
      const name = attr(pair, 'name');
      const value = attr(pair, 'value');
      const option = name === undefined ? undefined : POLICY_PARAMETERS[name];
      if (option !== undefined && value !== undefined && options[option] === undefined) options[option] = value;
    }
  }
  return { resource: attr(primitive, 'id') ?? 'NovaEvacuate', options };
}

export type ConfigReading = { readonly config: AgentConfig } | { readonly note: string };

export async function readAgentConfig(ctx: CommandContext): Promise<ConfigReading> {
  try {
    const result = await runTool('cibadmin', ['--query', '--xpath', AGENT_XPATH], { ...ctx.tools, capMs: 10_000 });
    if (result.exitCode !== 0) {
      return { note: 'no ocf:openstack:NovaEvacuate resource in the CIB; using the agent defaults and the options given' };
    }
    const config = await parseAgentConfig(result.stdout);
    return config ? { config } : { note: 'no NovaEvacuate primitive in the CIB; using the agent defaults and the options given' };
  } catch (error) {
    return { note: `NovaEvacuate's configuration not read (${errorMessage(error)}); using the agent defaults and the options given` };
  }
}

/** Options given on the command line win over the cluster's values, which win over defaults. */
export function mergePolicyOptions<T extends PolicyOptions>(
  options: T,
  fromCluster: Partial<Record<keyof PolicyOptions, string>>,
  explicit: ReadonlySet<string>,
): T {
  const merged: T = { ...options };
  for (const [key, value] of Object.entries(fromCluster) as [keyof PolicyOptions, string][]) {
    if (!explicit.has(key)) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

/**
 * The policy plan/explain decide with, and one note saying where it came from. With
 * `--no-cluster-config` the CIB is not read.
 */
export async function resolvePolicy(
  ctx: CommandContext,
  options: PolicyOptions & { clusterConfig?: boolean },
): Promise<{ policy: Policy; note: string }> {
  if (options.clusterConfig === false) return { policy: parsePolicy(options), note: 'policy: agent defaults and the options given' };
  const reading = await readAgentConfig(ctx);
  if ('note' in reading) return { policy: parsePolicy(options), note: `policy: ${reading.note}` };
  const { resource, options: fromCluster } = reading.config;
  const merged = mergePolicyOptions(options, fromCluster, ctx.explicit);
  const set = Object.keys(fromCluster).filter((key) => !ctx.explicit.has(key));
  return {
    policy: parsePolicy(merged),
    note: `policy: NovaEvacuate resource '${resource}' in the CIB${set.length ? ` (${set.length} parameter(s) set there)` : ''}, then the options given`,
  };
}
