/**
 * The compute agents' state file, `<state dir>/<agent>-<resource>.state.json`: that the resource was
 * started on this node (so a recurring monitor can tell "nova-compute died" from "never
 * started"), for which Nova host, and whether unfencing is still owed (nova-compute-wait
 * unfences from its monitor once the separate nova-compute resource is up). Written
 * atomically; a missing or unreadable file means "not started".
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PermissionError, errorMessage } from '../runtime/errors';

export interface ComputeAgentState {
  readonly v: 1;
  readonly host: string;
  readonly node: string;
  readonly startedAt: number;
  /** Fenced and not unfenced yet. */
  readonly unfencePending: boolean;
  /** The last report published, so monitors publish only changes. */
  readonly publishedReport?: string;
}

/** `<state dir>/<agent>-<resource>.<suffix>`; OCF_RESOURCE_INSTANCE may carry a clone suffix (`name:0`). */
export function agentFilePath(stateDir: string, agent: string, instance: string, suffix: string): string {
  return join(stateDir, `${agent}-${instance.replace(/[/\\]/g, '_')}.${suffix}`);
}

export function readState(path: string): ComputeAgentState | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  const s = parsed as Partial<ComputeAgentState> | null;
  if (s?.v !== 1 || typeof s.host !== 'string' || typeof s.node !== 'string' || typeof s.startedAt !== 'number') {
    return undefined;
  }
  return {
    v: 1,
    host: s.host,
    node: s.node,
    startedAt: s.startedAt,
    unfencePending: s.unfencePending === true,
    ...(typeof s.publishedReport === 'string' ? { publishedReport: s.publishedReport } : {}),
  };
}

export function writeState(path: string, state: ComputeAgentState): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
  } catch (error) {
    throw new PermissionError(`cannot write the state file ${path}: ${errorMessage(error)}`);
  }
}

export function removeState(path: string): void {
  rmSync(path, { force: true });
}
