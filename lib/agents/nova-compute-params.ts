/**
 * The parameters NovaCompute and nova-compute-wait add to the shared credentials: the classic
 * pair's (no_shared_storage, evacuation_delay), then how to find and run nova-compute, how
 * often to poll, and the monitor's restart limits. The scope parameters mean what they mean
 * for NovaEvacuate, so both agents protect the same instances.
 */
import type { ParamDecls, Params } from '../ocf/params';
import { credentialParameters } from './credentials';

export const novaComputeParameters = {
  no_shared_storage: {
    type: 'boolean',
    default: false,
    shortdesc: 'Instances are not on shared storage',
    longdesc: 'Set when instance disks are local to the compute nodes (as for NovaEvacuate).',
  },
  evacuation_delay: {
    type: 'integer',
    default: 120,
    shortdesc: 'Delay after evacuations (s)',
    longdesc:
      "Seconds nova-compute is held back after this node's last evacuation finished in Nova. Applied only when evacuations from this node really happened within that time; never when there were none.",
  },
  nova_conf: {
    type: 'string',
    default: '/etc/nova/nova.conf',
    shortdesc: 'nova.conf',
    longdesc:
      'nova-compute configuration file; [DEFAULT] host is read from it and then from the *.conf files of the nova.conf.d directory beside it, as nova-compute reads them.',
  },
  nova_compute_command: {
    type: 'string',
    default: '/usr/bin/nova-compute',
    shortdesc: 'nova-compute command (NovaCompute without systemd)',
    longdesc:
      'Command line that runs nova-compute in the foreground, split on white space (quotes group words; no shell). Used where systemd does not run and nova_compute_unit is empty.',
  },
  nova_user: {
    type: 'string',
    default: 'nova',
    shortdesc: 'User nova-compute runs as',
    longdesc: 'The command runs as this user with its groups (for libvirt and kvm access).',
  },
  nova_compute_unit: {
    type: 'string',
    shortdesc: 'systemd unit of nova-compute',
    longdesc:
      'Start and stop nova-compute through this systemd unit. When empty and systemd runs, openstack-nova-compute.service or nova-compute.service, whichever exists; without systemd the command is run.',
  },
  pid_file: {
    type: 'string',
    shortdesc: 'pid file of nova-compute',
    longdesc: 'Where the pid of the command is kept; <state_dir>/<agent>-<resource>.pid when empty.',
  },
  console_log: {
    type: 'string',
    default: '/var/log/nova/nova-compute-console.log',
    shortdesc: "nova-compute's standard output and error",
    longdesc: 'File the standard output and error are appended to (nova-compute writes its own log as configured).',
  },
  poll_interval: {
    type: 'integer',
    default: 5,
    shortdesc: 'Poll interval (s)',
    longdesc: 'Seconds between checks of the evacuate attribute and Nova while start waits.',
  },
  nova_compute_restart_limit: {
    type: 'integer',
    default: 3,
    shortdesc: 'In-place restarts of nova-compute',
    longdesc:
      'A monitor that finds nova-compute dead restarts it in place at most this many times per nova_compute_restart_window; then the monitor fails (with on-fail=fence Pacemaker fences the node). 0: never, fail at once.',
  },
  nova_compute_restart_window: {
    type: 'integer',
    default: 3600,
    shortdesc: 'Window of nova_compute_restart_limit (s)',
    longdesc: 'Seconds over which in-place restarts of nova-compute are counted.',
  },
  libvirt_daemons: {
    type: 'string',
    default: 'libvirtd,virtqemud',
    shortdesc: 'libvirt daemons (OCF_CHECK_LEVEL 10)',
    longdesc:
      'Comma-separated process names; at check level 10 and above one of them must run when nova.conf sets compute_driver to libvirt. Empty: not checked.',
  },
  instance_restart_limit: {
    type: 'integer',
    default: 3,
    shortdesc: 'Restarts of a crashed instance (OCF_CHECK_LEVEL 20)',
    longdesc:
      'At check level 20 a protected instance of this host that crashed or went off without an operator stopping it is started again through Nova, at most this many times per instance_restart_window. 0: never.',
  },
  instance_restart_window: {
    type: 'integer',
    default: 3600,
    shortdesc: 'Window of instance_restart_limit (s)',
    longdesc: 'Seconds over which the restarts of each instance are counted.',
  },
  scope: {
    type: 'string',
    default: 'classic',
    shortdesc: 'Which instances are protected',
    longdesc:
      "As NovaEvacuate's scope: classic (flavor extra spec or image tag evacuable, or all when nothing is tagged), tagged, all, none. Only protected instances are restarted.",
  },
  scope_metadata_key: {
    type: 'string',
    default: 'evacuable',
    shortdesc: 'Server metadata key of the opt-in/opt-out',
    longdesc: 'A server whose metadata has this key set to true is protected, false is not, whatever the flavor and image say.',
  },
} as const satisfies ParamDecls;

export const novaComputeDeclaration = { ...credentialParameters, ...novaComputeParameters } as const;
export type NovaComputeParams = Params<typeof novaComputeDeclaration>;
