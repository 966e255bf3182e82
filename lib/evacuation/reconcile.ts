/**
 * ONE reconcile pass: read the snapshot → decide per host → act (marker, reserved hosts,
 * parallel evacuations, `no`) → one sentence that is both the log line and what tests assert
 * on. Stateless apart from `LoopMemory` (refusals Nova leaves no record of), so a fresh agent
 * anywhere carries on; the evacuate calls of a host are preceded by a fresh look at its
 * servers and evacuation records.
 */
import { EVACUATE_DONE, formatInProgress, parseEvacuateValue } from '../pacemaker/evacuate-attribute';
import { errorMessage } from '../runtime/errors';
import type { Log } from '../runtime/log';
import { assessHost, evacuable, failureStart, inFlightTargets, type HostAssessment } from './assess';
import { checkBrake } from './brake';
import { issueEvacuations, type EvacuationJob, type JobOutcome } from './issue';
import type {
  BrakeDecision,
  BrakePolicy,
  ConcurrencyPolicy,
  RecoveryMethod,
  RetryPolicy,
  Room,
  ScopePolicy,
} from './model';
import { addClaims, planPlacement } from './placement';
import type { EvacuationPorts } from './ports';
import { orderForEvacuation } from './priority';
import type { Refusals } from './progress';
import { readSnapshot, withRoom, type FailedHost, type Snapshot, type SnapshotCache, type SnapshotConfig } from './snapshot';
import type { HostEvacuationState } from './status';

export interface ReconcileConfig extends SnapshotConfig {
  readonly scope: ScopePolicy;
  /** A segment's own scope, when it has one (else `scope`). */
  readonly scopeFor?: (segment: string) => ScopePolicy;
  readonly methodFor: (segment: string) => RecoveryMethod;
  readonly concurrency: ConcurrencyPolicy;
  readonly retry: RetryPolicy;
  readonly brake: BrakePolicy;
  /** evacuate_delay: wait this long after the fence before evacuating a newly marked host. */
  readonly evacuateDelayMs: number;
}

/** What the loop remembers between its passes (one monitor): nothing Nova could tell instead. */
export interface LoopMemory {
  readonly refusals: Map<string, Refusals>;
  /** When a marked host without a fence time was first seen (evacuate_delay). */
  readonly firstSeen: Map<string, number>;
  readonly cache: SnapshotCache;
}

export interface HostOutcome {
  readonly assessment: HostAssessment;
  readonly state: HostEvacuationState;
  readonly detail: string;
}

export interface PassResult {
  readonly summary: string;
  /** Work remains that a later pass can do (evacuations in flight, retries, a delay running). */
  readonly pending: boolean;
  readonly snapshot: Snapshot;
  readonly hosts: readonly HostOutcome[];
  readonly brake: BrakeDecision;
  readonly outcomes: readonly JobOutcome[];
  /** Instances ready to go that the concurrency limits held back: the loop comes back sooner. */
  readonly queued: number;
  /** Instances the placement found no target for this pass, with the reason. */
  readonly unplaced: ReadonlyMap<string, string>;
  readonly errors: readonly string[];
}

function nowSeen(host: string, memory: LoopMemory, now: number): number {
  const seen = memory.firstSeen.get(host) ?? now;
  memory.firstSeen.set(host, seen);
  return seen;
}

/** Decides a host's state before any action: refused, done, braked, waiting or evacuating. */
function hostState(
  assessment: HostAssessment,
  brake: BrakeDecision,
  config: ReconcileConfig,
  memory: LoopMemory,
  now: number,
): { state: HostEvacuationState; detail: string } {
  const { host, reason } = assessment.failed;
  const service = host.service;
  if (!service.forcedDown && service.state !== 'down') {
    return { state: 'refused', detail: `Nova sees ${host.name} up and not forced down: not evacuating it` };
  }
  if (assessment.settled) return { state: 'done', detail: `every protected instance of ${host.name} is accounted for` };
  if (brake.tripped) return { state: 'braked', detail: brake.reason ?? 'the mass-failure brake is on' };
  if (reason !== 'in-progress' && config.evacuateDelayMs > 0) {
    const from = host.fencedAt ?? nowSeen(host.name, memory, now);
    if (now < from + config.evacuateDelayMs) {
      return { state: 'waiting', detail: `evacuate_delay: evacuating ${host.name} ${Math.ceil((from + config.evacuateDelayMs - now) / 1000)} s from now` };
    }
  }
  return { state: 'evacuating', detail: `evacuating ${host.name}` };
}

