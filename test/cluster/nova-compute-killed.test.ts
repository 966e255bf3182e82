/**
 * Drill b: nova-compute (the stand-in) is SIGKILLed on a compute. Once: NovaCompute's monitor
 * restarts it in place, nothing is fenced. Again and again, past nova_compute_restart_limit
 * (3 in the lab): the depth-0 monitor fails, on-fail=fence fences the node, NovaEvacuate
 * evacuates it, and after the power-on repair the node comes back into service.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { crmMon, fenceHistory, fenceTime, host, kill, labIsUp, nodeOnline, novaComputePids, prepareDrill, protectedOn, run, simState, Timeline, waitFor } from './lab';
import { watchRecovery } from './recovery';

let NODE = 'compute1';
const up = labIsUp();

/** Kills the node's nova-compute and waits until the agent has started a new one. */
async function killAndWaitRestart(): Promise<number[]> {
  const old = await novaComputePids(NODE);
  if (old.length === 0) throw new Error(`no nova-compute on ${NODE}`);
  for (const pid of old) kill(pid);
  return waitFor(`a new nova-compute on ${NODE}`, 60000, async () => {
    const now = await novaComputePids(NODE);
    return now.length > 0 && now.every((p) => !old.includes(p)) ? now : false;
  });
}

/** What Pacemaker and the agent said, for a drill that was not fenced in time. */
async function whyNotFenced(): Promise<string> {
  const failcounts = await run('crm_mon', ['-1', '-r', '-f', '--include=failcounts,fencing,operations,attributes'], 20000);
  const report = await run('attrd_updater', ['-Q', '-n', 'nova-ha-compute', '-N', NODE]);
  return `crm_mon:\n${failcounts.stdout}\nNovaCompute report of ${NODE}: ${report.stdout}`;
}

describe('drill b: nova-compute killed', () => {
  beforeAll(async () => {
    if (!up) return;
    NODE = await prepareDrill();
  }, 240000);

  (up ? test : test.skip)(
    'restarted in place once; past the restart limit the node is fenced and evacuated',
    async () => {
      const before = await simState();
      const protectedIds = protectedOn(before, NODE).map((i) => i.id);
      const t = new Timeline();

      await killAndWaitRestart();
      t.mark('restartedInPlace');
      await waitFor('Nova to see nova-compute running again', 60000, async () => host(await simState(), NODE).compute === 'running');
      const fencedEarly = (await fenceHistory(NODE)).filter((e) => e.action === 'off' && fenceTime(e) >= t.start - 1000);
      expect(fencedEarly).toEqual([]);
      expect(nodeOnline(await crmMon(), NODE)).toBe(true);

      // Past the limit: keep killing each new nova-compute until Pacemaker fences the node.
      // Each kill waits until the previous restart has settled (Nova sees nova-compute running and
      // the process is 6 s old): one killed right after its start fails the monitor at once.
      let kills = 1;
      const firstSeen = new Map<number, number>();
      await waitFor(`${NODE} fenced after repeated nova-compute deaths`, 180000, async () => {
        const fenced = (await fenceHistory(NODE)).some((e) => e.action === 'off' && e.status === 'success' && fenceTime(e) >= t.start - 1000);
        if (fenced) return true;
        const pids = await novaComputePids(NODE);
        for (const pid of pids) if (!firstSeen.has(pid)) firstSeen.set(pid, Date.now());
        const settled = pids.length > 0 && pids.every((p) => Date.now() - (firstSeen.get(p) ?? Date.now()) >= 6000);
        if (settled && host(await simState(), NODE).compute === 'running') {
          for (const pid of pids) kill(pid);
          kills += 1;
          t.mark(`kill${kills}`);
        }
        return false;
      }, 1000).catch(async (error: unknown) => {
        throw new Error(`${String(error)} after ${kills} kills\n${await whyNotFenced()}`);
      });
      await watchRecovery(NODE, t, 240000, { protectedIds, migrationsBefore: before.migrationList.map((m) => m.id) });
      const after = await simState();
      const file = t.write('nova-compute-killed', { node: NODE, kills });
      process.stderr.write(`drill b timeline (${file}): ${JSON.stringify(t.events)}\n`);
      expect(kills).toBeGreaterThan(3);
      expect(after.oracle.ok).toBe(true);
      for (const id of protectedIds) {
        const i = after.instanceList.find((x) => x.id === id);
        expect(i?.host).not.toBe(NODE);
        expect(i?.status).toBe('ACTIVE');
      }
    },
    720000,
  );
});
