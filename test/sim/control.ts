/**
 * The control plane under `/_sim/*` (no authentication): what tests and benchmarks use
 * to look inside the cloud and to break it — state, host kill/revive, instance crashes,
 * faults, the safety oracle's report and the API call counts.
 */
import type { Cloud } from './cloud';
import { ComputeSessions } from './compute-session';
import { SimHttpError } from './errors';
import type { FaultSpec } from './faults';
import type { TokenStore } from './keystone';
import type { Instance } from './model';
import { ok, route, type Route } from './router';

export interface RequestRecord {
  at: string;
  method: string;
  /** Route template, as in the counts. */
  route: string;
  /** The path and query the client sent (bodies are never kept: they hold passwords). */
  path: string;
  /** 0 when the connection closed without an answer (hang fault, client timeout). */
  status: number;
  ms: number;
}

const LOG_SIZE = 2000;

export class CallCounter {
  private counts = new Map<string, number>();
  private actions = new Map<string, number>();
  private log: RequestRecord[] = [];

  /** The last requests, oldest first (a bounded ring). */
  record(r: RequestRecord): void {
    this.log.push(r);
    if (this.log.length > LOG_SIZE) this.log.splice(0, this.log.length - LOG_SIZE);
  }

  requests(): RequestRecord[] {
    return [...this.log];
  }

  count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Server actions by name (`evacuate`, `os-stop`…), counted besides their route. */
  countAction(name: string): void {
    this.actions.set(name, (this.actions.get(name) ?? 0) + 1);
  }

  snapshot(): { total: number; calls: Record<string, number>; actions: Record<string, number> } {
    const calls = Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
    let total = 0;
    for (const n of this.counts.values()) total += n;
    return { total, calls, actions: Object.fromEntries(this.actions) };
  }

  reset(): void {
    this.counts.clear();
    this.actions.clear();
    this.log = [];
  }
}

const STATUS: Record<Instance['vmState'], string> = { active: 'ACTIVE', stopped: 'SHUTOFF', error: 'ERROR', building: 'BUILD' };

function tally<T>(items: Iterable<T>, key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const it of items) out[key(it)] = (out[key(it)] ?? 0) + 1;
  return out;
}

export function stateSummary(cloud: Cloud, full: boolean, hostFilter: string | null, sessions?: ComputeSessions) {
  const hosts = [...cloud.hosts.values()]
    .filter((h) => hostFilter === null || h.name === hostFilter)
    .map((h) => {
      const svc = cloud.services.get(h.name)!;
      return {
        name: h.name,
        alive: h.alive,
        compute: h.computeRunning ? 'running' : h.computeHung ? 'hung' : 'stopped',
        /** The open compute session that owns nova-compute here, if any. */
        computeSession: sessions?.current(h.name) ?? null,
        computeSessionsOpen: sessions?.openCount(h.name) ?? 0,
        /** Powered off since nova-compute last ran its post-boot power sync. */
        powerLost: h.powerLost,
        /** With powerLost: the hypervisor forgot the guests (revive with forgetGuests). */
        guestsForgotten: h.guestsForgotten,
        segment: h.segment,
        reserved: h.reserved,
        service: {
          state: cloud.serviceIsUp(svc) ? 'up' : 'down',
          status: svc.disabled ? 'disabled' : 'enabled',
          forced_down: svc.forcedDown,
          disabled_reason: svc.disabledReason,
        },
        instances: cloud.byHost.get(h.name)?.size ?? 0,
        capacity: h.capacity,
        used: h.used,
        builds: { active: h.activeBuilds, queued: h.buildQueue.length },
      };
    });
  const instances = [...cloud.instances.values()].filter((i) => hostFilter === null || i.host === hostFilter);
  const summary: Record<string, unknown> = {
    hosts,
    instances: {
      total: instances.length,
      byStatus: tally(instances, (i) => (i.taskState ? `${STATUS[i.vmState]}/${i.taskState}` : STATUS[i.vmState])),
      inFlight: instances.filter((i) => i.evacuation !== null).length,
    },
    migrations: { total: cloud.migrations.length, byStatus: tally(cloud.migrations, (m) => m.status) },
    faults: cloud.faults.list(),
    oracle: cloud.oracle.report(),
  };
  if (full) {
    summary['instanceList'] = instances.map((i) => ({
      id: i.id,
      name: i.name,
      host: i.host,
      status: STATUS[i.vmState],
      vm_state: i.vmState,
      task_state: i.taskState,
      power_state: i.powerState,
      flavor: i.flavorId,
      image: i.imageId,
      project: i.projectId,
      metadata: i.metadata,
      actions: i.actions.map((a) => a.action),
    }));
    summary['migrationList'] = cloud.migrations.map((m) => ({
      id: m.id,
      instance: m.instanceId,
      source: m.sourceCompute,
      dest: m.destCompute,
      status: m.status,
    }));
  }
  return summary;
}

