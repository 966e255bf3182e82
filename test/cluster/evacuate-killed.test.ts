/**
 * Drill c: NovaEvacuate is SIGKILLed in the middle of an evacuation (compute2's remoted
 * killed, evacuate calls slowed down by the simulator). Pacemaker records the failed monitor
 * and recovers the resource; the new NovaEvacuate resumes from the attribute and Nova's own
 * records, and the simulator's oracle sees no instance evacuated twice.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { crmMon, kill, labIsUp, prepareDrill, protectedOn, remotedPid, run, simFaults, simPost, simState, startedOn, Timeline, waitFor } from './lab';
import { watchRecovery } from './recovery';

let NODE = 'compute1';
const up = labIsUp();

async function novaEvacuatePids(): Promise<number[]> {
  const r = await run('pgrep', ['-f', 'resource.d/openstack/NovaEvacuate monitor']);
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

describe('drill c: NovaEvacuate SIGKILLed mid-evacuation', () => {
  beforeAll(async () => {
    if (!up) return;
    NODE = await prepareDrill();
  }, 240000);

  (up ? test : test.skip)(
    'Pacemaker recovers it and the work completes with zero duplicate evacuations',
    async () => {
      const before = await simState();
      const protectedIds = protectedOn(before, NODE).map((i) => i.id);
      expect(protectedIds.length).toBeGreaterThan(0);
      const acceptedBefore = before.oracle.evacuationsAccepted;
      await simPost('/faults', { kind: 'delay', route: 'POST /v2.1/servers/{server_id}/action', delayMs: 3000 });
      try {
        const t = new Timeline();
        kill(await remotedPid(NODE));
        // The moment the first evacuation is in flight, kill the NovaEvacuate doing it.
        const killed = await waitFor('an evacuation in flight', 120000, async () => {
          const state = await simState();
          if (!state.migrationList.some((m) => m.source === NODE && !before.migrationList.some((b) => b.id === m.id))) return false;
          const pids = await novaEvacuatePids();
          if (pids.length === 0) return false;
          for (const pid of pids) kill(pid);
          return pids;
        }, 200);
        t.mark('novaEvacuateKilled');
        await simFaults();
        await waitFor('Pacemaker to see the failed monitor', 60000, async () => /<failure [^>]*id="nova-evacuate"|op_key="nova-evacuate_monitor/.test(await crmMon()));
        t.mark('failureRecorded');
        await waitFor('nova-evacuate started again', 120000, async () => startedOn(await crmMon(), 'nova-evacuate', 'ctl1'));
        t.mark('novaEvacuateRecovered');
        await watchRecovery(NODE, t, 300000, { protectedIds, migrationsBefore: before.migrationList.map((m) => m.id) });
        const after = await simState();
        const file = t.write('novaevacuate-killed', { node: NODE, killedPids: killed });
        process.stderr.write(`drill c timeline (${file}): ${JSON.stringify(t.events)}\n`);

        expect(after.oracle.ok).toBe(true);
        expect(after.oracle.violations).toEqual([]);
        expect(after.oracle.evacuationsAccepted - acceptedBefore).toBe(protectedIds.length);
        for (const id of protectedIds) {
          const i = after.instanceList.find((x) => x.id === id);
          expect(i?.host).not.toBe(NODE);
          expect(i?.status).toBe('ACTIVE');
        }
      } finally {
        await simFaults();
      }
    },
    480000,
  );
});
