/**
 * The monitor's bounded loop: a reconcile pass every `passIntervalMs` until nothing is pending
 * or the deadline comes near. A host fenced while it runs is picked up by the next pass. Nova,
 * Keystone or attrd failing is logged and retried next pass, never thrown: a flaky cloud must
 * not make Pacemaker restart or move the evacuator. The status (and metrics) file is written
 * after every pass; it names servers that already left their failed host from what earlier
 * passes or the previous file saw, else from one look-up each.
 */
import type { Deadline } from '../runtime/deadline';
import { errorMessage } from '../runtime/errors';
import type { Log } from '../runtime/log';
import { writeMetricsFile } from './metrics';
import { buildStatusDocument, failedPassDocument, refusalsFrom, rememberInstances, unseenMoved, type SeenInstance } from './pass-status';
import type { EvacuationPorts } from './ports';
import { newLoopMemory, reconcilePass, type PassResult, type ReconcileConfig } from './reconcile';
import { newSnapshotCache } from './snapshot';
import { readStatusFile, writeStatusFile, type StatusDocument } from './status';

export interface LoopOptions {
  readonly deadline: Deadline;
  readonly passIntervalMs: number;
  readonly statusFile: string | undefined;
  readonly metricsFile: string | undefined;
  readonly log: Log;
  /** Written into the status document (the node name of the in-progress marker). */
  readonly thisNode: string;
  /** Log every pass's sentence at notice, idle ones included (they are debug otherwise). */
  readonly verbose?: boolean;
  /** Stop after this many passes (tests, `nova-ha evacuate --once`); unbounded when undefined. */
  readonly maxPasses?: number;
}

export interface LoopReport {
  readonly passes: number;
  /** The last pass's sentence. */
  readonly summary: string;
  /** Work was left for the next monitor. */
  readonly pending: boolean;
  readonly lastPass: PassResult | undefined;
}

/** Room kept after the last pass for writing the status and exiting before Pacemaker's timeout. */
const EXIT_RESERVE_MS = 1_000;
/**
 * Failed passes in a row after which a loop that knows of no pending work returns: the next
 * monitor (10 s later) tries again. With work known pending it keeps trying until the deadline.
 */
export const FAILED_PASSES_WITHOUT_WORK = 3;
/**
 * While instances wait only for a free slot, the next pass comes this much sooner (a quarter
 * of pass_interval, at least 250 ms): a slot frees as soon as an evacuation lands.
 */
export function nextPassInMs(passIntervalMs: number, queued: number): number {
  return queued > 0 ? Math.max(250, Math.floor(passIntervalMs / 4)) : passIntervalMs;
}

async function publish(doc: StatusDocument, options: LoopOptions): Promise<void> {
  try {
    if (options.statusFile) await writeStatusFile(options.statusFile, doc);
    if (options.metricsFile) await writeMetricsFile(options.metricsFile, doc);
  } catch (error) {
    options.log.warn(`cannot write the status or metrics file: ${errorMessage(error)}`);
  }
}

/** At most this many moved servers are looked up per pass (the rest next pass). */
export const MOVED_LOOKUPS_PER_PASS = 20;

/**
 * Moved servers no pass has seen (another controller evacuated them) get their name and status
 * from one GET each; the document then carries them, so no later pass asks again.
 */
async function nameUnseenMoved(doc: StatusDocument, ports: EvacuationPorts, options: LoopOptions): Promise<StatusDocument> {
  const ids = unseenMoved(doc).slice(0, MOVED_LOOKUPS_PER_PASS);
  if (ids.length === 0 || options.deadline.remainingMs() < EXIT_RESERVE_MS * 2) return doc;
  const found = new Map<string, SeenInstance>();
  await Promise.all(
    ids.map(async (id) => {
      try {
        const server = await ports.nova.getServer(id);
        found.set(id, { name: server.name, serverStatus: server.status });
      } catch (error) {
        options.log.debug(`could not look up moved server ${id}: ${errorMessage(error)}`);
      }
    }),
  );
  if (found.size === 0) return doc;
  return {
    ...doc,
    hosts: doc.hosts.map((host) => ({
      ...host,
      instances: host.instances.map((instance) => {
        const seen = found.get(instance.id);
        return seen && instance.state === 'evacuated' ? { ...instance, ...seen } : instance;
      }),
    })),
  };
}

async function previousStatus(options: LoopOptions): Promise<StatusDocument | undefined> {
  if (!options.statusFile) return undefined;
  try {
    return await readStatusFile(options.statusFile);
  } catch (error) {
    options.log.debug(`ignoring the previous status file: ${errorMessage(error)}`);
    return undefined;
  }
}

export async function runReconcileLoop(
  connect: () => Promise<EvacuationPorts>,
  config: ReconcileConfig,
  options: LoopOptions,
): Promise<LoopReport> {
  const { deadline, log } = options;
  const memory = newLoopMemory(newSnapshotCache());
  const previous = await previousStatus(options);
  // What earlier passes saw of each instance, for the ones that have left their host since.
  const seen = rememberInstances(previous, new Map());
  let ports: EvacuationPorts | undefined;
  let passes = 0;
  let summary = 'no pass ran';
  let pending = false;
  let lastPass: PassResult | undefined;
  let lastDoc: StatusDocument | undefined;
  let failuresInRow = 0;
  let knownPending = false;
  for (;;) {
    passes += 1;
    try {
      if (!ports) {
        ports = await connect();
        // An earlier monitor's refusals (Nova keeps no record of them), on the ports' clock.
        for (const [id, refusals] of refusalsFrom(previous, ports.now())) memory.refusals.set(id, refusals);
      }
      const pass = await reconcilePass(ports, config, memory, log);
      lastPass = pass;
      summary = pass.summary;
      pending = pass.pending;
      knownPending = pass.pending;
      failuresInRow = 0;
      const acted = options.verbose === true || pass.outcomes.length > 0 || pass.hosts.some((h) => h.state !== 'done');
      (acted ? log.notice : log.debug)(summary);
      lastDoc = await nameUnseenMoved(buildStatusDocument(pass, memory.refusals, options.thisNode, ports.now(), seen), ports, options);
      rememberInstances(lastDoc, seen);
    } catch (error) {
      // Keystone, Nova or attrd unreachable: say so, keep the last known picture, try again.
      summary = `pass failed: ${errorMessage(error)}`;
      failuresInRow += 1;
      pending = knownPending || failuresInRow < FAILED_PASSES_WITHOUT_WORK;
      log.error(`reconcile pass failed, retrying: ${errorMessage(error)}`);
      lastDoc = failedPassDocument(lastDoc, errorMessage(error), options.thisNode, Date.now());
    }
    await publish(lastDoc, options);
    if (!pending) break;
    if (options.maxPasses !== undefined && passes >= options.maxPasses) break;
    const pause = nextPassInMs(options.passIntervalMs, lastPass?.queued ?? 0);
    if (deadline.remainingMs() < pause + EXIT_RESERVE_MS) break;
    await deadline.sleep(pause);
  }
  return { passes, summary, pending, lastPass };
}
