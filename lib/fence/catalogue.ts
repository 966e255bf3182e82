/**
 * An agent's complete option and action catalogue: the standard options with the agent's
 * defaults applied, then its own options; the actions it answers. Shared by input parsing,
 * metadata, help and the manpage so they cannot disagree.
 */
import type { FenceAction, FenceAgentDeclaration } from './agent';
import { standardOptions, type FenceOptionSpec, type FenceOptionSpecs } from './options';

export function defaultAction(agent: Pick<FenceAgentDeclaration<FenceOptionSpecs>, 'fabricFencing'>): 'off' | 'reboot' {
  return agent.fabricFencing ? 'off' : 'reboot';
}

export function optionCatalogue(agent: FenceAgentDeclaration<FenceOptionSpecs>): Record<string, FenceOptionSpec> {
  const specs: Record<string, FenceOptionSpec> = {};
  for (const [key, spec] of Object.entries(standardOptions)) {
    const override = (agent.standardDefaults as Record<string, number | undefined> | undefined)?.[key];
    specs[key] = override === undefined ? spec : { ...spec, default: override };
  }
  specs.action = { ...standardOptions.action, default: defaultAction(agent) };
  specs.plug = { ...standardOptions.plug, required: true };
  if (agent.needsLogin === true) specs.username = { ...standardOptions.username, required: true };
  for (const [key, spec] of Object.entries(agent.options as FenceOptionSpecs)) {
    if (key in specs) throw new Error(`${agent.name}: option ${key} is a standard option`);
    specs[key] = spec;
  }
  return specs;
}

/** The actions in the order the classic library lists them. */
export function availableActions(agent: FenceAgentDeclaration<FenceOptionSpecs>): FenceAction[] {
  const actions: FenceAction[] = ['on', 'off'];
  if (!agent.fabricFencing) actions.push('reboot');
  actions.push('status');
  if (agent.list) actions.push('list', 'list-status');
  actions.push('monitor', 'metadata', 'manpage', 'validate-all');
  return actions;
}

/**
 * The action named in the input, with the compatibility spellings (`meta-data`, and for fabric
 * agents `enable`/`disable`), or undefined when this agent does not answer it.
 */
export function recogniseAction(
  agent: FenceAgentDeclaration<FenceOptionSpecs>,
  requested: string,
): FenceAction | undefined {
  let name = requested.trim().toLowerCase();
  if (name === 'meta-data') name = 'metadata';
  if (agent.fabricFencing && name === 'enable') name = 'on';
  if (agent.fabricFencing && name === 'disable') name = 'off';
  return availableActions(agent).find((action) => action === name);
}

/** The `-k, --auth-url=[url]` form used by help, manpage and the metadata's getopt element. */
export function getoptMixed(spec: FenceOptionSpec): string {
  const long = `--${spec.longopt}${spec.type === 'boolean' ? '' : `=[${spec.metavar ?? 'value'}]`}`;
  return spec.getopt === undefined ? long : `${spec.getopt}, ${long}`;
}
