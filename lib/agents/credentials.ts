/**
 * The OpenStack credential parameters every OCF agent of this project accepts: the classic
 * agents' names (both the upstream and the RHEL variants) plus the safer ways to supply
 * credentials (a clouds.yaml cloud, a credentials file, an application credential).
 *
 * Why auth_url/username/password/tenant_name are `required: false` in the meta-data although
 * the classic agents mark them required: a `cloud` or a `credentials_file` can supply all of
 * them, keeping the password out of the CIB. validate-all still insists on each of them by
 * name when neither is given (see validate-credentials.ts), and existing `pcs` configurations
 * that pass them keep working unchanged.
 */
import type { ParamDecls } from '../ocf/params';

export const ENDPOINT_TYPES = ['public', 'internal', 'admin', 'publicURL', 'internalURL', 'adminURL'] as const;

export const credentialParameters = {
  auth_url: {
    type: 'string',
    shortdesc: 'Keystone authentication URL',
    longdesc:
      'Keystone endpoint for authentication, e.g. https://keystone.example:5000/v3. Required unless cloud or credentials_file supplies it.',
  },
  username: {
    type: 'string',
    shortdesc: 'Username',
    longdesc: 'Keystone user the agent acts as (needs the admin role). Required unless cloud or credentials_file supplies it.',
  },
  password: {
    type: 'string',
    secret: true,
    shortdesc: 'Password',
    longdesc:
      'Password of that user. Never logged nor passed on a command line; prefer cloud or credentials_file to keep it out of the CIB.',
  },
  tenant_name: {
    type: 'string',
    shortdesc: 'Project (tenant) name',
    longdesc: 'Keystone project (tenant) to scope the token to. Required unless cloud or credentials_file supplies it.',
  },
  user_domain: {
    type: 'string',
    shortdesc: 'Keystone v3 user domain',
    longdesc: 'Keystone v3 domain of the user; Default when unset.',
  },
  project_domain: {
    type: 'string',
    shortdesc: 'Keystone v3 project domain',
    longdesc: 'Keystone v3 domain of the project; Default when unset.',
  },
  domain: {
    type: 'string',
    shortdesc: 'DNS domain of the compute nodes',
    longdesc:
      'DNS domain in which the compute hosts are registered in Nova, used to turn a cluster node name into a Nova host name.',
  },
  endpoint_type: {
    type: 'string',
    default: 'internalURL',
    shortdesc: 'Nova endpoint type',
    longdesc:
      'Which catalog endpoint to use for Nova: public, internal or admin (publicURL, internalURL and adminURL are accepted too).',
  },
  region_name: {
    type: 'string',
    shortdesc: 'Region name',
    longdesc: 'Region of the Nova endpoint in the service catalog; any region when unset.',
  },
  insecure: {
    type: 'boolean',
    default: false,
    shortdesc: 'Skip TLS certificate verification',
    longdesc: 'Do not verify the TLS certificates of Keystone and Nova. Unsafe; prefer ca_bundle.',
  },
  cloud: {
    type: 'string',
    shortdesc: 'Cloud name in clouds.yaml',
    longdesc:
      'Take the credentials from this entry of clouds.yaml (see clouds_yaml) instead of the parameters above; parameters given explicitly override it.',
  },
  clouds_yaml: {
    type: 'string',
    shortdesc: 'Path of clouds.yaml',
    longdesc: 'clouds.yaml to read the cloud from; the usual search path (/etc/openstack/clouds.yaml) when unset.',
  },
  credentials_file: {
    type: 'string',
    shortdesc: 'Credentials file',
    longdesc:
      'A root-only file with OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME (and the other OS_* variables) as KEY=value lines, in place of the parameters above.',
  },
  ca_bundle: {
    type: 'string',
    shortdesc: 'CA bundle',
    longdesc: 'PEM file with the certificate authorities that sign the Keystone and Nova endpoints.',
  },
  application_credential_id: {
    type: 'string',
    shortdesc: 'Application credential ID',
    longdesc: 'Authenticate with this Keystone application credential instead of a password (needs auth_url).',
  },
  application_credential_secret: {
    type: 'string',
    secret: true,
    shortdesc: 'Application credential secret',
    longdesc: 'Secret of the application credential. Never logged nor passed on a command line.',
  },
  state_dir: {
    type: 'string',
    shortdesc: 'State directory',
    longdesc:
      'Directory for the agent state (token cache, status file); HA_RSCTMP or /run/resource-agents when unset.',
  },
} as const satisfies ParamDecls;
