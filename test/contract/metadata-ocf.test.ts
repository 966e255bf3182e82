/**
 * Each built OCF agent (run as a subprocess, as Pacemaker runs it) prints exactly the golden
 * metadata/<Agent>.xml, and that document is valid the three ways the tools check it.
 * Needs `npm run build` first; regenerate the golden files with `npm run metadata`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  OCF_AGENTS,
  installBuiltAgents,
  repoRoot,
  runAgentBinary,
  xmllint,
  type InstalledAgents,
} from '../unit/ocf/helpers/bundle';

let agents: InstalledAgents;
beforeAll(() => {
  agents = installBuiltAgents();
});
afterAll(() => agents?.remove());

describe.each(OCF_AGENTS)('%s meta-data', (name) => {
  let output: string;
  beforeAll(() => {
    const result = runAgentBinary(agents.path(name), 'meta-data');
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    output = result.stdout;
  });

  test(`equals metadata/${name}.xml (run npm run metadata after changing a declaration)`, () => {
    expect(output).toBe(readFileSync(join(repoRoot, 'metadata', `${name}.xml`), 'utf8'));
  });

  test('names the agent and claims OCF 1.1', () => {
    expect(output).toContain(`<resource-agent name="${name}" version="1.0">\n<version>1.1</version>`);
  });

  test('valid as ocf-tester checks it (xmllint --valid from the DTD directory)', () => {
    expect(xmllint(['--valid'], output)).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  test('valid against ra-api-1.dtd and metadata.rng', () => {
    expect(xmllint(['--dtdvalid', '/usr/share/resource-agents/ra-api-1.dtd'], output).status).toBe(0);
    const rng = xmllint(['--relaxng', '/usr/share/resource-agents/metadata.rng'], output);
    expect(rng.status).toBe(0);
    expect(rng.stderr).toBe('- validates\n');
  });

  test('a reader that closes early gets no stack trace and the agent still exits 0 (EPIPE)', () => {
    const result = spawnSync('bash', ['-c', `${agents.path(name)} meta-data | true; echo "rc=\${PIPESTATUS[0]}"`], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.stdout).toBe('rc=0\n');
    expect(result.stderr).toBe('');
  });

  test('meta-data does not depend on the environment', () => {
    const withEnv = runAgentBinary(agents.path(name), 'meta-data', {
      OCF_RESKEY_auth_url: 'http://127.0.0.1:5000/v3',
      OCF_RESOURCE_INSTANCE: 'x',
      HA_debug: '1',
    });
    expect(withEnv).toEqual({ status: 0, stdout: output, stderr: '' });
  });
});

/** Drop-in: every parameter and operation timeout of the classic agents (both variants). */
const CLASSIC = {
  NovaEvacuate: {
    parameters: ['auth_url', 'username', 'password', 'tenant_name', 'domain', 'user_domain', 'project_domain',
      'endpoint_type', 'region_name', 'insecure', 'no_shared_storage', 'verbose', 'evacuate_delay'],
    actions: { start: '20s', stop: '20s', monitor: '600s', 'validate-all': '20s', 'meta-data': '5s' },
  },
  NovaCompute: {
    parameters: ['auth_url', 'username', 'password', 'tenant_name', 'domain', 'endpoint_type', 'region_name',
      'insecure', 'no_shared_storage', 'evacuation_delay'],
    actions: { start: '600s', stop: '300s', monitor: '20s', 'validate-all': '20s', 'meta-data': '5s' },
  },
} as const;
const classicFor = (name: (typeof OCF_AGENTS)[number]) => (name === 'NovaEvacuate' ? CLASSIC.NovaEvacuate : CLASSIC.NovaCompute);
const NEW_CREDENTIAL_OPTIONS = ['cloud', 'clouds_yaml', 'credentials_file', 'ca_bundle', 'application_credential_id',
  'application_credential_secret', 'state_dir', 'user_domain', 'project_domain'];

describe.each(OCF_AGENTS)('%s is a drop-in for the classic agent', (name) => {
  const xml = () => readFileSync(join(repoRoot, 'metadata', `${name}.xml`), 'utf8');
  test('every classic parameter and the new credential options are declared', () => {
    const declared = [...xml().matchAll(/<parameter name="([^"]+)"/g)].map((match) => match[1]);
    for (const parameter of [...classicFor(name).parameters, ...NEW_CREDENTIAL_OPTIONS]) expect(declared).toContain(parameter);
  });
  test('the classic operation timeouts, monitor every 10 s at depth 0', () => {
    const actions = Object.fromEntries([...xml().matchAll(/<action name="([^"]+)" timeout="([^"]+)"/g)].map((m) => [m[1], m[2]]));
    expect(actions).toEqual(classicFor(name).actions);
    expect(xml()).toMatch(/<action name="monitor" timeout="\d+s" interval="10s" depth="0" \/>/);
  });
  test('the classic defaults: internalURL, insecure off, delays', () => {
    const content = (parameter: string) => {
      const block = xml().split('</parameter>').find((part) => part.includes(`<parameter name="${parameter}"`));
      return block?.match(/<content [^>]*>/)?.[0];
    };
    expect(content('endpoint_type')).toBe('<content type="string" default="internalURL" />');
    expect(content('insecure')).toBe('<content type="boolean" default="false" />');
    if (name === 'NovaEvacuate') expect(content('evacuate_delay')).toBe('<content type="integer" default="0" />');
    else expect(content('evacuation_delay')).toBe('<content type="integer" default="120" />');
  });
});
