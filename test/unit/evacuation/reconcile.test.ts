import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nextPassInMs, runReconcileLoop } from '../../../lib/evacuation/loop';
import { readStatusFile } from '../../../lib/evacuation/status';
import { Deadline } from '../../../lib/runtime/deadline';
import type { ReconcileConfig } from '../../../lib/evacuation/reconcile';
import { newLoopMemory, reconcilePass } from '../../../lib/evacuation/reconcile';
import type { EvacuationPorts } from '../../../lib/evacuation/ports';
import { newSnapshotCache } from '../../../lib/evacuation/snapshot';
import { FENCED_REASON_PREFIX } from '../../../lib/fence-compute/service-state';
import type { ComputeService, Migration, Server } from '../../../lib/openstack/nova-types';
import { log, setLogSink } from '../../../lib/runtime/log';

// The pass logs every decision; the assertions read its summary and the calls it made.
setLogSink({ write() {} });

const NOW = Date.parse('2026-11-25T12:00:00Z');
const FENCED_AT = NOW - 30_000;

function service(host: string, over: Partial<ComputeService> = {}): ComputeService {
  return { id: host, host, binary: 'nova-compute', zone: 'nova', status: 'enabled', state: 'up', forcedDown: false, disabledReason: null, updatedAt: null, ...over };
}

const fenced = (host: string): ComputeService =>
  service(host, { status: 'disabled', state: 'down', forcedDown: true, disabledReason: `${FENCED_REASON_PREFIX}${new Date(FENCED_AT).toISOString()}` });

function server(id: string, host: string, over: Partial<Server> = {}): Server {
  return {
    id, name: id, status: 'ACTIVE', host, hypervisorHostname: host, vmState: 'active', taskState: null, powerState: 1,
    projectId: 'p', userId: 'u', flavor: { id: '1', originalName: 'small', vcpus: 1, ram: 512, disk: 1, extraSpecs: {} },
    imageId: 'img', metadata: {}, tags: [], locked: false, created: null, updated: null, ...over,
  };
}

/** An in-memory cloud: evacuate records the call and an `accepted` migration, as Nova does. */
class FakeCloud {
  services: ComputeService[] = [];
  servers: Server[] = [];
  migrations: Migration[] = [];
  marks = new Map<string, string>();
  calls: string[] = [];
  refuse = new Set<string>();
  /** Applied between the snapshot and the re-check (every host listing after the first): the cloud moves on. */
  beforeRecheck: (() => void) | undefined;
  /** Every Nova read, by port method (request counting). */
  reads: string[] = [];
  private hostListings = 0;

  private read<T>(what: string, value: T): T {
    this.reads.push(what);
    return value;
  }

  ports(): EvacuationPorts {
    return {
      thisNode: 'ctl1',
      now: () => NOW,
      cluster: {
        readMarks: async () => new Map(this.marks),
        writeMark: async (host, value) => {
          this.calls.push(`mark ${host}=${value}`);
          this.marks.set(host, value);
        },
        readNodeAttribute: async () => undefined,
        readResumedAt: async () => undefined,
      },
      nova: {
        listComputeServices: async () => this.read('services', this.services),
        listHypervisors: async () => this.read('hypervisors', []),
        listAggregates: async () => this.read('aggregates', []),
        listServersOnHost: async (host) => {
          if (this.hostListings++ > 0) this.beforeRecheck?.();
          return this.read(`servers ${host}`, this.servers.filter((s) => s.host === host));
        },
        getServer: async (id) => {
          this.reads.push(`server ${id}`);
          const found = this.servers.find((s) => s.id === id);
          if (!found) throw new Error(`no server ${id}`);
          return found;
        },
        listEvacuationsFrom: async (host) => this.read(`migrations ${host}`, this.migrations.filter((m) => m.sourceCompute === host)),
        listFlavorSpecs: async () => this.read('flavors', []),
        listImageLabels: async () => [],
        evacuate: async (id, target) => {
          this.calls.push(`evacuate ${id}${target ? ` → ${target}` : ''}`);
          if (this.refuse.has(id)) throw new Error('Nova said no');
          const source = this.servers.find((s) => s.id === id)?.host ?? null;
          this.migrations.push(migration(id, source ?? '', 'accepted'));
        },
        enableService: async (svc) => {
          this.calls.push(`enable ${svc.host}`);
        },
      },
    };
  }
}

