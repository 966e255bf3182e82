/**
 * The fence-agent runtime: read options (argv, or stdin when there is no argument), answer
 * help/version/metadata/manpage from the declaration alone, check input, then run the action
 * through the agent's handlers and decide the exit code in one place. Never exits the process.
 */
import { Deadline } from '../runtime/deadline';
import { AgentError, errorMessage } from '../runtime/errors';
import { log } from '../runtime/log';
import type { FenceAction, FenceAgent, FenceContext, FenceHandlers, PlugContext, StepTimeouts } from './agent';
import { optionCatalogue, recogniseAction } from './catalogue';
import { renderManpage, renderUsage } from './docs';
import { FENCE_EXIT, exitCodeForError, failureLine, type FenceExitCode } from './exit-codes';
import { attachJsonLog } from '../runtime/json-log';
import { setupFenceLogging } from './logging';
import { renderMetadata } from './metadata';
import type { FenceOptionSpecs } from './options';
import { OptionNames, parseArgv, parseStdinLines, type RawInput } from './parse-input';
import { runPasswordScript } from './password';
import { runReboot, runSetPower, runStatus } from './power';
import { resolveOptions, type ResolvedValue } from './resolve-options';

export interface FenceIo {
  /** Arguments after the program name. */
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  readStdin(): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
}

type AnyAgent = FenceAgent<FenceOptionSpecs>;
type Values = Record<string, ResolvedValue>;

const ACTIONS_WITHOUT_PLUG = new Set<FenceAction>(['list', 'list-status', 'monitor', 'validate-all']);

