import type { ChildProcess } from 'node:child_process';

export interface CapturedRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Collects a spawned child's exit code and output; a child still running after `killAfterMs`
 * is SIGKILLed (code null), so no test waits forever on a hung agent.
 */
export function capture(child: ChildProcess, killAfterMs: number): Promise<CapturedRun> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