let nextId = 1;
function migration(instance: string, source: string, status: string, dest: string | null = null): Migration {
  const at = new Date(NOW - 1_000).toISOString();
  return { id: nextId++, uuid: null, instanceUuid: instance, sourceCompute: source, destCompute: dest, sourceNode: source, destNode: dest, destHost: null, status, migrationType: 'evacuation', createdAt: at, updatedAt: at };
}

const config: ReconcileConfig = {
  segments: { kind: 'none' },
  defaultSegment: 'default',
  scope: { mode: 'all', metadataKey: 'evacuable', includeProjects: [], excludeProjects: [], includeAggregates: [] },
  methodFor: () => 'auto',
  concurrency: { overall: 20, perFailedHost: 10, perTarget: 10 },
  retry: { maxAttempts: 3, backoffMs: 10_000, backoffFactor: 2, maxBackoffMs: 100_000 },
  brake: { maxHosts: 0, maxSegmentFraction: 0, windowMs: 300_000 },
  evacuateDelayMs: 0,
};

function cloudWith(count: number): FakeCloud {
  const cloud = new FakeCloud();
  cloud.services = [fenced('cmp-a'), service('cmp-b'), service('cmp-c')];
  cloud.servers = Array.from({ length: count }, (_, i) => server(`vm-${String(i).padStart(2, '0')}`, 'cmp-a'));
  cloud.marks.set('cmp-a', 'yes');
  return cloud;
}

const pass = (cloud: FakeCloud, cfg: ReconcileConfig = config, memory = newLoopMemory(newSnapshotCache())) =>
  reconcilePass(cloud.ports(), cfg, memory, log);

