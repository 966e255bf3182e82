/**
 * fence_compute's options: every name the classic agent accepts (and its metadata lists),
 * plus credentials from clouds.yaml, an openrc-style file or an application credential.
 */
import type { FenceOptionSpecs } from '../fence/options';

export const fenceComputeOptions = {
  auth_url: {
    type: 'string',
    getopt: '-k',
    longopt: 'auth-url',
    metavar: 'url',
    default: '',
    shortdesc: 'Keystone Admin Auth URL',
  },
  endpoint_type: {
    type: 'string',
    getopt: '-e',
    longopt: 'endpoint-type',
    metavar: 'endpoint',
    default: 'internalURL',
    shortdesc: 'Nova Endpoint type (public, internal, admin, or publicURL, internalURL, adminURL)',
  },
  tenant_name: {
    type: 'string',
    getopt: '-t',
    longopt: 'tenant-name',
    metavar: 'name',
    default: '',
    shortdesc: 'Keystone Admin Tenant or v3 Project',
  },
  region_name: {
    type: 'string',
    longopt: 'region-name',
    metavar: 'region',
    default: '',
    shortdesc: 'Region Name',
  },
  insecure: {
    type: 'boolean',
    longopt: 'insecure',
    shortdesc: 'Allow Insecure TLS Requests',
    order: 2,
  },
  project_domain: {
    type: 'string',
    getopt: '-P',
    longopt: 'project-domain',
    metavar: 'name',
    deprecatedNames: ['project-domain'],
    default: 'Default',
    shortdesc: 'Keystone v3 Project Domain',
    order: 2,
  },
  user_domain: {
    type: 'string',
    getopt: '-u',
    longopt: 'user-domain',
    metavar: 'name',
    deprecatedNames: ['user-domain'],
    default: 'Default',
    shortdesc: 'Keystone v3 User Domain',
    order: 2,
  },
  cloud: {
    type: 'string',
    longopt: 'cloud',
    metavar: 'name',
    shortdesc: 'Named cloud in clouds.yaml to take credentials from (instead of auth_url, login, passwd…)',
    order: 3,
  },
  clouds_yaml: {
    type: 'string',
    longopt: 'clouds-yaml',
    metavar: 'path',
    shortdesc: 'clouds.yaml to read the cloud from (default: the openstack client search path)',
    order: 3,
  },
  credentials_file: {
    type: 'string',
    longopt: 'credentials-file',
    metavar: 'path',
    shortdesc: 'openrc-style file of OS_* variables to take credentials from (read, never executed)',
    order: 3,
  },
  application_credential_id: {
    type: 'string',
    longopt: 'application-credential-id',
    metavar: 'id',
    shortdesc: 'Keystone application credential id (instead of login and passwd)',
    order: 3,
  },
  application_credential_secret: {
    type: 'string',
    longopt: 'application-credential-secret',
    metavar: 'secret',
    secret: true,
    shortdesc: 'Keystone application credential secret',
    order: 3,
  },
  ca_bundle: {
    type: 'string',
    longopt: 'ca-bundle',
    metavar: 'path',
    shortdesc: 'PEM file of CA certificates to verify Keystone and Nova with',
    order: 3,
  },
  domain: {
    type: 'string',
    getopt: '-d',
    longopt: 'domain',
    metavar: 'string',
    shortdesc: 'DNS domain in which hosts live, useful when the cluster uses short names and nova uses FQDN',
    order: 5,
  },
  record_only: {
    type: 'string',
    getopt: '-r',
    longopt: 'record-only',
    metavar: 'value',
    default: 'False',
    shortdesc: 'Only record the target as needing evacuation; 2 or disabled turns the agent off (every action succeeds, doing nothing)',
    order: 5,
  },
  instance_filtering: {
    type: 'boolean',
    longopt: 'instance-filtering',
    default: true,
    shortdesc: 'Accepted for compatibility; instance selection is NovaEvacuate\'s',
    order: 5,
  },
  no_shared_storage: {
    type: 'boolean',
    longopt: 'no-shared-storage',
    default: false,
    shortdesc: 'Accepted for compatibility; shared storage is NovaEvacuate\'s concern',
    order: 5,
  },
  compute_domain: {
    type: 'string',
    longopt: 'compute-domain',
    metavar: 'string',
    deprecatedNames: ['compute-domain'],
    shortdesc: 'Replaced by domain (used when domain is not set)',
    order: 6,
  },
} as const satisfies FenceOptionSpecs;

export type FenceComputeOptions = typeof fenceComputeOptions;

/** `record_only` values with which the classic agent does nothing and succeeds. */
export const RECORD_ONLY_DISABLED: readonly string[] = ['2', 'Disabled', 'disabled'];
