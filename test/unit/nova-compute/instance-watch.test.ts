import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScopePolicy } from '../../../lib/evacuation/model';
import type { FlavorSpecsView, ImageLabelsView } from '../../../lib/evacuation/ports';
import {
  instanceLedgerKey,
  instanceNovaPort,
  scopeFilterLoader,
  watchInstances,
  type InstanceNovaPort,
  type InstanceWatchDeps,
  type ProtectedFilter,
} from '../../../lib/nova-compute/instance-watch';
import { openRestartLedger, type RestartLedger } from '../../../lib/nova-compute/restart-ledger';
import { ConflictError, ServerError } from '../../../lib/openstack/errors';
import type { Aggregate, Server, ServerAction } from '../../../lib/openstack/nova-types';
import { Deadline } from '../../../lib/runtime/deadline';
import type { Log, LogLevel } from '../../../lib/runtime/log';

const HOST = 'cmp-a';
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

function server(id: string, status: string, powerState: number | null, extra: Partial<Server> = {}): Server {
  return {
    id,
    name: `vm-${id}`,
    status,
    host: HOST,
    hypervisorHostname: HOST,
    vmState: null,
    taskState: null,
    powerState,
    projectId: 'p1',
    userId: 'u1',
    flavor: { id: 'f-ha', originalName: null, vcpus: 1, ram: 512, disk: 1, extraSpecs: null },
    imageId: 'img',
    metadata: {},
    tags: [],
    locked: null,
    created: null,
    updated: null,
    ...extra,
  };
}

function action(name: string, userId: string | null): ServerAction {
  return { action: name, requestId: `req-${name}`, userId, projectId: null, startTime: null, updatedAt: null, message: null };
}
const created = action('create', 'u1');

interface Line {
  level: LogLevel;
  message: string;
}

function captureLog(lines: Line[]): Log {
  const make = (): Log => {
    const emit = (level: LogLevel) => (message: string) => void lines.push({ level, message });
    return { debug: emit('debug'), info: emit('info'), notice: emit('notice'), warn: emit('warn'), error: emit('error'), child: () => make() };
  };
  return make();
}

/** A fake Nova that counts calls and can check the ledger at the moment of a restart call. */
class FakeNova implements InstanceNovaPort {
  readonly calls: string[] = [];
  servers: Server[] = [];
  actions = new Map<string, ServerAction[]>();
  failList: Error | undefined;
  failActions = new Map<string, Error>();
  failRestart = new Map<string, Error>();
  onRestart: ((id: string) => void) | undefined;

  async listServersOnHost(host: string): Promise<Server[]> {
    this.calls.push(`list ${host}`);
    if (this.failList) throw this.failList;
    return this.servers;
  }
  async listServerActions(id: string): Promise<ServerAction[]> {
    this.calls.push(`actions ${id}`);
    const failure = this.failActions.get(id);
    if (failure) throw failure;
    return this.actions.get(id) ?? [created];
  }
  async startServer(id: string): Promise<void> {
    this.calls.push(`start ${id}`);
    this.onRestart?.(id);
    const failure = this.failRestart.get(id);
    if (failure) throw failure;
  }
  async hardRebootServer(id: string): Promise<void> {
    this.calls.push(`reboot ${id}`);
    this.onRestart?.(id);
    const failure = this.failRestart.get(id);
    if (failure) throw failure;
  }
}

let dir: string;
let nova: FakeNova;
let lines: Line[];
let ledger: RestartLedger;
let scopeLoads: number;
let now: number;
/** Servers whose id starts with "u" are unprotected. */
const byId: ProtectedFilter = (s) =>
  s.id.startsWith('u') ? { protected: false, reason: 'flavor x is not tagged evacuable' } : { protected: true, reason: 'scope all' };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'watch-'));
  nova = new FakeNova();
  lines = [];
  scopeLoads = 0;
  now = T0;
  ledger = await openRestartLedger(join(dir, 'ledger.json'), 3, HOUR);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function deps(overrides: Partial<InstanceWatchDeps> = {}): InstanceWatchDeps {
  return {
    host: HOST,
    nova,
    loadProtectedFilter: async () => {
      scopeLoads++;
      return byId;
    },
    ledger,
    now: () => now,
    log: captureLog(lines),
    deadline: Deadline.in(60_000),
    ...overrides,
  };
}

const at = (level: LogLevel) => lines.filter((line) => line.level === level).map((line) => line.message);

