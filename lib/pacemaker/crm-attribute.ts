/**
 * Node attributes and cluster properties in the CIB, through crm_attribute. `reboot` attributes
 * live in the status section (attrd writes them there), `forever` ones in configuration/nodes.
 * Private attrd attributes never reach the CIB: read those with attrd.ts.
 */
import { ToolOutputError } from './errors';
import { expectSuccess, runTool, type ToolCallOptions, type ToolResult } from './run-tool';
import { attr, child, looksLikeXml, parsePacemakerResult } from './xml';

const TOOL = 'crm_attribute';

/** crm_attribute's exit code for a missing attribute or an unknown node (CRM_EX_NOSUCH). */
export const EXIT_NO_SUCH_OBJECT = 105;

export type Lifetime = 'reboot' | 'forever';

export interface NodeAttributeOptions extends ToolCallOptions {
  /** Default `forever`, as crm_attribute itself assumes with -N. */
  lifetime?: Lifetime;
}

/**
 * The value in crm_attribute's output: the XML `<attribute value>`, the text form
 * `scope=status  name=evacuate value=no`, or the bare value `-q` prints.
 */
export async function parseCrmAttributeOutput(output: string): Promise<string> {
  if (looksLikeXml(output)) {
    const result = await parsePacemakerResult(TOOL, output);
    const element = child(result, 'attribute');
    const value = element ? attr(element, 'value') : undefined;
    if (value === undefined) throw new ToolOutputError(TOOL, 'no <attribute value=…> element', output);
    return value;
  }
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  if (lines.length !== 1 || lines[0] === undefined) throw new ToolOutputError(TOOL, 'expected one line', output);
  const scoped = /^scope=\S*\s+name=.*? value=(.*)$/.exec(lines[0]);
  return scoped?.[1] ?? lines[0];
}

function nodeArgs(name: string, node: string, options: NodeAttributeOptions): string[] {
  return ['-n', name, '-N', node, '-l', options.lifetime ?? 'forever'];
}

async function getValue(args: string[], options: ToolCallOptions): Promise<string | undefined> {
  const result = await runTool(TOOL, [...args, '-G', '--output-as=xml'], options);
  if (result.exitCode === EXIT_NO_SUCH_OBJECT) return undefined;
  return parseCrmAttributeOutput(expectSuccess(result).stdout);
}

/** The attribute's value on `node`; undefined when it is not set or the node is unknown. */
export async function getNodeAttribute(
  name: string,
  node: string,
  options: NodeAttributeOptions = {},
): Promise<string | undefined> {
  return getValue(nodeArgs(name, node, options), options);
}

/** Sets the attribute; an unknown node is a ToolFailedError ("Could not map name=… to a UUID"). */
export async function setNodeAttribute(
  name: string,
  node: string,
  value: string,
  options: NodeAttributeOptions = {},
): Promise<void> {
  expectSuccess(await runTool(TOOL, [...nodeArgs(name, node, options), '-v', value], options));
}

/** Removes the attribute; one that is already gone (or a node unknown to the CIB) is fine. */
export async function deleteNodeAttribute(
  name: string,
  node: string,
  options: NodeAttributeOptions = {},
): Promise<void> {
  const result: ToolResult = await runTool(TOOL, [...nodeArgs(name, node, options), '-D'], options);
  if (result.exitCode !== EXIT_NO_SUCH_OBJECT) expectSuccess(result);
}

/** A cluster property (crm_config), e.g. `stonith-enabled`; undefined when not set. */
export async function getClusterProperty(name: string, options: ToolCallOptions = {}): Promise<string | undefined> {
  return getValue(['-t', 'crm_config', '-n', name], options);
}
