/**
 * The pid file of a nova-compute the agent runs as a command: written atomically (a reader
 * never sees half a number), world-readable like any pid file, its directory created on demand.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The pid in the file, or undefined when the file is missing or holds no positive integer. */
export function readPidFile(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  const pid = Number(trimmed);
  return pid > 0 ? pid : undefined;
}

/** Writes `<pid>\n` through a temporary file and a rename, mode 0644. */
export function writePidFile(path: string, pid: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, `${pid}\n`, { mode: 0o644 });
    chmodSync(temporary, 0o644); // whatever the umask
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}
