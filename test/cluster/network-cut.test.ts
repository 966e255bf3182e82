/**
 * Drill e (first part): a compute's network is cut (its namespace's eth0 down). Pacemaker
 * loses the connection only when the remote's monitor times out, fences the node through
 * its BMC (reached outside the cut network) and fence_compute; NovaEvacuate evacuates it.
 * The link is restored before the power-on repair.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { fenceHistory, fenceTime, labIsUp, prepareDrill, protectedOn, run, simState, Timeline, waitFor } from './lab';
import { watchRecovery } from './recovery';

let NODE = 'compute1';
const up = labIsUp();
const link = (state: 'up' | 'down') => run('ip', ['-n', NODE, 'link', 'set', 'eth0', state]);

describe('drill e: network cut', () => {
  beforeAll(async () => {
    if (!up) return;
    NODE = await prepareDrill();
  }, 240000);

  (up ? test : test.skip)(
    'link down → monitor timeout → fenced → evacuated → link up, power on → back in service',
    async () => {
      const before = await simState();
      const protectedIds = protectedOn(before, NODE).map((i) => i.id);
      const t = new Timeline();
      try {
        expect((await link('down')).code).toBe(0);
        await waitFor(`${NODE} fenced`, 180000, async () =>
          (await fenceHistory(NODE)).some((e) => e.action === 'off' && e.status === 'success' && fenceTime(e) >= t.start - 1000),
        );
      } finally {
        await link('up');
      }
      t.mark('linkRestored');
      await watchRecovery(NODE, t, 360000, { protectedIds, migrationsBefore: before.migrationList.map((m) => m.id) });
      const after = await simState();
      const file = t.write('network-cut', { node: NODE });
      process.stderr.write(`drill e timeline (${file}): ${JSON.stringify(t.events)}\n`);
      expect(after.oracle.ok).toBe(true);
      for (const id of protectedIds) {
        const i = after.instanceList.find((x) => x.id === id);
        expect(i?.host).not.toBe(NODE);
        expect(i?.status).toBe('ACTIVE');
      }
    },
    600000,
  );
});
