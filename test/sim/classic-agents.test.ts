/**
 * The classic Python agents (Debian's fence-agents) against the simulator: the benchmarks
 * compare them with ours on it, so they must work unmodified apart from the one-token
 * Python 3.11 fix (inspect.getargspec → getfullargspec).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classicSource } from '../../scripts/lib/classic-path';
import { startSim, scenarioPath, type RunningSim } from '../helpers/sim';

const PY = '/usr/bin/python3';
const available = existsSync(classicSource('fence_compute')) && existsSync(classicSource('fence_evacuate')) && existsSync(PY);
const maybe = available ? describe : describe.skip;

let dir = '';
let sim: RunningSim;

function stdin(sim: RunningSim, extra: Record<string, string>): string {
  const opts = { ...sim.credentials, ...extra } as Record<string, string>;
  delete opts['region_name'];
  return Object.entries(opts).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

async function classic(agent: string, input: string, attrdValue = 'yes') {
  return execa(PY, [join(dir, agent)], {
    input,
    reject: false,
    timeout: 60_000,
    env: { PATH: `${join(dir, 'bin')}:${process.env['PATH'] ?? ''}`, ATTRD_VALUE: attrdValue, ATTRD_LOG: join(dir, 'attrd.log') },
  });
}

maybe('classic fence_compute / fence_evacuate against the simulator', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'classic-agents-'));
    for (const agent of ['fence_compute', 'fence_evacuate']) {
      const text = readFileSync(classicSource(agent as 'fence_compute' | 'fence_evacuate'), 'utf8').replace(/inspect\.getargspec\(/g, 'inspect.getfullargspec(');
      writeFileSync(join(dir, agent), text);
      chmodSync(join(dir, agent), 0o755);
    }
    mkdirSync(join(dir, 'bin'));
    // Stand-in attrd_updater: logs its arguments, answers queries with $ATTRD_VALUE.
    writeFileSync(
      join(dir, 'bin', 'attrd_updater'),
      '#!/bin/sh\necho "$@" >> "$ATTRD_LOG"\ncase "$*" in *-Q*) echo "name=\\"evacuate\\" host=\\"cmp-a\\" value=\\"$ATTRD_VALUE\\"";; esac\nexit 0\n',
    );
    chmodSync(join(dir, 'bin', 'attrd_updater'), 0o755);
    sim = await startSim({ scenario: scenarioPath('small'), timing: { timeScale: 10, serviceDownTimeSec: 30 } });
  });
  afterAll(async () => {
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('status, off and evacuate: the requests of the classic baseline, and the instances moved', async () => {
    const status = await classic('fence_compute', stdin(sim, { action: 'status', plug: 'cmp-a' }));
    expect(status.stdout).toContain('Status: ON');
    expect(status.exitCode).toBe(0);

    await sim.killHost('cmp-a');
    await sim.resetCounters();
    const off = await classic('fence_compute', stdin(sim, { action: 'off', plug: 'cmp-a', record_only: '1' }));
    expect(off.exitCode).toBe(0);
    const offCalls = (await sim.calls()).calls;
    expect(offCalls).toMatchObject({
      'GET /v2.1/os-hypervisors/detail': 1,
      'PUT /v2.1/os-services/force-down': 1,
      'PUT /v2.1/os-services/disable': 1,
    });
    expect(offCalls['GET /v2.1/os-services']).toBe(2);
    const host = (await sim.state({ host: 'cmp-a' })).hosts[0]!;
    expect(host.service).toMatchObject({ state: 'down', status: 'disabled', forced_down: true });
    expect(readFileSync(join(dir, 'attrd.log'), 'utf8')).toContain('-n evacuate -Q -N cmp-a -U yes');

    const statusOff = await classic('fence_compute', stdin(sim, { action: 'status', plug: 'cmp-a' }));
    expect(statusOff.exitCode).toBe(2);

    await sim.resetCounters();
    const evac = await classic('fence_evacuate', stdin(sim, { action: 'off', plug: 'cmp-a', no_shared_storage: '1' }));
    expect(evac.exitCode).toBe(0);
    const counts = await sim.calls();
    // cmp-a holds 7: 5 on evacuable flavors (one private with "True ", one volume-booted, one
    // stopped), 1 on an untagged flavor with a tagged image, 1 untagged that must stay.
    expect(counts.actions['evacuate']).toBe(6);
    expect(counts.calls['GET /v2.1/flavors/{flavor_id}/os-extra_specs']).toBe(3);
    expect(counts.calls['GET /v2.1/flavors/detail']).toBe(1);
    expect(counts.calls['GET /v2.1/servers/detail']).toBe(1);
    expect(counts.calls['GET /v2/images']).toBe(1);
    await sim.waitFor(async () => (await sim.state()).migrations.byStatus['done'] === 6, { timeoutMs: 20_000, what: '6 evacuations done' });
    const after = await sim.state({ full: true, host: 'cmp-a' });
    expect(after.instanceList!.map((i) => i.name)).toEqual(['a-untagged']);
    expect((await sim.oracle()).ok).toBe(true);

    // Unfencing before the host is back: Nova refuses the un-force (400, `done` records), the
    // classic agent only warns, enables, and exits 0 — the host stays forced down.
    await sim.resetCounters();
    const on = await classic('fence_compute', stdin(sim, { action: 'on', plug: 'cmp-a' }), 'no');
    expect(on.exitCode).toBe(0);
    expect((await sim.calls()).calls).toMatchObject({ 'PUT /v2.1/os-services/force-down': 1, 'PUT /v2.1/os-services/enable': 1 });
    expect((await sim.state({ host: 'cmp-a' })).hosts[0]!.service).toMatchObject({ status: 'enabled', forced_down: true, state: 'down' });
  });
});