describe('watchInstances', () => {
  it('all running: one listing, no scope read, no action listed', async () => {
    nova.servers = [server('a', 'ACTIVE', 1), server('b', 'ACTIVE', 1), server('c', 'SHUTOFF', 4, { taskState: 'powering-on' })];
    const report = await watchInstances(deps());
    expect(nova.calls).toEqual([`list ${HOST}`]);
    expect(scopeLoads).toBe(0);
    expect(report).toMatchObject({ complete: true, checked: 3, healthy: 3, restarted: [], errors: [], records: [] });
    expect(report.summary).toBe(`instances on ${HOST}: 3 checked, 3 running`);
  });

  it('restarts a crashed SHUTOFF instance with os-start, recorded in the ledger before the call', async () => {
    nova.servers = [server('a', 'ACTIVE', 1), server('b', 'SHUTOFF', 4)];
    nova.actions.set('b', [action('stop', null), created]);
    const onDisk: unknown[] = [];
    nova.onRestart = () => onDisk.push(JSON.parse(readFileSync(join(dir, 'ledger.json'), 'utf8')));
    const report = await watchInstances(deps());
    expect(nova.calls).toEqual([`list ${HOST}`, 'actions b', 'start b']);
    expect(onDisk).toEqual([{ v: 1, keys: { [instanceLedgerKey('b')]: { windowMs: HOUR, at: [T0] } } }]);
    expect(report.restarted).toEqual([
      expect.objectContaining({ id: 'b', name: 'vm-b', method: 'start', count: 1, evidence: expect.stringMatching(/power sync/) }),
    ]);
    expect(report.records).toEqual([{ id: 'b', name: 'vm-b', at: [T0], gaveUp: false }]);
    expect(report.summary).toBe(`instances on ${HOST}: 2 checked, 1 running, 1 restarted (vm-b)`);
    expect(at('notice')).toEqual([expect.stringMatching(/^restarted instance vm-b \(b\) on cmp-a with os-start \(restart 1 of 3 in 1 h\)/)]);
  });

  it('hard-reboots an ACTIVE instance whose guest died before Nova synced, without listing actions', async () => {
    nova.servers = [server('a', 'ACTIVE', 4)];
    const report = await watchInstances(deps());
    expect(nova.calls).toEqual([`list ${HOST}`, 'reboot a']);
    expect(report.restarted).toEqual([expect.objectContaining({ id: 'a', method: 'hard-reboot' })]);
  });

  it("leaves an operator's stop, chosen states and ERROR alone, and counts them", async () => {
    nova.servers = [
      server('s', 'SHUTOFF', 4),
      server('h', 'SHELVED_OFFLOADED', 4, { host: null }),
      server('p', 'PAUSED', 3),
      server('e', 'ERROR', 0),
    ];
    nova.actions.set('s', [action('stop', 'operator'), created]);
    const report = await watchInstances(deps());
    expect(nova.calls).toEqual([`list ${HOST}`, 'actions s']);
    expect(report).toMatchObject({ operatorStopped: 1, leftAlone: 2, restarted: [], healthy: 0 });
    expect(report.needsOperator).toEqual([{ id: 'e', name: 'vm-e', evidence: expect.stringMatching(/ERROR/) }]);
    expect(report.summary).toBe(
      `instances on ${HOST}: 4 checked, 0 running, 1 in ERROR for an operator (vm-e), 1 stopped by an operator, 2 left alone`,
    );
  });

  it('restart_error hard-reboots ERROR instances', async () => {
    nova.servers = [server('e', 'ERROR', 0)];
    const report = await watchInstances(deps({ policy: { restartError: true } }));
    expect(nova.calls).toEqual([`list ${HOST}`, 'reboot e']);
    expect(report.restarted).toHaveLength(1);
  });

  it('ignores unprotected instances and lists no actions for them', async () => {
    nova.servers = [server('u1', 'SHUTOFF', 4), server('u2', 'ACTIVE', 6), server('a', 'ACTIVE', 1)];
    const report = await watchInstances(deps());
    expect(nova.calls).toEqual([`list ${HOST}`]);
    expect(scopeLoads).toBe(1);
    expect(report).toMatchObject({ unprotected: 2, healthy: 1, restarted: [] });
    expect(report.summary).toMatch(/2 not running but unprotected/);
  });

  it('ignores servers another host holds (a listing that does not filter)', async () => {
    nova.servers = [server('a', 'ACTIVE', 4, { host: 'cmp-b' }), server('b', 'ACTIVE', 1)];
    const report = await watchInstances(deps());
    expect(report.checked).toBe(1);
    expect(nova.calls).toEqual([`list ${HOST}`]);
  });

  it('past the limit: gives up without calling Nova, logs at error once per window', async () => {
    nova.servers = [server('a', 'ACTIVE', 4)];
    for (const offset of [0, 1000, 2000]) {
      now = T0 + offset;
      expect((await watchInstances(deps())).restarted).toHaveLength(1);
    }
    nova.calls.length = 0;
    lines.length = 0;
    now = T0 + 3000;
    const report = await watchInstances(deps());
    expect(nova.calls).toEqual([`list ${HOST}`]);
    expect(report.gaveUp).toEqual([expect.objectContaining({ id: 'a', count: 3, retryAt: T0 + HOUR })]);
    expect(report.records).toEqual([{ id: 'a', name: 'vm-a', at: [T0, T0 + 1000, T0 + 2000], gaveUp: true }]);
    expect(report.summary).toMatch(/1 past the restart limit \(vm-a\)/);
    expect(at('error')).toEqual([expect.stringMatching(/vm-a \(a\) is down again but was restarted 3 restarts in 1 h \(limit 3\): giving up/)]);

    // The next monitor, a new process: no second error line within the window.
    ledger = await openRestartLedger(join(dir, 'ledger.json'), 3, HOUR);
    lines.length = 0;
    now = T0 + 60_000;
    expect((await watchInstances(deps())).gaveUp).toHaveLength(1);
    expect(at('error')).toEqual([]);
    expect(at('debug')).toEqual([expect.stringMatching(/giving up/)]);

    // Once the oldest restart left the window, it may restart again.
    now = T0 + HOUR;
    nova.calls.length = 0;
    const later = await watchInstances(deps());
    expect(nova.calls).toEqual([`list ${HOST}`, 'reboot a']);
    expect(later.restarted).toEqual([expect.objectContaining({ count: 3 })]);
  });

  it('a refused restart (409) or a Nova 5xx is reported, not thrown, and still counted', async () => {
    nova.servers = [server('a', 'ACTIVE', 4), server('b', 'SHUTOFF', 4), server('c', 'ACTIVE', 6)];
    nova.failRestart.set('a', new ConflictError('nova', "Cannot 'reboot' instance a while it is in task_state powering-off", 'hard reboot of server a'));
    nova.failRestart.set('b', new ServerError('nova', 500, 'Unexpected API Error', 'start of server b'));
    const report = await watchInstances(deps());
    expect(nova.calls).toEqual([`list ${HOST}`, 'reboot a', 'actions b', 'start b', 'reboot c']);
    expect(report.restarted.map((item) => item.id)).toEqual(['c']);
    expect(report.refused).toEqual([
      { id: 'a', name: 'vm-a', method: 'hard-reboot', error: expect.stringMatching(/409/) },
      { id: 'b', name: 'vm-b', method: 'start', error: expect.stringMatching(/500|Unexpected API Error/) },
    ]);
    expect(ledger.history(instanceLedgerKey('a'))).toEqual([T0]);
    expect(report.records.find((record) => record.id === 'a')).toEqual({ id: 'a', name: 'vm-a', at: [T0], gaveUp: false, lastError: expect.stringMatching(/409/) });
    expect(report.summary).toMatch(/1 restarted \(vm-c\), 2 restarts refused by Nova \(vm-a, vm-b\)/);
    expect(at('warn')).toHaveLength(2);
  });

  it('Nova unreachable for the listing: an incomplete report, nothing thrown', async () => {
    nova.failList = new ServerError('nova', 503, 'Service Unavailable', 'listing of servers on cmp-a');
    const report = await watchInstances(deps());
    expect(report.complete).toBe(false);
    expect(report.errors).toEqual([expect.stringMatching(/could not list the instances on cmp-a/)]);
    expect(report.summary).toMatch(/^instances on cmp-a not checked: could not list/);
  });

  it('scope facts unreadable: stops the pass with an error, restarts nothing', async () => {
    nova.servers = [server('a', 'ACTIVE', 4), server('b', 'ACTIVE', 4)];
    const report = await watchInstances(
      deps({
        loadProtectedFilter: async () => {
          throw new Error('Glance is down');
        },
      }),
    );
    expect(nova.calls).toEqual([`list ${HOST}`]);
    expect(report).toMatchObject({ complete: false, restarted: [] });
    expect(report.errors).toEqual([expect.stringMatching(/could not decide about vm-a \(a\): Glance is down/)]);
  });

  it('an action listing that fails skips that instance only', async () => {
    nova.servers = [server('a', 'SHUTOFF', 4), server('b', 'ACTIVE', 4)];
    nova.failActions.set('a', new Error('timeout'));
    const report = await watchInstances(deps());
    expect(nova.calls).toEqual([`list ${HOST}`, 'actions a', 'reboot b']);
    expect(report.errors).toEqual([expect.stringMatching(/actions of vm-a \(a\): timeout/)]);
    expect(report.restarted).toHaveLength(1);
    expect(report.complete).toBe(true);
  });

  it('a ledger that cannot be written means no restart', async () => {
    ledger = await openRestartLedger(join(dir, 'not-a-dir', 'ledger.json'), 3, HOUR);
    writeFileSync(join(dir, 'not-a-dir'), 'a plain file where the directory should be');
    nova.servers = [server('a', 'ACTIVE', 4)];
    const report = await watchInstances(deps());
    expect(nova.calls).toEqual([`list ${HOST}`]);
    expect(report.restarted).toEqual([]);
    expect(report.errors).toEqual([expect.stringMatching(/not restarting vm-a \(a\): the restart ledger .* cannot be written/)]);
  });

  it('an expired deadline ends the pass before the next call', async () => {
    const expired = Deadline.in(0);
    nova.servers = [server('a', 'ACTIVE', 4)];
    const report = await watchInstances(deps({ deadline: expired }));
    expect(nova.calls).toEqual([]);
    expect(report.complete).toBe(false);
  });
});

