import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCloud } from './build';
import { expandGenerated, loadScenario } from './scenario';
import { draw, seededRng } from './rng';
import { scenarioPath } from '../helpers/sim';

describe('scenarios', () => {
  test('YAML and JSON load the same way', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scn-'));
    try {
      const path = join(dir, 's.yaml');
      writeFileSync(path, 'hosts:\n  - name: h1\n    reserved: true\nflavors:\n  - name: f\ninstances: []\n');
      const cloud = buildCloud(loadScenario(path));
      expect(cloud.services.get('h1')).toMatchObject({ disabled: true, disabledReason: 'reserved host for instance HA' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the generator spreads hosts over segments, reserves hosts and splits tagged/untagged flavors', () => {
    const s = expandGenerated({ generate: { hosts: 6, instancesPerHost: 5, segments: 3, reservedPerSegment: 1, taggedFraction: 0.6 } });
    expect(s.hosts!.filter((h) => h.reserved).map((h) => h.segment)).toEqual(['segment-1', 'segment-2', 'segment-3']);
    expect(s.instances).toHaveLength(15);
    expect(s.instances!.filter((i) => i.flavor === 'ha.small')).toHaveLength(9);
    const cloud = buildCloud(s);
    expect(cloud.aggregates.map((a) => `${a.name}:${a.hosts.length}`)).toEqual(['segment-1:2', 'segment-2:2', 'segment-3:2']);
  });

  test('ids are deterministic for a seed and resources are claimed', () => {
    const a = buildCloud(loadScenario(scenarioPath('demo')));
    const b = buildCloud(loadScenario(scenarioPath('demo')));
    expect([...a.instances.keys()]).toEqual([...b.instances.keys()]);
    expect(a.instances.size).toBe(200);
    const db = [...a.instances.values()].find((i) => i.name === 'db-primary')!;
    expect(db.imageId).toBeNull();
    expect(a.hosts.get('cmp-01')!.used.vcpus).toBe(4 + 18);
    expect([...a.hosts.values()].filter((h) => h.reserved).map((h) => h.name)).toEqual(['cmp-spare']);
  });

  test('mistakes in a scenario are named', () => {
    expect(() => buildCloud({ hosts: [{ name: 'h' }], flavors: [{ name: 'f' }], instances: [{ host: 'x', flavor: 'f' }] })).toThrow(/unknown host x/);
    expect(() => buildCloud({ hosts: [{ name: 'h' }], instances: [{ host: 'h', flavor: 'nope' }] })).toThrow(/unknown flavor nope/);
    expect(() => buildCloud({ hosts: [{ name: 'h' }, { name: 'h' }] })).toThrow(/defined twice/);
  });
});

describe('distributions', () => {
  test('seeded draws repeat; uniform stays in range; lognormal respects its cap and median', () => {
    const r1 = seededRng(3);
    const r2 = seededRng(3);
    expect(Array.from({ length: 5 }, () => r1.next())).toEqual(Array.from({ length: 5 }, () => r2.next()));
    const rng = seededRng(9);
    const u = Array.from({ length: 500 }, () => draw({ dist: 'uniform', min: 1, max: 3 }, rng));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...u)).toBeLessThan(3);
    const l = Array.from({ length: 2001 }, () => draw({ dist: 'lognormal', median: 2, sigma: 0.5, max: 6 }, rng)).sort((a, b) => a - b);
    expect(l[l.length - 1]).toBeLessThanOrEqual(6);
    expect(l[1000]).toBeGreaterThan(1.7);
    expect(l[1000]).toBeLessThan(2.3);
    expect(draw(4, rng)).toBe(4);
    expect(seededRng(1).uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
