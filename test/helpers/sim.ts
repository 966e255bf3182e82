/**
 * Start and drive the simulated cloud from tests. `startSim` runs it in this process (fast,
 * for jest); `spawnSim` runs the CLI (`test/sim/main.ts`) as a subprocess. Both return the
 * same RunningSim: endpoints, credentials under the classic agents' option names, a
 * clouds.yaml with a cloud named "sim", and typed helpers over the `/_sim` control plane.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { FaultSpec, ActiveFault } from '../sim/faults';
import type { OracleReport } from '../sim/oracle';
import type { Scenario } from '../sim/scenario';
import type { BuildOverrides } from '../sim/build';
import type { Cloud } from '../sim/cloud';
import type { SimEndpoints } from '../sim/index';

export type { FaultSpec, ActiveFault, OracleReport, Scenario };

/** The classic fence_compute/fence_evacuate option names, ready for `key=value` stdin. */
export interface SimCredentials {
  auth_url: string;
  login: string;
  passwd: string;
  tenant_name: string;
  project_domain: string;
  user_domain: string;
  region_name: string;
}

export interface SimCallCounts {
  total: number;
  /** By method and route template, e.g. `GET /v2.1/os-services`, `POST /v3/auth/tokens`. */
  calls: Record<string, number>;
  /** Server actions by name: `evacuate`, `os-stop`, … */
  actions: Record<string, number>;
}

export interface SimRequest {
  at: string;
  method: string;
  route: string;
  path: string;
  /** 0: closed without an answer. */
  status: number;
  ms: number;
}

export interface SimHostState {
  name: string;
  alive: boolean;
  /** `hung`: the process lives (its session stays open) but no heartbeats, no work (hang-compute). */
  compute: 'running' | 'hung' | 'stopped';
  /** The open compute session that owns nova-compute here (GET /_sim/hosts/{h}/compute-session), if any. */
  computeSession: number | null;
  /** Compute sessions of this host still open (older ones stay open until their client goes). */
  computeSessionsOpen: number;
  /** Lost power and nova-compute has not run its post-boot power sync since. */
  powerLost: boolean;
  /** With powerLost: the hypervisor forgot its guests (revive with forgetGuests). */
  guestsForgotten: boolean;
  segment: string | null;
  reserved: boolean;
  service: { state: 'up' | 'down'; status: 'enabled' | 'disabled'; forced_down: boolean; disabled_reason: string | null };
  instances: number;
  capacity: { vcpus: number; ramMb: number; diskGb: number };
  used: { vcpus: number; ramMb: number; diskGb: number };
  builds: { active: number; queued: number };
}

export interface SimInstanceState {
  id: string;
  name: string;
  host: string;
  status: string;
  vm_state: string;
  task_state: string | null;
  power_state: number;
  flavor: string;
  image: string | null;
  project: string;
  metadata: Record<string, string>;
  actions: string[];
}

export interface SimState {
  hosts: SimHostState[];
  instances: { total: number; byStatus: Record<string, number>; inFlight: number };
  migrations: { total: number; byStatus: Record<string, number> };
  faults: ActiveFault[];
  oracle: OracleReport;
  /** With `full: true` only. */
  instanceList?: SimInstanceState[];
  migrationList?: Array<{ id: number; instance: string; source: string; dest: string | null; status: string }>;
}

