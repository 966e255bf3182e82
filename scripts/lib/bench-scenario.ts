/**
 * Benchmark clouds: `failed` compute hosts holding `instances` protected instances between
 * them, and `targets` empty hosts to receive them, every rebuild the same length so the
 * physical limit is exact. One segment, recovery by Nova's scheduler.
 */
import type { Scenario } from '../../test/sim/scenario';

export interface BenchCloud {
  instances: number;
  failed: number;
  targets?: number;
  /** Simulated seconds per rebuild (fixed). */
  rebuildSec?: number;
  timeScale: number;
}

export const BENCH_DEFAULTS = { targets: 10, rebuildSec: 20, schedulingSec: 1, finishEvacuationSec: 0.2, apiLatencyMs: 5, buildsPerTarget: 10 };

export const failedHostName = (index: number): string => `cmp-f${String(index + 1).padStart(2, '0')}`;
export const targetHostName = (index: number): string => `cmp-t${String(index + 1).padStart(2, '0')}`;

export function benchScenario(spec: BenchCloud): Scenario {
  const targets = spec.targets ?? BENCH_DEFAULTS.targets;
  const capacity = { vcpus: 4096, ramMb: 4 * 1024 * 1024, diskGb: 100_000 };
  const failed = Array.from({ length: spec.failed }, (_, index) => failedHostName(index));
  const hosts = [...failed, ...Array.from({ length: targets }, (_, index) => targetHostName(index))].map((name) => ({
    name,
    capacity,
    maxConcurrentBuilds: BENCH_DEFAULTS.buildsPerTarget,
  }));
  const instances = Array.from({ length: spec.instances }, (_, index) => ({
    name: `vm-${index + 1}`,
    host: failed[index % spec.failed] ?? 'cmp-f01',
    flavor: 'ha.small',
    image: 'cirros',
  }));
  return {
    name: `bench-${spec.instances}x${spec.failed}`,
    seed: 11,
    timing: {
      timeScale: spec.timeScale,
      // Long enough that the fence, not Nova's heartbeat timeout, marks the host down.
      serviceDownTimeSec: 600,
      rebuildSec: spec.rebuildSec ?? BENCH_DEFAULTS.rebuildSec,
      schedulingSec: BENCH_DEFAULTS.schedulingSec,
      finishEvacuationSec: BENCH_DEFAULTS.finishEvacuationSec,
      apiLatencyMs: BENCH_DEFAULTS.apiLatencyMs,
    },
    flavors: [{ id: '1', name: 'ha.small', vcpus: 1, ram: 1024, disk: 10, extraSpecs: { evacuable: 'true' } }],
    images: [{ name: 'cirros', tags: [] }],
    hosts,
    instances,
  };
}
