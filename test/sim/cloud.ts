/**
 * The simulated cloud's state and its non-evacuation rules: hosts that die and come back,
 * compute services that go down `service_down_time` after their host, instances indexed by
 * host, build slots, power actions and injected crashes. Evacuation lives in evacuation.ts.
 */
import { seededRng, draw, type Rng, type Distribution } from './rng';
import { FaultRegistry } from './faults';
import { SafetyOracle } from './oracle';
import { SimHttpError } from './errors';
import type {
  Aggregate, AppCredential, Capacity, Flavor, Host, Image, Instance, Migration, NovaConfig, Project, Service, Timing, User,
} from './model';

export type CrashMode = 'shutoff' | 'power-state' | 'synced' | 'lost';

export interface CloudConfig {
  seed: number;
  region: string;
  timing: Timing;
  nova: NovaConfig;
  /** Instances' disks are on shared storage (onSharedStorage=true works only then). */
  sharedStorage: boolean;
}

export class Cloud {
  readonly rng: Rng;
  readonly faults: FaultRegistry;
  readonly oracle = new SafetyOracle();
  readonly hosts = new Map<string, Host>();
  readonly services = new Map<string, Service>();
  readonly instances = new Map<string, Instance>();
  /** Instance ids per host, the index `servers/detail?host=` reads. */
  readonly byHost = new Map<string, Set<string>>();
  /** Every instance in creation order (Nova lists newest first). */
  readonly ordered: Instance[] = [];
  readonly flavors = new Map<string, Flavor>();
  readonly images = new Map<string, Image>();
  readonly aggregates: Aggregate[] = [];
  readonly migrations: Migration[] = [];
  readonly users: User[] = [];
  readonly projects: Project[] = [];
  readonly appCredentials: AppCredential[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextSeq = 1;
  private nextRequest = 1;

  constructor(readonly config: CloudConfig) {
    this.rng = seededRng(config.seed);
    this.faults = new FaultRegistry(seededRng(config.seed + 1));
  }

  get timing(): Timing {
    return this.config.timing;
  }

  now(): number {
    return Date.now();
  }

  /** Real milliseconds for `simSec` simulated seconds. */
  realMs(simSec: number): number {
    return (simSec * 1000) / this.timing.timeScale;
  }

  drawSec(d: Distribution): number {
    return draw(d, this.rng);
  }

  /** Run `fn` after `simSec` simulated seconds (cancelled by dispose). */
  later(simSec: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, Math.max(0, this.realMs(simSec)));
    this.timers.add(timer);
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  requestId(): string {
    return `req-${this.rng.uuid()}`;
  }

  nextSequence(): number {
    return this.nextSeq++;
  }

  nextRequestNumber(): number {
    return this.nextRequest++;
  }

  // ---- services -------------------------------------------------------------------------

  /** Nova's servicegroup DB driver: forced down is down; otherwise the heartbeat decides. */
  serviceIsUp(svc: Service): boolean {
    if (svc.forcedDown) return false;
    const host = this.hosts.get(svc.host);
    if (!host) return false;
    if (host.computeRunning) return true;
    return host.heartbeatStoppedAt !== null && this.now() - host.heartbeatStoppedAt < this.realMs(this.timing.serviceDownTimeSec);
  }

  /** The last heartbeat: every 10 s while nova-compute runs, frozen when it stops. */
  serviceUpdatedAt(svc: Service): number {
    const host = this.hosts.get(svc.host);
    if (host && !host.computeRunning && host.heartbeatStoppedAt !== null) return host.heartbeatStoppedAt;
    return Math.max(svc.updatedAt, this.now() - (this.now() % 10_000));
  }

  serviceByHost(host: string): Service | undefined {
    return this.services.get(host);
  }

  // ---- hosts ----------------------------------------------------------------------------

  host(name: string): Host {
    const host = this.hosts.get(name);
    if (!host) throw new SimHttpError(404, `Host ${name} not found`);
    return host;
  }

  free(host: Host): Capacity {
    return {
      vcpus: host.capacity.vcpus - host.used.vcpus,
      ramMb: host.capacity.ramMb - host.used.ramMb,
      diskGb: host.capacity.diskGb - host.used.diskGb,
    };
  }

  fits(host: Host, flavor: Flavor): boolean {
    const free = this.free(host);
    return free.vcpus >= flavor.vcpus && free.ramMb >= flavor.ram && free.diskGb >= flavor.disk + flavor.ephemeral;
  }

  claim(host: Host, flavor: Flavor, sign: 1 | -1): void {
    host.used.vcpus += sign * flavor.vcpus;
    host.used.ramMb += sign * flavor.ram;
    host.used.diskGb += sign * (flavor.disk + flavor.ephemeral);
  }

  /**
   * The host loses power: its guests stop, its service goes down later. Nova's records of
   * the guests do not change (nobody is left to report), exactly as with a real dead host.
   */
  killHost(name: string): void {
    const host = this.host(name);
    if (!host.alive) return;
    host.alive = false;
    host.powerLost = true;
    this.endCompute(host, 'the host lost power');
  }

  /** Only nova-compute dies: the guests keep running (fencing is what stops them). */
  stopCompute(name: string, reason = 'nova-compute was stopped'): void {
    this.endCompute(this.host(name), reason);
  }

  /**
   * nova-compute hangs: its process stays (compute sessions stay open) but it neither
   * heartbeats nor works, so the service reads down `serviceDownTimeSec` later.
   */
  hangCompute(name: string): void {
    const host = this.host(name);
    if (!host.computeRunning) throw new SimHttpError(409, `nova-compute is not running on ${name}`);
    host.computeRunning = false;
    host.heartbeatStoppedAt = this.now();
    host.epoch++;
    host.computeHung = true;
  }

  /** Called with the host and a reason whenever nova-compute's process ends (compute sessions end). */
  readonly computeStopListeners = new Set<(host: string, reason: string) => void>();

  private endCompute(host: Host, reason: string): void {
    if (!host.computeRunning && !host.computeHung) return;
    if (host.computeRunning) {
      host.computeRunning = false;
      host.heartbeatStoppedAt = this.now();
      host.epoch++;
    }
    host.computeHung = false;
    for (const listener of this.computeStopListeners) listener(host.name, reason);
  }

  /**
   * The host boots. With nova-compute (the default) init_host cleans up evacuations and the
   * power sync stops instances Nova still thought active on it (their guests died with the
   * host). With `compute: false` nova-compute stays stopped (a node whose NovaCompute agent
   * starts it): the service stays down, and the power loss is remembered for its first start.
   * With `forgetGuests` the hypervisor comes back without its guests (fake driver, ephemeral
   * hypervisor state): that sync then leaves them ACTIVE with power_state NOSTATE.
   */
  reviveHost(name: string, opts: { compute?: boolean; forgetGuests?: boolean } = {}): void {
    const host = this.host(name);
    if (host.alive) return;
    host.alive = true;
    host.guestsForgotten = host.powerLost && opts.forgetGuests === true;
    if (opts.compute !== false) this.startCompute(name);
  }

  /**
   * nova-compute starts on a running host: after `reviveCleanupSec` it marks its evacuations
   * `completed`, destroys the evacuated guests and frees their source allocations (init_host);
   * after a power loss it also stops the instances Nova still thought active (power sync).
   * Returns false when it was already running.
   */
  startCompute(name: string): boolean {
    const host = this.host(name);
    if (!host.alive) throw new SimHttpError(409, `host ${name} is powered off: revive it`);
    if (host.computeRunning) return false;
    host.computeRunning = true;
    host.computeHung = false;
    host.heartbeatStoppedAt = null;
    const svc = this.services.get(name);
    if (svc) svc.updatedAt = this.now();
    this.failInterruptedRebuilds(host);
    const epoch = host.epoch;
    this.later(this.timing.reviveCleanupSec, () => {
      if (!host.computeRunning || host.epoch !== epoch) return;
      // Nova's _destroy_evacuated_instances: accepted, pre-migrating and done all become
      // `completed` (a rebuild still running elsewhere sets its record to `done` again later).
      for (const m of this.migrations) {
        if (m.sourceCompute !== name || !['accepted', 'pre-migrating', 'done'].includes(m.status)) continue;
        m.status = 'completed';
        m.updatedAt = this.now();
        const inst = this.instances.get(m.instanceId);
        const flavor = inst ? this.flavors.get(inst.flavorId) : undefined;
        if (flavor) this.claim(host, flavor, -1);
      }
      if (!host.powerLost) return;
      host.powerLost = false;
      const forgotten = host.guestsForgotten;
      host.guestsForgotten = false;
      for (const id of this.byHost.get(name) ?? []) {
        const inst = this.instances.get(id);
        if (!inst || inst.evacuation !== null || inst.vmState !== 'active') continue;
        if (forgotten) {
          // Nova's sync: "Instance is unexpectedly not found. Ignore." Only power_state changes.
          inst.powerState = 0;
          inst.updatedAt = this.now();
          continue;
        }
        this.setPower(inst, 'stopped');
        // The power sync runs with an admin context: no user, no project (unlike an operator's stop).
        this.recordAction(inst, 'stop', null, null, null);
      }
    });
    return true;
  }

  /**
   * Rebuilds this host was running or queueing when it died never finish: on restart
   * nova-compute puts those instances in ERROR and their migrations become `failed`.
   */
  private failInterruptedRebuilds(host: Host): void {
    host.activeBuilds = 0;
    host.buildQueue = [];
    for (const m of this.migrations) {
      if (m.destCompute !== host.name || m.status !== 'pre-migrating') continue;
      m.status = 'failed';
      m.updatedAt = this.now();
      const inst = this.instances.get(m.instanceId);
      if (!inst) continue;
      const flavor = this.flavors.get(inst.flavorId);
      if (flavor) this.claim(host, flavor, -1);
      if (inst.evacuation === m.id) {
        inst.evacuation = null;
        this.setPower(inst, 'error');
        inst.fault = { code: 500, message: 'Rebuild interrupted: the destination compute restarted', created: this.now() };
      }
    }
  }

  // ---- instances ------------------------------------------------------------------------

  instance(id: string): Instance {
    const inst = this.instances.get(id);
    if (!inst) throw new SimHttpError(404, `Instance ${id} could not be found.`);
    return inst;
  }

  addInstance(inst: Instance): void {
    this.instances.set(inst.id, inst);
    this.ordered.push(inst);
    this.index(inst.host).add(inst.id);
  }

  moveInstance(inst: Instance, to: string): void {
    this.byHost.get(inst.host)?.delete(inst.id);
    inst.host = to;
    this.index(to).add(inst.id);
  }

  private index(host: string): Set<string> {
    let set = this.byHost.get(host);
    if (!set) {
      set = new Set();
      this.byHost.set(host, set);
    }
    return set;
  }

  setPower(inst: Instance, state: 'active' | 'stopped' | 'error'): void {
    inst.vmState = state;
    inst.powerState = state === 'active' ? 1 : 4;
    inst.taskState = null;
    inst.updatedAt = this.now();
  }

  recordAction(inst: Instance, action: string, message: string | null, userId: string | null = inst.userId, projectId: string | null = inst.projectId): void {
    const now = this.now();
    inst.actions.push({ action, requestId: this.requestId(), userId, projectId, startTime: now, updatedAt: now, message });
  }

  /**
   * The guest dies on its own. `shutoff` (default): SHUTOFF and no action recorded (unlike an
   * operator's stop). `power-state`: only power_state reads shutdown, Nova still says ACTIVE
   * (its sync has not run yet). `synced`: SHUTOFF with the `stop` action Nova's power-state
   * sync records (no user, no project). `lost`: the hypervisor no longer knows the guest: Nova
   * still says ACTIVE, power_state reads NOSTATE (0), and its sync leaves it so.
   */
  crashInstance(id: string, mode: CrashMode = 'shutoff'): void {
    const inst = this.instance(id);
    inst.powerState = mode === 'lost' ? 0 : 4;
    inst.updatedAt = this.now();
    if (mode === 'power-state' || mode === 'lost') return;
    inst.vmState = 'stopped';
    if (mode === 'synced') this.recordAction(inst, 'stop', null, null, null);
  }

  /** os-stop / os-start / reboot, as compute_api checks them; the host finishes the task. */
  powerAction(id: string, action: 'stop' | 'start' | 'reboot' | 'reboot-hard', userId: string, projectId: string): void {
    const inst = this.instance(id);
    // A soft reboot needs ACTIVE; a hard one also takes STOPPED and ERROR.
    const allowed: Record<typeof action, string[]> = {
      stop: ['active', 'error'],
      start: ['stopped'],
      reboot: ['active'],
      'reboot-hard': ['active', 'stopped', 'error'],
    };
    if (!allowed[action].includes(inst.vmState) || inst.taskState !== null) {
      const attr = inst.taskState !== null ? `task_state ${inst.taskState}` : `vm_state ${inst.vmState}`;
      const verb = action === 'reboot-hard' ? 'reboot' : action;
      throw new SimHttpError(409, `Cannot '${verb}' instance ${id} while it is in ${attr}`);
    }
    this.recordAction(inst, action === 'reboot-hard' ? 'reboot' : action, null, userId, projectId);
    const tasks = { stop: 'powering-off', start: 'powering-on', reboot: 'rebooting', 'reboot-hard': 'rebooting_hard' } as const;
    inst.taskState = tasks[action];
    const host = this.hosts.get(inst.host);
    // A cast to a dead compute is lost: the task state stays set, as in Nova.
    if (!host?.computeRunning) return;
    this.later(0.2, () => {
      if (!this.hosts.get(inst.host)?.computeRunning) return;
      this.setPower(inst, action === 'stop' ? 'stopped' : 'active');
    });
  }

  // ---- build slots (max_concurrent_builds) ---------------------------------------------

  /** Run `start` when the host has a free build slot; builds beyond the limit queue. */
  withBuildSlot(host: Host, start: () => void): void {
    if (host.activeBuilds < host.maxConcurrentBuilds) {
      host.activeBuilds++;
      start();
    } else {
      host.buildQueue.push(start);
    }
  }

  releaseBuildSlot(host: Host): void {
    const next = host.buildQueue.shift();
    if (next) next();
    else host.activeBuilds = Math.max(0, host.activeBuilds - 1);
  }

  /** The aggregates a host belongs to. */
  aggregatesOf(host: string): Aggregate[] {
    return this.aggregates.filter((a) => a.hosts.includes(host));
  }
}
