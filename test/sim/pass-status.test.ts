/**
 * The status document's names of servers that left the failed host before the pass that marks
 * it done (docs/sim-fidelity.md, "Status document names of moved servers"): Nova lists servers
 * by host, so once rebuilt elsewhere they show only in the migration records. NovaEvacuate's
 * reconcile loop runs against the simulator: one monitor whose later pass sees them gone, a
 * second monitor that starts after they moved (the status file carries what the first saw),
 * and one on a controller with no earlier picture (it looks each one up once).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { novaPort } from '../../lib/evacuation/live-ports';
import { runReconcileLoop } from '../../lib/evacuation/loop';
import type { EvacuationPorts } from '../../lib/evacuation/ports';
import type { ReconcileConfig } from '../../lib/evacuation/reconcile';
import { parseScopePolicy } from '../../lib/evacuation/scope';
import { readStatusFile, type HostStatus } from '../../lib/evacuation/status';
import { FENCED_REASON_PREFIX } from '../../lib/fence-compute/service-state';
import { connect, type Cloud } from '../../lib/openstack/connect';
import { resolveAuthSpec } from '../../lib/openstack/credentials';
import { closeHttpAgents } from '../../lib/openstack/http';
import { forgetProcessTokens } from '../../lib/openstack/keystone';
import type { NovaClient } from '../../lib/openstack/nova';
import { Deadline } from '../../lib/runtime/deadline';
import { log, setLogSink } from '../../lib/runtime/log';
import { scenarioPath, startSim, type RunningSim } from '../helpers/sim';

setLogSink({ write() {} });

const HOST = 'cmp-c';
// test/scenarios/small.json: cmp-c's two servers, both protected by the classic scope.
const C_TAGGED = 'ccccccc3-0000-4000-8000-000000000001';
const C_UNTAGGED = 'ccccccc3-0000-4000-8000-000000000002';

const config: ReconcileConfig = {
  segments: { kind: 'none' },
  defaultSegment: 'default',
  scope: parseScopePolicy({}),
  methodFor: () => 'auto',
  concurrency: { overall: 20, perFailedHost: 10, perTarget: 10 },
  retry: { maxAttempts: 3, backoffMs: 1_000, backoffFactor: 2, maxBackoffMs: 10_000 },
  brake: { maxHosts: 0, maxSegmentFraction: 0, windowMs: 300_000 },
  evacuateDelayMs: 0,
};

let sim: RunningSim;
let cloud: Cloud;
let nova: NovaClient;
let dir: string;
let marks: Map<string, string>;
let serverGets: number;

beforeEach(async () => {
  forgetProcessTokens();
  dir = mkdtempSync(join(tmpdir(), 'pass-status-'));
  sim = await startSim({ scenario: scenarioPath('small'), timing: { timeScale: 20 } });
  cloud = await connect(resolveAuthSpec({ cloud: 'sim', clouds_yaml: sim.cloudsYamlPath }), { deadline: Deadline.in(60_000) });
  nova = await cloud.nova();
  // What fence_compute does to the dead host; then Pacemaker's mark.
  await sim.killHost(HOST);
  const service = (await nova.listComputeServices({ host: HOST }))[0];
  if (!service) throw new Error(`no service on ${HOST}`);
  await nova.forceDown(service, true);
  await nova.disableService(service, `${FENCED_REASON_PREFIX}${new Date().toISOString()}`);
  marks = new Map([[HOST, 'yes']]);
  serverGets = 0;
});

afterEach(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

afterAll(() => closeHttpAgents());

/** NovaEvacuate's ports on the simulator, with the marks in memory and getServer counted. */
function ports(deadline: Deadline): EvacuationPorts {
  const live = novaPort(nova, cloud, { deadline, log, sharedStorage: true });
  return {
    thisNode: 'ctl1',
    now: () => Date.now(),
    nova: {
      ...live,
      getServer: (id) => {
        serverGets += 1;
        return live.getServer(id);
      },
    },
    cluster: {
      readMarks: async () => new Map(marks),
      writeMark: async (host, value) => void marks.set(host, value),
      readNodeAttribute: async () => undefined,
      readResumedAt: async () => undefined,
    },
  };
}

