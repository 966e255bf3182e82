/**
 * The cluster as crm_mon sees it (`crm_mon -1 --output-as=xml`): every node including
 * pacemaker_remote ones, their CIB node attributes, and the fencing history.
 * crm_mon may exit 0 even when it cannot connect, so its output is checked as well as its code.
 */
import { ClusterUnavailableError, ToolFailedError, ToolOutputError } from './errors';
import { parseFenceEvent, type FenceEvent } from './fence-event';
import { failureText, firstErrorLine, runTool, saysNotConnected, type ToolCallOptions } from './run-tool';
import { attr, boolAttr, child, children, looksLikeXml, parsePacemakerResult, resultStatus } from './xml';

const TOOL = 'crm_mon';
const ARGS = ['-1', '--output-as=xml'] as const;

export type NodeType = 'member' | 'remote' | 'ping' | 'unknown';

export interface ClusterNode {
  name: string;
  id: string;
  type: NodeType;
  online: boolean;
  standby: boolean;
  maintenance: boolean;
  pending: boolean;
  unclean: boolean;
  shutdown: boolean;
  expectedUp: boolean;
  isDc: boolean;
  resourcesRunning: number;
}

export interface ClusterStatus {
  /** pacemakerd's state ("running", "shutting_down"…) when crm_mon reports it. */
  pacemakerdState?: string;
  /** The designated controller's node name, if one is elected. */
  dc?: string;
  quorate: boolean;
  nodes: ClusterNode[];
  /** Node name → attribute name → value (CIB attributes only; private attrd ones are absent). */
  nodeAttributes: Map<string, Map<string, string>>;
  /** As crm_mon lists it: newest first. */
  fenceHistory: FenceEvent[];
  /** False when crm_mon could not ask the fencer (`<fence_history status="102"/>`): the history is unknown, not empty. */
  fenceHistoryAvailable: boolean;
}

function nodeType(value: string | undefined): NodeType {
  return value === 'member' || value === 'remote' || value === 'ping' ? value : 'unknown';
}

export async function parseCrmMonXml(xml: string): Promise<ClusterStatus> {
  const result = await parsePacemakerResult(TOOL, xml);
  const status = resultStatus(result);
  if (status && status.code !== 0) {
    const detail = firstErrorLine({ stdout: xml, stderr: '' }) || status.message;
    if (status.code === 102) throw new ClusterUnavailableError(TOOL, detail);
    throw new ToolFailedError(TOOL, ARGS, status.code, detail);
  }
  const nodesElement = child(result, 'nodes');
  if (!nodesElement) {
    // While pacemakerd is starting, crm_mon reports "OK" with only an error inside:
    // `<status code="0"><errors><error>Could not connect to the CIB: …`.
    const detail = firstErrorLine({ stdout: xml, stderr: '' });
    if (saysNotConnected(detail)) throw new ClusterUnavailableError(TOOL, detail);
    throw new ToolOutputError(TOOL, 'no <nodes> element', xml);
  }

  const nodes = children(nodesElement, 'node').map((element): ClusterNode => {
    const name = attr(element, 'name');
    if (name === undefined) throw new ToolOutputError(TOOL, '<node> without a name', xml);
    return {
      name,
      id: attr(element, 'id') ?? name,
      type: nodeType(attr(element, 'type')),
      online: boolAttr(element, 'online'),
      standby: boolAttr(element, 'standby'),
      maintenance: boolAttr(element, 'maintenance'),
      pending: boolAttr(element, 'pending'),
      unclean: boolAttr(element, 'unclean'),
      shutdown: boolAttr(element, 'shutdown'),
      expectedUp: boolAttr(element, 'expected_up'),
      isDc: boolAttr(element, 'is_dc'),
      resourcesRunning: Number(attr(element, 'resources_running') ?? 0) || 0,
    };
  });

  const nodeAttributes = new Map<string, Map<string, string>>();
  for (const nodeElement of children(child(result, 'node_attributes') ?? {}, 'node')) {
    const name = attr(nodeElement, 'name');
    if (name === undefined) continue;
    const values = new Map<string, string>();
    for (const attribute of children(nodeElement, 'attribute')) {
      const key = attr(attribute, 'name');
      if (key !== undefined) values.set(key, attr(attribute, 'value') ?? '');
    }
    nodeAttributes.set(name, values);
  }

  const fenceElement = child(result, 'fence_history');
  const fenceStatus = fenceElement ? attr(fenceElement, 'status') : undefined;
  const fenceHistory = children(fenceElement ?? {}, 'fence_event')
    .map(parseFenceEvent)
    .filter((event): event is FenceEvent => event !== undefined);

  const summary = child(result, 'summary');
  const dcElement = summary ? child(summary, 'current_dc') : undefined;
  const clusterStatus: ClusterStatus = {
    quorate: dcElement ? boolAttr(dcElement, 'with_quorum') : false,
    nodes,
    nodeAttributes,
    fenceHistory,
    fenceHistoryAvailable: fenceStatus === undefined || fenceStatus === '0',
  };
  const dc = dcElement && boolAttr(dcElement, 'present') ? attr(dcElement, 'name') : undefined;
  if (dc !== undefined) clusterStatus.dc = dc;
  const pacemakerd = child(result, 'pacemakerd');
  const state = pacemakerd ? attr(pacemakerd, 'state') : undefined;
  if (state !== undefined) clusterStatus.pacemakerdState = state;
  return clusterStatus;
}

/** One `crm_mon -1 --output-as=xml`, parsed. ClusterUnavailableError when it cannot connect. */
export async function getClusterStatus(options: ToolCallOptions = {}): Promise<ClusterStatus> {
  const result = await runTool(TOOL, ARGS, options);
  if (!looksLikeXml(result.stdout)) {
    if (saysNotConnected(result.stdout + result.stderr)) {
      throw new ClusterUnavailableError(TOOL, firstErrorLine(result) || result.stdout);
    }
    if (result.exitCode !== 0) throw new ToolFailedError(TOOL, ARGS, result.exitCode, failureText(result));
    throw new ToolOutputError(TOOL, 'expected XML', result.stdout);
  }
  return parseCrmMonXml(result.stdout);
}
