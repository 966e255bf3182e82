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
