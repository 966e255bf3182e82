/**
 * Placement: where each instance of a failed host goes, by its segment's recovery method
 * (the methods Masakari defines, decided per instance rather than per host). Pure.
 *
 * Candidates are the hosts of the source's segment other than the source that Nova sees up,
 * not forced down, and not marked for evacuation themselves. Among them:
 *   - the auto pool: hosts enabled in Nova (where the scheduler may place);
 *   - the reserved pool: reserved hosts (kept disabled until a failure needs them).
 *
 * Methods:
 *   auto           Nova's scheduler (target undefined) for every instance. An instance that
 *                  failed before on some targets (`avoid`) gets an explicit enabled host with
 *                  known room that is not among them, since Nova cannot be told to exclude a
 *                  host; when there is none, the scheduler again.
 *   reserved_host  a reserved host with room, explicitly; none → unplaced with the reason.
 *   auto_priority  auto while some enabled host has room (or unknown room); then reserved hosts.
 *   rh_priority    reserved hosts first; instances that fit on none go to auto.
 *
 * Room: explicit targets are always checked against their free vCPUs, RAM and disk (disk only
 * for image-backed instances: a volume-booted one uses no local disk), and what is assigned is
 * subtracted as the plan goes. Auto placements are counted too, on the enabled host with the
 * most free RAM (as Nova's RAM weigher spreads), so a later fallback sees the room that is left.
 * A host whose room is unknown is assumed to have room for auto, but is picked explicitly only
 * when no host with known room fits. An instance of unknown size is assumed to fit and uses no
 * tracked room (Nova will refuse if it does not fit, and the retry takes another host).
 *
 * Spread: among hosts that fit, those with build slots left (`perTarget` minus in-flight minus
 * planned here) come first, then the one with the most free RAM, then by name. So instances
 * spread across reserved hosts instead of piling onto one; the loop limits concurrency, this
 * only orders. A host an instance failed on before (`avoid`) is used only when nothing else fits.
 */
import type { HostView, InstanceSize, InstanceView, PlacementResult, PlannedEvacuation, RecoveryMethod, Room } from './model';

export interface PlacementInput {
  readonly instances: readonly InstanceView[];
  readonly source: HostView;
  readonly method: RecoveryMethod;
  readonly hosts: readonly HostView[];
  readonly inFlightPerTarget: ReadonlyMap<string, number>;
  readonly perTarget: number;
  /** instanceId → targets that failed before. */
  readonly avoid: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * Room already promised this pass by the plans of other failed hosts (their `claims`), so
   * two failed hosts of a segment do not both fill the same reserved host. Optional.
   */
  readonly claimed?: ReadonlyMap<string, Room>;
}

/** A planned evacuation with the words `nova-ha plan` shows for it. */
export interface ExplainedEvacuation extends PlannedEvacuation {
  readonly why: string;
}

export interface ExplainedPlacement extends PlacementResult {
  readonly planned: readonly ExplainedEvacuation[];
  /** Room this plan uses per host (explicit targets, and auto's estimate); feed to the next plan's `claimed` via `addClaims`. */
  readonly claims: ReadonlyMap<string, Room>;
}

function plus(a: Room, b: Room): Room {
  return { vcpus: a.vcpus + b.vcpus, ramMb: a.ramMb + b.ramMb, diskGb: a.diskGb + b.diskGb };
}

/** The sum of two claim maps (a new map). */
export function addClaims(a: ReadonlyMap<string, Room>, b: ReadonlyMap<string, Room>): Map<string, Room> {
  const sum = new Map(a);
  for (const [host, room] of b) {
    const before = sum.get(host);
    sum.set(host, before === undefined ? room : plus(before, room));
  }
  return sum;
}

function minus(room: Room | undefined, used: Room | undefined): Room | undefined {
  if (room === undefined || used === undefined) return room;
  return { vcpus: room.vcpus - used.vcpus, ramMb: room.ramMb - used.ramMb, diskGb: room.diskGb - used.diskGb };
}

