/**
 * What every NovaCompute / nova-compute-wait action builds on: the settings read from the
 * parameters (validated, so validate-all and the actions fail alike), the cluster node and
 * Nova host this node is, the connection to Nova, and the ports to the `evacuate` attribute.
 */
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { ScopePolicy } from '../evacuation/model';
import { parseScopePolicy } from '../evacuation/scope';
import { listNovaConfFiles, readNovaConfHost, resolveNovaHost, checkAgainstNova, type NovaHostSource } from '../nova-compute/host-name';
import { computeLink, type ComputeLink } from '../nova-compute/link';
import { openPublisher, type Publisher } from '../nova-compute/publish';
import type { NovaComputeProcess } from '../nova-compute/supervisor';
import { chooseSupervisor } from '../nova-compute/choose-supervisor';
import { isTransientCloudError } from '../nova-compute/transient';
import { agentFilePath } from '../nova-compute/state';
import type { ActionContext } from '../ocf/agent';
import { connect, type Cloud } from '../openstack/connect';
import { resolveAuthSpec } from '../openstack/credentials';
import type { ComputeService, NovaClient } from '../openstack/nova';
import { localNodeName } from '../pacemaker/crm-node';
import { ArgsError, ConfigError, DeadlineError, errorMessage } from '../runtime/errors';
import { authParams } from './auth-params';
import type { NovaComputeMode } from './nova-compute';
import type { NovaComputeParams } from './nova-compute-params';
import { nonNegative, requireBinary, validateCredentials } from './validate-credentials';

export type ComputeCtx = ActionContext<NovaComputeParams>;

const HTTP_CALL_MS = 30_000;
const TOOL_CALL_MS = 15_000;

export interface RestartLimit {
  readonly limit: number;
  readonly windowMs: number;
}

export interface ComputeSettings {
  readonly mode: NovaComputeMode;
  readonly confPath: string;
  readonly confDir: string;
  readonly pollMs: number;
  readonly delaySec: number;
  readonly stateDir: string;
  readonly statePath: string;
  readonly statusPath: string;
  readonly pidFile: string;
  readonly computeRestarts: RestartLimit & { readonly ledgerPath: string };
  readonly instanceRestarts: RestartLimit & { readonly ledgerPath: string };
  readonly libvirtDaemons: readonly string[];
  readonly scope: ScopePolicy;
}

function positive(name: string, value: number): void {
  if (value <= 0) throw new ConfigError(`${name} must be positive, got ${value}`);
}

/** validate-all, and the checks every action repeats before acting. */
export function computeSettings(ctx: Pick<ComputeCtx, 'params' | 'env' | 'stateDir' | 'instance'>, mode: NovaComputeMode): ComputeSettings {
  const p = ctx.params;
  validateCredentials(p);
  nonNegative('evacuation_delay', p.evacuation_delay);
  positive('poll_interval', p.poll_interval);
  nonNegative('nova_compute_restart_limit', p.nova_compute_restart_limit);
  positive('nova_compute_restart_window', p.nova_compute_restart_window);
  nonNegative('instance_restart_limit', p.instance_restart_limit);
  positive('instance_restart_window', p.instance_restart_window);
  if (!p.nova_conf.startsWith('/')) throw new ConfigError(`nova_conf must be an absolute path, got '${p.nova_conf}'`);
  const scope = parseScopePolicy({ mode: p.scope, metadataKey: p.scope_metadata_key }, { mode: 'scope', metadataKey: 'scope_metadata_key' });
  requireBinary('attrd_updater', ctx.env, 'install pacemaker-cli-utils');
  const stateDir = p.state_dir ?? ctx.stateDir;
  const file = (suffix: string) => agentFilePath(stateDir, mode, ctx.instance, suffix);
  return {
    mode,
    confPath: p.nova_conf,
    confDir: join(dirname(p.nova_conf), 'nova.conf.d'),
    pollMs: p.poll_interval * 1000,
    delaySec: p.evacuation_delay,
    stateDir,
    statePath: file('state.json'),
    statusPath: file('status.json'),
    pidFile: p.pid_file ?? file('pid'),
    computeRestarts: {
      limit: p.nova_compute_restart_limit,
      windowMs: p.nova_compute_restart_window * 1000,
      ledgerPath: file('compute-restarts.json'),
    },
    instanceRestarts: {
      limit: p.instance_restart_limit,
      windowMs: p.instance_restart_window * 1000,
      ledgerPath: file('instance-restarts.json'),
    },
    libvirtDaemons: p.libvirt_daemons.split(/[\s,]+/).filter(Boolean),
    scope,
  };
}

