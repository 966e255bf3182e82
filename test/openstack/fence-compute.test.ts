/**
 * The BUILT dist/fence_compute against the real lab, driven as pacemaker-fenced drives it: no
 * argv, options on stdin. attrd_updater is the stand-in from test/standins (first on PATH,
 * state in NOVA_HA_STANDIN_ATTRS). Real Keystone v3, real Nova microversions.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NovaClient } from '../../lib/openstack/nova';
import { capture, type CapturedRun } from '../helpers/capture';
import { adminParams, connectLab, loadLab, type Lab } from './lab';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const AGENT = join(REPO, 'dist', 'fence_compute');

let lab: Lab;
let nova: NovaClient;
let work: string;
let attrs: string;

function fenceCompute(options: Record<string, string>): Promise<CapturedRun> {
  const child = spawn(AGENT, [], {
    env: {
      PATH: `${join(REPO, 'test', 'standins')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HA_RSCTMP: join(work, 'state'),
      NOVA_HA_STANDIN_ATTRS: attrs,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const run = capture(child, 120_000);
  child.stdin?.end(`${Object.entries(options).map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
  return run;
}

const classic = (action: string, plug: string, overrides: Record<string, string> = {}): Record<string, string> => ({
  action,
  plug,
  auth_url: lab.authUrl,
  login: lab.admin.username,
  passwd: lab.admin.password,
  tenant_name: lab.admin.project,
  user_domain: lab.admin.userDomain,
  project_domain: lab.admin.projectDomain,
  region_name: lab.region,
  endpoint_type: 'publicURL',
  ...overrides,
});

const evacuateMark = (host: string): string | undefined => {
  const state = JSON.parse(readFileSync(attrs, 'utf8')) as { attrd?: Record<string, Record<string, string>> };
  return state.attrd?.evacuate?.[host];
};

beforeAll(async () => {
  lab = loadLab();
  if (!existsSync(AGENT)) {
    const build = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/build.ts')], { cwd: REPO, timeout: 300_000 });
    if (build.status !== 0) throw new Error(`build failed: ${String(build.stderr)}`);
  }
  work = mkdtempSync(join(tmpdir(), 'openstack-fence-'));
  attrs = join(work, 'attrs.json');
  writeFileSync(attrs, JSON.stringify({ attrd: {}, attrdPrivate: { evacuate: true }, nodes: {} }));
  nova = await (await connectLab(adminParams(lab), 600_000)).nova();
});

afterAll(async () => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('dist/fence_compute on real Keystone and Nova', () => {
  const host = () => lab.computes[lab.computes.length - 1] as string;

  afterAll(async () => {
    if (!nova) return;
    const [service] = await nova.listComputeServices({ host: host() }).catch(() => []);
    if (service?.forcedDown) await nova.forceDown(service, false).catch(() => undefined);
    if (service?.status === 'disabled') await nova.enableService(service).catch(() => undefined);
  });

  test('status of a healthy compute: ON, exit 0', async () => {
    const run = await fenceCompute(classic('status', host()));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Status: ON/);
  });

  test('off → Nova shows it forced down and disabled, evacuate=yes; status OFF (2); on → back', async () => {
    const off = await fenceCompute(classic('off', host()));
    expect({ code: off.code, stderr: off.stderr }).toMatchObject({ code: 0 });
    const [fenced] = await nova.listComputeServices({ host: host() });
    expect(fenced).toMatchObject({ forcedDown: true, state: 'down', status: 'disabled' });
    expect(fenced?.disabledReason).toMatch(/fence_compute: fenced at/);
    expect(evacuateMark(host())).toBe('yes');

    const status = await fenceCompute(classic('status', host()));
    expect(status.code).toBe(2);
    expect(status.stdout).toMatch(/Status: OFF/);

    // Nothing to evacuate (no servers there): NovaEvacuate would say `no`.
    const state = JSON.parse(readFileSync(attrs, 'utf8')) as { attrd: Record<string, Record<string, string>> };
    state.attrd.evacuate = { ...state.attrd.evacuate, [host()]: 'no' };
    writeFileSync(attrs, JSON.stringify(state));
    const on = await fenceCompute(classic('on', host()));
    expect({ code: on.code, stderr: on.stderr }).toMatchObject({ code: 0 });
    const [back] = await nova.listComputeServices({ host: host() });
    expect(back).toMatchObject({ forcedDown: false, status: 'enabled' });
  }, 300_000);

  test('application credential from clouds.yaml: status ON', async () => {
    const run = await fenceCompute({
      action: 'status',
      plug: host(),
      cloud: lab.clouds.appcred,
      clouds_yaml: lab.cloudsYaml,
    });
    expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/Status: ON/);
  });

  test('a wrong password: exit 1, the message says Keystone refused the user (401) and what to check', async () => {
    const run = await fenceCompute(classic('status', host(), { passwd: 'not-the-password' }));
    expect(run.code).toBe(1);
    const said = run.stdout + run.stderr;
    expect(said).toContain(`Keystone at ${lab.authUrl} refused user 'admin'`);
    expect(said).toMatch(/\(401\): check username\/password/);
    expect(said).not.toContain('not-the-password');
  });

  test('an unreachable Keystone: exit 1, the message names the URL', async () => {
    const url = 'http://127.0.0.1:9/v3';
    const run = await fenceCompute(classic('status', host(), { auth_url: url }));
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain('127.0.0.1:9');
  });
});
