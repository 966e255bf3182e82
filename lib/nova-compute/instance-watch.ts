/**
 * One depth-20 pass of the NovaCompute monitor over the instances Nova places on this host:
 * judge each (instance-health.ts), restart the protected ones that crashed through Nova,
 * within the per-instance limit of the restart ledger, and say what happened in one sentence.
 *
 * Few API calls: one server listing per pass; scope facts (flavors, images, aggregates) only
 * when some instance is not plainly running; instance actions only for SHUTOFF instances
 * that are protected. A restart is recorded in the ledger before Nova is asked, so a monitor
 * killed mid-call still counts it. Nothing here throws for Nova's answers: a refused restart,
 * an unreachable Nova or the deadline end up in the report, and the monitor decides.
 */
import type { HostView, ScopeDecision, ScopePolicy } from '../evacuation/model';
import type { NovaPort } from '../evacuation/ports';
import { buildScopeFacts, decideScope } from '../evacuation/scope';
import type { NovaClient } from '../openstack/nova';
import type { Server, ServerAction } from '../openstack/nova-types';
import type { Deadline } from '../runtime/deadline';
import { errorMessage } from '../runtime/errors';
import type { Log } from '../runtime/log';
import {
  DEFAULT_HEALTH_POLICY,
  judgeInstance,
  needsActionHistory,
  type HealthPolicy,
  type InstanceVerdict,
  type RestartMethod,
} from './instance-health';
import type { InstanceRestartRecord } from './report';
import type { RestartLedger } from './restart-ledger';

/** The Nova calls a pass makes. */
export interface InstanceNovaPort {
  /** Every server Nova records on `host`, all projects. */
  listServersOnHost(host: string): Promise<Server[]>;
  /** Instance actions, newest first (Nova's order). */
  listServerActions(id: string): Promise<ServerAction[]>;
  /** os-start. */
  startServer(id: string): Promise<void>;
  /** reboot type HARD. */
  hardRebootServer(id: string): Promise<void>;
}

export function instanceNovaPort(
  nova: Pick<NovaClient, 'listServers' | 'listServerActions' | 'startServer' | 'rebootServer'>,
): InstanceNovaPort {
  return {
    listServersOnHost: (host) => nova.listServers({ host, allTenants: true }),
    listServerActions: (id) => nova.listServerActions(id),
    startServer: (id) => nova.startServer(id),
    hardRebootServer: (id) => nova.rebootServer(id, 'HARD'),
  };
}

export type ProtectedFilter = (server: Server) => ScopeDecision;
/** Reads what scope needs; called at most once per pass, and only when a decision is needed. */
export type ProtectedFilterLoader = () => Promise<ProtectedFilter>;

/**
 * The scope NovaEvacuate applies, read through the same NovaPort readers (live-ports.ts):
 * flavor extra specs, Glance tags and the host's aggregates.
 */
export function scopeFilterLoader(
  nova: Pick<NovaPort, 'listFlavorSpecs' | 'listImageLabels' | 'listAggregates'>,
  host: string,
  policy: ScopePolicy,
): ProtectedFilterLoader {
  return async () => {
    const [flavors, images, aggregates] = await Promise.all([nova.listFlavorSpecs(), nova.listImageLabels(), nova.listAggregates()]);
    const facts = buildScopeFacts(flavors, images);
    const view = scopeHostView(host, aggregates.filter((aggregate) => aggregate.hosts.includes(host)).map((aggregate) => aggregate.name));
    return (server) => decideScope(server, view, facts, policy);
  };
}

/** decideScope reads a host's name and aggregates only; the rest describes an unfenced, running host. */
function scopeHostView(host: string, aggregates: string[]): HostView {
  return {
    name: host,
    service: { id: '', host, binary: 'nova-compute', zone: null, status: 'enabled', state: 'up', forcedDown: false, disabledReason: null, updatedAt: null },
    mark: { kind: 'never' },
    fencedAt: undefined,
    segment: '',
    reserved: false,
    free: undefined,
    aggregates,
  };
}

