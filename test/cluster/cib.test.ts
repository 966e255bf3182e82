/**
 * clusterCib (scripts/cluster/cib.ts), the one source of the lab's configuration: valid
 * against Pacemaker's schema for both variants, the fixed ids of issue 5, no secret, and the
 * same bytes for the same options (the operator docs are diffed against it). Needs xmllint
 * and Pacemaker's schemas only, not the running lab.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { clusterCib, type ClusterCibOptions } from '../../scripts/cluster/cib';

const base: ClusterCibOptions = {
  computes: 2,
  variant: 'novacompute',
  cloudsYaml: '/var/lib/nova-ha-cluster/clouds.yaml',
  cloud: 'sim',
  power: { kind: 'ipmi', address: '127.0.0.1', basePort: 16230, username: 'admin', passwordScript: '/var/lib/nova-ha-cluster/ipmi-password.sh' },
  nodeDir: '/var/lib/nova-ha-cluster/node',
  evacuationDelay: 0,
  novaComputeRestartLimit: 3,
  controllerFenceStatusFile: '/run/nova-ha-cluster/fence-ctl1.status',
};

async function validates(configuration: string): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'cluster-cib-'));
  const file = join(dir, 'cib.xml');
  writeFileSync(file, `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">\n${configuration}<status/></cib>\n`);
  const r = await execa('xmllint', ['--noout', '--relaxng', '/usr/share/pacemaker/pacemaker-3.9.rng', file], { reject: false, timeout: 20000 });
  return r.exitCode === 0;
}

describe('clusterCib', () => {
  test.each(['novacompute', 'wait'] as const)('the %s variant is valid against pacemaker-3.9.rng', async (variant) => {
    expect(await validates(clusterCib({ ...base, variant }))).toBe(true);
  });

  test('fixed ids, one level per compute, no secret, stable output', () => {
    const xml = clusterCib({ ...base, computes: 3 });
    for (const id of ['nova-evacuate', 'nova-compute-clone', 'nova-compute', 'compute-unfence-trigger-clone', 'fence-nova', 'fence-ipmi-compute3', 'compute3']) {
      expect(xml).toContain(`id="${id}"`);
    }
    expect(xml).toContain('<fencing-level id="fl-compute2-1" target="compute2" index="1" devices="fence-ipmi-compute2,fence-nova"/>');
    expect(xml).toContain('name="provides" value="unfencing"');
    expect(xml).toContain('name="pcmk_host_list" value="compute1 compute2 compute3"');
    expect(xml).toContain('on-fail="fence"');
    expect(xml).not.toMatch(/passw(or)?d"\s+value=/);
    expect(clusterCib({ ...base, computes: 3 })).toBe(xml);
    const wait = clusterCib({ ...base, variant: 'wait' });
    expect(wait).toContain('type="nova-compute-wait"');
    expect(wait).toContain('first="nova-compute-checkevacuate-clone" first-action="start" then="nova-compute-standin-clone"');
  });
});
