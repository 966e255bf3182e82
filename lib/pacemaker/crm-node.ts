/**
 * Node names: this node's (crm_node -n), the corosync members (crm_node -l), and every node
 * including pacemaker_remote ones (crm_mon), which crm_node -l never lists.
 */
import { ToolOutputError } from './errors';
import { getClusterStatus, type ClusterNode } from './crm-mon';
import { expectSuccess, runTool, type ToolCallOptions } from './run-tool';

const TOOL = 'crm_node';

export interface Member {
  id: string;
  name: string;
  state: 'member' | 'lost' | string;
}

/**
 * This node's name. Inside an agent Pacemaker already says it (OCF_RESKEY_CRM_meta_on_node,
 * which crm_node -n itself would print); otherwise ask the controller.
 */
export async function localNodeName(options: ToolCallOptions = {}): Promise<string> {
  const fromPacemaker = (options.env ?? process.env).OCF_RESKEY_CRM_meta_on_node;
  if (fromPacemaker) return fromPacemaker;
  const result = expectSuccess(await runTool(TOOL, ['-n'], options));
  const name = result.stdout.trim();
  if (name === '' || /\s/.test(name)) throw new ToolOutputError(TOOL, 'expected one node name', result.stdout);
  return name;
}

/** `crm_node -l` lines: `<id> <name> <member|lost>`. */
export function parseMemberList(text: string): Member[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id, name, state, ...rest] = line.trim().split(/\s+/);
      if (id === undefined || name === undefined || state === undefined || rest.length > 0) {
        throw new ToolOutputError(TOOL, 'expected "<id> <name> <state>"', line);
      }
      return { id, name, state };
    });
}

/** The corosync members and lost peers. pacemaker_remote nodes are NOT here: use listNodes. */
export async function listMembers(options: ToolCallOptions = {}): Promise<Member[]> {
  return parseMemberList(expectSuccess(await runTool(TOOL, ['-l'], options)).stdout);
}

/** Every node the cluster knows, remote ones included, with its state. */
export async function listNodes(options: ToolCallOptions = {}): Promise<ClusterNode[]> {
  return (await getClusterStatus(options)).nodes;
}
