/**
 * Dispatch by action, and the one place that decides how an OCF agent's process ends:
 * result or error → exit code, one `ocf-exit-reason:` line, the error logged.
 * meta-data and usage touch nothing but the declaration (no logging set-up, no handler
 * module loaded); handlers may `await import()` their heavy modules.
 */
import { AgentError, ConfigError, errorMessage } from '../runtime/errors';
import { log } from '../runtime/log';
import { attachJsonLog } from '../runtime/json-log';
import { setupLogging } from '../runtime/log-setup';
import type { Agent, HandledAction } from './agent';
import { actionDeadline, checkLevel, instanceName, isProbe, stateDir } from './context';
import { OCF_EXIT, UnimplementedError, exitCodeForError, exitCodeForResult, type OcfExitCode } from './exit-codes';
import { exitReasonLine } from './exit-reason';
import { renderMetadata } from './metadata';
import { parseParams, registerDeclaredSecrets, type ParamDecls, type Params } from './params';
import { unimplementedReason, usageText } from './usage';

export interface AgentIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: AgentIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

const USAGE_ACTIONS = new Set(['usage', 'help', '--help', '-h']);

function isHandledAction<D extends ParamDecls>(agent: Agent<D>, action: string): action is HandledAction {
  return action !== 'meta-data' && Object.hasOwn(agent.actions, action);
}

/** Runs one action and returns the exit code; never exits the process. */
export async function runAgent<D extends ParamDecls>(
  agent: Agent<D>,
  action: string,
  env: NodeJS.ProcessEnv,
  io: AgentIo = processIo,
): Promise<OcfExitCode> {
  if (action === 'meta-data') {
    io.stdout(renderMetadata(agent));
    return OCF_EXIT.SUCCESS;
  }
  if (USAGE_ACTIONS.has(action)) {
    io.stdout(usageText(agent));
    return OCF_EXIT.SUCCESS;
  }

  registerDeclaredSecrets(agent.parameters, env);
  const secretNames = Object.entries(agent.parameters)
    .filter(([, spec]) => spec.secret === true)
    .map(([name]) => name);
  setupLogging({ agent: agent.name, instance: env.OCF_RESOURCE_INSTANCE, env, stderr: io.stderr, redactFields: secretNames });
  await attachJsonLog({ agent: agent.name, instance: env.OCF_RESOURCE_INSTANCE, env, redactFields: secretNames });
  const code = await dispatch(agent, action, env, io);
  // The classic agents end the same way; visible with HA_debug.
  log.debug(`${instanceName(agent.name, env)} ${action} : ${code}`);
  return code;
}

async function dispatch<D extends ParamDecls>(
  agent: Agent<D>,
  action: string,
  env: NodeJS.ProcessEnv,
  io: AgentIo,
): Promise<OcfExitCode> {

  const fail = (error: unknown): OcfExitCode => {
    const message = errorMessage(error);
    log.error(message);
    if (!(error instanceof AgentError) && error instanceof Error && error.stack) log.debug(error.stack);
    io.stderr(exitReasonLine(message, env));
    return exitCodeForError(error);
  };

  if (action !== 'validate-all' && !isHandledAction(agent, action)) {
    io.stderr(usageText(agent));
    return fail(new AgentError('unimplemented', `unknown action '${action}'`));
  }

  const declared = action === 'validate-all' ? agent.actions['validate-all'] : agent.actions[action];
  const pending = declared === undefined ? undefined : unimplementedReason(declared.handler);
  if (pending !== undefined) {
    // Before parameter parsing: an action we do not carry out must not answer a probe with 7.
    return fail(new UnimplementedError(`${action} is not implemented: ${pending}`));
  }

  let params: Params<D>;
  try {
    params = parseParams(agent.parameters, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) return fail(error);
    // OCF habits: a probe of a resource that cannot be configured here is simply not running,
    // and stopping it succeeds — it cannot have been started with these parameters.
    if (isProbe(action, env)) {
      log.info(`probe: ${error.message}; reporting not running`);
      return OCF_EXIT.NOT_RUNNING;
    }
    if (action === 'stop') {
      log.info(`stop: ${error.message}; nothing can be running`);
      return OCF_EXIT.SUCCESS;
    }
    return fail(error);
  }

  const spec = declared;
  if (spec === undefined) return OCF_EXIT.SUCCESS; // validate-all without a handler: parameters parsed
  try {
    const result = await spec.handler({
      action,
      params,
      deadline: actionDeadline(env, spec.timeout),
      log,
      isProbe: isProbe(action, env),
      checkLevel: checkLevel(env),
      instance: instanceName(agent.name, env),
      stateDir: stateDir(env),
      env,
    });
    const code = exitCodeForResult(result);
    if (code === undefined) return fail(new Error(`${action} handler returned '${String(result)}', not an OCF result`));
    return code;
  } catch (error) {
    return fail(error);
  }
}

function ignoreEpipe(error: NodeJS.ErrnoException): void {
  // A reader that closed early (`agent meta-data | head`) is not our failure; anything else is.
  if (error.code !== 'EPIPE') process.exitCode = OCF_EXIT.ERR_GENERIC;
}

/** Entry point for agents/<Name>.ts: the action is argv[2]; other arguments are ignored (OCF). */
export function main<D extends ParamDecls>(agent: Agent<D>): void {
  process.stdout.on('error', ignoreEpipe);
  process.stderr.on('error', ignoreEpipe);
  runAgent(agent, process.argv[2] ?? '', process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(exitReasonLine(`internal error: ${errorMessage(error)}`, process.env));
      process.exitCode = OCF_EXIT.ERR_GENERIC;
    },
  );
}