describe('reconcilePass', () => {
  test('writes the in-progress marker before the first evacuate call, then evacuates every instance', async () => {
    const cloud = cloudWith(3);
    const result = await pass(cloud);
    expect(cloud.calls[0]).toBe(`mark cmp-a=ctl1@${NOW / 1000}`);
    expect(cloud.calls.slice(1).sort()).toEqual(['evacuate vm-00', 'evacuate vm-01', 'evacuate vm-02']);
    expect(result.summary).toBe('1 host(s) fenced: 3 evacuation(s) issued, 3 in flight, 0 evacuated, 0 failed, 0 given up');
    expect(result.pending).toBe(true);
  });

  test('never evacuates a host Nova sees up and not forced down', async () => {
    const cloud = cloudWith(2);
    cloud.services = [service('cmp-a'), service('cmp-b')];
    const result = await pass(cloud);
    expect(cloud.calls).toEqual([]);
    expect(result.summary).toMatch(/refused: cmp-a/);
    expect(result.pending).toBe(false);
  });

  test('a marked host Nova does not know is named in the summary, nothing else happens', async () => {
    const cloud = cloudWith(1);
    cloud.marks.delete('cmp-a');
    cloud.marks.set('ghost', 'yes');
    cloud.services = [service('cmp-a'), service('cmp-b')];
    const result = await pass(cloud);
    expect(result.summary).toBe('no host needs evacuation; unknown to Nova: ghost');
    expect(cloud.calls).toEqual([]);
  });

  test('a segment may have its own scope', async () => {
    const cloud = cloudWith(2);
    const none = { ...config.scope, mode: 'none' as const };
    const result = await pass(cloud, { ...config, scopeFor: (segment) => (segment === 'default' ? none : config.scope) });
    // Nothing protected: the host is done at once.
    expect(cloud.calls).toEqual(['mark cmp-a=no']);
    expect(result.hosts[0]?.state).toBe('done');
  });

  test('a host Nova only shows down (not forced) is evacuated', async () => {
    const cloud = cloudWith(1);
    cloud.services = [service('cmp-a', { state: 'down' }), service('cmp-b')];
    await pass(cloud);
    expect(cloud.calls).toContain('evacuate vm-00');
  });

  test('a host whose mark was wiped is still evacuated from Nova’s fence record', async () => {
    const cloud = cloudWith(1);
    cloud.marks.clear();
    await pass(cloud);
    expect(cloud.calls).toEqual([`mark cmp-a=ctl1@${NOW / 1000}`, 'evacuate vm-00']);
  });

  test('the second pass issues nothing more while evacuations are in flight', async () => {
    const cloud = cloudWith(3);
    const memory = newLoopMemory(newSnapshotCache());
    await pass(cloud, config, memory);
    cloud.calls = [];
    const result = await pass(cloud, config, memory);
    expect(cloud.calls).toEqual([]);
    expect(result.summary).toMatch(/0 evacuation\(s\) issued, 3 in flight/);
  });

  test('re-checks right before every call: an instance that started moving meanwhile is skipped', async () => {
    const cloud = cloudWith(2);
    cloud.beforeRecheck = () => {
      if (!cloud.migrations.some((m) => m.instanceUuid === 'vm-01')) cloud.migrations.push(migration('vm-01', 'cmp-a', 'running', 'cmp-b'));
    };
    const result = await pass(cloud);
    expect(cloud.calls.filter((c) => c.startsWith('evacuate'))).toEqual(['evacuate vm-00']);
    expect(result.outcomes.find((o) => o.job.instance.id === 'vm-01')).toMatchObject({ kind: 'skipped' });
  });

  test('concurrency: per failed host, and overall counting what Nova shows in flight', async () => {
    const cloud = cloudWith(8);
    const limited = await pass(cloud, { ...config, concurrency: { overall: 20, perFailedHost: 3, perTarget: 10 } });
    expect(cloud.calls.filter((c) => c.startsWith('evacuate'))).toHaveLength(3);
    expect(limited.queued).toBe(5);
    expect(nextPassInMs(2_000, limited.queued)).toBe(500);
    expect(nextPassInMs(2_000, 0)).toBe(2_000);

    const busy = cloudWith(8);
    busy.migrations.push(migration('vm-00', 'cmp-a', 'running', 'cmp-b'), migration('vm-01', 'cmp-a', 'running', 'cmp-c'));
    await pass(busy, { ...config, concurrency: { overall: 5, perFailedHost: 10, perTarget: 10 } });
    expect(busy.calls.filter((c) => c.startsWith('evacuate'))).toHaveLength(3);
  });

  test('concurrency 0 (the default) means two rounds of the build slots of the hosts that can take instances', async () => {
    const cloud = cloudWith(12);
    await pass(cloud, { ...config, concurrency: { overall: 0, perFailedHost: 0, perTarget: 2 } });
    // cmp-b and cmp-c can take instances, 2 builds each, one round building and one queued; cmp-a failed.
    expect(cloud.calls.filter((c) => c.startsWith('evacuate'))).toHaveLength(8);
  });

  test('two failed hosts planned in one pass share the room of a reserved host instead of both filling it', async () => {
    const cloud = new FakeCloud();
    const reserved = service('cmp-r', { status: 'disabled', disabledReason: 'reserved host for instance HA' });
    cloud.services = [fenced('cmp-a'), fenced('cmp-x'), reserved];
    cloud.servers = [server('a-1', 'cmp-a'), server('a-2', 'cmp-a'), server('x-1', 'cmp-x'), server('x-2', 'cmp-x')];
    cloud.marks.set('cmp-a', 'yes');
    cloud.marks.set('cmp-x', 'yes');
    const ports = cloud.ports();
    // Room for two 512 MB instances on the reserved host, not four.
    ports.nova.listHypervisors = async () => [
      { id: '1', hostname: 'cmp-r', state: 'up', status: 'disabled', serviceHost: 'cmp-r', serviceId: 'cmp-r', vcpus: 8, vcpusUsed: 0, memoryMb: 1024, memoryMbUsed: 0, runningVms: 0 },
    ];
    const result = await reconcilePass(ports, { ...config, methodFor: () => 'reserved_host' }, newLoopMemory(newSnapshotCache()), log);
    expect(cloud.calls.filter((c) => c.startsWith('evacuate'))).toHaveLength(2);
    expect(result.unplaced.size).toBe(2);
  });

  test('concurrency per target: explicit targets get at most concurrency_per_target builds', async () => {
    const cloud = cloudWith(5);
    cloud.services = [fenced('cmp-a'), service('cmp-b'), service('cmp-r', { status: 'disabled', disabledReason: 'reserved host for instance HA' })];
    cloud.migrations.push(migration('vm-00', 'cmp-a', 'running', 'cmp-r'));
    const result = await pass(cloud, { ...config, methodFor: () => 'reserved_host', concurrency: { overall: 20, perFailedHost: 10, perTarget: 2 } });
    expect(cloud.calls.filter((c) => c.startsWith('evacuate'))).toEqual(['evacuate vm-01 → cmp-r']);
    expect(result.unplaced.size).toBe(3);
    expect(result.pending).toBe(true);
  });

  test('marks the host no once every instance moved; given-up ones are listed', async () => {
    const cloud = cloudWith(2);
    cloud.servers = [server('vm-00', 'cmp-b'), server('vm-01', 'cmp-a', { status: 'PAUSED' })];
    cloud.migrations.push(migration('vm-00', 'cmp-a', 'done', 'cmp-b'));
    const result = await pass(cloud);
    expect(cloud.calls).toEqual(['mark cmp-a=no']);
    expect(result.summary).toBe('1 host(s) fenced: 0 evacuation(s) issued, 0 in flight, 1 evacuated, 0 failed, 1 given up; done: cmp-a');
    expect(result.pending).toBe(false);
  });

  test('a refusal is remembered: backoff, then another attempt; given up after max_attempts', async () => {
    const cloud = cloudWith(1);
    cloud.refuse.add('vm-00');
    const memory = newLoopMemory(newSnapshotCache());
    const first = await pass(cloud, config, memory);
    expect(first.summary).toMatch(/1 refused by Nova/);
    cloud.calls = [];
    await pass(cloud, config, memory);
    expect(cloud.calls).toEqual([]); // still backing off (the clock did not move)
    const fastRetry = { ...config, retry: { ...config.retry, backoffMs: 0, maxBackoffMs: 0 } };
    await pass(cloud, fastRetry, memory);
    await pass(cloud, fastRetry, memory);
    expect(cloud.calls.filter((c) => c.startsWith('evacuate'))).toHaveLength(2);
    const last = await pass(cloud, fastRetry, memory);
    expect(last.summary).toMatch(/1 given up; done: cmp-a/);
    expect(cloud.marks.get('cmp-a')).toBe('no');
  });

  test('the brake: nothing evacuated, the hosts braked', async () => {
    const cloud = cloudWith(2);
    cloud.services = [fenced('cmp-a'), fenced('cmp-b'), service('cmp-c')];
    cloud.servers.push(server('vm-b', 'cmp-b'));
    cloud.marks.set('cmp-b', 'yes');
    const result = await pass(cloud, { ...config, brake: { maxHosts: 1, maxSegmentFraction: 0, windowMs: 300_000 } });
    expect(cloud.calls).toEqual([]);
    expect(result.brake.tripped).toBe(true);
    expect(result.summary).toMatch(/braked: cmp-a, cmp-b/);
    expect(result.pending).toBe(false);
  });

  test('evacuate_delay: a newly marked host waits, an in-progress one does not', async () => {
    const cloud = cloudWith(1);
    const delayed = { ...config, evacuateDelayMs: 60_000 };
    const waiting = await pass(cloud, delayed);
    expect(cloud.calls).toEqual([]);
    expect(waiting.summary).toMatch(/waiting: cmp-a/);
    expect(waiting.pending).toBe(true);
    cloud.marks.set('cmp-a', 'ctl2@1795608416');
    await pass(cloud, delayed);
    expect(cloud.calls).toContain('evacuate vm-00');
  });

  test('reserved_host: enables the reserved host the plan needs and targets it', async () => {
    const cloud = cloudWith(2);
    cloud.services = [fenced('cmp-a'), service('cmp-b'), service('cmp-r', { status: 'disabled', disabledReason: 'reserved host for instance HA' })];
    await pass(cloud, { ...config, methodFor: () => 'reserved_host' });
    expect(cloud.calls).toContain('enable cmp-r');
    expect(cloud.calls.filter((c) => c.startsWith('evacuate')).sort()).toEqual(['evacuate vm-00 → cmp-r', 'evacuate vm-01 → cmp-r']);
  });
});

