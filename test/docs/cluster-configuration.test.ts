/**
 * docs/cluster-configuration.md kept in step: its pcs blocks and its crm blocks run against
 * the same CIB file, offline (scripts/docs/offline-config.ts: no cluster is started or
 * touched), and the two results must mean the same configuration (scripts/docs/cib-model.ts)
 * as each other and as what scripts/cluster-up loads (scripts/cluster/cib.ts) with the same
 * site values. `crm_verify --xml-file` must accept every result.
 *
 * Needs root (private mount and network namespaces: our agents appear installed for pcs and
 * crmsh to read their meta-data, and no running cluster is reachable) and Debian's pcs, crmsh, pacemaker-cli-utils, resource-agents and
 * fence-agents. Missing ones are installed here with apt-get: pcs pulls in about 31 packages
 * (ruby, pcsd) and crmsh 3; expect one to two minutes of apt on a fresh machine (not measured
 * here: this machine had them). Each pcs call takes 1-3 s, so the four runs take about a
 * minute in all.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { clusterCib, computeAddress, computeNames, CONTROLLER, CONTROLLER_NODE_ID, type ClusterCibOptions, type ClusterVariant } from '../../scripts/cluster/cib';
import { configurationModel, modelDifferences, type ConfigurationModel } from '../../scripts/docs/cib-model';
import { docBlocks, pickBlocks } from '../../scripts/docs/doc-blocks';
import { runOfflineConfig } from '../../scripts/docs/offline-config';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PAGE = join(REPO, 'docs/cluster-configuration.md');

// The lab's values, as cluster-up passes them to clusterCib (scripts/cluster-up).
const LAB_VAR = '/var/lib/nova-ha-cluster';
function labOptions(variant: ClusterVariant): ClusterCibOptions {
  return {
    computes: 2,
    variant,
    cloudsYaml: `${LAB_VAR}/clouds.yaml`,
    cloud: 'sim',
    power: { kind: 'ipmi', address: '127.0.0.1', basePort: 16230, username: 'admin', passwordScript: `${LAB_VAR}/ipmi-password.sh` },
    nodeDir: `${LAB_VAR}/node`,
    evacuationDelay: 0,
    novaComputeRestartLimit: 3,
    controllerFenceStatusFile: '/run/nova-ha-cluster/fence-ctl1.status',
  };
}

/** The page's "Site values" block with the lab's values (the test's stand-in for that block). */
function labSite(options: ClusterCibOptions): string {
  if (options.power.kind !== 'ipmi') throw new Error('the page configures fence_ipmilan');
  const power = options.power;
  const computes = computeNames(options.computes);
  const table = (value: (node: string) => string): string => `(${computes.map((n) => `[${n}]=${value(n)}`).join(' ')})`;
  return [
    `CLOUD=${options.cloud}`,
    `CLOUDS_YAML=${options.cloudsYaml}`,
    `CONTROLLERS=(${CONTROLLER})`,
    `COMPUTES=(${computes.join(' ')})`,
    `declare -A REMOTE_ADDR=${table(computeAddress)}`,
    `declare -A BMC_ADDR=${table(() => power.address)}`,
    `declare -A BMC_PORT=${table((n) => String(power.basePort + Number(n.replace(/^compute/, ''))))}`,
    `BMC_USER=${power.username}`,
    `BMC_PASSWD_SCRIPT=${power.passwordScript}`,
    `NOVA_CONF=${options.nodeDir}/nova.conf`,
    `NOVA_COMPUTE_BIN=${options.nodeDir}/nova-compute`,
    // Fixed in scripts/cluster/cib.ts: the stand-in needs no account; /run is private per node.
    'NOVA_USER=root',
    'NOVA_CONSOLE_LOG=/run/nova/nova-compute-console.log',
    `EVACUATION_DELAY=${options.evacuationDelay}`,
    `NOVA_COMPUTE_RESTART_LIMIT=${options.novaComputeRestartLimit}`,
  ].join('\n');
}

// What a live cluster's CIB holds before an operator configures anything: ctl1 as a member.
const START_CIB = `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="${CONTROLLER_NODE_ID}" uname="${CONTROLLER}"/>
    </nodes>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
`;

