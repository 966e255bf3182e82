/**
 * `password_script`: the classic way to keep a password out of the CIB. The script runs
 * through /bin/sh (as the classic library's popen does), bounded by a timeout; its output is
 * registered as a secret before anything can log it, and never appears in a message.
 */
import { execFile } from 'node:child_process';
import { AgentError } from '../runtime/errors';
import { registerSecret } from '../runtime/secrets';

export async function runPasswordScript(script: string, timeoutMs: number): Promise<string> {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      '/bin/sh',
      ['-c', script],
      { timeout: Math.max(1, Math.floor(timeoutMs)), killSignal: 'SIGKILL', maxBuffer: 64 * 1024, encoding: 'utf8' },
      (error, out) => {
        if (error === null) {
          resolve(out);
          return;
        }
        const why = error.killed ? `did not finish within ${Math.round(timeoutMs / 1000)} s` : `exited with ${String(error.code)}`;
        reject(new AgentError('configured', `password_script ${why}; check that it prints the password and exits`));
      },
    );
  });
  const password = stdout.replace(/\s+$/, '');
  registerSecret(password);
  if (password === '') throw new AgentError('configured', 'password_script printed nothing; it must print the password');
  return password;
}