function avoidMap(assessment: HostAssessment): Map<string, ReadonlySet<string>> {
  const avoid = new Map<string, ReadonlySet<string>>();
  for (const i of assessment.instances) {
    if (i.progress?.kind === 'failed' && i.progress.lastTarget) avoid.set(i.view.server.id, new Set([i.progress.lastTarget]));
  }
  return avoid;
}

/**
 * The automatic overall limit: every host that can take an instance (up, not forced down, not
 * itself failing; reserved hosts included, a plan may enable them) times its build slots, twice:
 * one round building and the next waiting in Nova, so no slot idles until our next pass sees a
 * build finish. More would only queue deeper inside Nova, where priority order no longer holds.
 */
function buildSlots(snapshot: Snapshot, perTarget: number): number {
  const targets = snapshot.hosts.filter(
    (h) => h.service.state === 'up' && !h.service.forcedDown && !['needed', 'in-progress'].includes(h.mark.kind),
  ).length;
  return 2 * Math.max(1, targets) * perTarget;
}

/** The overall limit minus what Nova shows in flight across every failed host. */
function overallLeftOf(all: readonly HostAssessment[], snapshot: Snapshot, config: ReconcileConfig): number {
  const overall = config.concurrency.overall > 0 ? config.concurrency.overall : buildSlots(snapshot, config.concurrency.perTarget);
  return overall - all.reduce((n, a) => n + a.instances.filter((i) => i.progress?.kind === 'in-flight').length, 0);
}

/** The per-failed-host limit minus what Nova shows in flight from this host. */
function perHostLeftOf(assessment: HostAssessment, config: ReconcileConfig): number {
  const inFlightHere = assessment.instances.filter((i) => i.progress?.kind === 'in-flight').length;
  return config.concurrency.perFailedHost > 0 ? config.concurrency.perFailedHost - inFlightHere : Number.POSITIVE_INFINITY;
}

/**
 * Could this pass place anything? Only then does it read the hosts' free room: a pass that
 * only tracks evacuations in flight (or waits for a slot) does not need os-hypervisors.
 */
export function mayPlace(
  evacuating: readonly HostAssessment[],
  all: readonly HostAssessment[],
  snapshot: Snapshot,
  config: ReconcileConfig,
  now: number,
): boolean {
  if (overallLeftOf(all, snapshot, config) <= 0) return false;
  return evacuating.some((a) => perHostLeftOf(a, config) > 0 && evacuable(a, config.retry, now).length > 0);
}

