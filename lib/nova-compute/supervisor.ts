/**
 * How the NovaCompute agent runs nova-compute: one interface, two ways. Where systemd runs
 * (or when `nova_compute_unit` is set) through the unit; otherwise as a command of its own,
 * run as the nova user with a pid file. nova-compute-wait mode never uses either.
 */
import { existsSync } from 'node:fs';
import type { Deadline } from '../runtime/deadline';
import type { Log } from '../runtime/log';

export interface NovaComputeStatus {
  readonly running: boolean;
  readonly pid?: number;
  /** One phrase for logs and exit reasons: "pid 4242", "unit failed", "not running"… */
  readonly detail: string;
}

export interface NovaComputeProcess {
  /** "systemd unit nova-compute.service" / "/usr/bin/nova-compute as nova (pid file …)". */
  readonly description: string;
  /** Is it alive? Never throws for "not installed": a probe then answers not running. */
  status(): Promise<NovaComputeStatus>;
  /** Returns once it runs and survived a short settle; already running → returns it. */
  start(deadline: Deadline, log: Log): Promise<{ pid?: number }>;
  /** TERM, then KILL before the deadline; succeeds when already stopped. */
  stop(deadline: Deadline, log: Log): Promise<void>;
}

export const SYSTEMD_RUNTIME_DIR = '/run/systemd/system';

/** sd_booted(3): systemd is the init system when this directory exists. */
export function systemdRuns(runtimeDir = SYSTEMD_RUNTIME_DIR): boolean {
  return existsSync(runtimeDir);
}