/** The cluster node this runs on: Pacemaker's OCF_RESKEY_CRM_meta_on_node, else crm_node -n, else uname. */
export async function clusterNodeName(ctx: Pick<ComputeCtx, 'env' | 'deadline'>): Promise<string> {
  try {
    return await localNodeName({ env: ctx.env, deadline: ctx.deadline, capMs: TOOL_CALL_MS });
  } catch {
    return hostname();
  }
}

export interface NovaHostName {
  readonly host: string;
  readonly source: NovaHostSource;
}

/** nova.conf's [DEFAULT] host, else `<short uname>.<domain>`, else uname, as the classic agents. */
export function novaHostName(ctx: Pick<ComputeCtx, 'params'>, settings: ComputeSettings): NovaHostName {
  const files = listNovaConfFiles(settings.confPath, settings.confDir);
  return resolveNovaHost({ confHost: readNovaConfHost(files), domain: ctx.params.domain, uname: hostname() });
}

export async function connectCloud(ctx: Pick<ComputeCtx, 'params' | 'deadline'>, settings: ComputeSettings): Promise<Cloud> {
  const spec = resolveAuthSpec(authParams(ctx.params));
  return connect(spec, { deadline: ctx.deadline, stateDir: settings.stateDir, callTimeoutMs: HTTP_CALL_MS });
}

/** This host's nova-compute service; ArgsError (this node only) when Nova has none by that name. */
export async function ownService(nova: NovaClient, named: NovaHostName): Promise<ComputeService> {
  const services = await nova.listComputeServices();
  const service = services.find((s) => s.host === named.host);
  if (service !== undefined) return service;
  const check = checkAgainstNova(named.host, services.map((s) => s.host));
  throw new ArgsError(check.ok ? `Nova lists no nova-compute service on ${named.host}` : `${check.message} (host from ${named.source})`);
}


export interface ComputeSession {
  readonly cloud: Cloud;
  readonly named: NovaHostName;
  readonly link: ComputeLink;
}

/**
 * Node name, Nova host name, connection, and the check that Nova knows the host. Keystone or
 * Nova unreachable is retried until the deadline when `retryTransient` (start: it must not
 * give up on a short outage), else thrown at once (monitors decide what it means).
 */
export async function openSession(
  ctx: ComputeCtx,
  settings: ComputeSettings,
  options: { retryTransient: boolean } = { retryTransient: true },
): Promise<ComputeSession> {
  const node = await clusterNodeName(ctx);
  const named = novaHostName(ctx, settings);
  let logged = false;
  for (;;) {
    try {
      const cloud = await connectCloud(ctx, settings);
      const nova = await cloud.nova();
      await ownService(nova, named);
      return { cloud, named, link: computeLink(nova, named.host, node, ctx.deadline) };
    } catch (error) {
      if (!options.retryTransient || !isTransientCloudError(error)) throw error;
      if (!logged) ctx.log.warn(`Waiting for Keystone and Nova: ${errorMessage(error)}`);
      logged = true;
      if (ctx.deadline.remainingMs() <= settings.pollMs) {
        throw new DeadlineError(`Keystone or Nova unreachable until the deadline: ${errorMessage(error)}`);
      }
      await ctx.deadline.sleep(settings.pollMs);
    }
  }
}

export function publisherFor(ctx: ComputeCtx, settings: ComputeSettings, who: { host: string; node: string }): Publisher {
  return openPublisher({
    statusPath: settings.statusPath,
    host: who.host,
    node: who.node,
    mode: settings.mode,
    deadline: ctx.deadline,
    log: ctx.log,
  });
}

/** How NovaCompute runs nova-compute here: the systemd unit, or the command (see choose-supervisor.ts). */
export function novaComputeProcess(ctx: ComputeCtx, settings: ComputeSettings): NovaComputeProcess {
  const p = ctx.params;
  return chooseSupervisor({
    ...(p.nova_compute_unit !== undefined ? { unit: p.nova_compute_unit } : {}),
    command: p.nova_compute_command,
    user: p.nova_user,
    pidFile: settings.pidFile,
    consoleLog: p.console_log,
    env: ctx.env,
  });
}
