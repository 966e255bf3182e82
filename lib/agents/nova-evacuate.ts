/**
 * NovaEvacuate's heavy action handlers: start (validate, then the state file), validate-all,
 * and the recurring monitor, which runs the bounded reconcile loop and returns OCF_SUCCESS
 * whatever Nova does — only a misconfiguration fails it. Probes and stop are answered from the
 * state file alone (nova-evacuate-state.ts) without loading this module.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { livePorts } from '../evacuation/live-ports';
import { runReconcileLoop } from '../evacuation/loop';
import type { ActionContext } from '../ocf/agent';
import type { OcfResult } from '../ocf/exit-codes';
import { connect } from '../openstack/connect';
import { resolveAuthSpec } from '../openstack/credentials';
import { PermissionError, errorMessage } from '../runtime/errors';
import { authParams } from './auth-params';
import { loopSettings, type NovaEvacuateParams } from './nova-evacuate-config';
import { stateFile } from './nova-evacuate-state';
import { requireBinary, validateCredentials } from './validate-credentials';

type Ctx = ActionContext<NovaEvacuateParams>;

const HTTP_CALL_MS = 30_000;

/** validate-all, and the checks start and monitor repeat before acting. */
export function validate(ctx: Pick<Ctx, 'params' | 'env'>) {
  validateCredentials(ctx.params);
  const settings = loopSettings(ctx.params);
  requireBinary('attrd_updater', ctx.env, 'install pacemaker-cli-utils');
  requireBinary('crm_attribute', ctx.env, 'install pacemaker-cli-utils');
  return settings;
}

export async function start(ctx: Ctx): Promise<OcfResult> {
  validate(ctx);
  try {
    await mkdir(ctx.stateDir, { recursive: true });
    await writeFile(stateFile(ctx), `${Date.now()}\n`);
  } catch (error) {
    throw new PermissionError(`cannot write the state file ${stateFile(ctx)}: ${errorMessage(error)}`);
  }
  return 'success';
}

/** The recurring monitor of a started resource (the agent answers probes and stopped ones itself). */
export async function monitor(ctx: Ctx): Promise<OcfResult> {
  const settings = validate(ctx);
  const spec = resolveAuthSpec(authParams(ctx.params));
  const thisNode = hostname();
  const stateDir = ctx.params.state_dir ?? ctx.stateDir;
  const report = await runReconcileLoop(
    async () => {
      const cloud = await connect(spec, { deadline: ctx.deadline, stateDir, callTimeoutMs: HTTP_CALL_MS });
      return livePorts(cloud, { deadline: ctx.deadline, log: ctx.log, sharedStorage: !ctx.params.no_shared_storage, thisNode });
    },
    settings.config,
    {
      deadline: ctx.deadline,
      passIntervalMs: settings.passIntervalMs,
      statusFile: settings.statusFile,
      metricsFile: settings.metricsFile,
      log: ctx.log,
      thisNode,
      verbose: ctx.params.verbose,
    },
  );
  (report.pending ? ctx.log.info : ctx.log.debug)(`monitor: ${report.passes} pass(es); ${report.summary}`);
  return 'success';
}