async function readAllStdin(): Promise<string> {
  // A terminal is not the fencer: reading it would wait for a ^D nobody types.
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export const processFenceIo = (): FenceIo => ({
  argv: process.argv.slice(2),
  env: process.env,
  readStdin: readAllStdin,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
});

/** Fencing library semantics: under pacemaker-fenced, timeouts are disabled unless configured. */
function timeoutsDisabled(values: Values, given: ReadonlySet<string>, env: NodeJS.ProcessEnv): boolean {
  if (given.has('disable_timeout')) return values.disable_timeout === true;
  return env.PCMK_service === 'pacemaker-fenced';
}

function stepTimeouts(values: Values, disabled: boolean): StepTimeouts {
  const seconds = (key: string): number => (typeof values[key] === 'number' ? (values[key] as number) : 0) * 1000;
  const cap = (key: string): number => (disabled ? Number.POSITIVE_INFINITY : seconds(key));
  return {
    powerMs: cap('power_timeout'),
    shellMs: cap('shell_timeout'),
    loginMs: cap('login_timeout'),
    powerWaitMs: seconds('power_wait'),
    statusSleepMs: seconds('stonith_status_sleep'),
  };
}

/** Missing input the classic library refuses, in its words. */
function missingInput(agent: AnyAgent, action: FenceAction, values: Values): string[] {
  const problems: string[] = [];
  if (agent.needsLogin === true && values.username === undefined) problems.push('Failed: You have to set login name');
  if (agent.needsPassword === true && values.password === undefined && values.password_script === undefined) {
    problems.push('Failed: You have to enter password or password script');
  }
  if (!ACTIONS_WITHOUT_PLUG.has(action) && (values.plug === undefined || values.plug === '')) {
    problems.push('Failed: You have to enter plug number or machine identification');
  }
  return problems;
}

async function loadHandlers(agent: AnyAgent): Promise<FenceHandlers<FenceOptionSpecs>> {
  return typeof agent.handlers === 'function' ? agent.handlers() : agent.handlers;
}

async function dispatch(
  agent: AnyAgent,
  handlers: FenceHandlers<FenceOptionSpecs>,
  ctx: FenceContext<FenceOptionSpecs>,
  write: (line: string) => void,
): Promise<FenceExitCode> {
  const plugCtx = (): PlugContext<FenceOptionSpecs> => ({ ...ctx, plug: String(ctx.options.plug) });
  const power = { alwaysSetPower: agent.alwaysSetPower === true, write };
  switch (ctx.action) {
    case 'status':
      return runStatus(plugCtx(), handlers, write);
    case 'on':
    case 'off':
      return runSetPower(plugCtx(), handlers, ctx.action, power);
    case 'reboot':
      return runReboot(plugCtx(), handlers, power);
    case 'list':
    case 'list-status': {
      if (handlers.list === undefined) throw new AgentError('unimplemented', `${agent.name} cannot list plugs`);
      const separator = ctx.options.separator;
      for (const plug of await handlers.list(ctx)) {
        const fields = [plug.id, plug.alias ?? ''];
        if (ctx.action === 'list-status') fields.push((plug.status ?? 'unknown').toUpperCase());
        write(fields.join(separator));
      }
      return FENCE_EXIT.success;
    }
    case 'monitor':
      if (handlers.monitor !== undefined) await handlers.monitor(ctx);
      else if (handlers.list !== undefined) await handlers.list(ctx);
      return FENCE_EXIT.success;
    case 'validate-all':
      if (handlers.validate !== undefined) await handlers.validate(ctx);
      return FENCE_EXIT.success;
    case 'metadata':
    case 'manpage':
      return FENCE_EXIT.success; // answered before any handler is loaded
  }
}

function parseInput(names: OptionNames, io: FenceIo): Promise<RawInput> | RawInput {
  if (io.argv.length > 0) return parseArgv(io.argv, names);
  return io.readStdin().then((text) => parseStdinLines(text, names));
}

/** Runs one invocation of `agent` and returns its exit code. */
export async function runFenceAgent(agent: AnyAgent, io: FenceIo = processFenceIo()): Promise<FenceExitCode> {
  const started = Date.now();
  const specs = optionCatalogue(agent);
  const names = new OptionNames(specs);
  const write = (line: string): void => io.stdout(`${line}\n`);
  const fail = (error: unknown): FenceExitCode => {
    log.error(failureLine(error));
    if (!(error instanceof AgentError) && error instanceof Error && error.stack) log.debug(error.stack);
    return exitCodeForError(error);
  };
  const secretFields = Object.entries(specs).flatMap(([key, spec]) =>
    spec.secret === true ? [key, spec.longopt, ...(spec.deprecatedNames ?? [])] : [],
  );
  const logging = { agent: agent.name, env: io.env, stderr: io.stderr, redactFields: secretFields };
  setupFenceLogging({ ...logging, verbose: false, quiet: false, debugFile: undefined });

  let input: RawInput;
  try {
    input = await parseInput(names, io);
  } catch (error) {
    const code = fail(error);
    log.error("Please use '-h' for usage");
    return code;
  }
  const { values, given, errors } = resolveOptions(input, specs);
  const verbose = values.verbose === true || (typeof values.verbose_level === 'number' && values.verbose_level > 0);
  setupFenceLogging({
    ...logging,
    verbose,
    quiet: values.quiet === true,
    debugFile: typeof values.debug_file === 'string' ? values.debug_file : undefined,
  });
  for (const warning of input.warnings) log.warn(warning);

  if (values.help === true) {
    io.stdout(renderUsage(agent));
    return FENCE_EXIT.success;
  }
  if (values.version === true) {
    write(agent.version ?? 'unknown');
    return FENCE_EXIT.success;
  }
  const requested = String(values.action);
  const action = recogniseAction(agent, requested);
  if (action === undefined) {
    log.error(`Failed: Unrecognised action '${requested}'`);
    log.error("Please use '-h' for usage");
    return FENCE_EXIT.failure;
  }
  if (action === 'metadata') {
    io.stdout(renderMetadata(agent));
    return FENCE_EXIT.success;
  }
  if (action === 'manpage') {
    io.stdout(renderManpage(agent));
    return FENCE_EXIT.success;
  }
  await attachJsonLog({ agent: agent.name, env: io.env, redactFields: secretFields });

  const problems = [...errors, ...missingInput(agent, action, values)];
  if (problems.length > 0) {
    for (const problem of problems) log.error(problem);
    if (action === 'validate-all') log.error('validate-all failed');
    return FENCE_EXIT.failure;
  }

  const timeouts = stepTimeouts(values, timeoutsDisabled(values, given, io.env));
  const actionSeconds = typeof values.action_timeout === 'number' ? values.action_timeout : 0;
  // Started before stdin was read: the fencer's clock started when it spawned us.
  const deadline = actionSeconds > 0 ? Deadline.in(actionSeconds * 1000 - (Date.now() - started)) : Deadline.never();

  const inactive = action === 'validate-all' ? undefined : agent.inactive?.(values as FenceContext<FenceOptionSpecs>['options']);
  if (inactive !== undefined) {
    log.info(`${action}: nothing to do, ${inactive}`);
    return FENCE_EXIT.success;
  }

  try {
    if (action !== 'validate-all' && typeof values.password_script === 'string' && values.password === undefined) {
      values.password = await runPasswordScript(values.password_script, deadline.budget(Math.min(timeouts.shellMs, 60_000)));
    }
    const ctx: FenceContext<FenceOptionSpecs> = {
      agent: agent.name,
      action,
      options: values as FenceContext<FenceOptionSpecs>['options'],
      given: given as FenceContext<FenceOptionSpecs>['given'],
      deadline,
      timeouts,
      log,
    };
    log.debug(`running ${action}${values.plug === undefined ? '' : ` for ${String(values.plug)}`}`);
    const handlers = await loadHandlers(agent);
    if ((action === 'off' || action === 'reboot') && typeof values.delay === 'number' && values.delay > 0) {
      log.info(`Delay ${values.delay} second(s) before fencing`);
      await deadline.sleep(values.delay * 1000);
    }
    const code = await dispatch(agent, handlers, ctx, write);
    if (action === 'validate-all') log.debug('validate-all passed');
    return code;
  } catch (error) {
    return fail(error);
  }
}

function ignoreEpipe(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') process.exitCode = FENCE_EXIT.failure;
}

/** Entry point for agents/fence_*.ts. */
export function main(agent: AnyAgent): void {
  process.stdout.on('error', ignoreEpipe);
  process.stderr.on('error', ignoreEpipe);
  runFenceAgent(agent).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`Failed: internal error: ${errorMessage(error)}\n`);
      process.exitCode = FENCE_EXIT.failure;
    },
  );
}
