/**
 * The lab cluster's configuration, as the one `<configuration>` element cluster-up loads with
 * `cibadmin --replace --scope configuration`. This module is the single source of that XML:
 * the operator docs' pcs/crm forms are diffed against `clusterCib()`, so keep its ids, order
 * and output stable (same options → same bytes).
 *
 * What it holds (issue 5's fixed names): ctl1 (osprole=controller) and compute1..N as
 * ocf:pacemaker:remote nodes (osprole=compute); nova-evacuate on cluster nodes only; the
 * compute clones (NovaCompute, or nova-compute-wait plus a stand-in service) after
 * compute-unfence-trigger; per compute a power device (fence_ipmilan against the lab's BMC
 * emulator, or fence_dummy) and fence-nova (fence_compute, provides=unfencing) in one level.
 * No secret appears: Nova credentials come from clouds.yaml, the IPMI password from a script.
 */

export type ClusterVariant = 'novacompute' | 'wait';

export interface PowerFencing {
  kind: 'ipmi';
  /** The BMC emulators listen on this address, compute<i> on basePort + i. */
  address: string;
  basePort: number;
  username: string;
  /** fence_ipmilan's passwd_script: prints the password, so the CIB never holds it. */
  passwordScript: string;
}

export interface DummyFencing {
  kind: 'dummy';
}

export interface ClusterCibOptions {
  computes: number;
  variant: ClusterVariant;
  /** clouds.yaml written by cluster-up, and the cloud in it. */
  cloudsYaml: string;
  cloud: string;
  power: PowerFencing | DummyFencing;
  /** Every compute sees its own files at this one path (a bind mount per node). */
  nodeDir: string;
  /** Seconds NovaCompute holds nova-compute back after real evacuations (classic default 120). */
  evacuationDelay: number;
  /** In-place restarts of nova-compute before the depth-0 monitor fails (on-fail=fence). */
  novaComputeRestartLimit: number;
  /** fence_dummy's state file for ctl1's stand-in power device. */
  controllerFenceStatusFile: string;
  /** Extra NovaEvacuate parameters (brake, concurrency…), in the given order. */
  novaEvacuateParams?: ReadonlyArray<readonly [string, string]>;
}

export const CONTROLLER = 'ctl1';
export const CONTROLLER_NODE_ID = '1';

export function computeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `compute${i + 1}`);
}

/** 10.250.0.1<i>: compute<i>'s address on the lab bridge. */
export function computeAddress(name: string): string {
  return `10.250.0.1${name.replace(/^compute/, '')}`;
}

type Pairs = ReadonlyArray<readonly [string, string]>;