export interface RunningSim {
  authUrl: string;
  novaUrl: string;
  glanceUrl: string;
  controlUrl: string;
  cloudsYamlPath: string;
  cloudName: 'sim';
  credentials: SimCredentials;
  endpoints: SimEndpoints;
  /** The live model (in-process sims only): for assertions the HTTP view cannot make. */
  cloud: Cloud | null;
  killHost(host: string): Promise<void>;
  /** Boot the host; `{ compute: false }` leaves nova-compute stopped (a node NovaCompute manages). */
  /** compute: false boots without nova-compute; forgetGuests: the hypervisor lost the guests (they stay ACTIVE, power_state NOSTATE). */
  reviveHost(host: string, opts?: { compute?: boolean; forgetGuests?: boolean }): Promise<void>;
  /** Only nova-compute stops (guests keep running); `startCompute` brings it back. */
  stopCompute(host: string): Promise<void>;
  startCompute(host: string): Promise<void>;
  /** nova-compute hangs: its process (and compute session) stays, heartbeats stop, the service goes down. */
  hangCompute(host: string): Promise<void>;
  /**
   * Open a compute session from this process, as the stand-in nova-compute does: nova-compute
   * runs while it is open; `close()` is the process dying. Rejects with the sim's message
   * (409 when the host is powered off).
   */
  openComputeSession(host: string): Promise<ComputeSessionHandle>;
  /** `shutoff` (default): SHUTOFF, no action; `power-state`: Nova still says ACTIVE; `synced`: stop action by Nova itself. */
  crashInstance(id: string, mode?: 'shutoff' | 'power-state' | 'synced' | 'lost'): Promise<void>;
  injectFault(spec: FaultSpec): Promise<ActiveFault>;
  /** Clear one fault by id, or all. */
  clearFaults(id?: string): Promise<void>;
  state(opts?: { full?: boolean; host?: string }): Promise<SimState>;
  oracle(): Promise<OracleReport>;
  calls(): Promise<SimCallCounts>;
  /** The last 2000 agent-facing requests, oldest first (no bodies). */
  requests(): Promise<SimRequest[]>;
  resetCounters(): Promise<void>;
  expireTokens(): Promise<void>;
  /** Poll `check` every `intervalMs` until it returns a truthy value or `timeoutMs` passes. */
  waitFor<T>(check: () => Promise<T | undefined | null | false>, opts?: { timeoutMs?: number; intervalMs?: number; what?: string }): Promise<T>;
  stop(): Promise<void>;
}

export interface ComputeSessionHandle {
  id: number;
  /** 'started', or 'already running' when nova-compute was running before the session. */
  compute: 'started' | 'already running';
  /** Resolves with the sim's reason when it ends the session (nova-compute stopped, host killed), or 'closed'. */
  ended: Promise<string>;
  close(): void;
}

export interface StartSimOptions extends BuildOverrides {
  /** A scenario file path (JSON/YAML; relative paths from the repo root) or an object. */
  scenario: string | Scenario;
  port?: number;
}

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** A scenario shipped in test/scenarios, by name: `scenarioPath('small')`. */
export function scenarioPath(name: string): string {
  return join(REPO, 'test', 'scenarios', name.endsWith('.json') || name.endsWith('.yaml') ? name : `${name}.json`);
}

function resolveScenario(s: string | Scenario): string | Scenario {
  return typeof s === 'string' && !s.startsWith('/') ? join(REPO, s) : s;
}

export async function startSim(opts: StartSimOptions): Promise<RunningSim> {
  const { startSimulator } = await import('../sim/index');
  const sim = await startSimulator({ ...opts, scenario: resolveScenario(opts.scenario) });
  return control(sim.endpoints, sim.cloud, () => sim.stop());
}

/** Run `npm run sim`'s entry as a subprocess; resolves when it prints its JSON line. */
export async function spawnSim(scenario: string, opts: { timeScale?: number; seed?: number; timeoutMs?: number } = {}): Promise<RunningSim> {
  const args = ['--import', 'tsx', join(REPO, 'test/sim/main.ts'), '--scenario', resolveScenario(scenario) as string, '--listen', '127.0.0.1:0'];
  if (opts.timeScale !== undefined) args.push('--time-scale', String(opts.timeScale));
  if (opts.seed !== undefined) args.push('--seed', String(opts.seed));
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const endpoints = await firstJsonLine(child, opts.timeoutMs ?? 60_000);
  return control(endpoints, null, async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  });
}

function firstJsonLine(child: ChildProcess, timeoutMs: number): Promise<SimEndpoints> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`simulator did not start within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(out.slice(0, nl)) as SimEndpoints);
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited with ${String(code)}: ${err}`));
    });
  });
}