export function controlRoutes(cloud: Cloud, calls: CallCounter, tokens: TokenStore): Route[] {
  const faultList = () => ok({ faults: cloud.faults.list() });
  const sessions = new ComputeSessions(cloud);
  return [
    route('control', 'GET', '/_sim/state', (ctx) =>
      ok(stateSummary(cloud, /^(1|true|yes)$/i.test(ctx.query.get('full') ?? ''), ctx.query.get('host'), sessions)),
    ),
    route('control', 'POST', '/_sim/hosts/{host}/kill', (ctx) => {
      cloud.killHost(ctx.params['host'] ?? '');
      return ok({ host: ctx.params['host'], alive: false });
    }),
    route('control', 'POST', '/_sim/hosts/{host}/revive', (ctx) => {
      const body = (ctx.body ?? {}) as { compute?: unknown; forgetGuests?: unknown };
      const compute = body.compute ?? true;
      const forgetGuests = body.forgetGuests ?? false;
      if (typeof compute !== 'boolean') throw new SimHttpError(400, 'compute is true or false');
      if (typeof forgetGuests !== 'boolean') throw new SimHttpError(400, 'forgetGuests is true or false');
      const host = ctx.params['host'] ?? '';
      cloud.reviveHost(host, { compute, forgetGuests });
      return ok({ host, alive: true, compute: cloud.host(host).computeRunning ? 'running' : 'stopped' });
    }),
    route('control', 'POST', '/_sim/hosts/{host}/stop-compute', (ctx) => {
      cloud.stopCompute(ctx.params['host'] ?? '');
      return ok({ host: ctx.params['host'], compute: 'stopped' });
    }),
    route('control', 'POST', '/_sim/hosts/{host}/start-compute', (ctx) => {
      cloud.startCompute(ctx.params['host'] ?? '');
      return ok({ host: ctx.params['host'], compute: 'running' });
    }),
    route('control', 'POST', '/_sim/hosts/{host}/hang-compute', (ctx) => {
      cloud.hangCompute(ctx.params['host'] ?? '');
      return ok({ host: ctx.params['host'], compute: 'hung' });
    }),
    route('control', 'GET', '/_sim/hosts/{host}/compute-session', (ctx) => sessions.start(ctx.params['host'] ?? '')),
    route('control', 'POST', '/_sim/instances/{id}/crash', (ctx) => {
      const mode = (ctx.body as { mode?: unknown } | undefined)?.mode ?? 'shutoff';
      if (mode !== 'shutoff' && mode !== 'power-state' && mode !== 'synced' && mode !== 'lost') throw new SimHttpError(400, `unknown crash mode ${String(mode)}`);
      cloud.crashInstance(ctx.params['id'] ?? '', mode);
      return ok({ id: ctx.params['id'], mode });
    }),
    route('control', 'GET', '/_sim/faults', faultList),
    route('control', 'POST', '/_sim/faults', (ctx) => {
      const body = (ctx.body ?? {}) as { clear?: boolean | string; faults?: FaultSpec[] } & Partial<FaultSpec>;
      if (body.clear !== undefined) cloud.faults.clear(body.clear === true ? undefined : String(body.clear));
      const specs = body.faults ?? (body.kind !== undefined ? [body as FaultSpec] : []);
      for (const spec of specs) {
        if (typeof spec.kind !== 'string') throw new SimHttpError(400, 'a fault needs a kind');
        cloud.faults.add(spec);
      }
      return faultList();
    }),
    route('control', 'DELETE', '/_sim/faults', () => {
      cloud.faults.clear();
      return faultList();
    }),
    route('control', 'DELETE', '/_sim/faults/{id}', (ctx) => {
      cloud.faults.clear(ctx.params['id'] ?? '');
      return faultList();
    }),
    route('control', 'GET', '/_sim/oracle', () => ok(cloud.oracle.report())),
    route('control', 'GET', '/_sim/calls', () => ok(calls.snapshot())),
    route('control', 'GET', '/_sim/requests', () => ok({ requests: calls.requests() })),
    route('control', 'POST', '/_sim/reset-counters', () => {
      calls.reset();
      return ok(calls.snapshot());
    }),
    route('control', 'POST', '/_sim/tokens/expire', () => {
      tokens.expireAll();
      return ok({ expired: true });
    }),
  ];
}