interface Candidate {
  readonly host: HostView;
  /** Room this plan took on the host. */
  used: Room;
  /** Free room left after what this plan assigned; undefined when Nova does not tell. */
  remaining: Room | undefined;
  /** Evacuations towards it: in flight before the plan plus planned here. */
  builds: number;
}

type Need = { readonly size: InstanceSize | undefined; readonly usesDisk: boolean };

/** Whether Nova would consider the host a target at all. */
export function isCandidate(host: HostView, source: HostView): boolean {
  return (
    host.segment === source.segment &&
    host.name !== source.name &&
    host.service.state === 'up' &&
    !host.service.forcedDown &&
    host.mark.kind !== 'needed' &&
    host.mark.kind !== 'in-progress'
  );
}

function fits(remaining: Room, need: Need): boolean {
  const size = need.size;
  if (size === undefined) return true;
  return (
    remaining.vcpus >= size.vcpus && remaining.ramMb >= size.ramMb && (!need.usesDisk || remaining.diskGb >= size.diskGb)
  );
}

function take(candidate: Candidate, need: Need): void {
  candidate.builds += 1;
  const size = need.size;
  if (size === undefined) return;
  const taken: Room = { vcpus: size.vcpus, ramMb: size.ramMb, diskGb: need.usesDisk ? size.diskGb : 0 };
  candidate.used = plus(candidate.used, taken);
  candidate.remaining = minus(candidate.remaining, taken);
}

function byPreference(perTarget: number) {
  return (a: Candidate, b: Candidate): number => {
    const slotsA = perTarget - a.builds > 0 ? 1 : 0;
    const slotsB = perTarget - b.builds > 0 ? 1 : 0;
    if (slotsA !== slotsB) return slotsB - slotsA;
    const ramA = a.remaining?.ramMb ?? 0;
    const ramB = b.remaining?.ramMb ?? 0;
    if (ramA !== ramB) return ramB - ramA;
    return a.host.name < b.host.name ? -1 : a.host.name > b.host.name ? 1 : 0;
  };
}

/**
 * The best host of a pool for this instance: known room and not avoided, then unknown room
 * and not avoided, then the same two tiers among avoided hosts; `knownOnly` keeps the first tier.
 */
function choose(pool: readonly Candidate[], need: Need, avoid: ReadonlySet<string>, perTarget: number, knownOnly: boolean): Candidate | undefined {
  const order = byPreference(perTarget);
  const tiers: Array<(c: Candidate) => boolean> = [
    (c) => c.remaining !== undefined && fits(c.remaining, need) && !avoid.has(c.host.name),
    (c) => c.remaining === undefined && !avoid.has(c.host.name),
    (c) => c.remaining !== undefined && fits(c.remaining, need) && avoid.has(c.host.name),
    (c) => c.remaining === undefined && avoid.has(c.host.name),
  ];
  for (const tier of knownOnly ? tiers.slice(0, 1) : tiers) {
    const matching = pool.filter(tier).sort(order);
    if (matching[0] !== undefined) return matching[0];
  }
  return undefined;
}

function describeSize(need: Need): string {
  const size = need.size;
  if (size === undefined) return 'unknown size';
  const disk = need.usesDisk ? `, ${size.diskGb} GB disk` : '';
  return `${size.vcpus} vCPUs, ${size.ramMb} MB RAM${disk}`;
}

function describeRoom(pool: readonly Candidate[]): string {
  return pool
    .map((c) => (c.remaining === undefined ? `${c.host.name} unknown` : `${c.host.name} ${c.remaining.vcpus} vCPUs/${c.remaining.ramMb} MB/${c.remaining.diskGb} GB free`))
    .join('; ');
}

