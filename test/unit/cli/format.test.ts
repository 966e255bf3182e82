/** Text output of status, plan and explain, and the what-if planner, without a cloud. */
import { describe, expect, it } from '@jest/globals';
import { formatExplanation, type Explanation } from '../../../lib/cli/explain';
import { formatPlan } from '../../../lib/cli/plan';
import { formatStatusDocument, isStale } from '../../../lib/cli/status-format';
import { table } from '../../../lib/cli/table';
import { fenceHypothetically, planWhatIf, type WhatIfInput } from '../../../lib/cli/what-if';
import type { ScopePolicy } from '../../../lib/evacuation/model';
import { hostView, server, service } from './fixtures';
import { sampleStatus } from './sample-status';

const NOW = Date.parse('2026-11-25T14:00:00Z');

describe('status from the file', () => {
  it('shows the pass, brake, errors, hosts, instances and given-up ones', () => {
    const text = formatStatusDocument(sampleStatus(NOW - 12_000), { path: '/run/nova-ha/status.json', now: NOW, instances: true });
    expect(text).toContain('NovaEvacuate on ctl1, last pass 12 s ago (/run/nova-ha/status.json)');
    expect(text).not.toContain('stale');
    expect(text).toContain('brake:   off');
    expect(text).toMatch(/^cmp-b +segment-1 +no +done +no instances +all protected instances evacuated$/m);
    expect(text).toMatch(/^ {2}aaaaaaa1-0000-4000-8000-000000000001 +a-tagged-flavor-1 +evacuated +ACTIVE +cmp-b +cmp-b +0$/m);
    expect(text).toMatch(/b-paused +cmp-b +PAUSED: Nova cannot evacuate it/);
  });

  it('a stale file and a tripped brake are said first', () => {
    const doc = sampleStatus(NOW - 61_000, { brake: { tripped: true, reason: '4 of 6 hosts of segment-1 fenced within 300 s', resumedAt: null } });
    expect(isStale(doc, NOW)).toBe(true);
    const text = formatStatusDocument(doc, { path: '/s', now: NOW, instances: false });
    expect(text).toContain('WARNING: the status file is stale');
    expect(text).toContain('brake:   TRIPPED: 4 of 6 hosts of segment-1 fenced within 300 s; nothing is evacuated automatically');
    expect(text).not.toContain('a-tagged-flavor-1');
  });

  it('no hosts: one sentence', () => {
    const text = formatStatusDocument(sampleStatus(NOW, { hosts: [], givenUp: [] }), { path: '/s', now: NOW, instances: true });
    expect(text).toContain('No host is marked for evacuation or fenced.');
  });
});

describe('table', () => {
  it('pads every column but the last', () => {
    expect(table(['A', 'LONGER'], [['xx', 'y'], ['z', '']])).toBe('A   LONGER\nxx  y\nz');
  });
});

const classic: ScopePolicy = { mode: 'classic', metadataKey: 'evacuable', includeProjects: [], excludeProjects: [], includeAggregates: [] };

function input(overrides: Partial<WhatIfInput> = {}): WhatIfInput {
  const untagged = { id: null, originalName: 'plain', vcpus: 1, ram: 1024, disk: 10, extraSpecs: {} };
  return {
    hosts: [
      hostView('a'),
      hostView('b', { free: { vcpus: 4, ramMb: 4096, diskGb: 100 } }),
      hostView('r', { reserved: true, service: service('r', { status: 'disabled', disabledReason: 'reserved host for instance HA' }), free: { vcpus: 4, ramMb: 4096, diskGb: 100 } }),
    ],
    failing: ['a'],
    servers: new Map([
      [
        'a',
        [
          server('1', 'a'),
          server('2', 'a', { metadata: { ha_priority: '5' } }),
          server('3', 'a', { flavor: untagged, imageId: 'other' }),
          server('4', 'a', { status: 'PAUSED' }),
        ],
      ],
    ]),
    facts: { evacuableFlavorIds: new Set(), evacuableImageIds: new Set(['img']) },
    flavors: new Map(),
    policy: classic,
    methodFor: () => 'auto',
    perTarget: 10,
    ...overrides,
  };
}

