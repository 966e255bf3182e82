/**
 * Drill e, parts 3 and 2 (needs three computes: scripts/test-cluster starts them). More than
 * the brake allows (NovaEvacuate's brake_max_hosts lowered to 1 for the drill, evacuate_delay
 * so both hosts are marked before anything moves): both fenced, nothing evacuated, `nova-ha
 * status` says the brake tripped; `nova-ha resume` (the operator) lets the evacuations happen.
 * Then two computes lost at once with the default brake: both fenced, every protected
 * instance ACTIVE elsewhere, none evacuated twice (the simulator's oracle).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  bmcPower,
  computes,
  crmMon,
  fenceHistory,
  fenceTime,
  kill,
  labIsUp,
  prepareDrill,
  protectedOn,
  remotedPid,
  run,
  simCalls,
  simState,
  startedOn,
  Timeline,
  waitFor,
  type SimState,
} from './lab';
import { watchRecovery } from './recovery';

const up = labIsUp();
const enough = up && computes().length >= 3;
if (up && !enough) process.stderr.write('drill e parts 2 and 3 need three computes (scripts/test-cluster --computes 3): skipped\n');

/** The two computes with the most protected instances (ties by name). */
async function twoVictims(): Promise<[string, string]> {
  await prepareDrill();
  const state = await simState();
  const ranked = computes()
    .map((n) => ({ n, count: protectedOn(state, n).length }))
    .sort((a, b) => b.count - a.count || a.n.localeCompare(b.n))
    .map((r) => r.n);
  return [ranked[0] ?? 'compute1', ranked[1] ?? 'compute2'];
}

async function setEvacuateParameter(name: string, value: string | undefined): Promise<void> {
  const args = value === undefined ? ['--delete-parameter', name] : ['--set-parameter', name, '--parameter-value', value];
  const r = await run('crm_resource', ['--resource', 'nova-evacuate', ...args], 30000);
  if (r.code !== 0 && value !== undefined) throw new Error(`crm_resource ${args.join(' ')}: ${r.stderr}`);
}

async function novaEvacuateRunning(): Promise<void> {
  await waitFor('nova-evacuate started', 60000, async () => {
    const xml = await crmMon();
    return startedOn(xml, 'nova-evacuate', 'ctl1') && !/<resource id="nova-evacuate"[^>]*failed="true"/.test(xml);
  });
}

const newMigrationsFrom = (state: SimState, nodes: string[], before: Set<number>) =>
  state.migrationList.filter((m) => nodes.includes(m.source) && !before.has(m.id));

interface Brake {
  tripped: boolean;
  reason: string | null;
}

async function statusBrake(): Promise<{ brake: Brake; hosts: Array<{ name: string; state: string; detail: string }> }> {
  const r = await run('nova-ha', ['status', '--json'], 60000);
  const doc = JSON.parse(r.stdout) as { status: { brake: Brake; hosts: Array<{ name: string; state: string; detail: string }> } };
  return doc.status;
}