describe('what a pass reads from Nova', () => {
  test('the re-check before evacuate calls is two reads per host, however many instances go', async () => {
    const small = cloudWith(2);
    await pass(small);
    const large = cloudWith(10);
    await pass(large);
    expect(large.calls.filter((c) => c.startsWith('evacuate'))).toHaveLength(10);
    expect(large.reads).toEqual(small.reads);
    expect(large.reads.filter((r) => r.startsWith('server '))).toEqual([]);
    // Snapshot, then the re-check right before the calls.
    expect(large.reads.filter((r) => r === 'servers cmp-a' || r === 'migrations cmp-a')).toHaveLength(4);
  });

  test('within one monitor, aggregates and flavors are read once; a tracking pass reads no room', async () => {
    const cloud = cloudWith(3);
    const memory = newLoopMemory(newSnapshotCache());
    await pass(cloud, config, memory);
    expect(cloud.reads.filter((r) => ['aggregates', 'flavors', 'hypervisors'].includes(r)).sort()).toEqual(['aggregates', 'flavors', 'hypervisors']);
    cloud.reads = [];
    // Everything is in flight: the pass only looks at the services and the failed host.
    const tracking = await pass(cloud, config, memory);
    expect(tracking.summary).toMatch(/0 evacuation\(s\) issued, 3 in flight/);
    expect(cloud.reads.sort()).toEqual(['migrations cmp-a', 'servers cmp-a', 'services']);
    // A new monitor starts with an empty cache and reads them again.
    cloud.reads = [];
    await pass(cloud);
    expect(cloud.reads).toContain('aggregates');
    expect(cloud.reads).toContain('flavors');
  });

  test('instances waiting only for a slot do not make the pass read room', async () => {
    const cloud = cloudWith(4);
    const memory = newLoopMemory(newSnapshotCache());
    const limited = { ...config, concurrency: { overall: 20, perFailedHost: 2, perTarget: 10 } };
    await pass(cloud, limited, memory);
    cloud.reads = [];
    const second = await pass(cloud, limited, memory);
    expect(second.queued).toBe(2);
    expect(cloud.reads).not.toContain('hypervisors');
  });

  test('an instance listed on another host by the re-check is skipped, the others go', async () => {
    const cloud = cloudWith(3);
    cloud.beforeRecheck = () => {
      const moved = cloud.servers.find((s) => s.id === 'vm-02');
      if (moved) cloud.servers = [...cloud.servers.filter((s) => s !== moved), { ...moved, host: 'cmp-b' }];
    };
    const result = await pass(cloud);
    expect(cloud.calls.filter((c) => c.startsWith('evacuate')).sort()).toEqual(['evacuate vm-00', 'evacuate vm-01']);
    expect(result.outcomes.find((o) => o.job.instance.id === 'vm-02')).toMatchObject({ kind: 'skipped', reason: 'it is no longer on cmp-a' });
  });

  test('a re-check that cannot read the host sends nothing from it', async () => {
    const cloud = cloudWith(2);
    const ports = cloud.ports();
    let listings = 0;
    const list = ports.nova.listServersOnHost;
    ports.nova.listServersOnHost = async (host) => {
      listings += 1;
      if (listings > 1) throw new Error('503 Service Unavailable');
      return list(host);
    };
    const result = await reconcilePass(ports, config, newLoopMemory(newSnapshotCache()), log);
    expect(cloud.calls.filter((c) => c.startsWith('evacuate'))).toEqual([]);
    expect(result.outcomes.map((o) => o.kind)).toEqual(['unchecked', 'unchecked']);
  });
});

