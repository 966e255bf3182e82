/**
 * The built nova-ha against the simulated cloud and the stand-in Pacemaker tools: doctor
 * (all green, wrong password, unreachable Keystone), status (file and live), resume,
 * evacuate (refuses a live host, accepts a fenced one), usage errors and help, what
 * NovaCompute reports in status and explain, and failed fencing from crm_mon's history.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../../lib/openstack/connect';
import { resolveAuthSpec } from '../../lib/openstack/credentials';
import { Deadline } from '../../lib/runtime/deadline';
import { scenarioPath, startSim, type RunningSim } from '../helpers/sim';
import { formatComputeReport, type ComputeReport } from '../../lib/nova-compute/report';
import { computeReport } from '../helpers/compute-report';
import { CliHarness, ensureBuilt } from '../unit/cli/cli-harness';
import { sampleStatus } from '../unit/cli/sample-status';
import { CRM_MON_FENCED_AFTER_FAILURES_XML, CRM_MON_FENCING_FAILED_XML } from '../fixtures/crm-mon-fencing';

let sim: RunningSim;
let cli: CliHarness;
let cloudArgs: string[];

beforeAll(async () => {
  ensureBuilt();
  sim = await startSim({ scenario: scenarioPath('small'), timing: { timeScale: 20 } });
  cli = new CliHarness();
  cloudArgs = ['--cloud', 'sim', '--clouds-yaml', sim.cloudsYamlPath];
}, 120_000);

afterAll(async () => {
  await sim?.stop();
  cli?.cleanup();
});

/** Forces a host down in the simulated Nova the way fence_compute does (test set-up only). */
async function forceDown(host: string): Promise<void> {
  const spec = resolveAuthSpec({ cloud: 'sim', clouds_yaml: sim.cloudsYamlPath });
  const nova = await (await connect(spec, { deadline: Deadline.in(10_000) })).nova();
  const service = (await nova.listComputeServices({ host }))[0];
  if (!service) throw new Error(`no service ${host}`);
  await nova.forceDown(service, true);
}