export interface InstanceWatchDeps {
  /** Nova's name of this compute host. */
  readonly host: string;
  readonly nova: InstanceNovaPort;
  readonly loadProtectedFilter: ProtectedFilterLoader;
  /** Opened with instance_restart_limit and instance_restart_window. */
  readonly ledger: RestartLedger;
  readonly policy?: HealthPolicy;
  /** Epoch ms. */
  readonly now: () => number;
  readonly log: Log;
  readonly deadline: Deadline;
}

export interface RestartedInstance {
  readonly id: string;
  readonly name: string;
  readonly method: RestartMethod;
  readonly evidence: string;
  /** Restarts inside the window, this one included. */
  readonly count: number;
}

export interface GivenUpInstance {
  readonly id: string;
  readonly name: string;
  readonly evidence: string;
  readonly count: number;
  /** When the ledger allows the next restart. */
  readonly retryAt: number | undefined;
}

export interface RefusedRestart {
  readonly id: string;
  readonly name: string;
  readonly method: RestartMethod;
  readonly error: string;
}

export interface InstanceNote {
  readonly id: string;
  readonly name: string;
  readonly evidence: string;
}

export interface InstanceWatchReport {
  readonly host: string;
  /** False when the pass could not look at every server (Nova unreachable, deadline). */
  readonly complete: boolean;
  /** Servers Nova places on this host. */
  readonly checked: number;
  /** Running, or with a task in progress. */
  readonly healthy: number;
  readonly restarted: readonly RestartedInstance[];
  readonly gaveUp: readonly GivenUpInstance[];
  /** Restarts Nova refused or failed (409, 5xx…); counted in the ledger all the same. */
  readonly refused: readonly RefusedRestart[];
  /** ERROR instances left for an operator. */
  readonly needsOperator: readonly InstanceNote[];
  readonly operatorStopped: number;
  /** Shelved, paused, rescued, unknown… */
  readonly leftAlone: number;
  /** Not running, but outside the scope: not judged. */
  readonly unprotected: number;
  readonly errors: readonly string[];
  /** For the ComputeReport: instances with restarts in the window, given up or refused. */
  readonly records: InstanceRestartRecord[];
  /** One sentence: the pass's log line. */
  readonly summary: string;
}

export const INSTANCE_LEDGER_PREFIX = 'instance:';
/** The ledger key of an instance's restarts (the lead's key for nova-compute is `nova-compute`). */
export function instanceLedgerKey(id: string): string {
  return `${INSTANCE_LEDGER_PREFIX}${id}`;
}
/** When the give-up was last logged at error level: once per window. */
function gaveUpLogKey(id: string): string {
  return `gave-up-logged:${id}`;
}

const METHOD_WORDS: Record<RestartMethod, string> = { start: 'os-start', 'hard-reboot': 'a HARD reboot' };

function label(server: Server): string {
  return server.name === '' ? server.id : `${server.name} (${server.id})`;
}

function windowText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

interface PassState {
  healthy: number;
  operatorStopped: number;
  leftAlone: number;
  unprotected: number;
  restarted: RestartedInstance[];
  gaveUp: GivenUpInstance[];
  refused: RefusedRestart[];
  needsOperator: InstanceNote[];
  errors: string[];
  complete: boolean;
}

class WatchPass {
  private filter: ProtectedFilter | undefined;
  readonly state: PassState = {
    healthy: 0,
    operatorStopped: 0,
    leftAlone: 0,
    unprotected: 0,
    restarted: [],
    gaveUp: [],
    refused: [],
    needsOperator: [],
    errors: [],
    complete: true,
  };

  constructor(private readonly deps: InstanceWatchDeps) {}

  /** Judges one server and acts on it; throws only when the scope facts cannot be read. */
  async visit(server: Server): Promise<void> {
    const policy = this.deps.policy ?? DEFAULT_HEALTH_POLICY;
    if (!needsActionHistory(server)) {
      const verdict = judgeInstance(server, undefined, policy);
      if (verdict.kind === 'healthy') this.state.healthy++;
      else if (await this.isProtected(server)) await this.act(server, verdict);
      return;
    }
    if (!(await this.isProtected(server))) return;
    let actions: ServerAction[];
    try {
      actions = await this.deps.nova.listServerActions(server.id);
    } catch (error) {
      const message = `could not list the actions of ${label(server)}: ${errorMessage(error)}`;
      this.deps.log.warn(message, { instance: server.id });
      this.state.errors.push(message);
      return;
    }
    await this.act(server, judgeInstance(server, actions, policy));
  }

