/**
 * Start a whole simulated cloud: build it from a scenario (a file path or an object),
 * serve it, schedule the scenario's timed faults, and write a clouds.yaml for it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildCloud, type BuildOverrides } from './build';
import type { Cloud } from './cloud';
import type { FaultSpec } from './faults';
import { loadScenario, type Scenario } from './scenario';
import { startSimServer, type SimServer } from './server';

export interface SimOptions extends BuildOverrides {
  scenario: string | Scenario;
  host?: string;
  port?: number;
}

export interface SimEndpoints {
  auth_url: string;
  nova_url: string;
  glance_url: string;
  control_url: string;
  clouds_yaml: string;
  username: string;
  password: string;
  project: string;
  user_domain: string;
  project_domain: string;
  region: string;
}

export interface Sim {
  server: SimServer;
  cloud: Cloud;
  endpoints: SimEndpoints;
  stop(): Promise<void>;
}

export async function startSimulator(opts: SimOptions): Promise<Sim> {
  const scenario = typeof opts.scenario === 'string' ? loadScenario(opts.scenario) : opts.scenario;
  const cloud = buildCloud(scenario, opts);
  for (const f of scenario.faults ?? []) {
    const { atSec, ...spec } = f;
    if (!atSec) cloud.faults.add(spec as FaultSpec);
    else cloud.later(atSec, () => cloud.faults.add(spec as FaultSpec));
  }
  for (const e of scenario.events ?? []) {
    for (const h of [e.kill, e.revive, e.stopCompute, e.startCompute]) if (h !== undefined && !cloud.hosts.has(h)) throw new Error(`event at ${e.atSec}s: unknown host ${h}`);
    if (e.crash !== undefined && !cloud.instances.has(e.crash)) throw new Error(`event at ${e.atSec}s: unknown instance ${e.crash}`);
    cloud.later(e.atSec, () => {
      if (e.kill) cloud.killHost(e.kill);
      if (e.revive) cloud.reviveHost(e.revive, { compute: e.compute !== false, forgetGuests: e.forgetGuests === true });
      if (e.stopCompute) cloud.stopCompute(e.stopCompute);
      if (e.startCompute && cloud.hosts.get(e.startCompute)?.alive) cloud.startCompute(e.startCompute);
      if (e.crash) cloud.crashInstance(e.crash);
    });
  }
  const server = await startSimServer(cloud, { ...(opts.host ? { host: opts.host } : {}), ...(opts.port !== undefined ? { port: opts.port } : {}) });
  const user = cloud.users[0]!;
  const project = cloud.projects.find((p) => p.id === user.projectId)!;
  const dir = mkdtempSync(join(tmpdir(), 'nova-sim-'));
  const cloudsYaml = join(dir, 'clouds.yaml');
  const authUrl = `${server.origin}/identity/v3`;
  writeFileSync(
    cloudsYaml,
    stringify({
      clouds: {
        sim: {
          auth: {
            auth_url: authUrl,
            username: user.name,
            password: user.password,
            project_name: project.name,
            user_domain_name: user.domainName,
            project_domain_name: project.domainName,
          },
          region_name: cloud.config.region,
          interface: 'public',
          identity_api_version: 3,
        },
      },
    }),
    { mode: 0o600 },
  );
  return {
    server,
    cloud,
    endpoints: {
      auth_url: authUrl,
      nova_url: `${server.origin}/compute/v2.1`,
      glance_url: `${server.origin}/image`,
      control_url: `${server.origin}/_sim`,
      clouds_yaml: cloudsYaml,
      username: user.name,
      password: user.password,
      project: project.name,
      user_domain: user.domainName,
      project_domain: project.domainName,
      region: cloud.config.region,
    },
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