// What the lab configures beyond instance HA (the page says why): three cluster properties
// and the stand-in for ctl1's own power device.
const LAB_ONLY_PROPERTIES = ['dc-deadtime', 'cluster-name', 'stonith-action', 'load-threshold'];
const LAB_ONLY_PRIMITIVES = [`fence-${CONTROLLER}`];

const STEPS = ['nodes', 'fencing', 'evacuate', 'unfence'];
function blockNames(tool: 'pcs' | 'crm', variant: ClusterVariant): string[] {
  const computeStep = variant === 'novacompute' ? 'novacompute' : 'wait';
  const steps = [...STEPS, computeStep].map((step) => `${tool}-${step}`);
  return tool === 'pcs' ? ['pcs-begin', ...steps, 'pcs-push'] : [...steps, 'crm-load'];
}

async function ensureTools(): Promise<void> {
  const needed: Record<string, string> = {
    '/usr/sbin/pcs': 'pcs',
    '/usr/sbin/crm': 'crmsh',
    '/usr/sbin/crm_verify': 'pacemaker-cli-utils',
    '/usr/lib/ocf/resource.d/heartbeat/anything': 'resource-agents',
    '/usr/sbin/fence_ipmilan': 'fence-agents',
  };
  const missing = [...new Set(Object.entries(needed).filter(([path]) => !existsSync(path)).map(([, pkg]) => pkg))];
  if (missing.length === 0) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Another session's apt may hold the dpkg lock: wait for it rather than fail.
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  await run('apt-get', [...lock, 'update'], { env, timeout: 600_000 });
  await run('apt-get', [...lock, 'install', '-y', '--no-install-recommends', ...missing], { env, timeout: 900_000 });
}

/** crm_verify of a result. An offline CIB has no status: quorum and "unseen nodes" are
 * switched off in a copy, so that only the configuration is judged. */
async function verify(dir: string, cib: string): Promise<void> {
  const file = join(dir, 'verify.xml');
  await writeFile(file, cib.replace('<cib ', '<cib have-quorum="1" '));
  await run('crm_attribute', ['-t', 'crm_config', '-n', 'startup-fencing', '-v', 'false'], { env: { ...process.env, CIB_file: file }, timeout: 30_000 });
  const done = await run('crm_verify', ['--xml-file', file, '-V'], { timeout: 60_000 }).catch((error: { code?: number; stderr?: string }) => {
    throw new Error(`crm_verify failed (exit ${String(error.code)}):\n${error.stderr ?? ''}`);
  });
  expect(`${done.stdout}${done.stderr}`).not.toMatch(/error/i);
}

interface Outcome {
  pcs: { cib: string; model: ConfigurationModel };
  crm: { cib: string; model: ConfigurationModel };
  clusterUp: ConfigurationModel;
}

const outcomes = new Map<ClusterVariant, Outcome>();
let workRoot = '';

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the docs test needs root (unshare --mount --net)');
  await ensureTools();
  workRoot = await mkdtemp(join(tmpdir(), 'docs-test-'));
  const blocks = docBlocks(await readFile(PAGE, 'utf8'));
  const runTool = async (tool: 'pcs' | 'crm', variant: ClusterVariant) => {
    const workDir = join(workRoot, `${tool}-${variant}`);
    const script = [labSite(labOptions(variant)), ...pickBlocks(blocks, blockNames(tool, variant))].join('\n');
    const result = await runOfflineConfig({ workDir, startCib: START_CIB, script, timeoutMs: 240_000 });
    return { cib: result.cib, model: await configurationModel(result.cib) };
  };
  // pcs and crm side by side (two cores); the variants one after the other.
  for (const variant of ['novacompute', 'wait'] as const) {
    const [pcs, crm] = await Promise.all([runTool('pcs', variant), runTool('crm', variant)]);
    outcomes.set(variant, { pcs, crm, clusterUp: await configurationModel(clusterCib(labOptions(variant))) });
  }
}, 900_000);

