/**
 * Drill a: a compute's pacemaker-remoted is SIGKILLed. Pacemaker loses the node, fences it
 * through level 1 (the BMC powers it off; fence_compute forces Nova down and marks it),
 * NovaEvacuate evacuates its protected instances; then the node is powered on through its
 * BMC (fresh /run), rejoins, NovaCompute waits, starts nova-compute and unfences, and the
 * evacuate attribute is gone.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { fenceHistory, fenceTime, host, kill, labIsUp, prepareDrill, protectedOn, remotedPid, simCalls, simState, Timeline } from './lab';
import { bmcLines, watchRecovery } from './recovery';

let NODE = 'compute1';
const up = labIsUp();

describe('drill a: pacemaker-remoted SIGKILLed', () => {
  beforeAll(async () => {
    if (!up) return;
    NODE = await prepareDrill();
  }, 240000);

  (up ? test : test.skip)(
    'lost → fenced (power + fence_compute) → evacuated → node back → nova-compute started → unfenced',
    async () => {
      const before = await simState();
      const evacuationsBefore = (await simCalls()).actions['evacuate'] ?? 0;
      const bmcBefore = bmcLines(NODE).length;
      const protectedIds = protectedOn(before, NODE).map((i) => i.id);
      const plain = before.instanceList.filter((i) => i.name.includes('-plain-') && i.host === NODE);
      expect(protectedIds.length).toBeGreaterThan(0);

      const t = new Timeline();
      kill(await remotedPid(NODE));
      await watchRecovery(NODE, t, 300000, { protectedIds, migrationsBefore: before.migrationList.map((m) => m.id) });

      const after = await simState();
      const file = t.write('remoted-killed', { node: NODE });
      process.stderr.write(`drill a timeline (${file}): ${JSON.stringify(t.events)}\n`);

      // Both devices of the level: the BMC saw off then on, Nova saw the force-down.
      const bmc = bmcLines(NODE).slice(bmcBefore).join('\n');
      expect(bmc).toMatch(new RegExp(`off ${NODE}: rc 0`));
      expect(bmc).toMatch(new RegExp(`on ${NODE}: rc 0`));
      const history = await fenceHistory(NODE);
      expect(history.some((e) => e.action === 'off' && e.status === 'success' && fenceTime(e) >= t.start - 1000)).toBe(true);
      // Every protected instance runs elsewhere, once; the unprotected one stayed.
      for (const id of protectedIds) {
        const i = after.instanceList.find((x) => x.id === id);
        expect(i?.host).not.toBe(NODE);
        expect(i?.status).toBe('ACTIVE');
      }
      for (const p of plain) expect(after.instanceList.find((i) => i.id === p.id)?.host).toBe(NODE);
      expect(((await simCalls()).actions['evacuate'] ?? 0) - evacuationsBefore).toBe(protectedIds.length);
      expect(after.oracle.ok).toBe(true);
      // The node is back in service.
      const h = host(after, NODE);
      expect(h.service).toMatchObject({ state: 'up', status: 'enabled', forced_down: false });
      expect(h.compute).toBe('running');
    },
    420000,
  );
});