async function monitor(statusFile: string, maxPasses?: number): Promise<void> {
  const deadline = Deadline.in(30_000);
  await runReconcileLoop(async () => ports(deadline), config, {
    deadline,
    passIntervalMs: 400,
    statusFile,
    metricsFile: undefined,
    log,
    thisNode: 'ctl1',
    ...(maxPasses === undefined ? {} : { maxPasses }),
  });
}

async function hostInFile(statusFile: string): Promise<HostStatus> {
  const host = (await readStatusFile(statusFile))?.hosts.find((entry) => entry.name === HOST);
  if (!host) throw new Error(`${HOST} not in ${statusFile}`);
  return host;
}

async function bothMoved(): Promise<void> {
  await sim.waitFor(
    async () => {
      const [a, b] = await Promise.all([nova.getServer(C_TAGGED), nova.getServer(C_UNTAGGED)]);
      return a.host !== HOST && b.host !== HOST && a.status === 'ACTIVE' && b.status === 'ACTIVE';
    },
    { what: "cmp-c's servers rebuilt elsewhere" },
  );
}

const named = (host: HostStatus) =>
  host.instances.map((instance) => ({ id: instance.id, name: instance.name, state: instance.state, serverStatus: instance.serverStatus })).sort((a, b) => a.id.localeCompare(b.id));

describe("the status document keeps the names of servers that left the failed host", () => {
  it('one monitor: the pass that marks the host done no longer lists them on it, yet the file names them', async () => {
    const file = join(dir, 'status.json');
    await monitor(file);
    expect(marks.get(HOST)).toBe('no');
    const host = await hostInFile(file);
    expect(host.state).toBe('done');
    // The last status an earlier pass saw: ACTIVE (host down) before the evacuation, or REBUILD during it.
    expect(named(host)).toEqual([
      { id: C_TAGGED, name: 'c-tagged', state: 'evacuated', serverStatus: expect.stringMatching(/^(ACTIVE|REBUILD)$/) },
      { id: C_UNTAGGED, name: 'c-untagged', state: 'evacuated', serverStatus: expect.stringMatching(/^(ACTIVE|REBUILD)$/) },
    ]);
    // Carried from the earlier pass: no server is looked up (the re-check before the evacuate
    // POSTs lists the host's servers instead of a GET each).
    expect(serverGets).toBe(0);
  });

  it('a later monitor that starts after they moved: names and statuses carried over from the status file', async () => {
    const file = join(dir, 'status.json');
    await monitor(file, 1);
    expect(named(await hostInFile(file)).map((entry) => entry.name)).toEqual(['c-tagged', 'c-untagged']);
    await bothMoved();
    serverGets = 0;
    await monitor(file);
    expect(marks.get(HOST)).toBe('no');
    const host = await hostInFile(file);
    expect(named(host).map((entry) => [entry.name, entry.state])).toEqual([
      ['c-tagged', 'evacuated'],
      ['c-untagged', 'evacuated'],
    ]);
    expect(host.instances.every((instance) => instance.serverStatus !== 'UNKNOWN')).toBe(true);
    expect(serverGets).toBe(0);
  });

  it('a controller with no earlier picture looks each moved server up once, then carries it', async () => {
    // Another controller evacuated them; this one has no status file yet.
    for (const id of [C_TAGGED, C_UNTAGGED]) await nova.evacuate(id);
    await bothMoved();
    const file = join(dir, 'status.json');
    await monitor(file);
    expect(marks.get(HOST)).toBe('no');
    expect(named(await hostInFile(file))).toEqual([
      { id: C_TAGGED, name: 'c-tagged', state: 'evacuated', serverStatus: 'ACTIVE' },
      { id: C_UNTAGGED, name: 'c-untagged', state: 'evacuated', serverStatus: 'ACTIVE' },
    ]);
    expect(serverGets).toBe(2);
    // The next monitor finds the host done again: no more look-ups.
    marks.set(HOST, 'yes');
    await monitor(file);
    expect(serverGets).toBe(2);
  });
});
