/**
 * Built OCF agents for contract tests, run the way they run once installed: copied into a
 * world-readable temporary directory (the checkout may not be reachable by `nobody`, and inside
 * it package.json's "type": "module" would make Node load the extensionless bundle as ESM).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OCF_AGENTS = ['NovaEvacuate', 'NovaCompute', 'nova-compute-wait'] as const;
export type OcfAgentName = (typeof OCF_AGENTS)[number];

export const repoRoot = join(new URL('.', import.meta.url).pathname, '../../../..');

export interface InstalledAgents {
  dir: string;
  path(name: OcfAgentName): string;
  remove(): void;
}

export function installBuiltAgents(): InstalledAgents {
  const missing = OCF_AGENTS.filter((name) => !existsSync(join(repoRoot, 'dist', name)));
  if (missing.length > 0) {
    throw new Error(`dist/${missing.join(', dist/')} not built: run \`npm run build\` before these tests`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'ocf-agents-'));
  chmodSync(dir, 0o755);
  for (const name of OCF_AGENTS) {
    copyFileSync(join(repoRoot, 'dist', name), join(dir, name));
    chmodSync(join(dir, name), 0o755);
  }
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an agent action with exactly `env` plus a PATH (Pacemaker gives agents a small env). */
export function runAgentBinary(
  path: string,
  action: string,
  env: Record<string, string> = {},
  input?: string,
): RunResult {
  const result = spawnSync(path, [action], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
    ...(input === undefined ? {} : { input }),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** xmllint on a document given on stdin; returns the exit status and messages. */
export function xmllint(args: string[], document: string, cwd = '/usr/share/resource-agents'): RunResult {
  const result = spawnSync('xmllint', ['--noout', ...args, '-'], { input: document, encoding: 'utf8', cwd, timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
