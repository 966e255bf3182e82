/** A NovaCompute report (the `nova-ha-compute` attribute's value) for tests that read, format or parse one. */
import type { ComputeReport } from '../../lib/nova-compute/report';

/**
 * Node cmp-a (Nova host cmp-a.example.org) running nova-compute under NovaCompute for an hour
 * at `at`, last checked 4 s before it, nothing restarted; `overrides` changes what a test needs.
 */
export function computeReport(at: number, overrides: Partial<ComputeReport> = {}): ComputeReport {
  return {
    v: 1,
    host: 'cmp-a.example.org',
    node: 'cmp-a',
    mode: 'NovaCompute',
    phase: 'running',
    since: at - 3_600_000,
    detail: 'nova-compute runs (pid 4242); Nova reports the service up',
    computeRestarts: [],
    instances: [],
    checkedAt: at - 4_000,
    ...overrides,
  };
}
