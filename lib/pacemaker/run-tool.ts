/**
 * Runs one Pacemaker command-line tool: argv only (never a shell), a timeout from the caller's
 * deadline, output captured, and an environment without the variables that retarget the tools
 * at the local node when they run inside an agent.
 */
import { Deadline } from '../runtime/deadline';
import { DeadlineError, NotInstalledError, PermissionError } from '../runtime/errors';
import { log } from '../runtime/log';
import { ClusterUnavailableError, ToolFailedError } from './errors';

/**
 * Pacemaker sets these for every agent it runs. Pacemaker 2.1.5's attrd_updater then answers
 * `-Q -A` for that one node only (fixed in 2.1.6), and crm_node/attrd_updater without `-N`
 * aim at it. We always name the node explicitly, so the child never needs them.
 */
export const NODE_TARGET_VARIABLES = [
  'OCF_RESKEY_CRM_meta_on_node',
  'OCF_RESKEY_CRM_meta_container_attribute_target',
  'OCF_RESKEY_CRM_meta_physical_host',
] as const;

/** Exit code of every Pacemaker CLI that cannot reach its daemon (CRM_EX_UNAVAILABLE). */
export const EXIT_NOT_CONNECTED = 102;

/** A single call's cap when the caller's deadline is further away. */
export const DEFAULT_CALL_CAP_MS = 15_000;

/** After the timeout's SIGTERM, how long a tool gets before SIGKILL. */
const FORCE_KILL_AFTER_MS = 1_000;

/** How long output is still read after a tool was killed. */
const STREAM_GRACE_MS = 200;

export interface ToolCallOptions {
  /** The action's deadline; the call gets what is left of it, at most `capMs`. */
  deadline?: Deadline;
  capMs?: number;
  /** The environment to start from (default process.env); the node-target variables are removed. */
  env?: NodeJS.ProcessEnv;
}

export interface ToolResult {
  tool: string;
  args: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function cleanToolEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !(NODE_TARGET_VARIABLES as readonly string[]).includes(key)) clean[key] = value;
  }
  return clean;
}

/** The Debian package that ships each tool, for the "not installed" message. */
function packageOf(tool: string): string {
  return tool === 'corosync' ? 'corosync' : 'pacemaker-cli-utils';
}

const NOT_CONNECTED_TEXT =
  /Not connected|Connection to cluster failed|Could not connect to|Transport endpoint is not connected/;

/** True when a tool's output says it could not reach the cluster, whatever its exit code. */
export function saysNotConnected(text: string): boolean {
  return NOT_CONNECTED_TEXT.test(text);
}

/**
 * Runs `tool args…` and returns its exit code and output. Throws NotInstalledError if the tool is
 * not on PATH, DeadlineError if it does not finish in time, ClusterUnavailableError on exit 102.
 * Every other exit code is returned: each wrapper knows which ones mean "no such value".
 */
export async function runTool(tool: string, args: readonly string[], options: ToolCallOptions = {}): Promise<ToolResult> {
  const deadline = options.deadline ?? Deadline.never();
  const timeoutMs = deadline.budget(options.capMs ?? DEFAULT_CALL_CAP_MS);
  if (timeoutMs <= 0) throw new DeadlineError(`no time left to run ${tool}`);

  // Loaded on first use: execa costs ~100 ms of start-up, which meta-data and validate-all never need.
  const { execa } = await import('execa');
  const started = Date.now();
  const subprocess = execa(tool, [...args], {
    reject: false,
    timeout: timeoutMs,
    forceKillAfterDelay: FORCE_KILL_AFTER_MS,
    env: cleanToolEnvironment(options.env ?? process.env),
    extendEnv: false,
    stdin: 'ignore',
  });
  // A killed tool may leave a child holding its stdout open, and execa waits for the streams:
  // once the tool itself died of a signal, stop reading after a short grace.
  subprocess.on('exit', (_code, signal) => {
    if (signal === null) return;
    setTimeout(() => {
      subprocess.stdout?.destroy();
      subprocess.stderr?.destroy();
    }, STREAM_GRACE_MS).unref();
  });
  const result = await subprocess;

  if (result.code === 'ENOENT') {
    throw new NotInstalledError(`${tool} not found on PATH; install ${packageOf(tool)}`);
  }
  if (result.code === 'EACCES') {
    throw new PermissionError(`${tool} found on PATH but this user may not run it`);
  }
  if (result.timedOut) {
    throw new DeadlineError(`${tool} ${args.join(' ')} did not finish within ${timeoutMs} ms`);
  }
  if (result.exitCode === undefined) {
    // Killed by a signal we did not send, or another spawn failure.
    throw new ToolFailedError(tool, args, -1, result.originalMessage ?? result.shortMessage ?? 'no exit code');
  }
  const output: ToolResult = {
    tool,
    args,
    exitCode: result.exitCode,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
  };
  log.debug(`${tool} exited ${output.exitCode}`, { args: args.join(' '), ms: Date.now() - started });
  if (output.exitCode === EXIT_NOT_CONNECTED) {
    throw new ClusterUnavailableError(tool, firstErrorLine(output));
  }
  return output;
}

/** Throws ToolFailedError unless the tool exited 0. */
export function expectSuccess(result: ToolResult): ToolResult {
  if (result.exitCode !== 0) {
    throw new ToolFailedError(result.tool, result.args, result.exitCode, failureText(result));
  }
  return result;
}

/** What a failed tool said: its stderr, else the `<error>`s of its XML result, else its stdout. */
export function failureText(result: Pick<ToolResult, 'stdout' | 'stderr'>): string {
  if (result.stderr.trim() !== '') return result.stderr;
  const errors = [...result.stdout.matchAll(/<error>([^<]*)<\/error>/g)].map((match) => match[1]?.trim() ?? '');
  return errors.length > 0 ? errors.join('; ') : result.stdout;
}

/** The line that best explains a failure: stderr first, else an `<error>` of the XML result. */
export function firstErrorLine(result: Pick<ToolResult, 'stdout' | 'stderr'>): string {
  const fromStderr = result.stderr.split('\n').find((line) => line.trim() !== '');
  if (fromStderr) return fromStderr.trim();
  const fromXml = /<error>([^<]*)<\/error>/.exec(result.stdout)?.[1];
  return fromXml?.trim() ?? '';
}