function esc(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function nvpairs(setTag: string, id: string, pairs: Pairs, indent: string): string[] {
  if (pairs.length === 0) return [];
  return [
    `${indent}<${setTag} id="${id}">`,
    ...pairs.map(([name, value]) => `${indent}  <nvpair id="${id}-${name}" name="${name}" value="${esc(value)}"/>`),
    `${indent}</${setTag}>`,
  ];
}

interface Op {
  name: string;
  interval: string;
  timeout?: string;
  onFail?: string;
  checkLevel?: number;
}

function operations(rsc: string, ops: Op[], indent: string): string[] {
  const lines = [`${indent}<operations>`];
  for (const op of ops) {
    const id = `${rsc}-${op.name}-interval-${op.interval}${op.checkLevel === undefined ? '' : `-depth-${op.checkLevel}`}`;
    const attrs = [`id="${id}"`, `name="${op.name}"`, `interval="${op.interval}"`];
    if (op.timeout !== undefined) attrs.push(`timeout="${op.timeout}"`);
    if (op.onFail !== undefined) attrs.push(`on-fail="${op.onFail}"`);
    if (op.checkLevel === undefined) {
      lines.push(`${indent}  <op ${attrs.join(' ')}/>`);
    } else {
      lines.push(`${indent}  <op ${attrs.join(' ')}>`);
      lines.push(...nvpairs('instance_attributes', `${id}-instance_attributes`, [['OCF_CHECK_LEVEL', String(op.checkLevel)]], `${indent}    `));
      lines.push(`${indent}  </op>`);
    }
  }
  lines.push(`${indent}</operations>`);
  return lines;
}

interface Primitive {
  id: string;
  klass: 'ocf' | 'stonith';
  provider?: string;
  type: string;
  params: Pairs;
  meta?: Pairs;
  ops: Op[];
}

function primitive(p: Primitive, indent: string): string[] {
  const provider = p.provider === undefined ? '' : ` provider="${p.provider}"`;
  return [
    `${indent}<primitive id="${p.id}" class="${p.klass}"${provider} type="${p.type}">`,
    ...nvpairs('instance_attributes', `${p.id}-instance_attributes`, p.params, `${indent}  `),
    ...nvpairs('meta_attributes', `${p.id}-meta_attributes`, p.meta ?? [], `${indent}  `),
    ...operations(p.id, p.ops, `${indent}  `),
    `${indent}</primitive>`,
  ];
}

function clone(id: string, inner: Primitive, indent: string): string[] {
  return [
    `${indent}<clone id="${id}">`,
    ...primitive(inner, `${indent}  `),
    ...nvpairs('meta_attributes', `${id}-meta_attributes`, [['interleave', 'true']], `${indent}  `),
    `${indent}</clone>`,
  ];
}

function credentials(opts: ClusterCibOptions): Pairs {
  return [
    ['cloud', opts.cloud],
    ['clouds_yaml', opts.cloudsYaml],
  ];
}

/**
 * Not requires=unfencing (the default once a device provides unfencing): the agent's start
 * itself waits for the host's evacuations, starts nova-compute and unfences in Nova, which is
 * what lets fence_compute's `on` (and so the trigger) succeed afterwards.
 */
const COMPUTE_AGENT_META: Pairs = [['requires', 'fencing']];

function computeOps(): Op[] {
  return [
    { name: 'start', interval: '0s', timeout: '600s' },
    { name: 'stop', interval: '0s', timeout: '300s' },
    { name: 'monitor', interval: '10s', timeout: '20s', onFail: 'fence' },
    { name: 'monitor', interval: '60s', timeout: '60s', checkLevel: 20 },
  ];
}

function computeAgentParams(opts: ClusterCibOptions): Pairs {
  return [
    ...credentials(opts),
    ['nova_conf', `${opts.nodeDir}/nova.conf`],
    ['evacuation_delay', String(opts.evacuationDelay)],
  ];
}

function computeResources(opts: ClusterCibOptions, indent: string): string[] {
  const standin = `${opts.nodeDir}/nova-compute`;
  if (opts.variant === 'novacompute') {
    return clone(
      'nova-compute-clone',
      {
        id: 'nova-compute',
        klass: 'ocf',
        provider: 'openstack',
        type: 'NovaCompute',
        params: [
          ...computeAgentParams(opts),
          ['nova_compute_command', `${standin} --config-file ${opts.nodeDir}/nova.conf`],
          ['nova_user', 'root'],
          // Per node: /run is private to each compute.
          ['console_log', '/run/nova/nova-compute-console.log'],
          ['nova_compute_restart_limit', String(opts.novaComputeRestartLimit)],
        ],
        meta: COMPUTE_AGENT_META,
        ops: computeOps(),
      },
      indent,
    );
  }
  return [
    ...clone(
      'nova-compute-checkevacuate-clone',
      {
        id: 'nova-compute-checkevacuate',
        klass: 'ocf',
        provider: 'openstack',
        type: 'nova-compute-wait',
        params: computeAgentParams(opts),
        meta: COMPUTE_AGENT_META,
        ops: computeOps(),
      },
      indent,
    ),
    ...clone(
      'nova-compute-standin-clone',
      {
        id: 'nova-compute-standin',
        klass: 'ocf',
        provider: 'heartbeat',
        type: 'anything',
        params: [
          ['binfile', standin],
          ['cmdline_options', `--config-file ${opts.nodeDir}/nova.conf`],
          ['logfile', '/run/nova/nova-compute-console.log'],
        ],
        meta: COMPUTE_AGENT_META,
        ops: [
          { name: 'start', interval: '0s', timeout: '60s' },
          { name: 'stop', interval: '0s', timeout: '60s' },
          { name: 'monitor', interval: '10s', timeout: '20s' },
        ],
      },
      indent,
    ),
  ];
}

function powerDevice(opts: ClusterCibOptions, node: string): Primitive {
  const ops: Op[] = [{ name: 'monitor', interval: '60s', timeout: '20s' }];
  if (opts.power.kind === 'dummy') {
    return {
      id: `fence-ipmi-${node}`,
      klass: 'stonith',
      type: 'fence_dummy',
      params: [['pcmk_host_list', node]],
      ops,
    };
  }
  const index = Number(node.replace(/^compute/, ''));
  return {
    id: `fence-ipmi-${node}`,
    klass: 'stonith',
    type: 'fence_ipmilan',
    params: [
      ['ip', opts.power.address],
      ['ipport', String(opts.power.basePort + index)],
      ['username', opts.power.username],
      ['passwd_script', opts.power.passwordScript],
      ['lanplus', '1'],
      ['pcmk_host_list', node],
    ],
    ops,
  };
}

function constraints(opts: ClusterCibOptions, indent: string): string[] {
  const onComputes = (id: string, rsc: string): string[] => [
    `${indent}<rsc_location id="${id}" rsc="${rsc}" resource-discovery="never">`,
    `${indent}  <rule id="${id}-rule" score="-INFINITY">`,
    `${indent}    <expression id="${id}-rule-expr" attribute="osprole" operation="ne" value="compute"/>`,
    `${indent}  </rule>`,
    `${indent}</rsc_location>`,
  ];
  const order = (id: string, first: string, then: string): string =>
    `${indent}<rsc_order id="${id}" first="${first}" first-action="start" then="${then}" then-action="start" kind="Mandatory"/>`;
  // No order from compute-unfence-trigger-clone to the compute agents (overview's pattern):
  // after a fence, unfencing runs fence_compute's `on`, which waits until Nova lets the host's
  // forced-down go — and Nova refuses while `done` evacuation records remain, which only
  // nova-compute starting on the host cleans up. Ordered behind the trigger (Mandatory, or
  // Optional: both land in one transition), the agent could never start: a deadlock seen in
  // this lab. NovaCompute's start waits for the evacuations itself and then unfences in Nova,
  // after which the retried unfencing succeeds and the trigger starts.
  const lines = [
    `${indent}<rsc_location id="nova-evacuate-on-cluster-nodes" rsc="nova-evacuate" resource-discovery="never">`,
    `${indent}  <rule id="nova-evacuate-on-cluster-nodes-rule" score="-INFINITY">`,
    `${indent}    <expression id="nova-evacuate-on-cluster-nodes-rule-expr" attribute="#kind" operation="ne" value="cluster"/>`,
    `${indent}  </rule>`,
    `${indent}</rsc_location>`,
    ...onComputes('compute-unfence-trigger-on-computes', 'compute-unfence-trigger-clone'),
  ];
  if (opts.variant === 'novacompute') {
    lines.push(...onComputes('nova-compute-on-computes', 'nova-compute-clone'));
  } else {
    lines.push(...onComputes('nova-compute-checkevacuate-on-computes', 'nova-compute-checkevacuate-clone'));
    lines.push(...onComputes('nova-compute-standin-on-computes', 'nova-compute-standin-clone'));
    lines.push(order('order-checkevacuate-then-standin', 'nova-compute-checkevacuate-clone', 'nova-compute-standin-clone'));
  }
  return lines;
}

/** The whole `<configuration>` element, two-space indented, ending with a newline. */
export function clusterCib(opts: ClusterCibOptions): string {
  const computes = computeNames(opts.computes);
  const i1 = '  ';
  const i2 = '    ';
  const lines: string[] = ['<configuration>', `${i1}<crm_config>`];
  lines.push(
    ...nvpairs(
      'cluster_property_set',
      'cib-bootstrap-options',
      [
        ['stonith-enabled', 'true'],
        // Fenced computes stay off until powered on (the drills do it through the BMC, as an
        // operator's repair would): with reboot, the node is back before NovaEvacuate has
        // moved its instances, and Nova (the simulator's oracle) sees them running twice.
        ['stonith-action', 'off'],
        ['dc-deadtime', '2s'],
        // The lab shares its two cores with other work: under that load Pacemaker's throttle
        // ran one action at a time through ctl1, and a failing unfencing attempt went first
        // every transition, so NovaCompute's start (which lets unfencing succeed) never ran.
        ['load-threshold', '1000%'],
        ['cluster-name', 'nova-ha-cluster'],
      ],
      i2,
    ),
  );
  lines.push(`${i1}</crm_config>`, `${i1}<nodes>`);
  lines.push(`${i2}<node id="${CONTROLLER_NODE_ID}" uname="${CONTROLLER}">`);
  lines.push(...nvpairs('instance_attributes', `nodes-${CONTROLLER_NODE_ID}`, [['osprole', 'controller']], `${i2}  `));
  lines.push(`${i2}</node>`);
  for (const node of computes) {
    lines.push(`${i2}<node id="${node}" uname="${node}" type="remote">`);
    lines.push(...nvpairs('instance_attributes', `nodes-${node}`, [['osprole', 'compute']], `${i2}  `));
    lines.push(`${i2}</node>`);
  }
  lines.push(`${i1}</nodes>`, `${i1}<resources>`);
  for (const node of computes) {
    lines.push(
      ...primitive(
        {
          id: node,
          klass: 'ocf',
          provider: 'pacemaker',
          type: 'remote',
          params: [
            ['server', computeAddress(node)],
            ['reconnect_interval', '60'],
          ],
          ops: [{ name: 'monitor', interval: '10s', timeout: '20s' }],
        },
        i2,
      ),
    );
  }
  // With a device that provides unfencing, every resource defaults to requires=unfencing, so
  // ctl1 too must be unfenced before anything starts there: a real controller has its power
  // device; the lab's ctl1 gets fence_dummy (its "on" is a no-op success).
  lines.push(
    ...primitive(
      {
        id: `fence-${CONTROLLER}`,
        klass: 'stonith',
        type: 'fence_dummy',
        params: [
          ['status_file', opts.controllerFenceStatusFile],
          ['pcmk_host_list', CONTROLLER],
        ],
        ops: [{ name: 'monitor', interval: '60s', timeout: '20s' }],
      },
      i2,
    ),
  );
  for (const node of computes) lines.push(...primitive(powerDevice(opts, node), i2));
  lines.push(
    ...primitive(
      {
        id: 'fence-nova',
        klass: 'stonith',
        type: 'fence_compute',
        params: [...credentials(opts), ['pcmk_host_list', computes.join(' ')]],
        meta: [['provides', 'unfencing']],
        ops: [{ name: 'monitor', interval: '60s', timeout: '20s' }],
      },
      i2,
    ),
  );
  lines.push(
    ...primitive(
      {
        id: 'nova-evacuate',
        klass: 'ocf',
        provider: 'openstack',
        type: 'NovaEvacuate',
        params: [...credentials(opts), ...(opts.novaEvacuateParams ?? [])],
        ops: [
          { name: 'start', interval: '0s', timeout: '20s' },
          { name: 'stop', interval: '0s', timeout: '20s' },
          { name: 'monitor', interval: '10s', timeout: '600s' },
        ],
      },
      i2,
    ),
  );
  lines.push(
    ...clone(
      'compute-unfence-trigger-clone',
      {
        id: 'compute-unfence-trigger',
        klass: 'ocf',
        provider: 'pacemaker',
        type: 'Dummy',
        params: [],
        meta: [['requires', 'unfencing']],
        ops: [{ name: 'monitor', interval: '10s', timeout: '20s' }],
      },
      i2,
    ),
  );
  lines.push(...computeResources(opts, i2));
  lines.push(`${i1}</resources>`, `${i1}<constraints>`);
  lines.push(...constraints(opts, i2));
  lines.push(`${i1}</constraints>`, `${i1}<fencing-topology>`);
  for (const node of computes) {
    lines.push(`${i2}<fencing-level id="fl-${node}-1" target="${node}" index="1" devices="fence-ipmi-${node},fence-nova"/>`);
  }
  lines.push(`${i1}</fencing-topology>`, '</configuration>');
  return `${lines.join('\n')}\n`;
}
