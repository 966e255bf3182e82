/**
 * Runs a short helper command (systemctl, getent) with a hard timeout and captures its output.
 * argv only, never a shell, and without Pacemaker's variables. It reports instead of throwing, so each caller decides what a
 * missing tool, a timeout or an exit code means for it.
 */
import { execFile } from 'node:child_process';

export interface BoundedResult {
  /** The exit code; undefined when the command did not run or was killed. */
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** The executable was not found (ENOENT) or may not be run (EACCES). */
  readonly missing: boolean;
}

/** Variables Pacemaker sets for its agents (OCF_RESKEY_* holds the agent's secrets): no child needs them. */
const PACEMAKER_VARIABLE = /^(OCF_|CRM_|HA_|PCMK_)/;

export function withoutPacemakerVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !PACEMAKER_VARIABLE.test(key)) clean[key] = value;
  }
  return clean;
}

/** Output beyond this is cut: these tools print a few lines. */
const MAX_BUFFER = 1024 * 1024;

export function runBounded(
  file: string,
  args: readonly string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BoundedResult> {
  timeoutMs = Math.floor(timeoutMs); // execFile wants an integer; budgets are often fractions
  if (timeoutMs <= 0) {
    return Promise.resolve({ exitCode: undefined, stdout: '', stderr: '', timedOut: true, missing: false });
  }
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_BUFFER, env: withoutPacemakerVariables(env), encoding: 'utf8' },
      (error, stdout, stderr) => {
        const failure = error as (NodeJS.ErrnoException & { killed?: boolean; code?: unknown }) | null;
        const code = failure?.code;
        resolve({
          exitCode: failure === null ? 0 : typeof code === 'number' ? code : undefined,
          stdout: String(stdout),
          stderr: String(stderr),
          timedOut: failure?.killed === true && code === null,
          missing: code === 'ENOENT' || code === 'EACCES',
        });
      },
    );
  });
}
