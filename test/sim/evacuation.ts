/**
 * Evacuation, as Nova does it: the API checks (compute_api.evacuate), the conductor and
 * scheduler choosing a destination, the destination's claim and rebuild under its build
 * slots, and the migration record `accepted → pre-migrating → done` (or `failed`/`error`).
 */
import type { Cloud } from './cloud';
import { SimHttpError } from './errors';
import type { Host, Instance, Migration } from './model';
import { atLeast, type Version } from './microversion';

export interface EvacuateRequest {
  instanceId: string;
  host?: string;
  force?: boolean;
  onSharedStorage?: boolean;
  adminPass?: string;
  version: Version;
  userId: string;
  projectId: string;
}

export interface EvacuateResult {
  adminPass?: string | null;
}

/** True while `inst` shows Nova's "ACTIVE on the old host, task_state null" window. */
export function inRaceWindow(cloud: Cloud, inst: Instance): boolean {
  return inst.evacuation !== null && cloud.faults.has('evacuate-race', inst.host);
}

export function evacuate(cloud: Cloud, req: EvacuateRequest): EvacuateResult {
  const inst = cloud.instance(req.instanceId);
  if (req.host !== undefined && !cloud.services.has(req.host)) {
    throw new SimHttpError(404, `Compute host ${req.host} not found.`);
  }
  if (req.host !== undefined && inst.host === req.host) {
    throw new SimHttpError(400, "The target host can't be the same one.");
  }
  const rejected = cloud.faults.fire('evacuate-reject', { host: inst.host });
  if (rejected) throw new SimHttpError(rejected.status ?? 500, rejected.message ?? 'Injected evacuate failure.');

  // check_instance_state(vm_state=[ACTIVE, STOPPED, ERROR], task_state=None): in Nova (Zed)
  // task_state=None means NO task-state check, so a second evacuate while the first is still
  // rebuilding is accepted, and breaks the first (see breakEarlier; docs/sim-fidelity.md §1).
  if (!['active', 'stopped', 'error'].includes(inst.vmState)) {
    throw new SimHttpError(409, `Cannot 'evacuate' instance ${inst.id} while it is in vm_state ${inst.vmState}`);
  }
  const source = cloud.hosts.get(inst.host);
  const svc = cloud.services.get(inst.host);
  const serviceUp = svc ? cloud.serviceIsUp(svc) : false;
  if (serviceUp && !cloud.faults.fire('skip-service-check', { host: inst.host })) {
    throw new SimHttpError(400, `Compute service of ${inst.host} is still in use.`);
  }

  cloud.oracle.evacuationAccepted({
    instance: inst.id,
    sourceHost: inst.host,
    serviceForcedDown: svc?.forcedDown ?? false,
    serviceDown: !serviceUp,
    hostAlive: source?.alive ?? false,
    // A guest runs only on a host that has not lost power since Nova last saw it: after a
    // reboot (power lost, nova-compute not started yet) Nova still says active, the guest is gone.
    instanceWasRunning: inst.vmState === 'active' && !(source?.powerLost ?? false),
    previousInFlight: inst.evacuation !== null,
  });

  const now = cloud.now();
  const migration: Migration = {
    id: cloud.migrations.length + 1,
    uuid: cloud.rng.uuid(),
    instanceId: inst.id,
    sourceCompute: inst.host,
    destCompute: req.host ?? null,
    status: 'accepted',
    type: 'evacuation',
    createdAt: now,
    updatedAt: now,
    userId: req.userId,
    projectId: req.projectId,
  };
  cloud.migrations.push(migration);
  const earlier = inst.evacuation === null ? undefined : cloud.migrations.find((m) => m.id === inst.evacuation);
  if (earlier !== undefined) {
    breakEarlier(cloud, inst, earlier, migration, req);
    return {};
  }
  inst.evacuation = migration.id;
  inst.taskState = 'rebuilding';
  inst.updatedAt = now;
  cloud.recordAction(inst, 'evacuate', null, req.userId, req.projectId);

  const origVmState = inst.vmState;
  // From 2.95 an evacuated instance arrives stopped (except one in ERROR, which comes back
  // ACTIVE); before, it keeps ACTIVE/STOPPED and ERROR comes back ACTIVE.
  const targetState = origVmState === 'error' ? 'active' : atLeast(req.version, '2.95') || origVmState === 'stopped' ? 'stopped' : 'active';
  cloud.later(cloud.drawSec(cloud.timing.schedulingSec), () =>
    schedule(cloud, inst, migration, req, targetState),
  );

  if (!atLeast(req.version, '2.14') && cloud.config.nova.enableInstancePassword) {
    // On shared storage the disk is kept, so no password is generated (null).
    return { adminPass: req.adminPass ?? (req.onSharedStorage ? null : randomPassword(cloud)) };
  }
  return {};
}

/** Evacuations a later evacuate request broke: their remaining steps do nothing. */
const broken = new WeakSet<Migration>();

/**
 * What Zed did in the lab with a second evacuate while the first was in flight: both claimed,
 * the destination's rebuild hit `UnexpectedTaskStateError`, the first record ended `failed`,
 * the second stayed `accepted` with no destination, and the server stuck in REBUILD (task
 * rebuild_block_device_mapping) on the first's destination. The oracle has already flagged it.
 */