describe('scopeFilterLoader', () => {
  const policy = (mode: ScopePolicy['mode'], includeAggregates: string[] = []): ScopePolicy => ({
    mode,
    metadataKey: 'evacuable',
    includeProjects: [],
    excludeProjects: [],
    includeAggregates,
  });
  const flavors: FlavorSpecsView[] = [
    { id: 'f-ha', extraSpecs: { evacuable: 'true' }, vcpus: 1, ramMb: 512, diskGb: 1 },
    { id: 'f-plain', extraSpecs: {}, vcpus: 1, ramMb: 512, diskGb: 1 },
  ];
  const images: ImageLabelsView[] = [];
  const aggregates: Aggregate[] = [
    { id: 1, uuid: null, name: 'ha-hosts', availabilityZone: null, hosts: [HOST], metadata: {} },
    { id: 2, uuid: null, name: 'other', availabilityZone: null, hosts: ['cmp-b'], metadata: {} },
  ];
  const readers = { listFlavorSpecs: async () => flavors, listImageLabels: async () => images, listAggregates: async () => aggregates };

  it('applies the classic tags rule', async () => {
    const filter = await scopeFilterLoader(readers, HOST, policy('classic'))();
    expect(filter(server('a', 'ACTIVE', 1))).toEqual({ protected: true, reason: 'flavor f-ha is tagged evacuable' });
    expect(filter(server('b', 'ACTIVE', 1, { flavor: { ...server('b', 'ACTIVE', 1).flavor, id: 'f-plain' } })).protected).toBe(false);
  });

  it("knows this host's aggregates", async () => {
    expect((await scopeFilterLoader(readers, HOST, policy('all', ['ha-hosts']))())(server('a', 'ACTIVE', 1)).protected).toBe(true);
    const other = (await scopeFilterLoader(readers, HOST, policy('all', ['other']))())(server('a', 'ACTIVE', 1));
    expect(other).toEqual({ protected: false, reason: expect.stringMatching(/host cmp-a is in none of the included aggregates other/) });
  });
});

describe('instanceNovaPort', () => {
  it('maps to the NovaClient calls', async () => {
    const seen: unknown[] = [];
    const client = {
      listServers: async (filter: unknown) => (seen.push(['listServers', filter]), []),
      listServerActions: async (id: string) => (seen.push(['listServerActions', id]), []),
      startServer: async (id: string) => void seen.push(['startServer', id]),
      rebootServer: async (id: string, type?: 'HARD' | 'SOFT') => void seen.push(['rebootServer', id, type]),
    };
    const port = instanceNovaPort(client);
    await port.listServersOnHost(HOST);
    await port.listServerActions('a');
    await port.startServer('a');
    await port.hardRebootServer('a');
    expect(seen).toEqual([
      ['listServers', { host: HOST, allTenants: true }],
      ['listServerActions', 'a'],
      ['startServer', 'a'],
      ['rebootServer', 'a', 'HARD'],
    ]);
  });
});
