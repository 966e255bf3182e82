/**
 * Watches one compute node's whole recovery and records its timeline: detected → fenced →
 * Nova forced down → first evacuation → every protected instance ACTIVE elsewhere →
 * evacuate=no → powered on through its BMC and its connection cleaned up (the operator's
 * repair) → node back → nova-compute running → unfenced (fence_compute `on` and Nova
 * enabled again) → attribute cleared. Each milestone is the first time a poll saw it, except
 * `fenced`/`unfenced`, which carry stonith_admin's own timestamps (whole seconds).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  RUN,
  Timeline,
  bmcPower,
  computeAgent,
  crmMon,
  evacuateAttribute,
  fenceHistory,
  fenceTime,
  host,
  nodeOnline,
  reconnectNode,
  simState,
  startedOn,
  waitFor,
} from './lab';

export const MILESTONES = [
  'detected',
  'fenced',
  'novaForcedDown',
  'firstEvacuate',
  'allProtectedActive',
  'evacuateNo',
  'poweredOn',
  'nodeBack',
  'novaComputeRunning',
  'unfenced',
  'attributeCleared',
] as const;

export function bmcLines(node: string): string[] {
  try {
    return readFileSync(join(RUN, `bmc-${node}.out`), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** Polls until every milestone of `node`'s recovery was seen (or the timeout), marking `t`. */
export async function watchRecovery(node: string, t: Timeline, timeoutMs: number, opts: { protectedIds: string[]; migrationsBefore: number[]; agent?: string }): Promise<void> {
  const agent = opts.agent ?? computeAgent();
  const seen = new Set(opts.migrationsBefore);
  const since = t.start - 1000; // stonith_admin's timestamps are whole seconds
  let fencedAt = NaN;
  const nothingToMove = opts.protectedIds.length === 0;
  const expected = MILESTONES.filter((m) => !(nothingToMove && m === 'firstEvacuate'));
  await waitFor(`${node}'s recovery (seen: ${Object.keys(t.events).join(', ')})`, timeoutMs, async () => {
    const [xml, state, history, attr] = await Promise.all([crmMon(), simState(), fenceHistory(node), evacuateAttribute(node)]);
    const online = nodeOnline(xml, node);
    if (!online) t.mark('detected');
    const fence = history.find((e) => (e.action === 'reboot' || e.action === 'off') && e.status === 'success' && fenceTime(e) >= since);
    if (fence && !t.has('fenced')) {
      fencedAt = fenceTime(fence);
      t.mark('fenced', Math.max(fencedAt, t.start));
      t.mark('detected', Math.max(fencedAt, t.start)); // fenced implies lost, even if no poll saw it offline
    }
    const h = host(state, node);
    if (h.service.forced_down) t.mark('novaForcedDown');
    if (state.migrationList.some((m) => m.source === node && !seen.has(m.id))) t.mark('firstEvacuate');
    // A node with no protected instance has nothing to evacuate: its mark goes straight to `no`.
    const evacuated = t.has('firstEvacuate') || (nothingToMove && t.has('fenced') && t.has('novaForcedDown'));
    const prot = state.instanceList.filter((i) => opts.protectedIds.includes(i.id));
    if (evacuated && prot.every((i) => i.host !== node && i.status === 'ACTIVE')) t.mark('allProtectedActive');
    // Nothing to move: the mark may be gone already (the node came back through unfencing's power-on).
    if (evacuated && (attr === 'no' || (nothingToMove && (attr === undefined || attr === '')))) t.mark('evacuateNo');
    // The repair: once its instances run elsewhere, the fenced (powered-off) node is powered on.
    if (t.has('allProtectedActive') && t.has('evacuateNo') && !t.has('poweredOn')) {
      await bmcPower(node, 'on');
      t.mark('poweredOn');
      await reconnectNode(node);
      t.mark('connectionCleanedUp');
    }
    if (t.has('poweredOn') && online) t.mark('nodeBack');
    if (t.has('nodeBack') && h.compute === 'running' && startedOn(xml, agent, node)) t.mark('novaComputeRunning');
    const on = history.find((e) => e.action === 'on' && e.status === 'success' && fenceTime(e) >= fencedAt);
    if (t.has('fenced') && on && !h.service.forced_down && h.service.status === 'enabled') t.mark('unfenced');
    if (t.has('nodeBack') && t.has('evacuateNo') && (attr === undefined || attr === '')) t.mark('attributeCleared');
    return expected.every((m) => t.has(m));
  });
}