  private async isProtected(server: Server): Promise<boolean> {
    this.filter ??= await this.deps.loadProtectedFilter();
    const decision = this.filter(server);
    if (decision.protected) return true;
    this.state.unprotected++;
    this.deps.log.debug(`instance ${label(server)} (${server.status}) is not protected (${decision.reason}): left alone`);
    return false;
  }

  private async act(server: Server, verdict: InstanceVerdict): Promise<void> {
    const { state, deps } = this;
    const log = deps.log.child({ instance: server.id });
    switch (verdict.kind) {
      case 'healthy':
        state.healthy++;
        return;
      case 'operator-stopped':
        state.operatorStopped++;
        log.debug(`instance ${label(server)} left off: ${verdict.evidence}`);
        return;
      case 'left-alone':
        state.leftAlone++;
        log.debug(`instance ${label(server)} left alone: ${verdict.evidence}`);
        return;
      case 'needs-operator':
        state.needsOperator.push({ id: server.id, name: server.name, evidence: verdict.evidence });
        log.debug(`instance ${label(server)} needs an operator: ${verdict.evidence}`);
        return;
      case 'restart':
        await this.restart(server, verdict.method, verdict.evidence);
        return;
    }
  }

  private async restart(server: Server, method: RestartMethod, evidence: string): Promise<void> {
    const { state, deps } = this;
    const { ledger } = deps;
    const log = deps.log.child({ instance: server.id });
    const now = deps.now();
    const key = instanceLedgerKey(server.id);
    const allowance = ledger.allowed(key, now);
    if (!allowance.allowed) {
      const limitText = `${allowance.count} restarts in ${windowText(ledger.windowMs)} (limit ${ledger.limit})`;
      state.gaveUp.push({ id: server.id, name: server.name, evidence, count: allowance.count, retryAt: allowance.retryAt });
      const lastLogged = ledger.history(gaveUpLogKey(server.id)).at(-1);
      const message = `instance ${label(server)} is down again but was restarted ${limitText}: giving up until an operator looks (${evidence})`;
      if (lastLogged !== undefined && now - lastLogged < ledger.windowMs) {
        log.debug(message);
        return;
      }
      log.error(message);
      await ledger.record(gaveUpLogKey(server.id), now).catch((error: unknown) => {
        log.debug(`could not note the give-up in ${ledger.path}: ${errorMessage(error)}`);
      });
      return;
    }
    try {
      await ledger.record(key, now);
    } catch (error) {
      // Without the record the limit would not hold: no restart.
      const message = `not restarting ${label(server)}: the restart ledger ${ledger.path} cannot be written (${errorMessage(error)})`;
      log.error(message);
      state.errors.push(message);
      return;
    }
    const count = allowance.count + 1;
    try {
      if (method === 'start') await deps.nova.startServer(server.id);
      else await deps.nova.hardRebootServer(server.id);
    } catch (error) {
      const text = errorMessage(error);
      state.refused.push({ id: server.id, name: server.name, method, error: text });
      log.warn(`restart of instance ${label(server)} with ${METHOD_WORDS[method]} failed (attempt ${count} of ${ledger.limit}): ${text}`);
      return;
    }
    state.restarted.push({ id: server.id, name: server.name, method, evidence, count });
    log.notice(
      `restarted instance ${label(server)} on ${deps.host} with ${METHOD_WORDS[method]} ` +
        `(restart ${count} of ${ledger.limit} in ${windowText(ledger.windowMs)}): ${evidence}`,
    );
  }
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** Up to three names, sorted so the same pass always reads the same. */
function names(items: readonly { name: string; id: string }[]): string {
  const shown = items
    .map((item) => item.name || item.id)
    .sort()
    .slice(0, 3);
  return items.length > 3 ? `${shown.join(', ')}…` : shown.join(', ');
}

export function summarise(host: string, checked: number, state: PassState): string {
  const parts = [`${state.healthy} running`];
  if (state.restarted.length > 0) parts.push(`${state.restarted.length} restarted (${names(state.restarted)})`);
  if (state.refused.length > 0) parts.push(`${plural(state.refused.length, 'restart')} refused by Nova (${names(state.refused)})`);
  if (state.gaveUp.length > 0) parts.push(`${state.gaveUp.length} past the restart limit (${names(state.gaveUp)})`);
  if (state.needsOperator.length > 0) parts.push(`${state.needsOperator.length} in ERROR for an operator (${names(state.needsOperator)})`);
  if (state.operatorStopped > 0) parts.push(`${state.operatorStopped} stopped by an operator`);
  if (state.leftAlone > 0) parts.push(`${state.leftAlone} left alone`);
  if (state.unprotected > 0) parts.push(`${state.unprotected} not running but unprotected`);
  if (state.errors.length > 0) parts.push(plural(state.errors.length, 'error'));
  const incomplete = state.complete ? '' : ' (pass incomplete)';
  return `instances on ${host}: ${plural(checked, 'checked', 'checked')}, ${parts.join(', ')}${incomplete}`;
}

function buildRecords(servers: readonly Server[], ledger: RestartLedger, state: PassState, now: number): InstanceRestartRecord[] {
  const gaveUp = new Set(state.gaveUp.map((item) => item.id));
  const refused = new Map(state.refused.map((item) => [item.id, item.error]));
  const records: InstanceRestartRecord[] = [];
  for (const server of servers) {
    const at = ledger.recent(instanceLedgerKey(server.id), now);
    const lastError = refused.get(server.id);
    if (at.length === 0 && !gaveUp.has(server.id) && lastError === undefined) continue;
    records.push({ id: server.id, name: server.name, at, gaveUp: gaveUp.has(server.id), ...(lastError !== undefined ? { lastError } : {}) });
  }
  return records;
}

/** One pass over this host's instances. Never throws for Nova's answers; see the report. */
export async function watchInstances(deps: InstanceWatchDeps): Promise<InstanceWatchReport> {
  const pass = new WatchPass(deps);
  const { state } = pass;
  let servers: Server[];
  try {
    deps.deadline.check(`before listing the instances on ${deps.host}`);
    servers = (await deps.nova.listServersOnHost(deps.host)).filter((server) => server.host === null || server.host === deps.host);
  } catch (error) {
    const message = `could not list the instances on ${deps.host}: ${errorMessage(error)}`;
    state.errors.push(message);
    state.complete = false;
    return { ...reportOf(deps, [], state, deps.now()), summary: `instances on ${deps.host} not checked: ${message}` };
  }
  for (const [index, server] of servers.entries()) {
    if (deps.deadline.expired()) {
      const message = `the monitor's deadline came with ${servers.length - index} of ${servers.length} instances not examined`;
      state.errors.push(message);
      state.complete = false;
      break;
    }
    try {
      await pass.visit(server);
    } catch (error) {
      // Scope facts unreadable (Nova or Glance down): nothing more can be judged this pass.
      const message = `could not decide about ${label(server)}: ${errorMessage(error)}`;
      state.errors.push(message);
      state.complete = false;
      break;
    }
  }
  return reportOf(deps, servers, state, deps.now());
}

function reportOf(deps: InstanceWatchDeps, servers: readonly Server[], state: PassState, now: number): InstanceWatchReport {
  return {
    host: deps.host,
    complete: state.complete,
    checked: servers.length,
    healthy: state.healthy,
    restarted: state.restarted,
    gaveUp: state.gaveUp,
    refused: state.refused,
    needsOperator: state.needsOperator,
    operatorStopped: state.operatorStopped,
    leftAlone: state.leftAlone,
    unprotected: state.unprotected,
    errors: state.errors,
    records: buildRecords(servers, deps.ledger, state, now),
    summary: summarise(deps.host, servers.length, state),
  };
}
