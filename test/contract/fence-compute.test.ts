/**
 * The built fence_compute, driven exactly as pacemaker-fenced drives it: no arguments, options
 * as key=value lines on stdin, against the simulated Keystone + Nova. attrd_updater is a
 * stand-in first on PATH that records its argv and keeps values in files (the real-attrd
 * cycle is the pacemaker tier's).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { capture } from '../helpers/capture';
import { startSim, type RunningSim, type Scenario } from '../helpers/sim';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PASSWORD = 'fence-pass-7Qx';
const HOSTS = ['cmp-a', 'cmp-b', 'cmp-c', 'cmp-d', 'cmp-e', 'cmp-r'];

const scenario: Scenario = {
  name: 'fence-compute-contract',
  seed: 3,
  region: 'regionOne',
  timing: { timeScale: 1, serviceDownTimeSec: 1, rebuildSec: 0.3, schedulingSec: 0.1, reviveCleanupSec: 0.5 },
  auth: { users: [{ name: 'admin', password: PASSWORD, project: 'admin', domain: 'Default' }] },
  flavors: [{ id: '1', name: 'small', vcpus: 1, ram: 512, disk: 1 }],
  hosts: [
    ...HOSTS.filter((h) => h !== 'cmp-r').map((h) => ({ name: `${h}.example.com` })),
    { name: 'cmp-r.example.com', reserved: true },
  ],
  instances: [
    { name: 'vm-1', host: 'cmp-d.example.com', flavor: 'small' },
    { name: 'vm-2', host: 'cmp-d.example.com', flavor: 'small' },
  ],
};

const STAND_IN = `#!/bin/sh
# attrd_updater stand-in: argv to $ATTRD_LOG, values in $ATTRD_DIR/<node>.<name>
printf '%s\\n' "$*" >> "$ATTRD_LOG"
name=; node=; value=; mode=Q
while [ $# -gt 0 ]; do
  case "$1" in
    -n) name=$2; shift ;;
    -N) node=$2; shift ;;
    -U|-v) mode=U; value=$2; shift ;;
    -D) mode=D ;;
  esac
  shift
done
store="$ATTRD_DIR/$node.$name"
case $mode in
  U) printf '%s' "$value" > "$store" ;;
  D) : > "$store" ;;
  Q) if [ -f "$store" ]; then printf 'name="%s" host="%s" value="%s"\\n' "$name" "$node" "$(cat "$store")"
     else echo "attrd_updater: Could not query value of $name: attribute does not exist" >&2; exit 78; fi ;;
esac
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let sim: RunningSim;
let work: string;
let agent: string;
let attrdDir: string;
let attrdLog: string;

function fenceCompute(stdin: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const child = spawn(agent, [], {
    env: {
      PATH: `${join(work, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HA_RSCTMP: join(work, 'state'),
      ATTRD_DIR: attrdDir,
      ATTRD_LOG: attrdLog,
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const run = capture(child, 50_000);
  child.stdin.end(stdin);
  return run;
}

/** TripleO's spelling (puppet-tripleo's fence_compute device). */
const tripleo = (action: string, plug?: string, extra = ''): string =>
  [
    `action=${action}`,
    ...(plug ? [`nodename=${plug}`, `plug=${plug}`] : []),
    `auth_url=${sim.authUrl}`,
    'login=admin',
    `passwd=${PASSWORD}`,
    'tenant_name=admin',
    'region_name=regionOne',
    'domain=example.com',
    'project_domain=Default',
    'user_domain=Default',
    'record_only=1',
    extra,
  ].join('\n');

/** The older hyphenated spelling (osp-ha-deploy, crowbar). */
const hyphenated = (action: string, plug?: string): string =>
  [
    `action=${action}`,
    ...(plug ? [`port=${plug}`] : []),
    `auth-url=${sim.authUrl}`,
    'login=admin',
    `passwd=${PASSWORD}`,
    'tenant-name=admin',
    'domain=example.com',
    'record-only=1',
    'endpoint-type=internalURL',
    'no-shared-storage=1',
  ].join('\n');

const service = async (host: string) => {
  const state = await sim.state({ host: `${host}.example.com` });
  const found = state.hosts.find((h) => h.name === `${host}.example.com`);
  if (!found) throw new Error(`no host ${host}`);
  return found.service;
};

const attrdCalls = (): string[] => (existsSync(attrdLog) ? readFileSync(attrdLog, 'utf8').trim().split('\n') : []);
const setMark = (host: string, value: string): void => writeFileSync(join(attrdDir, `${host}.example.com.evacuate`), value);
const readMark = (host: string): string | undefined => {
  const file = join(attrdDir, `${host}.example.com.evacuate`);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
};