describe('drill e: computes lost at once', () => {
  beforeAll(async () => {
    if (enough) await novaEvacuateRunning();
  }, 120000);

  (enough ? test : test.skip)(
    'more than the brake allows: both fenced, nothing evacuated, status says the brake tripped; resume lets it happen',
    async () => {
      await setEvacuateParameter('brake_max_hosts', '1');
      await setEvacuateParameter('evacuate_delay', '15');
      let victims: string[] = [];
      try {
        await novaEvacuateRunning();
        victims = await twoVictims();
        const before = await simState();
        const seen = new Set(before.migrationList.map((m) => m.id));
        const protectedIds = victims.map((v) => protectedOn(before, v).map((i) => i.id));
        // Both must hold protected instances: a victim with none is done at once, gets unfenced,
        // and its mark no longer counts for the brake. The drill runs first, on a fresh lab.
        for (const ids of protectedIds) expect(ids.length).toBeGreaterThan(0);
        const t = new Timeline();
        const timelines = victims.map(() => new Timeline());
        const pids = await Promise.all(victims.map((v) => remotedPid(v)));
        for (const pid of pids) kill(pid);
        // Watched from the loss on; the repair (power-on) comes only once evacuated, after resume.
        const recovery = Promise.all(
          victims.map((v, i) => watchRecovery(v, timelines[i] as Timeline, 360000, { protectedIds: protectedIds[i] ?? [], migrationsBefore: [...seen] })),
        );
        recovery.catch(() => undefined); // awaited below; a failure before then must not go unhandled

        await waitFor('both computes fenced', 120000, async () => {
          const fenced = await Promise.all(
            victims.map(async (v) => (await fenceHistory(v)).some((e) => e.action === 'off' && e.status === 'success' && fenceTime(e) >= t.start - 1000)),
          );
          return fenced.every(Boolean);
        });
        t.mark('bothFenced');
        const status = await waitFor('the brake tripped in nova-ha status', 60000, async () => {
          const s = await statusBrake();
          return s.brake.tripped ? s : false;
        });
        t.mark('brakeTripped');
        // Past evacuate_delay, several NovaEvacuate passes later: still nothing moved.
        await new Promise((r) => setTimeout(r, 20000));
        const held = await simState();
        expect(newMigrationsFrom(held, victims, seen)).toEqual([]);
        expect(status.brake.reason).toMatch(/2 hosts marked within .* \(more than 1\)/);
        for (const v of victims) expect(status.hosts.find((h) => h.name === v)?.state).toBe('braked');
        process.stderr.write(`drill e3: nova-ha status while braked: ${JSON.stringify(status.brake)}\n`);

        const resumed = await run('nova-ha', ['resume'], 30000);
        expect(resumed.code).toBe(0);
        t.mark('resumed');
        await recovery;
        const after = await simState();
        const file = t.write('brake', { nodes: victims, brake: status.brake, recovery: timelines.map((x) => x.events) });
        process.stderr.write(`drill e3 timeline (${file}): ${JSON.stringify(t.events)} ${JSON.stringify(timelines.map((x) => x.events))}\n`);
        expect(after.oracle.ok).toBe(true);
        for (const id of protectedIds.flat()) {
          const i = after.instanceList.find((x) => x.id === id);
          expect(victims).not.toContain(i?.host);
          expect(i?.status).toBe('ACTIVE');
        }
      } finally {
        // Whatever failed, the next drill needs every node powered (stonith-action=off).
        for (const v of victims) await bmcPower(v, 'on').catch(() => undefined);
        await setEvacuateParameter('brake_max_hosts', undefined);
        await setEvacuateParameter('evacuate_delay', undefined);
        await run('crm_attribute', ['--type', 'crm_config', '-n', 'nova-ha-resumed-at', '-D']);
      }
    },
    720000,
  );

  (enough ? test : test.skip)(
    'two at once: both fenced, all their protected instances ACTIVE elsewhere, none evacuated twice',
    async () => {
      const victims = await twoVictims();
      const before = await simState();
      const evacuationsBefore = (await simCalls()).actions['evacuate'] ?? 0;
      const protectedIds = victims.map((v) => protectedOn(before, v).map((i) => i.id));
      const migrationsBefore = before.migrationList.map((m) => m.id);
      const pids = await Promise.all(victims.map((v) => remotedPid(v)));
      const timelines = victims.map(() => new Timeline());
      for (const pid of pids) kill(pid);
      try {
        await Promise.all(
          victims.map((v, i) => watchRecovery(v, timelines[i] as Timeline, 300000, { protectedIds: protectedIds[i] ?? [], migrationsBefore })),
        );
      } finally {
        for (const v of victims) await bmcPower(v, 'on').catch(() => undefined);
      }
      const after = await simState();
      victims.forEach((v, i) => {
        const file = (timelines[i] as Timeline).write(`two-computes-lost-${i + 1}`, { node: v, with: victims, protected: protectedIds[i]?.length ?? 0 });
        process.stderr.write(`drill e2 timeline ${v} (${file}): ${JSON.stringify((timelines[i] as Timeline).events)}\n`);
      });

      // The first host's evacuations may start before the second is fenced, towards it: those
      // fail with it and are retried elsewhere, so more calls than instances is allowed; two
      // evacuations of one instance at once (or one running twice) is what the oracle forbids.
      expect(after.oracle.violations).toEqual([]);
      expect(after.oracle.ok).toBe(true);
      const all = protectedIds.flat();
      const calls = ((await simCalls()).actions['evacuate'] ?? 0) - evacuationsBefore;
      expect(calls).toBeGreaterThanOrEqual(all.length);
      for (const id of all) {
        const i = after.instanceList.find((x) => x.id === id);
        expect(victims).not.toContain(i?.host);
        expect(i?.status).toBe('ACTIVE');
      }
    },
    480000,
  );

  afterAll(async () => {
    if (enough) await novaEvacuateRunning();
  }, 120000);
});