/** Plans this pass's evacuations across the evacuating hosts, under the concurrency limits. */
function planJobs(
  evacuating: readonly HostAssessment[],
  all: readonly HostAssessment[],
  snapshot: Snapshot,
  config: ReconcileConfig,
  now: number,
): { jobs: EvacuationJob[]; reservedToEnable: string[]; unplaced: Map<string, string>; queued: number } {
  const perTarget = inFlightTargets(all);
  let overallLeft = overallLeftOf(all, snapshot, config);
  const jobs: EvacuationJob[] = [];
  const reserved = new Set<string>();
  const unplaced = new Map<string, string>();
  // Room promised to earlier failed hosts this pass, so two of them never fill one reserved host twice.
  let claimed: ReadonlyMap<string, Room> = new Map();
  let queued = 0;
  for (const assessment of evacuating) {
    const source = assessment.failed.host;
    const room = Math.min(overallLeft, perHostLeftOf(assessment, config));
    const ready = evacuable(assessment, config.retry, now);
    queued += Math.max(0, ready.length - Math.max(0, room));
    if (room <= 0) continue;
    const ordered = orderForEvacuation(ready.map((i) => i.view)).slice(0, room);
    if (ordered.length === 0) continue;
    const plan = planPlacement({
      instances: ordered,
      source,
      method: config.methodFor(source.segment),
      hosts: snapshot.hosts,
      inFlightPerTarget: perTarget,
      perTarget: config.concurrency.perTarget,
      avoid: avoidMap(assessment),
      claimed,
    });
    claimed = addClaims(claimed, plan.claims);
    for (const miss of plan.unplaced) unplaced.set(miss.instanceId, miss.reason);
    for (const name of plan.reservedToEnable) reserved.add(name);
    for (const planned of plan.planned) {
      const attempt = assessment.instances.find((i) => i.view.server.id === planned.instanceId);
      if (!attempt) continue;
      // Placement only orders by free build slots; the limit itself is kept here.
      if (planned.target && (perTarget.get(planned.target) ?? 0) >= config.concurrency.perTarget) {
        unplaced.set(planned.instanceId, `every target's ${config.concurrency.perTarget} build slots are busy: next pass`);
        queued += 1;
        continue;
      }
      jobs.push({ instance: attempt.view.server, source: source.name, target: planned.target, since: failureStart(source) });
      if (planned.target) perTarget.set(planned.target, (perTarget.get(planned.target) ?? 0) + 1);
      overallLeft -= 1;
    }
  }
  return { jobs, reservedToEnable: [...reserved], unplaced, queued };
}

async function markHost(ports: EvacuationPorts, host: string, value: string, log: Log, errors: string[]): Promise<boolean> {
  try {
    await ports.cluster.writeMark(host, value);
    return true;
  } catch (error) {
    const message = `cannot set evacuate=${value} for ${host}: ${errorMessage(error)}`;
    log.error(message, { host });
    errors.push(message);
    return false;
  }
}

/** Hosts marked for evacuation that Nova has no compute service for (a name mismatch?). */
function unknownToNova(snapshot: Snapshot): string[] {
  const known = new Set(snapshot.hosts.map((h) => h.name));
  return [...snapshot.marks]
    .filter(([host, value]) => !known.has(host) && ['needed', 'in-progress'].includes(parseEvacuateValue(value).kind))
    .map(([host]) => host)
    .sort();
}

function summarise(
  hosts: readonly HostOutcome[],
  outcomes: readonly JobOutcome[],
  brake: BrakeDecision,
  unknown: readonly string[],
  unplaced: number,
): string {
  const tail = unknown.length > 0 ? `; unknown to Nova: ${unknown.join(', ')}` : '';
  if (hosts.length === 0) return `no host needs evacuation${tail}`;
  const count = (kind: string) =>
    hosts.reduce((n, h) => n + h.assessment.instances.filter((i) => i.progress?.kind === kind).length + (kind === 'evacuated' ? h.assessment.moved.length : 0), 0);
  const issued = outcomes.filter((o) => o.kind === 'issued').length;
  const refused = outcomes.filter((o) => o.kind === 'refused').length;
  const byState = (state: HostEvacuationState) => hosts.filter((h) => h.state === state).map((h) => h.assessment.failed.host.name);
  const parts = [
    `${hosts.length} host(s) fenced: ${issued} evacuation(s) issued, ${count('in-flight') + issued} in flight, ${count('evacuated')} evacuated, ${count('failed')} failed, ${count('given-up')} given up`,
  ];
  if (refused > 0) parts.push(`${refused} refused by Nova`);
  if (unplaced > 0) parts.push(`${unplaced} without a target`);
  for (const state of ['done', 'waiting', 'refused', 'braked'] as const) {
    const names = byState(state);
    if (names.length > 0) parts.push(`${state}: ${names.join(', ')}`);
  }
  if (brake.tripped) parts.push(`brake: ${brake.reason ?? 'tripped'}`);
  return `${parts.join('; ')}${tail}`;
}