beforeAll(async () => {
  const built = join(REPO, 'dist', 'fence_compute');
  if (!existsSync(built)) {
    const build = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/build.ts')], { cwd: REPO, timeout: 120_000 });
    if (build.status !== 0) throw new Error(`build failed: ${String(build.stderr)}`);
  }
  work = mkdtempSync(join(tmpdir(), 'fence-compute-'));
  // Installed the way the package does (/usr/sbin/fence_compute), outside the repo's ESM scope.
  for (const dir of ['sbin', 'bin', 'attrd', 'state']) spawnSync('mkdir', ['-p', join(work, dir)]);
  agent = join(work, 'sbin', 'fence_compute');
  copyFileSync(built, agent);
  chmodSync(agent, 0o755);
  writeFileSync(join(work, 'bin', 'attrd_updater'), STAND_IN, { mode: 0o755 });
  attrdDir = join(work, 'attrd');
  attrdLog = join(work, 'attrd.log');
  sim = await startSim({ scenario });
}, 120_000);

afterAll(async () => {
  await sim?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('metadata and validation', () => {
  it('prints fabric-fencing metadata valid against the fence-agents schema', async () => {
    const run = await fenceCompute('action=metadata\n');
    expect(run.code).toBe(0);
    const lint = spawnSync('xmllint', ['--noout', '--relaxng', '/usr/share/cluster/relaxng/metadata.rng', '-'], {
      input: run.stdout,
      encoding: 'utf8',
    });
    expect(lint.status).toBe(0);
    expect(run.stdout).toContain('<action name="on" automatic="1"/>');
    expect(run.stdout).not.toContain('<action name="reboot"');
    for (const name of ['auth_url', 'login', 'username', 'passwd', 'password', 'tenant_name', 'project_domain', 'project-domain',
      'user_domain', 'user-domain', 'domain', 'compute-domain', 'endpoint_type', 'region_name', 'insecure', 'record_only',
      'no_shared_storage', 'instance_filtering', 'port', 'plug', 'cloud', 'clouds_yaml', 'credentials_file', 'ca_bundle',
      'application_credential_id', 'application_credential_secret']) {
      expect(run.stdout).toContain(`<parameter name="${name}"`);
    }
    const golden = join(REPO, 'metadata', 'fence_compute.xml');
    if (existsSync(golden)) expect(run.stdout).toBe(readFileSync(golden, 'utf8'));
  });

  it('validate-all: 0 with TripleO options, 1 saying what to fix without auth_url', async () => {
    expect((await fenceCompute(tripleo('validate-all'))).code).toBe(0);
    const missing = await fenceCompute('action=validate-all\nlogin=admin\npasswd=x\ntenant_name=admin\n');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('auth_url not configured');
  });

  it('rejects an unknown endpoint_type, naming the accepted ones', async () => {
    const run = await fenceCompute(tripleo('status', 'cmp-a', 'endpoint_type=privateURL'));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/endpoint_type 'privateURL' is not one of public, internal, admin/);
  });

  it('refuses reboot (fabric fencing)', async () => {
    const run = await fenceCompute(tripleo('reboot', 'cmp-a'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Unrecognised action 'reboot'");
  });
});

describe('status, list, monitor', () => {
  it('status of a healthy host is ON (0), with the short node name fixed to Nova\'s FQDN', async () => {
    expect(await fenceCompute(tripleo('status', 'cmp-a'))).toMatchObject({ code: 0, stdout: 'Status: ON\n' });
  });

  it('list prints every compute host as fqdn,short', async () => {
    const run = await fenceCompute(tripleo('list'));
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').sort()).toEqual(HOSTS.map((h) => `${h}.example.com,${h}`));
    const withStatus = await fenceCompute(tripleo('list-status'));
    expect(withStatus.code).toBe(0);
    expect(withStatus.stdout).toMatch(/^cmp-a\.example\.com,cmp-a,(ON|OFF)$/m);
    expect(withStatus.stdout).toContain('cmp-r.example.com,cmp-r,ON'); // up but disabled: the classic "running" → ON
  });

  it('prints a manpage', async () => {
    const run = await fenceCompute('action=manpage\n');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\.TH FENCE_COMPUTE 8/);
  });

  it('monitor is 0 when Keystone and Nova answer, with the hyphenated spelling too', async () => {
    expect((await fenceCompute(tripleo('monitor'))).code).toBe(0);
    expect((await fenceCompute(hyphenated('monitor'))).code).toBe(0);
  });

  it('an unknown host is an error (1), not ON', async () => {
    const run = await fenceCompute(tripleo('status', 'ghost'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Nova has no nova-compute service on host 'ghost.example.com'");
  });
});

describe('off (fencing)', () => {
  it('forces down, disables with a dated reason, marks evacuate=yes; status is then OFF (2)', async () => {
    const before = Date.now();
    const run = await fenceCompute(tripleo('off', 'cmp-a'));
    expect(run).toMatchObject({ code: 0, stdout: 'Success: Powered OFF\n' });
    const svc = await service('cmp-a');
    expect(svc).toMatchObject({ forced_down: true, status: 'disabled', state: 'down' });
    const when = /^fence_compute: fenced at (\S+)$/.exec(svc.disabled_reason ?? '')?.[1];
    expect(Date.parse(when ?? '')).toBeGreaterThanOrEqual(before - 1000);
    expect(attrdCalls()).toContain('-p -n evacuate -N cmp-a.example.com -U yes');
    expect(readMark('cmp-a')).toBe('yes');
    expect(await fenceCompute(tripleo('status', 'cmp-a'))).toMatchObject({ code: 2, stdout: 'Status: OFF\n' });
  });

  it('marks the host again when Nova already shows it down and disabled (classic bug B1)', async () => {
    setMark('cmp-a', 'no');
    // As the fencer runs it: its PCMK_service lifts the per-step timeouts, action_timeout remains.
    const run = await fenceCompute(hyphenated('off', 'cmp-a'), { PCMK_service: 'pacemaker-fenced' });
    expect(run).toMatchObject({ code: 0, stdout: 'Success: Powered OFF\n' });
    expect(readMark('cmp-a')).toBe('yes');
  });

  it('keeps secrets off argv and out of the logs, even verbose', async () => {
    const run = await fenceCompute(tripleo('off', 'cmp-b', 'verbose=1'));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('DEBUG');
    expect(run.stderr).not.toContain(PASSWORD);
    expect(readFileSync(attrdLog, 'utf8')).not.toContain(PASSWORD);
  });

  it('does nothing and succeeds with record_only=disabled', async () => {
    await sim.resetCounters();
    const run = await fenceCompute(tripleo('off', 'cmp-c').replace('record_only=1', 'record_only=disabled'));
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect((await sim.calls()).total).toBe(0);
    expect(await service('cmp-c')).toMatchObject({ forced_down: false, status: 'enabled' });
  });
});

describe('on (unfencing)', () => {
  it('waits while the host is marked for evacuation, then clears force-down and enables', async () => {
    await fenceCompute(tripleo('off', 'cmp-c'));
    setMark('cmp-c', 'yes');
    const pending = fenceCompute(tripleo('on', 'cmp-c', 'verbose=1'));
    await new Promise((r) => setTimeout(r, 1500));
    expect(await service('cmp-c')).toMatchObject({ forced_down: true, status: 'disabled' });
    setMark('cmp-c', 'no');
    const run = await pending;
    expect(run).toMatchObject({ code: 0, stdout: 'Success: Powered ON\n' });
    expect(run.stderr).toContain('Waiting to unfence cmp-c.example.com: its evacuation is not finished');
    expect(await service('cmp-c')).toMatchObject({ forced_down: false, status: 'enabled', state: 'up' });
  });

  it('fails within action_timeout, saying why, while the evacuation is pending', async () => {
    setMark('cmp-a', 'ctl1@1764075600');
    const run = await fenceCompute(tripleo('on', 'cmp-a', 'action_timeout=3'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('could not unfence cmp-a.example.com before the action deadline');
    expect(await service('cmp-a')).toMatchObject({ forced_down: true });
  });

  it('does not report success while Nova keeps `done` evacuation records (400), then unfences once the host cleaned up', async () => {
    await sim.killHost('cmp-d.example.com');
    await sim.waitFor(async () => (await service('cmp-d')).state === 'down', { what: 'cmp-d down', timeoutMs: 10_000 });
    expect((await fenceCompute(tripleo('off', 'cmp-d'))).code).toBe(0);
    const { connect } = await import('../../lib/openstack/connect');
    const { resolveAuthSpec } = await import('../../lib/openstack/credentials');
    const { Deadline } = await import('../../lib/runtime/deadline');
    const cloud = await connect(resolveAuthSpec({ ...sim.credentials, password: PASSWORD }), { deadline: Deadline.in(20_000) });
    const nova = await cloud.nova();
    for (const server of await nova.listServers({ host: 'cmp-d.example.com', allTenants: true })) await nova.evacuate(server.id);
    await sim.waitFor(async () => (await sim.state()).migrations.byStatus.done === 2, { what: 'evacuations done', timeoutMs: 15_000 });
    setMark('cmp-d', 'no');

    const refused = await fenceCompute(tripleo('on', 'cmp-d', 'action_timeout=4'));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('Nova refuses to clear forced-down');
    expect(await service('cmp-d')).toMatchObject({ forced_down: true, status: 'disabled' });

    await sim.reviveHost('cmp-d.example.com');
    const run = await fenceCompute(tripleo('on', 'cmp-d', 'action_timeout=20'));
    expect(run).toMatchObject({ code: 0, stdout: 'Success: Powered ON\n' });
    expect(await service('cmp-d')).toMatchObject({ forced_down: false, status: 'enabled' });
  });

  it('leaves a reserved host disabled, with its reserved reason back', async () => {
    const reason = (await service('cmp-r')).disabled_reason;
    expect(reason).toMatch(/reserved/);
    expect((await fenceCompute(tripleo('off', 'cmp-r'))).code).toBe(0);
    expect((await service('cmp-r')).disabled_reason).toContain(`previously disabled: ${reason}`);
    setMark('cmp-r', 'no');
    expect((await fenceCompute(tripleo('on', 'cmp-r'))).code).toBe(0);
    expect(await service('cmp-r')).toMatchObject({ forced_down: false, status: 'disabled', disabled_reason: reason });
  });
});

describe('bad input and broken clouds', () => {
  it('Keystone unreachable: 1, naming auth_url', async () => {
    const run = await fenceCompute(tripleo('status', 'cmp-a').replace(sim.authUrl, 'http://127.0.0.1:9/v3'));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot reach Keystone at http:\/\/127\.0\.0\.1:9\/v3\S* \(ECONNREFUSED\): check auth_url/);
  });

  it('Nova answering 500: 1, saying Nova failed', async () => {
    await sim.injectFault({ kind: 'http-error', route: 'GET /v2.1/os-services', status: 500 });
    try {
      const run = await fenceCompute(tripleo('status', 'cmp-a'));
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/nova failed listing of nova-compute services.*HTTP 500.*check the nova service logs/);
    } finally {
      await sim.clearFaults();
    }
  });

  it('wrong password: 1, naming the user', async () => {
    // A fresh state directory: a cached token for the same user would (rightly) be reused.
    const run = await fenceCompute(tripleo('status', 'cmp-a').replace(`passwd=${PASSWORD}`, 'passwd=wrong-one'), {
      HA_RSCTMP: mkdtempSync(join(work, 'state-')),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('admin');
    expect(run.stderr).not.toContain('wrong-one');
  });
});

describe('other credential sources', () => {
  it('takes credentials from a named cloud in clouds.yaml (cloud=, clouds_yaml=)', async () => {
    const run = await fenceCompute(`action=status\nplug=cmp-e\ncloud=sim\nclouds_yaml=${sim.cloudsYamlPath}\n`);
    expect(run).toMatchObject({ code: 0, stdout: 'Status: ON\n' });
  });

  it('takes the password from passwd_script, never printing it', async () => {
    const script = join(work, 'password.sh');
    writeFileSync(script, `#!/bin/sh\necho '${PASSWORD}'\n`, { mode: 0o700 });
    const stdin = tripleo('status', 'cmp-e', `passwd_script=${script}\nverbose=1`).replace(`passwd=${PASSWORD}\n`, '');
    const run = await fenceCompute(stdin, { HA_RSCTMP: mkdtempSync(join(work, 'state-')) });
    expect(run).toMatchObject({ code: 0, stdout: 'Status: ON\n' });
    expect(run.stderr).not.toContain(PASSWORD);
  });
});

describe('Nova before microversion 2.53', () => {
  let legacy: RunningSim;
  beforeAll(async () => {
    legacy = await startSim({ scenario: { ...scenario, nova: { maxVersion: '2.52' } } });
  }, 60_000);
  afterAll(async () => {
    await legacy?.stop();
  });

  it('fences and unfences through the legacy os-services calls', async () => {
    const opts = (action: string) =>
      `action=${action}\nplug=cmp-e\nauth_url=${legacy.authUrl}\nlogin=admin\npasswd=${PASSWORD}\ntenant_name=admin\n`;
    await legacy.resetCounters();
    expect(await fenceCompute(opts('off'))).toMatchObject({ code: 0, stdout: 'Success: Powered OFF\n' });
    setMark('cmp-e', 'no');
    expect(await fenceCompute(opts('on'))).toMatchObject({ code: 0, stdout: 'Success: Powered ON\n' });
    const { calls } = await legacy.calls();
    const puts = Object.keys(calls).filter((route) => route.startsWith('PUT'));
    expect(puts.sort()).toEqual(['PUT /v2.1/os-services/disable-log-reason', 'PUT /v2.1/os-services/enable', 'PUT /v2.1/os-services/force-down']);
    expect(calls['PUT /v2.1/os-services/force-down']).toBe(2);
  });
});
