/**
 * NovaEvacuate's parameters beyond the credentials: the classic ones (no_shared_storage,
 * verbose, evacuate_delay) and the reconcile loop's, each with a safe default. The one source
 * of truth for the meta-data and for the handlers' types.
 */
import type { ParamDecls } from '../ocf/params';

export const novaEvacuateParameters = {
  no_shared_storage: {
    type: 'boolean',
    default: false,
    shortdesc: 'Instances are not on shared storage',
    longdesc: 'Set when instance disks are local to the compute nodes, so an evacuation rebuilds them from their image (sent to Nova below microversion 2.14; later ones detect it).',
  },
  verbose: {
    type: 'boolean',
    default: false,
    shortdesc: 'Verbose logging',
    longdesc: "Log every reconcile pass's summary at notice level, idle ones included (they are debug otherwise; debug output needs HA_debug).",
  },
  evacuate_delay: {
    type: 'integer',
    default: 0,
    shortdesc: 'Delay before evacuating (s)',
    longdesc: 'Seconds to wait, after a host is fenced and marked for evacuation, before its instances are evacuated.',
  },
  concurrency: {
    type: 'integer',
    default: 0,
    shortdesc: 'Evacuations in flight at once',
    longdesc:
      'Most evacuations accepted or running at the same time, all failed hosts together (counting those Nova shows in flight). ' +
      '0 (the default) means twice the build slots of the cloud (every host that can take instances times ' +
      'concurrency_per_target): one round building, the next waiting in Nova, so recovery runs as fast as the targets can build.',
  },
  concurrency_per_host: {
    type: 'integer',
    default: 0,
    shortdesc: 'Evacuations in flight per failed host',
    longdesc: 'Most evacuations in flight at once from one failed host; 0 (the default) means no limit of its own.',
  },
  concurrency_per_target: {
    type: 'integer',
    default: 10,
    shortdesc: 'Evacuations in flight per target host',
    longdesc: "Most evacuations in flight at once towards one target host (Nova's max_concurrent_builds defaults to 10).",
  },
  max_attempts: {
    type: 'integer',
    default: 3,
    shortdesc: 'Evacuation attempts per instance',
    longdesc: 'Attempts per instance (the first included) before it is given up and reported; a retry prefers another target.',
  },
  retry_backoff: {
    type: 'integer',
    default: 10,
    shortdesc: 'Retry backoff (s)',
    longdesc: 'Seconds to wait after a failed attempt before the next one; doubles with each failure, at most ten times this.',
  },
  scope: {
    type: 'string',
    default: 'classic',
    shortdesc: 'Which instances are protected',
    longdesc:
      'classic: instances with a flavor (extra spec evacuable=true) or image (tag evacuable) so tagged, or all when nothing is tagged, as the classic agent; tagged: only tagged ones (flavor, image or server metadata); all; none.',
  },
  instance_filtering: {
    type: 'boolean',
    default: true,
    shortdesc: 'Filter instances by scope (classic fence_evacuate option)',
    longdesc:
      'As the classic fence_evacuate option: false evacuates nothing (scope none), whatever scope says; true (the default) applies scope.',
  },
  segment_scopes: {
    type: 'string',
    shortdesc: 'Scope per segment',
    longdesc: 'segment=scope pairs, comma-separated, e.g. "gold=all, bronze=tagged"; other segments use scope.',
  },
  scope_metadata_key: {
    type: 'string',
    default: 'evacuable',
    shortdesc: 'Server metadata key of the opt-in/opt-out',
    longdesc: 'A server whose metadata has this key set to true is protected, false is not, whatever the flavor and image say.',
  },
  include_projects: {
    type: 'string',
    shortdesc: 'Only these projects',
    longdesc: 'Comma-separated project ids: when set, only their instances are protected.',
  },
  exclude_projects: {
    type: 'string',
    shortdesc: 'Not these projects',
    longdesc: 'Comma-separated project ids whose instances are never evacuated.',
  },
  include_aggregates: {
    type: 'string',
    shortdesc: 'Only hosts of these aggregates',
    longdesc: 'Comma-separated Nova aggregate names: when set, only instances of hosts in them are protected.',
  },
  segment_source: {
    type: 'string',
    default: 'none',
    shortdesc: 'Where segments come from',
    longdesc: 'none (one segment), node-attribute (the Pacemaker node attribute segment_attribute) or aggregate (Nova aggregates whose metadata key segment_metadata_key names the segment).',
  },
  segment_attribute: {
    type: 'string',
    default: 'nova-ha-segment',
    shortdesc: 'Node attribute naming the segment',
    longdesc: 'Permanent node attribute (crm_attribute -N host -n NAME) that names the segment of a compute host.',
  },
  segment_metadata_key: {
    type: 'string',
    default: 'ha_segment',
    shortdesc: 'Aggregate metadata key naming the segment',
    longdesc: 'With segment_source=aggregate: aggregates with this metadata key put their hosts in the segment it names.',
  },
  recovery_method: {
    type: 'string',
    default: 'auto',
    shortdesc: 'Recovery method',
    longdesc: "How instances find a new host: auto (Nova's scheduler), reserved_host (reserved hosts of the segment, enabled when needed), auto_priority, rh_priority.",
  },
  segment_recovery_methods: {
    type: 'string',
    shortdesc: 'Recovery method per segment',
    longdesc: 'segment=method pairs, comma-separated, e.g. "east=reserved_host, west=auto"; other segments use recovery_method.',
  },
  brake_max_hosts: {
    type: 'integer',
    default: 0,
    shortdesc: 'Brake: most hosts failing at once',
    longdesc: 'Evacuate nothing automatically when more than this many hosts are fenced within brake_window (0: no count limit). nova-ha resume lifts it.',
  },
  brake_max_segment_fraction: {
    type: 'string',
    default: '0.5',
    shortdesc: 'Brake: most of a segment failing at once',
    longdesc: 'Evacuate nothing automatically when more than this fraction (0.5 or 50%) of a segment is fenced within brake_window (0: off).',
  },
  brake_window: {
    type: 'integer',
    default: 300,
    shortdesc: 'Brake window (s)',
    longdesc: 'Hosts fenced within this many seconds of each other count together for the brake.',
  },
  pass_interval: {
    type: 'integer',
    default: 2,
    shortdesc: 'Seconds between reconcile passes',
    longdesc: 'Within one monitor, how often the attributes and Nova are read again while evacuations are pending.',
  },
  status_file: {
    type: 'string',
    default: '/run/nova-ha/status.json',
    shortdesc: 'Status file',
    longdesc: 'JSON status written atomically after every pass; nova-ha status reads it.',
  },
  metrics_file: {
    type: 'string',
    shortdesc: 'Prometheus textfile',
    longdesc: "File for node_exporter's textfile collector (e.g. /var/lib/prometheus/node-exporter/nova_ha.prom); none when unset.",
  },
} as const satisfies ParamDecls;