export async function reconcilePass(
  ports: EvacuationPorts,
  config: ReconcileConfig,
  memory: LoopMemory,
  log: Log,
): Promise<PassResult> {
  // Room is read below, only when this pass may place something.
  let snapshot = await readSnapshot(ports, config, memory.cache, { room: false });
  const now = ports.now();
  const errors: string[] = [];
  const facts = snapshot.scopeFacts ?? { evacuableFlavorIds: new Set<string>(), evacuableImageIds: new Set<string>() };
  const assessments = snapshot.failed.map((failed: FailedHost) =>
    assessHost({ failed, facts, scope: config.scopeFor?.(failed.host.segment) ?? config.scope, maxAttempts: config.retry.maxAttempts, flavors: snapshot.flavors, refusals: memory.refusals }),
  );
  const brake = snapshot.failed.length > 0 ? checkBrake(snapshot.hosts, config.brake, now, snapshot.resumedAt) : { tripped: false, reason: undefined };
  if (brake.tripped) log.error(`mass-failure brake: evacuating nothing automatically (${brake.reason ?? 'tripped'}); run 'nova-ha resume' to lift it`);

  const hosts: HostOutcome[] = [];
  for (const assessment of assessments) {
    const { host } = assessment.failed;
    const decided = hostState(assessment, brake, config, memory, now);
    let { state, detail } = decided;
    if (state === 'refused') log.warn(detail, { host: host.name });
    if (state === 'done' && (host.mark.kind === 'needed' || host.mark.kind === 'in-progress')) {
      const givenUp = assessment.instances.filter((i) => i.progress?.kind === 'given-up');
      if (givenUp.length > 0) {
        log.error(
          `gave up evacuating ${givenUp.length} instance(s) of ${host.name}: ${givenUp.map((i) => `${i.view.server.id} (${i.progress?.kind === 'given-up' ? i.progress.reason : ''})`).join(', ')}`,
          { host: host.name },
        );
      }
      if (await markHost(ports, host.name, EVACUATE_DONE, log, errors)) log.notice(`Completed evacuation of ${host.name}`, { host: host.name });
    }
    if (state === 'evacuating') {
      const ours = host.mark.kind === 'in-progress' && host.mark.by === ports.thisNode;
      if (!ours && !(await markHost(ports, host.name, formatInProgress(ports.thisNode, now / 1000), log, errors))) {
        // Without the marker another evacuator could not tell the host is being handled: wait.
        state = 'waiting';
        detail = `cannot write the in-progress marker of ${host.name}`;
      }
    }
    hosts.push({ assessment, state, detail });
  }

  const evacuating = hosts.filter((h) => h.state === 'evacuating').map((h) => h.assessment);
  if (mayPlace(evacuating, assessments, snapshot, config, now)) snapshot = await withRoom(ports, snapshot);
  const plan = planJobs(evacuating, assessments, snapshot, config, now);
  for (const name of plan.reservedToEnable) {
    const service = snapshot.hosts.find((h) => h.name === name)?.service;
    if (!service) continue;
    try {
      await ports.nova.enableService(service);
      memory.cache.enabledReserved.add(name);
      log.notice(`enabled reserved host ${name} for evacuations`, { host: name });
    } catch (error) {
      errors.push(`cannot enable reserved host ${name}: ${errorMessage(error)}`);
      log.error(errors[errors.length - 1] ?? '', { host: name });
    }
  }
  const outcomes = await issueEvacuations(ports, plan.jobs, { maxAttempts: config.retry.maxAttempts, retry: config.retry, refusals: memory.refusals, log });
  if (plan.unplaced.size > 0) {
    log.warn(`${plan.unplaced.size} instance(s) found no target: ${[...new Set(plan.unplaced.values())].join('; ')}`);
  }
  const pending = hosts.some((h) => h.state === 'evacuating' || h.state === 'waiting');
  const unknown = unknownToNova(snapshot);
  for (const host of unknown) log.warn(`${host} is marked for evacuation but Nova knows no compute service of that name`, { host });
  const summary = summarise(hosts, outcomes, brake, unknown, plan.unplaced.size);
  return { summary, pending, snapshot, hosts, brake, outcomes, queued: plan.queued, unplaced: plan.unplaced, errors };
}

export function newLoopMemory(cache: SnapshotCache): LoopMemory {
  return { refusals: new Map(), firstSeen: new Map(), cache };
}