function breakEarlier(cloud: Cloud, inst: Instance, earlier: Migration, later: Migration, req: EvacuateRequest): void {
  broken.add(earlier);
  broken.add(later);
  finish(cloud, inst, earlier, 'failed');
  markActionFailed(inst);
  cloud.recordAction(inst, 'evacuate', null, req.userId, req.projectId);
  if (earlier.destCompute !== null && earlier.destCompute !== inst.host) cloud.moveInstance(inst, earlier.destCompute);
  inst.evacuation = later.id;
  inst.taskState = 'rebuild_block_device_mapping';
  inst.updatedAt = cloud.now();
}

function schedule(cloud: Cloud, inst: Instance, m: Migration, req: EvacuateRequest, targetState: 'active' | 'stopped'): void {
  const flavor = cloud.flavors.get(inst.flavorId);
  if (!flavor || broken.has(m)) return;
  let target: Host | undefined;
  // A forced host (2.29–2.67), or any explicit host before 2.29, skips the scheduler's
  // filters; the placement claim still needs room.
  const bypass = req.host !== undefined && (req.force === true || !atLeast(req.version, '2.29'));
  if (bypass) {
    const forced = cloud.hosts.get(req.host ?? '');
    target = forced && cloud.fits(forced, flavor) ? forced : undefined;
  } else {
    const candidates = req.host !== undefined ? [cloud.hosts.get(req.host)] : [...cloud.hosts.values()];
    let best: Host | undefined;
    for (const h of candidates) {
      if (!h || h.name === m.sourceCompute) continue;
      const svc = cloud.services.get(h.name);
      if (!svc || svc.disabled || !cloud.serviceIsUp(svc) || !cloud.fits(h, flavor)) continue;
      // RAMWeigher: the most free RAM wins (Nova spreads by default).
      if (!best || cloud.free(h).ramMb > cloud.free(best).ramMb) best = h;
    }
    target = best;
  }
  if (!target) {
    // Conductor: NoValidHost → migration `error`, instance ERROR with no task.
    finish(cloud, inst, m, 'error');
    cloud.setPower(inst, 'error');
    markActionFailed(inst);
    inst.fault = { code: 500, message: 'No valid host was found. There are not enough hosts available.', created: cloud.now() };
    return;
  }
  // The destination claims: resources, and the migration moves to pre-migrating.
  cloud.claim(target, flavor, 1);
  m.destCompute = target.name;
  m.status = 'pre-migrating';
  m.updatedAt = cloud.now();
  const dest = target;
  const epoch = dest.epoch;
  cloud.withBuildSlot(dest, () => {
    if (broken.has(m)) return cloud.releaseBuildSlot(dest);
    if (dest.epoch !== epoch) return;
    inst.taskState = 'rebuild_spawning';
    cloud.later(cloud.drawSec(cloud.timing.rebuildSec), () => {
      // A destination that died mid-rebuild never reports back (its restart fails the rebuild).
      if (!dest.computeRunning || dest.epoch !== epoch) return;
      if (broken.has(m)) return cloud.releaseBuildSlot(dest);
      const injected = cloud.faults.fire('rebuild-fail', { host: dest.name });
      // Before 2.14 the caller states onSharedStorage; the destination refuses a mismatch.
      const notShared = req.onSharedStorage !== undefined && req.onSharedStorage !== cloud.config.sharedStorage;
      if (injected || notShared) {
        cloud.releaseBuildSlot(dest);
        cloud.claim(dest, flavor, -1);
        finish(cloud, inst, m, 'failed');
        cloud.setPower(inst, 'error');
        markActionFailed(inst);
        const message = notShared ? 'Invalid state of instance files on shared storage' : (injected?.message ?? 'Rebuild failed');
        inst.fault = { code: 500, message, created: cloud.now() };
        return;
      }
      // Nova saves the spawned instance (ACTIVE, no task) before finish_evacuation moves it
      // to the destination and marks the migration done: for `finishEvacuationSec` it reads
      // ACTIVE on its OLD host, and a second evacuate POST passes Nova's checks.
      cloud.setPower(inst, 'active');
      if (targetState === 'stopped') inst.taskState = 'powering-off';
      cloud.later(cloud.timing.finishEvacuationSec, () => {
        if (!dest.computeRunning || dest.epoch !== epoch) return;
        cloud.releaseBuildSlot(dest);
        if (broken.has(m)) return;
        if (targetState === 'stopped') cloud.setPower(inst, 'stopped');
        cloud.moveInstance(inst, dest.name);
        finish(cloud, inst, m, 'done');
      });
    });
  });
}

function finish(cloud: Cloud, inst: Instance, m: Migration, status: 'done' | 'failed' | 'error'): void {
  m.status = status;
  m.updatedAt = cloud.now();
  if (inst.evacuation === m.id) inst.evacuation = null;
}

/** Nova marks a failed action's message "Error" (details live in its events and the fault). */
function markActionFailed(inst: Instance): void {
  const last = [...inst.actions].reverse().find((a) => a.action === 'evacuate');
  if (last) last.message = 'Error';
}

function randomPassword(cloud: Cloud): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let out = '';
  for (let i = 0; i < 12; i++) out += alphabet[Math.floor(cloud.rng.next() * alphabet.length)];
  return out;
}
