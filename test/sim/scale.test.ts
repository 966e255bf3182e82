import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startSim, scenarioPath, spawnSim, type RunningSim } from '../helpers/sim';
import { SimApi } from './api-client';

describe('scale scenario: 500 hosts, 20,000 instances in one process', () => {
  let sim: RunningSim;
  let api: SimApi;

  beforeAll(async () => {
    sim = await startSim({ scenario: scenarioPath('scale'), timing: { timeScale: 50 } });
    api = new SimApi(sim.authUrl, sim.novaUrl, sim.glanceUrl);
    await api.login();
  });
  afterAll(async () => {
    await sim.stop();
  });

  test('loads every host and instance', async () => {
    const state = await sim.state();
    expect(state.hosts).toHaveLength(500);
    expect(state.instances.total).toBe(20_000);
    expect((await api.nova('GET', '/os-services?binary=nova-compute', '2.53')).body.services).toHaveLength(500);
  });

  test('servers/detail?host= answers one host\'s 40 servers; an unfiltered list stops at max_limit with a next link', async () => {
    const one = await api.nova('GET', '/servers/detail?all_tenants=1&host=cmp-250', '2.47');
    expect(one.status).toBe(200);
    expect(one.body.servers).toHaveLength(40);
    expect(new Set(one.body.servers.map((s: any) => s['OS-EXT-SRV-ATTR:host']))).toEqual(new Set(['cmp-250']));
    expect(one.body.servers_links).toBeUndefined();
    const tagged = one.body.servers.filter((s: any) => s.flavor.extra_specs.evacuable === 'true');
    expect(tagged).toHaveLength(32);
    const all = await api.nova('GET', '/servers/detail?all_tenants=1');
    expect(all.body.servers).toHaveLength(1000);
    expect(all.body.servers_links[0].href).toContain('marker=');
  });

  test('a dead, fenced host\'s 40 instances evacuate and land elsewhere in their segment\'s cloud', async () => {
    await sim.killHost('cmp-007');
    await api.nova('PUT', '/os-services/force-down', '2.11', { host: 'cmp-007', binary: 'nova-compute', forced_down: true });
    const servers = (await api.nova('GET', '/servers/detail?all_tenants=1&host=cmp-007')).body.servers;
    for (const s of servers) {
      expect((await api.nova('POST', `/servers/${s.id}/action`, '2.14', { evacuate: {} })).status).toBe(200);
    }
    await sim.waitFor(async () => (await sim.state({ host: 'cmp-007' })).instances.total === 0, { timeoutMs: 30_000, what: 'cmp-007 empty' });
    expect((await sim.state()).migrations.byStatus).toEqual({ done: 40 });
    expect((await sim.oracle()).ok).toBe(true);
  });
});

describe('the CLI as a subprocess', () => {
  test('prints one JSON line with endpoints and a clouds.yaml, serves, and stops on SIGTERM', async () => {
    const sim = await spawnSim(scenarioPath('demo'), { timeScale: 10 });
    try {
      expect(sim.endpoints).toMatchObject({ username: 'admin', project: 'admin' });
      expect(sim.cloud).toBeNull();
      const { readFileSync } = await import('node:fs');
      const yaml = readFileSync(sim.cloudsYamlPath, 'utf8');
      expect(yaml).toContain('sim:');
      expect(yaml).toContain(sim.authUrl);
      const state = await sim.state();
      expect(state.hosts).toHaveLength(12);
      expect(state.instances.total).toBe(200);
      expect(state.hosts.filter((h) => h.reserved).map((h) => h.service.status)).toEqual(['disabled']);
      const api = new SimApi(sim.authUrl, sim.novaUrl, sim.glanceUrl);
      expect((await api.login()).status).toBe(201);
      expect((await api.nova('GET', '/os-aggregates')).body.aggregates.map((a: any) => a.name)).toEqual(['segment-1', 'segment-2', 'segment-3']);
    } finally {
      await sim.stop();
    }
    await expect(fetch(`${sim.controlUrl}/state`)).rejects.toThrow();
  });
});