export function planPlacement(input: PlacementInput): ExplainedPlacement {
  const { source, method, perTarget } = input;
  const segment = source.segment;
  const candidates: Candidate[] = input.hosts
    .filter((host) => isCandidate(host, source))
    .map((host) => ({
      host,
      used: { vcpus: 0, ramMb: 0, diskGb: 0 },
      remaining: minus(host.free, input.claimed?.get(host.name)),
      builds: input.inFlightPerTarget.get(host.name) ?? 0,
    }));
  const autoPool = candidates.filter((c) => c.host.service.status === 'enabled');
  const reservedPool = candidates.filter((c) => c.host.reserved);

  const planned: ExplainedEvacuation[] = [];
  const unplaced: { instanceId: string; reason: string }[] = [];
  const toEnable = new Set<string>();
  const noAvoid: ReadonlySet<string> = new Set();

  /** Counts an auto placement where Nova's RAM weigher would likely put it; false when no enabled host has room. */
  const autoHasRoom = (need: Need): boolean => {
    const host = choose(autoPool, need, noAvoid, perTarget, false);
    if (host === undefined) return false;
    take(host, need);
    return true;
  };
  const viaScheduler = (instanceId: string, why: string, need: Need): void => {
    autoHasRoom(need);
    planned.push({ instanceId, sourceHost: source.name, target: undefined, why });
  };
  const explicit = (instanceId: string, chosen: Candidate, need: Need, why: string): void => {
    take(chosen, need);
    if (chosen.host.reserved && chosen.host.service.status === 'disabled') toEnable.add(chosen.host.name);
    planned.push({ instanceId, sourceHost: source.name, target: chosen.host.name, why });
  };
  const reservedWhy = (chosen: Candidate, avoided: ReadonlySet<string>): string => {
    const room = chosen.remaining === undefined ? 'room unknown, no other reserved host fits' : `${chosen.remaining.ramMb} MB RAM free`;
    const again = avoided.has(chosen.host.name) ? ', although it failed there before' : '';
    return `reserved host ${chosen.host.name} of segment ${segment} (${room}${again})`;
  };
  const noReserved = (need: Need): string =>
    reservedPool.length === 0
      ? `segment ${segment} has no reserved host that is up`
      : `no reserved host of segment ${segment} has room for ${describeSize(need)} (${describeRoom(reservedPool)})`;

  for (const instance of input.instances) {
    const id = instance.server.id;
    const need: Need = { size: instance.size, usesDisk: instance.server.imageId !== null };
    const avoided = input.avoid.get(id) ?? noAvoid;
    switch (method) {
      case 'auto': {
        if (avoided.size > 0) {
          const chosen = choose(autoPool, need, avoided, perTarget, true);
          if (chosen !== undefined) {
            const failed = [...avoided].sort().join(', ');
            explicit(id, chosen, need, `enabled host ${chosen.host.name} has room; the evacuation failed before on ${failed}, which Nova's scheduler cannot be told to avoid`);
            break;
          }
        }
        viaScheduler(id, "Nova's scheduler chooses (recovery method auto)", need);
        break;
      }
      case 'reserved_host': {
        const chosen = choose(reservedPool, need, avoided, perTarget, false);
        if (chosen === undefined) unplaced.push({ instanceId: id, reason: noReserved(need) });
        else explicit(id, chosen, need, reservedWhy(chosen, avoided));
        break;
      }
      case 'auto_priority': {
        if (autoHasRoom(need)) {
          planned.push({ instanceId: id, sourceHost: source.name, target: undefined, why: "Nova's scheduler chooses (recovery method auto_priority)" });
          break;
        }
        const chosen = choose(reservedPool, need, avoided, perTarget, false);
        if (chosen === undefined) {
          unplaced.push({
            instanceId: id,
            reason: `no enabled host of segment ${segment} has room for ${describeSize(need)}, and ${noReserved(need)}`,
          });
        } else {
          explicit(id, chosen, need, `no enabled host of segment ${segment} has room: ${reservedWhy(chosen, avoided)}`);
        }
        break;
      }
      case 'rh_priority': {
        const chosen = choose(reservedPool, need, avoided, perTarget, false);
        if (chosen !== undefined) explicit(id, chosen, need, reservedWhy(chosen, avoided));
        else viaScheduler(id, `${noReserved(need)}: Nova's scheduler chooses (recovery method rh_priority)`, need);
        break;
      }
    }
  }
  const claims = new Map<string, Room>();
  for (const c of candidates) if (c.used.vcpus > 0 || c.used.ramMb > 0 || c.used.diskGb > 0) claims.set(c.host.name, c.used);
  return { planned, unplaced, reservedToEnable: [...toEnable].sort(), claims };
}