afterAll(async () => {
  if (workRoot !== '') await rm(workRoot, { recursive: true, force: true });
});

function outcome(variant: ClusterVariant): Outcome {
  const found = outcomes.get(variant);
  if (!found) throw new Error(`no outcome for ${variant}`);
  return found;
}

/** The shell variables a site block assigns, sorted. */
function assignedNames(site: string): string[] {
  return [...site.matchAll(/^(?:declare -A )?([A-Z_]+)=/gm)].map((m) => m[1] ?? '').sort();
}

describe("the page's own site values", () => {
  test('set exactly the variables the lab sets in their place', async () => {
    const site = pickBlocks(docBlocks(await readFile(PAGE, 'utf8')), ['site'])[0] ?? '';
    expect(assignedNames(site)).toEqual(assignedNames(labSite(labOptions('novacompute'))));
  });

  test('are valid bash that sets every one of them', async () => {
    const site = pickBlocks(docBlocks(await readFile(PAGE, 'utf8')), ['site'])[0] ?? '';
    const names = assignedNames(site);
    const done = await run('bash', ['-euo', 'pipefail', '-c', `${site}\ndeclare -p ${names.join(' ')}`], { timeout: 30_000 });
    for (const name of names) expect(done.stdout).toContain(` ${name}=`);
  });
});

describe.each(['novacompute', 'wait'] as const)('docs/cluster-configuration.md, %s variant', (variant) => {
  test('the pcs and the crm forms build the same configuration', () => {
    const { pcs, crm } = outcome(variant);
    expect(modelDifferences(pcs.model, crm.model).join('\n')).toBe('');
  });

  test('the pcs form builds what cluster-up loads, the lab-only extras aside', () => {
    const { pcs, clusterUp } = outcome(variant);
    // The exceptions must exist, or this list outlives what it excuses.
    const lab = structuredClone(clusterUp);
    for (const name of LAB_ONLY_PROPERTIES) {
      expect(lab.properties).toHaveProperty([name]);
      delete lab.properties[name];
    }
    for (const id of LAB_ONLY_PRIMITIVES) {
      expect(lab.primitives).toHaveProperty([id]);
      delete lab.primitives[id];
    }
    expect(modelDifferences(pcs.model, lab).join('\n')).toBe('');
  });

  test('the configuration is the one issue 5 fixes: ids, agents, topology, unfencing', () => {
    const { model } = outcome(variant).pcs;
    expect(model.properties['stonith-enabled']).toBe('true');
    expect(model.nodes['ctl1']?.attributes).toEqual({ osprole: 'controller' });
    expect(model.nodes['compute2']).toEqual({ type: 'remote', attributes: { osprole: 'compute' } });
    expect(model.primitives['compute1']?.params).toEqual({ server: '10.250.0.11', reconnect_interval: '60' });
    expect(model.fencingLevels).toEqual(['compute1 1: fence-ipmi-compute1,fence-nova', 'compute2 1: fence-ipmi-compute2,fence-nova']);
    expect(model.primitives['fence-nova']?.meta).toEqual({ provides: 'unfencing' });
    expect(model.primitives['compute-unfence-trigger']?.meta).toEqual({ requires: 'unfencing' });
    const clones = variant === 'novacompute' ? ['nova-compute-clone'] : ['nova-compute-checkevacuate-clone', 'nova-compute-standin-clone'];
    for (const clone of ['compute-unfence-trigger-clone', ...clones]) expect(model.containers[clone]?.meta).toEqual({ interleave: 'true' });
  });

  test('no secret in the CIB: credentials come from clouds.yaml and a password script', () => {
    for (const cib of [outcome(variant).pcs.cib, outcome(variant).crm.cib]) {
      expect(cib).not.toMatch(/name="(password|passwd|application_credential_secret)"/);
      expect(cib).toMatch(/name="clouds_yaml"/);
    }
  });

  test('crm_verify accepts both results', async () => {
    const { pcs, crm } = outcome(variant);
    await verify(join(workRoot, `pcs-${variant}`), pcs.cib);
    await verify(join(workRoot, `crm-${variant}`), crm.cib);
  }, 120_000);
});
