/**
 * The NovaCompute instance watch (monitor depth 20) against the simulated cloud: instances on
 * cmp-a crash in each of the simulator's ways (`shutoff`: SHUTOFF with nothing recorded;
 * `power-state`: still ACTIVE with power state SHUTDOWN; `synced`: SHUTOFF with Nova's
 * user-less `stop`), an operator stops one through the API, and the watch restarts exactly
 * the protected crashed ones through Nova, within the per-instance limit. Then the host loses
 * power and comes back with a hypervisor that forgot its guests (revive `forgetGuests`, as
 * Nova's fake driver does): they stay ACTIVE with power state NOSTATE and no `stop`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { novaPort } from '../../lib/evacuation/live-ports';
import { parseScopePolicy } from '../../lib/evacuation/scope';
import {
  instanceLedgerKey,
  instanceNovaPort,
  scopeFilterLoader,
  watchInstances,
  type InstanceWatchReport,
} from '../../lib/nova-compute/instance-watch';
import { openRestartLedger } from '../../lib/nova-compute/restart-ledger';
import { connect, type Cloud } from '../../lib/openstack/connect';
import { resolveAuthSpec } from '../../lib/openstack/credentials';
import { closeHttpAgents } from '../../lib/openstack/http';
import { forgetProcessTokens } from '../../lib/openstack/keystone';
import type { NovaClient } from '../../lib/openstack/nova';
import { Deadline } from '../../lib/runtime/deadline';
import type { Log, LogLevel } from '../../lib/runtime/log';
import { scenarioPath, startSim, type RunningSim, type SimInstanceState } from '../helpers/sim';

const HOST = 'cmp-a';
const HOUR = 3_600_000;
// test/scenarios/small.json, host cmp-a. Classic scope protects all seven (image cirros carries
// the property evacuable=true); the test opts UNTAGGED out through its metadata.
const TAGGED_FLAVOR_1 = 'aaaaaaa1-0000-4000-8000-000000000001';
const TAGGED_FLAVOR_2 = 'aaaaaaa1-0000-4000-8000-000000000002';
const TAGGED_IMAGE = 'aaaaaaa1-0000-4000-8000-000000000003';
const UNTAGGED = 'aaaaaaa1-0000-4000-8000-000000000004';
const VOLUME_BOOTED = 'aaaaaaa1-0000-4000-8000-000000000005';
const STOPPED_AT_START = 'aaaaaaa1-0000-4000-8000-000000000006';
const PRIVATE_FLAVOR = 'aaaaaaa1-0000-4000-8000-000000000007';

let sim: RunningSim;
let dir: string;
let cloud: Cloud;
let nova: NovaClient;
let lines: { level: LogLevel; message: string }[];

function captureLog(): Log {
  const make = (): Log => {
    const emit = (level: LogLevel) => (message: string) => void lines.push({ level, message });
    return { debug: emit('debug'), info: emit('info'), notice: emit('notice'), warn: emit('warn'), error: emit('error'), child: () => make() };
  };
  return make();
}

beforeEach(async () => {
  forgetProcessTokens();
  lines = [];
  dir = mkdtempSync(join(tmpdir(), 'instance-health-'));
  sim = await startSim({ scenario: scenarioPath('small'), timing: { timeScale: 20 } });
  const c = sim.credentials;
  cloud = await connect(
    resolveAuthSpec({
      auth_url: c.auth_url,
      login: c.login,
      passwd: c.passwd,
      tenant_name: c.tenant_name,
      user_domain: c.user_domain,
      project_domain: c.project_domain,
      region_name: c.region_name,
    }),
    { deadline: Deadline.in(60_000) },
  );
  nova = await cloud.nova();
  sim.cloud!.instance(UNTAGGED).metadata['evacuable'] = 'false';
});

afterEach(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

afterAll(() => closeHttpAgents());

async function pass(limit = 3): Promise<InstanceWatchReport> {
  const deadline = Deadline.in(30_000);
  const log = captureLog();
  return watchInstances({
    host: HOST,
    nova: instanceNovaPort(nova),
    loadProtectedFilter: scopeFilterLoader(novaPort(nova, cloud, { deadline, log, sharedStorage: true }), HOST, parseScopePolicy({})),
    ledger: await openRestartLedger(join(dir, 'ledger.json'), limit, HOUR),
    now: () => Date.now(),
    log,
    deadline,
  });
}

async function instances(): Promise<Map<string, SimInstanceState>> {
  const state = await sim.state({ full: true, host: HOST });
  return new Map((state.instanceList ?? []).map((inst) => [inst.id, inst]));
}

/** Waits until every listed instance is ACTIVE, running and without a task. */
async function waitRunning(ids: string[]): Promise<void> {
  await sim.waitFor(
    async () => {
      const all = await instances();
      return ids.every((id) => {
        const inst = all.get(id);
        return inst?.status === 'ACTIVE' && inst.power_state === 1 && inst.task_state === null;
      });
    },
    { what: `${ids.join(', ')} ACTIVE and running` },
  );
}