function control(endpoints: SimEndpoints, cloud: Cloud | null, stop: () => Promise<void>): RunningSim {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${endpoints.control_url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sim control ${method} ${path}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const sim: RunningSim = {
    authUrl: endpoints.auth_url,
    novaUrl: endpoints.nova_url,
    glanceUrl: endpoints.glance_url,
    controlUrl: endpoints.control_url,
    cloudsYamlPath: endpoints.clouds_yaml,
    cloudName: 'sim',
    credentials: {
      auth_url: endpoints.auth_url,
      login: endpoints.username,
      passwd: endpoints.password,
      tenant_name: endpoints.project,
      project_domain: endpoints.project_domain,
      user_domain: endpoints.user_domain,
      region_name: endpoints.region,
    },
    endpoints,
    cloud,
    killHost: async (h) => void (await call('POST', `/hosts/${encodeURIComponent(h)}/kill`)),
    reviveHost: async (h, opts) => {
      const body = { ...(opts?.compute === false ? { compute: false } : {}), ...(opts?.forgetGuests ? { forgetGuests: true } : {}) };
      await call('POST', `/hosts/${encodeURIComponent(h)}/revive`, Object.keys(body).length > 0 ? body : undefined);
    },
    stopCompute: async (h) => void (await call('POST', `/hosts/${encodeURIComponent(h)}/stop-compute`)),
    startCompute: async (h) => void (await call('POST', `/hosts/${encodeURIComponent(h)}/start-compute`)),
    hangCompute: async (h) => void (await call('POST', `/hosts/${encodeURIComponent(h)}/hang-compute`)),
    openComputeSession: (h) => openSession(`${endpoints.control_url}/hosts/${encodeURIComponent(h)}/compute-session`),
    crashInstance: async (id, mode) =>
      void (await call('POST', `/instances/${encodeURIComponent(id)}/crash`, mode === undefined ? undefined : { mode })),
    injectFault: async (spec) => {
      const { faults } = await call<{ faults: ActiveFault[] }>('POST', '/faults', spec);
      return faults[faults.length - 1]!;
    },
    clearFaults: async (id) => void (await call('DELETE', id === undefined ? '/faults' : `/faults/${encodeURIComponent(id)}`)),
    state: (opts = {}) => {
      const q = new URLSearchParams();
      if (opts.full) q.set('full', '1');
      if (opts.host) q.set('host', opts.host);
      return call<SimState>('GET', `/state${q.size ? `?${q.toString()}` : ''}`);
    },
    oracle: () => call<OracleReport>('GET', '/oracle'),
    calls: () => call<SimCallCounts>('GET', '/calls'),
    requests: async () => (await call<{ requests: SimRequest[] }>('GET', '/requests')).requests,
    resetCounters: async () => void (await call('POST', '/reset-counters')),
    expireTokens: async () => void (await call('POST', '/tokens/expire')),
    waitFor: async (check, opts = {}) => {
      const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
      for (;;) {
        const value = await check();
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? 'a condition'}`);
        await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
      }
    },
    stop,
  };
  return sim;
}

/** GET a compute session with node:http: closing its socket is exactly what a dying process does. */
function openSession(url: string): Promise<ComputeSessionHandle> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      let settled = false;
      let endReason = 'closed';
      let finish: (reason: string) => void = () => undefined;
      const ended = new Promise<string>((r) => {
        finish = r;
      });
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (res.statusCode !== 200) continue;
          const event = JSON.parse(line) as { event: string; session?: number; compute?: ComputeSessionHandle['compute']; reason?: string };
          if (event.event === 'started' && !settled) {
            settled = true;
            req.setTimeout(0);
            resolve({ id: event.session ?? 0, compute: event.compute ?? 'started', ended, close: () => req.destroy() });
          }
          if (event.event === 'ended') endReason = event.reason ?? 'ended';
        }
      });
      res.on('close', () => {
        if (!settled) {
          settled = true;
          reject(new Error(`compute session ${url}: HTTP ${String(res.statusCode)} ${buffer.trim()}`));
        }
        finish(endReason);
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`compute session ${url}: no answer within 10 s`)));
    req.on('error', (err) => reject(err));
  });
}