describe('runReconcileLoop', () => {
  test('refusals recorded in the status file carry on into the next monitor (max_attempts holds)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loop-'));
    try {
      const cloud = cloudWith(1);
      cloud.refuse.add('vm-00');
      const cfg = { ...config, retry: { ...config.retry, maxAttempts: 2, backoffMs: 0, maxBackoffMs: 0 } };
      const options = { deadline: Deadline.in(60_000), passIntervalMs: 1, statusFile: join(dir, 'status.json'), metricsFile: undefined, log, thisNode: 'ctl1', maxPasses: 1 };
      const first = await runReconcileLoop(async () => cloud.ports(), cfg, options);
      expect(first.summary).toMatch(/1 refused by Nova/);
      const saved = await readStatusFile(join(dir, 'status.json'));
      expect(saved?.hosts[0]?.instances[0]?.refused).toEqual({ count: 1, lastAt: NOW, target: null });

      // A fresh monitor: the second refusal is the last attempt allowed.
      const second = await runReconcileLoop(async () => cloud.ports(), cfg, options);
      expect(second.summary).toMatch(/1 refused by Nova/);
      expect((await readStatusFile(join(dir, 'status.json')))?.hosts[0]?.instances[0]?.refused?.count).toBe(2);
      const third = await runReconcileLoop(async () => cloud.ports(), cfg, options);
      expect(third.summary).toMatch(/1 given up; done: cmp-a/);
      expect(cloud.calls.filter((c) => c.startsWith('evacuate'))).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a pass that cannot reach the cloud is retried, and the loop returns when no work is known', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loop-'));
    try {
      let attempts = 0;
      const report = await runReconcileLoop(
        async () => {
          attempts += 1;
          throw new Error('Keystone unreachable');
        },
        config,
        { deadline: Deadline.in(60_000), passIntervalMs: 1, statusFile: join(dir, 'status.json'), metricsFile: undefined, log, thisNode: 'ctl1' },
      );
      expect(attempts).toBe(3);
      expect(report.summary).toBe('pass failed: Keystone unreachable');
      expect((await readStatusFile(join(dir, 'status.json')))?.errors).toEqual(['Keystone unreachable']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
