/**
 * What the demo and the evacuation benchmark measure, checked on the simulator's model:
 * the classic protected set, the phases an instance goes through, the physical limit, the
 * generated benchmark clouds and the progress view's two renderings.
 */
import { describe, expect, test } from '@jest/globals';
import { buildCloud } from '../sim/build';
import { loadScenario } from '../sim/scenario';
import { scenarioPath } from '../helpers/sim';
import { benchScenario, failedHostName, targetHostName } from '../../scripts/lib/bench-scenario';
import { allEvacuated, phaseOf, physicalLimit, progressOf, protectedInstances } from '../../scripts/lib/recovery';
import { renderLine, renderRows, type ViewRow } from '../../scripts/lib/progress-view';

describe('benchmark clouds and their physical limit', () => {
  test.each([
    // instances, failed hosts, waves, simulated seconds (1 scheduling + waves × (20 rebuild + 0.2 finish))
    [10, 1, 1, 21.2],
    [100, 5, 1, 21.2],
    [101, 1, 2, 41.4],
    [1000, 5, 10, 203],
  ])('%i instances on %i failed hosts: %i wave(s), %f sim s', (instances, failed, waves, simSec) => {
    const cloud = buildCloud(benchScenario({ instances, failed, timeScale: 10 }));
    const targets = Array.from({ length: 10 }, (_, index) => targetHostName(index));
    const limit = physicalLimit(cloud, instances, targets);
    expect(limit).toMatchObject({ targets: 10, buildsPerTarget: 10, waves });
    expect(limit.simSec).toBeCloseTo(simSec, 6);
    // Wall: scaled simulated time plus one real API round trip (5 ms).
    expect(limit.wallSec).toBeCloseTo(simSec / 10 + 0.005, 6);
    const failedHosts = Array.from({ length: failed }, (_, index) => failedHostName(index));
    const byHost = protectedInstances(cloud, failedHosts);
    expect([...byHost.values()].reduce((sum, ids) => sum + ids.length, 0)).toBe(instances);
    for (const target of targets) expect(cloud.byHost.get(target)?.size ?? 0).toBe(0);
  });
});

describe('the classic protected set and the phases', () => {
  const cloud = buildCloud(loadScenario(scenarioPath('small')));

  test('tagged flavor (private ones too) or tagged image, nothing else, when something is tagged', () => {
    const hosts = [...cloud.hosts.keys()];
    const byHost = protectedInstances(cloud, hosts);
    const chosen = new Set([...byHost.values()].flat());
    for (const instance of cloud.instances.values()) {
      const flavor = cloud.flavors.get(instance.flavorId);
      const image = instance.imageId === null ? undefined : cloud.images.get(instance.imageId);
      // fence_evacuate strips and lower-cases the extra spec: " True " counts.
      const tagged = flavor?.extraSpecs['evacuable']?.trim().toLowerCase() === 'true' || (image?.tags.includes('evacuable') ?? false);
      expect([instance.name, chosen.has(instance.id)]).toEqual([instance.name, tagged]);
    }
    expect(chosen.has([...cloud.instances.values()].find((i) => i.name === 'a-private-flavor')!.id)).toBe(true);
    expect(chosen.size).toBeGreaterThan(0);
    expect(chosen.size).toBeLessThan(cloud.instances.size);
  });

  test('an instance is evacuated only once it is elsewhere with its migration done and no task', () => {
    const instance = [...cloud.instances.values()][0]!;
    const source = instance.host;
    const other = [...cloud.hosts.keys()].find((host) => host !== source)!;
    expect(phaseOf(cloud, instance, source)).toBe('pending');
    const migration = {
      id: 999, uuid: 'm-1', instanceId: instance.id, sourceCompute: source, destCompute: other,
      status: 'pre-migrating' as const, type: 'evacuation' as const, createdAt: 0, updatedAt: 0, userId: '', projectId: '',
    };
    cloud.migrations.push(migration);
    instance.evacuation = migration.id;
    instance.taskState = 'rebuilding';
    expect(phaseOf(cloud, instance, source)).toBe('inFlight');
    // Nova's finish window: ACTIVE, no task, still on the old host — not yet evacuated.
    instance.taskState = null;
    expect(phaseOf(cloud, instance, source)).toBe('inFlight');
    (migration as { status: string }).status = 'done';
    instance.evacuation = null;
    instance.host = other;
    expect(phaseOf(cloud, instance, source)).toBe('evacuated');
    const rows = progressOf(cloud, new Map([[source, [instance.id]]]));
    expect(rows).toEqual([{ host: source, total: 1, evacuated: 1, inFlight: 0, pending: 0, failed: 0 }]);
    expect(allEvacuated(rows)).toBe(true);
  });
});

describe('progress view', () => {
  const rows: ViewRow[] = [
    { host: 'cmp-01', segment: 'segment-1', mark: 'ctl1@1795615818', total: 19, evacuated: 10, inFlight: 5, pending: 4, failed: 0 },
    { host: 'cmp-02', segment: 'segment-2', mark: 'no', total: 19, evacuated: 19, inFlight: 0, pending: 0, failed: 0 },
  ];

  test('a line per refresh for logs', () => {
    expect(renderLine(3.04, rows, 'pass summary')).toBe(
      't+3.0s cmp-01 mark=ctl1@1795615818 10/19 evacuated, 5 in flight, 4 pending, 0 failed | ' +
        'cmp-02 mark=no 19/19 evacuated, 0 in flight, 0 pending, 0 failed | pass summary',
    );
  });

  test('a frame per refresh on a terminal, with a bar per host', () => {
    const frame = renderRows(3.04, rows, '');
    expect(frame).toHaveLength(3);
    expect(frame[1]).toContain('[#############>>>>>>.....]  10/19 evacuated');
    expect(frame[2]).toContain('[########################]  19/19 evacuated');
  });
});
