/**
 * End to end: `nova-ha evacuate HOST --wait` with the built NovaEvacuate's monitor running
 * beside it, as Pacemaker would run it, on the simulated cloud and the stand-in attributes.
 * The CLI marks the fenced host; the agent evacuates; the CLI follows the status file to
 * "done". The simulator's oracle judges that nothing ran twice.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../../lib/openstack/connect';
import { resolveAuthSpec } from '../../lib/openstack/credentials';
import { Deadline } from '../../lib/runtime/deadline';
import { scenarioPath, startSim, type RunningSim } from '../helpers/sim';
import { CliHarness, ensureBuilt, REPO } from '../unit/cli/cli-harness';

const AGENT = join(REPO, 'dist', 'NovaEvacuate');

let sim: RunningSim;
let cli: CliHarness;

beforeAll(async () => {
  ensureBuilt();
  sim = await startSim({ scenario: scenarioPath('small'), timing: { timeScale: 20 } });
  cli = new CliHarness();
  mkdirSync(join(cli.work, 'state'));
}, 120_000);

afterAll(async () => {
  await sim?.stop();
  cli?.cleanup();
});

function agent(action: string, extra: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AGENT, action], {
      env: cli.env({
        HA_RSCTMP: join(cli.work, 'state'),
        OCF_ROOT: '/usr/lib/ocf',
        OCF_RESOURCE_INSTANCE: 'nova-evacuate',
        OCF_RESKEY_CRM_meta_on_node: 'ctl1',
        OCF_RESKEY_cloud: 'sim',
        OCF_RESKEY_clouds_yaml: sim.cloudsYamlPath,
        OCF_RESKEY_status_file: cli.statusFile,
        OCF_RESKEY_metrics_file: join(cli.work, 'nova_ha.prom'),
        OCF_RESKEY_pass_interval: '1',
        ...extra,
      }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('evacuate --wait with NovaEvacuate running', () => {
  it('marks the fenced host, NovaEvacuate evacuates it, --wait ends at done, nothing runs twice', async () => {
    expect(existsSync(AGENT)).toBe(true);
    expect((await agent('start')).code).toBe(0);

    // Power fencing and Nova's forced-down, as the stonith level would leave them.
    await sim.killHost('cmp-b');
    const spec = resolveAuthSpec({ cloud: 'sim', clouds_yaml: sim.cloudsYamlPath });
    const nova = await (await connect(spec, { deadline: Deadline.in(10_000) })).nova();
    const service = (await nova.listComputeServices({ host: 'cmp-b' }))[0];
    if (!service) throw new Error('no cmp-b');
    await nova.forceDown(service, true);

    const cloudArgs = ['--cloud', 'sim', '--clouds-yaml', sim.cloudsYamlPath];
    const waiting = cli.run(['evacuate', 'cmp-b', '--wait', '--wait-timeout', '60', ...cloudArgs]);
    // The next monitor after the mark (a monitor with nothing pending returns at once).
    await sim.waitFor(async () => cli.store().attrd.evacuate?.['cmp-b'] === 'yes', { what: 'the mark', timeoutMs: 30_000 });
    const pass = await agent('monitor', { OCF_RESKEY_CRM_meta_interval: '10000', OCF_RESKEY_CRM_meta_timeout: '60000' });
    const run = await waiting;

    expect(pass.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('marked cmp-b evacuate=yes');
    expect(run.stdout).toMatch(/^cmp-b: done/m);
    expect(cli.store().attrd.evacuate?.['cmp-b']).toBe('no');
    const onB = (await sim.state({ full: true })).instanceList?.filter((i) => i.host === 'cmp-b') ?? [];
    expect(onB).toEqual([]);
    expect((await sim.oracle()).ok).toBe(true);
  }, 120_000);
});