/** An operator's os-stop through Nova's API with the admin user's token. */
async function operatorStop(id: string): Promise<void> {
  const response = await fetch(`${sim.novaUrl}/servers/${id}/action`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Auth-Token': await cloud.keystone.token() },
    body: JSON.stringify({ 'os-stop': null }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status).toBe(202);
  await sim.waitFor(async () => {
    const inst = (await instances()).get(id);
    return inst?.status === 'SHUTOFF' && inst.task_state === null;
  });
}

function restartedIds(report: InstanceWatchReport): Record<string, string> {
  return Object.fromEntries(report.restarted.map((item) => [item.id, item.method]));
}

describe('instance health on a compute node, against the simulator', () => {
  it('restarts the protected crashed instances, each the right way, and leaves the rest', async () => {
    await sim.crashInstance(TAGGED_FLAVOR_1, 'shutoff');
    await sim.crashInstance(TAGGED_FLAVOR_2, 'power-state');
    await sim.crashInstance(TAGGED_IMAGE, 'synced');
    await sim.crashInstance(UNTAGGED, 'synced');
    await operatorStop(VOLUME_BOOTED);
    await sim.resetCounters();

    const report = await pass();
    expect(restartedIds(report)).toEqual({
      [TAGGED_FLAVOR_1]: 'start',
      [TAGGED_FLAVOR_2]: 'hard-reboot',
      [TAGGED_IMAGE]: 'start',
    });
    expect(report).toMatchObject({
      complete: true,
      checked: 7,
      healthy: 1,
      operatorStopped: 2,
      unprotected: 1,
      gaveUp: [],
      refused: [],
      errors: [],
    });
    expect(report.records.map((record) => record.id).sort()).toEqual([TAGGED_FLAVOR_1, TAGGED_FLAVOR_2, TAGGED_IMAGE]);
    expect(report.summary).toBe(
      `instances on ${HOST}: 7 checked, 1 running, 3 restarted (a-tagged-flavor-1, a-tagged-flavor-2, a-tagged-image), ` +
        '2 stopped by an operator, 1 not running but unprotected',
    );

    // One listing; actions only for the protected SHUTOFF ones (the untagged one is not asked about).
    const { calls, actions } = await sim.calls();
    expect(calls['GET /v2.1/servers/detail']).toBe(1);
    expect(calls['GET /v2.1/servers/{server_id}/os-instance-actions']).toBe(4);
    expect(actions).toMatchObject({ 'os-start': 2, reboot: 1 });

    await waitRunning([TAGGED_FLAVOR_1, TAGGED_FLAVOR_2, TAGGED_IMAGE, PRIVATE_FLAVOR]);
    const after = await instances();
    for (const id of [VOLUME_BOOTED, STOPPED_AT_START, UNTAGGED]) expect(after.get(id)?.status).toBe('SHUTOFF');

    // The next pass finds everything as it should be and calls nothing.
    await sim.resetCounters();
    const quiet = await pass();
    expect(quiet).toMatchObject({ healthy: 4, restarted: [], operatorStopped: 2, unprotected: 1 });
    expect((await sim.calls()).actions).toEqual({});
    // Restarts stay in the records for the window.
    expect(quiet.records).toHaveLength(3);
    expect((await sim.oracle()).ok).toBe(true);
  });

  it('repeated crashes hit the limit: then no more restarts, one error line', async () => {
    const modes = ['shutoff', 'synced', 'power-state'] as const;
    for (const mode of modes) {
      await sim.crashInstance(TAGGED_FLAVOR_1, mode);
      const report = await pass(3);
      expect(report.restarted.map((item) => item.id)).toEqual([TAGGED_FLAVOR_1]);
      await waitRunning([TAGGED_FLAVOR_1]);
    }
    await sim.crashInstance(TAGGED_FLAVOR_1, 'synced');
    await sim.resetCounters();
    lines = [];
    const report = await pass(3);
    expect(report.restarted).toEqual([]);
    expect(report.gaveUp).toEqual([expect.objectContaining({ id: TAGGED_FLAVOR_1, count: 3 })]);
    expect(report.records).toEqual([expect.objectContaining({ id: TAGGED_FLAVOR_1, gaveUp: true })]);
    expect(report.records[0]?.at).toHaveLength(3);
    expect((await sim.calls()).actions).toEqual({});
    expect(lines.filter((line) => line.level === 'error')).toHaveLength(1);
    expect((await instances()).get(TAGGED_FLAVOR_1)?.status).toBe('SHUTOFF');

    lines = [];
    await pass(3);
    expect(lines.filter((line) => line.level === 'error')).toHaveLength(0);
  });

  it('a Nova 5xx on the restart is reported, not thrown; the next pass restarts it', async () => {
    await sim.crashInstance(TAGGED_FLAVOR_1, 'shutoff');
    await sim.injectFault({ kind: 'http-error', route: 'POST /v2.1/servers/{server_id}/action', status: 500, count: 1 });
    const first = await pass();
    expect(first.restarted).toEqual([]);
    expect(first.refused).toEqual([
      expect.objectContaining({ id: TAGGED_FLAVOR_1, method: 'start', error: expect.stringMatching(/HTTP 500/) }),
    ]);
    expect(first.records).toEqual([expect.objectContaining({ id: TAGGED_FLAVOR_1, lastError: expect.stringMatching(/500/) })]);
    expect((await instances()).get(TAGGED_FLAVOR_1)?.status).toBe('SHUTOFF');

    const second = await pass();
    expect(second.restarted).toEqual([expect.objectContaining({ id: TAGGED_FLAVOR_1, count: 2 })]);
    await waitRunning([TAGGED_FLAVOR_1]);
    const ledger = await openRestartLedger(join(dir, 'ledger.json'), 3, HOUR);
    expect(ledger.history(instanceLedgerKey(TAGGED_FLAVOR_1))).toHaveLength(2);
  });

  it('a restart Nova refuses with 409 (an operator acted in between) is reported', async () => {
    // Nova answers 409 as it does when another action got there first (a task in progress).
    await sim.crashInstance(TAGGED_FLAVOR_2, 'power-state');
    await sim.injectFault({ kind: 'http-error', route: 'POST /v2.1/servers/{server_id}/action', status: 409, count: 1 });
    const report = await pass();
    expect(report.refused).toEqual([expect.objectContaining({ id: TAGGED_FLAVOR_2, method: 'hard-reboot', error: expect.stringMatching(/409/) })]);
    expect(report.summary).toMatch(/1 restart refused by Nova \(a-tagged-flavor-2\)/);
  });

  it('the driver lost the guests: ACTIVE, NOSTATE, no stop after the host is back → HARD reboots of the protected ones, the opted-out one left, the limit holds', async () => {
    await sim.killHost(HOST);
    await sim.reviveHost(HOST, { forgetGuests: true });
    const before = await sim.waitFor(
      async () => {
        const all = await instances();
        return all.get(TAGGED_FLAVOR_1)?.power_state === 0 ? all : undefined;
      },
      { what: "the post-boot power sync on a hypervisor that forgot the guests" },
    );
    for (const id of [TAGGED_FLAVOR_1, TAGGED_FLAVOR_2, TAGGED_IMAGE, UNTAGGED, VOLUME_BOOTED, PRIVATE_FLAVOR]) {
      expect(before.get(id)).toMatchObject({ status: 'ACTIVE', vm_state: 'active', power_state: 0, task_state: null });
      expect((await nova.listServerActions(id)).map((action) => action.action)).toEqual(['create']);
    }
    expect(before.get(STOPPED_AT_START)).toMatchObject({ status: 'SHUTOFF' });
    expect((await sim.state({ host: HOST })).hosts.find((host) => host.name === HOST)).toMatchObject({ powerLost: false, guestsForgotten: false });

    await sim.resetCounters();
    const report = await pass(1);
    const lost = [TAGGED_FLAVOR_1, TAGGED_FLAVOR_2, TAGGED_IMAGE, VOLUME_BOOTED, PRIVATE_FLAVOR];
    expect(restartedIds(report)).toEqual(Object.fromEntries(lost.map((id) => [id, 'hard-reboot'])));
    expect(report.restarted[0]?.evidence).toMatch(/NOSTATE\(0\): the hypervisor does not know the guest/);
    expect(report).toMatchObject({ checked: 7, unprotected: 1, operatorStopped: 1, gaveUp: [], refused: [], errors: [] });
    expect((await sim.calls()).actions).toEqual({ reboot: 5 });
    await waitRunning(lost);
    expect((await instances()).get(UNTAGGED)).toMatchObject({ status: 'ACTIVE', power_state: 0 });

    // Lost again within the window, past instance_restart_limit=1: left down, no call.
    await sim.crashInstance(TAGGED_FLAVOR_1, 'lost');
    await sim.resetCounters();
    const again = await pass(1);
    expect(again.restarted).toEqual([]);
    expect(again.gaveUp).toEqual([expect.objectContaining({ id: TAGGED_FLAVOR_1, count: 1 })]);
    expect((await sim.calls()).actions).toEqual({});
    expect((await sim.oracle()).ok).toBe(true);
  });
});