describe('help and usage', () => {
  it('--help on every command, with the exit codes', async () => {
    for (const command of [[], ['doctor'], ['status'], ['resume'], ['evacuate']]) {
      const run = await cli.run([...command, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Exit codes:');
      expect(run.stdout).toContain('3  refused for safety');
    }
  });

  it('a reader that closes early (| true) ends it quietly', async () => {
    const { spawnSync } = await import('node:child_process');
    const { BUILT } = await import('../unit/cli/cli-harness');
    // `true` exits before node has started, so every write meets a closed pipe (EPIPE).
    const result = spawnSync('bash', ['-c', 'set -o pipefail; "$0" "$1" explain --help | true', process.execPath, BUILT], {
      env: cli.env(),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('an unknown command or option is a usage error (2)', async () => {
    expect((await cli.run(['frobnicate'])).code).toBe(2);
    const run = await cli.run(['status', '--no-such-option']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option '--no-such-option'");
  });

  it('missing credentials are a configuration error (2) that names what is missing', async () => {
    const run = await cli.run(['status', '--live']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/nova-ha: error: auth_url not configured/);
  });
});

describe('doctor', () => {
  it('is all green against the simulator with the Pacemaker stand-ins', async () => {
    writeFileSync(cli.statusFile, JSON.stringify(sampleStatus(Date.now())));
    const cib = join(cli.work, 'doctor-cib.xml');
    writeFileSync(cib, '<primitive id="nova-evacuate" class="ocf" provider="openstack" type="NovaEvacuate"/>\n');
    const run = await cli.run(['doctor', ...cloudArgs], { NOVA_HA_TEST_CIB: cib });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^✓ NovaEvacuate +resource 'nova-evacuate' configured$/m);
    for (const name of ['credentials', 'Keystone', 'catalog', 'Nova API', 'compute services', 'clock', 'Pacemaker tools', 'attributes', 'fencing', 'status file']) {
      expect(run.stdout).toMatch(new RegExp(`^✓ ${name} `, 'm'));
    }
    expect(run.stdout).toMatch(/token issued in \d+ ms/);
    expect(run.stdout).toContain('microversion 2.93 negotiated');
    expect(run.stdout).toContain('all checks passed');
  });

  it('--json gives the same checks as data', async () => {
    const run = await cli.run(['doctor', '--json', ...cloudArgs]);
    const report = JSON.parse(run.stdout) as { ok: boolean; checks: Array<{ name: string; status: string }> };
    expect(report.ok).toBe(true);
    expect(report.checks.find((check) => check.name === 'Keystone')?.status).toBe('ok');
    // No NovaEvacuate resource in this CIB: a warning, not a failure.
    expect(report.checks.find((check) => check.name === 'NovaEvacuate')?.status).toBe('warn');
  });

  it('a wrong password: Keystone ✗ saying what to check, exit 1, password never printed', async () => {
    const run = await cli.run(['doctor'], {
      OS_AUTH_URL: sim.authUrl,
      OS_USERNAME: 'admin',
      OS_PASSWORD: 'not-the-password',
      OS_PROJECT_NAME: 'admin',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^✗ Keystone .*refused user 'admin'.*\(401\): check username\/password/m);
    expect(run.stdout).toMatch(/^- Nova API +skipped: no token/m);
    expect(run.stdout + run.stderr).not.toContain('not-the-password');
  });

  it('an unreachable Keystone: ✗ naming the URL and auth_url, exit 1', async () => {
    const run = await cli.run(['doctor', '--os-auth-url', 'http://127.0.0.1:9/v3', '--os-username', 'admin', '--os-project-name', 'admin'], {
      OS_PASSWORD: 'pw-123',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^✗ Keystone .*cannot reach Keystone at http:\/\/127\.0\.0\.1:9\/v3.*check auth_url/m);
  });

  it('warns when a password is given on the command line', async () => {
    const run = await cli.run(['doctor', '--os-auth-url', sim.authUrl, '--os-username', 'admin', '--os-password', 'admin', '--os-project-name', 'admin']);
    expect(run.stderr).toContain('--os-password on the command line is visible');
  });

  it('missing Pacemaker tools are ✗ with the package to install', async () => {
    const run = await cli.run(['doctor', ...cloudArgs], { PATH: '/usr/bin:/bin' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^✗ Pacemaker tools +not on PATH: attrd_updater, crm_attribute, crm_mon, stonith_admin/m);
    expect(run.stdout).toContain('pacemaker-cli-utils');
  });
});

describe('status', () => {
  it('prints hosts, per-instance progress, errors and given-up instances from the status file', async () => {
    writeFileSync(cli.statusFile, JSON.stringify(sampleStatus(Date.now() - 5_000)));
    const run = await cli.run(['status']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('NovaEvacuate on ctl1, last pass 5 s ago');
    expect(run.stdout).toContain('brake:   off');
    expect(run.stdout).toMatch(/^cmp-a +segment-1 +ctl1@1795608416 +evacuating +1 evacuated, 1 in-flight, 1 unprotected/m);
    expect(run.stdout).toMatch(/aaaaaaa1-0000-4000-8000-000000000002 +a-tagged-flavor-2 +in-flight +REBUILD +cmp-a +\(scheduler\) +1 +No valid host/);
    expect(run.stdout).toContain('error:   nova: listing of migrations from cmp-a timed out');
    expect(run.stdout).toMatch(/Given up[\s\S]*b-paused +cmp-b +PAUSED/);
  });

  it('--json wraps the document with its age', async () => {
    const document = sampleStatus(Date.now() - 120_000, { brake: { tripped: true, reason: '3 hosts failed within 60 s', resumedAt: null } });
    writeFileSync(cli.statusFile, JSON.stringify(document));
    const json = JSON.parse((await cli.run(['status', '--json'])).stdout) as { source: string; stale: boolean; status: unknown };
    expect(json.source).toBe('file');
    expect(json.stale).toBe(true);
    expect(json.status).toEqual(document);
    const text = (await cli.run(['status'])).stdout;
    expect(text).toContain('WARNING: the status file is stale');
    expect(text).toContain('brake:   TRIPPED: 3 hosts failed within 60 s');
  });

  it('--live reads the marks and Nova', async () => {
    cli.setMarks({ 'cmp-b': 'yes' });
    const run = await cli.run(['status', '--live', ...cloudArgs]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^cmp-b +up\/enabled +no +yes +refused +3 +marked for evacuation but Nova sees it up/m);
    expect(run.stdout).toMatch(/^cmp-d +up\/disabled +no +- +reserved/m);
  });
});

describe('resume', () => {
  it('writes nova-ha-resumed-at = now in seconds and says so', async () => {
    const before = Math.floor(Date.now() / 1000);
    const run = await cli.run(['resume']);
    expect(run.code).toBe(0);
    const value = Number(cli.store().crm_config['nova-ha-resumed-at']);
    expect(value).toBeGreaterThanOrEqual(before);
    expect(value).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(run.stdout).toContain(`nova-ha-resumed-at=${value}`);
  });
});

describe('evacuate', () => {
  it('refuses a host Nova sees up (exit 3) and marks nothing', async () => {
    cli.setMarks({});
    const run = await cli.run(['evacuate', 'cmp-a', ...cloudArgs]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('Nova sees cmp-a up and not forced down');
    expect(run.stderr).toContain('--i-know-the-host-is-dead-unsafe');
    expect(cli.store().attrd.evacuate?.['cmp-a']).toBeUndefined();
  });

  it('an unknown host is exit 4 listing the known ones', async () => {
    const run = await cli.run(['evacuate', 'cmp-zz', ...cloudArgs]);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('known hosts: cmp-a, cmp-b, cmp-c, cmp-d');
  });

  it('accepts a dead, forced-down host and marks it evacuate=yes privately', async () => {
    await sim.killHost('cmp-c');
    await forceDown('cmp-c');
    const run = await cli.run(['evacuate', 'cmp-c', ...cloudArgs]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('marked cmp-c evacuate=yes');
    const store = cli.store();
    expect(store.attrd.evacuate?.['cmp-c']).toBe('yes');
    expect(store.attrdPrivate.evacuate).toBe(true);
    // Nothing was evacuated by the CLI itself: that is NovaEvacuate's job.
    expect((await sim.calls()).actions.evacuate ?? 0).toBe(0);
  });

  it('--wait follows the status file until the host is done', async () => {
    const done = sampleStatus(Date.now() + 1_000, {
      hosts: [{ name: 'cmp-c', mark: 'no', segment: 'segment-1', state: 'done', detail: 'all protected instances evacuated', fencedAt: null, instances: [] }],
      givenUp: [],
    });
    writeFileSync(cli.statusFile, JSON.stringify(done));
    const run = await cli.run(['evacuate', 'cmp-c', '--wait', '--timeout', '20', ...cloudArgs]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('cmp-c: done');
  });
});

describe('plan', () => {
  const segments = ['--segment-source', 'aggregate', '--segment-metadata-key', 'segment'];

  it('lists where each protected instance of the named hosts would go, by priority, changing nothing', async () => {
    await sim.resetCounters();
    const run = await cli.run(['plan', 'cmp-a', ...cloudArgs]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('If cmp-a failed now (segment default, recovery auto):');
    const rows = run.stdout.split('\n').filter((line) => /^ {2}aaaaaaa1-/.test(line));
    expect(rows).toHaveLength(7);
    // ha_priority=10 first.
    expect(rows[0]).toMatch(/a-tagged-flavor-2 +10 +\(scheduler\)/);
    expect(run.stdout).toContain('7 instance(s) would be evacuated, 0 would not (no room or state), 0 are not protected.');
    const calls = await sim.calls();
    expect(calls.actions).toEqual({});
    expect(Object.keys(calls.calls).filter((route) => !route.startsWith('GET ') && route !== 'POST /v3/auth/tokens')).toEqual([]);
  });

  it('reserved_host: targets the segment reserved host and shows the room it takes', async () => {
    const run = await cli.run(['plan', 'cmp-a', 'cmp-b', '--recovery-method', 'reserved_host', ...segments, '--nova-max-microversion', '2.87', ...cloudArgs]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('If cmp-b failed now (segment segment-1, recovery reserved_host):');
    expect(run.stdout).toMatch(/a-tagged-flavor-2 +10 +cmp-d +reserved host cmp-d of segment segment-1/);
    expect(run.stdout).toContain('reserved hosts enabled for this: cmp-d');
    expect(run.stdout).toMatch(/^ {2}cmp-d +16 vCPU\/16384 MB +11 vCPU\/11264 MB/m);
  });

  it('says what is unprotected and why; --json gives the plan as data', async () => {
    const run = await cli.run(['plan', 'cmp-b', '--scope', 'none', ...cloudArgs]);
    expect(run.stdout).toMatch(/unprotected bbbbbbb2-0000-4000-8000-000000000001 b-tagged: scope none protects no instance/);
    expect(run.stdout).toContain('0 instance(s) would be evacuated, 0 would not (no room or state), 3 are not protected.');
    const json = JSON.parse((await cli.run(['plan', 'cmp-b', '--json', ...cloudArgs])).stdout) as {
      hosts: Array<{ host: string; planned: Array<{ instanceId: string; target: string | null }> }>;
    };
    expect(json.hosts[0]?.host).toBe('cmp-b');
    expect(json.hosts[0]?.planned.map((p) => p.instanceId).sort()).toEqual([
      'bbbbbbb2-0000-4000-8000-000000000001',
      'bbbbbbb2-0000-4000-8000-000000000002',
      'bbbbbbb2-0000-4000-8000-000000000003',
    ]);
  });

  it("uses the NovaEvacuate resource's parameters from the CIB; options given override them", async () => {
    const cib = join(cli.work, 'cib.xml');
    writeFileSync(
      cib,
      `<primitive id="nova-evacuate" class="ocf" provider="openstack" type="NovaEvacuate">
  <instance_attributes id="nova-evacuate-instance_attributes">
    <nvpair id="ne-pw" name="password" value="cib-secret-pw"/>
    <nvpair id="ne-rm" name="recovery_method" value="reserved_host"/>
    <nvpair id="ne-ss" name="segment_source" value="aggregate"/>
    <nvpair id="ne-sk" name="segment_metadata_key" value="segment"/>
  </instance_attributes>
</primitive>
`,
    );
    const fromCib = await cli.run(['plan', 'cmp-a', ...cloudArgs], { NOVA_HA_TEST_CIB: cib });
    expect(fromCib.code).toBe(0);
    expect(fromCib.stdout).toContain("note: policy: NovaEvacuate resource 'nova-evacuate' in the CIB (3 parameter(s) set there), then the options given");
    expect(fromCib.stdout).toContain('If cmp-a failed now (segment segment-1, recovery reserved_host):');
    expect(fromCib.stdout + fromCib.stderr).not.toContain('cib-secret-pw');
    const overridden = await cli.run(['plan', 'cmp-a', '--recovery-method', 'auto', ...cloudArgs], { NOVA_HA_TEST_CIB: cib });
    expect(overridden.stdout).toContain('If cmp-a failed now (segment segment-1, recovery auto):');
    const ignored = await cli.run(['plan', 'cmp-a', '--no-cluster-config', ...cloudArgs], { NOVA_HA_TEST_CIB: cib });
    expect(ignored.stdout).toContain('If cmp-a failed now (segment default, recovery auto):');
  });

  it('an unknown host is exit 4; a bad policy option exit 2', async () => {
    expect((await cli.run(['plan', 'cmp-zz', ...cloudArgs])).code).toBe(4);
    const bad = await cli.run(['plan', 'cmp-a', '--recovery-method', 'teleport', ...cloudArgs]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--recovery-method: "teleport" is not one of auto, reserved_host, auto_priority, rh_priority');
  });
});

describe('explain', () => {
  it('says why an instance is protected, with its host, segment, priority and progress', async () => {
    writeFileSync(cli.statusFile, JSON.stringify(sampleStatus(Date.now())));
    const run = await cli.run(['explain', 'a-tagged-flavor-2', '--segment-source', 'aggregate', '--segment-metadata-key', 'segment', ...cloudArgs]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('instance   a-tagged-flavor-2 (aaaaaaa1-0000-4000-8000-000000000002), ACTIVE on cmp-a');
    expect(run.stdout).toContain('host       cmp-a: up, segment segment-1, recovery auto');
    expect(run.stdout).toContain('protected  yes: flavor ha.small carries extra spec evacuable=true');
    expect(run.stdout).toContain('priority   10 (metadata ha_priority)');
    expect(run.stdout).toMatch(/progress   in-flight from cmp-a, 1 failed attempt\(s\), last error: No valid host was found/);
  });

  it('says why not, by id; --json as data', async () => {
    const run = await cli.run(['explain', 'bbbbbbb2-0000-4000-8000-000000000002', '--scope', 'none', '--json', ...cloudArgs]);
    const json = JSON.parse(run.stdout) as { protected: boolean; reason: string; host: string };
    expect(json).toMatchObject({ protected: false, reason: 'scope none protects no instance', host: 'cmp-b' });
  });

  it('an unknown instance is exit 4', async () => {
    const run = await cli.run(['explain', 'no-such-server', ...cloudArgs]);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain("Nova has no server named 'no-such-server'");
  });
});

describe('what NovaCompute reports (nova-ha-compute attributes)', () => {
  const A2 = 'aaaaaaa1-0000-4000-8000-000000000002';
  function reports(now: number): Record<string, string> {
    const base = { checkedAt: now - 3_000 };
    const waiting = computeReport(now, { ...base, host: 'cmp-a', phase: 'waiting', since: now - 130_000, detail: '3 evacuation(s) from it still in progress in Nova' });
    const running = computeReport(now, {
      ...base,
      host: 'cmp-b',
      node: 'cmp-b',
      since: now - 7_200_000,
      computeRestarts: [now - 600_000],
      instances: [{ id: A2, name: 'a-tagged-flavor-2', at: [now - 900_000, now - 300_000], gaveUp: true, lastError: 'Nova refused the start: 409 Conflict' }],
    });
    return { 'cmp-a': formatComputeReport(waiting), 'cmp-b': formatComputeReport(running), 'cmp-c': 'garbage{' };
  }

  it('status: a Compute nodes section from every node, with the file; --json carries them as computes', async () => {
    const now = Date.now();
    cli.setAttrd({ 'nova-ha-compute': reports(now) });
    writeFileSync(cli.statusFile, JSON.stringify(sampleStatus(now)));
    const run = await cli.run(['status']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Compute nodes (NovaCompute and nova-compute-wait, from their nova-ha-compute attributes):');
    expect(run.stdout).toMatch(/^cmp-a +cmp-a +NovaCompute +0 +\d+ s ago +waiting 2m1\ds: 3 evacuation\(s\) from it still in progress in Nova$/m);
    expect(run.stdout).toMatch(/^cmp-b +cmp-b +NovaCompute +1 +\d+ s ago +running 2h00m: nova-compute runs/m);
    expect(run.stdout).toMatch(/^cmp-c +- +- +- +- +unreadable report "garbage\{"$/m);
    expect(run.stdout).toMatch(/cmp-b: nova-compute restarted in place 1 time\(s\) in the window: /);
    expect(run.stdout).toMatch(new RegExp(`^  ${A2} +a-tagged-flavor-2 +2 +\\S+, \\S+ +yes +Nova refused the start: 409 Conflict$`, 'm'));
    const json = JSON.parse((await cli.run(['status', '--json'])).stdout) as {
      computes: { nodes: Array<{ node: string; report: ComputeReport | null; problem: string | null }>; notes: string[] };
    };
    expect(json.computes.nodes.map((entry) => [entry.node, entry.report?.phase ?? entry.problem])).toEqual([
      ['cmp-a', 'waiting'],
      ['cmp-b', 'running'],
      ['cmp-c', 'unreadable report "garbage{"'],
    ]);
  });

  it('status --live: the same section after the hosts', async () => {
    cli.setAttrd({ 'nova-ha-compute': reports(Date.now()) });
    const run = await cli.run(['status', '--live', ...cloudArgs]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^cmp-a +up\/enabled +no +- +up/m);
    expect(run.stdout).toMatch(/^cmp-a +cmp-a +NovaCompute +0 +\d+ s ago +waiting 2m1\ds: 3 evacuation/m);
    const json = JSON.parse((await cli.run(['status', '--live', '--json', ...cloudArgs])).stdout) as { computes: { nodes: unknown[] } };
    expect(json.computes.nodes).toHaveLength(3);
  });

  it('attrd unreachable: a note, the status still printed', async () => {
    writeFileSync(cli.statusFile, JSON.stringify(sampleStatus(Date.now())));
    const run = await cli.run(['status'], { PATH: `${cli.bin}:/usr/bin:/bin` });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('NovaEvacuate on ctl1');
    expect(run.stdout).toMatch(/^note: +compute reports \(nova-ha-compute\) unreadable: .*attrd_updater/m);
  });

  it('explain: its host is waiting for evacuations; restarted by NovaCompute and given up', async () => {
    cli.setAttrd({ 'nova-ha-compute': reports(Date.now()) });
    const run = await cli.run(['explain', 'a-tagged-flavor-2', ...cloudArgs]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^compute +its host is waiting for evacuations from it to finish before nova-compute may start \(waiting 2m1\ds, node cmp-a, NovaCompute\): 3 evacuation\(s\) from it still in progress in Nova$/m);
    expect(run.stdout).toMatch(/^restarts +restarted by NovaCompute on cmp-b 2 time\(s\) in the window: \S+, \S+; GAVE UP \(restart limit reached\): it stays down until an operator acts; last error: Nova refused the start: 409 Conflict$/m);
    expect(run.stdout).toContain('note       node cmp-c: unreadable report "garbage{"');
    const json = JSON.parse((await cli.run(['explain', A2, '--json', ...cloudArgs])).stdout) as { compute: ComputeReport; restarts: { node: string } };
    expect(json.compute.phase).toBe('waiting');
    expect(json.restarts.node).toBe('cmp-b');
  });
});

describe("failed fencing (crm_mon's fencing history)", () => {
  // The lab's node compute1 stands for the simulator's cmp-a here.
  const failing = CRM_MON_FENCING_FAILED_XML.replaceAll('compute1', 'cmp-a');
  const repaired = CRM_MON_FENCED_AFTER_FAILURES_XML.replaceAll('compute1', 'cmp-a');
  afterAll(() => cli.setCrmMon(repaired));

  it('status: says fencing of cmp-a failed, when, how often, by whom, and that nothing is evacuated; --json as fencing', async () => {
    cli.setCrmMon(failing);
    writeFileSync(cli.statusFile, JSON.stringify(sampleStatus(Date.now())));
    const run = await cli.run(['status']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Fencing failed (crm_mon's fencing history): nothing is evacuated from it until fencing succeeds");
    expect(run.stdout).toMatch(
      /^ {2}cmp-a: fencing FAILED 2 time\(s\) from 2026-11-25 12:18Z to 2026-11-25 12:19Z, after the success at 2026-11-25 11:02Z \(off by ctl1, no exit reason given\); crm_mon shows it unclean \(lost and not fenced\); Pacemaker is trying again now$/m,
    );
    const json = JSON.parse((await cli.run(['status', '--json'])).stdout) as { fencing: { failures: Array<{ node: string; attempts: number; delegate: string }> } };
    expect(json.fencing.failures).toEqual([expect.objectContaining({ node: 'cmp-a', attempts: 2, delegate: 'ctl1', retrying: true, nodeState: 'unclean' })]);
  });

  it('status --live: cmp-a reads fence-failed (Nova still sees it up); --json carries it per host', async () => {
    cli.setCrmMon(failing);
    const run = await cli.run(['status', '--live', ...cloudArgs]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^cmp-a +up\/enabled +no +- +fence-failed +\d+ +fencing FAILED 2 time\(s\).*: nothing is evacuated from it until fencing succeeds$/m);
    const json = JSON.parse((await cli.run(['status', '--live', '--json', ...cloudArgs])).stdout) as {
      hosts: Array<{ name: string; state: string; fencing: { attempts: number } | null }>;
    };
    expect(json.hosts.find((host) => host.name === 'cmp-a')).toMatchObject({ state: 'fence-failed', fencing: { attempts: 2 } });
    expect(json.hosts.find((host) => host.name === 'cmp-b')?.fencing).toBeNull();
  });

  it('explain: its host is fence-failed and why', async () => {
    cli.setCrmMon(failing);
    const run = await cli.run(['explain', 'a-tagged-flavor-1', ...cloudArgs]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^host +cmp-a: fence-failed, /m);
    expect(run.stdout).toMatch(/^fencing +FAILED 2 time\(s\) .*: nothing is evacuated from it until fencing succeeds$/m);
  });

  it('doctor: ✗ fencing (exit 1); once a later fencing succeeded: ✓ and no section in status', async () => {
    cli.setCrmMon(failing);
    const failed = await cli.run(['doctor', ...cloudArgs]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^✗ fencing +cmp-a: fencing FAILED 2 time\(s\)/m);
    cli.setCrmMon(repaired);
    const fine = await cli.run(['doctor', ...cloudArgs]);
    expect(fine.stdout).toMatch(/^✓ fencing +no failed fencing in crm_mon's fencing history$/m);
    writeFileSync(cli.statusFile, JSON.stringify(sampleStatus(Date.now())));
    expect((await cli.run(['status'])).stdout).not.toContain('Fencing failed');
  });
});

// Last: it moves an instance, which the plan and explain tests above must not see.
describe('status --live during an evacuation', () => {
  it('status --live shows per-instance progress of a host being evacuated, from Nova', async () => {
    const spec = resolveAuthSpec({ cloud: 'sim', clouds_yaml: sim.cloudsYamlPath });
    const nova = await (await connect(spec, { deadline: Deadline.in(10_000) })).nova();
    // What NovaEvacuate would do for one of cmp-c's instances.
    await nova.evacuate('ccccccc3-0000-4000-8000-000000000001');
    await sim.waitFor(async () => (await nova.getServer('ccccccc3-0000-4000-8000-000000000001')).host !== 'cmp-c', { what: 'the rebuild' });
    const run = await cli.run(['status', '--live', ...cloudArgs]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^cmp-c +down\/\w+ +yes +yes +evacuating +1 /m);
    expect(run.stdout).toMatch(/ccccccc3-0000-4000-8000-000000000001 +c-tagged +evacuated +ACTIVE +cmp-[abd] +now on cmp-[abd]/);
    expect(run.stdout).toMatch(/ccccccc3-0000-4000-8000-000000000002 +c-untagged +pending +\S+ +cmp-c/);
  });
});