describe('planWhatIf', () => {
  it('fences the named hosts in its own copy of the world only', () => {
    const hosts = [hostView('a'), hostView('b')];
    const world = fenceHypothetically(hosts, ['a']);
    expect(world[0]?.service).toMatchObject({ state: 'down', forcedDown: true });
    expect(world[0]?.mark).toEqual({ kind: 'needed' });
    expect(hosts[0]?.service.forcedDown).toBe(false);
    expect(world[1]).toBe(hosts[1]);
  });

  it('auto: protected instances by priority to the scheduler; unprotected and unevacuable listed with reasons', () => {
    const plan = planWhatIf(input());
    const host = plan.hosts[0];
    expect(host?.planned.map((p) => [p.instanceId, p.target ?? null, p.priority])).toEqual([
      ['2', null, 5],
      ['1', null, 0],
    ]);
    expect(host?.unprotected).toEqual([{ id: '3', name: 'vm-3', reason: expect.stringContaining('classic rule') }]);
    expect(host?.notEvacuable).toEqual([{ id: '4', name: 'vm-4', reason: 'PAUSED: Nova cannot evacuate an instance in this state' }]);
  });

  it('reserved_host: explicit reserved target with room; what does not fit is unplaced', () => {
    const servers = new Map([['a', [server('1', 'a'), server('2', 'a'), server('3', 'a')]]]);
    const plan = planWhatIf(input({ servers, methodFor: () => 'reserved_host' }));
    const host = plan.hosts[0];
    expect(host?.planned.map((p) => p.target)).toEqual(['r', 'r']);
    expect(host?.unplaced).toHaveLength(1);
    expect(host?.reservedToEnable).toEqual(['r']);
    expect(plan.room).toEqual([{ host: 'r', before: { vcpus: 4, ramMb: 4096, diskGb: 100 }, claimed: { vcpus: 4, ramMb: 4096, diskGb: 20 } }]);
    const text = formatPlan(plan, ['evacuate marks not read']);
    expect(text).toContain('note: evacuate marks not read');
    expect(text).toContain('If a failed now (segment default, recovery reserved_host):');
    expect(text).toMatch(/NO ROOM +1 vm-1|NO ROOM +[123] vm-[123]/);
    expect(text).toMatch(/^ {2}r +4 vCPU\/4096 MB\/100 GB +4 vCPU\/4096 MB\/20 GB$/m);
    expect(text).toContain('2 instance(s) would be evacuated, 1 would not (no room or state), 0 are not protected.');
  });
});

describe('formatExplanation', () => {
  const base: Explanation = {
    id: 'i-1',
    name: 'web',
    status: 'ACTIVE',
    host: 'cmp-a',
    hostState: 'evacuating',
    segment: 'east',
    recoveryMethod: 'reserved_host',
    protected: true,
    reason: 'flavor m1 carries extra spec evacuable=true',
    evacuable: true,
    priority: 0,
    size: { vcpus: 2, ramMb: 2048, diskGb: 10 },
    progress: null,
    compute: null,
    restarts: null,
    fencing: null,
    notes: [],
  };

  it('protected, no progress yet', () => {
    expect(formatExplanation(base, undefined, NOW)).toBe(
      [
        'instance   web (i-1), ACTIVE on cmp-a',
        'host       cmp-a: evacuating, segment east, recovery reserved_host',
        'protected  yes: flavor m1 carries extra spec evacuable=true',
        'priority   0 (no ha_priority metadata)',
        'size       2 vCPU / 2048 MB / 10 GB',
        'progress   no evacuation of it in the status file',
        '',
      ].join('\n'),
    );
  });

  it('protected but not evacuable, and given up', () => {
    const text = formatExplanation(
      { ...base, status: 'PAUSED', evacuable: false, progress: { source: 'status file', host: 'cmp-a', entry: { id: 'i-1', name: 'web', host: 'cmp-a', reason: 'PAUSED' } } },
      NOW - 3_000,
      NOW,
    );
    expect(text).toContain('but Nova cannot evacuate an instance in status PAUSED');
    expect(text).toContain('progress   GIVEN UP on cmp-a: PAUSED (status file, pass 3 s ago)');
  });
});

describe('NovaEvacuate configuration from the CIB', () => {
  it('reads the policy parameters of the primitive (bare or in an xpath-query), nothing else', async () => {
    const { parseAgentConfig } = await import('../../../lib/cli/cluster-config');
    const primitive = `<primitive id="ne" class="ocf" provider="openstack" type="NovaEvacuate"><instance_attributes id="a">
      <nvpair id="1" name="password" value="pw"/><nvpair id="2" name="scope" value="tagged"/>
      <nvpair id="3" name="concurrency_per_target" value="4"/></instance_attributes></primitive>`;
    expect(await parseAgentConfig(primitive)).toEqual({ resource: 'ne', options: { scope: 'tagged', perTarget: '4' } });
    expect(await parseAgentConfig(`<xpath-query>${primitive}</xpath-query>`)).toEqual({ resource: 'ne', options: { scope: 'tagged', perTarget: '4' } });
    expect(await parseAgentConfig('<primitive id="x" type="Dummy"/>')).toBeUndefined();
  });

  it('options given on the command line win over the cluster, the cluster over defaults', async () => {
    const { mergePolicyOptions } = await import('../../../lib/cli/cluster-config');
    const defaults = {
      scope: 'classic',
      scopeMetadataKey: 'evacuable',
      segmentSource: 'none',
      segmentAttribute: 'nova-ha-segment',
      segmentMetadataKey: 'ha_segment',
      recoveryMethod: 'auto',
      perTarget: '10',
    };
    const merged = mergePolicyOptions({ ...defaults, recoveryMethod: 'rh_priority' }, { recoveryMethod: 'reserved_host', scope: 'tagged' }, new Set(['recoveryMethod']));
    expect(merged).toMatchObject({ recoveryMethod: 'rh_priority', scope: 'tagged', segmentSource: 'none' });
  });
});
